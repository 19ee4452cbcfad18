/* rv64m.S: RV64M multiply/divide with known answers: mul/mulh/mulhsu/mulhu/div/divu/rem/remu and the W forms
 * (mulw/divw/divuw/remw/remuw), including the spec's division-by-zero results (quotient all ones, remainder
 * = dividend) and signed overflow (most-negative / -1 gives the dividend back, remainder 0). */
#include "test.h"

#define MIN64 0x8000000000000000
#define MIN32 0xffffffff80000000

    .text
    .globl test_main
test_main:
    TEST_RR(1,  mul,    42, 6, 7)
    TEST_RR(2,  mul,    -42, -6, 7)
    TEST_RR(3,  mul,    0x0000000000000001, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR(4,  mul,    0x2236d88fe5618cf0, 0x123456789abcdef0, 0x0fedcba987654321)  /* low 64 bits */
    TEST_RR(5,  mulh,   0xffffffffffffffff, -1, 1)
    TEST_RR(6,  mulh,   0x0000000000000000, -1, -1)
    TEST_RR(7,  mulh,   0x4000000000000000, MIN64, MIN64)
    TEST_RR(8,  mulhu,  0xfffffffffffffffe, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR(9,  mulhu,  0x0121fa00ad77d742, 0x123456789abcdef0, 0x0fedcba987654321)
    TEST_RR(10, mulhsu, 0xffffffffffffffff, -1, 1)                 /* -1 * 1 = -1: high word all ones */
    TEST_RR(11, mulhsu, 0xffffffffffffffff, -1, 0xffffffffffffffff) /* -(2^64-1): rs2 unsigned */
    TEST_RR(12, mulhsu, 0x0000000000000000, 1, 0xffffffffffffffff)
    TEST_RR(13, mulw,   0xffffffff80000000, 0x40000000, 2)           /* 32-bit product, sign-extended */
    TEST_RR(14, mulw,   0x0000000000000001, 0xffffffffffffffff, 0xffffffffffffffff)
    TEST_RR(15, mulw,   0x0000000000000006, 0x1234567800000002, 0xabcdef0000000003)

    TEST_RR(20, div,    3, 20, 6)
    TEST_RR(21, div,    -3, -20, 6)                                  /* rounds toward zero */
    TEST_RR(22, div,    -3, 20, -6)
    TEST_RR(23, div,    3, -20, -6)
    TEST_RR(24, divu,   0x2aaaaaaaaaaaaaa7, -20, 6)
    TEST_RR(25, rem,    2, 20, 6)
    TEST_RR(26, rem,    -2, -20, 6)                                  /* sign of the dividend */
    TEST_RR(27, rem,    2, 20, -6)
    TEST_RR(28, remu,   2, -20, 6)
    /* division by zero */
    TEST_RR(30, div,    -1, 20, 0)
    TEST_RR(31, divu,   0xffffffffffffffff, 20, 0)
    TEST_RR(32, rem,    20, 20, 0)
    TEST_RR(33, remu,   -20, -20, 0)
    /* signed overflow */
    TEST_RR(34, div,    MIN64, MIN64, -1)
    TEST_RR(35, rem,    0, MIN64, -1)

    /* W forms: operate on the low 32 bits, sign-extend the 32-bit result */
    TEST_RR(40, divw,   -3, 0x00000000ffffffec, 6)                   /* low word -20 */
    TEST_RR(41, divuw,  0x000000002aaaaaa7, 0xffffffffffffffec, 6)   /* 0xffffffec / 6 */
    TEST_RR(42, divuw,  0xffffffff80000000, 0x80000000, 1)           /* result bit 31 sign-extends */
    TEST_RR(43, remw,   -2, 0x12345678ffffffec, 6)
    TEST_RR(44, remuw,  2, 0xffffffec, 6)
    TEST_RR(45, divw,   -1, 20, 0x100000000)                        /* divisor's low word is zero */
    TEST_RR(46, divuw,  -1, 20, 0)
    TEST_RR(47, remw,   20, 20, 0)
    TEST_RR(48, remuw,  0xffffffffffffffec, 0xffffffec, 0)          /* dividend sign-extended */
    TEST_RR(49, divw,   MIN32, 0x80000000, -1)
    TEST_RR(50, remw,   0, 0x80000000, -1)

    li      a0, 0
    j       pass
