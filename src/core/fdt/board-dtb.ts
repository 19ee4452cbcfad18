/**
 * The device tree of a board, or of one zone of it, generated from the Board data. Node names,
 * compatible strings and property layout follow what QEMU's virt machines generate (and what the Linux
 * and OpenSBI bindings expect), so guests configured for QEMU boot unchanged.
 *
 * This file is the part every architecture shares: the root node, memory, /chosen (bootargs, initrd,
 * stdout-path), the reservation block and the walk over the devices. The architecture's own nodes
 * (CPUs, firmware interface, timer) come from arch/<arch>/ through arch/registry.ts, each device's
 * node from its kind's writer (nodes/registry.ts), and every `interrupts` property from the board's
 * interrupt controller, so a PLIC writes one cell and a GIC three; a device whose `interruptParent` prop
 * names another controller (a cascade: a 7A2000 UART on the PCH-PIC) is described through that one.
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
  /** Device for /chosen/stdout-path; defaults to the first UART of the board's list described (its console). */
  readonly stdout?: string;
  /**
   * /chosen/rng-seed: bytes Linux credits as entropy at boot (drivers/of/fdt.c), as QEMU's virt machines
   * put 32 random bytes there (hw/riscv/virt.c, hw/arm/virt.c). Without them the kernel's random pool
   * stays uninitialised until /init and mixes every event into it with BLAKE2s on the way (decision 0014).
   */
  readonly rngSeed?: Uint8Array;
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

/** The controller a device's `interruptParent` prop names (a cascade such as PCH-PIC -> EIOINTC), if any. */
function namedController(board: Board, selected: readonly BoardDevice[], device: BoardDevice | undefined): WiredController | undefined {
  const parent = device?.props?.['interruptParent'];
  if (typeof parent !== 'string') return undefined;
  const named = board.devices.find((d) => d.name === parent);
  const kind = named ? deviceNodeWriter(named.kind)?.controller : undefined;
  if (!named || !kind) throw new Error(`board '${board.name}': device '${device!.name}' names interrupt parent '${parent}', which is not an interrupt controller of the board`);
  return { device: named, kind, described: selected.includes(named) };
}

function boardController(board: Board, selected: readonly BoardDevice[]): WiredController | undefined {
  // Controllers some device names as its interruptParent are reached that way, not by default.
  const named = new Set(board.devices.map((d) => d.props?.['interruptParent']).filter((p) => typeof p === 'string'));
  const controllers = board.devices.filter((d) => deviceNodeWriter(d.kind)?.controller !== undefined && !named.has(d.name) && d.props?.['interruptParent'] === undefined);
  if (controllers.length > 1) {
    throw new Error(`board '${board.name}' has ${controllers.length} interrupt controllers (${controllers.map((d) => `'${d.name}'`).join(', ')}); the board data cannot say which one each device is wired to`);
  }
  const device = controllers[0];
  if (!device) return undefined;
  return { device, kind: deviceNodeWriter(device.kind)!.controller!, described: selected.includes(device) };
}

function treeContext(tree: FdtTree, input: BoardTreeInput, arch: FdtArch, primary: WiredController | undefined, current: () => BoardDevice | undefined): TreeContext {
  const { board } = input;
  const clocks = new Map<string, string>();
  const selected = selectedDevices(input);
  const ctx: TreeContext = {
    tree,
    board,
    harts: input.harts,
    wireInterrupts(node: FdtNode, owner: string, requests: readonly IrqRequest[]): void {
      if (requests.length === 0) return;
      if (arch.injectedIrqsOnCpu && current()?.props?.['hvisorInjected'] === true) {
        // hvisor injects it into the zone's CPU as that CPU-controller line (FdtArch.injectedIrqsOnCpu).
        node.cells('interrupts', requests.map((r) => r.irq));
        node.reference('interrupt-parent', ctx.cpuInterruptController(input.harts[0] ?? 0));
        return;
      }
      const controller = namedController(board, selected, current()) ?? primary;
      if (!controller) throw new Error(`${owner} has an interrupt but board '${board.name}' has no interrupt controller`);
      if (!controller.described) {
        throw new Error(`${owner} has an interrupt but the tree has no ${controller.kind.title} ('${controller.device.name}', which the board wires it to)`);
      }
      node.cells('interrupts', requests.flatMap((r) => controller.kind.specifier(ctx, controller.device, r, owner)));
      node.reference('interrupt-parent', controller.kind.label);
    },
    interruptMapParent(owner: string, request: IrqRequest): FdtCell[] {
      const controller = namedController(board, selected, current()) ?? primary;
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
  let current: BoardDevice | undefined;
  const ctx = treeContext(tree, input, arch, boardController(board, selected), () => current);
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
  const stdout = input.stdout ?? board.devices.find((d) => selected.includes(d) && deviceNodeWriter(d.kind)?.console)?.name;
  for (const device of [...selected].sort((a, b) => a.base - b.base)) {
    const writer = deviceNodeWriter(device.kind);
    if (!writer) continue;
    current = device;
    const node = writer.write(ctx, bus, device);
    current = undefined;
    if (writer.console && stdout === device.name) {
      stdoutPath = `${busPath}/${node.name}`;
    }
  }

  if (input.bootargs !== undefined) chosen.string('bootargs', input.bootargs);
  if (input.rngSeed) chosen.bytes('rng-seed', input.rngSeed);
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
