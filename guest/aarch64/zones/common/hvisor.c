/* hvisor.c: the hypercall instruction and result formatting (see hvisor.h). */
#include "zone.h"
#include "hvisor.h"

long hv_call(uint64_t code, uint64_t arg0, uint64_t arg1)
{
    register uint64_t x0 __asm__("x0") = code;
    register uint64_t x1 __asm__("x1") = arg0;
    register uint64_t x2 __asm__("x2") = arg1;
    __asm__ volatile("hvc #0x4856" : "+r"(x0) : "r"(x1), "r"(x2) : "memory");
    return (long)x0;
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

void hv_format_result(char *buf, size_t size, long result)
{
    const char *name = result < 0 ? hv_errno_name(result) : NULL;
    if (result >= 0)
        zsnprintf(buf, size, "%ld", result);
    else if (name)
        zsnprintf(buf, size, "-%s (%ld)", name, result);
    else
        zsnprintf(buf, size, "%ld (unknown errno)", result);
}
