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

/* ---- formatting ---- */

struct out {
    char *buf;
    size_t size, len;        /* len counts every character, even those that did not fit */
};

static void put(struct out *o, char c)
{
    if (c == '\n')
        put(o, '\r');
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, int left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left)
        while (fill-- > 0)
            put(o, pad);
    for (size_t i = 0; i < n; i++)
        put(o, s[i]);
    if (left)
        while (fill-- > 0)
            put(o, ' ');
}

int zvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        int left = 0, zero = 0, width = 0, lng = 0;
        for (;; fmt++) {
            if (*fmt == '-') left = 1;
            else if (*fmt == '0') zero = 1;
            else break;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        }
        while (*fmt == 'l' || *fmt == 'z') {
            lng = 1;
            fmt++;
        }
        char tmp[24];
        size_t n = 0;
        char pad = zero && !left ? '0' : ' ';
        switch (*fmt) {
        case 'd':
        case 'i': {
            long v = lng ? va_arg(ap, long) : va_arg(ap, int);
            uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
            do { tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10); u /= 10; } while (u);
            if (v < 0) {
                if (pad == '0') { put(&o, '-'); width--; }
                else tmp[sizeof tmp - 1 - n++] = '-';
            }
            put_padded(&o, tmp + sizeof tmp - n, n, width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'p': {
            uint64_t u;
            unsigned base = *fmt == 'u' ? 10 : 16;
            const char *digits = *fmt == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
            if (*fmt == 'p') {
                u = (uintptr_t)va_arg(ap, void *);
                put(&o, '0'); put(&o, 'x');
            } else {
                u = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            }
            do { tmp[sizeof tmp - 1 - n++] = digits[u % base]; u /= base; } while (u);
            put_padded(&o, tmp + sizeof tmp - n, n, width, left, pad);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            size_t len = 0;
            while (s[len]) len++;
            put_padded(&o, s, len, width, left, ' ');
            break;
        }
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            put_padded(&o, tmp, 1, width, left, ' ');
            break;
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int zsnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = zvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

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
