/**
 * Assignment rules for PCI functions (issue 11 item 5, decision 0022), checked against the functions
 * on the board's bus (the host bridge and the layout's `pci` list), as hvisor applies an assignment:
 *
 * - At boot hvisor enumerates the bus into GLOBAL_PCIE_LIST (src/pci/pci_config.rs:153-159). Each zone's
 *   guest_pci_init (pci_config.rs:167) takes its alloc_pci_devs from that list: host bridges and class
 *   0x06 bridges are cloned (pci_config.rs:274-281), every other function is removed from the list
 *   (pci_config.rs:283) and nothing puts it back when the zone shuts down. So an endpoint belongs to the
 *   first zone that starts with it, and the root zone starts first: an endpoint the root lists (board.rs
 *   ROOT_PCI_DEVS) is the root's, and another zone listing it gets nothing.
 * - A physical BDF that is not on the bus is logged "can not find dev" (pci_config.rs:295) and the zone
 *   gets nothing.
 * - A pci_config entry with ecam_base 0 is skipped (pci_config.rs:178); any other entry's ECAM must be
 *   the board's host's, or the zone's vPCI traps a window no device answers in.
 *
 * hvisor-tool's JSON form of an entry is { domain, bus, device, function, dev_type } (tools/hvisor.c
 * parse_pci_config, hvisor-tool 0x05), numbers as hex strings like hvisor's own configs.
 */
import type { Board } from '../model/board';
import type { LayoutPciDevice } from '../model/layout';
import { isPciBridgeClass, pciAddress } from '../model/pci-class';
import type { ZoneConfig, ZoneFinding, ZoneRef } from '../model/zone-config';

/** A function on the board's bus as the checks need it. */
export interface PciBusFunction {
  readonly domain: number;
  readonly bus: number;
  readonly device: number;
  readonly function: number;
  readonly classCode: number;
  readonly name: string;
}

/** Class codes of the layout's function types (as core/virtio/virtio-pci.ts and core/devices/display/bochs-display.ts build their configuration spaces). */
const LAYOUT_PCI_CLASS: Readonly<Record<string, number>> = { 'virtio-blk-pci': 0x01_00_00, 'virtio-net-pci': 0x02_00_00, 'bochs-display': 0x03_80_00 };

/** The functions on a board's PCIe host with a layout's `pci` list plugged in; undefined when the board has no host. */
export function layoutPciBus(board: Board, pci: readonly LayoutPciDevice[]): PciBusFunction[] | undefined {
  if (!board.devices.some((d) => d.kind === 'pci-host-ecam')) return undefined;
  return [
    { domain: 0, bus: 0, device: 0, function: 0, classCode: 0x06_00_00, name: 'host bridge' },
    ...pci.map((p) => ({ domain: 0, bus: 0, device: p.slot, function: 0, classCode: LAYOUT_PCI_CLASS[p.type] ?? 0xff_00_00, name: p.type })),
  ];
}

type Bdf = { readonly domain: number; readonly bus: number; readonly device: number; readonly function: number };
const same = (a: Bdf, b: Bdf): boolean => a.domain === b.domain && a.bus === b.bus && a.device === b.device && a.function === b.function;
const address = (d: Bdf): string => pciAddress(d.domain, d.bus, d.device, d.function);
const ref = (zone: ZoneConfig, path: string): ZoneRef => ({ file: zone.source, zoneId: zone.zoneId, name: zone.name, path });
const label = (zone: ZoneConfig): string => `zone ${zone.zoneId} ${JSON.stringify(zone.name)}`;
const hex = (n: number): string => `0x${n.toString(16)}`;

/**
 * Findings on the zones' PCI assignments, the root first, then the other zones in start order. Each
 * conflict is reported on the later zone naming both. `pci` is the layout's list (the bus).
 */
export function checkPciAssignments(zones: readonly ZoneConfig[], board: Board, pci: readonly LayoutPciDevice[]): ZoneFinding[] {
  const findings: ZoneFinding[] = [];
  const bus = layoutPciBus(board, pci);
  const host = board.devices.find((d) => d.kind === 'pci-host-ecam');
  zones.forEach((zone, z) => {
    const push = (severity: ZoneFinding['severity'], path: string, message: string, other?: ZoneRef): void => {
      findings.push({ severity, file: zone.source, path, message, ...(other ? { zones: [ref(zone, path), other] as const } : {}) });
    };
    zone.pciConfig.forEach((entry, i) => {
      if (entry.ecamBase === 0) return;
      const path = `pci_config[${i}].ecam_base`;
      if (!host) return push('error', path, `ECAM ${hex(entry.ecamBase)}+${hex(entry.ecamSize)}: board ${board.name} has no PCIe host`);
      if (entry.ecamBase < host.base || entry.ecamBase + entry.ecamSize > host.base + host.size) {
        push('error', path, `ECAM ${hex(entry.ecamBase)}+${hex(entry.ecamSize)} is outside the board's PCIe host ECAM ${hex(host.base)}+${hex(host.size)} (${host.name}); the zone's vPCI would trap a window no device answers in`);
      }
      // hvisor traps the window only where the zone's stage-2 has no mapping (a stage-2 fault reaches the
      // MMIO handlers, pci_config.rs:331); a region over it (a virtio region is trapped first too) lets the
      // zone reach every function's configuration space, its BARs included, past the vPCI.
      const k = zone.memoryRegions.findIndex((r) => {
        const start = r.type === 'virtio' ? r.physicalStart : r.virtualStart;
        return start < entry.ecamBase + entry.ecamSize && entry.ecamBase < start + r.size;
      });
      if (k >= 0) {
        const r = zone.memoryRegions[k]!;
        push('warning', `memory_regions[${k}]`, `${r.type} region ${hex(r.type === 'virtio' ? r.physicalStart : r.virtualStart)}+${hex(r.size)} covers the ECAM window pci_config[${i}] asks hvisor's vPCI to trap (${hex(entry.ecamBase)}+${hex(entry.ecamSize)}): the zone reaches every function on the bus directly, not only its alloc_pci_devs`);
      }
    });
    zone.allocPciDevs.forEach((dev, i) => {
      const path = `alloc_pci_devs[${i}]`;
      if (dev.devType !== 0) return; // a virtual device (StandardVdev) is not on the physical bus
      const fn = bus?.find((f) => same(f, dev));
      // The root's list is board.rs's ROOT_PCI_DEVS, not the user's: a layout may leave its slots empty.
      if (!bus) return zone.root ? undefined : push('warning', path, `PCI device ${address(dev)}: board ${board.name} has no PCIe host, so hvisor finds no device there`);
      // A host that is data only (hvisor's ROOT_PCI_CONFIG without a model: rk3588, ls3a5000) has the real
      // board's functions behind it, which the workbench does not know; hvisor would find them there.
      if (host && host.irq === undefined && !fn) {
        return zone.root ? undefined : push('warning', path, `PCI device ${address(dev)}: the workbench does not model ${board.name}'s PCIe bus (its host ${host.name} is data only), so the zone gets no device there; on the board hvisor gives it the function if it exists`);
      }
      if (!fn) {
        if (zone.root) return;
        const on = bus.map((f) => `${address(f)} (${f.name})`).join(', ');
        return push('error', path, `PCI device ${address(dev)} is not on the board's bus (${on}); hvisor logs "can not find dev" and the zone gets nothing`);
      }
      if (isPciBridgeClass(fn.classCode)) return; // cloned into every zone that lists it
      for (let e = 0; e < z; e++) {
        const earlier = zones[e]!;
        const j = earlier.allocPciDevs.findIndex((d) => same(d, dev));
        if (j < 0) continue;
        const other = ref(earlier, `alloc_pci_devs[${j}]`);
        const why = earlier.root
          ? `the root zone keeps it (it is in the board's ROOT_PCI_DEVS and the root starts first)`
          : `hvisor gives an endpoint to the first zone that starts with it and never takes it back`;
        push('error', path, `PCI device ${address(dev)} (${fn.name}) is also assigned to ${label(earlier)} (${earlier.source}: ${other.path}); ${why}, so ${label(zone)} would find nothing there`, other);
        break;
      }
    });
  });
  return findings;
}
