/* start-m.S: M-mode entry for hello-m (linked at 0x8000_0000). Every hart enters _start at once, firmware
 * style (a0 = hartid from QEMU's reset vector is not trusted: mhartid is read). Hart 0 clears .bss and runs
 * boot_main; the others wait for it in secondary_main. Each hart gets a 4 KiB stack (hartids 0..7). */
#include "platform.h"

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    csrr    a0, mhartid
    bnez    a0, _secondary_start
    csrw    mie, zero
    la      t0, m_trap_entry
    csrw    mtvec, t0
    la      sp, __stack_top
    slli    t0, a0, 12
    sub     sp, sp, t0
    la      t0, __bss_start             /* the loader may not clear .bss */
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  fence
    call    boot_main
    j       park

_secondary_start:
    csrw    mie, zero
    la      t0, m_trap_entry
    csrw    mtvec, t0
    la      sp, __stack_top
    slli    t0, a0, 12
    sub     sp, sp, t0
    call    secondary_main
park:
    wfi
    j       park

/* Interrupt entry: save the caller-saved registers, let C handle mcause, return with mret. */
    .align  2
m_trap_entry:
    addi    sp, sp, -128
    sd      ra, 0(sp)
    sd      t0, 8(sp)
    sd      t1, 16(sp)
    sd      t2, 24(sp)
    sd      t3, 32(sp)
    sd      t4, 40(sp)
    sd      t5, 48(sp)
    sd      t6, 56(sp)
    sd      a0, 64(sp)
    sd      a1, 72(sp)
    sd      a2, 80(sp)
    sd      a3, 88(sp)
    sd      a4, 96(sp)
    sd      a5, 104(sp)
    sd      a6, 112(sp)
    sd      a7, 120(sp)
    csrr    a0, mcause
    call    trap_handler
    ld      ra, 0(sp)
    ld      t0, 8(sp)
    ld      t1, 16(sp)
    ld      t2, 24(sp)
    ld      t3, 32(sp)
    ld      t4, 40(sp)
    ld      t5, 48(sp)
    ld      t6, 56(sp)
    ld      a0, 64(sp)
    ld      a1, 72(sp)
    ld      a2, 80(sp)
    ld      a3, 88(sp)
    ld      a4, 96(sp)
    ld      a5, 104(sp)
    ld      a6, 112(sp)
    ld      a7, 120(sp)
    addi    sp, sp, 128
    mret
