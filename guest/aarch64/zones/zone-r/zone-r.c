/* zone-r.c: zoneR (zone 2, CPU 3, RAM 0x7100_0000 + 16 MiB), the "real-time" zone of the aarch64 Zones
 * demo. Its console is the virtio console at 0x0a00_3600 (SPI 75, served by the management side).
 *
 * The EL1 virtual timer (CNTV, PPI 27) every 1 ms (CNTFRQ_EL0 / 1000 ticks: 62,500 at QEMU virt's
 * 62.5 MHz), programmed as an absolute deadline (deadline += period into CNTV_CVAL_EL0). At each
 * interrupt: latency = CNTVCT_EL0 read at the IRQ vector's entry (start.S, before anything is saved)
 * minus the programmed deadline, in counter ticks (for a second timer interrupt acknowledged before
 * the handler returns, the counter read after the first one's EOI). Every second (1000 periods) the
 * handler hands min/mean/max of that second to the main loop, which prints
 *     latency min=<n> mean=<n> max=<n> ticks
 * and the statistics restart. Between interrupts the CPU sleeps in WFI. A deadline that is already in
 * the past when the next one is programmed is skipped (counted, and reported as
 *     zoneR: <k> deadline(s) missed in the last second
 * ) so a stalled host does not make the zone replay a burst of stale interrupts. */
#include "zone.h"

#define CONSOLE      0x0a003600ul
#define PER_REPORT   1000                    /* 1000 periods of 1 ms = 1 s */

const char zone_prefix[] = "zoneR";

static uint64_t period;
static uint64_t deadline;                    /* the programmed absolute deadline */
static uint64_t count, sum, min, max, missed;
static volatile uint64_t unexpected;
static volatile int console_status = 1;

static struct {
    volatile uint32_t ready;
    uint64_t count, sum, min, max, missed;
} report;

static void stats_reset(void)
{
    count = sum = max = missed = 0;
    min = ~0ul;
}

static void on_timer(uint64_t at_entry)
{
    uint64_t latency = at_entry >= deadline ? at_entry - deadline : 0;
    count++;
    sum += latency;
    if (latency < min) min = latency;
    if (latency > max) max = latency;

    deadline += period;
    uint64_t now = counter();
    while (deadline <= now) {                /* overrun: skip the periods that already passed */
        deadline += period;
        missed++;
    }
    vtimer_set(deadline);                    /* the level-sensitive PPI falls */

    if (count + missed >= PER_REPORT) {
        if (!report.ready) {                 /* the main loop has printed the previous one */
            report.count = count;
            report.sum = sum;
            report.min = min;
            report.max = max;
            report.missed = missed;
            __atomic_store_n(&report.ready, 1, __ATOMIC_RELEASE);
        }
        stats_reset();
    }
}

void zone_irq(uint64_t counter_at_entry)
{
    uint64_t at = counter_at_entry;
    for (;;) {
        uint32_t intid = gic_ack();
        if (intid >= GIC_SPURIOUS)
            return;
        if (intid == INTID_VTIMER)
            on_timer(at);
        else
            unexpected++;
        gic_eoi(intid);
        /* An interrupt acknowledged in the same entry (the host held this CPU past the next deadline
         * while it handled this one) is measured from now, not from the vector's older reading. */
        at = counter();
    }
}

void zone_secondary(uint64_t cpu)
{
    if (console_status == 0)
        zprintf("zoneR: CPU %lu started, but zoneR runs on one CPU only; parking it\n", cpu);
}

void zone_main(uint64_t cpu, uint64_t dtb)
{
    (void)dtb;
    console_status = console_use_virtio(CONSOLE);
    if (console_status != 0)
        zone_park();                         /* nowhere to say so: the state is in console_status */
    zprintf("zoneR: CPU %lu up\n", cpu);
    zone_print_platform_info();

    uint64_t frequency = counter_frequency();
    period = frequency / 1000;
    gic_cpu_init(cpu);
    gic_enable_private(cpu, INTID_VTIMER, 0x80);
    zprintf("zoneR: timer CNTV (PPI %d), absolute CVAL deadlines, period %lu ticks (1 ms at %lu Hz); reporting every second\n",
            INTID_VTIMER, period, frequency);

    stats_reset();
    deadline = counter() + period;
    vtimer_set(deadline);

    uint64_t reported_unexpected = 0;
    for (;;) {
        irq_disable();
        if (!__atomic_load_n(&report.ready, __ATOMIC_ACQUIRE))
            wfi();                           /* wakes on a pending IRQ even with PSTATE.I set */
        irq_enable();                        /* the interrupt is taken here */
        if (__atomic_load_n(&report.ready, __ATOMIC_ACQUIRE)) {
            uint64_t n = report.count, mean = n ? report.sum / n : 0, mn = n ? report.min : 0;
            uint64_t mx = report.max, lost = report.missed;
            __atomic_store_n(&report.ready, 0, __ATOMIC_RELEASE);
            zprintf("latency min=%lu mean=%lu max=%lu ticks\n", mn, mean, mx);
            if (lost)
                zprintf("zoneR: %lu deadline(s) missed in the last second\n", lost);
        }
        if (unexpected != reported_unexpected) {
            reported_unexpected = unexpected;
            zprintf("zoneR: %lu interrupt(s) it did not enable so far\n", (uint64_t)reported_unexpected);
        }
    }
}
