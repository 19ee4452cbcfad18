/* timer.c: the S-mode timer of one hart. timer_probe writes stimecmp (CSR 0x14d, Sstc) once with
 * interrupts off; if that traps (illegal instruction without Sstc / menvcfg.STCE, or a virtual-instruction
 * exception under a hypervisor that hides it) the trap handler calls timer_probe_trap, which skips the
 * instruction, and this hart uses SBI set_timer (TIME extension, legacy EID 0 as a fallback) instead.
 * Either way the timer raises sip.STIP when `time` reaches the deadline; writing a new deadline clears it. */
#include "zone.h"
#include "sbi.h"

static volatile uint8_t probing[ZONE_MAX_HARTS];
static volatile uint8_t probe_trapped[ZONE_MAX_HARTS];
static volatile uint8_t use_sstc[ZONE_MAX_HARTS];

extern char timer_probe_insn[];

void timer_probe(void)
{
    uint64_t h = hartid();
    probing[h] = 1;
    probe_trapped[h] = 0;
    __asm__ volatile("fence");
    /* A far deadline: nothing fires; only whether the write traps matters. */
    __asm__ volatile(".globl timer_probe_insn\n"
                     "timer_probe_insn: csrw 0x14d, %0" :: "r"(~0ul) : "memory");
    probing[h] = 0;
    use_sstc[h] = !probe_trapped[h];
    if (!use_sstc[h])
        sbi_set_timer(~0ul);
}

int timer_probe_trap(struct trap_frame *f)
{
    uint64_t h = hartid();
    if (!probing[h] || f->sepc != (uintptr_t)timer_probe_insn)
        return 0;
    if (f->scause != EXC_ILLEGAL_INSTRUCTION && f->scause != EXC_VIRTUAL_INSTRUCTION)
        return 0;
    probe_trapped[h] = 1;
    f->sepc += 4;                 /* csrw is never compressed */
    return 1;
}

int timer_uses_sstc(void)
{
    return use_sstc[hartid()];
}

void timer_set(uint64_t deadline)
{
    if (use_sstc[hartid()])
        __asm__ volatile("csrw 0x14d, %0" :: "r"(deadline) : "memory");
    else
        sbi_set_timer(deadline);
}
