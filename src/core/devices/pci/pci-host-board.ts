/**
 * A `pci-host-ecam` board device's props read into the host's windows, with errors naming the device:
 * what the machine's model, the device tree and the management side's host all read, so that they
 * cannot disagree. Props: busRange [first, last]; pioBase, pioSize (the CPU address of PCI I/O address
 * `pioPciBase`, default 0); mmio32Base, mmio32Size; optionally mmio64Base, mmio64Size (PCI address =
 * CPU address, as on QEMU's virt machines and in hvisor's HvPciConfig pci_mem32_base/pci_mem64_base).
 */
import type { BoardDevice } from '../../../shared/model/board';
import type { PciHostWindow } from './pci-host-ecam-generic';

export interface PciHostWindows {
  readonly busRange: readonly [number, number];
  readonly io: PciHostWindow;
  readonly mem32: PciHostWindow;
  readonly mem64?: PciHostWindow;
  /** The board lines of INTA..INTD at slot 0. */
  readonly intxLines?: readonly [number, number, number, number];
}

export function pciHostWindows(device: BoardDevice): PciHostWindows {
  const owner = `device '${device.name}' (${device.kind})`;
  const num = (name: string, fallback?: number): number => {
    const v = device.props?.[name];
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
    if (v === undefined && fallback !== undefined) return fallback;
    throw new Error(`${owner}: prop '${name}' must be a non-negative integer`);
  };
  const range = device.props?.['busRange'];
  if (!Array.isArray(range) || range.length !== 2 || !range.every((n) => typeof n === 'number')) throw new Error(`${owner}: prop 'busRange' must be [first, last]`);
  const [first, last] = range as readonly number[];
  if (!(first! >= 0 && last! <= 0xff && first! <= last!)) throw new Error(`${owner}: busRange ${first}..${last} is not inside 0..255`);
  const busCount = last! - first! + 1;
  if (device.size < busCount * 0x10_0000) throw new Error(`${owner}: the ECAM window of ${device.size} bytes is smaller than ${busCount} buses of 1 MiB`);
  const irqs = device.irq === undefined ? [] : typeof device.irq === 'number' ? [device.irq] : [...device.irq];
  if (irqs.length !== 0 && irqs.length !== 4) throw new Error(`${owner}: needs 4 interrupts (INTA..INTD at slot 0), has ${irqs.length}`);
  const hasMem64 = device.props?.['mmio64Base'] !== undefined;
  return {
    busRange: [first!, last!],
    io: { cpuBase: num('pioBase'), pciBase: num('pioPciBase', 0), size: num('pioSize') },
    mem32: { cpuBase: num('mmio32Base'), pciBase: num('mmio32Base'), size: num('mmio32Size') },
    ...(hasMem64 ? { mem64: { cpuBase: num('mmio64Base'), pciBase: num('mmio64Base'), size: num('mmio64Size') } } : {}),
    ...(irqs.length === 4 ? { intxLines: irqs as [number, number, number, number] } : {}),
  };
}
