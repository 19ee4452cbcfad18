/* zone-u.c: zoneU (zone 1, CPUs 1 and 2, RAM 0x7000_0000 + 16 MiB), the "user" zone of the aarch64
 * Zones demo. Its console is the virtio console at 0x0a00_3800 (SPI 76, served by the management side).
 *
 * First CPU (hvisor enters the zone's lowest CPU, 1):
 *   zoneU: CPU 1 up
 *   zoneU: PSCI v1.1, SMCCC v1.1; CNTFRQ_EL0 62500000 Hz; console virtio-mmio 0xa003800
 *   zoneU: CPU_ON(2) -> 0 (SUCCESS)                          its own second CPU
 *   zoneU: CPU_ON(3) -> -2 (INVALID_PARAMETERS): refused, as it must be: CPU 3 is not zoneU's
 * Every CPU then wakes its redistributor, enables the virtual timer's PPI 27 and SGI 1, arms the timer at
 * 100 Hz (CNTV_CVAL_EL0 deadlines) and at every tick sends SGI 1 to the other CPU of the zone through
 * ICC_SGI1R_EL1; the handler counts the SGIs it acknowledges. Once per second (every 100th tick) each CPU
 * prints
 *   zoneU: CPU N ticks=<timer interrupts so far> sgis=<SGIs received so far>
 * After its third such line the second CPU prints
 *   zoneU: CPU 2 enters a busy loop (no WFI) to load the host; CPU 1 keeps reporting
 * and spins in an arithmetic loop for ever, still taking its interrupts (so CPU 1's sgis keep growing). */
#include "zone.h"

#define CPU_A        1            /* zone-u.json: "cpus": [1, 2] */
#define CPU_B        2
#define FOREIGN_CPU  3            /* zoneR's */
#define CONSOLE      0x0a003800ul
#define INTID_SGI    1            /* hvisor keeps SGI 7 for itself */
#define TICK_HZ      100
#define BUSY_AFTER   3            /* seconds before the second CPU starts its busy loop */

const char zone_prefix[] = "zoneU";

struct cpu_state {
    uint64_t peer;
    uint64_t deadline;
    volatile uint64_t ticks;
    volatile uint64_t sgis;
    volatile uint64_t unexpected;
    volatile uint32_t second;     /* set by the timer handler every TICK_HZ ticks */
};

static struct cpu_state cpus[ZONE_MAX_CPUS];
static volatile uint32_t up_mask;  /* CPUs that have enabled their interrupts */
static uint64_t period;
static volatile int console_status = 1;   /* 1 = not set up yet, else console_use_virtio's result */

static void on_timer(struct cpu_state *s)
{
    s->ticks++;
    s->deadline += period;
    uint64_t now = counter();
    if (s->deadline <= now)                  /* fell behind (slow host): no burst of stale ticks */
        s->deadline = now + period;
    vtimer_set(s->deadline);                 /* the level-sensitive PPI falls */
    if (__atomic_load_n(&up_mask, __ATOMIC_ACQUIRE) & (1u << s->peer))
        gic_send_sgi(INTID_SGI, s->peer);
    if (s->ticks % TICK_HZ == 0)
        s->second = 1;
}

void zone_irq(uint64_t counter_at_entry)
{
    (void)counter_at_entry;
    struct cpu_state *s = &cpus[cpu_id()];
    for (;;) {
        uint32_t intid = gic_ack();
        if (intid >= GIC_SPURIOUS)
            return;
        if (intid == INTID_VTIMER)
            on_timer(s);
        else if (intid == INTID_SGI)
            s->sgis++;
        else
            s->unexpected++;
        gic_eoi(intid);
    }
}

static void __attribute__((noreturn)) busy_loop(void)
{
    uint64_t x = cpu_id() + 1, y = 0x9e3779b97f4a7c15ul;
    for (;;) {
        x = x * 6364136223846793005ul + 1442695040888963407ul;
        y ^= x >> 29;
        y = (y << 7) | (y >> 57);
        __asm__ volatile("" : "+r"(x), "+r"(y));   /* keep the arithmetic; no WFI, no memory traffic */
    }
}

static void __attribute__((noreturn)) run_cpu(uint64_t me, uint64_t peer, int second_cpu)
{
    struct cpu_state *s = &cpus[me];
    s->peer = peer;
    gic_cpu_init(me);
    gic_enable_private(me, INTID_VTIMER, 0x90);
    gic_enable_private(me, INTID_SGI, 0x80);
    zprintf("zoneU: CPU %lu timer CNTV (PPI %d), %d Hz; SGI %d to CPU %lu at every tick\n", me, INTID_VTIMER,
            TICK_HZ, INTID_SGI, peer);
    s->deadline = counter() + period;
    vtimer_set(s->deadline);
    __atomic_fetch_or(&up_mask, 1u << me, __ATOMIC_RELEASE);

    uint32_t seconds = 0, reported_unexpected = 0;
    for (;;) {
        irq_disable();
        if (!s->second)
            wfi();
        irq_enable();
        if (s->unexpected && !reported_unexpected) {
            reported_unexpected = 1;
            zprintf("zoneU: CPU %lu acknowledged an interrupt it did not enable\n", me);
        }
        if (s->second) {
            s->second = 0;
            seconds++;
            zprintf("zoneU: CPU %lu ticks=%lu sgis=%lu\n", me, s->ticks, s->sgis);
            if (second_cpu && seconds == BUSY_AFTER) {
                zprintf("zoneU: CPU %lu enters a busy loop (no WFI) to load the host; CPU %lu keeps reporting\n",
                        me, peer);
                busy_loop();
            }
        }
    }
}

static uint64_t boot_cpu;

void zone_secondary(uint64_t cpu)
{
    if (console_status != 0)
        zone_park();                         /* no console: the boot CPU parked too */
    zprintf("zoneU: CPU %lu up\n", cpu);
    run_cpu(cpu, boot_cpu, 1);
}

void zone_main(uint64_t cpu, uint64_t dtb)
{
    (void)dtb;
    boot_cpu = cpu;
    console_status = console_use_virtio(CONSOLE);
    if (console_status != 0)
        zone_park();                         /* nowhere to say so: the state is in console_status */
    zprintf("zoneU: CPU %lu up\n", cpu);
    zone_print_platform_info();
    period = counter_frequency() / TICK_HZ;

    /* Under hvisor with zone-u.json the first CPU is 1 and the other is 2. Started otherwise (QEMU with
     * no hypervisor, another zone file), pick a neighbour and another CPU as the "foreign" one. */
    uint64_t peer, foreign = FOREIGN_CPU;
    if (cpu == CPU_A || cpu == CPU_B) {
        peer = cpu == CPU_A ? CPU_B : CPU_A;
    } else {
        peer = cpu == 0 ? 1 : 0;
        zprintf("zoneU: first CPU %lu is not 1 or 2 (not started from zone-u.json?); using CPU %lu as the second CPU\n",
                cpu, peer);
        if (foreign == cpu || foreign == peer)
            foreign = 2;
    }

    int64_t r = psci_cpu_on(peer, (uintptr_t)secondary_entry);
    zprintf("zoneU: CPU_ON(%lu) -> %ld (%s)\n", peer, r, psci_error_name(r));

    r = psci_cpu_on(foreign, (uintptr_t)secondary_entry);
    if (r != PSCI_SUCCESS)
        zprintf("zoneU: CPU_ON(%lu) -> %ld (%s): refused, as it must be: CPU %lu is not zoneU's\n",
                foreign, r, psci_error_name(r), foreign);
    else
        zprintf("zoneU: CPU_ON(%lu) -> 0 (SUCCESS): WRONG, CPU %lu is not zoneU's (isolation broken)\n",
                foreign, foreign);

    run_cpu(cpu, peer, 0);
}
