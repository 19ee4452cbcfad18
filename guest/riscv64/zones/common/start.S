/* start.S: entry points and the trap vector of the Zones demo programs (S-mode, see zone.h).
 * _start: the boot hart, a0 = hartid, a1 = dtb (ignored by these programs).
 * _secondary_start: harts started with SBI HSM hart_start(hartid, _secondary_start, opaque):
 *   a0 = hartid, a1 = opaque.
 * Per hart (hartid < ZONE_MAX_HARTS = 8): a 4 KiB stack and a 4 KiB trap stack above __stacks_start. */
#define STACK_SIZE   0x1000
#define FRAME        304
#define F_SEPC       256
#define F_SSTATUS    264
#define F_SCAUSE     272
#define F_STVAL      280
#define F_TIME       288

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    li      t0, 8
    bgeu    a0, t0, zone_park           /* hartid beyond the stack table: nothing safe to do */
    call    hart_setup
    la      t0, __bss_start             /* the loader does not clear .bss for us */
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  fence
    mv      a0, tp
    call    zone_main
    j       zone_park

    .globl _secondary_start
_secondary_start:
    li      t0, 8
    bgeu    a0, t0, zone_park
    call    hart_setup
    mv      a0, tp
    call    zone_secondary
    j       zone_park

/* hart_setup: a0 = hartid (preserved, a1 too). Uses t0/t1 only; returns through ra. */
hart_setup:
    csrw    sie, zero
    csrci   sstatus, 2                  /* SIE off */
    la      t0, zone_trap_entry
    csrw    stvec, t0
    mv      tp, a0
    la      t0, __stacks_start          /* hart h: stack [base + 2h*4K, +4K), trap stack the next 4K */
    slli    t1, a0, 13
    add     t0, t0, t1
    li      t1, STACK_SIZE
    add     sp, t0, t1                  /* normal stack top */
    add     t0, sp, t1                  /* trap stack top */
    csrw    sscratch, t0
    ret

    .globl zone_park
zone_park:
    csrci   sstatus, 2
    csrw    sie, zero
1:  wfi
    j       1b

/* The trap vector: switch to the hart's trap stack (sscratch), save everything, call zone_trap(frame).
 * sscratch is 0 while the handler runs; a trap in that window goes to nested_trap. */
    .align  2
    .globl zone_trap_entry
zone_trap_entry:
    csrrw   sp, sscratch, sp
    beqz    sp, nested_trap
    addi    sp, sp, -FRAME
    sd      t0, 5*8(sp)
    rdtime  t0
    sd      t0, F_TIME(sp)
    sd      x1, 1*8(sp)
    sd      x3, 3*8(sp)
    sd      x4, 4*8(sp)
    sd      x6, 6*8(sp)
    sd      x7, 7*8(sp)
    sd      x8, 8*8(sp)
    sd      x9, 9*8(sp)
    sd      x10, 10*8(sp)
    sd      x11, 11*8(sp)
    sd      x12, 12*8(sp)
    sd      x13, 13*8(sp)
    sd      x14, 14*8(sp)
    sd      x15, 15*8(sp)
    sd      x16, 16*8(sp)
    sd      x17, 17*8(sp)
    sd      x18, 18*8(sp)
    sd      x19, 19*8(sp)
    sd      x20, 20*8(sp)
    sd      x21, 21*8(sp)
    sd      x22, 22*8(sp)
    sd      x23, 23*8(sp)
    sd      x24, 24*8(sp)
    sd      x25, 25*8(sp)
    sd      x26, 26*8(sp)
    sd      x27, 27*8(sp)
    sd      x28, 28*8(sp)
    sd      x29, 29*8(sp)
    sd      x30, 30*8(sp)
    sd      x31, 31*8(sp)
    csrrw   t0, sscratch, zero          /* interrupted sp; mark "in handler" */
    sd      t0, 2*8(sp)
    csrr    t0, sepc
    sd      t0, F_SEPC(sp)
    csrr    t0, sstatus
    sd      t0, F_SSTATUS(sp)
    csrr    t0, scause
    sd      t0, F_SCAUSE(sp)
    csrr    t0, stval
    sd      t0, F_STVAL(sp)
    mv      a0, sp
    call    zone_trap
    ld      t0, F_SEPC(sp)
    csrw    sepc, t0
    ld      t0, F_SSTATUS(sp)
    csrw    sstatus, t0
    addi    t0, sp, FRAME
    csrw    sscratch, t0                /* trap stack top again */
    ld      x1, 1*8(sp)
    ld      x3, 3*8(sp)
    ld      x4, 4*8(sp)
    ld      x5, 5*8(sp)
    ld      x6, 6*8(sp)
    ld      x7, 7*8(sp)
    ld      x8, 8*8(sp)
    ld      x9, 9*8(sp)
    ld      x10, 10*8(sp)
    ld      x11, 11*8(sp)
    ld      x12, 12*8(sp)
    ld      x13, 13*8(sp)
    ld      x14, 14*8(sp)
    ld      x15, 15*8(sp)
    ld      x16, 16*8(sp)
    ld      x17, 17*8(sp)
    ld      x18, 18*8(sp)
    ld      x19, 19*8(sp)
    ld      x20, 20*8(sp)
    ld      x21, 21*8(sp)
    ld      x22, 22*8(sp)
    ld      x23, 23*8(sp)
    ld      x24, 24*8(sp)
    ld      x25, 25*8(sp)
    ld      x26, 26*8(sp)
    ld      x27, 27*8(sp)
    ld      x28, 28*8(sp)
    ld      x29, 29*8(sp)
    ld      x30, 30*8(sp)
    ld      x31, 31*8(sp)
    ld      sp, 2*8(sp)
    sret

nested_trap:
    csrrw   sp, sscratch, sp            /* sp = the handler's stack again, sscratch = 0 */
    addi    sp, sp, -16
    csrr    a0, scause
    csrr    a1, sepc
    csrr    a2, stval
    call    zone_nested_trap            /* prints and parks */
    j       zone_park
