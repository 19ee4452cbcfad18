/**
 * Checks a user's device tree (dtb_filepath) against the zone it is loaded for: the memory it
 * promises, the harts it names, the interrupt numbers its devices use and the virtio-mmio windows.
 * hvisor loads the blob without looking; a disagreement shows up later as a guest fault or a device
 * that never interrupts, so each one is reported here with the node path.
 *
 * Interrupt specifiers are decoded as a guest's kernel decodes them: `interrupts` with the
 * `#interrupt-cells` of the node's interrupt parent (its own or an ancestor's `interrupt-parent`, else
 * its parent node), `interrupts-extended` entry by entry with each controller's `#interrupt-cells`.
 * Each controller kind reads its own specifiers: a PLIC's one cell is the source; a GIC's SPI
 * <0 n flags> is INTID n + 32, the number hvisor's zone configs use. GIC PPIs (the CPUs' own timer and
 * maintenance interrupts) and other controllers' numbers are not checked. /cpus `reg` is compared with
 * the zone's CPU numbers as they are: a RISC-V hart id, an Arm MPIDR (equal on QEMU's virt boards).
 */
import type { ZoneConfig, ZoneFinding } from '../../shared/model/zone-config';
import { fdtArch } from '../fdt/arch/registry';
import { cells, readDtb, stringList, stringProperty, walk, type FdtReadNode } from '../fdt/fdt-reader';

export interface VirtioWindow {
  readonly addr: number;
  readonly len: number;
  readonly irq: number;
}

/** How one kind of interrupt controller's specifiers name the interrupt numbers zone configs use. */
interface SpecifierReader {
  /** compatible strings of the controller (Linux's irqchip drivers). */
  readonly compatibles: readonly string[];
  /** The zone's virtual controller, as error messages name it. */
  readonly virtualName: string;
  /** The shared interrupt a specifier names, or undefined for one not checked against the zone. */
  readonly number: (cells: readonly number[]) => number | undefined;
  /** The specifier as a finding quotes it. */
  readonly text: (cells: readonly number[], irq: number) => string;
  /** The line reaches the zone whatever its interrupts list says (hvisor passes it through). */
  readonly alwaysDelivered?: boolean;
}

const GIC_SPI = 0;
const GIC_FIRST_SPI = 32;

const SPECIFIER_READERS: readonly SpecifierReader[] = [
  // drivers/irqchip/irq-sifive-plic.c
  { compatibles: ['riscv,plic0', 'sifive,plic-1.0.0', 'thead,c900-plic'], virtualName: 'vPLIC', number: (c) => c[0], text: (_c, irq) => `<${irq}>` },
  // drivers/irqchip/irq-gic.c and irq-gic-v3.c
  {
    compatibles: ['arm,gic-v3', 'arm,cortex-a15-gic', 'arm,cortex-a9-gic', 'arm,cortex-a7-gic', 'arm,gic-400', 'arm,arm11mp-gic'],
    virtualName: 'vGIC',
    number: (c) => (c[0] === GIC_SPI && c[1] !== undefined ? c[1] + GIC_FIRST_SPI : undefined),
    text: (c, irq) => `<${c.join(' ')}> (SPI ${c[1]}, INTID ${irq})`,
  },
  // drivers/irqchip/irq-loongarch-cpu.c: one cell, the ESTAT.IS line. hvisor sets GINTC.HWIP = 0xff
  // (src/arch/loongarch64/zone.rs:128-132), passing every HWI through, and injects a virtio device's
  // irq as that line (ls7a2000/mod.rs:114-139).
  { compatibles: ['loongson,cpu-interrupt-controller'], virtualName: 'GINTC', number: (c) => c[0], text: (_c, irq) => `<${irq}> (ESTAT.IS line)`, alwaysDelivered: true },
];

function number(cellsOf: number[], at: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) value = value * 0x1_0000_0000 + (cellsOf[at + i] ?? 0);
  return value;
}

/** reg entries of `node`, decoded with its parent's #address-cells / #size-cells. */
function regs(node: FdtReadNode, parent: FdtReadNode): { base: number; size: number }[] {
  const addressCells = cells(parent.properties.get('#address-cells'))[0] ?? 2;
  const sizeCells = cells(parent.properties.get('#size-cells'))[0] ?? 1;
  const raw = cells(node.properties.get('reg'));
  const out: { base: number; size: number }[] = [];
  const step = addressCells + sizeCells;
  for (let i = 0; step > 0 && i + step <= raw.length; i += step) out.push({ base: number(raw, i, addressCells), size: number(raw, i + addressCells, sizeCells) });
  return out;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** One decoded interrupt specifier: the controller it names and its cells. */
interface Specifier {
  readonly controller: FdtReadNode;
  readonly cells: readonly number[];
}

/** Walks interrupt parents through the tree's phandles (Devicetree Specification 2.4). */
class InterruptTree {
  private readonly parents = new Map<FdtReadNode, FdtReadNode>();
  private readonly byPhandle = new Map<number, FdtReadNode>();

  constructor(root: FdtReadNode) {
    walk(root, (node) => {
      node.children.forEach((child) => this.parents.set(child, node));
      const phandle = cells(node.properties.get('phandle') ?? node.properties.get('linux,phandle'))[0];
      if (phandle !== undefined) this.byPhandle.set(phandle, node);
    });
  }

  parentOf(node: FdtReadNode): FdtReadNode | undefined {
    return this.parents.get(node);
  }

  /**
   * The node's interrupt parent as Linux finds it (of_irq_find_parent): follow `interrupt-parent` where
   * a node has one, else go to the parent node, until a node with #interrupt-cells.
   */
  interruptParent(node: FdtReadNode): FdtReadNode | undefined {
    let child = node;
    for (let hops = 0; hops < 64; hops++) {
      const phandle = cells(child.properties.get('interrupt-parent'))[0];
      const next = phandle !== undefined ? this.byPhandle.get(phandle) : this.parents.get(child);
      if (!next || next === child) return undefined;
      if (next.properties.has('#interrupt-cells')) return next;
      child = next;
    }
    return undefined;
  }

  /**
   * The node's interrupt specifiers, or a reason they cannot be read. A nexus without
   * `#interrupt-cells` but with `interrupt-map` is not followed: its specifiers stay unchecked.
   */
  specifiers(node: FdtReadNode): Specifier[] | string {
    const out: Specifier[] = [];
    const extended = node.properties.get('interrupts-extended');
    if (extended) {
      const raw = cells(extended);
      for (let i = 0; i < raw.length;) {
        const controller = this.byPhandle.get(raw[i]!);
        if (!controller) return `interrupts-extended names phandle ${raw[i]}, which no node has`;
        const count = this.cellCount(controller);
        if (count === undefined) return `interrupts-extended names ${controller.path}, which has no #interrupt-cells`;
        out.push({ controller, cells: raw.slice(i + 1, i + 1 + count) });
        i += 1 + count;
      }
      return out;
    }
    const interrupts = node.properties.get('interrupts');
    if (!interrupts) return out;
    const controller = this.interruptParent(node);
    if (!controller) return 'no interrupt parent: neither it nor an ancestor leads through interrupt-parent to a node with #interrupt-cells';
    const count = this.cellCount(controller) ?? 0;
    const raw = cells(interrupts);
    if (count === 0 || raw.length % count !== 0) return `interrupts has ${raw.length} cell(s), not a multiple of ${controller.path}'s #interrupt-cells = <${count}>`;
    for (let i = 0; i < raw.length; i += count) out.push({ controller, cells: raw.slice(i, i + count) });
    return out;
  }

  private cellCount(controller: FdtReadNode): number | undefined {
    return cells(controller.properties.get('#interrupt-cells'))[0];
  }
}

function readerOf(controller: FdtReadNode): SpecifierReader | undefined {
  const names = stringList(controller.properties.get('compatible'));
  return SPECIFIER_READERS.find((r) => r.compatibles.some((c) => names.includes(c)));
}

export function checkZoneDtb(bytes: Uint8Array, file: string, zone: ZoneConfig, virtio: readonly VirtioWindow[]): ZoneFinding[] {
  const findings: ZoneFinding[] = [];
  const at = (path: string, message: string): void => void findings.push({ severity: 'error', file, path, message });
  let root: FdtReadNode;
  try {
    root = readDtb(bytes, file);
  } catch (error) {
    at('', (error as Error).message);
    return findings;
  }
  const ram = zone.memoryRegions.filter((r) => r.type === 'ram');
  const inRam = (base: number, size: number): boolean => ram.some((r) => base >= r.virtualStart && base + size <= r.virtualStart + r.size);
  // A device the zone reaches through an `io` region is a real one: hvisor maps it, no daemon is involved.
  const passedThrough = (base: number, size: number): boolean =>
    zone.memoryRegions.some((r) => r.type === 'io' && base >= r.virtualStart && base + size <= r.virtualStart + r.size);
  const tree = new InterruptTree(root);

  for (const node of root.children) {
    if (stringProperty(node.properties.get('device_type')) !== 'memory') continue;
    for (const range of regs(node, root)) {
      if (!inRam(range.base, range.size)) {
        at(node.path, `memory ${hex(range.base)}+${hex(range.size)} is not inside the zone's RAM regions (${ram.map((r) => `${hex(r.virtualStart)}+${hex(r.size)}`).join(', ') || 'none'})`);
      }
    }
  }
  const cpus = root.children.find((n) => n.name === 'cpus');
  const named: number[] = [];
  // The ids the zone's CPUs have in its tree: their own numbers, or (loongarch64) their index in the zone.
  const ids = fdtArch(zone.archConfig.arch).treeCpuIds?.(zone.cpus) ?? [...zone.cpus];
  const renumbered = ids.some((id, i) => id !== zone.cpus[i]);
  const idsText = renumbered ? ` as ${ids.join(', ')} in the tree (each CPU's index in the zone, what its CPUID reads)` : '';
  for (const cpu of cpus?.children ?? []) {
    if (stringProperty(cpu.properties.get('device_type')) !== 'cpu') continue;
    const hart = regs(cpu, cpus!)[0]?.base;
    if (hart === undefined) continue;
    named.push(hart);
    if (!ids.includes(hart)) at(cpu.path, `hart ${hart} is not one of the zone's cpus (${zone.cpus.join(', ')}${idsText})`);
  }
  ids.forEach((id, i) => {
    if (cpus && !named.includes(id)) at(cpus.path, `the zone's cpu ${zone.cpus[i]}${renumbered ? ` (reg ${id})` : ''} is missing from /cpus`);
  });

  walk(root, (node) => {
    // A controller's own interrupts-extended names the harts' local controllers, not PLIC sources;
    // a disabled node gets no driver.
    if (node.properties.has('interrupt-controller') || stringProperty(node.properties.get('status')) === 'disabled') return;
    const parent = tree.parentOf(node);
    const specifiers = tree.specifiers(node);
    if (typeof specifiers === 'string') {
      at(node.path, `its interrupts cannot be read: ${specifiers}`);
      return;
    }
    const sources: { irq: number; via: string; text: string; alwaysDelivered: boolean }[] = [];
    for (const specifier of specifiers) {
      const reader = readerOf(specifier.controller);
      const irq = reader?.number(specifier.cells);
      if (reader && irq !== undefined) sources.push({ irq, via: reader.virtualName, text: reader.text(specifier.cells, irq), alwaysDelivered: reader.alwaysDelivered === true });
    }
    let virtualDevice = false;
    if (stringProperty(node.properties.get('compatible')) === 'virtio,mmio' && parent) {
      for (const range of regs(node, parent)) {
        if (passedThrough(range.base, range.size)) continue;
        virtualDevice = true;
        const window = virtio.find((v) => v.addr === range.base);
        if (!window) {
          at(node.path, `virtio-mmio window ${hex(range.base)} has no device in virtio_cfg.json for zone ${zone.zoneId} and no io region of the zone passes a device through there`);
        } else if (sources.length > 0 && sources[0]!.irq !== window.irq) {
          at(node.path, `interrupts = ${sources[0]!.text} but virtio_cfg.json gives this device irq ${window.irq}`);
        }
      }
    }
    // A daemon-backed device's IRQ is injected virtually: hvisor's vPLIC / vGIC delivers it whether or not it
    // is in the zone's interrupts (vplic.rs inject_irq). Any other source must be the zone's.
    if (virtualDevice) return;
    for (const { irq, via, text, alwaysDelivered } of sources) {
      if (irq !== 0 && !alwaysDelivered && !zone.interrupts.includes(irq)) at(node.path, `interrupts = ${text}: IRQ ${irq} is not in the zone's interrupts, so the ${via} never delivers it`);
    }
  });
  return findings;
}
