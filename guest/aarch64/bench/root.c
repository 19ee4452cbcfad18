/* root.c: the end of the root-zone benchmark guest (bench-mips-root), after mips.c's main(): prints
 * "bench-mips: iterations=N checksum=0x..." on the PL011 of QEMU virt / qemu-gicv3 and powers the board
 * off with PSCI SYSTEM_OFF. hvisor takes PSCI over SMC only (from the root zone SYSTEM_OFF powers the
 * board off); QEMU virt without EL2/EL3 takes it over HVC and leaves SMC undefined, which start-root.S
 * turns into `smc_undefined`, so the same binary ends both runs. */
#include <stdint.h>

#define UART 0x09000000ul
#define UART_DR 0x000
#define UART_FR 0x018
#define FR_TXFF 0x20
#define PSCI_SYSTEM_OFF 0x84000008ul

extern volatile uint32_t bench_iterations;
extern uint64_t checksum;
volatile uint32_t smc_undefined;

static void putc_(char c) {
    while (*(volatile uint32_t *)(UART + UART_FR) & FR_TXFF) { }
    *(volatile uint32_t *)(UART + UART_DR) = (uint8_t)c;
}

static void puts_(const char *s) {
    while (*s) putc_(*s++);
}

static void put_dec(uint64_t v) {
    char buf[21];
    int i = 0;
    do buf[i++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    while (i) putc_(buf[--i]);
}

static void put_hex(uint64_t v) {
    puts_("0x");
    for (int shift = 60; shift >= 0; shift -= 4) putc_("0123456789abcdef"[(v >> shift) & 0xf]);
}

void finish(void) {
    puts_("bench-mips: iterations=");
    put_dec(bench_iterations);
    puts_(" checksum=");
    put_hex(checksum);
    putc_('\n');
    register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;
    __asm__ volatile("smc #0" : "+r"(x0) :: "memory");
    if (smc_undefined) {
        x0 = PSCI_SYSTEM_OFF;
        __asm__ volatile("hvc #0" : "+r"(x0) :: "memory");
    }
}
