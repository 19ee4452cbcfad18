/* start.S of the irq guest: entry at EL1h, MMU off, DAIF masked (the A64 CPU's powerOn state).
 * Installs a vector table whose IRQ entry (current EL with SP_ELx, VBAR + 0x280) saves the
 * caller-saved registers, calls irq_handler() and returns with ERET; every other vector stops in WFI
 * with x0 = 0xbad, x1 = ESR_EL1, x2 = ELR_EL1, x3 = FAR_EL1 and x4 = the vector offset. */
    .section .text.start, "ax"
    .globl _start
_start:
    adr     x9, vectors
    msr     vbar_el1, x9
    ldr     x9, =__stack_top
    mov     sp, x9
    ldr     x9, =__bss_start
    ldr     x10, =__bss_end
1:  cmp     x9, x10
    b.hs    2f
    str     xzr, [x9], #8
    b       1b
2:  isb
    bl      main
halt:
    wfi
    b       halt

unexpected:
    mov     x0, #0xbad
    mrs     x1, esr_el1
    mrs     x2, elr_el1
    mrs     x3, far_el1
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
    .set    vec_offset, 0
    .rept 16
    .if vec_offset == 0x280
    b       irq_entry
    .else
    mov     x4, #vec_offset
    b       unexpected
    .endif
    .balign 128
    .set    vec_offset, vec_offset + 0x80
    .endr
