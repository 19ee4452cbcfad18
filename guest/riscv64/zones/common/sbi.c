/* sbi.c: SBI calls (see sbi.h). No state except the TIME-extension fallback flag. */
#include "zone.h"
#include "sbi.h"

struct sbiret sbi_ecall(uint64_t eid, uint64_t fid, uint64_t arg0, uint64_t arg1, uint64_t arg2)
{
    register uint64_t a0 __asm__("a0") = arg0;
    register uint64_t a1 __asm__("a1") = arg1;
    register uint64_t a2 __asm__("a2") = arg2;
    register uint64_t a6 __asm__("a6") = fid;
    register uint64_t a7 __asm__("a7") = eid;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a6), "r"(a7) : "memory");
    return (struct sbiret){ (long)a0, (long)a1 };
}

const char *sbi_error_name(long error)
{
    switch (error) {
    case SBI_SUCCESS:               return "SBI_SUCCESS";
    case SBI_ERR_FAILED:            return "SBI_ERR_FAILED";
    case SBI_ERR_NOT_SUPPORTED:     return "SBI_ERR_NOT_SUPPORTED";
    case SBI_ERR_INVALID_PARAM:     return "SBI_ERR_INVALID_PARAM";
    case SBI_ERR_DENIED:            return "SBI_ERR_DENIED";
    case SBI_ERR_INVALID_ADDRESS:   return "SBI_ERR_INVALID_ADDRESS";
    case SBI_ERR_ALREADY_AVAILABLE: return "SBI_ERR_ALREADY_AVAILABLE";
    case SBI_ERR_ALREADY_STARTED:   return "SBI_ERR_ALREADY_STARTED";
    case SBI_ERR_ALREADY_STOPPED:   return "SBI_ERR_ALREADY_STOPPED";
    default:                        return "SBI_ERR_?";
    }
}

long sbi_spec_version(void)
{
    struct sbiret r = sbi_ecall(SBI_EXT_BASE, 0, 0, 0, 0);
    return r.error ? r.error : r.value;
}

long sbi_impl_id(void)
{
    struct sbiret r = sbi_ecall(SBI_EXT_BASE, 1, 0, 0, 0);
    return r.error ? r.error : r.value;
}

long sbi_probe_extension(uint64_t eid)
{
    struct sbiret r = sbi_ecall(SBI_EXT_BASE, 3, eid, 0, 0);
    return r.error ? r.error : r.value;
}

static volatile int time_ext_missing;     /* set once the TIME extension answered NOT_SUPPORTED */

struct sbiret sbi_set_timer(uint64_t deadline)
{
    if (!time_ext_missing) {
        struct sbiret r = sbi_ecall(SBI_EXT_TIME, 0, deadline, 0, 0);
        if (r.error != SBI_ERR_NOT_SUPPORTED)
            return r;
        time_ext_missing = 1;
    }
    /* Legacy set_timer (EID 0): returns only a0. */
    struct sbiret r = sbi_ecall(SBI_EXT_LEGACY_SET_TIMER, 0, deadline, 0, 0);
    return (struct sbiret){ r.error, 0 };
}

struct sbiret sbi_send_ipi(uint64_t hart_mask, uint64_t hart_mask_base)
{
    return sbi_ecall(SBI_EXT_IPI, 0, hart_mask, hart_mask_base, 0);
}

struct sbiret sbi_hart_start(uint64_t hartid, uint64_t start_addr, uint64_t opaque)
{
    return sbi_ecall(SBI_EXT_HSM, 0, hartid, start_addr, opaque);
}

struct sbiret sbi_hart_get_status(uint64_t hartid)
{
    return sbi_ecall(SBI_EXT_HSM, 2, hartid, 0, 0);
}

struct sbiret sbi_debug_console_write(const void *buf, uint64_t len)
{
    /* No paging: the pointer is the (guest-)physical address. On RV64 base_addr_lo (a1) holds all 64
     * bits and base_addr_hi (a2) is 0; the buffers here are below 4 GiB anyway. */
    return sbi_ecall(SBI_EXT_DBCN, 0, len, (uintptr_t)buf, 0);
}

void sbi_legacy_putchar(int c)
{
    sbi_ecall(SBI_EXT_LEGACY_PUTCHAR, 0, (uint64_t)(uint8_t)c, 0, 0);
}
