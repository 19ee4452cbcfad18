/* sbi.h: the SBI v2.0 calls the Zones demo programs use (ecall from S-mode: a7 = EID, a6 = FID,
 * a0..a5 = arguments; returns a0 = error, a1 = value). */
#ifndef SBI_H
#define SBI_H
#include <stdint.h>

#define SBI_EXT_LEGACY_SET_TIMER 0x00
#define SBI_EXT_LEGACY_PUTCHAR   0x01
#define SBI_EXT_BASE   0x10
#define SBI_EXT_TIME   0x54494D45
#define SBI_EXT_IPI    0x735049
#define SBI_EXT_HSM    0x48534D
#define SBI_EXT_DBCN   0x4442434E
#define SBI_EXT_HVISOR 0x114514      /* hvisor's hypercall EID (EID_HVISOR) */

#define SBI_SUCCESS                0
#define SBI_ERR_FAILED            -1
#define SBI_ERR_NOT_SUPPORTED     -2
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_DENIED            -4
#define SBI_ERR_INVALID_ADDRESS   -5
#define SBI_ERR_ALREADY_AVAILABLE -6
#define SBI_ERR_ALREADY_STARTED   -7
#define SBI_ERR_ALREADY_STOPPED   -8

struct sbiret {
    long error;
    long value;
};

struct sbiret sbi_ecall(uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2);
/* Name of an SBI error code ("SBI_ERR_INVALID_PARAM"), "SBI_SUCCESS" for 0. */
const char *sbi_error_name(long error);

long sbi_spec_version(void);                      /* (major << 24) | minor, or a negative error */
long sbi_impl_id(void);
long sbi_probe_extension(uint64_t eid);           /* > 0 if present */
struct sbiret sbi_set_timer(uint64_t deadline);   /* TIME ext; falls back to legacy EID 0 */
struct sbiret sbi_send_ipi(uint64_t hart_mask, uint64_t hart_mask_base);
struct sbiret sbi_hart_start(uint64_t hartid, uint64_t start_addr, uint64_t opaque);
struct sbiret sbi_hart_get_status(uint64_t hartid);
struct sbiret sbi_debug_console_write(const void *buf, uint64_t len);   /* DBCN FID 0 */
void sbi_legacy_putchar(int c);                   /* EID 1 */

#endif
