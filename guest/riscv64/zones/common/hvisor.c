/* hvisor.c: the hypercall instruction and result formatting (see hvisor.h). */
#include "zone.h"
#include "sbi.h"
#include "hvisor.h"

struct hv_ret hv_call(uint64_t code, uint64_t arg0, uint64_t arg1)
{
    register uint64_t a0 __asm__("a0") = code;
    register uint64_t a1 __asm__("a1") = arg0;
    register uint64_t a2 __asm__("a2") = arg1;
    register uint64_t a7 __asm__("a7") = SBI_EXT_HVISOR;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a7) : "memory");
    return (struct hv_ret){ (long)a0, (long)a1 };
}

const char *hv_errno_name(long err)
{
    if (err < 0)
        err = -err;
    switch (err) {
    case HV_EPERM:  return "EPERM";
    case HV_ENOENT: return "ENOENT";
    case HV_EIO:    return "EIO";
    case HV_ENOMEM: return "ENOMEM";
    case HV_EFAULT: return "EFAULT";
    case HV_EBUSY:  return "EBUSY";
    case HV_EEXIST: return "EEXIST";
    case HV_ENODEV: return "ENODEV";
    case HV_EINVAL: return "EINVAL";
    case HV_ERANGE: return "ERANGE";
    case HV_ENOSYS: return "ENOSYS";
    default:        return NULL;
    }
}

void hv_format_result(char *buf, size_t size, struct hv_ret r)
{
    if (r.error != SBI_SUCCESS && r.error != SBI_ERR_FAILED) {
        zsnprintf(buf, size, "SBI error %ld (%s): no hvisor hypercall extension?", r.error, sbi_error_name(r.error));
    } else if (r.value < 0) {
        const char *name = hv_errno_name(r.value);
        if (name)
            zsnprintf(buf, size, "-%s (%ld)", name, r.value);
        else
            zsnprintf(buf, size, "%ld (unknown errno)", r.value);
    } else if (r.error == SBI_ERR_FAILED) {
        zsnprintf(buf, size, "%ld, but a0 = -1 (SBI_ERR_FAILED)", r.value);
    } else {
        zsnprintf(buf, size, "%ld", r.value);
    }
}
