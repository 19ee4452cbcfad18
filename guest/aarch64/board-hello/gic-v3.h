/* gic-v3.h: the GICv3 as the board-hello drives it: the distributor routes one SPI to CPU 0 (affinity 0),
 * CPU 0's redistributor (the first frame) is woken, and the ICC system registers acknowledge and end
 * Group 1 interrupts. GICD and GICR are the board's (boards/<board>.h). */
#define GICD_CTLR 0x0000
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_IPRIORITYR 0x0400
#define GICD_IROUTER 0x6000
#define GICR_WAKER 0x0014
#define ICC_PMR_EL1 "s3_0_c4_c6_0"
#define ICC_IAR1_EL1 "s3_0_c12_c12_0"
#define ICC_EOIR1_EL1 "s3_0_c12_c12_1"
#define ICC_BPR1_EL1 "s3_0_c12_c12_3"
#define ICC_CTLR_EL1 "s3_0_c12_c12_4"
#define ICC_SRE_EL1 "s3_0_c12_c12_5"
#define ICC_IGRPEN1_EL1 "s3_0_c12_c12_7"

static void gic_init(unsigned intid) {
    w32(GICD + GICD_CTLR, 0);
    w32(GICD + GICD_IGROUPR + 4 * (intid / 32), 0xffffffffu);
    w8(GICD + GICD_IPRIORITYR + intid, 0xa0);
    w64(GICD + GICD_IROUTER + 8 * intid, 0);
    w32(GICD + GICD_ISENABLER + 4 * (intid / 32), 1u << (intid % 32));
    w32(GICD + GICD_CTLR, (1u << 4) | 2u);
    w32(GICR + GICR_WAKER, r32(GICR + GICR_WAKER) & ~2u);
    while (r32(GICR + GICR_WAKER) & 4u) { }
    MSR(ICC_SRE_EL1, MRS(ICC_SRE_EL1) | 1);
    ISB();
    MSR(ICC_PMR_EL1, 0xf0);
    MSR(ICC_BPR1_EL1, 0);
    MSR(ICC_CTLR_EL1, 0);
    MSR(ICC_IGRPEN1_EL1, 1);
    ISB();
}

static uint32_t gic_acknowledge(void) {
    return (uint32_t)MRS(ICC_IAR1_EL1) & 0xffffff;
}

static void gic_end(uint32_t intid) {
    MSR(ICC_EOIR1_EL1, intid);
    ISB();
}
