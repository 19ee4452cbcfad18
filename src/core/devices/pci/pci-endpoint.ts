/**
 * What a PCI function on the host's bus is to the host bridge: a configuration space and the handlers
 * of its BARs. The host owns the decode (which BAR an address of its windows reaches, whether the
 * command register lets it), the INTx wiring and the function's ways out (DMA, MSI); a function only
 * answers offsets inside its own BARs, so a BAR the guest moves needs nothing of the function.
 */
import type { PciConfigSpace } from './pci-config-space';
import type { DmaPort } from '../../bus/dma';
import type { MsiSink } from '../../bus/msi';

/** bus << 8 | device << 3 | function: the requester id of PCIe, the stream id an IOMMU sees. */
export type Bdf = number;

export const bdfOf = (bus: number, device: number, fn: number): Bdf => ((bus & 0xff) << 8) | ((device & 0x1f) << 3) | (fn & 7);

/** "00:01.0", as lspci writes it. */
export function formatBdf(bdf: Bdf): string {
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${h(bdf >> 8, 2)}:${h((bdf >> 3) & 0x1f, 2)}.${bdf & 7}`;
}

/** What the host gives a function when it is plugged in. */
export interface PciSlot {
  readonly bdf: Bdf;
  /** Drive the function's INTx pin (the host swizzles it to a board line and honours Interrupt Disable). */
  setIntx(level: boolean): void;
  /**
   * The function's one way into memory: every DMA access names this function (stream id = BDF) and
   * goes through the IOMMU hook the host was given, then must reach RAM. Refused while Bus Master is off.
   */
  readonly dma: DmaPort;
  /** Where MSI / MSI-X writes go (noMsiSink on a board without an MSI controller). */
  readonly msi: MsiSink;
  /** A guest error worth a report (naming the function), rate-limited by the host. */
  report(message: string): void;
}

export interface PciEndpoint {
  /** Short name for reports and the inspector: 'virtio-blk-pci'. */
  readonly name: string;
  readonly config: PciConfigSpace;
  /** Called once by the host before anything else. */
  plug(slot: PciSlot): void;
  /** An access inside BAR `bar` at `offset` from its base (the host checked decode and bounds). */
  barRead(bar: number, offset: number, size: 1 | 2 | 4): number;
  barWrite(bar: number, offset: number, size: 1 | 2 | 4, value: number): void;
  /** After a configuration write landed (capability registers with side effects: MSI-X enable). */
  configWritten?(offset: number, size: number): void;
  /** Machine reset: the function's own state (the host resets the configuration space). */
  reset(): void;
}
