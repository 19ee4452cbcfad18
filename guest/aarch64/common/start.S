/* start.S: entry of the bare-metal aarch64 test guests, at EL1 with the MMU off (the A64 CPU's reset
 * state). Installs vectors that stop on any exception (x0 = 0xbad, x1 = ESR_EL1, x2 = ELR_EL1,
 * x3 = FAR_EL1), sets the stack, clears .bss, calls main(), and parks in WFI with main's return value
 * in x0 and the checksum it left in `checksum` in x1: the runner reads them when the CPU idles.
 * CPACR_EL1.FPEN is opened for the programs that use scalar FP. */
    .section .text.start, "ax"
    .globl _start
_start:
    adr     x9, vectors
    msr     vbar_el1, x9
    mov     x9, #(3 << 20)              // CPACR_EL1.FPEN: no FP traps (FP programs need it)
    msr     cpacr_el1, x9
    ldr     x9, =__stack_top
    mov     sp, x9
    ldr     x9, =__bss_start
    ldr     x10, =__bss_end
1:  cmp     x9, x10
    b.hs    2f
    str     xzr, [x9], #8
    b       1b
2:  bl      main
    ldr     x9, =checksum
    ldr     x1, [x9]
halt:
    wfi
    b       halt

unexpected:
    mov     x0, #0xbad
    mrs     x1, esr_el1
    mrs     x2, elr_el1
    mrs     x3, far_el1
    b       halt

    .balign 2048
vectors:
    .rept 16
    b       unexpected
    .balign 128
    .endr
