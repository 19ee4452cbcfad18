/* psci.c: PSCI and SMCCC over SMC (hvisor traps SMC from EL1 and answers these itself), and the
 * platform line every Zones program prints at start. */
#include "zone.h"

#define PSCI_VERSION_ID    0x84000000ul
#define PSCI_CPU_ON_64     0xc4000003ul
#define SMCCC_VERSION_ID   0x80000000ul

static uint64_t smc(uint64_t function, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 __asm__("x0") = function;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    __asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) :: "memory");
    return x0;
}

int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry)
{
    return (int64_t)smc(PSCI_CPU_ON_64, mpidr, entry, 0);
}

uint64_t psci_version(void)
{
    return smc(PSCI_VERSION_ID, 0, 0, 0);
}

uint64_t smccc_version(void)
{
    return smc(SMCCC_VERSION_ID, 0, 0, 0);
}

const char *psci_error_name(int64_t error)
{
    switch (error) {
    case PSCI_SUCCESS:            return "SUCCESS";
    case PSCI_NOT_SUPPORTED:      return "NOT_SUPPORTED";
    case PSCI_INVALID_PARAMETERS: return "INVALID_PARAMETERS";
    case PSCI_DENIED:             return "DENIED";
    case PSCI_ALREADY_ON:         return "ALREADY_ON";
    case -5:                      return "ON_PENDING";
    case -6:                      return "INTERNAL_FAILURE";
    default:                      return "unknown";
    }
}

void zone_print_platform_info(void)
{
    uint64_t psci = psci_version(), smccc = smccc_version();
    zprintf("%s: PSCI v%lu.%lu, SMCCC v%lu.%lu; CNTFRQ_EL0 %lu Hz; console %s\n", zone_prefix,
            (psci >> 16) & 0x7fff, psci & 0xffff, (smccc >> 16) & 0x7fff, smccc & 0xffff,
            counter_frequency(), console_backend());
}
