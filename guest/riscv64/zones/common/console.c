/* console.c: formatted whole-line output for the Zones demo programs (see zone.h).
 * Backends: UART0 (NS16550A, polled, root zone only: it owns the device) or the SBI debug console
 * (DBCN console_write, EID 0x4442434E FID 0, one call per line; legacy console_putchar EID 1 per byte
 * if the SBI has no DBCN or a write fails). zvsnprintf knows %d %i %u %x %X %p %s %c %% with the flag
 * '-', '0', a width (or *) and the length modifiers l, ll, z. */
#include "zone.h"
#include "sbi.h"

#define UART0        0x10000000
#define UART_THR     0
#define UART_IER     1
#define UART_FCR     2
#define UART_LCR     3
#define UART_MCR     4
#define UART_LSR     5
#define UART_LSR_THRE 0x20
#define UART_CLOCK   3686400

enum backend { BACKEND_NONE, BACKEND_UART, BACKEND_DBCN, BACKEND_LEGACY };
static volatile enum backend backend;
static volatile uint32_t console_word;

void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if ((((uintptr_t)d | (uintptr_t)s | n) & 7) == 0) {
        for (size_t i = 0; i < n; i += 8)
            *(uint64_t *)(d + i) = *(const uint64_t *)(s + i);
        return dst;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

void *zmemcpy(void *dst, const void *src, size_t n) { return memcpy(dst, src, n); }
void *zmemset(void *dst, int c, size_t n) { return memset(dst, c, n); }

static void lock(void)
{
    uint32_t old;
    do {
        __asm__ volatile("amoswap.w.aq %0, %1, (%2)" : "=r"(old) : "r"(1), "r"(&console_word) : "memory");
    } while (old);
}

static void unlock(void)
{
    __asm__ volatile("amoswap.w.rl zero, zero, (%0)" : : "r"(&console_word) : "memory");
}

void console_use_uart(void)
{
    uint32_t divisor = UART_CLOCK / (16 * 115200);
    MMIO8(UART0 + UART_IER) = 0;
    MMIO8(UART0 + UART_LCR) = 0x80;          /* DLAB */
    MMIO8(UART0 + 0) = divisor & 0xff;
    MMIO8(UART0 + 1) = divisor >> 8;
    MMIO8(UART0 + UART_LCR) = 0x03;          /* 8N1 */
    MMIO8(UART0 + UART_FCR) = 0x07;          /* FIFOs on and cleared */
    MMIO8(UART0 + UART_MCR) = 0x0b;          /* DTR, RTS, OUT2 */
    backend = BACKEND_UART;
}

void console_use_sbi(void)
{
    backend = sbi_probe_extension(SBI_EXT_DBCN) > 0 ? BACKEND_DBCN : BACKEND_LEGACY;
}

const char *console_backend(void)
{
    switch (backend) {
    case BACKEND_UART:   return "uart0";
    case BACKEND_DBCN:   return "sbi-dbcn";
    case BACKEND_LEGACY: return "sbi-legacy-putchar";
    default:             return "none";
    }
}

static void uart_putc(char c)
{
    while (!(MMIO8(UART0 + UART_LSR) & UART_LSR_THRE))
        ;
    MMIO8(UART0 + UART_THR) = (uint8_t)c;
}

static void raw_write(const char *s, size_t n)
{
    switch (backend) {
    case BACKEND_UART:
        for (size_t i = 0; i < n; i++)
            uart_putc(s[i]);
        return;
    case BACKEND_DBCN:
        while (n > 0) {
            struct sbiret r = sbi_debug_console_write(s, n);
            if (r.error != SBI_SUCCESS || r.value <= 0 || (size_t)r.value > n)
                break;                       /* fall back to putchar for the rest */
            s += r.value;
            n -= (size_t)r.value;
        }
        /* fallthrough */
    case BACKEND_LEGACY:
    default:
        for (size_t i = 0; i < n; i++)
            sbi_legacy_putchar(s[i]);
        return;
    }
}

/* Formatting (zvsnprintf, zsnprintf): guest/common/zformat.c. */

int zprintf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = zvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    lock();
    raw_write(buf, len);
    unlock();
    return n;
}

/* Fatal paths: no lock (the interrupted code on this hart may hold it). */
static void panic_vprint(const char *fmt, va_list ap)
{
    char buf[256];
    int n = zvsnprintf(buf, sizeof buf, fmt, ap);
    raw_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void panic_print(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    panic_vprint(fmt, ap);
    va_end(ap);
}

void zone_panic(const char *fmt, ...)
{
    va_list ap;
    irq_disable();
    panic_print("%s: PANIC on hart %lu: ", zone_prefix, hartid());
    va_start(ap, fmt);
    panic_vprint(fmt, ap);
    va_end(ap);
    panic_print("\n");
    zone_park();
}

void zone_unexpected_trap(struct trap_frame *f)
{
    panic_print("%s: unexpected trap on hart %lu: scause=0x%lx sepc=0x%lx stval=0x%lx; hart parked\n",
                zone_prefix, hartid(), f->scause, f->sepc, f->stval);
    zone_park();
}

void zone_nested_trap(uint64_t scause, uint64_t sepc, uint64_t stval)
{
    panic_print("%s: trap inside the trap handler on hart %lu: scause=0x%lx sepc=0x%lx stval=0x%lx; hart parked\n",
                zone_prefix, hartid(), scause, sepc, stval);
    zone_park();
}
