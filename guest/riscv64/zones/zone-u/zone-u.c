/* zone-u.c: zoneU (zone 1, harts 1 and 2, RAM 0x8800_0000 + 16 MiB), the "user" zone of the Zones demo.
 *
 * Boot hart (hvisor enters the lowest hart of the zone, 1):
 *   zoneU: hart 1 up
 *   zoneU: SBI v2.0 impl 0x...; extensions: ...; console sbi-dbcn
 *   zoneU: hart_start(2) -> 0 (SBI_SUCCESS)                      its own second hart
 *   zoneU: hart_start(3) -> -3 (SBI_ERR_INVALID_PARAM): refused, as it must be: hart 3 belongs to zoneR
 * Every hart then programs a periodic timer (100 Hz: stimecmp if Sstc works, else SBI set_timer), and at
 * every tick sends an IPI (SBI sPI send_ipi) to the other hart of the zone; an IPI arrives as SSIP, which
 * the handler clears (csrc sip) and counts. Once per second (every 100th tick) each hart prints
 *   zoneU: hart N ticks=<timer interrupts so far> ipis=<IPIs received so far>
 * After its third such line the second hart prints
 *   zoneU: hart 2 enters a busy loop (no WFI) to load the host; hart 1 keeps reporting
 * and spins in an arithmetic loop for ever, still taking its interrupts (so hart 1's ipis keep growing);
 * the boot hart keeps printing. No UART: output goes to the SBI debug console. */
#include "zone.h"
#include "sbi.h"

#define HART_A       1            /* zone-u.json: "cpus": [1, 2] */
#define HART_B       2
#define FOREIGN_HART 3            /* zoneR's */
#define TICK_HZ      100
#define PERIOD       (TIMEBASE_HZ / TICK_HZ)
#define BUSY_AFTER   3            /* seconds before the second hart starts its busy loop */

const char zone_prefix[] = "zoneU";

struct hart_state {
    uint64_t peer;
    uint64_t deadline;
    volatile uint64_t ticks;
    volatile uint64_t ipis;
    volatile uint32_t second;     /* set by the timer handler every TICK_HZ ticks */
    long ipi_error;               /* first send_ipi error, reported once by the main loop */
    int ipi_error_reported;
};

static struct hart_state harts[ZONE_MAX_HARTS];
static volatile uint32_t up_mask;  /* harts that have enabled their interrupts */

static void on_timer(struct hart_state *s)
{
    s->ticks++;
    s->deadline += PERIOD;
    uint64_t now = rdtime();
    if (s->deadline <= now)                  /* fell behind (slow host): no burst of stale ticks */
        s->deadline = now + PERIOD;
    timer_set(s->deadline);                  /* also clears STIP */
    if (__atomic_load_n(&up_mask, __ATOMIC_ACQUIRE) & (1u << s->peer)) {
        struct sbiret r = sbi_send_ipi(1, s->peer);   /* hart_mask bit 0 relative to base = peer */
        if (r.error != SBI_SUCCESS && s->ipi_error == 0)
            s->ipi_error = r.error;
    }
    if (s->ticks % TICK_HZ == 0)
        s->second = 1;
}

void zone_trap(struct trap_frame *f)
{
    struct hart_state *s = &harts[hartid()];
    if (timer_probe_trap(f))
        return;
    if (f->scause == (SCAUSE_INTR | IRQ_S_TIMER)) {
        on_timer(s);
    } else if (f->scause == (SCAUSE_INTR | IRQ_S_SOFT)) {
        csr_clear(sip, SIP_SSIP);
        s->ipis++;
    } else {
        zone_unexpected_trap(f);
    }
}

static void __attribute__((noreturn)) busy_loop(void)
{
    uint64_t x = hartid() + 1, y = 0x9e3779b97f4a7c15ul;
    for (;;) {
        x = x * 6364136223846793005ul + 1442695040888963407ul;
        y ^= x >> 29;
        y = (y << 7) | (y >> 57);
        __asm__ volatile("" : "+r"(x), "+r"(y));   /* keep the arithmetic; no WFI, no memory traffic */
    }
}

static void __attribute__((noreturn)) run_hart(uint64_t me, uint64_t peer, int second_hart)
{
    struct hart_state *s = &harts[me];
    s->peer = peer;
    timer_probe();
    zprintf("zoneU: hart %lu timer via %s, %d Hz; IPIs to hart %lu\n", me,
            timer_uses_sstc() ? "stimecmp (Sstc)" : "SBI set_timer", TICK_HZ, peer);
    s->deadline = rdtime() + PERIOD;
    timer_set(s->deadline);
    csr_clear(sip, SIP_SSIP);
    csr_set(sie, SIE_STIE | SIE_SSIE);
    __atomic_fetch_or(&up_mask, 1u << me, __ATOMIC_RELEASE);

    uint32_t seconds = 0;
    for (;;) {
        irq_disable();
        if (!s->second)
            wfi();
        irq_enable();
        if (s->ipi_error && !s->ipi_error_reported) {
            s->ipi_error_reported = 1;
            zprintf("zoneU: hart %lu send_ipi(hart %lu) -> %ld (%s)\n", me, peer, s->ipi_error,
                    sbi_error_name(s->ipi_error));
        }
        if (s->second) {
            s->second = 0;
            seconds++;
            zprintf("zoneU: hart %lu ticks=%lu ipis=%lu\n", me, s->ticks, s->ipis);
            if (second_hart && seconds == BUSY_AFTER) {
                zprintf("zoneU: hart %lu enters a busy loop (no WFI) to load the host; hart %lu keeps reporting\n",
                        me, peer);
                busy_loop();
            }
        }
    }
}

static uint64_t boot_hart;

void zone_secondary(uint64_t hart, uint64_t opaque)
{
    (void)opaque;
    zprintf("zoneU: hart %lu up\n", hart);
    run_hart(hart, boot_hart, 1);
}

void zone_main(uint64_t hart, uint64_t dtb)
{
    (void)dtb;
    boot_hart = hart;
    console_use_sbi();
    zprintf("zoneU: hart %lu up\n", hart);
    zone_print_sbi_info();

    /* Under hvisor with zone-u.json the boot hart is 1 and the other is 2. Standalone (e.g. under
     * OpenSBI) the boot hart may be any: then pick a neighbour and another hart as the "foreign" one. */
    uint64_t peer, foreign = FOREIGN_HART;
    if (hart == HART_A || hart == HART_B) {
        peer = hart == HART_A ? HART_B : HART_A;
    } else {
        peer = hart == 0 ? 1 : 0;
        zprintf("zoneU: boot hart %lu is not 1 or 2 (not started from zone-u.json?); using hart %lu as the second hart\n",
                hart, peer);
        if (foreign == hart || foreign == peer)
            foreign = 2;
    }

    struct sbiret r = sbi_hart_start(peer, (uintptr_t)_secondary_start, 0);
    zprintf("zoneU: hart_start(%lu) -> %ld (%s)\n", peer, r.error, sbi_error_name(r.error));

    r = sbi_hart_start(foreign, (uintptr_t)_secondary_start, 0);
    if (r.error != SBI_SUCCESS)
        zprintf("zoneU: hart_start(%lu) -> %ld (%s): refused, as it must be: hart %lu is not zoneU's\n",
                foreign, r.error, sbi_error_name(r.error), foreign);
    else
        zprintf("zoneU: hart_start(%lu) -> 0 (SBI_SUCCESS): WRONG, hart %lu is not zoneU's (isolation broken)\n",
                foreign, foreign);

    run_hart(hart, peer, 0);
}
