/* root.c: zones-root.elf, the root zone's program of the aarch64 Zones demo (zone 0, CPU 0 only, RAM
 * 0x5000_0000 + 0x7000_0000 identity mapped, the PL011 passed through; loaded at 0xa040_0000).
 * It does what hvisor-tool does in a root Linux, with hypercalls (HVC, x0 = code):
 *   1. banner, then hypercall 6 (config check)       -> "config magic 0x5"
 *   2. hypercall 4 (zone list), printed exactly like `hvisor zone list`
 *   3. copies zoneU's flat image (incbin) to 0x7000_0000 and starts zone 1 with hypercall 2 and the
 *      HvZoneConfig below (the C twin of examples/aarch64-zones/zone-u.json), then lists zones again
 *   4. single-key console on the PL011, its receive interrupt (SPI 33) through hvisor's vGICv3:
 *      l = zone list, s = start zone 1, x = shut down zone 1 (hypercall 3), h = help.
 * Results print as the hypercall's value or -ERRNO (value). zoneU's console is a virtio console the
 * management side serves (examples/aarch64-zones/virtio_cfg.json): this program does not touch it. */
#include "zone.h"
#include "hvisor.h"

#define PL011          0x09000000ul
#define PL011_DR       0x000
#define PL011_FR       0x018
#define PL011_IMSC     0x038
#define PL011_ICR      0x044
#define PL011_FR_RXFE  0x10
#define PL011_INT_RX   0x10
#define PL011_INT_RT   0x40
#define INTID_UART     33
#define UART_PRIORITY  0xa0

#define ZONE_U_ID       1
#define ZONE_U_RAM      0x70000000ul
#define ZONE_U_RAM_SIZE 0x01000000ul
#define ZONE_U_CONSOLE  0x0a003800ul         /* virtio-mmio window of zoneU's console, SPI 76 */
#define ZONE_U_CONSOLE_IRQ 76
#define MAX_ZONES       16

const char zone_prefix[] = "root";

extern const char zone_u_image_start[], zone_u_image_end[];

/* zone-u.json as hvisor-tool would hand it to hypercall 2. kernel_size is filled in at run time (the
 * tool stores the image size rounded up to the page size). */
static struct hv_zone_config zone_u_config = {
    .zone_id = ZONE_U_ID,
    .cpus = (1ul << 1) | (1ul << 2),
    .num_memory_regions = 2,
    .memory_regions = {
        { .mem_type = MEM_TYPE_RAM, .physical_start = ZONE_U_RAM, .virtual_start = ZONE_U_RAM, .size = ZONE_U_RAM_SIZE },
        { .mem_type = MEM_TYPE_VIRTIO, .physical_start = ZONE_U_CONSOLE, .virtual_start = ZONE_U_CONSOLE, .size = 0x200 },
    },
    .interrupts_bitmap = { [ZONE_U_CONSOLE_IRQ / 32] = 1u << (ZONE_U_CONSOLE_IRQ % 32) },
    .num_ivc_configs = 0,
    .entry_point = ZONE_U_RAM,
    .kernel_load_paddr = ZONE_U_RAM,
    .kernel_size = 0,
    .dtb_load_paddr = 0x70f00000,           /* "dtb_filepath": "null": nothing is loaded there */
    .dtb_size = 0,
    .name = "zoneU",
    .arch_config = {
        .is_aarch32 = 0,
        .gic_config.gicv3 = {
            .gic_version_tag = GIC_VERSION_TAG_V3,
            .gicv3_config = {
                .gicd_base = 0x8000000, .gicd_size = 0x10000,
                .gicr_base = 0x80a0000, .gicr_size = 0xf60000,
                .gits_base = 0x8080000, .gits_size = 0x20000,
            },
        },
    },
    .num_pci_bus = 0,
    .num_pci_devs = 0,
};

static struct hv_zone_info zone_infos[MAX_ZONES];

/* ---- PL011 input: the IRQ handler moves received bytes into a ring; the main loop consumes them ---- */

static volatile uint8_t ring[64];
static volatile uint32_t ring_head, ring_tail;
static volatile uint64_t unexpected_irqs;

void zone_irq(uint64_t counter_at_entry)
{
    (void)counter_at_entry;
    for (;;) {
        uint32_t intid = gic_ack();
        if (intid >= GIC_SPURIOUS)
            return;
        if (intid == INTID_UART) {
            while (!(MMIO32(PL011 + PL011_FR) & PL011_FR_RXFE)) {
                uint8_t c = (uint8_t)MMIO32(PL011 + PL011_DR);
                if (ring_head - ring_tail < sizeof ring)
                    ring[ring_head++ % sizeof ring] = c;
            }
            MMIO32(PL011 + PL011_ICR) = PL011_INT_RX | PL011_INT_RT;
        } else {
            unexpected_irqs++;
        }
        gic_eoi(intid);
    }
}

void zone_secondary(uint64_t cpu)
{
    zprintf("root: CPU %lu started, but this program uses CPU 0 only; parking it\n", cpu);
}

/* ---- hypercalls ---- */

static void print_result(const char *what, long r)
{
    char text[64];
    hv_format_result(text, sizeof text, r);
    zprintf("root: %s -> %s\n", what, text);
}

static void cpu_list(uint64_t mask, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < 64; i++) {
        if (mask & (1ul << i))
            n += (size_t)zsnprintf(buf + n, size - n, n ? ", %d" : "%d", i);
        if (n >= size)
            break;
    }
    if (!mask)
        zsnprintf(buf, size, "none");
}

/* hvisor-tool tools/hvisor.c zone_list(): same header and row formats. Returns the count or -1. */
static long zone_list(int quiet_result)
{
    zmemset(zone_infos, 0, sizeof zone_infos);
    long r = hv_call(HV_ZONE_LIST, (uintptr_t)zone_infos, MAX_ZONES);
    if (!quiet_result || r < 0)
        print_result("zone list: hypercall 4", r);
    if (r < 0)
        return -1;
    long n = r > MAX_ZONES ? MAX_ZONES : r;
    zprintf("| %11s     | %10s        | %9s       | %10s |\n", "zone_id", "cpus", "name", "status");
    for (long i = 0; i < n; i++) {
        char cpus[128], name[33];
        cpu_list(zone_infos[i].cpus, cpus, sizeof cpus);
        zmemcpy(name, zone_infos[i].name, 32);
        name[32] = '\0';
        zprintf("| %15u | %17s | %15s | %10s |\n", zone_infos[i].zone_id, cpus, name,
                zone_infos[i].is_err ? "error" : "running");
    }
    return n;
}

/* Whether zone `id` is in hvisor's list (-1 if the list hypercall failed). */
static int zone_listed(uint32_t id)
{
    zmemset(zone_infos, 0, sizeof zone_infos);
    long r = hv_call(HV_ZONE_LIST, (uintptr_t)zone_infos, MAX_ZONES);
    if (r < 0)
        return -1;
    for (long i = 0; i < r && i < MAX_ZONES; i++)
        if (zone_infos[i].zone_id == id)
            return 1;
    return 0;
}

static void config_check(void)
{
    volatile uint64_t magic = 0;
    long r = hv_call(HV_CONFIG_CHECK, (uintptr_t)&magic, 0);
    print_result("config check: hypercall 6", r);
    if (r == 0)
        zprintf("config magic 0x%lx%s\n", magic, magic == CONFIG_MAGIC_VERSION ? "" : " (expected 0x5: zone start will not match)");
}

static void load_zone_u(void)
{
    size_t size = (size_t)(zone_u_image_end - zone_u_image_start);
    zmemcpy((void *)ZONE_U_RAM, zone_u_image_start, (size + 7) & ~7ul);
    /* The zone's CPUs fetch what was just written: clean to the point of unification, drop stale
     * instructions everywhere (no-ops with the MMU off on the workbench; needed on a real core). */
    __asm__ volatile("dsb ish\n\tic ialluis\n\tdsb ish\n\tisb" ::: "memory");
    zone_u_config.kernel_size = (size + 0xfff) & ~0xffful;
    zprintf("root: loaded zoneU's image (%lu bytes from zones-u.bin, kernel_size 0x%lx) to 0x%lx\n",
            size, zone_u_config.kernel_size, ZONE_U_RAM);
}

static void zone_start(void)
{
    char what[96];
    zsnprintf(what, sizeof what, "zone start zoneU (id %u): hypercall 2 (config 0x%lx, %lu bytes)",
              zone_u_config.zone_id, (uint64_t)(uintptr_t)&zone_u_config, sizeof zone_u_config);
    long r = hv_call(HV_ZONE_START, (uintptr_t)&zone_u_config, sizeof zone_u_config);
    print_result(what, r);
}

static void command_start(void)
{
    int listed = zone_listed(ZONE_U_ID);
    if (listed == 1)
        zprintf("root: zone 1 is in the zone list: its image stays as it is (it may be running); "
                "asking hvisor anyway, it should refuse\n");
    else
        load_zone_u();
    zone_start();
}

static void command_shutdown(void)
{
    long r = hv_call(HV_ZONE_SHUTDOWN, ZONE_U_ID, 0);
    print_result("zone shutdown zone 1: hypercall 3 (zone_id 1)", r);
}

static void help(void)
{
    zprintf("root: keys: l = zone list, s = start zoneU (zone 1), x = shut down zone 1, h = this help\n");
}

/* ---- main ---- */

static void input_start(void)
{
    gic_cpu_init(0);
    gic_enable_spi(INTID_UART, 0, UART_PRIORITY);
    while (!(MMIO32(PL011 + PL011_FR) & PL011_FR_RXFE))   /* drop anything typed before the prompt */
        (void)MMIO32(PL011 + PL011_DR);
    MMIO32(PL011 + PL011_ICR) = 0x7ff;
    MMIO32(PL011 + PL011_IMSC) = PL011_INT_RX | PL011_INT_RT;
    zprintf("root: PL011 input through hvisor's vGICv3: SPI %d, priority 0x%x, routed to CPU 0, Group 1\n",
            INTID_UART, UART_PRIORITY);
}

/* Keys run at boot as if typed, before the console takes input: a debugging aid for headless runs
 * (which have no keyboard). Empty in the shipped build; e.g. -DROOT_AUTOKEYS='"lxls"'. */
#ifndef ROOT_AUTOKEYS
#define ROOT_AUTOKEYS ""
#endif

static void run_key(char c)
{
    zprintf("%c\n", c >= ' ' && c < 127 ? c : '?');
    switch (c) {
    case 'l': zone_list(1); break;
    case 's': command_start(); break;
    case 'x': command_shutdown(); break;
    case 'h': help(); break;
    default:  zprintf("root: unknown key (h for help)\n"); break;
    }
    zprintf("root> ");
}

void zone_main(uint64_t cpu, uint64_t dtb)
{
    console_use_pl011();
    zprintf("root: hvisor-workbench Zones demo (aarch64), root zone program on CPU %lu (dtb 0x%lx)\n", cpu, dtb);
    zone_print_platform_info();

    config_check();
    zone_list(0);
    load_zone_u();
    zone_start();
    zone_list(0);

    input_start();
    help();
    zprintf("root> ");
    for (const char *k = ROOT_AUTOKEYS; *k; k++)
        run_key(*k);
    for (;;) {
        irq_disable();
        if (ring_head == ring_tail)
            wfi();                           /* wakes on a pending IRQ even with PSTATE.I set */
        irq_enable();                        /* the interrupt is taken here */
        while (ring_head != ring_tail) {
            char c = (char)ring[ring_tail++ % sizeof ring];
            if (c == '\r' || c == '\n' || c == ' ')
                continue;
            run_key(c);
        }
    }
}
