/* ivc-peer.c: zone 1 of the riscv64 IVC demo (examples/riscv64-ivc), started by the layout as if the
 * root ran `hvisor zone start`. It prints on the SBI console (its own terminal) and talks to the root
 * only through IVC: it takes its doorbell (vPLIC source 41), then three times writes "ping N" into its
 * out section, counts in the shared read-write section and rings the root (peer 0), waiting for the
 * root's "pong N"; then it says "done" and sleeps. */
#include "zone.h"
#include "ivc.h"

#define DOORBELL 41
#define ROUNDS 3

const char zone_prefix[] = "ivc-peer";

static volatile unsigned pongs;

void zone_trap(struct trap_frame *f)
{
    if (f->scause != (SCAUSE_INTR | IRQ_S_EXT))
        zone_unexpected_trap(f);
    uint32_t source;
    while ((source = MMIO32(PLIC_CLAIM(ZONE_PLIC_CONTEXT))) != 0) {
        if (source == DOORBELL) {
            volatile char *reply = out_section(0);
            if (reply[0] == 'p' && reply[5] == (char)('0' + (pongs + 1) % 10))
                pongs++;
        }
        MMIO32(PLIC_CLAIM(ZONE_PLIC_CONTEXT)) = source;
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
    console_use_sbi();
    unsigned me = MMIO32(IVC_CT + CT_PEER_ID);
    zprintf("ivc-peer: zone 1 on hart %lu is IVC peer %u\n", hart, me);
    plic_take(DOORBELL);
    for (unsigned n = 1; n <= ROUNDS; n++) {
        char message[32];
        zsnprintf(message, sizeof message, "ping %u from zone 1, peer %u", n, me);
        copy_string(out_section(me), message);
        rw_section()[0] += 1;
        ivc_ring(0);
        /* Check and sleep with interrupts off: a pong that lands between the check and the WFI still
         * wakes the WFI (it is pending and enabled in sie) and is taken once they are back on. */
        for (;;) {
            irq_disable();
            if (pongs >= n)
                break;
            wfi();
            irq_enable();
        }
        irq_enable();
        zprintf("ivc-peer: pong %u received\n", n);
    }
    copy_string(out_section(me), "done: 3 pongs received");
    ivc_ring(0);
    zprintf("ivc-peer: done\n");
    for (;;)
        wfi();
}
