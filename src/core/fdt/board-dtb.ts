/**
 * The device tree of a board, or of one zone of it, generated from the Board data. Node names,
 * compatible strings and property layout follow what QEMU's virt machines generate (and what the Linux
 * and OpenSBI bindings expect), so guests configured for QEMU boot unchanged.
 *
 * This file is the part every architecture shares: the root node, memory, /chosen (bootargs, initrd,
 * stdout-path), the reservation block and the walk over the devices. The architecture's own nodes
 * (CPUs, firmware interface, timer) come from arch/<arch>/ through arch/registry.ts, each device's
 * node from its kind's writer (nodes/registry.ts), and every `interrupts` property from the board's
 * interrupt controller, so a PLIC writes one cell and a GIC three.
 *
 * Input picks the CPUs, memory ranges and devices the tree describes, so the zones code can build
 * per-zone trees: a zone's PLIC node then names only the zone's harts in `interrupts-extended`.
 * PCIe host bridges are not described yet (their model comes with the PCIe issue).
 */
import { ramBanks, type AddressRange, type Board, type BoardDevice } from '../../shared/model/board';
import { FdtTree, writeDtb, type FdtCell, type FdtNode } from './fdt-writer';
import { printDts } from './dts';
import { fdtArch } from './arch/registry';
import { deviceNodeWriter } from './nodes/registry';
import { reg, unitName, type FdtArch, type InterruptControllerKind, type IrqRequest, type TreeContext } from './tree-context';

export interface BoardTreeInput {
  readonly board: Board;
  /** CPUs (board CPU numbers: RISC-V hart ids, indexes into an Arm board's mpidrs) the tree describes. */
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

/** The board's interrupt controller: the device every other device's `irq` is a number of. */
interface WiredController {
  readonly device: BoardDevice;
  readonly kind: InterruptControllerKind;
  /** Whether this tree describes it (a zone's tree may leave it out). */
  readonly described: boolean;
}

function selectedDevices(input: BoardTreeInput): BoardDevice[] {
  const { board } = input;
  if (!input.devices) return [...board.devices];
  return input.devices.map((name) => {
    const device = board.devices.find((d) => d.name === name);
    if (!device) throw new Error(`board '${board.name}' has no device '${name}'`);
    return device;
  });
}

function boardController(board: Board, selected: readonly BoardDevice[]): WiredController | undefined {
  const controllers = board.devices.filter((d) => deviceNodeWriter(d.kind)?.controller !== undefined);
  if (controllers.length > 1) {
    throw new Error(`board '${board.name}' has ${controllers.length} interrupt controllers (${controllers.map((d) => `'${d.name}'`).join(', ')}); the board data cannot say which one each device is wired to`);
  }
  const device = controllers[0];
  if (!device) return undefined;
  return { device, kind: deviceNodeWriter(device.kind)!.controller!, described: selected.includes(device) };
}

function treeContext(tree: FdtTree, input: BoardTreeInput, arch: FdtArch, controller: WiredController | undefined): TreeContext {
  const { board } = input;
  const clocks = new Map<string, string>();
  const ctx: TreeContext = {
    tree,
    board,
    harts: input.harts,
    wireInterrupts(node: FdtNode, owner: string, requests: readonly IrqRequest[]): void {
      if (requests.length === 0) return;
      if (!controller) throw new Error(`${owner} has an interrupt but board '${board.name}' has no interrupt controller`);
      if (!controller.described) {
        throw new Error(`${owner} has an interrupt but the tree has no ${controller.kind.title} ('${controller.device.name}', which the board wires it to)`);
      }
      node.cells('interrupts', requests.flatMap((r) => controller.kind.specifier(ctx, controller.device, r, owner)));
      node.reference('interrupt-parent', controller.kind.label);
    },
    interruptMapParent(owner: string, request: IrqRequest): FdtCell[] {
      if (!controller) throw new Error(`${owner} has an interrupt but board '${board.name}' has no interrupt controller`);
      if (!controller.described) {
        throw new Error(`${owner} has an interrupt but the tree has no ${controller.kind.title} ('${controller.device.name}', which the board wires it to)`);
      }
      const label = controller.kind.label;
      const node = findLabelled(tree.root, label);
      const value = node?.property('#address-cells')?.value;
      const first = value?.type === 'cells' ? value.cells[0] : undefined;
      const addressCells = typeof first === 'number' ? first : 0;
      return [{ ref: label }, ...new Array<number>(addressCells).fill(0), ...controller.kind.specifier(ctx, controller.device, request, owner)];
    },
    cpuInterruptController(hart: number): string {
      if (!arch.cpuInterruptController) throw new Error(`board '${board.name}': ${board.arch} CPUs have no interrupt controller node of their own to name`);
      return arch.cpuInterruptController(hart);
    },
    dmaCoherent(node: FdtNode): void {
      if (!arch.dmaCoherentByDefault) node.empty('dma-coherent');
    },
    fixedClock(name: string, hz: number): string {
      const known = clocks.get(name);
      if (known !== undefined) return known;
      const label = name.replace(/[^A-Za-z0-9_]/g, '_');
      const clock = tree.root.addChild(name, label);
      clock.string('compatible', 'fixed-clock').u32('#clock-cells', 0).u32('clock-frequency', hz);
      clock.string('clock-output-names', `clk${hz % 1_000_000 === 0 ? `${hz / 1_000_000}mhz` : `${hz}hz`}`);
      clocks.set(name, label);
      return label;
    },
  };
  return ctx;
}

function findLabelled(node: FdtNode, label: string): FdtNode | undefined {
  if (node.label === label) return node;
  for (const child of node.children) {
    const found = findLabelled(child, label);
    if (found) return found;
  }
  return undefined;
}

export function buildBoardTree(input: BoardTreeInput): FdtTree {
  const { board } = input;
  const arch = fdtArch(board.arch);
  const selected = selectedDevices(input);
  for (const hart of input.harts) {
    if (!Number.isInteger(hart) || hart < 0 || hart >= board.harts) throw new Error(`board '${board.name}' has no hart ${hart}`);
  }
  for (const device of selected) {
    const cpuArch = deviceNodeWriter(device.kind)?.cpuArch;
    if (cpuArch !== undefined && cpuArch !== board.arch) {
      throw new Error(`board '${board.name}' is ${board.arch}, but its device '${device.name}' (${device.kind}) only works with ${cpuArch} CPUs`);
    }
  }

  const tree = new FdtTree();
  const ctx = treeContext(tree, input, arch, boardController(board, selected));
  tree.bootCpuId = input.harts[0] === undefined ? 0 : arch.bootCpuId(board, input.harts[0]);
  for (const r of input.reservations ?? []) tree.reservations.push({ address: r.base, size: r.size });
  const root = tree.root;
  root.u32('#address-cells', 2).u32('#size-cells', 2);
  root.string('compatible', arch.rootCompatible).string('model', `hvisor-workbench,${board.name}`);

  const chosen = root.addChild('chosen');
  arch.addCpus(ctx);
  for (const range of input.memory) {
    const memory = root.addChild(unitName('memory', range.base));
    memory.string('device_type', 'memory');
    reg(memory, [range.base, range.size]);
  }

  const bus = arch.addPlatformNodes(ctx);
  const busPath = bus === root ? '' : `/${bus.name}`;
  // Sorted by address, the usual order for dtc output and readers.
  let stdoutPath: string | undefined;
  for (const device of [...selected].sort((a, b) => a.base - b.base)) {
    const writer = deviceNodeWriter(device.kind);
    if (!writer) continue;
    const node = writer.write(ctx, bus, device);
    if (writer.console && (input.stdout === device.name || (input.stdout === undefined && !stdoutPath))) {
      stdoutPath = `${busPath}/${node.name}`;
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

/** The flattened tree of a board or zone. */
export function boardDtb(input: BoardTreeInput): Uint8Array {
  return writeDtb(buildBoardTree(input));
}

/** The same tree as DTS text. */
export function boardDts(input: BoardTreeInput): string {
  return printDts(buildBoardTree(input));
}

/** The input describing a whole board: every CPU, all of RAM, every device. */
export function wholeBoardInput(board: Board, extra: Partial<Omit<BoardTreeInput, 'board'>> = {}): BoardTreeInput {
  return {
    board,
    harts: Array.from({ length: board.harts }, (_, i) => i),
    memory: [...ramBanks(board)],
    ...extra,
  };
}
