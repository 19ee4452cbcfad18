/* bridge.h: hvisor's virtio bridge page as hvisor-tool's daemon sees it (hvisor-tool include/hvisor.h
 * `struct virtio_bridge`, hvisor src/device/virtio_trampoline.rs `VirtioBridge`: 2136 bytes, MAX_REQ 32,
 * MAX_CPUS 32, MAX_DEVS 8), and the qemu-plic constants both programs of this test use. */
#ifndef BRIDGE_H
#define BRIDGE_H
#include <stdint.h>
#include <stddef.h>

#define MAX_REQ  32
#define MAX_CPUS 32
#define MAX_DEVS 8

struct device_req {
    uint64_t src_cpu;
    uint64_t address;        /* absolute guest-physical address of the access */
    uint64_t size;
    uint64_t value;
    uint32_t src_zone;
    uint8_t is_write;
    uint8_t need_interrupt;  /* 1 only for a QueueNotify write: the vCPU does not wait */
    uint16_t padding;
};

struct device_res {
    uint32_t target_zone;
    uint32_t irq_id;
};

struct virtio_bridge {
    uint32_t req_front, req_rear, res_front, res_rear;
    struct device_req req_list[MAX_REQ];
    struct device_res res_list[MAX_REQ];
    uint64_t cfg_flags[MAX_CPUS];
    uint64_t cfg_values[MAX_CPUS];
    uint64_t mmio_addrs[MAX_DEVS];
    uint8_t mmio_avail;
    uint8_t need_wakeup;
};
_Static_assert(sizeof(struct device_req) == 40, "device_req is 40 bytes");
_Static_assert(offsetof(struct virtio_bridge, res_list) == 0x510, "res_list @0x510");
_Static_assert(offsetof(struct virtio_bridge, cfg_flags) == 0x610, "cfg_flags @0x610");
_Static_assert(offsetof(struct virtio_bridge, need_wakeup) == 0x851, "need_wakeup @0x851");
_Static_assert(sizeof(struct virtio_bridge) == 2136, "struct virtio_bridge is 2136 bytes");

#define PLIC_BASE            0x0c000000
#define PLIC_PRIORITY(src)   (PLIC_BASE + 4 * (src))
#define PLIC_ENABLE(ctx)     (PLIC_BASE + 0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx)  (PLIC_BASE + 0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)      (PLIC_BASE + 0x200004 + 0x1000 * (ctx))
/* Each zone's first hart is vPLIC context 1 (2 * its index in the zone's cpus + 1). */
#define PLIC_CONTEXT         1

#define IRQ_WAKEUP_VIRTIO_DEVICE 0x20           /* hvisor platform/riscv64/qemu-plic/board.rs */
#define VZONE_ID             1
#define VZONE_RAM            0x88000000ul
#define VZONE_RAM_SIZE       0x01000000ul
#define VZONE_VIRTIO_BASE    0x10006000ul       /* the zone's `virtio` region: one device window */
#define VZONE_VIRTIO_IRQ     6
#define VIRTIO_MAGIC         0x74726976u        /* "virt" */
#define VIRTIO_QUEUE_NOTIFY  0x50

#endif
