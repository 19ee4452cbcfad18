/* start-root.S: entry of the root-zone benchmark guest (bench-mips-root). hvisor starts the root zone's
 * CPU 0 at EL1h with the MMU off and x0 = device tree; QEMU virt's -kernel starts a bare ELF the same way
 * (EL1 when the machine has no EL2/EL3). Sets the vectors and the stack, clears .bss, runs main() of
 * mips.c, then finish() of root.c, which prints the checksum and powers off with PSCI.
 * Vectors: a synchronous exception with EC = 0 (unknown reason) on an SMC is what a CPU without EL3 and
 * without a hypervisor trapping SMC does (QEMU virt with virtualization=off, where PSCI is over HVC):
 * it sets `smc_undefined`, skips the SMC and returns, so root.c can retry over HVC. Any other exception
 * stops the CPU in WFI with x0 = 0xbad, x1 = ESR_EL1, x2 = ELR_EL1, x3 = FAR_EL1. */
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
    bl      finish
halt:
    wfi
    b       halt

sync_entry:
    mrs     x9, esr_el1
    lsr     x9, x9, #26                 // EC
    cbnz    x9, unexpected
    mrs     x9, elr_el1
    ldr     w10, [x9]
    ldr     w11, =0xffe0001f            // SMC #imm16: 1101 0100 000 imm16 000 11
    and     w10, w10, w11
    ldr     w11, =0xd4000003
    cmp     w10, w11
    b.ne    unexpected
    add     x9, x9, #4
    msr     elr_el1, x9
    ldr     x9, =smc_undefined
    mov     w10, #1
    str     w10, [x9]
    eret

unexpected:
    mov     x0, #0xbad
    mrs     x1, esr_el1
    mrs     x2, elr_el1
    mrs     x3, far_el1
    b       halt

    .balign 2048
vectors:
    .rept 4                             // current EL with SP_EL0
    b       unexpected
    .balign 128
    .endr
    b       sync_entry                  // current EL with SP_ELx, synchronous (VBAR + 0x200)
    .balign 128
    .rept 11
    b       unexpected
    .balign 128
    .endr
