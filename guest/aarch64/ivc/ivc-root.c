/*
 * ivc-root.c: the root zone of the IVC demo (examples/aarch64-ivc) on qemu-gicv3's PL011. It asks
 * hvisor for its IVC regions (HvIvcInfo, hypercall 5 over HVC), reads the region's control table,
 * takes its doorbell SPI 65, and answers every message zone 1 leaves in its out section: it prints it
 * and replies "pong N" in its own out section, then rings peer 1.
 */
#include "ivc.h"

#define UART 0x09000000ul
#define UART_DR 0x000
#define UART_FR 0x018
#define FR_TXFF 0x20
#define DOORBELL 65

struct ivc_info {               /* hvisor's IvcInfo, repr(C, packed) */
    uint64_t len;
    uint64_t ct_ipas[2];
    uint64_t shmem_ipas[2];
    uint32_t ids[2];
    uint32_t irqs[2];
} __attribute__((packed));

static struct ivc_info info;
static volatile unsigned pings;

static void putc_(char c) {
    while (*(volatile uint32_t *)(UART + UART_FR) & FR_TXFF) { }
    *(volatile uint32_t *)(UART + UART_DR) = (uint8_t)c;
}

static void puts_(const char *s) {
    while (*s) putc_(*s++);
}

static void put_vstring(volatile const char *s) {
    for (unsigned i = 0; i < 128 && s[i]; i++) putc_(s[i]);
}

static void put_dec(uint64_t v) {
    char buf[21];
    int i = 0;
    do buf[i++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    while (i) putc_(buf[--i]);
}

static void put_hex(uint64_t v) {
    puts_("0x");
    int shift = 60;
    while (shift > 0 && ((v >> shift) & 0xf) == 0) shift -= 4;
    for (; shift >= 0; shift -= 4) putc_("0123456789abcdef"[(v >> shift) & 0xf]);
}

static int64_t hvisor_call(uint64_t code, uint64_t arg0) {
    register uint64_t x0 __asm__("x0") = code;
    register uint64_t x1 __asm__("x1") = arg0;
    __asm__ volatile("hvc #0x4856" : "+r"(x0) : "r"(x1) : "memory");
    return (int64_t)x0;
}

void irq_handler(void) {
    uint32_t intid = (uint32_t)MRS(ICC_IAR1_EL1);
    if (intid == SPURIOUS) return;
    if (intid == DOORBELL) {
        volatile char *from = out_section(1);
        puts_("ivc: zone 1 says: ");
        put_vstring(from);
        puts_(" (shared counter ");
        put_dec(rw_section()[0]);
        puts_(")\n");
        if (from[0] == 'p') {
            unsigned n = ++pings;
            char reply[16] = "pong ";
            reply[5] = (char)('0' + n % 10);
            reply[6] = 0;
            copy_string(out_section(0), reply);
            ivc_ring(1);
        }
    }
    MSR(ICC_EOIR1_EL1, intid);
}

void secondary(void) { }

int main(void) {
    puts_("ivc-root: hello from the root zone\n");
    int64_t r = hvisor_call(5, (uint64_t)(uintptr_t)&info);
    puts_("ivc: HvIvcInfo -> ");
    put_dec((uint64_t)r);
    puts_(": ");
    put_dec(info.len);
    puts_(" region, ivc_id ");
    put_dec(info.ids[0]);
    puts_(", control table ");
    put_hex(info.ct_ipas[0]);
    puts_(", shared memory ");
    put_hex(info.shmem_ipas[0]);
    puts_(", irq ");
    put_dec(info.irqs[0]);
    putc_('\n');
    puts_("ivc: control table: ivc_id ");
    put_dec(r32(IVC_CT + CT_IVC_ID));
    puts_(", max_peers ");
    put_dec(r32(IVC_CT + CT_MAX_PEERS));
    puts_(", rw_sec_size ");
    put_hex(r32(IVC_CT + CT_RW_SEC_SIZE));
    puts_(", out_sec_size ");
    put_hex(r32(IVC_CT + CT_OUT_SEC_SIZE));
    puts_(", peer_id ");
    put_dec(r32(IVC_CT + CT_PEER_ID));
    putc_('\n');
    gic_take_spi(0, DOORBELL);
    puts_("ivc: waiting for zone 1\n");
    for (;;) __asm__ volatile("wfi");
}
