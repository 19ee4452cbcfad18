/* zone-r.c: zoneR (zone 2, hart 3, RAM 0x8900_0000 + 16 MiB), the "real-time" zone of the Zones demo.
 *
 * A periodic S-mode timer interrupt every 1 ms (10,000 ticks of the 10 MHz timebase), programmed as an
 * absolute deadline (deadline += period; stimecmp if Sstc works, else SBI set_timer). At each interrupt:
 * latency = time at trap-vector entry (rdtime, the vector's first action after the stack switch) minus the
 * programmed deadline, in ticks. Every second (1000 periods) the handler hands min/mean/max of that second
 * to the main loop, which prints
 *     latency min=<n> mean=<n> max=<n> ticks
 * and the statistics restart. Between interrupts the hart sleeps in WFI. A deadline that is already in
 * the past when the next one is programmed is skipped (counted, and reported as
 *     zoneR: <k> deadline(s) missed in the last second
 * ) so a stalled host does not make the zone replay a burst of stale interrupts.
 * No UART: output goes to the SBI debug console (the zone's terminal in the workbench). */
#include "zone.h"
#include "sbi.h"

#define PERIOD       10000ul                 /* 1 ms */
#define PER_REPORT   (TIMEBASE_HZ / PERIOD)  /* 1000 interrupts = 1 s */

const char zone_prefix[] = "zoneR";

static uint64_t deadline;                    /* the programmed absolute deadline */
static uint64_t count, sum, min, max, missed;

static struct {
    volatile uint32_t ready;
    uint64_t count, sum, min, max, missed;
} report;

static void stats_reset(void)
{
    count = sum = max = missed = 0;
    min = ~0ul;
}

void zone_trap(struct trap_frame *f)
{
    if (timer_probe_trap(f))
        return;
    if (f->scause != (SCAUSE_INTR | IRQ_S_TIMER))
        zone_unexpected_trap(f);

    uint64_t latency = f->time >= deadline ? f->time - deadline : 0;
    count++;
    sum += latency;
    if (latency < min) min = latency;
    if (latency > max) max = latency;

    deadline += PERIOD;
    uint64_t now = rdtime();
    while (deadline <= now) {                /* overrun: skip the periods that already passed */
        deadline += PERIOD;
        missed++;
    }
    timer_set(deadline);                     /* also clears STIP */

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

void zone_secondary(uint64_t hart, uint64_t opaque)
{
    (void)opaque;
    zprintf("zoneR: hart %lu started, but zoneR runs on one hart only; parking it\n", hart);
}

void zone_main(uint64_t hart, uint64_t dtb)
{
    (void)dtb;
    console_use_sbi();
    zprintf("zoneR: hart %lu up\n", hart);
    zone_print_sbi_info();

    timer_probe();
    zprintf("zoneR: timer via %s, period %lu ticks (1 ms), absolute deadlines; reporting every second\n",
            timer_uses_sstc() ? "stimecmp (Sstc)" : "SBI set_timer", PERIOD);

    stats_reset();
    deadline = rdtime() + PERIOD;
    timer_set(deadline);
    csr_set(sie, SIE_STIE);

    for (;;) {
        irq_disable();
        if (!__atomic_load_n(&report.ready, __ATOMIC_ACQUIRE))
            wfi();                           /* wakes on a pending STIP even with SIE off */
        irq_enable();                        /* the interrupt is taken here */
        if (__atomic_load_n(&report.ready, __ATOMIC_ACQUIRE)) {
            uint64_t n = report.count, mean = n ? report.sum / n : 0, mn = n ? report.min : 0;
            uint64_t mx = report.max, lost = report.missed;
            __atomic_store_n(&report.ready, 0, __ATOMIC_RELEASE);
            zprintf("latency min=%lu mean=%lu max=%lu ticks\n", mn, mean, mx);
            if (lost)
                zprintf("zoneR: %lu deadline(s) missed in the last second\n", lost);
        }
    }
}
