/*
 * ivc.h: what the two IVC demo guests (examples/aarch64-ivc) share on hvisor's qemu-gicv3 board: the
 * IVC region both zones name in their ivc_configs (hvisor's control table and shared memory, mapped
 * at the same IPAs in both), and the GICv3 setup each does for its own doorbell SPI through hvisor's
 * vGIC: its CPU's redistributor awake, the ICC registers, the SPI enabled and routed to itself.
 */
#include <stdint.h>

#define IVC_CT 0xd0000000ul       /* control_table_ipa */
#define IVC_SHMEM 0xd0001000ul    /* shared_mem_ipa: rw section (0x1000), then each peer's out section (0x1000) */
#define IVC_RW_SEC 0x1000ul
#define IVC_OUT_SEC 0x1000ul
#define CT_IVC_ID 0x00
#define CT_MAX_PEERS 0x04
#define CT_RW_SEC_SIZE 0x08
#define CT_OUT_SEC_SIZE 0x0c
#define CT_PEER_ID 0x10
#define CT_IPI_INVOKE 0x14

#define GICD 0x08000000ul
#define GICD_ISENABLER 0x0100
#define GICD_IPRIORITYR 0x0400
#define GICD_IROUTER 0x6000
#define GICR 0x080A0000ul
#define GICR_FRAME 0x20000ul
#define GICR_WAKER 0x0014
#define SPURIOUS 1023

#define MSR(reg, v) __asm__ volatile("msr " reg ", %0" ::"r"((uint64_t)(v)) : "memory")
#define MRS(reg) ({ uint64_t v_; __asm__ volatile("mrs %0, " reg : "=r"(v_)::"memory"); v_; })
#define ICC_PMR_EL1 "s3_0_c4_c6_0"
#define ICC_IAR1_EL1 "s3_0_c12_c12_0"
#define ICC_EOIR1_EL1 "s3_0_c12_c12_1"
#define ICC_SRE_EL1 "s3_0_c12_c12_5"
#define ICC_IGRPEN1_EL1 "s3_0_c12_c12_7"

static inline void w32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint32_t r32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void w8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline void w64(uintptr_t a, uint64_t v) { *(volatile uint64_t *)a = v; }

/* The out section of peer `peer` (written by that peer only: hvisor maps the others' read-only). */
static inline volatile char *out_section(unsigned peer) {
    return (volatile char *)(IVC_SHMEM + IVC_RW_SEC + peer * IVC_OUT_SEC);
}

/* The read-write section every peer may write. */
static inline volatile uint32_t *rw_section(void) {
    return (volatile uint32_t *)IVC_SHMEM;
}

/* Rings `peer`: hvisor sets the peer's interrupt_num pending in the GIC distributor. */
static inline void ivc_ring(unsigned peer) {
    w32(IVC_CT + CT_IPI_INVOKE, peer);
}

static inline void copy_string(volatile char *to, const char *from) {
    while ((*to++ = *from++) != 0) { }
}

/* This CPU (Aff0 = cpu) takes SPI `intid` as a Group 1 IRQ: redistributor awake, ICC on, SPI routed here. */
static inline void gic_take_spi(unsigned cpu, unsigned intid) {
    uintptr_t rd = GICR + cpu * GICR_FRAME;
    w32(rd + GICR_WAKER, r32(rd + GICR_WAKER) & ~2u);
    while (r32(rd + GICR_WAKER) & 4u) { }
    MSR(ICC_SRE_EL1, 7);
    __asm__ volatile("isb" ::: "memory");
    MSR(ICC_PMR_EL1, 0xf0);
    MSR(ICC_IGRPEN1_EL1, 1);
    w8(GICD + GICD_IPRIORITYR + intid, 0xa0);
    w64(GICD + GICD_IROUTER + 8ul * intid, cpu);
    w32(GICD + GICD_ISENABLER + 4 * (intid / 32), 1u << (intid % 32));
    __asm__ volatile("msr daifclr, #2" ::: "memory");
}
