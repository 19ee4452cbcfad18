/* crt-m.S: M-mode start-up and reporting for the ISA test programs.
 * Every hart enters _start at 0x8000_0000. We open PMP so S/U-mode tests can touch memory (QEMU leaves PMP
 * closed with -bios none), enable the FPU, give each hart a 4 KiB stack, then hart 0 calls test_main and
 * the others call secondary_main (weak: park in WFI). Reporting follows the riscv-tests HTIF convention
 * (tohost = code<<1 | 1) and mirrors it on the sifive test device so QEMU virt exits with the status.
 * Register conventions for assembly tests: gp holds the current check id, t6 is scratch for CHECK_*. */
#include "platform.h"

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    /* If PMP is not implemented, these CSR writes trap; mtvec points just past them so we carry on. */
    la      t0, 1f
    csrw    mtvec, t0
    li      t0, -1
    csrw    pmpaddr0, t0
    li      t0, 0x1f                 /* NAPOT, R W X: all of memory for S and U */
    csrw    pmpcfg0, t0
    .align 2
1:
    la      t0, trap_unexpected
    csrw    mtvec, t0
    csrw    mie, zero
    li      t0, (1 << 13)            /* mstatus.FS = Initial, so F/D instructions do not trap */
    csrs    mstatus, t0
    csrwi   0x003, 0                 /* fcsr by number: also assembles for integer-only builds */
    csrr    a0, mhartid
    la      sp, __stack_top
    slli    t0, a0, 12
    sub     sp, sp, t0
    la      t1, trap_frames          /* mscratch = this hart's trap frame (trap-m.S swaps sp with it) */
    slli    t0, a0, 6
    add     t1, t1, t0
    csrw    mscratch, t1
    li      gp, 0
    bnez    a0, 2f
    call    test_main
    bnez    a0, test_fail            /* C tests return 0 for pass or a check id */
    j       pass
2:
    call    secondary_main
    j       park

    .text
    .weak   secondary_main
secondary_main:
    .globl  park
park:
    wfi
    j       park

/* test_fail(code) for C callers; `fail` for assembly callers with the id in gp. */
    .globl  test_fail
test_fail:
    mv      gp, a0
    .globl  fail
fail:
    la      a0, msg_fail
    call    uart_puts
    mv      a0, gp
    call    uart_puthex
    li      a0, '\n'
    call    uart_putc
    slli    t0, gp, 1
    ori     t0, t0, 1
    la      t1, tohost
    sd      t0, 0(t1)
    fence
    slli    t0, gp, 16
    li      t1, 0x3333
    or      t0, t0, t1
    li      t1, SIFIVE_TEST
    sw      t0, 0(t1)
    j       park

    .globl  pass
pass:
    la      a0, msg_pass
    call    uart_puts
    li      t0, 1
    la      t1, tohost
    sd      t0, 0(t1)
    fence
    li      t0, 0x5555
    li      t1, SIFIVE_TEST
    sw      t0, 0(t1)
    j       park

/* Any trap a test did not ask for: print cause/epc/tval, fail with 0x300 + cause (0x380 + cause for an
 * interrupt), so the low byte of QEMU's exit status is still the cause. */
    .align 2
    .globl  trap_unexpected
trap_unexpected:
    la      a0, msg_trap
    call    uart_puts
    csrr    a0, mcause
    call    uart_puthex
    la      a0, msg_epc
    call    uart_puts
    csrr    a0, mepc
    call    uart_puthex
    la      a0, msg_tval
    call    uart_puts
    csrr    a0, mtval
    call    uart_puthex
    li      a0, '\n'
    call    uart_putc
    csrr    t0, mcause
    andi    gp, t0, 0x7f
    addi    gp, gp, 0x300
    bgez    t0, fail
    addi    gp, gp, 0x80
    j       fail

/* UART helpers: leaf routines that only touch a0, a1, t0-t3 (uart_puts/puthex save ra in t3). */
    .globl  uart_putc
uart_putc:
    li      t0, UART0
1:  lbu     t1, UART_LSR(t0)
    andi    t1, t1, UART_LSR_THRE
    beqz    t1, 1b
    sb      a0, UART_THR(t0)
    ret

    .globl  uart_puts
uart_puts:
    mv      t3, ra
    mv      t2, a0
1:  lbu     a0, 0(t2)
    beqz    a0, 2f
    call    uart_putc
    addi    t2, t2, 1
    j       1b
2:  mv      ra, t3
    ret

    .globl  uart_puthex
uart_puthex:
    mv      t3, ra
    mv      t2, a0
    li      a0, '0'
    call    uart_putc
    li      a0, 'x'
    call    uart_putc
    li      a1, 60
1:  srl     a0, t2, a1
    andi    a0, a0, 0xf
    addi    a0, a0, '0'
    li      t0, '9'
    ble     a0, t0, 2f
    addi    a0, a0, 'a' - '0' - 10
2:  call    uart_putc
    addi    a1, a1, -4
    bgez    a1, 1b
    mv      ra, t3
    ret

    .section .rodata
msg_pass:  .asciz "PASS\n"
msg_fail:  .asciz "FAIL "
msg_trap:  .asciz "unexpected trap mcause="
msg_epc:   .asciz " mepc="
msg_tval:  .asciz " mtval="

    .bss
    .align  6
trap_frames: .space 64 * MAX_HARTS

    .section .tohost, "aw", @progbits
    .align  6
    .globl  tohost
tohost:    .dword 0
    .align  6
    .globl  fromhost
fromhost:  .dword 0
