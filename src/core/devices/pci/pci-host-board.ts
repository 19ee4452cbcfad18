/**
 * A `pci-host-ecam` board device's props read into the host's windows, with errors naming the device:
 * what the machine's model, the device tree and the management side's host all read, so that they
 * cannot disagree. Props: busRange [first, last]; pioBase, pioSize (the CPU address of PCI I/O address
 * `pioPciBase`, default 0); mmio32Base, mmio32Size; optionally mmio64Base, mmio64Size (PCI address =
 * CPU address, as on QEMU's virt machines and in hvisor's HvPciConfig pci_mem32_base/pci_mem64_base).
 */
import type { Board, BoardDevice } from '../../../shared/model/board';
import type { PciHostWindow } from './pci-host-ecam-generic';

export interface PciHostWindows {
  readonly busRange: readonly [number, number];
  readonly io: PciHostWindow;
  readonly mem32: PciHostWindow;
  readonly mem64?: PciHostWindow;
  /** The board lines of INTA..INTD at slot 0. */
  readonly intxLines?: readonly [number, number, number, number];
}

/**
 * The functions plugged into a host besides its bridge, from its `functions` prop ("<type>:<slot>",
 * e.g. "virtio-blk-pci:1"), in order: function i has shared state block i + 1 (block 0 is the bridge's).
 */
export function pciFunctionsOf(device: BoardDevice): { readonly type: string; readonly slot: number }[] {
  const list = device.props?.['functions'];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new Error(`device '${device.name}' (${device.kind}): prop 'functions' must be a list of "<type>:<slot>"`);
  return (list as readonly unknown[]).map((entry) => {
    const match = typeof entry === 'string' ? /^([a-z0-9-]+):(\d+)$/.exec(entry) : null;
    const slot = match ? Number(match[2]) : NaN;
    if (!match || !(slot >= 1 && slot <= 31)) throw new Error(`device '${device.name}' (${device.kind}): function ${JSON.stringify(entry)} is not "<type>:<slot 1..31>"`);
    return { type: match[1]!, slot };
  });
}

/** The board with functions plugged into its (first) PCIe host, for a layout's `pci` list. */
export function withPciFunctions(board: Board, functions: readonly { readonly type: string; readonly slot: number }[]): Board {
  if (functions.length === 0) return board;
  const host = board.devices.find((d) => d.kind === 'pci-host-ecam');
  if (!host) throw new Error(`board '${board.name}' has no PCIe host (pci-host-ecam) to plug functions into`);
  const plugged: BoardDevice = { ...host, props: { ...host.props, functions: functions.map((f) => `${f.type}:${f.slot}`) } };
  return { ...board, devices: board.devices.map((d) => (d === host ? plugged : d)) } as Board;
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
