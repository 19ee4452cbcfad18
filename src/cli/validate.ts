/**
 * `hvwb validate <layout>`: every finding about the layout's zones (each zone alone, then across
 * zones, with the root zone from the board), its virtio_cfg.json and the files they name, naming the
 * file and the field. It reports all it can: a file that is missing or does not parse is a finding,
 * and the checks of the other files still run. Exit status 1 if any finding is an error.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadLayout, zoneImageFiles, type LayoutZoneFile, type ZoneImageFile } from '../host/layout-loader';
import { checkUserDtb, crossCheck, errorsOf, imageFitFindings, rootZoneForLayout } from '../host/zone-loader';
import { virtioWindowsOf } from '../host/virtio-service';
import type { VirtioConfigFile } from '../shared/model/virtio-config';
import type { ZoneConfig, ZoneFinding } from '../shared/model/zone-config';
import { checkVirtioConfig, parseVirtioConfig } from '../shared/validate/virtio-config';
import { checkZone, formatZoneReport } from '../shared/validate/zone-checks';
import { parseZoneConfig } from '../shared/validate/zone-config';
import type { Output } from './output';

interface CheckedZone {
  readonly entry: LayoutZoneFile;
  readonly config: ZoneConfig;
  readonly images: readonly ZoneImageFile[];
}

/** The text of a file, or a finding saying why it cannot be read. */
async function readText(file: string, what: string, findings: ZoneFinding[]): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    findings.push({ severity: 'error', file, path: '', message: `cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
    return undefined;
  }
}

export async function runValidate(location: string, out: Output): Promise<number> {
  const loaded = await loadLayout(location, { collectMissing: true });
  const { board, layout } = loaded;
  const root = rootZoneForLayout(board, layout.root);
  const options = { workbenchIvc: layout.workbenchIvc, pci: layout.pci ?? [] };
  const findings: ZoneFinding[] = [...loaded.missing, ...checkZone(root, board, options)];
  const zones: CheckedZone[] = [];
  for (const entry of loaded.zoneFiles) {
    const text = await readText(entry.path, 'zone config', findings);
    if (text === undefined) continue;
    const parsed = parseZoneConfig(text, entry.path, board.arch);
    findings.push(...parsed.findings);
    if (!parsed.config) continue;
    findings.push(...checkZone(parsed.config, board, options));
    const images = await zoneImageFiles(entry.path, parsed.config, { generatedDtb: entry.generateDtb });
    findings.push(...images.findings);
    findings.push(...(await imageFitFindings({ file: entry.path, config: parsed.config }, { generatedDtb: entry.generateDtb === true })));
    zones.push({ entry, config: parsed.config, images: images.images });
  }
  const configs = [root, ...zones.map((z) => z.config)];
  findings.push(...crossCheck(configs, board, options));
  let virtio: VirtioConfigFile | undefined;
  if (loaded.virtioFile) {
    const text = await readText(loaded.virtioFile, 'virtio config', findings);
    const parsed = text === undefined ? undefined : parseVirtioConfig(text, loaded.virtioFile);
    if (parsed) {
      findings.push(...parsed.findings);
      virtio = parsed.config;
      const folder = path.dirname(loaded.virtioFile);
      if (virtio) findings.push(...checkVirtioConfig(virtio, configs, { fileExists: (p) => existsSync(path.resolve(folder, p)), board }));
    }
  }
  // A zone that loads its own DTB: the tree must agree with the zone (memory, harts, IRQs, virtio).
  for (const zone of zones) {
    if (zone.entry.generateDtb || !zone.images.some((i) => i.field === 'dtb_filepath')) continue;
    // A DTB already refused (missing, too big for the zone) is reported once, not read again.
    if (findings.some((f) => f.severity === 'error' && f.file === zone.entry.path && f.path === 'dtb_filepath')) continue;
    try {
      findings.push(...(await checkUserDtb({ file: zone.entry.path, config: zone.config, findings: [] }, virtioWindowsOf(virtio, zone.config.zoneId))));
    } catch (error) {
      findings.push({ severity: 'error', file: zone.entry.path, path: 'dtb_filepath', message: (error as Error).message });
    }
  }
  const seen = new Set<string>();
  const unique = findings.filter((f) => {
    const key = `${f.file}\u0000${f.path}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  out.stdout(`${loaded.file}: board ${board.name}, root zone ${root.name} on cpus ${root.cpus.join(', ')}, ${loaded.zoneFiles.length} zone file(s)\n`);
  out.stdout(formatZoneReport(unique) + '\n');
  return errorsOf(unique).length > 0 ? 1 : 0;
}
