/* banner.c: the SBI line every Zones program prints at start (useful when something is missing). */
#include "zone.h"
#include "sbi.h"

void zone_print_sbi_info(void)
{
    long version = sbi_spec_version();
    long impl = sbi_impl_id();
    zprintf("%s: SBI v%ld.%ld impl 0x%lx; extensions: TIME %s, sPI %s, HSM %s, DBCN %s, hvisor %s; console %s\n",
            zone_prefix,
            version < 0 ? 0 : (version >> 24) & 0x7f, version < 0 ? 0 : version & 0xffffff, impl,
            sbi_probe_extension(SBI_EXT_TIME) > 0 ? "yes" : "no",
            sbi_probe_extension(SBI_EXT_IPI) > 0 ? "yes" : "no",
            sbi_probe_extension(SBI_EXT_HSM) > 0 ? "yes" : "no",
            sbi_probe_extension(SBI_EXT_DBCN) > 0 ? "yes" : "no",
            sbi_probe_extension(SBI_EXT_HVISOR) > 0 ? "yes" : "no",
            console_backend());
}
