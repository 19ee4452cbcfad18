/*
 * irq.c: the first interrupt-driven aarch64 guest, for a QEMU virt layout (GICv3 distributor at
 * 0x0800_0000, redistributors at 0x080A_0000, PL011 at 0x0900_0000 on SPI 1 = INTID 33, generic timer
 * PPIs 27 virtual / 30 physical). At EL1 with the MMU off it prints "hello", programs the distributor,
 * wakes its redistributor and opens the CPU interface through ICC_SRE/PMR/BPR1/CTLR/IGRPEN1, arms the
 * virtual timer for about 1 ms three times ("tick 1".."tick 3", taken through VBAR_EL1 + 0x280 with
 * ICC_IAR1_EL1 / ICC_EOIR1_EL1), sends itself SGI 1 through ICC_SGI1R_EL1 ("sgi"), prints "ready" and
 * then echoes every byte the PL011 receives, from its RX / receive-timeout interrupt.
 * Progress is also left in `status` (see the STATUS_* bits) for the test to read from RAM.
 */
#include <stdint.h>

#define UART 0x09000000ul
#define UART_DR 0x000
#define UART_FR 0x018
#define UART_IMSC 0x038
#define UART_MIS 0x040
#define UART_ICR 0x044
#define FR_RXFE 0x10
#define FR_TXFF 0x20
#define INT_RX 0x10
#define INT_RT 0x40

#define GICD 0x08000000ul
#define GICD_CTLR 0x0000
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_IPRIORITYR 0x0400
#define GICD_IROUTER 0x6000
#define GICR 0x080A0000ul
#define GICR_WAKER 0x0014
#define GICR_SGI 0x10000
#define GICR_IGROUPR0 (GICR_SGI + 0x080)
#define GICR_ISENABLER0 (GICR_SGI + 0x100)
#define GICR_IPRIORITYR (GICR_SGI + 0x400)

#define INTID_SGI 1
#define INTID_VTIMER 27
#define INTID_UART 33
#define SPURIOUS 1023

/* Bits of `status`, in the order the guest reaches them. */
#define STATUS_GIC 1
#define STATUS_TICKS 2
#define STATUS_SGI 4
#define STATUS_ECHO 8

volatile uint32_t status;
volatile uint32_t ticks;
volatile uint32_t sgis;
volatile uint32_t echoed;
volatile uint32_t unknown_intid;
static uint64_t tick_interval;

static inline void w32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint32_t r32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void w8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline void w64(uintptr_t a, uint64_t v) { *(volatile uint64_t *)a = v; }

#define MSR(reg, v) __asm__ volatile("msr " reg ", %0" ::"r"((uint64_t)(v)) : "memory")
#define MRS(reg) ({ uint64_t v_; __asm__ volatile("mrs %0, " reg : "=r"(v_)::"memory"); v_; })
#define ISB() __asm__ volatile("isb" ::: "memory")

/* The ICC registers by their encodings, so that any assembler takes them. */
#define ICC_PMR_EL1 "s3_0_c4_c6_0"
#define ICC_IAR1_EL1 "s3_0_c12_c12_0"
#define ICC_EOIR1_EL1 "s3_0_c12_c12_1"
#define ICC_SGI1R_EL1 "s3_0_c12_c11_5"
#define ICC_BPR1_EL1 "s3_0_c12_c12_3"
#define ICC_CTLR_EL1 "s3_0_c12_c12_4"
#define ICC_SRE_EL1 "s3_0_c12_c12_5"
#define ICC_IGRPEN1_EL1 "s3_0_c12_c12_7"

static void putc_(char c) {
    while (r32(UART + UART_FR) & FR_TXFF) { }
    w32(UART + UART_DR, (uint8_t)c);
}

static void puts_(const char *s) {
    while (*s) putc_(*s++);
}

static void gic_init(void) {
    /* Distributor: off while programming, SPIs 32..63 Group 1, UART at priority 0xa0 routed to
     * Aff 0.0.0.0, then Group 1 on (ARE reads as 1 whatever is written; write it anyway, as Linux does). */
    w32(GICD + GICD_CTLR, 0);
    w32(GICD + GICD_IGROUPR + 4, 0xffffffffu);
    w8(GICD + GICD_IPRIORITYR + INTID_UART, 0xa0);
    w64(GICD + GICD_IROUTER + 8 * INTID_UART, 0);
    w32(GICD + GICD_ISENABLER + 4 * (INTID_UART / 32), 1u << (INTID_UART % 32));
    w32(GICD + GICD_CTLR, (1u << 4) | 2u);

    /* Redistributor of CPU 0: wake it, SGIs and PPIs Group 1, the SGI and the virtual timer enabled. */
    w32(GICR + GICR_WAKER, r32(GICR + GICR_WAKER) & ~2u);
    while (r32(GICR + GICR_WAKER) & 4u) { }
    w32(GICR + GICR_IGROUPR0, 0xffffffffu);
    w8(GICR + GICR_IPRIORITYR + INTID_SGI, 0x80);
    w8(GICR + GICR_IPRIORITYR + INTID_VTIMER, 0x90);
    w32(GICR + GICR_ISENABLER0, (1u << INTID_SGI) | (1u << INTID_VTIMER));

    /* CPU interface: system registers on, every priority unmasked, EOImode 0, Group 1 on. */
    MSR(ICC_SRE_EL1, MRS(ICC_SRE_EL1) | 1);
    ISB();
    MSR(ICC_PMR_EL1, 0xf0);
    MSR(ICC_BPR1_EL1, 0);
    MSR(ICC_CTLR_EL1, 0);
    MSR(ICC_IGRPEN1_EL1, 1);
    ISB();
}

static void timer_arm(void) {
    MSR("cntv_tval_el0", tick_interval);
    MSR("cntv_ctl_el0", 1); /* ENABLE, IMASK clear */
    ISB();
}

void irq_handler(void) {
    for (;;) {
        uint32_t iar = (uint32_t)MRS(ICC_IAR1_EL1);
        uint32_t intid = iar & 0xffffff;
        if (intid == SPURIOUS) return;
        if (intid == INTID_VTIMER) {
            uint32_t n = ticks + 1;
            ticks = n;
            puts_("tick ");
            putc_((char)('0' + n));
            putc_('\n');
            if (n < 3) timer_arm();
            else MSR("cntv_ctl_el0", 0); /* disabled: the level-sensitive PPI falls */
            ISB();
        } else if (intid == INTID_SGI) {
            sgis = sgis + 1;
            puts_("sgi\n");
        } else if (intid == INTID_UART) {
            while (!(r32(UART + UART_FR) & FR_RXFE)) {
                char c = (char)r32(UART + UART_DR);
                putc_(c);
                echoed = echoed + 1;
            }
            w32(UART + UART_ICR, INT_RX | INT_RT);
        } else {
            unknown_intid = intid;
        }
        MSR(ICC_EOIR1_EL1, iar);
        ISB();
    }
}

int main(void) {
    puts_("hello\n");
    gic_init();
    status = STATUS_GIC;
    __asm__ volatile("msr daifclr, #2" ::: "memory"); /* IRQs on */

    tick_interval = MRS("cntfrq_el0") / 1000; /* about 1 ms */
    timer_arm();
    while (ticks < 3) __asm__ volatile("wfi");
    status |= STATUS_TICKS;

    /* SGI 1 to this CPU: Aff3.Aff2.Aff1 = 0, TargetList bit Aff0 = 0, IRM = 0. */
    MSR(ICC_SGI1R_EL1, ((uint64_t)INTID_SGI << 24) | 1u);
    ISB();
    while (sgis == 0) __asm__ volatile("wfi");
    status |= STATUS_SGI;

    w32(UART + UART_ICR, 0x7ff);
    w32(UART + UART_IMSC, INT_RX | INT_RT);
    puts_("ready\n");
    status |= STATUS_ECHO;
    for (;;) __asm__ volatile("wfi");
}
