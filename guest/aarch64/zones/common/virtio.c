/* virtio.c: a polled virtio-mmio console driver (virtio 1.2: section 4.2 the MMIO transport, version 2;
 * section 2.7 split virtqueues; section 5.3 the console device), transmit only, for the zones whose
 * console hvisor's management side serves (hvisor-tool's daemon; the workbench's virtio daemon).
 *
 * Initialisation (section 3.1.1): reset (Status 0), ACKNOWLEDGE, DRIVER, read DeviceFeatures, accept
 * VIRTIO_F_VERSION_1 only (bit 32; the console's SIZE is not needed), FEATURES_OK and read it back,
 * set up queue 1 (transmitq of port 0) with QSIZE descriptors, then DRIVER_OK. Receiveq 0 stays unset:
 * these programs take no input from their terminal.
 *
 * Descriptor i always points at buffer i (QSIZE buffers of BUF bytes in the zone's RAM, identity
 * mapped, so IPA = the address the device is given). A write copies up to BUF bytes into the buffer of
 * slot avail_idx % QSIZE, publishes it in the available ring and writes QueueNotify = 1; the console
 * returns buffers in order, so a slot is free again once used->idx has passed it. The driver asks for
 * no interrupts (VIRTQ_AVAIL_F_NO_INTERRUPT; EVENT_IDX is not negotiated) and waits for a free slot
 * by polling used->idx. If the device takes nothing for a second, the console counts as broken and
 * later output is dropped instead of hanging the zone. Callers serialise writes (console.c's lock). */
#include "zone.h"

#define VIRTIO_MAGIC            0x000
#define VIRTIO_VERSION          0x004
#define VIRTIO_DEVICE_ID        0x008
#define VIRTIO_DEVICE_FEATURES  0x010
#define VIRTIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_DRIVER_FEATURES  0x020
#define VIRTIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_QUEUE_SEL        0x030
#define VIRTIO_QUEUE_NUM_MAX    0x034
#define VIRTIO_QUEUE_NUM        0x038
#define VIRTIO_QUEUE_READY      0x044
#define VIRTIO_QUEUE_NOTIFY     0x050
#define VIRTIO_STATUS           0x070
#define VIRTIO_QUEUE_DESC_LOW   0x080
#define VIRTIO_QUEUE_DESC_HIGH  0x084
#define VIRTIO_QUEUE_DRIVER_LOW 0x090
#define VIRTIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_QUEUE_DEVICE_LOW 0x0a0
#define VIRTIO_QUEUE_DEVICE_HIGH 0x0a4

#define MAGIC_VIRT              0x74726976   /* "virt" */
#define DEVICE_CONSOLE          3
#define STATUS_ACKNOWLEDGE      1
#define STATUS_DRIVER           2
#define STATUS_DRIVER_OK        4
#define STATUS_FEATURES_OK      8
#define F_VERSION_1_HIGH        1u           /* bit 32: bit 0 of feature word 1 */
#define AVAIL_F_NO_INTERRUPT    1
#define TRANSMITQ               1

#define QSIZE 16
#define BUF   256

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[QSIZE];
    uint16_t used_event;
};

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[QSIZE];
    uint16_t avail_event;
};

/* Alignments of section 2.7: descriptors 16, available ring 2, used ring 4. */
static struct {
    struct virtq_desc desc[QSIZE] __attribute__((aligned(16)));
    struct virtq_avail avail __attribute__((aligned(16)));
    struct virtq_used used __attribute__((aligned(16)));
    char buffers[QSIZE][BUF] __attribute__((aligned(16)));
} vq __attribute__((aligned(4096)));

static uintptr_t base;
static uint16_t avail_idx;
static int broken;

static inline uint32_t rd(uint32_t off) { return MMIO32(base + off); }
static inline void wr(uint32_t off, uint32_t v) { MMIO32(base + off) = v; }

static void set_address(uint32_t low, uint32_t high, const volatile void *p)
{
    uint64_t a = (uint64_t)(uintptr_t)p;
    wr(low, (uint32_t)a);
    wr(high, (uint32_t)(a >> 32));
}

int vcons_init(uintptr_t mmio)
{
    base = mmio;
    if (rd(VIRTIO_MAGIC) != MAGIC_VIRT || rd(VIRTIO_VERSION) != 2)
        return -1;
    if (rd(VIRTIO_DEVICE_ID) != DEVICE_CONSOLE)
        return -2;
    wr(VIRTIO_STATUS, 0);                                    /* reset */
    wr(VIRTIO_STATUS, STATUS_ACKNOWLEDGE);
    wr(VIRTIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    wr(VIRTIO_DEVICE_FEATURES_SEL, 1);
    if (!(rd(VIRTIO_DEVICE_FEATURES) & F_VERSION_1_HIGH))
        return -3;
    wr(VIRTIO_DRIVER_FEATURES_SEL, 0);
    wr(VIRTIO_DRIVER_FEATURES, 0);
    wr(VIRTIO_DRIVER_FEATURES_SEL, 1);
    wr(VIRTIO_DRIVER_FEATURES, F_VERSION_1_HIGH);
    wr(VIRTIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    if (!(rd(VIRTIO_STATUS) & STATUS_FEATURES_OK))
        return -4;

    wr(VIRTIO_QUEUE_SEL, TRANSMITQ);
    if (rd(VIRTIO_QUEUE_READY) != 0 || rd(VIRTIO_QUEUE_NUM_MAX) < QSIZE)
        return -5;
    zmemset(&vq, 0, sizeof vq);
    for (int i = 0; i < QSIZE; i++)
        vq.desc[i].addr = (uint64_t)(uintptr_t)vq.buffers[i];
    vq.avail.flags = AVAIL_F_NO_INTERRUPT;
    avail_idx = 0;
    broken = 0;
    DSB();
    wr(VIRTIO_QUEUE_NUM, QSIZE);
    set_address(VIRTIO_QUEUE_DESC_LOW, VIRTIO_QUEUE_DESC_HIGH, vq.desc);
    set_address(VIRTIO_QUEUE_DRIVER_LOW, VIRTIO_QUEUE_DRIVER_HIGH, &vq.avail);
    set_address(VIRTIO_QUEUE_DEVICE_LOW, VIRTIO_QUEUE_DEVICE_HIGH, &vq.used);
    wr(VIRTIO_QUEUE_READY, 1);
    wr(VIRTIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    return 0;
}

int vcons_broken(void)
{
    return broken;
}

/* Waits until slot avail_idx % QSIZE is free; 0 if the device took nothing for a second. */
static int wait_for_slot(void)
{
    uint16_t used = __atomic_load_n(&vq.used.idx, __ATOMIC_ACQUIRE);
    if ((uint16_t)(avail_idx - used) < QSIZE)
        return 1;
    uint64_t start = counter(), second = counter_frequency();
    for (;;) {
        uint16_t now = __atomic_load_n(&vq.used.idx, __ATOMIC_ACQUIRE);
        if ((uint16_t)(avail_idx - now) < QSIZE)
            return 1;
        if (now != used) {                   /* progress: restart the clock */
            used = now;
            start = counter();
        } else if (counter() - start > second) {
            return 0;
        }
    }
}

void vcons_write(const char *s, size_t n)
{
    while (n > 0 && !broken) {
        if (!wait_for_slot()) {
            broken = 1;
            return;
        }
        uint16_t slot = avail_idx % QSIZE;
        size_t chunk = n < BUF ? n : BUF;
        zmemcpy(vq.buffers[slot], s, chunk);
        vq.desc[slot].len = (uint32_t)chunk;
        vq.desc[slot].flags = 0;
        vq.desc[slot].next = 0;
        vq.avail.ring[slot] = slot;
        avail_idx++;
        __atomic_store_n(&vq.avail.idx, avail_idx, __ATOMIC_RELEASE);
        DSB();                                /* the ring before the notification */
        wr(VIRTIO_QUEUE_NOTIFY, TRANSMITQ);
        s += chunk;
        n -= chunk;
    }
}
