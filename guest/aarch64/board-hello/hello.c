/*
 * hello.c: the demo of hvisor's other aarch64 boards (examples/aarch64-<board>-hello), one program built
 * once per board: `-include boards/<board>.h` names the board's UART driver (uart-*.h), its GIC (gic-v2.h
 * or gic-v3.h), its CPUs' MPIDRs and where hvisor loads the root zone's kernel. As the qemu-gicv3 hello
 * does, CPU 0 says hello, starts every other CPU of the board with PSCI CPU_ON over SMC (hvisor answers
 * INVALID_PARAMETERS for a CPU outside the zone, which it skips), waits for each to say hello in turn,
 * then routes the UART's receive interrupt through the GIC and echoes every byte typed, sleeping in WFI.
 */
#include <stdint.h>

static inline void w32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint32_t r32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void w8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline void w64(uintptr_t a, uint64_t v) { *(volatile uint64_t *)a = v; }

#define MSR(reg, v) __asm__ volatile("msr " reg ", %0" ::"r"((uint64_t)(v)) : "memory")
#define MRS(reg) ({ uint64_t v_; __asm__ volatile("mrs %0, " reg : "=r"(v_)::"memory"); v_; })
#define ISB() __asm__ volatile("isb" ::: "memory")

#include BOARD_UART
#include BOARD_GIC

#define PSCI_CPU_ON 0xc4000003ul

/* The CPU being started: its number, read by secondary_entry for its stack and by secondary(). */
volatile uint64_t starting_cpu;
/* CPU n sets said[n] after its hello line; CPU 0 waits for it before starting the next. */
volatile uint32_t said[CPU_COUNT];
extern char secondary_entry[];

static void puts_(const char *s) {
    while (*s) uart_putc(*s++);
}

static void hello(unsigned cpu) {
    puts_("Hello from " BOARD_NAME " CPU ");
    uart_putc((char)('0' + cpu));
    uart_putc('\n');
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
    unsigned cpu = (unsigned)starting_cpu;
    hello(cpu);
    said[cpu] = 1;
    for (;;) __asm__ volatile("wfi");
}

void irq_handler(void) {
    for (;;) {
        uint32_t intid = gic_acknowledge();
        if (intid >= 1020) return;
        if (intid == UART_INTID) {
            while (uart_rx_ready()) {
                char c = uart_getc();
                uart_putc(c);
                if (c == '\r') puts_("\necho> ");
            }
            uart_rx_irq_ack();
        }
        gic_end(intid);
    }
}

int main(void) {
    hello(0);
    for (unsigned cpu = 1; cpu < CPU_COUNT; cpu++) {
        starting_cpu = cpu;
        if (psci_cpu_on(MPIDR_OF(cpu), (uint64_t)(uintptr_t)secondary_entry) != 0) continue;
        while (!said[cpu]) { }
    }
    gic_init(UART_INTID);
    uart_rx_irq_enable();
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    puts_("echo> ");
    for (;;) __asm__ volatile("wfi");
}
