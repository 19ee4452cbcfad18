/* rv64i.S: RV64I base integer instructions with known answers: register and immediate ALU ops including the
 * 32-bit W forms and their sign extension, shift-amount masking, comparisons, lui/auipc, every branch taken
 * and not taken (signed vs unsigned), jal/jalr link values and jalr's cleared low bit, and loads/stores of
 * every width with sign/zero extension. x0 must stay zero. Check ids are the failure numbers. */
#include "test.h"

    .text
    .globl test_main
test_main:
    /* --- add/sub and the W forms (wrap at 32 bits, then sign-extend) --- */
    TEST_RR(1,  add,  5, 2, 3)
    TEST_RR(2,  add,  0, -1, 1)
    TEST_RR(3,  add,  0x8000000000000000, 0x7fffffffffffffff, 1)
    TEST_RR(4,  sub,  -1, 2, 3)
    TEST_RR(5,  sub,  0x7fffffffffffffff, 0x8000000000000000, 1)
    TEST_RR(6,  addw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RR(7,  addw, 0, 0xffffffff, 1)
    TEST_RR(8,  addw, 0x12345678, 0xabcdef0012345670, 8)   /* upper bits of the sources are ignored */
    TEST_RR(9,  subw, 0x7fffffff, 0x80000000, 1)
    TEST_RR(10, subw, -1, 0, 1)
    TEST_RI(11, addi, -2048 + 5, 5, -2048)
    TEST_RI(12, addi, 2047, 0, 2047)
    TEST_RI(13, addiw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RI(14, addiw, 0x0000000000000010, 0x1234567800000011, -1)
    TEST_RI(15, addiw, 0xffffffffffffffff, 0xfffffffff, 0)       /* sext.w */

    /* --- logical --- */
    TEST_RR(20, and, 0x0f000f00, 0x0ff00ff0, 0xff00ff00)
    TEST_RR(21, or,  0xfff0fff0, 0x0ff00ff0, 0xf0f0f0f0)
    TEST_RR(22, xor, 0xff00ff00, 0x0ff00ff0, 0xf0f0f0f0)
    TEST_RI(23, andi, 0x0f0, 0xff00ff0f0, 0x0f0)
    TEST_RI(24, andi, 0xff00ff0f0, 0xff00ff0f0, -1)              /* imm sign-extended to all ones */
    TEST_RI(25, ori,  0xfffffffffffff812, 0x12, -2048)
    TEST_RI(26, xori, 0xffffffffffffff0f, 0xf0, -1)              /* not */

    /* --- shifts: 6-bit amounts for 64-bit ops, 5-bit for W ops --- */
    TEST_RR(30, sll,  0x8000000000000000, 1, 63)
    TEST_RR(31, sll,  2, 1, 65)                                  /* amount masked to 1 */
    TEST_RR(32, srl,  1, 0x8000000000000000, 63)
    TEST_RR(33, sra,  -1, 0x8000000000000000, 63)
    TEST_RR(34, sra,  0xf800000000000000, 0x8000000000000000, 4)
    TEST_RI(35, slli, 0x0000001234567800, 0x12345678, 8)
    TEST_RI(36, srli, 0x00ffffffffffffff, -1, 8)
    TEST_RI(37, srai, 0xffffffffffffffff, 0x8000000000000000, 63)
    TEST_RR(38, sllw, 0xffffffff80000000, 1, 31)
    TEST_RR(39, sllw, 2, 1, 33)                                  /* amount masked to 1 */
    TEST_RR(40, srlw, 1, 0x80000000, 31)
    TEST_RR(41, srlw, 0x7fffffff, 0xffffffffffffffff, 1)         /* shifts the low word as unsigned */
    TEST_RR(42, sraw, 0xffffffffffffffff, 0x80000000, 31)
    TEST_RR(43, sraw, 0x0000000000000001, 0xffffffff00000002, 1) /* upper bits ignored */
    TEST_RI(44, slliw, 0xffffffffabcd0000, 0x1234abcd, 16)
    TEST_RI(45, srliw, 0x000000000000ffff, 0xffffffffffffffff, 16)
    TEST_RI(46, sraiw, 0xffffffffffff8000, 0x0000000080000000, 16)
    TEST_RI(47, srliw, 0xffffffff80000000, 0x80000000, 0)       /* shift 0 still sign-extends bit 31 */

    /* --- comparisons --- */
    TEST_RR(50, slt,  1, -1, 0)
    TEST_RR(51, slt,  0, 0, -1)
    TEST_RR(52, sltu, 0, -1, 0)
    TEST_RR(53, sltu, 1, 0, -1)
    TEST_RI(54, slti, 1, -5, -4)
    TEST_RI(55, slti, 0, 5, 5)
    TEST_RI(56, sltiu, 1, 5, -1)                                 /* imm sign-extends, then compares unsigned */
    TEST_RI(57, sltiu, 1, 0, 1)                                  /* seqz */
    TEST_RI(58, sltiu, 0, 7, 1)

    /* --- lui / auipc --- */
    lui     a0, 0x12345
    CHECK_EQ(60, a0, 0x12345000)
    lui     a0, 0x80000
    CHECK_EQ(61, a0, 0xffffffff80000000)                          /* bit 31 sign-extends on RV64 */
    lui     a0, 0xfffff
    CHECK_EQ(62, a0, 0xfffffffffffff000)
1:  auipc   a0, 0
    la      a1, 1b
    CHECK_REG(63, a0, a1)
2:  auipc   a0, 1
    la      a1, 2b
    sub     a0, a0, a1
    CHECK_EQ(64, a0, 0x1000)

    /* --- branches: each taken and not taken --- */
    li      gp, 70
    li      a1, 1
    li      a2, -1
    beq     a1, a1, 1f
    j       fail
1:  beq     a1, a2, fail_near
    bne     a1, a2, 1f
    j       fail
1:  bne     a1, a1, fail_near
    blt     a2, a1, 1f                /* -1 < 1 signed */
    j       fail
1:  blt     a1, a2, fail_near
    bltu    a1, a2, 1f                /* 1 < 0xfff..f unsigned */
    j       fail
1:  bltu    a2, a1, fail_near
    bge     a1, a2, 1f
    j       fail
1:  bge     a2, a1, fail_near
    bge     a1, a1, 1f                /* equal counts as >= */
    j       fail
1:  bgeu    a2, a1, 1f
    j       fail
1:  bgeu    a1, a2, fail_near
    bgeu    a2, a2, 1f
    j       fail
1:  blt     a1, a1, fail_near
    bltu    zero, zero, fail_near

    /* backward branch loop: sum 1..10 */
    li      a0, 0
    li      a1, 10
1:  add     a0, a0, a1
    addi    a1, a1, -1
    bnez    a1, 1b
    CHECK_EQ(71, a0, 55)

    /* --- jal / jalr --- */
    jal     a0, 1f
2:  j       fail
1:  la      a1, 2b
    CHECK_REG(80, a0, a1)                                         /* link = address of next instruction */
    la      a1, 3f
    addi    a1, a1, 1                                             /* low bit must be ignored */
    jalr    a0, 0(a1)
4:  j       fail
3:  la      a2, 4b
    CHECK_REG(81, a0, a2)
    la      a1, 5f - 4
    jalr    a1, 4(a1)                                             /* rd == rs1: target uses the old value */
6:  j       fail
5:  la      a2, 6b
    CHECK_REG(82, a1, a2)
    la      a1, 7f
    jalr    zero, 0(a1)
    j       fail
7:  call    leaf_add                                              /* a real call/return pair */
    CHECK_EQ(83, a0, 0x30)

    /* --- x0 is hard-wired to zero --- */
    li      a1, 99
    add     zero, a1, a1
    addi    zero, zero, 5
    CHECK_EQ(85, zero, 0)

    /* --- loads and stores of every width --- */
    la      s0, buf
    li      a1, 0x8877665544332211
    sd      a1, 0(s0)
    ld      a0, 0(s0)
    CHECK_EQ(90, a0, 0x8877665544332211)
    lb      a0, 7(s0)
    CHECK_EQ(91, a0, 0xffffffffffffff88)
    lbu     a0, 7(s0)
    CHECK_EQ(92, a0, 0x88)
    lb      a0, 0(s0)
    CHECK_EQ(93, a0, 0x11)
    lh      a0, 6(s0)
    CHECK_EQ(94, a0, 0xffffffffffff8877)
    lhu     a0, 6(s0)
    CHECK_EQ(95, a0, 0x8877)
    lw      a0, 4(s0)
    CHECK_EQ(96, a0, 0xffffffff88776655)
    lwu     a0, 4(s0)
    CHECK_EQ(97, a0, 0x88776655)
    lw      a0, 0(s0)
    CHECK_EQ(98, a0, 0x44332211)
    /* stores write exactly their width (little-endian) */
    li      a1, 0xaaaaaaaaaaaaaaaa
    sb      a1, 1(s0)
    ld      a0, 0(s0)
    CHECK_EQ(100, a0, 0x887766554433aa11)
    li      a1, 0x0000bbbb
    sh      a1, 2(s0)
    ld      a0, 0(s0)
    CHECK_EQ(101, a0, 0x88776655bbbbaa11)
    li      a1, 0x12345678cccccccc
    sw      a1, 4(s0)
    ld      a0, 0(s0)
    CHECK_EQ(102, a0, 0xccccccccbbbbaa11)
    /* negative offsets and a store/load through a different base */
    addi    s1, s0, 16
    li      a1, -2
    sd      a1, -8(s1)
    ld      a0, 8(s0)
    CHECK_EQ(103, a0, -2)
    lhu     a0, -2(s1)
    CHECK_EQ(104, a0, 0xffff)
    /* loading into x0 still performs the access but writes nothing */
    ld      zero, 0(s0)
    CHECK_EQ(105, zero, 0)

    /* fence / fence.i must be accepted */
    fence
    fence   rw, rw
    fence.i

    li      a0, 0
    j       pass

fail_near:
    j       fail

leaf_add:
    li      a0, 0x10
    addi    a0, a0, 0x20
    ret

    .data
    .align 3
buf: .dword 0, 0
