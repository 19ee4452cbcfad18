/**
 * The device tree of a board, or of one zone of it, generated from the Board data. Node names,
 * compatible strings and property layout follow what QEMU's virt machine generates (and what Linux
 * and OpenSBI bindings expect), so guests configured for QEMU boot unchanged.
 *
 * Input picks the harts, memory ranges and devices the tree describes, so the zones code can build
 * per-zone trees: a zone's PLIC node then names only the zone's harts in `interrupts-extended`.
 * PCIe host bridges are not described yet (their model comes with the PCIe issue).
 */
import type { AddressRange, Board, BoardDevice } from '../../shared/model/board';
import { MIP_MEIP, MIP_SEIP } from '../devices/intc/sifive-plic';
import { FdtTree, u64Cells, writeDtb, type FdtCell, type FdtNode } from './fdt-writer';
import { printDts } from './dts';

export interface BoardTreeInput {
  readonly board: Board;
  /** Harts (physical hart ids) the tree describes. */
  readonly harts: readonly number[];
  readonly memory: readonly AddressRange[];
  /** Names of the board devices to describe; all of them when absent. */
  readonly devices?: readonly string[];
  readonly bootargs?: string;
  readonly initrd?: { readonly start: number; readonly end: number };
  /** Ranges for the DTB memory reservation block (e.g. RAM the guest must leave alone). */
  readonly reservations?: readonly AddressRange[];
  /** Device for /chosen/stdout-path; defaults to the first UART described. */
  readonly stdout?: string;
}

/** Interrupt numbers of the hart-local interrupt controller (mip bit numbers). */
const CpuIrq = { ssoft: 1, msoft: 3, mtimer: 7, sext: Math.log2(MIP_SEIP), mext: Math.log2(MIP_MEIP) } as const;
const PLIC_LABEL = 'plic';
const FINISHER_PASS = 0x5555;
const FINISHER_RESET = 0x7777;

export function intcLabel(hart: number): string {
  return `cpu${hart}_intc`;
}

function unitName(prefix: string, address: number): string {
  return `${prefix}@${address.toString(16)}`;
}

function reg(node: FdtNode, ...ranges: [number, number][]): void {
  node.cells('reg', ranges.flatMap(([base, size]) => [...u64Cells(base), ...u64Cells(size)]));
}

/** `<&cpuN_intc irq ...>` for each hart and each of `irqs`. */
function perHart(harts: readonly number[], irqs: readonly number[]): FdtCell[] {
  return harts.flatMap((hart) => irqs.flatMap((irq) => [{ ref: intcLabel(hart) }, irq]));
}

function irqsOf(device: BoardDevice): number[] {
  if (device.irq === undefined) return [];
  return typeof device.irq === 'number' ? [device.irq] : [...device.irq];
}

function numberProp(device: BoardDevice, name: string, fallback: number): number {
  const value = device.props?.[name];
  return typeof value === 'number' ? value : fallback;
}

export function buildBoardTree(input: BoardTreeInput): FdtTree {
  const { board } = input;
  const selected = input.devices
    ? input.devices.map((name) => {
        const device = board.devices.find((d) => d.name === name);
        if (!device) throw new Error(`board '${board.name}' has no device '${name}'`);
        return device;
      })
    : [...board.devices];
  for (const hart of input.harts) {
    if (!Number.isInteger(hart) || hart < 0 || hart >= board.harts) throw new Error(`board '${board.name}' has no hart ${hart}`);
  }
  const hasPlic = selected.some((d) => d.kind === 'sifive-plic');

  const tree = new FdtTree();
  tree.bootCpuId = input.harts[0] ?? 0;
  for (const r of input.reservations ?? []) tree.reservations.push({ address: r.base, size: r.size });
  const root = tree.root;
  root.u32('#address-cells', 2).u32('#size-cells', 2);
  root.string('compatible', 'riscv-virtio').string('model', `hvisor-workbench,${board.name}`);

  const chosen = root.addChild('chosen');
  addCpus(tree, input);
  for (const range of input.memory) {
    const memory = root.addChild(unitName('memory', range.base));
    memory.string('device_type', 'memory');
    reg(memory, [range.base, range.size]);
  }

  const soc = root.addChild('soc');
  soc.u32('#address-cells', 2).u32('#size-cells', 2).string('compatible', 'simple-bus').empty('ranges');
  // Sorted by address, the usual order for dtc output and readers.
  let stdoutPath: string | undefined;
  for (const device of [...selected].sort((a, b) => a.base - b.base)) {
    if (irqsOf(device).length > 0 && device.kind !== 'pci-host-ecam' && !hasPlic) {
      throw new Error(`device '${device.name}' has an interrupt but the tree has no PLIC`);
    }
    const path = addDevice(tree, soc, device, input);
    if (device.kind === 'ns16550a' && path && (input.stdout === device.name || (input.stdout === undefined && !stdoutPath))) {
      stdoutPath = path;
    }
  }

  if (input.bootargs !== undefined) chosen.string('bootargs', input.bootargs);
  if (stdoutPath) chosen.string('stdout-path', stdoutPath);
  if (input.initrd) {
    chosen.u64('linux,initrd-start', input.initrd.start);
    chosen.u64('linux,initrd-end', input.initrd.end);
  }
  return tree;
}

function addCpus(tree: FdtTree, input: BoardTreeInput): void {
  const { board } = input;
  const cpus = tree.root.addChild('cpus');
  cpus.u32('#address-cells', 1).u32('#size-cells', 0).u32('timebase-frequency', board.timebaseFrequency);
  for (const hart of input.harts) {
    const cpu = cpus.addChild(unitName('cpu', hart));
    cpu.string('device_type', 'cpu').u32('reg', hart).string('status', 'okay').string('compatible', 'riscv');
    cpu.string('riscv,isa', board.isa).string('riscv,isa-base', board.isaBase).strings('riscv,isa-extensions', board.isaExtensions);
    cpu.string('mmu-type', board.mmuType);
    const intc = cpu.addChild('interrupt-controller', intcLabel(hart));
    // #address-cells = 0 marks it as a provider no interrupt-map can address (dtc checks this).
    intc.u32('#interrupt-cells', 1).u32('#address-cells', 0).empty('interrupt-controller').string('compatible', 'riscv,cpu-intc');
  }
}

/** Adds one device node; returns its path, or undefined for kinds not described. */
function addDevice(tree: FdtTree, soc: FdtNode, device: BoardDevice, input: BoardTreeInput): string | undefined {
  const { harts } = input;
  const irqs = irqsOf(device);
  const interruptsFromPlic = (node: FdtNode): void => {
    node.u32('interrupts', ...irqs).reference('interrupt-parent', PLIC_LABEL);
  };
  let node: FdtNode;
  switch (device.kind) {
    case 'sifive-plic':
      node = soc.addChild(unitName('plic', device.base), PLIC_LABEL);
      node.u32('#interrupt-cells', 1).u32('#address-cells', 0);
      node.strings('compatible', ['sifive,plic-1.0.0', 'riscv,plic0']).empty('interrupt-controller');
      // Context order = order of this list: M then S of each hart, as the driver expects.
      node.cells('interrupts-extended', perHart(harts, [CpuIrq.mext, CpuIrq.sext]));
      reg(node, [device.base, device.size]);
      node.u32('riscv,ndev', numberProp(device, 'sources', 95));
      break;
    case 'ns16550a':
      node = soc.addChild(unitName('serial', device.base));
      node.string('compatible', 'ns16550a');
      reg(node, [device.base, device.size]);
      node.u32('clock-frequency', numberProp(device, 'clockFrequency', 3_686_400));
      interruptsFromPlic(node);
      break;
    case 'aclint-mswi':
      node = soc.addChild(unitName('mswi', device.base));
      node.string('compatible', 'riscv,aclint-mswi');
      reg(node, [device.base, device.size]);
      node.cells('interrupts-extended', perHart(harts, [CpuIrq.msoft]));
      node.empty('interrupt-controller').u32('#interrupt-cells', 0).u32('#address-cells', 0);
      break;
    case 'aclint-mtimer': {
      // OpenSBI reads MTIME from the first reg entry and MTIMECMP from the second; the unit address
      // follows the first entry as the devicetree spec asks.
      const mtime = device.base + numberProp(device, 'mtimeOffset', 0x7ff8);
      node = soc.addChild(unitName('mtimer', mtime));
      node.string('compatible', 'riscv,aclint-mtimer');
      reg(node, [mtime, 8], [device.base, mtime - device.base]);
      node.cells('interrupts-extended', perHart(harts, [CpuIrq.mtimer]));
      break;
    }
    case 'aclint-sswi':
      node = soc.addChild(unitName('sswi', device.base));
      node.string('compatible', 'riscv,aclint-sswi');
      reg(node, [device.base, device.size]);
      node.cells('interrupts-extended', perHart(harts, [CpuIrq.ssoft]));
      node.empty('interrupt-controller').u32('#interrupt-cells', 0).u32('#address-cells', 0);
      break;
    case 'sifive-test': {
      const label = `${device.name}_finisher`;
      node = soc.addChild(unitName('test', device.base), label);
      node.strings('compatible', ['sifive,test1', 'sifive,test0', 'syscon']);
      reg(node, [device.base, device.size]);
      const poweroff = tree.root.addChild('poweroff');
      poweroff.string('compatible', 'syscon-poweroff').reference('regmap', label).u32('offset', 0).u32('value', FINISHER_PASS);
      const reboot = tree.root.addChild('reboot');
      reboot.string('compatible', 'syscon-reboot').reference('regmap', label).u32('offset', 0).u32('value', FINISHER_RESET);
      break;
    }
    case 'goldfish-rtc':
      node = soc.addChild(unitName('rtc', device.base));
      node.string('compatible', 'google,goldfish-rtc');
      reg(node, [device.base, device.size]);
      interruptsFromPlic(node);
      break;
    case 'virtio-mmio':
      node = soc.addChild(unitName('virtio_mmio', device.base));
      node.string('compatible', 'virtio,mmio');
      reg(node, [device.base, device.size]);
      interruptsFromPlic(node);
      node.string('status', 'okay');
      break;
    case 'pci-host-ecam':
      return undefined;
  }
  return `/soc/${node.name}`;
}

/** The flattened tree of a board or zone. */
export function boardDtb(input: BoardTreeInput): Uint8Array {
  return writeDtb(buildBoardTree(input));
}

/** The same tree as DTS text. */
export function boardDts(input: BoardTreeInput): string {
  return printDts(buildBoardTree(input));
}

/** The input describing a whole board: every hart, all of RAM, every device. */
export function wholeBoardInput(board: Board, extra: Partial<Omit<BoardTreeInput, 'board'>> = {}): BoardTreeInput {
  return {
    board,
    harts: Array.from({ length: board.harts }, (_, i) => i),
    memory: [board.ram],
    ...extra,
  };
}
