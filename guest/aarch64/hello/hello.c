/*
 * hello.c: the aarch64 demo guest, as the root zone of hvisor's qemu-gicv3 board (the riscv64 hello's
 * twin). CPU 0 says hello, starts every other CPU of the board with PSCI CPU_ON over SMC (hvisor
 * answers INVALID_PARAMETERS for a CPU outside the zone, which it skips), waits for each to say hello in
 * turn, then programs the GICv3 (distributor, its redistributor, the ICC system registers) for the PL011's
 * receive interrupt and echoes every byte typed, sleeping in WFI in between.
 */
#include <stdint.h>

#define UART 0x09000000ul
#define UART_DR 0x000
#define UART_FR 0x018
#define UART_IMSC 0x038
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
#define INTID_UART 33
#define SPURIOUS 1023

#define PSCI_CPU_ON 0xc4000003ul
#define MAX_CPUS 4

#define MSR(reg, v) __asm__ volatile("msr " reg ", %0" ::"r"((uint64_t)(v)) : "memory")
#define MRS(reg) ({ uint64_t v_; __asm__ volatile("mrs %0, " reg : "=r"(v_)::"memory"); v_; })
#define ISB() __asm__ volatile("isb" ::: "memory")
#define ICC_PMR_EL1 "s3_0_c4_c6_0"
#define ICC_IAR1_EL1 "s3_0_c12_c12_0"
#define ICC_EOIR1_EL1 "s3_0_c12_c12_1"
#define ICC_BPR1_EL1 "s3_0_c12_c12_3"
#define ICC_CTLR_EL1 "s3_0_c12_c12_4"
#define ICC_SRE_EL1 "s3_0_c12_c12_5"
#define ICC_IGRPEN1_EL1 "s3_0_c12_c12_7"

/* CPU n sets said[n] after its hello line; CPU 0 waits for it before starting the next. */
volatile uint32_t said[MAX_CPUS];
extern char secondary_entry[];

static inline void w32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint32_t r32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void w8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline void w64(uintptr_t a, uint64_t v) { *(volatile uint64_t *)a = v; }

static void putc_(char c) {
    while (r32(UART + UART_FR) & FR_TXFF) { }
    w32(UART + UART_DR, (uint8_t)c);
}

static void puts_(const char *s) {
    while (*s) putc_(*s++);
}

static unsigned cpu_id(void) {
    return (unsigned)(MRS("mpidr_el1") & 0xff);
}

static void hello(void) {
    puts_("Hello from aarch64 CPU ");
    putc_((char)('0' + cpu_id()));
    putc_('\n');
}

static int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry) {
    register uint64_t x0 __asm__("x0") = PSCI_CPU_ON;
    register uint64_t x1 __asm__("x1") = mpidr;
    register uint64_t x2 __asm__("x2") = entry;
    register uint64_t x3 __asm__("x3") = 0;
    __asm__ volatile("smc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
    return (int64_t)x0;
}

void secondary(void) {
    hello();
    said[cpu_id()] = 1;
    for (;;) __asm__ volatile("wfi");
}

void irq_handler(void) {
    for (;;) {
        uint32_t iar = (uint32_t)MRS(ICC_IAR1_EL1);
        uint32_t intid = iar & 0xffffff;
        if (intid == SPURIOUS) return;
        if (intid == INTID_UART) {
            while (!(r32(UART + UART_FR) & FR_RXFE)) {
                char c = (char)r32(UART + UART_DR);
                putc_(c);
                if (c == '\r') puts_("\necho> ");
            }
            w32(UART + UART_ICR, INT_RX | INT_RT);
        }
        MSR(ICC_EOIR1_EL1, iar);
        ISB();
    }
}

static void gic_init(void) {
    w32(GICD + GICD_CTLR, 0);
    w32(GICD + GICD_IGROUPR + 4, 0xffffffffu);
    w8(GICD + GICD_IPRIORITYR + INTID_UART, 0xa0);
    w64(GICD + GICD_IROUTER + 8 * INTID_UART, 0);
    w32(GICD + GICD_ISENABLER + 4 * (INTID_UART / 32), 1u << (INTID_UART % 32));
    w32(GICD + GICD_CTLR, (1u << 4) | 2u);
    w32(GICR + GICR_WAKER, r32(GICR + GICR_WAKER) & ~2u);
    while (r32(GICR + GICR_WAKER) & 4u) { }
    MSR(ICC_SRE_EL1, MRS(ICC_SRE_EL1) | 1);
    ISB();
    MSR(ICC_PMR_EL1, 0xf0);
    MSR(ICC_BPR1_EL1, 0);
    MSR(ICC_CTLR_EL1, 0);
    MSR(ICC_IGRPEN1_EL1, 1);
    ISB();
}

int main(void) {
    hello();
    for (unsigned cpu = 1; cpu < MAX_CPUS; cpu++) {
        if (psci_cpu_on(cpu, (uint64_t)(uintptr_t)secondary_entry) != 0) continue;
        while (!said[cpu]) { }
    }
    gic_init();
    w32(UART + UART_ICR, 0x7ff);
    w32(UART + UART_IMSC, INT_RX | INT_RT);
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    puts_("echo> ");
    for (;;) __asm__ volatile("wfi");
}
