/* console.c: formatted whole-line output for the aarch64 Zones demo programs (see zone.h).
 * Backends: the PL011 at 0x0900_0000 (polled, root zone only: it owns the device) or the zone's virtio
 * console (virtio.c, one transmit buffer per line). zvsnprintf knows %d %i %u %x %X %p %s %c %% with the
 * flags '-' and '0', a width (or *) and the length modifiers l, ll, z. */
#include "zone.h"

#define PL011        0x09000000ul
#define PL011_DR     0x000
#define PL011_FR     0x018
#define PL011_FR_TXFF 0x20

enum backend { BACKEND_NONE, BACKEND_PL011, BACKEND_VIRTIO };
static volatile enum backend backend;
static uintptr_t virtio_base;
static uint32_t console_word;

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

/* LDAXR/STXR (-mno-outline-atomics): works between the zone's CPUs with the MMU off on the workbench
 * and on QEMU (real cores may need Normal memory for exclusives). */
static void lock(void)
{
    while (__atomic_exchange_n(&console_word, 1, __ATOMIC_ACQUIRE))
        ;
}

static void unlock(void)
{
    __atomic_store_n(&console_word, 0, __ATOMIC_RELEASE);
}

void console_use_pl011(void)
{
    backend = BACKEND_PL011;
}

int console_use_virtio(uintptr_t base)
{
    int r = vcons_init(base);
    if (r == 0) {
        virtio_base = base;
        backend = BACKEND_VIRTIO;
    }
    return r;
}

const char *console_backend(void)
{
    static char name[32];
    switch (backend) {
    case BACKEND_PL011:  return "pl011";
    case BACKEND_VIRTIO: zsnprintf(name, sizeof name, "virtio-mmio 0x%lx", (uint64_t)virtio_base); return name;
    default:             return "none";
    }
}

static void pl011_putc(char c)
{
    while (MMIO32(PL011 + PL011_FR) & PL011_FR_TXFF)
        ;
    MMIO32(PL011 + PL011_DR) = (uint8_t)c;
}

static void raw_write(const char *s, size_t n)
{
    switch (backend) {
    case BACKEND_PL011:
        for (size_t i = 0; i < n; i++)
            pl011_putc(s[i]);
        return;
    case BACKEND_VIRTIO:
        vcons_write(s, n);
        return;
    default:
        return;                              /* no console: nowhere to print */
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

/* Fatal paths: no lock (the interrupted code on this CPU may hold it). */
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
    panic_print("%s: PANIC on CPU %lu: ", zone_prefix, cpu_id());
    va_start(ap, fmt);
    panic_vprint(fmt, ap);
    va_end(ap);
    panic_print("\n");
    zone_park();
}

/* Called by start.S for every exception but an IRQ from EL1h; `kind` is the vector's number. */
void zone_exception(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far)
{
    static const char *const names[4] = { "synchronous", "IRQ", "FIQ", "SError" };
    static const char *const origins[4] = { "EL1 with SP_EL0", "EL1", "EL0 (AArch64)", "EL0 (AArch32)" };
    panic_print("%s: unexpected %s exception from %s on CPU %lu: ESR_EL1=0x%lx (EC 0x%lx) ELR_EL1=0x%lx FAR_EL1=0x%lx; CPU parked\n",
                zone_prefix, names[kind & 3], origins[(kind >> 2) & 3], cpu_id(), esr, (esr >> 26) & 0x3f, elr, far);
    zone_park();
}
