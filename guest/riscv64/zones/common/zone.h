/* zone.h: the runtime shared by the Zones demo programs (zones-root, zones-u, zones-r).
 *
 * S-mode, no libc, no paging. start.S enters C on every hart with:
 *   sp       = this hart's 4 KiB stack (indexed by hartid, harts 0..ZONE_MAX_HARTS-1)
 *   sscratch = top of this hart's 4 KiB trap stack (the trap vector swaps sp with it; it holds 0 while
 *              the handler runs, so a trap inside the handler is recognised and reported)
 *   tp       = hartid
 *   stvec    = zone_trap_entry (direct mode), sie = 0, sstatus.SIE = 0
 * Each program provides zone_main (boot hart), zone_secondary (harts started through SBI HSM) and
 * zone_trap (C trap handler) plus the const char zone_prefix[] used by panic messages. */
#ifndef ZONE_H
#define ZONE_H
#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>

#define ZONE_MAX_HARTS 8
#define TIMEBASE_HZ    10000000ul       /* qemu-plic timebase: 10 MHz */

/* CSR bits */
#define SSTATUS_SIE    (1ul << 1)
#define SIE_SSIE       (1ul << 1)
#define SIE_STIE       (1ul << 5)
#define SIE_SEIE       (1ul << 9)
#define SIP_SSIP       (1ul << 1)
#define SCAUSE_INTR    (1ul << 63)
#define IRQ_S_SOFT     1
#define IRQ_S_TIMER    5
#define IRQ_S_EXT      9
#define EXC_ILLEGAL_INSTRUCTION 2
#define EXC_VIRTUAL_INSTRUCTION 22
#define CSR_STIMECMP   0x14d            /* Sstc; numeric so the assembler needs no Sstc support */

/* Trap frame built by zone_trap_entry on the hart's trap stack. x[2] is the interrupted sp.
 * Writing sepc / sstatus in the frame changes where / how sret returns. */
struct trap_frame {
    uint64_t x[32];          /* x[0] unused */
    uint64_t sepc;           /* 256 */
    uint64_t sstatus;        /* 264 */
    uint64_t scause;         /* 272 */
    uint64_t stval;          /* 280 */
    uint64_t time;           /* 288: rdtime as the first thing the vector does (for latency) */
    uint64_t pad;            /* 296: keeps the frame a multiple of 16 */
};
_Static_assert(sizeof(struct trap_frame) == 304, "start.S hard-codes the frame size");
_Static_assert(offsetof(struct trap_frame, sepc) == 256, "start.S: sepc at 256");
_Static_assert(offsetof(struct trap_frame, time) == 288, "start.S: time at 288");

/* Provided by each program */
extern const char zone_prefix[];                    /* "zoneU", "zoneR", "root" */
void zone_main(uint64_t hartid, uint64_t dtb);
void zone_secondary(uint64_t hartid, uint64_t opaque);
void zone_trap(struct trap_frame *f);

/* start.S */
extern char _secondary_start[];
void zone_park(void) __attribute__((noreturn));     /* interrupts off, WFI forever */

/* Generic helpers */
static inline uint64_t rdtime(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}
static inline uint64_t hartid(void)
{
    uint64_t id;
    __asm__ volatile("mv %0, tp" : "=r"(id));
    return id;
}
#define csr_read(csr)        ({ uint64_t __v; __asm__ volatile("csrr %0, " #csr : "=r"(__v) :: "memory"); __v; })
#define csr_write(csr, val)  __asm__ volatile("csrw " #csr ", %0" :: "rK"((uint64_t)(val)) : "memory")
#define csr_set(csr, val)    __asm__ volatile("csrs " #csr ", %0" :: "rK"((uint64_t)(val)) : "memory")
#define csr_clear(csr, val)  __asm__ volatile("csrc " #csr ", %0" :: "rK"((uint64_t)(val)) : "memory")
static inline void irq_enable(void)  { csr_set(sstatus, SSTATUS_SIE); }
static inline void irq_disable(void) { csr_clear(sstatus, SSTATUS_SIE); }
static inline void wfi(void)         { __asm__ volatile("wfi" ::: "memory"); }

#define MMIO32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define MMIO8(addr)  (*(volatile uint8_t *)(uintptr_t)(addr))

/* console.c: whole lines, a spinlock across harts. Output goes to UART0 (root) or the SBI debug
 * console (non-root zones). '\n' is sent as "\r\n". Never print from a trap handler except through
 * zone_panic (which ignores the lock): the interrupted code may hold it. */
void console_use_uart(void);          /* root: NS16550A UART0 at 0x1000_0000, initialised here */
void console_use_sbi(void);           /* DBCN console_write if the SBI has it, else legacy putchar */
const char *console_backend(void);    /* "uart0", "sbi-dbcn" or "sbi-legacy-putchar" */
int  zprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int  zvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int  zsnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void zone_panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Reports a trap the program did not expect (prefix, scause, sepc, stval) and parks the hart. */
void zone_unexpected_trap(struct trap_frame *f) __attribute__((noreturn));
/* Called by start.S when a trap arrives while the handler runs (sscratch == 0). */
void zone_nested_trap(uint64_t scause, uint64_t sepc, uint64_t stval) __attribute__((noreturn));

/* timer.c: periodic S-mode timer through stimecmp (Sstc) if writing it does not trap, else SBI TIME */
void timer_probe(void);               /* per hart, interrupts off; writes stimecmp once */
int  timer_uses_sstc(void);           /* result of this hart's probe */
void timer_set(uint64_t deadline);    /* absolute, in timebase ticks; also clears the pending STIP */
/* Returns 1 and advances f->sepc if f is the illegal-instruction trap of this hart's probe. */
int  timer_probe_trap(struct trap_frame *f);

void zone_print_sbi_info(void);  /* banner.c: "<prefix>: SBI v2.0 impl ...; extensions: ...; console ..." */

void *zmemcpy(void *dst, const void *src, size_t n);
void *zmemset(void *dst, int c, size_t n);

#endif
