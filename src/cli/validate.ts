/**
 * `hvwb validate <layout>`: every finding about the layout's zones (each zone alone, then across
 * zones, with the root zone from the board), naming the file and the field. Exit status 1 if any
 * finding is an error.
 */
import { loadLayout } from '../host/layout-loader';
import { checkUserDtb, crossCheck, readZoneFile, errorsOf, rootZoneForLayout } from '../host/zone-loader';
import type { VirtioConfigFile } from '../shared/model/virtio-config';
import { readVirtioConfig, virtioWindowsOf } from '../host/virtio-service';
import type { ZoneFinding } from '../shared/model/zone-config';
import { checkZone, formatZoneReport } from '../shared/validate/zone-checks';
import { parseZoneConfig } from '../shared/validate/zone-config';
import { readFile } from 'node:fs/promises';
import type { Output } from './output';

export async function runValidate(location: string, out: Output): Promise<number> {
  const loaded = await loadLayout(location);
  const { board, layout } = loaded;
  const root = rootZoneForLayout(board, layout.root);
  const findings: ZoneFinding[] = [...checkZone(root, board)];
  const zones = [];
  for (const entry of loaded.zoneFiles) {
    const parsed = parseZoneConfig(await readFile(entry.path, 'utf8'), entry.path);
    findings.push(...parsed.findings);
    if (!parsed.config) continue;
    const zone = await readZoneFile(entry.path, board);
    findings.push(...zone.findings.filter((f) => !parsed.findings.includes(f)));
    zones.push(zone.config);
  }
  findings.push(...crossCheck([root, ...zones], board));
  let virtio: VirtioConfigFile | undefined;
  if (loaded.virtioFile) {
    try {
      const read = await readVirtioConfig(loaded.virtioFile, [root, ...zones]);
      virtio = read.config;
      findings.push(...read.findings);
    } catch (error) {
      out.stdout(`${(error as Error).message}\n`);
      return 1;
    }
  }
  // A zone that loads its own DTB: the tree must agree with the zone (memory, harts, IRQs, virtio).
  for (const entry of loaded.zoneFiles) {
    if (entry.generateDtb) continue;
    const zone = await readZoneFile(entry.path, board);
    findings.push(...(await checkUserDtb(zone, virtioWindowsOf(virtio, zone.config.zoneId))));
  }
  const unique = findings.filter((f, i) => findings.findIndex((g) => g.file === f.file && g.path === f.path && g.message === f.message) === i);
  out.stdout(`${loaded.file}: board ${board.name}, root zone ${root.name} on cpus ${root.cpus.join(', ')}, ${zones.length} zone file(s)\n`);
  out.stdout(formatZoneReport(unique) + '\n');
  return errorsOf(unique).length > 0 ? 1 : 0;
}
