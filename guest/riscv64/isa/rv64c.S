/* rv64c.S: RV64C compressed instructions. Part 1 runs compiler output dense in c.* (rv64c-work.c, built
 * with -march=rv64gc) and compares its hash with the known answer. Part 2 executes explicit c.* mnemonics
 * with known results (CI/CSS/CIW/CL/CS/CA/CB/CJ/CR formats: c.li/c.lui/c.addi/c.addiw/c.addi16sp/
 * c.addi4spn/shifts/c.andi/c.mv/c.add/c.sub/c.xor/c.or/c.and/c.subw/c.addw/loads and stores incl. sp-relative
 * and FP, c.j/c.jr/c.jalr/c.beqz/c.bnez/c.ebreak). Part 3 runs a few hand-assembled .2byte encodings,
 * so the test does not depend on the assembler choosing compressed forms. */
#include "test.h"

    .option rvc
    .text
    .globl test_main
test_main:
    addi    sp, sp, -64
    sd      ra, 56(sp)
    call    rvc_work
    CHECK_EQ(1, a0, 0x87f113352990ec5f)

    /* --- part 2: mnemonics (the c. prefix forces the 16-bit form) --- */
    c.li    a0, -32
    CHECK_EQ(10, a0, -32)
    c.lui   a0, 0xfffe0                        /* nzimm[17:12] = 0x20 sign-extends */
    CHECK_EQ(11, a0, 0xfffffffffffe0000)
    c.li    a0, 31
    c.addi  a0, -1
    CHECK_EQ(12, a0, 30)
    li      a0, 0x7fffffff
    c.addiw a0, 1
    CHECK_EQ(13, a0, 0xffffffff80000000)
    li      a0, 0x100000000
    c.addiw a0, 0                              /* sext.w */
    CHECK_EQ(14, a0, 0)
    mv      s1, sp
    c.addi16sp sp, -32
    sub     a0, s1, sp
    CHECK_EQ(15, a0, 32)
    c.addi16sp sp, 32
    c.addi4spn a0, sp, 24
    sub     a0, a0, sp
    CHECK_EQ(16, a0, 24)
    li      a0, 0x8000000000000001
    c.srai  a0, 63
    CHECK_EQ(17, a0, -1)
    li      a0, 0x8000000000000001
    c.srli  a0, 63
    CHECK_EQ(18, a0, 1)
    c.li    a0, 1
    c.slli  a0, 63
    CHECK_EQ(19, a0, 0x8000000000000000)
    li      a0, 0xff
    c.andi  a0, -16
    CHECK_EQ(20, a0, 0xf0)
    li      a1, 0x1234
    c.mv    a0, a1
    CHECK_EQ(21, a0, 0x1234)
    c.add   a0, a1
    CHECK_EQ(22, a0, 0x2468)
    li      a0, 10
    li      a1, 3
    c.sub   a0, a1
    CHECK_EQ(23, a0, 7)
    li      a0, 0xf0
    li      a1, 0x3c
    c.xor   a0, a1
    CHECK_EQ(24, a0, 0xcc)
    c.or    a0, a1
    CHECK_EQ(25, a0, 0xfc)
    c.and   a0, a1
    CHECK_EQ(26, a0, 0x3c)
    li      a0, 0x80000000
    li      a1, 1
    c.subw  a0, a1
    CHECK_EQ(27, a0, 0x7fffffff)
    c.addw  a0, a1
    CHECK_EQ(28, a0, 0xffffffff80000000)
    /* loads/stores: register-relative and sp-relative, integer and FP */
    la      a2, cbuf
    li      a1, 0xfedcba9876543210
    c.sd    a1, 8(a2)
    c.ld    a0, 8(a2)
    CHECK_EQ(30, a0, 0xfedcba9876543210)
    c.lw    a0, 12(a2)
    CHECK_EQ(31, a0, 0xfffffffffedcba98)       /* c.lw sign-extends */
    li      a1, 0x11223344
    c.sw    a1, 0(a2)
    lwu     a0, 0(a2)
    CHECK_EQ(32, a0, 0x11223344)
    li      a1, 0x5566778899aabbcc
    c.sdsp  a1, 16(sp)
    c.ldsp  a0, 16(sp)
    CHECK_EQ(33, a0, 0x5566778899aabbcc)
    c.swsp  a1, 8(sp)
    c.lwsp  a0, 8(sp)
    CHECK_EQ(34, a0, 0xffffffff99aabbcc)
    c.fld   fa0, 8(a2)
    c.fsdsp fa0, 0(sp)
    c.fldsp fa1, 0(sp)
    c.fsd   fa1, 16(a2)
    ld      a0, 16(a2)
    CHECK_EQ(35, a0, 0xfedcba9876543210)
    /* control transfer */
    c.li    a0, 0
    c.beqz  a0, 1f
    j       fail
1:  c.bnez  a0, fail_near
    c.li    a0, 1
    c.bnez  a0, 2f
    j       fail
2:  c.j     3f
    j       fail
3:  la      a1, 4f
    c.jr    a1
    j       fail
4:  la      a1, leaf
    c.jalr  a1                                 /* links ra = address after the 2-byte c.jalr */
5:  CHECK_EQ(36, a0, 0x77)
    la      a1, 5b
    CHECK_REG(37, s2, a1)
    USE_TRAP_RECORD
    TRAP_RESET
6:  c.ebreak
    CHECK_TRAP(38, CAUSE_BREAKPOINT)
    CHECK_EPC_LABEL(39, 6b)                    /* trap_record stepped over 2 bytes */

    /* --- part 3: hand-assembled encodings --- */
    .2byte  0x4515                             /* c.li a0, 5 */
    CHECK_EQ(50, a0, 5)
    .2byte  0x157d                             /* c.addi a0, -1 */
    CHECK_EQ(51, a0, 4)
    .2byte  0x85aa                             /* c.mv a1, a0 */
    CHECK_EQ(52, a1, 4)
    .2byte  0x95aa                             /* c.add a1, a0 */
    CHECK_EQ(53, a1, 8)
    .2byte  0x0512                             /* c.slli a0, 4 */
    CHECK_EQ(54, a0, 0x40)
    .2byte  0x0001                             /* c.nop */
    .2byte  0x8d0d                             /* c.sub a0, a1 */
    CHECK_EQ(55, a0, 0x38)

    ld      ra, 56(sp)
    addi    sp, sp, 64
    li      a0, 0
    j       pass

fail_near:
    j       fail

leaf:
    mv      s2, ra
    li      a0, 0x77
    c.jr    ra

    .data
    .align 3
cbuf: .dword 0, 0, 0
