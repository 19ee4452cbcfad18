/**
 * `hvwb validate <layout>`: every finding about the layout's zones (each zone alone, then across
 * zones, with the root zone from the board), naming the file and the field. Exit status 1 if any
 * finding is an error.
 */
import { loadLayout } from '../host/layout-loader';
import { crossCheck, readZoneFile, errorsOf } from '../host/zone-loader';
import { rootZoneConfig, type ZoneFinding } from '../shared/model/zone-config';
import { checkZone, formatZoneReport } from '../shared/validate/zone-checks';
import { parseZoneConfig } from '../shared/validate/zone-config';
import { readFile } from 'node:fs/promises';
import type { Output } from './output';

export async function runValidate(location: string, out: Output): Promise<number> {
  const loaded = await loadLayout(location);
  const { board, layout } = loaded;
  const base = rootZoneConfig(board);
  const root = layout.root.cpus ? { ...base, cpus: [...layout.root.cpus].sort((a, b) => a - b) } : base;
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
  const unique = findings.filter((f, i) => findings.findIndex((g) => g.file === f.file && g.path === f.path && g.message === f.message) === i);
  out.stdout(`${loaded.file}: board ${board.name}, root zone ${root.name} on cpus ${root.cpus.join(', ')}, ${zones.length} zone file(s)\n`);
  out.stdout(formatZoneReport(unique) + '\n');
  return errorsOf(unique).length > 0 ? 1 : 0;
}
