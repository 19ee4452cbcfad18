/* vzone.c: vbridge-zone.elf / .bin, the non-root zone of the virtio bridge test (zone 1, hart 1, RAM
 * 0x8800_0000 + 16 MiB, a `virtio` region at 0x1000_6000 with IRQ 6). It drives a virtio device the way
 * a driver starts to: two register loads (each waits until the root zone's daemon answers), then a
 * QueueNotify write (hvisor does not wait for it), then it waits for the device's interrupt through its
 * vPLIC. Output goes to the SBI debug console:
 *   vzone: hart 1 up
 *   vzone: MagicValue 0x74726976, Version 2 (answered by the root's daemon)
 *   vzone: QueueNotify written (queue 0)
 *   vzone: virtio IRQ 6 arrived (claimed from the vPLIC)
 *   vzone: done */
#include "zone.h"
#include "sbi.h"
#include "bridge.h"

const char zone_prefix[] = "vzone";

static volatile uint32_t claimed;

void zone_trap(struct trap_frame *f)
{
    if (f->scause != (SCAUSE_INTR | IRQ_S_EXT))
        zone_unexpected_trap(f);
    uint32_t source;
    while ((source = MMIO32(PLIC_CLAIM(PLIC_CONTEXT))) != 0) {
        claimed = source;
        MMIO32(PLIC_CLAIM(PLIC_CONTEXT)) = source;   /* complete */
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
    zprintf("vzone: hart %lu up\n", hart);
    MMIO32(PLIC_PRIORITY(VZONE_VIRTIO_IRQ)) = 1;
    MMIO32(PLIC_ENABLE(PLIC_CONTEXT)) = 1u << VZONE_VIRTIO_IRQ;
    MMIO32(PLIC_THRESHOLD(PLIC_CONTEXT)) = 0;
    csr_set(sie, SIE_SEIE);

    uint32_t magic = MMIO32(VZONE_VIRTIO_BASE + 0x000);
    uint32_t version = MMIO32(VZONE_VIRTIO_BASE + 0x004);
    zprintf("vzone: MagicValue 0x%x, Version %u (answered by the root's daemon)\n", magic, version);
    MMIO32(VZONE_VIRTIO_BASE + VIRTIO_QUEUE_NOTIFY) = 0;
    zprintf("vzone: QueueNotify written (queue 0)\n");
    for (;;) {
        irq_disable();
        if (!claimed)
            wfi();
        irq_enable();
        if (claimed)
            break;
    }
    zprintf("vzone: virtio IRQ %u arrived (claimed from the vPLIC)\n", claimed);
    zprintf("vzone: done\n");
    zone_park();
}
