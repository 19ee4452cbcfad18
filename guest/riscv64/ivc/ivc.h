/* ivc.h: what the two riscv64 IVC demo guests (examples/riscv64-ivc) share on the qemu-plic board: the
 * IVC region both zones name in their ivc_configs, at the same IPAs in both, and the vPLIC setup each
 * does for its own doorbell source. hvisor has no IVC on riscv64; the layout's "workbenchIvc": true
 * sets it up as hvisor's aarch64 ivc.rs does, and a doorbell is a virtual interrupt in the peer's vPLIC. */
#ifndef IVC_H
#define IVC_H
#include "zone.h"

#define IVC_CT       0x20000000ul   /* control_table_ipa: outside both zones' RAM (QEMU virt's flash hole) */
#define IVC_SHMEM    0x20001000ul   /* shared_mem_ipa: rw section (0x1000), then each peer's out section (0x1000) */
#define IVC_RW_SEC   0x1000ul
#define IVC_OUT_SEC  0x1000ul
#define CT_IVC_ID        0x00
#define CT_MAX_PEERS     0x04
#define CT_RW_SEC_SIZE   0x08
#define CT_OUT_SEC_SIZE  0x0c
#define CT_PEER_ID       0x10
#define CT_IPI_INVOKE    0x14

#define PLIC_BASE            0x0c000000ul
#define PLIC_PRIORITY(src)   (PLIC_BASE + 4 * (src))
#define PLIC_ENABLE(ctx)     (PLIC_BASE + 0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx)  (PLIC_BASE + 0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)      (PLIC_BASE + 0x200004 + 0x1000 * (ctx))
/* Both programs run on their zone's first hart: vPLIC context 2 * 0 + 1 (S-mode of zone hart 0). */
#define ZONE_PLIC_CONTEXT    1

/* The out section of peer `peer` (written by that peer only: the others' are mapped read-only). */
static inline volatile char *out_section(unsigned peer)
{
    return (volatile char *)(IVC_SHMEM + IVC_RW_SEC + peer * IVC_OUT_SEC);
}

/* The read-write section every peer may write. */
static inline volatile uint32_t *rw_section(void)
{
    return (volatile uint32_t *)IVC_SHMEM;
}

/* Rings `peer`: its interrupt_num becomes pending in its vPLIC. */
static inline void ivc_ring(unsigned peer)
{
    MMIO32(IVC_CT + CT_IPI_INVOKE) = peer;
}

static inline void copy_string(volatile char *to, const char *from)
{
    while ((*to++ = *from++) != 0) { }
}

/* This hart takes vPLIC source `irq` (priority 1, threshold 0) as a supervisor external interrupt. */
static inline void plic_take(unsigned irq)
{
    MMIO32(PLIC_PRIORITY(irq)) = 1;
    MMIO32(PLIC_ENABLE(ZONE_PLIC_CONTEXT) + 4 * (irq / 32)) |= 1u << (irq % 32);
    MMIO32(PLIC_THRESHOLD(ZONE_PLIC_CONTEXT)) = 0;
    csr_set(sie, SIE_SEIE);
    irq_enable();
}

#endif
