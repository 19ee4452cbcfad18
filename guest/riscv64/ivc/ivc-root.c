/* ivc-root.c: the root zone of the riscv64 IVC demo (examples/riscv64-ivc) on UART0 of qemu-plic. It
 * asks the hypervisor for its IVC regions (HvIvcInfo, hypercall 5), reads the region's control table,
 * takes its doorbell (vPLIC source 40) and answers every message zone 1 leaves in its out section: it
 * prints it and replies "pong N" in its own out section, then rings peer 1. */
#include "zone.h"
#include "hvisor.h"
#include "ivc.h"

#define DOORBELL 40

const char zone_prefix[] = "ivc-root";

struct ivc_info {               /* hvisor's IvcInfo, repr(C, packed) */
    uint64_t len;
    uint64_t ct_ipas[2];
    uint64_t shmem_ipas[2];
    uint32_t ids[2];
    uint32_t irqs[2];
} __attribute__((packed));

static struct ivc_info info;
static unsigned pongs_sent;
static volatile uint32_t doorbells, handled;

void zone_trap(struct trap_frame *f)
{
    if (f->scause != (SCAUSE_INTR | IRQ_S_EXT))
        zone_unexpected_trap(f);
    uint32_t source;
    while ((source = MMIO32(PLIC_CLAIM(ZONE_PLIC_CONTEXT))) != 0) {
        if (source == DOORBELL)
            doorbells++;
        MMIO32(PLIC_CLAIM(ZONE_PLIC_CONTEXT)) = source;     /* complete */
    }
}

void zone_secondary(uint64_t hart, uint64_t opaque)
{
    (void)hart;
    (void)opaque;
}

void zone_main(uint64_t hart, uint64_t dtb)
{
    (void)dtb;
    console_use_uart();
    zprintf("ivc-root: hello from the root zone on hart %lu\n", hart);
    struct hv_ret r = hv_call(HV_IVC_INFO, (uint64_t)(uintptr_t)&info, 0);
    char result[64];
    hv_format_result(result, sizeof result, r);
    zprintf("ivc: HvIvcInfo -> %s: %lu region, ivc_id %u, control table 0x%lx, shared memory 0x%lx, irq %u\n",
            result, info.len, info.ids[0], info.ct_ipas[0], info.shmem_ipas[0], info.irqs[0]);
    if (r.value != 0)
        zone_park();
    zprintf("ivc: control table: ivc_id %u, max_peers %u, rw_sec_size 0x%x, out_sec_size 0x%x, peer_id %u\n",
            MMIO32(IVC_CT + CT_IVC_ID), MMIO32(IVC_CT + CT_MAX_PEERS), MMIO32(IVC_CT + CT_RW_SEC_SIZE),
            MMIO32(IVC_CT + CT_OUT_SEC_SIZE), MMIO32(IVC_CT + CT_PEER_ID));
    plic_take(DOORBELL);
    zprintf("ivc: waiting for zone 1\n");
    for (;;) {
        /* Printing happens here, not in the trap handler (zprintf takes the console lock). */
        irq_disable();
        if (handled == doorbells) {
            wfi();
            irq_enable();
            continue;
        }
        handled = doorbells;
        irq_enable();
        volatile char *from = out_section(1);
        char text[64];
        unsigned i = 0;
        for (; i + 1 < sizeof text && from[i]; i++)
            text[i] = from[i];
        text[i] = 0;
        zprintf("ivc: zone 1 says: %s (shared counter %u)\n", text, rw_section()[0]);
        if (text[0] == 'p') {
            char reply[16];
            zsnprintf(reply, sizeof reply, "pong %u", ++pongs_sent);
            copy_string(out_section(0), reply);
            ivc_ring(1);
        }
    }
}
