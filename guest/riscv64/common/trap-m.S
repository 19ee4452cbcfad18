/* trap-m.S: a recording M-mode trap handler and a way to run code in S or U mode, for the ISA tests.
 * trap_record stores mcause/mepc/mtval in trap_info and counts traps, then resumes after the trapping
 * instruction (2 or 4 bytes, read from mepc), or for instruction-fetch faults (cause 1, 12) returns to the
 * trapped code's ra, because a test reaches a bad fetch address with jalr ra. Interrupts are unexpected here.
 * run_in_mode(a0 = 0 for U / 1 for S, a1 = entry) mrets to entry; the code there finishes with ecall, which
 * trap_record turns into a return from run_in_mode in M-mode with a0 = that ecall's mcause, a1 = its mepc.
 * Only t0-t2 of the trapped code are touched (saved on the per-hart frame that mscratch points to). */
#include "platform.h"

    .text
    .globl  run_in_mode
run_in_mode:
    la      t0, run_ctx
    sd      ra, 0(t0)
    sd      sp, 8(t0)
    li      t1, 1
    sd      t1, 16(t0)               /* armed: the next U/S ecall returns here */
    li      t1, 3 << 11
    csrc    mstatus, t1              /* MPP = target mode */
    slli    t1, a0, 11
    csrs    mstatus, t1
    csrw    mepc, a1
    la      t1, trap_record
    csrw    mtvec, t1
    mret

    .align  2
    .globl  trap_record
trap_record:
    csrrw   sp, mscratch, sp
    sd      t0, 0(sp)
    sd      t1, 8(sp)
    sd      t2, 16(sp)
    la      t1, trap_info
    csrr    t0, mcause
    sd      t0, 0(t1)
    csrr    t2, mepc
    sd      t2, 8(t1)
    csrr    t2, mtval
    sd      t2, 16(t1)
    ld      t2, 24(t1)
    addi    t2, t2, 1
    sd      t2, 24(t1)
    bltz    t0, 9f                   /* an interrupt: nobody asked for it */
    li      t2, 8
    beq     t0, t2, 5f
    li      t2, 9
    beq     t0, t2, 5f
    li      t2, 1
    beq     t0, t2, 4f
    li      t2, 12
    beq     t0, t2, 4f
    /* resume after the trapping instruction */
1:  csrr    t0, mepc
    lhu     t1, 0(t0)
    andi    t1, t1, 3
    li      t2, 3
    addi    t0, t0, 2
    bne     t1, t2, 2f               /* low bits != 11: a 16-bit instruction */
    addi    t0, t0, 2
2:  csrw    mepc, t0
3:  ld      t0, 0(sp)
    ld      t1, 8(sp)
    ld      t2, 16(sp)
    csrrw   sp, mscratch, sp
    mret
4:  csrw    mepc, ra                 /* bad fetch: resume at the caller */
    j       3b
5:  la      t1, run_ctx              /* ecall from U/S: finish run_in_mode if it is waiting */
    ld      t2, 16(t1)
    beqz    t2, 1b
    sd      zero, 16(t1)
    csrrw   sp, mscratch, sp
    ld      ra, 0(t1)
    ld      sp, 8(t1)
    csrr    a0, mcause
    csrr    a1, mepc
    ret
9:  ld      t0, 0(sp)
    ld      t1, 8(sp)
    ld      t2, 16(sp)
    csrrw   sp, mscratch, sp
    j       trap_unexpected

    .data
    .align  3
    .globl  trap_info
trap_info:  .dword 0, 0, 0, 0        /* cause, epc, tval, count */
run_ctx:    .dword 0, 0, 0           /* ra, sp, armed */
