/**
 * Message-signalled interrupts as the bus sees them: a device (a PCI function's MSI or MSI-X
 * capability, later an APLIC in MSI mode) signals an interrupt by writing `data` to `address`. Who
 * answers is an MSI sink: the board's MSI controller (a RISC-V IMSIC interrupt file, an Arm GICv3 ITS's
 * GITS_TRANSLATER, a GICv2m frame). The sink decides what the write means: an IMSIC takes the low 32
 * bits of data as the interrupt identity of the file at `address`; an ITS takes data as the EventID of
 * the requester's DeviceID.
 *
 * The requester is named so that a sink (or an IOMMU's interrupt remapping in front of it) can check it,
 * and so that a refused message is reported naming the device. A board without an MSI controller has
 * no sink: its devices see that (msi-parent is absent from the device tree) and use wired interrupts.
 *
 * Left out: MSI write ordering against the device's DMA (deliver() is called after the device's data
 * writes are done, which is the order PCIe guarantees for posted writes from one requester).
 */

/** Who sent a message: the zone's view is not known here, only the physical requester. */
export interface MsiRequester {
  /** The device as reports name it (e.g. 'virtio-blk-pci 00:01.0'). */
  readonly device: string;
  /** PCI requester id (bus << 8 | device << 3 | function), the ITS DeviceID / IOMMU device id. */
  readonly requesterId: number;
}

/** A refused message, with the reason a report shows. */
export interface MsiRefusal {
  readonly refused: string;
}

/** Whatever accepts MSI writes at some physical addresses: an IMSIC, an ITS, a GICv2m frame. */
export interface MsiSink {
  /**
   * Delivers one message: `data` (32 bits, unsigned) written to physical `address`. Returns undefined
   * when it was taken, or a refusal (no interrupt file at that address, an identity out of range...).
   * Must not throw for anything a guest can program.
   */
  deliver(requester: MsiRequester, address: number, data: number): MsiRefusal | undefined;
}

/** A sink that refuses everything: what a device's MSI writes meet on a board without an MSI controller. */
export const noMsiSink: MsiSink = {
  deliver: (_requester, address) => ({ refused: `no MSI controller on this board answers at 0x${address.toString(16)}` }),
};
