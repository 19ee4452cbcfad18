/* root.c: zones-root.elf, the root zone's program of the Zones demo (zone 0, hart 0 only, RAM
 * 0x8300_0000 + 0x7D00_0000 identity mapped, UART0 passed through; loaded at 0x9000_0000).
 * It does what hvisor-tool does in a root Linux, with hypercalls (ecall, a7 = 0x114514):
 *   1. banner, then hypercall 6 (config check)       -> "config magic 0x5"
 *   2. hypercall 4 (zone list), printed exactly like `hvisor zone list`
 *   3. copies zoneU's flat image (incbin) to 0x8800_0000 and starts zone 1 with hypercall 2 and the
 *      HvZoneConfig below (the C twin of examples/riscv64-zones/zone-u.json), then lists zones again
 *   4. single-key console on UART0, receive interrupt through the vPLIC (source 10, context 1):
 *      l = zone list, s = start zone 1, x = shut down zone 1 (hypercall 3), h = help.
 * Results print as the hypercall's value or -ERRNO (value). */
#include "zone.h"
#include "sbi.h"
#include "hvisor.h"

#define UART0          0x10000000
#define UART_RBR       0
#define UART_IER       1
#define UART_LSR       5
#define UART_LSR_DR    0x01
#define UART0_IRQ      10
#define PLIC_BASE      0x0c000000
#define PLIC_PRIORITY(src)   (PLIC_BASE + 4 * (src))
#define PLIC_ENABLE(ctx)     (PLIC_BASE + 0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx)  (PLIC_BASE + 0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)      (PLIC_BASE + 0x200004 + 0x1000 * (ctx))
/* vPLIC context of the root's hart 0: 2 * (index of hart 0 in the root's cpus [0]) + 1 */
#define ROOT_PLIC_CONTEXT    1

#define ZONE_U_ID      1
#define ZONE_U_RAM     0x88000000ul
#define ZONE_U_RAM_SIZE 0x01000000ul
#define MAX_ZONES      16

const char zone_prefix[] = "root";

extern const char zone_u_image_start[], zone_u_image_end[];

/* zone-u.json as hvisor-tool would hand it to hypercall 2. kernel_size is filled in at run time (the
 * tool stores the image size rounded up to the page size). */
static struct hv_zone_config zone_u_config = {
    .zone_id = ZONE_U_ID,
    .cpus = (1ul << 1) | (1ul << 2),
    .num_memory_regions = 1,
    .memory_regions = {
        { .mem_type = MEM_TYPE_RAM, .physical_start = ZONE_U_RAM, .virtual_start = ZONE_U_RAM, .size = ZONE_U_RAM_SIZE },
    },
    .interrupts_bitmap = { 0 },
    .num_ivc_configs = 0,
    .entry_point = ZONE_U_RAM,
    .kernel_load_paddr = ZONE_U_RAM,
    .kernel_size = 0,
    .dtb_load_paddr = 0x88f00000,           /* "dtb_filepath": "null": nothing is loaded there */
    .dtb_size = 0,
    .name = "zoneU",
    .arch_config = { .plic_base = 0xc000000, .plic_size = 0x4000000, .aplic_base = 0xd000000, .aplic_size = 0x8000 },
    .num_pci_bus = 0,
    .num_pci_devs = 0,
};

static struct hv_zone_info zone_infos[MAX_ZONES];

/* ---- UART input: the SEI handler moves received bytes into a ring; the main loop consumes them ---- */

static volatile uint8_t ring[64];
static volatile uint32_t ring_head, ring_tail;
static volatile uint64_t spurious_claims;

static void uart_interrupt(void)
{
    uint32_t source;
    while ((source = MMIO32(PLIC_CLAIM(ROOT_PLIC_CONTEXT))) != 0) {
        if (source == UART0_IRQ) {
            while (MMIO8(UART0 + UART_LSR) & UART_LSR_DR) {
                uint8_t c = MMIO8(UART0 + UART_RBR);
                if (ring_head - ring_tail < sizeof ring)
                    ring[ring_head++ % sizeof ring] = c;
            }
        } else {
            spurious_claims++;
        }
        MMIO32(PLIC_CLAIM(ROOT_PLIC_CONTEXT)) = source;     /* complete */
    }
}

void zone_trap(struct trap_frame *f)
{
    if (f->scause == (SCAUSE_INTR | IRQ_S_EXT))
        uart_interrupt();
    else
        zone_unexpected_trap(f);
}

void zone_secondary(uint64_t hart, uint64_t opaque)
{
    (void)opaque;
    zprintf("root: hart %lu started, but this program uses hart 0 only; parking it\n", hart);
}

/* ---- hypercalls ---- */

static void print_result(const char *what, struct hv_ret r)
{
    char text[96];
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
    struct hv_ret r = hv_call(HV_ZONE_LIST, (uintptr_t)zone_infos, MAX_ZONES);
    if (!quiet_result || r.error != 0 || r.value < 0)
        print_result("zone list: hypercall 4", r);
    if (r.error != 0 || r.value < 0)
        return -1;
    long n = r.value > MAX_ZONES ? MAX_ZONES : r.value;
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
    struct hv_ret r = hv_call(HV_ZONE_LIST, (uintptr_t)zone_infos, MAX_ZONES);
    if (r.error != 0 || r.value < 0)
        return -1;
    for (long i = 0; i < r.value && i < MAX_ZONES; i++)
        if (zone_infos[i].zone_id == id)
            return 1;
    return 0;
}

static void config_check(void)
{
    volatile uint64_t magic = 0;
    struct hv_ret r = hv_call(HV_CONFIG_CHECK, (uintptr_t)&magic, 0);
    print_result("config check: hypercall 6", r);
    if (r.error == 0 && r.value == 0)
        zprintf("config magic 0x%lx%s\n", magic, magic == CONFIG_MAGIC_VERSION ? "" : " (expected 0x5: zone start will not match)");
}

static void load_zone_u(void)
{
    size_t size = (size_t)(zone_u_image_end - zone_u_image_start);
    zmemcpy((void *)ZONE_U_RAM, zone_u_image_start, (size + 7) & ~7ul);
    __asm__ volatile("fence rw, rw\n\tfence.i" ::: "memory");
    zone_u_config.kernel_size = (size + 0xfff) & ~0xffful;
    zprintf("root: loaded zoneU's image (%lu bytes from zones-u.bin, kernel_size 0x%lx) to 0x%lx\n",
            size, zone_u_config.kernel_size, ZONE_U_RAM);
}

static void zone_start(void)
{
    char what[96];
    zsnprintf(what, sizeof what, "zone start zoneU (id %u): hypercall 2 (config 0x%lx, %lu bytes)",
              zone_u_config.zone_id, (uint64_t)(uintptr_t)&zone_u_config, sizeof zone_u_config);
    struct hv_ret r = hv_call(HV_ZONE_START, (uintptr_t)&zone_u_config, sizeof zone_u_config);
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
    struct hv_ret r = hv_call(HV_ZONE_SHUTDOWN, ZONE_U_ID, 0);
    print_result("zone shutdown zone 1: hypercall 3 (zone_id 1)", r);
}

static void help(void)
{
    zprintf("root: keys: l = zone list, s = start zoneU (zone 1), x = shut down zone 1, h = this help\n");
}

/* ---- main ---- */

static void input_start(void)
{
    MMIO32(PLIC_PRIORITY(UART0_IRQ)) = 1;
    MMIO32(PLIC_ENABLE(ROOT_PLIC_CONTEXT) + 4 * (UART0_IRQ / 32)) = 1u << (UART0_IRQ % 32);
    MMIO32(PLIC_THRESHOLD(ROOT_PLIC_CONTEXT)) = 0;
    while (MMIO8(UART0 + UART_LSR) & UART_LSR_DR)   /* drop anything typed before the prompt */
        (void)MMIO8(UART0 + UART_RBR);
    MMIO8(UART0 + UART_IER) = 0x01;                 /* ERBFI */
    csr_set(sie, SIE_SEIE);
    zprintf("root: UART0 input through the vPLIC: source %d, priority 1, context %d, threshold 0\n",
            UART0_IRQ, ROOT_PLIC_CONTEXT);
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

void zone_main(uint64_t hart, uint64_t dtb)
{
    console_use_uart();
    zprintf("root: hvisor-workbench Zones demo, root zone program on hart %lu (dtb 0x%lx)\n", hart, dtb);
    zone_print_sbi_info();

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
            wfi();                           /* wakes on a pending SEI even with SIE off */
        irq_enable();                        /* the interrupt is taken here */
        while (ring_head != ring_tail) {
            char c = (char)ring[ring_tail++ % sizeof ring];
            if (c == '\r' || c == '\n' || c == ' ')
                continue;
            run_key(c);
        }
    }
}
