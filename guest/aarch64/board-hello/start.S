/* start.S of the board-hello guest: hello/start.S, except that a CPU's stack comes from its CPU number,
 * not its MPIDR (the rk3588 numbers CPUs in Aff1): CPU 0 takes the first 16 KiB stack, a CPU started by
 * PSCI CPU_ON the stack of `starting_cpu` (hvisor starts it with x0 = the device tree, not CPU_ON's
 * context id, so main() leaves the number there before each CPU_ON). The IRQ vector
 * (current EL with SP_ELx, VBAR + 0x280) saves the caller-saved registers around irq_handler(); any other
 * exception stops the CPU in WFI with x0 = 0xbad, x1 = ESR_EL1, x2 = ELR_EL1. */
    .section .text.start, "ax"
    .globl _start
_start:
    adr     x9, vectors
    msr     vbar_el1, x9
    mov     x9, #0
    bl      set_stack
    ldr     x9, =__bss_start
    ldr     x10, =__bss_end
1:  cmp     x9, x10
    b.hs    2f
    str     xzr, [x9], #8
    b       1b
2:  isb
    bl      main
    b       halt

    .globl secondary_entry
secondary_entry:
    adr     x9, vectors
    msr     vbar_el1, x9
    ldr     x9, =starting_cpu
    ldr     x9, [x9]
    bl      set_stack
    isb
    bl      secondary
halt:
    wfi
    b       halt

/* sp = __stacks_top - x9 (the CPU number) * 16 KiB (8 CPUs at most) */
set_stack:
    ldr     x10, =__stacks_top
    sub     x10, x10, x9, lsl #14
    mov     sp, x10
    ret

unexpected:
    mov     x0, #0xbad
    mrs     x1, esr_el1
    mrs     x2, elr_el1
    b       halt

irq_entry:
    sub     sp, sp, #176
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x29, [sp, #144]
    str     x30, [sp, #160]
    bl      irq_handler
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x29, [sp, #144]
    ldr     x30, [sp, #160]
    add     sp, sp, #176
    eret

    .balign 2048
vectors:
    .rept 5
    b       unexpected
    .balign 128
    .endr
    b       irq_entry               // current EL, SP_ELx, IRQ (VBAR + 0x280)
    .balign 128
    .rept 10
    b       unexpected
    .balign 128
    .endr
