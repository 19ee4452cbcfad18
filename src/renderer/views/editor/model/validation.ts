/**
 * Every check the CLI's `hvwb validate` runs, on the editor's documents: hvisor-tool's parsing of each
 * zone JSON, the per-zone checks against the board, the cross-zone checks with the layout's root
 * zone, and virtio_cfg.json against the zones. Findings carry the file (relative path) and the JSON
 * path; `fieldPathOf` maps a path to the form field that shows it.
 */
import { ARCH_ZONE_MODELS } from '../../../../shared/model/arch/registry';
import type { Board, BoardArch } from '../../../../shared/model/board';
import { layoutRootZone } from '../../../../shared/model/layout-root-zone';
import type { RootGuest } from '../../../../shared/model/layout';
import type { ZoneConfig, ZoneFinding } from '../../../../shared/model/zone-config';
import type { LayoutFileKind } from '../../../../shared/protocol/layout-files';
import { LayoutError, parseLayout } from '../../../../shared/validate/layout';
import { checkVirtioConfig, parseVirtioConfig } from '../../../../shared/validate/virtio-config';
import { checkZone, checkZones, type ZoneCheckOptions } from '../../../../shared/validate/zone-checks';
import { parseZoneConfig } from '../../../../shared/validate/zone-config';
import type { EditorFile } from './documents';

export interface EditorValidation {
  readonly findings: readonly ZoneFinding[];
  readonly root: ZoneConfig;
  /** Zone files that parsed without errors, by path. */
  readonly zones: ReadonlyMap<string, ZoneConfig>;
  readonly errors: number;
  readonly warnings: number;
}

/** The text validation reads: the document as JSON, or what the user typed while it is not JSON. */
export function currentText(file: EditorFile): string {
  return file.doc === undefined ? (file.rawText ?? '') : JSON.stringify(file.doc);
}

/** Layout findings come as "file: path: message" strings. */
function layoutFindings(error: LayoutError, file: string): ZoneFinding[] {
  return error.findings.map((line) => {
    const rest = line.startsWith(`${file}: `) ? line.slice(file.length + 2) : line;
    const match = /^([A-Za-z_][\w.[\]]*): (.*)$/s.exec(rest);
    return { severity: 'error', file, path: match ? match[1]! : '', message: match ? match[2]! : rest };
  });
}

export function validateFiles(files: readonly EditorFile[], board: Board, problems: readonly string[] = []): EditorValidation {
  const findings: ZoneFinding[] = [];
  let root: Pick<RootGuest, 'cpus' | 'memoryRegions' | 'interrupts'> = {};
  let options: ZoneCheckOptions = {};
  for (const problem of problems) {
    const [file, ...rest] = problem.split(': ');
    findings.push({ severity: 'error', file: file ?? '', path: '', message: rest.join(': ') || problem });
  }
  const layoutFile = files.find((f) => f.kind === 'layout');
  if (layoutFile) {
    try {
      const layout = parseLayout(currentText(layoutFile), layoutFile.path);
      root = layout.root;
      options = { workbenchIvc: layout.workbenchIvc, pci: layout.pci ?? [] };
    } catch (error) {
      if (error instanceof LayoutError) findings.push(...layoutFindings(error, layoutFile.path));
      else findings.push({ severity: 'error', file: layoutFile.path, path: '', message: (error as Error).message });
    }
  }
  const rootZone = layoutRootZone(board, root);
  findings.push(...checkZone(rootZone, board, options));
  const zones = new Map<string, ZoneConfig>();
  for (const file of files.filter((f) => f.kind === 'zone')) {
    const parsed = parseZoneConfig(currentText(file), file.path, board.arch);
    findings.push(...parsed.findings);
    if (!parsed.config) continue;
    zones.set(file.path, parsed.config);
    findings.push(...checkZone(parsed.config, board, options));
  }
  findings.push(...checkZones([rootZone, ...zones.values()], board, options));
  for (const file of files.filter((f) => f.kind === 'virtio')) {
    const parsed = parseVirtioConfig(currentText(file), file.path);
    findings.push(...parsed.findings);
    if (parsed.config) findings.push(...checkVirtioConfig(parsed.config, [rootZone, ...zones.values()], { board }));
  }
  const errors = findings.filter((f) => f.severity === 'error').length;
  return { findings, root: rootZone, zones, errors, warnings: findings.length - errors };
}

const ROW_TABLES = {
  memory_regions: ['type', 'physical_start', 'virtual_start', 'size'],
  ivc_configs: ['ivc_id', 'peer_id', 'control_table_ipa', 'shared_mem_ipa', 'rw_sec_size', 'out_sec_size', 'interrupt_num', 'max_peers'],
  pci_config: [
    'ecam_base', 'ecam_size', 'io_base', 'io_size', 'pci_io_base', 'mem32_base', 'mem32_size', 'pci_mem32_base',
    'mem64_base', 'mem64_size', 'pci_mem64_base', 'bus_range_begin', 'bus_range_end', 'domain',
  ],
  alloc_pci_devs: ['domain', 'bus', 'device', 'function', 'v_bus', 'v_device', 'v_function', 'dev_type'],
  modules: ['name', 'filepath', 'load_paddr'],
} as const;

export const ZONE_ROW_TABLES: Readonly<Record<keyof typeof ROW_TABLES, readonly string[]>> = ROW_TABLES;

const ZONE_SCALARS = ['zone_id', 'name', 'cpus', 'interrupts', 'kernel_filepath', 'dtb_filepath', 'kernel_load_paddr', 'dtb_load_paddr', 'entry_point', 'arch_config'];
const VIRTIO_REGION_KEYS = ['zone0_ipa', 'zonex_ipa', 'size'];
const VIRTIO_DEVICE_KEYS = ['type', 'addr', 'len', 'irq', 'img', 'tap', 'mac', 'status'];

/** Whether the form has a field at exactly this path; arch_config's fields are those of the board's architecture's schema. */
function isField(kind: LayoutFileKind, path: string, arch: BoardArch): boolean {
  if (kind === 'zone') {
    if (ZONE_SCALARS.includes(path) || path in ROW_TABLES) return true;
    if (path.startsWith('arch_config.')) return ARCH_ZONE_MODELS[arch].schema.fields.some((f) => `arch_config.${f.key}` === path);
    const row = /^(\w+)\[\d+\](?:\.(\w+))?$/.exec(path);
    const keys = row ? (ROW_TABLES as Record<string, readonly string[]>)[row[1]!] : undefined;
    return keys !== undefined && (row![2] === undefined || keys.includes(row![2]));
  }
  if (kind === 'virtio') {
    const local = path.replace(/^zones\[\d+\]\.?/, '');
    if (path === 'zones' || /^zones\[\d+\]$/.test(path)) return true;
    if (['id', 'zone_id', 'memory_region', 'devices'].includes(local)) return true;
    const row = /^(memory_region|devices)\[\d+\](?:\.(\w+))?$/.exec(local);
    if (!row) return false;
    return row[2] === undefined || (row[1] === 'memory_region' ? VIRTIO_REGION_KEYS : VIRTIO_DEVICE_KEYS).includes(row[2]);
  }
  return false;
}

/**
 * The form field that shows a finding at `path`: the path itself when the form has that field, else
 * the nearest enclosing one (`cpus[1]` -> `cpus`, an unknown key of a region -> the region's row).
 * "" is the file as a whole. `arch` is the board's architecture (riscv64 for callers that predate the others).
 */
export function fieldPathOf(kind: LayoutFileKind, path: string, arch: BoardArch = 'riscv64'): string {
  let current = path;
  while (current !== '') {
    if (isField(kind, current, arch)) return current;
    const cut = Math.max(current.lastIndexOf('.'), current.lastIndexOf('['));
    current = cut <= 0 ? '' : current.slice(0, cut);
  }
  return '';
}

/** The key the form and the map use for a field: file and field path. */
export const fieldKey = (file: string, path: string): string => `${file}#${path}`;

/**
 * Findings by the field that shows them. A conflict between two zones is also filed at the other
 * zone's field, so both forms show it.
 */
export function findingsByField(findings: readonly ZoneFinding[], kinds: ReadonlyMap<string, LayoutFileKind>, arch: BoardArch = 'riscv64'): Map<string, ZoneFinding[]> {
  const out = new Map<string, ZoneFinding[]>();
  const add = (file: string, path: string, finding: ZoneFinding): void => {
    const kind = kinds.get(file);
    const key = fieldKey(file, kind ? fieldPathOf(kind, path, arch) : '');
    const list = out.get(key) ?? [];
    if (!list.includes(finding)) list.push(finding);
    out.set(key, list);
  };
  for (const finding of findings) {
    add(finding.file, finding.path, finding);
    const other = finding.zones?.[1];
    if (other && kinds.has(other.file)) add(other.file, other.path, finding);
  }
  return out;
}
