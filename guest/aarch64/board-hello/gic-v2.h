/* gic-v2.h: the GICv2 (GIC-400) as the board-hello drives it: the distributor sends one SPI to CPU
 * interface 0 (ITARGETSR), the memory-mapped CPU interface acknowledges (GICC_IAR) and ends (GICC_EOIR).
 * GICD and GICC are the board's (boards/<board>.h; on the ZynqMP GICC is gicc_base + 0xF000, the
 * contiguous 8 KiB view of its 64 KiB-aligned frames, as hvisor's gicc_offset and Linux use it). */
#define GICD_CTLR 0x000
#define GICD_ISENABLER 0x100
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10

static void gic_init(unsigned intid) {
    w8(GICD + GICD_IPRIORITYR + intid, 0xa0);
    w8(GICD + GICD_ITARGETSR + intid, 1);
    w32(GICD + GICD_ISENABLER + 4 * (intid / 32), 1u << (intid % 32));
    w32(GICD + GICD_CTLR, 1);
    w32(GICC + GICC_PMR, 0xf0);
    w32(GICC + GICC_CTLR, 1);
}

static uint32_t gic_acknowledge(void) {
    return r32(GICC + GICC_IAR) & 0x3ff;
}

static void gic_end(uint32_t intid) {
    w32(GICC + GICC_EOIR, intid);
}
