/* rv64a.S: RV64A atomics with known answers: lr/sc (success, failure without a reservation, failure on a
 * different address, sign extension of lr.w), every amo*.w and amo*.d (returned old value, stored result,
 * signed vs unsigned min/max, .w sign extension). Then a 4-hart test: every hart adds 1 to one shared counter
 * 10000 times with amoadd.w and to another with an lr.w/sc.w retry loop; hart 0 waits for all four and checks
 * both totals are 40000. Needs 4 harts. */
#include "test.h"

#define ITER 10000
#define NHARTS 4

/* AMO(id, inst, mem_before, operand, expect_rd, expect_mem, load) */
#define AMO(id, inst, before, opnd, exp_rd, exp_mem, load) \
    la s0, word; li a1, before; sd a1, 0(s0); li a2, opnd; inst a0, a2, (s0); \
    CHECK_EQ(id, a0, exp_rd); load a0, 0(s0); CHECK_EQ(id + 100, a0, exp_mem)

    .text
    .globl test_main
test_main:
    /* --- lr/sc --- */
    la      s0, word
    li      a1, 0x00000000deadbeef
    sd      a1, 0(s0)
    lr.w    a0, (s0)
    CHECK_EQ(1, a0, 0xffffffffdeadbeef)        /* lr.w sign-extends */
    li      a2, 0x12345678
    sc.w    a3, a2, (s0)
    CHECK_EQ(2, a3, 0)                         /* success writes 0 */
    ld      a0, 0(s0)
    CHECK_EQ(3, a0, 0x12345678)
    li      a2, 0x55
    sc.w    a3, a2, (s0)                       /* the reservation was consumed: must fail */
    CHECK_EQ(4, a3, 1)
    ld      a0, 0(s0)
    CHECK_EQ(5, a0, 0x12345678)                /* and must not write */
    lr.d    a0, (s0)
    CHECK_EQ(6, a0, 0x12345678)
    li      a2, -7
    sc.d    a3, a2, (s0)
    CHECK_EQ(7, a3, 0)
    ld      a0, 0(s0)
    CHECK_EQ(8, a0, -7)
    la      s1, far_word                       /* a different page: outside any reservation set */
    lr.d    a0, (s0)
    li      a2, 99
    sc.d    a3, a2, (s1)
    bnez    a3, 1f
    CHECK_EQ(9, a3, 1)
1:  ld      a0, 0(s1)
    CHECK_EQ(10, a0, 0)

    /* --- AMOs, 32-bit: rd gets the sign-extended old word --- */
    AMO(20, amoswap.w, 0x80000000, 1, 0xffffffff80000000, 1, ld)
    AMO(21, amoadd.w,  0x7fffffff, 1, 0x7fffffff, 0x80000000, lwu)
    AMO(22, amoadd.w,  0xffffffff, 1, -1, 0, ld)      /* carry out of bit 31 does not reach memory */
    AMO(23, amoand.w,  0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0x0f000f00, ld)
    AMO(24, amoor.w,   0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0xfff0fff0, lwu)
    AMO(25, amoxor.w,  0xff00ff00, 0x0ff00ff0, 0xffffffffff00ff00, 0xf0f0f0f0, lwu)
    AMO(26, amomin.w,  0x00000001, -1, 1, -1, lw)     /* signed: -1 < 1 */
    AMO(27, amomax.w,  0xffffffff, 1, -1, 1, lw)
    AMO(28, amominu.w, 0xffffffff, 1, -1, 1, lw)      /* unsigned: 1 < 0xffffffff */
    AMO(29, amomaxu.w, 0x00000001, -1, 1, -1, lw)
    AMO(30, amomin.w,  0x80000000, 0x7fffffff, 0xffffffff80000000, 0x80000000, lwu)
    /* --- AMOs, 64-bit --- */
    AMO(40, amoswap.d, 0x123456789abcdef0, -1, 0x123456789abcdef0, -1, ld)
    AMO(41, amoadd.d,  0xffffffffffffffff, 2, -1, 1, ld)
    AMO(42, amoand.d,  0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0x0f000f000f000f00, ld)
    AMO(43, amoor.d,   0xff00000000000000, 0x00000000000000ff, 0xff00000000000000, 0xff000000000000ff, ld)
    AMO(44, amoxor.d,  0xffffffffffffffff, 0x00000000ffffffff, -1, 0xffffffff00000000, ld)
    AMO(45, amomin.d,  1, -1, 1, -1, ld)
    AMO(46, amomax.d,  -1, 1, -1, 1, ld)
    AMO(47, amominu.d, -1, 1, -1, 1, ld)
    AMO(48, amomaxu.d, 1, -1, 1, -1, ld)
    AMO(49, amomin.d,  0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000, ld)
    /* rd = x0 still performs the update */
    la      s0, word
    sd      zero, 0(s0)
    li      a2, 5
    amoadd.d zero, a2, (s0)
    ld      a0, 0(s0)
    CHECK_EQ(50, a0, 5)

    /* --- multi-hart: hart 0 takes part, then waits for the other three --- */
    call    hammer
1:  la      t0, done
    lw      t1, 0(t0)
    li      t2, NHARTS
    bne     t1, t2, 1b
    fence
    la      t0, counter_amo
    lw      a0, 0(t0)
    CHECK_EQ(60, a0, NHARTS * ITER)
    la      t0, counter_lrsc
    lw      a0, 0(t0)
    CHECK_EQ(61, a0, NHARTS * ITER)
    li      a0, 0
    j       pass

/* Harts 1..3 arrive here from crt-m.S. */
    .globl secondary_main
secondary_main:
    li      t0, NHARTS
    bgeu    a0, t0, 1f                       /* extra harts (e.g. -smp 8) stay out of the count */
    call    hammer
1:  j       park

/* hammer: ITER amoadd.w increments, then ITER lr/sc increments, then signal done. Uses t0-t4 only. */
hammer:
    la      t0, counter_amo
    li      t1, ITER
    li      t2, 1
1:  amoadd.w zero, t2, (t0)
    addi    t1, t1, -1
    bnez    t1, 1b
    la      t0, counter_lrsc
    li      t1, ITER
2:  lr.w    t3, (t0)
    addi    t3, t3, 1
    sc.w    t4, t3, (t0)
    bnez    t4, 2b                           /* lost the reservation to another hart: retry */
    addi    t1, t1, -1
    bnez    t1, 2b
    la      t0, done
    amoadd.w.rl zero, t2, (t0)               /* release: counters are visible before done */
    ret

    .data
    .align 6
word:         .dword 0
    .align 6
counter_amo:  .word 0
    .align 6
counter_lrsc: .word 0
    .align 6
done:         .word 0
    .align 12
far_word:     .dword 0
