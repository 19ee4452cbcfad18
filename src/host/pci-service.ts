/**
 * The PCIe assignment view's service (issue 11 item 5, decision 0022): the board's PCI bus as the
 * functions' configuration spaces say it is (the machine's shared blocks, which every vCPU's host and
 * the management side's PciBus decode; power-on values before the guest touches them), with the
 * owners of each function from the root zone's board list and the layout's zone files'
 * `alloc_pci_devs` as they are on disk now. A zone file that does not parse owns nothing here; the
 * editor's findings say why.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describePciHost } from '../core/devices/pci/pci-describe';
import { withPciFunctions } from '../core/devices/pci/pci-host-board';
import { deviceRegionName } from '../core/devices/create-devices';
import { regionOf } from '../core/machine/shared-layout';
import { PCI_CONFIG_BYTES } from '../core/devices/pci/pci-config-space';
import type { Board } from '../shared/model/board';
import { layoutRootZone } from '../shared/model/layout-root-zone';
import type { ZoneConfig } from '../shared/model/zone-config';
import type { PciBusState, PciFunctionData } from '../shared/protocol/pci';
import { dmaReportOf } from '../core/hypervisor/dma-report';
import { parseZoneConfig } from '../shared/validate/zone-config';
import type { LoadedLayout } from './layout-loader';

export interface PciSource {
  readonly loaded: LoadedLayout;
  /** The machine's board (functions plugged in) and its shared configuration blocks, once it is built. */
  readonly machine?: {
    readonly board: Board;
    readonly block: (host: string, i: number) => Uint8Array;
    readonly live: boolean;
    /** MSI-X tables of the functions the management side serves, by device number. */
    readonly msix?: () => ReadonlyMap<number, readonly { vector: number; address: number; data: number; masked: boolean; pending: boolean; use: string[] }[]>;
  };
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** The zones that may own functions: the root (board list) and each zone file that parses, with the file's path relative to the layout folder. */
export async function pciZones(loaded: LoadedLayout): Promise<{ config: ZoneConfig; file: string | null }[]> {
  const zones: { config: ZoneConfig; file: string | null }[] = [{ config: layoutRootZone(loaded.board, loaded.layout.root), file: null }];
  for (const zone of loaded.zoneFiles) {
    const rel = path.relative(loaded.folder, zone.path);
    let text: string;
    try {
      text = await readFile(zone.path, 'utf8');
    } catch {
      continue;
    }
    const parsed = parseZoneConfig(text, rel, loaded.board.arch);
    if (parsed.config) zones.push({ config: parsed.config, file: rel });
  }
  return zones;
}

export async function pciBusState(source: PciSource): Promise<PciBusState> {
  // A layout's `pci` list is plugged into the board's host when the machine is planned (machine-host.ts).
  const board = source.machine?.board ?? withPciFunctions(source.loaded.board, source.loaded.layout.pci ?? []);
  const host = board.devices.find((d) => d.kind === 'pci-host-ecam');
  const zones = await pciZones(source.loaded);
  const zoneList = zones.map((z) => ({ id: z.config.zoneId, name: z.config.name, file: z.file }));
  if (!host) return { host: null, live: false, functions: [], zones: zoneList };
  const block = source.machine ? (i: number) => source.machine!.block(host.name, i) : undefined;
  type Vector = { vector: number; address: number; data: number; masked: boolean; pending: boolean; use: string[] };
  const msix: ReadonlyMap<number, readonly Vector[]> = source.machine?.msix?.() ?? new Map<number, Vector[]>();
  // The running machine's DMA report (decision 0027), kept by its virtio service under the machine's board.
  const attached = source.machine ? dmaReportOf(source.machine.board) : undefined;
  const dma = attached ? { guard: attached.guard, entries: attached.report.list() } : undefined;
  const functions: PciFunctionData[] = describePciHost(host, block).map((f) => ({
    ...f,
    msixTable: f.bus === 0 && f.function === 0 && msix.has(f.device)
      ? msix.get(f.device)!.map((v) => ({ vector: v.vector, address: hex(v.address), data: hex(v.data), masked: v.masked, pending: v.pending, use: [...v.use] }))
      : null,
    owners: zones
      .filter((z) => z.config.allocPciDevs.some((d) => d.domain === f.domain && d.bus === f.bus && d.device === f.device && d.function === f.function))
      .map((z) => z.config.zoneId),
    ...(dma
      ? {
          dma: dma.entries
            .filter((e) => e.bdf === ((f.bus << 8) | (f.device << 3) | f.function) && f.domain === 0)
            .map((e) => ({ zone: e.zone, access: e.access, count: e.count, firstAddress: hex(e.firstAddress), lastAddress: hex(e.lastAddress), lastLength: e.lastLength, reason: e.lastReason })),
        }
      : {}),
  }));
  return {
    host: { name: host.name, ecamBase: hex(host.base), ecamSize: hex(host.size) },
    live: source.machine?.live ?? false,
    functions,
    zones: zoneList,
    dmaGuard: dma?.guard ?? null,
  };
}

/** The configuration block accessor of a built machine (the same bytes its vCPUs decode). */
export function machinePciBlocks(plan: { readonly layout: Parameters<typeof regionOf>[0] }, buffer: Parameters<typeof regionOf>[1], board: Board): (host: string, i: number) => Uint8Array {
  return (name, i) => {
    const device = board.devices.find((d) => d.name === name);
    if (!device) throw new Error(`the board has no device '${name}'`);
    const region = regionOf(plan.layout, buffer, deviceRegionName(device));
    if ((i + 1) * PCI_CONFIG_BYTES > region.byteLength) throw new Error(`PCIe host '${name}' has no configuration block ${i}`);
    return new Uint8Array(region.buffer, region.byteOffset + i * PCI_CONFIG_BYTES, PCI_CONFIG_BYTES);
  };
}
