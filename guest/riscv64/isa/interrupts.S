/* interrupts.S: interrupt delivery on hart 0: machine timer (ACLINT MTIMER mtimecmp, mip.MTIP follows
 * mtime >= mtimecmp), machine software interrupt (ACLINT MSWI msip), WFI waking on a pending-but-globally-
 * disabled interrupt without trapping, machine external interrupt through the PLIC (UART0 THR-empty
 * interrupt, IER.ETBEI, source 10 on context 0: pending bit, claim, complete, empty claim = 0), then in
 * S-mode with mideleg delegating SSI and STI: supervisor software interrupt from a sip write and from
 * ACLINT SSWI, and the Sstc supervisor timer (menvcfg.STCE, stimecmp) waking WFI. */
#include "test.h"

#define CSR_MENVCFG  0x30a
#define CSR_STIMECMP 0x14d
#define MTIMECMP0    ACLINT_MTIMER
#define IRQ_M_SOFT   ((1 << 63) | 3)
#define IRQ_M_TIMER  ((1 << 63) | 7)
#define IRQ_M_EXT    ((1 << 63) | 11)
#define IRQ_S_SOFT   ((1 << 63) | 1)
#define IRQ_S_TIMER  ((1 << 63) | 5)

/* spin (bounded) until the word at label reaches value; fail with id if it never does */
#define WAIT_COUNT(id, label, value) \
    li s5, 50000000; 7777: la t0, label; ld t1, 0(t0); li t2, value; beq t1, t2, 7778f; \
    addi s5, s5, -1; bnez s5, 7777b; li gp, id; j fail; 7778:

    .text
    .globl test_main
test_main:
    la      t0, m_irq
    csrw    mtvec, t0
    li      s0, MTIMECMP0
    li      s1, ACLINT_MTIME
    li      t0, -1
    sd      t0, 0(s0)                   /* no timer yet */

    /* --- mip.MTIP follows the comparison, with nothing enabled --- */
    sd      zero, 0(s0)                 /* mtimecmp = 0 <= mtime */
    csrr    a0, mip
    andi    a0, a0, 1 << 7
    CHECK_EQ(1, a0, 1 << 7)
    li      t0, -1
    sd      t0, 0(s0)
    csrr    a0, mip
    andi    a0, a0, 1 << 7
    CHECK_EQ(2, a0, 0)

    /* --- WFI wakes on a pending enabled interrupt even with mstatus.MIE = 0, and no trap is taken --- */
    csrci   mstatus, 8
    li      t0, 1 << 7
    csrw    mie, t0
    ld      t0, 0(s1)
    addi    t0, t0, 1000                /* 100 us */
    sd      t0, 0(s0)
1:  wfi
    csrr    a0, mip
    andi    a0, a0, 1 << 7
    beqz    a0, 1b                      /* WFI may also return early: wait for MTIP itself */
    la      t0, irq_count
    ld      a0, 0(t0)
    CHECK_EQ(3, a0, 0)

    /* --- machine timer interrupt taken --- */
    csrsi   mstatus, 8                  /* MTIP is still pending: the trap happens now */
    WAIT_COUNT(4, irq_count, 1)
    la      t0, irq_cause
    ld      a0, 0(t0)
    CHECK_EQ(5, a0, IRQ_M_TIMER)
    csrr    a0, mip
    andi    a0, a0, 1 << 7
    CHECK_EQ(6, a0, 0)                  /* the handler moved mtimecmp away */
    /* a future deadline, slept through with WFI */
    ld      t0, 0(s1)
    li      t1, 20000                   /* 2 ms */
    add     s2, t0, t1
    sd      s2, 0(s0)
2:  wfi
    la      t0, irq_count
    ld      a0, 0(t0)
    li      t1, 2
    bne     a0, t1, 2b
    ld      a0, 0(s1)
    li      gp, 7
    bltu    a0, s2, fail_near           /* not delivered before mtimecmp */

    /* --- machine software interrupt --- */
    csrci   mstatus, 8
    li      t0, 1 << 3
    csrw    mie, t0
    li      t0, ACLINT_MSWI
    li      t1, 1
    sw      t1, 0(t0)
    csrr    a0, mip
    andi    a0, a0, 1 << 3
    CHECK_EQ(10, a0, 1 << 3)            /* msip sets mip.MSIP */
    csrsi   mstatus, 8
    WAIT_COUNT(11, irq_count, 3)
    la      t0, irq_cause
    ld      a0, 0(t0)
    CHECK_EQ(12, a0, IRQ_M_SOFT)
    li      t0, ACLINT_MSWI
    lw      a0, 0(t0)
    CHECK_EQ(13, a0, 0)                 /* the handler cleared it */

    /* --- machine external interrupt: PLIC source 10 (UART0 THR empty) on context 0 --- */
    csrci   mstatus, 8
    li      t0, PLIC_PRIORITY(UART0_IRQ)
    li      t1, 1
    sw      t1, 0(t0)
    li      t0, PLIC_ENABLE(0)
    li      t1, 1 << UART0_IRQ
    sw      t1, 0(t0)
    li      t0, PLIC_THRESHOLD(0)
    sw      zero, 0(t0)
    li      t0, UART0
    li      t1, 0x02                    /* IER.ETBEI: the THR is empty, so the UART interrupts at once */
    sb      t1, UART_IER(t0)
    li      s5, 1000000
3:  li      t0, PLIC_PENDING
    lw      a0, 0(t0)
    andi    a0, a0, 1 << UART0_IRQ
    bnez    a0, 4f
    addi    s5, s5, -1
    bnez    s5, 3b
    li      gp, 20
    j       fail
4:  li      t0, 1 << 11
    csrw    mie, t0
    csrsi   mstatus, 8
    WAIT_COUNT(21, irq_count, 4)
    la      t0, irq_cause
    ld      a0, 0(t0)
    CHECK_EQ(22, a0, IRQ_M_EXT)
    la      t0, irq_claimed
    ld      a0, 0(t0)
    CHECK_EQ(23, a0, UART0_IRQ)
    li      t0, PLIC_CLAIM(0)
    lw      a0, 0(t0)
    CHECK_EQ(24, a0, 0)                 /* nothing left to claim */
    csrci   mstatus, 8
    csrw    mie, zero

    /* --- S-mode: delegated supervisor software and timer interrupts --- */
    li      t0, 1
    slli    t0, t0, 63
    csrs    CSR_MENVCFG, t0             /* STCE: enable stimecmp */
    csrr    a0, CSR_MENVCFG
    srli    a0, a0, 63
    CHECK_EQ(30, a0, 1)
    csrwi   mcounteren, 7               /* TM: S may read time and use stimecmp */
    li      t0, (1 << 1) | (1 << 5)
    csrw    mideleg, t0
    li      t0, -1
    csrw    CSR_STIMECMP, t0
    li      a0, 1
    la      a1, s_part
    call    run_in_mode
    CHECK_EQ(31, a0, CAUSE_ECALL_S)
    csrw    mideleg, zero

    li      a0, 0
    j       pass

fail_near:
    j       fail

/* ---------------- S-mode part ---------------- */
s_part:
    la      t0, s_irq
    csrw    stvec, t0
    li      t0, (1 << 1) | (1 << 5)
    csrs    sie, t0                     /* SSIE, STIE */
    csrsi   sstatus, 2                  /* SIE */
    /* software: S sets its own SSIP */
    li      t0, 1 << 1
    csrs    sip, t0
    WAIT_COUNT(40, s_count, 1)
    la      t0, s_cause
    ld      a0, 0(t0)
    CHECK_EQ(41, a0, IRQ_S_SOFT)
    /* software: ACLINT SSWI setssip for hart 0 */
    li      t0, ACLINT_SSWI
    li      t1, 1
    sw      t1, 0(t0)
    WAIT_COUNT(42, s_count, 2)
    la      t0, s_cause
    ld      a0, 0(t0)
    CHECK_EQ(43, a0, IRQ_S_SOFT)
    /* Sstc timer: 1 ms ahead, sleep in WFI until it fires */
    csrr    s3, time
    li      t0, 10000
    add     s3, s3, t0
    csrw    CSR_STIMECMP, s3
5:  wfi
    la      t0, s_count
    ld      a0, 0(t0)
    li      t1, 3
    bne     a0, t1, 5b
    la      t0, s_cause
    ld      a0, 0(t0)
    CHECK_EQ(44, a0, IRQ_S_TIMER)
    csrr    a0, time
    li      gp, 45
    bltu    a0, s3, fail_near           /* not before the deadline */
    csrr    a0, sip
    andi    a0, a0, 1 << 5
    CHECK_EQ(46, a0, 0)                 /* STIP dropped when stimecmp moved */
    csrci   sstatus, 2
    ecall

/* S handler: record, quiet the source, count. t0 is kept in sscratch and t1 in s_save. */
    .align  2
s_irq:
    csrw    sscratch, t0
    la      t0, s_save
    sd      t1, 0(t0)
    csrr    t0, scause
    la      t1, s_cause
    sd      t0, 0(t1)
    li      t1, IRQ_S_TIMER
    bne     t0, t1, 1f
    li      t0, -1
    csrw    CSR_STIMECMP, t0
    j       2f
1:  li      t0, 1 << 1
    csrc    sip, t0                     /* SSIP is software-cleared */
2:  la      t1, s_count
    ld      t0, 0(t1)
    addi    t0, t0, 1
    sd      t0, 0(t1)
    la      t0, s_save
    ld      t1, 0(t0)
    csrr    t0, sscratch
    sret

/* M handler: record, quiet the source, count; t0-t2 saved on the mscratch frame. */
    .align  2
m_irq:
    csrrw   sp, mscratch, sp
    sd      t0, 0(sp)
    sd      t1, 8(sp)
    sd      t2, 16(sp)
    csrr    t0, mcause
    la      t1, irq_cause
    sd      t0, 0(t1)
    li      t1, IRQ_M_TIMER
    bne     t0, t1, 1f
    li      t1, MTIMECMP0
    li      t2, -1
    sd      t2, 0(t1)
    j       9f
1:  li      t1, IRQ_M_SOFT
    bne     t0, t1, 2f
    li      t1, ACLINT_MSWI
    sw      zero, 0(t1)
    j       9f
2:  li      t1, IRQ_M_EXT
    bne     t0, t1, 8f
    li      t1, PLIC_CLAIM(0)
    lw      t2, 0(t1)
    la      t0, irq_claimed
    sd      t2, 0(t0)
    li      t0, UART0
    sb      zero, UART_IER(t0)          /* stop the THRE interrupt before completing */
    sw      t2, 0(t1)
    j       9f
8:  ld      t0, 0(sp)                   /* anything else is a failure */
    ld      t1, 8(sp)
    ld      t2, 16(sp)
    csrrw   sp, mscratch, sp
    j       trap_unexpected
9:  la      t1, irq_count
    ld      t0, 0(t1)
    addi    t0, t0, 1
    sd      t0, 0(t1)
    ld      t0, 0(sp)
    ld      t1, 8(sp)
    ld      t2, 16(sp)
    csrrw   sp, mscratch, sp
    mret

    .data
    .align  3
irq_count:   .dword 0
irq_cause:   .dword 0
irq_claimed: .dword 0
s_count:     .dword 0
s_cause:     .dword 0
s_save:      .dword 0
