/* vroot.c: vbridge-root.elf, the root zone of the virtio bridge test (zone 0, hart 0, loaded at
 * 0x9000_0000, UART0 passed through). It plays hvisor-tool in a root Linux, reduced to what hvisor's
 * virtio bridge needs (hvisor-tool driver/hvisor_main.c INIT_VIRTIO / FINISH_REQ and tools/virtio/
 * virtio.c consume_pending_requests), with hypercalls instead of ioctls:
 *   1. hypercall 0 with page A of its RAM, then again with page B: hvisor moves the bridge each time
 *   2. vPLIC: IRQ_WAKEUP_VIRTIO_DEVICE (0x20) enabled on context 1; need_wakeup = 1 ("daemon asleep")
 *   3. copies the zone's image to 0x8800_0000 and starts zone 1 with hypercall 2
 *   4. sleeps in WFI; each wakeup IRQ: serves every request in page B: loads answered through
 *      cfg_values / cfg_flags (magic, version 2, else 0); a QueueNotify gets {zone, irq 6} in res_list
 *      and hypercall 1
 *   5. after the notify: page A must have seen nothing
 * Lines (UART0):
 *   vroot: virtio init: hypercall 0 (page A 0x...) -> 0
 *   vroot: virtio init again: hypercall 0 (page B 0x...) -> 0
 *   vroot: zone start vzone (id 1): hypercall 2 -> 0
 *   vroot: wakeup IRQ 32 (IRQ_WAKEUP_VIRTIO_DEVICE), 1 so far
 *   vroot: request zone 1 cpu 1: read 0x10006000 size 4 -> 0x74726976
 *   vroot: request zone 1 cpu 1: notify 0x10006050 value 0x0 -> res_list {zone 1, irq 6}, hypercall 1 -> 0
 *   vroot: page A saw no request: the bridge moved to page B */
#include "zone.h"
#include "sbi.h"
#include "hvisor.h"
#include "bridge.h"

const char zone_prefix[] = "vroot";

extern const char vzone_image_start[], vzone_image_end[];

/* Two zeroed pages of the root's RAM, as hvisor.ko allocates one for INIT_VIRTIO. */
static union {
    struct virtio_bridge bridge;
    uint8_t bytes[4096];
} pages[2] __attribute__((aligned(4096)));

static struct hv_zone_config vzone_config = {
    .zone_id = VZONE_ID,
    .cpus = 1ul << 1,
    .num_memory_regions = 2,
    .memory_regions = {
        { .mem_type = MEM_TYPE_RAM, .physical_start = VZONE_RAM, .virtual_start = VZONE_RAM, .size = VZONE_RAM_SIZE },
        { .mem_type = MEM_TYPE_VIRTIO, .physical_start = VZONE_VIRTIO_BASE, .virtual_start = VZONE_VIRTIO_BASE, .size = 0x1000 },
    },
    .interrupts_bitmap = { 1u << VZONE_VIRTIO_IRQ },
    .num_ivc_configs = 0,
    .entry_point = VZONE_RAM,
    .kernel_load_paddr = VZONE_RAM,
    .kernel_size = 0,
    .dtb_load_paddr = 0x88f00000,
    .dtb_size = 0,
    .name = "vzone",
    .arch_config = { .plic_base = 0xc000000, .plic_size = 0x4000000, .aplic_base = 0xd000000, .aplic_size = 0x8000 },
    .num_pci_bus = 0,
    .num_pci_devs = 0,
};

static volatile uint32_t wakeups, other_claims;

void zone_trap(struct trap_frame *f)
{
    if (f->scause != (SCAUSE_INTR | IRQ_S_EXT))
        zone_unexpected_trap(f);
    uint32_t source;
    while ((source = MMIO32(PLIC_CLAIM(PLIC_CONTEXT))) != 0) {
        if (source == IRQ_WAKEUP_VIRTIO_DEVICE)
            wakeups++;
        else
            other_claims++;
        MMIO32(PLIC_CLAIM(PLIC_CONTEXT)) = source;
    }
}

void zone_secondary(uint64_t hart, uint64_t opaque)
{
    (void)hart;
    (void)opaque;
}

static void print_result(const char *what, struct hv_ret r)
{
    char text[96];
    hv_format_result(text, sizeof text, r);
    zprintf("vroot: %s -> %s\n", what, text);
}

static uint64_t answer(const volatile struct device_req *req)
{
    switch (req->address - VZONE_VIRTIO_BASE) {
    case 0x000: return VIRTIO_MAGIC;
    case 0x004: return 2;                    /* virtio-mmio version 2, as hvisor-tool emulates */
    default:    return 0;
    }
}

/* One request, as consume_pending_requests handles it. Returns 1 for a QueueNotify. */
static int serve(volatile struct virtio_bridge *b, const volatile struct device_req *req)
{
    uint64_t cpu = req->src_cpu;
    if (req->need_interrupt) {
        uint32_t rear = b->res_rear;
        b->res_list[rear].target_zone = req->src_zone;
        b->res_list[rear].irq_id = VZONE_VIRTIO_IRQ;
        __asm__ volatile("fence w, w" ::: "memory");
        b->res_rear = (rear + 1) & (MAX_REQ - 1);
        struct hv_ret r = hv_call(HV_VIRTIO_INJECT_IRQ, 0, 0);
        char what[128];
        zsnprintf(what, sizeof what, "request zone %u cpu %lu: notify 0x%lx value 0x%lx -> res_list {zone %u, irq %d}, hypercall 1",
                  req->src_zone, cpu, req->address, req->value, req->src_zone, VZONE_VIRTIO_IRQ);
        print_result(what, r);
        return 1;
    }
    if (cpu >= MAX_CPUS) {
        zprintf("vroot: request with src_cpu %lu: out of range, dropped\n", cpu);
        return 0;
    }
    uint64_t value = req->is_write ? 0 : answer(req);
    zprintf("vroot: request zone %u cpu %lu: %s 0x%lx size %lu -> 0x%lx\n", req->src_zone, cpu,
            req->is_write ? "write" : "read", req->address, req->size, req->is_write ? req->value : value);
    b->cfg_values[cpu] = value;
    __asm__ volatile("fence w, w" ::: "memory");    /* the value before the flag the vCPU watches */
    b->cfg_flags[cpu]++;
    return 0;
}

static void start_zone(void)
{
    size_t size = (size_t)(vzone_image_end - vzone_image_start);
    zmemcpy((void *)VZONE_RAM, vzone_image_start, (size + 7) & ~7ul);
    __asm__ volatile("fence rw, rw\n\tfence.i" ::: "memory");
    vzone_config.kernel_size = (size + 0xfff) & ~0xffful;
    print_result("zone start vzone (id 1): hypercall 2",
                 hv_call(HV_ZONE_START, (uintptr_t)&vzone_config, sizeof vzone_config));
}

void zone_main(uint64_t hart, uint64_t dtb)
{
    console_use_uart();
    zprintf("vroot: virtio bridge test, root zone program on hart %lu (dtb 0x%lx)\n", hart, dtb);
    char what[96];
    zsnprintf(what, sizeof what, "virtio init: hypercall 0 (page A 0x%lx)", (uint64_t)(uintptr_t)&pages[0]);
    print_result(what, hv_call(HV_VIRTIO_INIT, (uintptr_t)&pages[0], 0));
    zsnprintf(what, sizeof what, "virtio init again: hypercall 0 (page B 0x%lx)", (uint64_t)(uintptr_t)&pages[1]);
    print_result(what, hv_call(HV_VIRTIO_INIT, (uintptr_t)&pages[1], 0));
    volatile struct virtio_bridge *b = &pages[1].bridge;

    MMIO32(PLIC_PRIORITY(IRQ_WAKEUP_VIRTIO_DEVICE)) = 1;
    MMIO32(PLIC_ENABLE(PLIC_CONTEXT) + 4 * (IRQ_WAKEUP_VIRTIO_DEVICE / 32)) = 1u << (IRQ_WAKEUP_VIRTIO_DEVICE % 32);
    MMIO32(PLIC_THRESHOLD(PLIC_CONTEXT)) = 0;
    csr_set(sie, SIE_SEIE);
    /* The daemon sleeps: hvisor must wake it with IRQ_WAKEUP_VIRTIO_DEVICE for every request. */
    b->need_wakeup = 1;
    __asm__ volatile("fence rw, rw" ::: "memory");

    start_zone();

    uint32_t reported = 0;
    int notified = 0;
    for (;;) {
        irq_disable();
        if (b->req_front == b->req_rear)
            wfi();
        irq_enable();
        if (wakeups != reported) {
            reported = wakeups;
            zprintf("vroot: wakeup IRQ %d (IRQ_WAKEUP_VIRTIO_DEVICE), %u so far\n", IRQ_WAKEUP_VIRTIO_DEVICE, reported);
        }
        while (b->req_front != b->req_rear) {
            __asm__ volatile("fence r, r" ::: "memory");
            notified |= serve(b, &b->req_list[b->req_front & (MAX_REQ - 1)]);
            b->req_front = (b->req_front + 1) & (MAX_REQ - 1);
        }
        if (notified == 1) {
            notified = 2;
            volatile struct virtio_bridge *a = &pages[0].bridge;
            if (a->req_rear == 0 && a->req_front == 0)
                zprintf("vroot: page A saw no request: the bridge moved to page B\n");
            else
                zprintf("vroot: WRONG: page A has requests (req_rear %u)\n", a->req_rear);
            if (other_claims)
                zprintf("vroot: WRONG: %u claims of other IRQs\n", other_claims);
        }
    }
}
