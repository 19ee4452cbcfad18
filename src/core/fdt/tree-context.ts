/**
 * The seams of the device-tree builder (board-dtb.ts): what an architecture contributes (FdtArch: CPU
 * nodes, its own root-level nodes, where devices sit), what a device kind contributes (DeviceNodeWriter:
 * its node), and how a device's interrupts reach the tree: the board's interrupt controller writes the
 * specifier (InterruptControllerKind), so a PLIC gives one cell per source and a GIC three cells.
 * Which board device is wired to which controller is the board's; here a board has one controller
 * that every device's `irq` goes to (hvisor's boards have no cascaded controllers).
 */
import type { Board, BoardArch, BoardDevice } from '../../shared/model/board';
import { u64Cells, type FdtCell, type FdtNode, type FdtTree } from './fdt-writer';

/** How an interrupt line is sensed, as the controllers' bindings name it. */
export type IrqTrigger = 'level-high' | 'edge-rising';

/** One interrupt a node asks its controller to describe. */
export interface IrqRequest {
  /** The board's number for it: a PLIC source, a GIC INTID. */
  readonly irq: number;
  readonly trigger: IrqTrigger;
  /** A CPU-private interrupt (an Arm PPI), one per CPU of the tree rather than one shared line. */
  readonly perCpu?: boolean;
}

/** What the builder knows while it writes one tree. */
export interface TreeContext {
  readonly tree: FdtTree;
  readonly board: Board;
  /** The CPUs (board CPU numbers) the tree describes, boot CPU first. */
  readonly harts: readonly number[];
  /**
   * Writes `interrupts` and `interrupt-parent` of `node` through the interrupt controller the board
   * wires `owner` to; throws, naming `owner`, when the tree leaves that controller out or it cannot
   * describe a request.
   */
  wireInterrupts(node: FdtNode, owner: string, requests: readonly IrqRequest[]): void;
  /**
   * The parent half of one `interrupt-map` entry for `request` (a PCI host's INTx lines): the
   * controller's phandle, its unit address (as many zero cells as its #address-cells) and its
   * specifier; throws like wireInterrupts.
   */
  interruptMapParent(owner: string, request: IrqRequest): FdtCell[];
  /** The label of a CPU's own interrupt controller node, for controllers that signal CPUs directly. */
  cpuInterruptController(hart: number): string;
  /** Marks a bus master's node as cache-coherent where the architecture assumes otherwise. */
  dmaCoherent(node: FdtNode): void;
  /** The label of a `fixed-clock` node at the root, created the first time a name is asked for. */
  fixedClock(name: string, hz: number): string;
}

/** What one architecture puts in a tree. */
export interface FdtArch {
  /** The root node's `compatible`. */
  readonly rootCompatible: string;
  /** Whether Linux on this architecture treats DMA as coherent unless a node says `dma-coherent`. */
  readonly dmaCoherentByDefault: boolean;
  /** The DTB header's boot_cpuid_phys for a board CPU: what that CPU's node has as `reg`. */
  bootCpuId(board: Board, hart: number): number;
  /** The /cpus node and one node per CPU of the tree. */
  addCpus(ctx: TreeContext): void;
  /**
   * The `reg` addCpus gives each of a tree's CPUs, in order, where it is not the CPU's own number
   * (loongarch64 under hvisor: the CPU's index in the zone, what its CPUID reads). The zone DTB check
   * expects these.
   */
  treeCpuIds?(harts: readonly number[]): number[];
  /**
   * Whether the IRQ hvisor injects into a zone for a virtio device is a line of the CPU's own interrupt
   * controller rather than an input of the board's: loongarch64's inject_irq takes an ESTAT.IS bit
   * (src/device/irqchip/ls7a2000/mod.rs:114-139), and hvisor's zone trees describe the device with
   * `interrupt-parent = <&cpuintc>; interrupts = <4>` (platform/loongarch64/ls3a5000/image/dts/
   * zone1-linux.dts:73-92). Such a device carries the `hvisorInjected` prop (zone-dtb.ts).
   */
  readonly injectedIrqsOnCpu?: boolean;
  /** The label of a CPU's interrupt controller node; absent where CPUs have none in the tree. */
  cpuInterruptController?(hart: number): string;
  /** The architecture's own nodes (firmware interface, timers); returns the node devices go under. */
  addPlatformNodes(ctx: TreeContext): FdtNode;
}

/** How an interrupt controller describes the interrupts wired to it. */
export interface InterruptControllerKind {
  /** What error messages call it: "PLIC", "GICv3". */
  readonly title: string;
  /** The label its node has, which `interrupt-parent` refers to. */
  readonly label: string;
  /** The `interrupts` cells of one request from `owner`; throws naming `owner` when it cannot. */
  specifier(ctx: TreeContext, controller: BoardDevice, request: IrqRequest, owner: string): FdtCell[];
}

/** Writes the node of one device kind. */
export interface DeviceNodeWriter {
  /** The CPU architecture the device only works with (it signals that architecture's CPUs). */
  readonly cpuArch?: BoardArch;
  /** Set for the interrupt controller other devices' `irq` numbers belong to. */
  readonly controller?: InterruptControllerKind;
  /** A UART that /chosen/stdout-path may name. */
  readonly console?: boolean;
  /** Adds the device's node under `bus` and returns it. */
  write(ctx: TreeContext, bus: FdtNode, device: BoardDevice): FdtNode;
}

export function unitName(prefix: string, address: number): string {
  return `${prefix}@${address.toString(16)}`;
}

/** `reg` of 64-bit address and size pairs (the #address-cells = #size-cells = 2 of the trees' buses). */
export function reg(node: FdtNode, ...ranges: [number, number][]): void {
  node.cells('reg', ranges.flatMap(([base, size]) => [...u64Cells(base), ...u64Cells(size)]));
}

export function irqsOf(device: BoardDevice): number[] {
  if (device.irq === undefined) return [];
  return typeof device.irq === 'number' ? [device.irq] : [...device.irq];
}

export function numberProp(device: BoardDevice, name: string, fallback: number): number {
  const value = device.props?.[name];
  return typeof value === 'number' ? value : fallback;
}

/** A device's own interrupts, all sensed the same way. */
export function deviceIrqs(device: BoardDevice, trigger: IrqTrigger): IrqRequest[] {
  return irqsOf(device).map((irq) => ({ irq, trigger }));
}
