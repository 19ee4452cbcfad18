/* zone.h: the runtime shared by the aarch64 Zones demo programs (zones-root, zones-u, zones-r).
 *
 * EL1, MMU off, no libc. hvisor enters a zone's first CPU at its entry point with x0 = the zone's device
 * tree address, DAIF masked; CPUs started with PSCI CPU_ON enter `secondary_entry` (hvisor drops the
 * context id and passes the device tree in x0 again). start.S gives every CPU (MPIDR Aff0 0..3) a
 * 16 KiB stack, installs the vector table and calls, with IRQs still masked:
 *   zone_main(cpu, dtb)        on the first CPU, after clearing .bss
 *   zone_secondary(cpu)        on a CPU started with psci_cpu_on(.., secondary_entry)
 * An IRQ (current EL, SP_EL1) reads CNTVCT_EL0 first and calls zone_irq(counter at entry); any other
 * exception prints "<zone>: unexpected exception ..." (without the console lock) and parks the CPU.
 * Each program provides those three functions and `const char zone_prefix[]`. */
#ifndef ZONE_H
#define ZONE_H
#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>

#define ZONE_MAX_CPUS 4

/* Provided by each program */
extern const char zone_prefix[];                    /* "zoneU", "zoneR", "root" */
void zone_main(uint64_t cpu, uint64_t dtb);
void zone_secondary(uint64_t cpu);
void zone_irq(uint64_t counter_at_entry);

/* start.S */
extern char secondary_entry[];
void zone_park(void) __attribute__((noreturn));     /* IRQs masked, WFI forever */

#define MSR(reg, v) __asm__ volatile("msr " reg ", %0" ::"r"((uint64_t)(v)) : "memory")
#define MRS(reg) ({ uint64_t v_; __asm__ volatile("mrs %0, " reg : "=r"(v_)::"memory"); v_; })
#define ISB() __asm__ volatile("isb" ::: "memory")
#define DSB() __asm__ volatile("dsb sy" ::: "memory")

#define MMIO32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define MMIO64(addr) (*(volatile uint64_t *)(uintptr_t)(addr))
#define MMIO8(addr)  (*(volatile uint8_t *)(uintptr_t)(addr))

static inline uint64_t cpu_id(void) { return MRS("mpidr_el1") & 0xff; }
static inline uint64_t counter(void) { ISB(); return MRS("cntvct_el0"); }
static inline uint64_t counter_frequency(void) { return MRS("cntfrq_el0"); }
static inline void irq_enable(void)  { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }
/* Wakes on a pending IRQ even while PSTATE.I masks it (then irq_enable takes it). */
static inline void wfi(void)         { __asm__ volatile("wfi" ::: "memory"); }

/* console.c: whole lines under a spinlock shared by the zone's CPUs; '\n' is sent as "\r\n". The root
 * writes to the PL011 it owns, the other zones to their virtio console. Never print from zone_irq
 * except through zone_panic (no lock): the interrupted code may hold it. */
void console_use_pl011(void);
/* Sets up the virtio-mmio console at `base`; 0 on success, else a negative step number (virtio.c). */
int  console_use_virtio(uintptr_t base);
const char *console_backend(void);    /* "pl011", "virtio-mmio 0x..." or "none" */
int  zprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int  zvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int  zsnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void zone_panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void zone_exception(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far) __attribute__((noreturn));
void *zmemcpy(void *dst, const void *src, size_t n);
void *zmemset(void *dst, int c, size_t n);

/* virtio.c: a polled virtio-mmio (version 2) console driver, transmitq only. */
int  vcons_init(uintptr_t base);      /* 0, or -1 bad magic/version, -2 not a console, -3 no VERSION_1,
                                         -4 FEATURES_OK refused, -5 transmitq missing or in use */
void vcons_write(const char *s, size_t n);
int  vcons_broken(void);              /* the device stopped consuming buffers (output is dropped) */

/* psci.c: PSCI and SMCCC over SMC, as hvisor answers them. */
#define PSCI_SUCCESS            0
#define PSCI_NOT_SUPPORTED     -1
#define PSCI_INVALID_PARAMETERS -2
#define PSCI_DENIED            -3
#define PSCI_ALREADY_ON        -4
int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry);
uint64_t psci_version(void);
uint64_t smccc_version(void);
const char *psci_error_name(int64_t error);
/* "<prefix>: PSCI v1.1, SMCCC v1.1; CNTFRQ_EL0 62500000 Hz; console ..." */
void zone_print_platform_info(void);

/* gic.c: the GICv3 as a zone reaches it through hvisor's vGICv3 (distributor at 0x0800_0000,
 * redistributor frames from 0x080A_0000, one 128 KiB pair per CPU by Aff0). */
#define GIC_SPURIOUS 1023
#define INTID_VTIMER 27                  /* QEMU virt: the EL1 virtual timer's PPI */
void gic_cpu_init(uint64_t cpu);          /* wake this CPU's redistributor, ICC_SRE/PMR/BPR1/IGRPEN1 */
void gic_enable_private(uint64_t cpu, uint32_t intid, uint8_t priority);  /* SGI or PPI, Group 1 */
void gic_enable_spi(uint32_t intid, uint64_t target_cpu, uint8_t priority);
void gic_send_sgi(uint32_t intid, uint64_t target_cpu);
static inline uint32_t gic_ack(void) { return (uint32_t)MRS("s3_0_c12_c12_0") & 0xffffff; }   /* ICC_IAR1_EL1 */
static inline void gic_eoi(uint32_t intid) { MSR("s3_0_c12_c12_1", intid); ISB(); }         /* ICC_EOIR1_EL1 */

/* timer.c: the EL1 virtual timer (CNTV) with absolute deadlines in CNTVCT_EL0 ticks. */
void vtimer_set(uint64_t deadline);      /* CVAL = deadline, enabled, unmasked */
void vtimer_stop(void);

#endif
