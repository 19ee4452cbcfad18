/**
 * `hvwb dts <layout> <zone>`: the device tree source the workbench generates for a zone (by name or
 * id; `root` for zone 0): its CPUs, RAM, passthrough devices, virtual interrupt controller, virtio
 * devices and /chosen (its rng-seed is the one deterministic mode gives the zone; a normal boot gets
 * fresh random bytes there). `hvwb dts --board <board> [root]`: the tree of a whole board as QEMU gives it
 * to firmware, or with `root` the tree of the board's root zone as its board.rs defines it.
 */
import { withPciFunctions } from '../core/devices/pci/pci-host-board';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { boardDts, wholeBoardInput } from '../core/fdt/board-dtb';
import { boardNames, getBoard } from '../boards/index';
import { rootZoneConfig } from '../shared/model/zone-config';
import { zoneTreeInput } from '../core/hypervisor/zone-dtb';
import { loadLayout } from '../host/layout-loader';
import { readVirtioConfig, virtioWindowsOf } from '../host/virtio-service';
import { rngSeed, rootInitrdStart } from '../host/root-dtb';
import { guestAddressOf } from '../core/hypervisor/hypervisor';
import { isInitrdModule, readZoneFile, rootZoneForLayout } from '../host/zone-loader';
import type { VirtioConfigFile } from '../shared/model/virtio-config';
import { CliError, type Output } from './output';

export async function runDts(layoutPath: string, zoneName: string, out: Output): Promise<number> {
  const loaded = await loadLayout(layoutPath);
  const { layout } = loaded;
  // The layout's PCI functions on the board's PCIe host, as the machine has them (zone-dtb.ts shows the host to a vPCI zone).
  const board = withPciFunctions(loaded.board, layout.pci ?? []);
  const root = rootZoneForLayout(board, layout.root);
  const zones = [];
  for (const entry of loaded.zoneFiles) zones.push({ entry, zone: await readZoneFile(entry.path, board, { workbenchIvc: loaded.layout.workbenchIvc }) });
  let virtio: VirtioConfigFile | undefined;
  if (loaded.virtioFile) virtio = (await readVirtioConfig(loaded.virtioFile, [root, ...zones.map((z) => z.zone.config)])).config;
  const devicesOf = (id: number) => virtioWindowsOf(virtio, id);
  const others = [root, ...zones.map((z) => z.zone.config)];
  const matches = (id: number, name: string): boolean => zoneName === name || zoneName === String(id) || (zoneName === 'root' && id === 0);
  if (matches(0, root.name)) {
    let initrd: { start: number; end: number } | undefined;
    if (loaded.images.initrd) {
      const size = (await stat(loaded.images.initrd)).size;
      const start = rootInitrdStart(board, size);
      initrd = { start, end: start + size };
    }
    out.stdout(boardDts(zoneTreeInput(board, root, others, {
      ...(layout.root.bootargs ? { bootargs: layout.root.bootargs } : {}),
      ...(initrd ? { initrd } : {}),
      virtio: devicesOf(0),
      rngSeed: rngSeed(layout.deterministic === true, 0),
    })));
    return 0;
  }
  const found = zones.find((z) => matches(z.zone.config.zoneId, z.zone.config.name));
  if (!found) {
    const known = [`0 (${root.name})`, ...zones.map((z) => `${z.zone.config.zoneId} (${z.zone.config.name})`)].join(', ');
    throw new CliError(`no zone "${zoneName}" in ${loaded.file} (zones: ${known})`);
  }
  const config = found.zone.config;
  let initrd: { start: number; end: number } | undefined;
  const module = config.modules.find(isInitrdModule);
  const start = module ? guestAddressOf(config, module.loadPaddr) : undefined;
  if (module && start !== undefined) {
    const size = (await stat(path.resolve(path.dirname(found.entry.path), module.filepath))).size;
    initrd = { start, end: start + size };
  }
  if (!found.entry.generateDtb && config.dtbFilepath) {
    out.stderr(`note: ${config.name} loads its own DTB (${config.dtbFilepath}); this is the tree the workbench would generate for it\n`);
  }
  out.stdout(boardDts(zoneTreeInput(board, config, others, {
    ...(found.entry.bootargs ? { bootargs: found.entry.bootargs } : {}),
    ...(initrd ? { initrd } : {}),
    virtio: devicesOf(config.zoneId),
    rngSeed: rngSeed(layout.deterministic === true, config.zoneId),
  })));
  return 0;
}

/** `hvwb dts --board <name> [root]`: a board's whole tree, or its root zone's (no layout needed). */
export function runBoardDts(boardName: string, zoneName: string | undefined, out: Output): number {
  if (!boardNames.includes(boardName)) throw new CliError(`unknown board "${boardName}" (boards: ${boardNames.join(', ')})`);
  const board = getBoard(boardName);
  if (zoneName === undefined) {
    out.stdout(boardDts(wholeBoardInput(board)));
    return 0;
  }
  if (zoneName !== 'root' && zoneName !== '0') throw new CliError(`dts --board describes the whole board or its root zone ("root"), not "${zoneName}"`);
  const root = rootZoneConfig(board);
  out.stdout(boardDts(zoneTreeInput(board, root, [root])));
  return 0;
}
