/* gic.c: what the Zones programs do with the GICv3 (see zone.h). hvisor enabled the distributor at
 * boot (a zone's GICD_CTLR writes are ignored); a zone programs the SPIs it owns in the distributor and
 * the SGIs and PPIs of its own CPUs in their redistributors, and uses its CPU interface directly. */
#include "zone.h"

#define GICD                 0x08000000ul
#define GICD_IGROUPR         0x0080
#define GICD_ISENABLER       0x0100
#define GICD_IPRIORITYR      0x0400
#define GICD_IROUTER         0x6000
#define GICR                 0x080a0000ul
#define GICR_FRAME           0x20000ul
#define GICR_WAKER           0x0014
#define GICR_SGI             0x10000ul
#define GICR_IGROUPR0        (GICR_SGI + 0x0080)
#define GICR_ISENABLER0      (GICR_SGI + 0x0100)
#define GICR_IPRIORITYR      (GICR_SGI + 0x0400)
#define WAKER_PROCESSOR_SLEEP 2u
#define WAKER_CHILDREN_ASLEEP 4u

#define ICC_PMR_EL1          "s3_0_c4_c6_0"
#define ICC_BPR1_EL1         "s3_0_c12_c12_3"
#define ICC_SRE_EL1          "s3_0_c12_c12_5"
#define ICC_IGRPEN1_EL1      "s3_0_c12_c12_7"
#define ICC_SGI1R_EL1        "s3_0_c12_c11_5"

static uintptr_t redistributor(uint64_t cpu)
{
    return GICR + cpu * GICR_FRAME;
}

/* Group 1 for `intid` in its IGROUPR word, written only if it is not set yet: hvisor's filter reads
 * the zone's own bits only, so writing the word back would try to clear the others' (it drops that,
 * and the workbench lists each such write in the vGIC's "dropped" table). */
static void set_group1(uintptr_t igroupr, uint32_t intid)
{
    uint32_t bits = MMIO32(igroupr), bit = 1u << (intid % 32);
    if (!(bits & bit))
        MMIO32(igroupr) = bits | bit;
}

/* IPRIORITYR with a 32-bit read-modify-write: hvisor masks an access by the register's first
 * interrupt whatever its size, so a byte write to another interrupt's field would be dropped. */
static void set_priority(uintptr_t ipriorityr, uint32_t intid, uint8_t priority)
{
    uintptr_t word = ipriorityr + (intid & ~3u);
    unsigned shift = 8 * (intid % 4);
    MMIO32(word) = (MMIO32(word) & ~(0xffu << shift)) | ((uint32_t)priority << shift);
}

void gic_cpu_init(uint64_t cpu)
{
    uintptr_t rd = redistributor(cpu);
    MMIO32(rd + GICR_WAKER) = MMIO32(rd + GICR_WAKER) & ~WAKER_PROCESSOR_SLEEP;
    while (MMIO32(rd + GICR_WAKER) & WAKER_CHILDREN_ASLEEP)
        ;
    MSR(ICC_SRE_EL1, MRS(ICC_SRE_EL1) | 1);
    ISB();
    MSR(ICC_PMR_EL1, 0xf0);
    MSR(ICC_BPR1_EL1, 0);
    MSR(ICC_IGRPEN1_EL1, 1);
    ISB();
}

void gic_enable_private(uint64_t cpu, uint32_t intid, uint8_t priority)
{
    uintptr_t rd = redistributor(cpu);
    set_group1(rd + GICR_IGROUPR0, intid);
    set_priority(rd + GICR_IPRIORITYR, intid, priority);
    MMIO32(rd + GICR_ISENABLER0) = 1u << intid;
    DSB();
}

void gic_enable_spi(uint32_t intid, uint64_t target_cpu, uint8_t priority)
{
    set_group1(GICD + GICD_IGROUPR + 4 * (intid / 32), intid);
    set_priority(GICD + GICD_IPRIORITYR, intid, priority);
    MMIO64(GICD + GICD_IROUTER + 8ul * intid) = target_cpu;     /* Aff0 = CPU, IRM 0 */
    MMIO32(GICD + GICD_ISENABLER + 4 * (intid / 32)) = 1u << (intid % 32);
    DSB();
}

void gic_send_sgi(uint32_t intid, uint64_t target_cpu)
{
    /* Aff3.Aff2.Aff1 = 0, TargetList bit Aff0 (CPUs 0..15), IRM 0. */
    MSR(ICC_SGI1R_EL1, ((uint64_t)(intid & 0xf) << 24) | (1ul << (target_cpu & 0xf)));
    ISB();
}
