/* timer.c: the EL1 virtual timer with absolute deadlines (CNTV_CVAL_EL0 against CNTVCT_EL0). */
#include "zone.h"

void vtimer_set(uint64_t deadline)
{
    MSR("cntv_cval_el0", deadline);
    MSR("cntv_ctl_el0", 1);               /* ENABLE, IMASK clear: the PPI is raised while CVAL <= count */
    ISB();
}

void vtimer_stop(void)
{
    MSR("cntv_ctl_el0", 0);
    ISB();
}
