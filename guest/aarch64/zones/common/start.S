/* start.S: entry points and the vector table of the aarch64 Zones demo programs (see zone.h).
 * _start: the zone's first CPU, as hvisor enters it: EL1h, MMU off, DAIF masked, x0 = device tree.
 * secondary_entry: CPUs started with PSCI CPU_ON (x0 = device tree again: hvisor drops the context id).
 * CPU n (MPIDR Aff0, 0..3) runs on the 16 KiB stack that ends at __stacks_top - n * 16 KiB; a CPU with a
 * larger Aff0 parks at once (there is no stack for it). Interrupts taken at EL1 use the same stack. */
#define STACK_SHIFT 14
#define FRAME 176

    .section .text.start, "ax"
    .globl _start
_start:
    mov     x19, x0                     /* the device tree address */
    bl      cpu_setup
    ldr     x9, =__bss_start            /* the loader does not clear .bss */
    ldr     x10, =__bss_end
1:  cmp     x9, x10
    b.hs    2f
    str     xzr, [x9], #8
    b       1b
2:  dsb     sy
    mov     x0, x20
    mov     x1, x19
    bl      zone_main
    b       zone_park

    .globl secondary_entry
secondary_entry:
    bl      cpu_setup
    mov     x0, x20
    bl      zone_secondary
    b       zone_park

/* cpu_setup: x20 = Aff0, sp = its stack, VBAR_EL1 = vectors; parks a CPU without a stack. */
cpu_setup:
    msr     daifset, #0xf
    mrs     x20, mpidr_el1
    and     x20, x20, #0xff
    cmp     x20, #4
    b.hs    zone_park
    ldr     x9, =__stacks_top
    sub     x9, x9, x20, lsl #STACK_SHIFT
    mov     sp, x9
    adr     x9, vectors
    msr     vbar_el1, x9
    isb
    ret

    .globl zone_park
zone_park:
    msr     daifset, #0xf
1:  wfi
    b       1b

/* IRQ from EL1 with SP_EL1: the virtual counter first (zoneR's latency), then the caller-saved
 * registers around zone_irq(counter). */
irq_entry:
    sub     sp, sp, #FRAME
    stp     x0, x1, [sp, #0]
    isb
    mrs     x0, cntvct_el0
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
    bl      zone_irq
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
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #FRAME
    eret

/* Anything else: x0 = the vector's number (0..15), back on this CPU's own stack (the old sp may be
 * what went wrong), then zone_exception(kind, ESR, ELR, FAR), which reports and parks. */
exception_entry:
    mrs     x9, mpidr_el1
    and     x9, x9, #0xff
    cmp     x9, #4
    b.hs    zone_park
    ldr     x10, =__stacks_top
    sub     x10, x10, x9, lsl #STACK_SHIFT
    mov     sp, x10
    mrs     x1, esr_el1
    mrs     x2, elr_el1
    mrs     x3, far_el1
    bl      zone_exception
    b       zone_park

    .macro  vector kind
    .balign 128
    mov     x0, #\kind
    b       exception_entry
    .endm

    .balign 2048
vectors:
    vector  0                           /* current EL, SP_EL0: synchronous */
    vector  1
    vector  2
    vector  3
    vector  4                           /* current EL, SP_EL1: synchronous */
    .balign 128
    b       irq_entry                   /* current EL, SP_EL1: IRQ (VBAR + 0x280) */
    vector  6
    vector  7
    vector  8                           /* lower EL (none here) */
    vector  9
    vector  10
    vector  11
    vector  12
    vector  13
    vector  14
    vector  15
    .ltorg
