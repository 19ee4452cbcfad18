/* start.S of the hello guest: the root zone's kernel entry (hvisor starts CPU 0 at EL1h, MMU off, DAIF
 * masked, x0 = device tree) and the entry of the CPUs it starts with PSCI CPU_ON. Each CPU takes a 16 KiB
 * stack by its MPIDR Aff0; CPU 0 clears .bss and runs main(), the others run secondary(). The IRQ vector
 * (current EL with SP_ELx, VBAR + 0x280) saves the caller-saved registers around irq_handler(); any other
 * exception stops the CPU in WFI with x0 = 0xbad, x1 = ESR_EL1, x2 = ELR_EL1. */
    .section .text.start, "ax"
    .globl _start
_start:
    adr     x9, vectors
    msr     vbar_el1, x9
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
    bl      set_stack
    isb
    bl      secondary
halt:
    wfi
    b       halt

/* sp = __stacks_top - Aff0 * 16 KiB (4 CPUs at most) */
set_stack:
    mrs     x9, mpidr_el1
    and     x9, x9, #0xff
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
