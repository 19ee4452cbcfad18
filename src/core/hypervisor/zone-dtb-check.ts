/**
 * Checks a user's device tree (dtb_filepath) against the zone it is loaded for: the memory it
 * promises, the harts it names, the interrupt numbers its devices use and the virtio-mmio windows.
 * hvisor loads the blob without looking; a disagreement shows up later as a guest fault or a device
 * that never interrupts, so each one is reported here with the node path.
 */
import type { ZoneConfig, ZoneFinding } from '../../shared/model/zone-config';
import { cells, readDtb, stringProperty, walk, type FdtReadNode } from '../fdt/fdt-reader';

export interface VirtioWindow {
  readonly addr: number;
  readonly len: number;
  readonly irq: number;
}

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
  const parents = new Map<FdtReadNode, FdtReadNode>();
  walk(root, (node) => node.children.forEach((child) => parents.set(child, node)));

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
  for (const cpu of cpus?.children ?? []) {
    if (stringProperty(cpu.properties.get('device_type')) !== 'cpu') continue;
    const hart = regs(cpu, cpus!)[0]?.base;
    if (hart === undefined) continue;
    named.push(hart);
    if (!zone.cpus.includes(hart)) at(cpu.path, `hart ${hart} is not one of the zone's cpus (${zone.cpus.join(', ')})`);
  }
  for (const cpu of zone.cpus) if (cpus && !named.includes(cpu)) at(cpus.path, `the zone's cpu ${cpu} is missing from /cpus`);

  walk(root, (node) => {
    const compatible = stringProperty(node.properties.get('compatible'));
    const parent = parents.get(node);
    if (compatible === 'virtio,mmio' && parent) {
      for (const range of regs(node, parent)) {
        const window = virtio.find((v) => v.addr === range.base);
        if (!window) at(node.path, `virtio-mmio window ${hex(range.base)} has no device in virtio_cfg.json for zone ${zone.zoneId}`);
        const irq = cells(node.properties.get('interrupts'))[0];
        if (window && irq !== undefined && irq !== window.irq) at(node.path, `interrupts = <${irq}> but virtio_cfg.json gives this device irq ${window.irq}`);
      }
    }
    const irqs = node.properties.has('interrupt-controller') ? [] : cells(node.properties.get('interrupts'));
    if (node.properties.has('interrupts-extended') || irqs.length === 0) return;
    for (const irq of irqs) {
      if (irq !== 0 && !zone.interrupts.includes(irq)) at(node.path, `interrupts = <${irq}>: IRQ ${irq} is not in the zone's interrupts, so the vPLIC never delivers it`);
    }
  });
  return findings;
}
