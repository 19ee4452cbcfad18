/* traps.S: synchronous exceptions and privilege transitions: ecall from M, S and U (mcause 11/9/8, mepc at
 * the ecall), illegal instruction with mtval = the instruction bits (also an M-only CSR read from S and mret
 * from U), ebreak (cause 3), load/store access fault at the unmapped address 0x2800_0000 (cause 1/5/7, mtval =
 * address), delegation of illegal-instruction to S via medeleg (scause/sepc/stval, sret back), sret to U,
 * mstatus.MPP recording the trapped privilege, and mret updating MIE/MPIE/MPP. */
#include "test.h"

/* QEMU virt maps two pflash banks at 0x2000_0000-0x23ff_ffff, so the hole after them is used. */
#define BAD_ADDR 0x28000000
#define ILLEGAL_CSRW_MHARTID 0xf1401073   /* csrrw x0, mhartid, x0 */

    .text
    .globl test_main
test_main:
    USE_TRAP_RECORD

    /* --- ecall from M: not "returning", just recorded and skipped --- */
    TRAP_RESET
m_ecall:
    ecall
    CHECK_TRAP(1, CAUSE_ECALL_M)
    CHECK_EPC_LABEL(2, m_ecall)

    /* --- ecall from S and from U via run_in_mode --- */
    li      a0, 1
    la      a1, just_ecall
    call    run_in_mode
    CHECK_EQ(3, a0, CAUSE_ECALL_S)
    la      a2, just_ecall
    CHECK_REG(4, a1, a2)
    csrr    a0, mstatus
    srli    a0, a0, 11
    andi    a0, a0, 3
    CHECK_EQ(5, a0, 1)                  /* MPP = S */
    li      a0, 0
    la      a1, just_ecall
    call    run_in_mode
    CHECK_EQ(6, a0, CAUSE_ECALL_U)
    csrr    a0, mstatus
    srli    a0, a0, 11
    andi    a0, a0, 3
    CHECK_EQ(7, a0, 0)                  /* MPP = U */
    USE_TRAP_RECORD

    /* --- illegal instruction: mtval holds the instruction --- */
    TRAP_RESET
m_illegal:
    .word   ILLEGAL_CSRW_MHARTID
    CHECK_TRAP(10, CAUSE_ILLEGAL)
    CHECK_EPC_LABEL(11, m_illegal)
    CHECK_TVAL(12, ILLEGAL_CSRW_MHARTID)
    TRAP_RESET
    .2byte  0                           /* the all-zero 16-bit parcel is defined illegal */
    .2byte  0x0001                      /* c.nop: back to 4-byte alignment */
    CHECK_TRAP(13, CAUSE_ILLEGAL)
    /* S reading an M CSR, U executing mret: both illegal, then each returns with ecall */
    TRAP_RESET
    li      a0, 1
    la      a1, s_read_mstatus
    call    run_in_mode
    CHECK_EQ(14, a0, CAUSE_ECALL_S)
    la      t5, trap_info
    ld      t4, 24(t5)
    CHECK_EQ(15, t4, 2)
    TRAP_RESET
    li      a0, 0
    la      a1, u_mret
    call    run_in_mode
    CHECK_EQ(16, a0, CAUSE_ECALL_U)
    la      t5, trap_info
    ld      t4, 24(t5)
    CHECK_EQ(17, t4, 2)
    USE_TRAP_RECORD

    /* --- breakpoint --- */
    TRAP_RESET
m_ebreak:
    ebreak
    CHECK_TRAP(20, CAUSE_BREAKPOINT)
    CHECK_EPC_LABEL(21, m_ebreak)

    /* --- access faults on an address with no device --- */
    TRAP_RESET
    li      s0, BAD_ADDR
    ld      a0, 0(s0)
    CHECK_TRAP(30, CAUSE_LOAD_ACCESS)
    CHECK_TVAL(31, BAD_ADDR)
    TRAP_RESET
    sw      a0, 8(s0)
    CHECK_TRAP(32, CAUSE_STORE_ACCESS)
    CHECK_TVAL(33, BAD_ADDR + 8)
    TRAP_RESET
    jalr    ra, 0(s0)                   /* fetch fault: trap_record resumes at ra */
    CHECK_TRAP(34, CAUSE_FETCH_ACCESS)
    CHECK_TVAL(35, BAD_ADDR)

    /* --- medeleg: illegal instruction in S goes to the S handler --- */
    la      t0, s_handler
    csrw    stvec, t0
    li      t0, 1 << CAUSE_ILLEGAL
    csrw    medeleg, t0
    la      t0, s_record
    sd      zero, 24(t0)
    TRAP_RESET
    li      a0, 1
    la      a1, s_illegal
    call    run_in_mode
    CHECK_EQ(40, a0, CAUSE_ECALL_S)
    la      t5, trap_info
    ld      t4, 24(t5)
    CHECK_EQ(41, t4, 1)                 /* M saw only the closing ecall */
    la      s0, s_record
    ld      a0, 24(s0)
    CHECK_EQ(42, a0, 1)
    ld      a0, 0(s0)
    CHECK_EQ(43, a0, CAUSE_ILLEGAL)
    ld      a0, 8(s0)
    la      a1, s_illegal_insn
    CHECK_REG(44, a0, a1)
    ld      a0, 16(s0)
    CHECK_EQ(45, a0, ILLEGAL_CSRW_MHARTID)
    ld      a0, 32(s0)                  /* sstatus.SPP seen by the S handler: came from S */
    srli    a0, a0, 8
    andi    a0, a0, 1
    CHECK_EQ(46, a0, 1)
    csrw    medeleg, zero

    /* --- sret from S to U: the U code's ecall reaches M as cause 8 --- */
    li      a0, 1
    la      a1, s_to_u
    call    run_in_mode
    CHECK_EQ(50, a0, CAUSE_ECALL_U)
    la      a2, just_ecall
    CHECK_REG(51, a1, a2)
    USE_TRAP_RECORD

    /* --- mret within M: MIE <- MPIE, MPIE <- 1, MPP <- U --- */
    li      t0, (1 << 7) | (3 << 11)    /* MPIE = 1, MPP = M */
    csrs    mstatus, t0
    csrci   mstatus, 8                  /* MIE = 0 */
    csrw    mie, zero                   /* MIE will become 1: keep every interrupt masked */
    la      t0, 1f
    csrw    mepc, t0
    mret
1:  csrr    a0, mstatus
    andi    a1, a0, 8
    CHECK_EQ(60, a1, 8)                 /* MIE restored from MPIE */
    srli    a1, a0, 7
    andi    a1, a1, 1
    CHECK_EQ(61, a1, 1)                 /* MPIE set */
    srli    a1, a0, 11
    andi    a1, a1, 3
    CHECK_EQ(62, a1, 0)                 /* MPP = least privileged mode */
    csrci   mstatus, 8
    /* trap entry: MPIE <- MIE, MIE <- 0 */
    csrsi   mstatus, 8
    TRAP_RESET
    ecall
    csrr    a0, mstatus
    andi    a1, a0, 8
    CHECK_EQ(63, a1, 8)                 /* trap_record's mret restored MIE = 1 */
    csrci   mstatus, 8

    li      a0, 0
    j       pass

just_ecall:
    ecall

s_read_mstatus:
    csrr    a0, mstatus
    ecall

u_mret:
    mret
    ecall

s_illegal:
s_illegal_insn:
    .word   ILLEGAL_CSRW_MHARTID
    ecall

s_to_u:
    li      t0, 1 << 8
    csrc    sstatus, t0                 /* SPP = U */
    la      t0, just_ecall
    csrw    sepc, t0
    sret

/* S-mode handler for delegated traps: record scause/sepc/stval/sstatus, skip the 4-byte instruction. */
    .align  2
s_handler:
    la      t0, s_record
    csrr    t1, scause
    sd      t1, 0(t0)
    csrr    t1, sepc
    sd      t1, 8(t0)
    csrr    t1, stval
    sd      t1, 16(t0)
    ld      t1, 24(t0)
    addi    t1, t1, 1
    sd      t1, 24(t0)
    csrr    t1, sstatus
    sd      t1, 32(t0)
    csrr    t1, sepc
    addi    t1, t1, 4
    csrw    sepc, t1
    sret

    .data
    .align  3
s_record:   .dword 0, 0, 0, 0, 0        /* scause, sepc, stval, count, sstatus */
