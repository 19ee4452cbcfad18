/* hvisor.h: hvisor's hypercall ABI and the binary structs it exchanges with the root zone, aarch64,
 * CONFIG_MAGIC_VERSION 0x05 (hvisor v0.4 src/config.rs and src/arch/aarch64/zone.rs; hvisor-tool
 * include/zone_config.h at 0x05).
 *
 * Hypercall: HVC (hvisor-tool uses #0x4856; hvisor does not look at the immediate) with x0 = code,
 * x1 = arg0, x2 = arg1; x0 = the result, a value >= 0 or -errno (hvisor src/arch/aarch64/trap.rs
 * handle_hvc). Pointers are physical addresses (hvisor assumes the root zone is identity mapped).
 *
 * The HvZoneConfig layout is checked below against the aarch64 table of
 * src/core/hypervisor/zone-config-layouts.ts (3136 bytes). */
#ifndef HVISOR_H
#define HVISOR_H
#include <stdint.h>
#include <stddef.h>

#define HV_VIRTIO_INIT         0
#define HV_VIRTIO_INJECT_IRQ   1
#define HV_ZONE_START          2     /* arg0 = config PA, arg1 = sizeof(struct hv_zone_config) */
#define HV_ZONE_SHUTDOWN       3     /* arg0 = zone_id */
#define HV_ZONE_LIST           4     /* arg0 = struct hv_zone_info PA, arg1 = count; returns count written */
#define HV_IVC_INFO            5
#define HV_CONFIG_CHECK        6     /* arg0 = PA of a u64 that receives CONFIG_MAGIC_VERSION */

#define CONFIG_MAGIC_VERSION   0x5

#define HV_EPERM    1
#define HV_ENOENT   2
#define HV_EIO      5
#define HV_ENOMEM  12
#define HV_EFAULT  14
#define HV_EBUSY   16
#define HV_EEXIST  17
#define HV_ENODEV  19
#define HV_EINVAL  22
#define HV_ERANGE  34
#define HV_ENOSYS  38

#define CONFIG_MAX_MEMORY_REGIONS 64
#define CONFIG_MAX_INTERRUPTS     1024
#define CONFIG_MAX_IVC_CONFIGS    2
#define CONFIG_NAME_MAXLEN        32
#define CONFIG_MAX_PCI_BUS        4
#define CONFIG_MAX_PCI_DEV        32

#define MEM_TYPE_RAM    0
#define MEM_TYPE_IO     1
#define MEM_TYPE_VIRTIO 2

struct hv_memory_region {            /* HvConfigMemoryRegion, 32 bytes */
    uint32_t mem_type;
    uint64_t physical_start;
    uint64_t virtual_start;
    uint64_t size;
};

struct hv_ivc_config {               /* HvIvcConfig, 40 bytes */
    uint32_t ivc_id;
    uint32_t peer_id;
    uint64_t control_table_ipa;
    uint64_t shared_mem_ipa;
    uint32_t rw_sec_size;
    uint32_t out_sec_size;
    uint32_t interrupt_num;
    uint32_t max_peers;
};

#define GIC_VERSION_TAG_V2 0
#define GIC_VERSION_TAG_V3 1

struct hv_gicv2_config {             /* Gicv2Config, 72 bytes */
    uint64_t gicd_base, gicd_size;
    uint64_t gicc_base, gicc_size, gicc_offset;
    uint64_t gich_base, gich_size;
    uint64_t gicv_base, gicv_size;
};

struct hv_gicv3_config {             /* Gicv3Config, 48 bytes */
    uint64_t gicd_base, gicd_size;
    uint64_t gicr_base, gicr_size;
    uint64_t gits_base, gits_size;
};

struct hv_arch_zone_config {         /* aarch64 HvArchZoneConfig, 88 bytes */
    uint8_t is_aarch32;
    union {                          /* the Rust enum GicConfig: a u64 tag, then the variant */
        struct { uint64_t gic_version_tag; struct hv_gicv2_config gicv2_config; } gicv2;
        struct { uint64_t gic_version_tag; struct hv_gicv3_config gicv3_config; } gicv3;
    } gic_config;
};

struct hv_pci_config {               /* HvPciConfig, 104 bytes */
    uint64_t ecam_base, ecam_size;
    uint64_t io_base, io_size, pci_io_base;
    uint64_t mem32_base, mem32_size, pci_mem32_base;
    uint64_t mem64_base, mem64_size, pci_mem64_base;
    uint32_t bus_range_begin;
    uint32_t bus_range_end;
    uint8_t domain;
};

struct hv_pci_dev_config {           /* HvPciDevConfig (v0x05), 8 bytes */
    uint8_t domain, bus, device, function;
    uint32_t dev_type;
};

struct hv_zone_config {              /* HvZoneConfig, aarch64 v0x05: 3136 bytes */
    uint32_t zone_id;
    uint64_t cpus;
    uint32_t num_memory_regions;
    struct hv_memory_region memory_regions[CONFIG_MAX_MEMORY_REGIONS];
    uint32_t interrupts_bitmap[CONFIG_MAX_INTERRUPTS / 32];
    uint32_t num_ivc_configs;
    struct hv_ivc_config ivc_configs[CONFIG_MAX_IVC_CONFIGS];
    uint64_t entry_point;
    uint64_t kernel_load_paddr;
    uint64_t kernel_size;
    uint64_t dtb_load_paddr;
    uint64_t dtb_size;
    char name[CONFIG_NAME_MAXLEN];
    struct hv_arch_zone_config arch_config;
    uint64_t num_pci_bus;
    struct hv_pci_config pci_config[CONFIG_MAX_PCI_BUS];
    uint64_t num_pci_devs;
    struct hv_pci_dev_config alloc_pci_devs[CONFIG_MAX_PCI_DEV];
};

struct hv_zone_info {                /* ZoneInfo, repr(C), 56 bytes */
    uint32_t zone_id;
    uint64_t cpus;
    uint8_t name[32];
    uint8_t is_err;
};

/* The layout table of src/core/hypervisor/zone-config-binary.ts, field by field. */
_Static_assert(sizeof(struct hv_memory_region) == 32, "memory region: 32 bytes");
_Static_assert(offsetof(struct hv_memory_region, physical_start) == 8, "region.physical_start @8");
_Static_assert(offsetof(struct hv_memory_region, virtual_start) == 16, "region.virtual_start @16");
_Static_assert(offsetof(struct hv_memory_region, size) == 24, "region.size @24");
_Static_assert(sizeof(struct hv_ivc_config) == 40, "ivc config: 40 bytes");
_Static_assert(offsetof(struct hv_ivc_config, control_table_ipa) == 8, "ivc.control_table_ipa @8");
_Static_assert(offsetof(struct hv_ivc_config, shared_mem_ipa) == 16, "ivc.shared_mem_ipa @16");
_Static_assert(offsetof(struct hv_ivc_config, rw_sec_size) == 24, "ivc.rw_sec_size @24");
_Static_assert(offsetof(struct hv_ivc_config, out_sec_size) == 28, "ivc.out_sec_size @28");
_Static_assert(offsetof(struct hv_ivc_config, interrupt_num) == 32, "ivc.interrupt_num @32");
_Static_assert(offsetof(struct hv_ivc_config, max_peers) == 36, "ivc.max_peers @36");
_Static_assert(sizeof(struct hv_gicv2_config) == 72, "Gicv2Config: 72 bytes");
_Static_assert(sizeof(struct hv_gicv3_config) == 48, "Gicv3Config: 48 bytes");
_Static_assert(offsetof(struct hv_arch_zone_config, gic_config) == 8, "arch_config.gic_config @8");
_Static_assert(offsetof(struct hv_arch_zone_config, gic_config.gicv3.gicv3_config) == 16, "gicv3_config @8 in the union");
_Static_assert(sizeof(struct hv_arch_zone_config) == 88, "aarch64 arch config: 88 bytes");
_Static_assert(sizeof(struct hv_pci_config) == 104, "pci config: 104 bytes");
_Static_assert(offsetof(struct hv_pci_config, bus_range_begin) == 88, "pci.bus_range_begin @88");
_Static_assert(offsetof(struct hv_pci_config, bus_range_end) == 92, "pci.bus_range_end @92");
_Static_assert(offsetof(struct hv_pci_config, domain) == 96, "pci.domain @96");
_Static_assert(sizeof(struct hv_pci_dev_config) == 8, "pci dev: 8 bytes");
_Static_assert(offsetof(struct hv_pci_dev_config, dev_type) == 4, "pci dev.dev_type @4");

_Static_assert(offsetof(struct hv_zone_config, zone_id) == 0, "zone_id @0");
_Static_assert(offsetof(struct hv_zone_config, cpus) == 8, "cpus @8");
_Static_assert(offsetof(struct hv_zone_config, num_memory_regions) == 16, "num_memory_regions @16");
_Static_assert(offsetof(struct hv_zone_config, memory_regions) == 24, "memory_regions @24");
_Static_assert(offsetof(struct hv_zone_config, interrupts_bitmap) == 2072, "interrupts_bitmap @2072");
_Static_assert(offsetof(struct hv_zone_config, num_ivc_configs) == 2200, "num_ivc_configs @2200");
_Static_assert(offsetof(struct hv_zone_config, ivc_configs) == 2208, "ivc_configs @2208");
_Static_assert(offsetof(struct hv_zone_config, entry_point) == 2288, "entry_point @2288");
_Static_assert(offsetof(struct hv_zone_config, kernel_load_paddr) == 2296, "kernel_load_paddr @2296");
_Static_assert(offsetof(struct hv_zone_config, kernel_size) == 2304, "kernel_size @2304");
_Static_assert(offsetof(struct hv_zone_config, dtb_load_paddr) == 2312, "dtb_load_paddr @2312");
_Static_assert(offsetof(struct hv_zone_config, dtb_size) == 2320, "dtb_size @2320");
_Static_assert(offsetof(struct hv_zone_config, name) == 2328, "name @2328");
_Static_assert(offsetof(struct hv_zone_config, arch_config) == 2360, "arch_config @2360");
_Static_assert(offsetof(struct hv_zone_config, num_pci_bus) == 2448, "num_pci_bus @2448");
_Static_assert(offsetof(struct hv_zone_config, pci_config) == 2456, "pci_config @2456");
_Static_assert(offsetof(struct hv_zone_config, num_pci_devs) == 2872, "num_pci_devs @2872");
_Static_assert(offsetof(struct hv_zone_config, alloc_pci_devs) == 2880, "alloc_pci_devs @2880");
_Static_assert(sizeof(struct hv_zone_config) == 3136, "HvZoneConfig aarch64 v0x05 is 3136 bytes");

_Static_assert(offsetof(struct hv_zone_info, zone_id) == 0, "ZoneInfo.zone_id @0");
_Static_assert(offsetof(struct hv_zone_info, cpus) == 8, "ZoneInfo.cpus @8");
_Static_assert(offsetof(struct hv_zone_info, name) == 16, "ZoneInfo.name @16");
_Static_assert(offsetof(struct hv_zone_info, is_err) == 48, "ZoneInfo.is_err @48");
_Static_assert(sizeof(struct hv_zone_info) == 56, "ZoneInfo is 56 bytes");

/* x0 after the HVC: the value (>= 0) or -errno. */
long hv_call(uint64_t code, uint64_t arg0, uint64_t arg1);
/* "EINVAL" for 22 (or -22); NULL if unknown. */
const char *hv_errno_name(long err);
/* Formats a hypercall result: "0", "2", "-EINVAL (-22)". */
void hv_format_result(char *buf, size_t size, long result);

#endif
