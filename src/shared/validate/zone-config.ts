/**
 * Reads a hvisor-tool zone JSON file (`hvisor zone start <cfg.json>`) with the rules of hvisor-tool's
 * tools/hvisor.c (zone_start_from_json, parse_arch_config, parse_pci_config) and tools/json_parse.c,
 * and reports every place where the tool would refuse the file, silently read a different value than
 * the author meant, or ignore a key. hvisor-tool is built per architecture and the JSON names none, so
 * the reader takes the board's: arch_config is read by that arch's reader (arch/registry.ts), and a
 * file whose arch_config belongs to another architecture is refused naming it. Semantic checks
 * (against the board and other zones) live in zone-checks.ts.
 */
import type { BoardArch } from '../model/board';
import { schemaKeys } from '../model/arch/arch-config-schema';
import { ARCH_ZONE_MODELS, ZONE_ARCHES } from '../model/arch/registry';
import {
  type ArchConfig,
  type ConfigGeneration,
  type IvcConfig,
  type PciBusConfig,
  type PciDeviceAssignment,
  type ZoneConfig,
  type ZoneConfigBytes,
  type ZoneFinding,
  type ZoneMemoryRegion,
  type ZoneModule,
  ZONE_LIMITS,
  formatBdf,
  utf8Bytes,
  virtualBdfProblem,
} from '../model/zone-config';
import { ARCH_CONFIG_VALIDATORS } from './arch/registry';
import { listKeys } from './arch/schema-fields';
import type { Width, ZoneFieldReader } from './arch/types';
import { type JsonObject, asciiLower, isJsonObject, jsonErrorMessage, lookupKey, readJson } from './json-reader';

export interface ZoneConfigParseResult {
  /** Present only when the file has no errors. */
  readonly config: ZoneConfig | undefined;
  readonly generation: ConfigGeneration;
  /** Why the file was classified as that generation. */
  readonly generationReason: string;
  /** sizeof(HvZoneConfig) the hvisor-tool this file is written for builds on the board's architecture. */
  readonly structSize: number;
  readonly findings: readonly ZoneFinding[];
}

type Json = JsonObject;

const INT_MAX = 0x7fff_ffff;
const WIDTH_MAX: Record<Width, bigint> = { u64: (1n << 64n) - 1n, u32: 0xffff_ffffn, u8: 0xffn };

const TOP_KEYS = [
  'zone_id', 'name', 'cpus', 'memory_regions', 'interrupts', 'ivc_configs', 'kernel_filepath', 'dtb_filepath',
  'kernel_load_paddr', 'dtb_load_paddr', 'entry_point', 'arch_config', 'pci_config', 'alloc_pci_devs', 'modules',
  'boot_protocol',
];
/** Present in hvisor's shipped examples but never read by the tool, so not worth a warning. */
const IGNORED_KEYS = ['num_pci_devs', 'arch', 'kernel_args'];
const REGION_KEYS = ['type', 'physical_start', 'virtual_start', 'size'];
const IVC_KEYS = ['ivc_id', 'peer_id', 'control_table_ipa', 'shared_mem_ipa', 'rw_sec_size', 'out_sec_size', 'interrupt_num', 'max_peers'];
const PCI_U64_KEYS = [
  'ecam_base', 'ecam_size', 'io_base', 'io_size', 'pci_io_base', 'mem32_base', 'mem32_size', 'pci_mem32_base',
  'mem64_base', 'mem64_size', 'pci_mem64_base',
] as const;
const PCI_KEYS = [...PCI_U64_KEYS, 'bus_range_begin', 'bus_range_end', 'domain'];
const VBDF_KEYS = ['v_bus', 'v_device', 'v_function'] as const;
const PCI_DEV_KEYS = ['domain', 'bus', 'device', 'function', ...VBDF_KEYS, 'dev_type'];
const MODULE_KEYS = ['name', 'filepath', 'load_paddr'];

const hex = (n: number | bigint): string => '0x' + n.toString(16);
const isObject = isJsonObject;
/** Unknown keys reported one by one per object; the rest are counted in one warning. */
const UNKNOWN_KEYS_LISTED = 10;

/** The findings of one file plus the field readers that produce them. */
class FileReader implements ZoneFieldReader {
  readonly findings: ZoneFinding[] = [];
  private readonly said = new Set<string>();
  constructor(readonly file: string) {}

  error(path: string, message: string): undefined {
    this.add({ severity: 'error', file: this.file, path, message });
    return undefined;
  }

  warning(path: string, message: string): void {
    this.add({ severity: 'warning', file: this.file, path, message });
  }

  /** A key may be looked up more than once; say each thing once. */
  private add(finding: ZoneFinding): void {
    const key = `${finding.path}\u0000${finding.message}`;
    if (this.said.has(key)) return;
    this.said.add(key);
    this.findings.push(finding);
  }

  get hasErrors(): boolean {
    return this.findings.some((f) => f.severity === 'error');
  }

  /** cJSON_GetObjectItem compares keys without regard to ASCII case and takes the first match. */
  item(object: Json, key: string, path: string): unknown {
    const match = lookupKey(object, key);
    if (match === undefined) return undefined;
    if (match.key !== key) this.warning(join(path, match.key), `hvisor-tool matches keys regardless of case and reads this as "${key}"; write "${key}"`);
    for (const other of match.shadowed) {
      this.warning(join(path, other), `hvisor-tool reads "${match.key}", which comes first (keys match regardless of case), and ignores this one`);
    }
    return match.value;
  }

  unknownKeys(object: Json, path: string, known: readonly string[]): void {
    const unknown = Object.keys(object).filter((key) => {
      const lower = asciiLower(key);
      return !known.includes(lower) && !IGNORED_KEYS.includes(lower);
    });
    for (const key of unknown.slice(0, UNKNOWN_KEYS_LISTED)) this.warning(join(path, key), 'unknown key; hvisor-tool ignores it');
    if (unknown.length > UNKNOWN_KEYS_LISTED) {
      this.warning(path, `${unknown.length - UNKNOWN_KEYS_LISTED} more unknown keys; hvisor-tool ignores them`);
    }
  }

  required(object: Json, key: string, path: string): unknown {
    const value = this.item(object, key, path);
    if (value === undefined) this.error(join(path, key), 'required key is missing');
    return value;
  }

  /** parse_json_linux_u64/u32/u8: a JSON number through valueint, or a string through strtoumax(base 0). */
  number(object: Json, key: string, path: string, width: Width = 'u64'): number | undefined {
    const value = this.required(object, key, path);
    return value === undefined ? undefined : this.numberValue(value, join(path, key), width);
  }

  numberValue(value: unknown, path: string, width: Width): number | undefined {
    let parsed: bigint;
    if (typeof value === 'number') {
      const problem = valueIntProblem(value);
      if (problem) return this.error(path, problem);
      parsed = BigInt(value);
    } else if (typeof value === 'string') {
      const result = strtoumax(value);
      if (typeof result === 'string') return this.error(path, result);
      parsed = result;
    } else {
      return this.error(path, `must be a number or a numeric string, not ${JSON.stringify(value)}`);
    }
    if (parsed > WIDTH_MAX[width]) return this.error(path, `${hex(parsed)} does not fit in a ${width}`);
    if (parsed > BigInt(Number.MAX_SAFE_INTEGER) && BigInt(Number(parsed)) !== parsed) {
      return this.error(path, `${hex(parsed)} is above 2^53 and a double cannot hold it exactly, so the workbench cannot represent it`);
    }
    return Number(parsed);
  }

  /** Fields hvisor-tool reads with a bare `->valueint`: a string silently becomes 0. */
  rawInt(value: unknown, path: string, max = 0xffff_ffff): number | undefined {
    if (value === undefined) return this.error(path, 'required key is missing');
    if (typeof value !== 'number') {
      const shown = JSON.stringify(value);
      return this.error(path, `must be a JSON number, not ${shown}: hvisor-tool reads this field with cJSON's valueint, which is 0 for anything else`);
    }
    const problem = valueIntProblem(value);
    if (problem) return this.error(path, problem);
    if (value > max) return this.error(path, `${value} is out of range (at most ${max})`);
    return value;
  }

  string(object: Json, key: string, path: string): string | undefined {
    const value = this.required(object, key, path);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return this.error(join(path, key), `must be a string, not ${JSON.stringify(value)}`);
    return value;
  }

  array(object: Json, key: string, path: string, limit: number, limitName: string): unknown[] | undefined {
    const value = this.required(object, key, path);
    if (value === undefined) return undefined;
    return this.arrayValue(value, join(path, key), limit, limitName);
  }

  arrayValue(value: unknown, path: string, limit: number, limitName: string): unknown[] | undefined {
    if (!Array.isArray(value)) return this.error(path, 'must be an array');
    if (value.length > limit) return this.error(path, `${value.length} entries; hvisor allows at most ${limit} (${limitName})`);
    return value;
  }

  object(value: unknown, path: string): Json | undefined {
    if (!isObject(value)) return this.error(path, 'must be an object');
    return value;
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** What cJSON's valueint does to a JSON number, when that is not the number written. */
function valueIntProblem(value: number): string | undefined {
  if (value < 0) return `${value} is negative; hvisor-tool refuses negative numbers`;
  if (!Number.isInteger(value)) return `${value} is not an integer; cJSON's valueint would truncate it`;
  if (value > INT_MAX) {
    return `JSON number ${value} is above 2^31-1: hvisor-tool reads numbers through cJSON's valueint, which saturates at 0x7fffffff; write it as a string, "${hex(value)}"`;
  }
  return undefined;
}

/** strtoumax(s, &end, 0) followed by hvisor-tool's checks (some digits, nothing after them, no ERANGE). */
function strtoumax(text: string): bigint | string {
  const bad = `${JSON.stringify(text)} is not a number as hvisor-tool reads strings (0x hex, leading-0 octal or decimal, nothing after the digits)`;
  const match = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match) return bad;
  const digits = match[2]!;
  const value = /^0[xX]/.test(digits) ? BigInt(digits) : digits.length > 1 && digits.startsWith('0') ? BigInt('0o' + digits.slice(1)) : BigInt(digits);
  if (value > WIDTH_MAX.u64) return `${JSON.stringify(text)} does not fit in 64 bits`;
  if (match[1] === '-' && value !== 0n) return `${JSON.stringify(text)} is negative; strtoumax would wrap it around to ${hex((1n << 64n) - value)}`;
  return value;
}

/** Entries of alloc_pci_devs that carry any of v_bus, v_device, v_function (keys in any case). */
function vbdfEntries(doc: Json): number[] {
  const devices = lookupKey(doc, 'alloc_pci_devs')?.value;
  if (!Array.isArray(devices) || devices.length > ZONE_LIMITS.pciDevices) return [];
  const entries: number[] = [];
  devices.forEach((d, i) => {
    if (isObject(d) && VBDF_KEYS.some((k) => lookupKey(d, k) !== undefined)) entries.push(i);
  });
  return entries;
}

/**
 * Which hvisor-tool a file is written for, by the keys only some versions read. On riscv64 the JSON
 * of the late 0x05 tools (4d5ae27..345aa94) and of 0x06 is the same: both read the virtual BDF and
 * build the 3208-byte struct. `modules` is in every version and says nothing.
 */
function detectGeneration(doc: Json, arch: BoardArch): { generation: ConfigGeneration; reason: string; structSize: number } {
  const bytes = ARCH_ZONE_MODELS[arch].zoneConfigBytes;
  const vbdf = vbdfEntries(doc);
  const archConfig = lookupKey(doc, 'arch_config')?.value;
  const laterArch = isObject(archConfig) ? ARCH_CONFIG_VALIDATORS[arch].laterTool?.(archConfig) : undefined;
  if (laterArch) return { generation: 0x06, reason: laterArch, structSize: bytes.v06 };
  if (vbdf.length > 0) {
    const where = vbdf.map((i) => `alloc_pci_devs[${i}]`).join(', ');
    return {
      generation: 0x06,
      reason: `hvisor-tool from 4d5ae27 on (magic 0x05 until 345aa94, then 0x06): ${where} ${vbdf.length === 1 ? 'has' : 'have'} a virtual BDF`,
      structSize: bytes.withVirtualBdf,
    };
  }
  if (lookupKey(doc, 'boot_protocol') !== undefined) {
    return { generation: 0x06, reason: 'hvisor-tool 0x06: "boot_protocol" is present', structSize: bytes.v06 };
  }
  return { generation: 0x05, reason: 'hvisor-tool 0x05 (hvisor v0.4): no virtual BDF', structSize: bytes.hvisorV04 };
}

/**
 * Reads `text` (the file `file`) as the hvisor-tool of the board's architecture `arch` would. riscv64 is
 * the default for callers that predate the other architectures.
 */
export function parseZoneConfig(text: string, file: string, arch: BoardArch = 'riscv64'): ZoneConfigParseResult {
  const reader = new FileReader(file);
  const unreadable = { config: undefined, generation: 0x05, generationReason: 'not readable', structSize: ARCH_ZONE_MODELS[arch].zoneConfigBytes.hvisorV04 } as const;
  const read = readJson(text);
  if (!read.ok) {
    reader.error('', jsonErrorMessage(read.error));
    return { ...unreadable, findings: reader.findings };
  }
  const doc = read.value;
  if (!isObject(doc)) {
    reader.error('', 'a zone configuration must be a JSON object');
    return { ...unreadable, findings: reader.findings };
  }
  for (const repeated of read.duplicates) {
    reader.warning(join(repeated.path, repeated.key), `given again on line ${repeated.line}; hvisor-tool reads the first value and ignores the later one`);
  }
  if (read.duplicateCount > read.duplicates.length) {
    reader.warning('', `${read.duplicateCount - read.duplicates.length} more repeated keys; hvisor-tool reads the first of each`);
  }
  const { generation, reason, structSize } = detectGeneration(doc, arch);
  const config = readZone(reader, doc, generation, arch);
  return {
    config: reader.hasErrors ? undefined : config,
    generation,
    generationReason: reason,
    structSize,
    findings: reader.findings,
  };
}

function readZone(r: FileReader, doc: Json, generation: ConfigGeneration, arch: BoardArch): ZoneConfig | undefined {
  r.unknownKeys(doc, '', TOP_KEYS);
  const zoneIdValue = r.required(doc, 'zone_id', '');
  const zoneId = zoneIdValue === undefined ? undefined : r.rawInt(zoneIdValue, 'zone_id');
  const name = readName(r, doc);
  const cpus = readCpus(r, doc);
  const memoryRegions = readRegions(r, doc);
  const interrupts = readInterrupts(r, doc);
  const ivcConfigs = readIvc(r, doc);
  const kernelFilepath = r.string(doc, 'kernel_filepath', '');
  const dtbFilepath = r.string(doc, 'dtb_filepath', '');
  const kernelLoadPaddr = r.number(doc, 'kernel_load_paddr', '');
  const dtbLoadPaddr = r.number(doc, 'dtb_load_paddr', '');
  const entryPoint = r.number(doc, 'entry_point', '');
  const archConfig = readArch(r, doc, arch);
  const pciConfig = readPciBuses(r, doc, generation);
  const allocPciDevs = readPciDevices(r, doc, ARCH_ZONE_MODELS[arch].zoneConfigBytes);
  const modules = readModules(r, doc);
  if (r.item(doc, 'boot_protocol', '') !== undefined) r.warning('boot_protocol', `x86_64 only (multiboot2); ignored on ${arch}`);

  if (
    zoneId === undefined || name === undefined || !cpus || !memoryRegions || !interrupts || !ivcConfigs ||
    kernelFilepath === undefined || dtbFilepath === undefined || kernelLoadPaddr === undefined ||
    dtbLoadPaddr === undefined || entryPoint === undefined || !archConfig || !pciConfig || !allocPciDevs || !modules
  ) {
    return undefined;
  }
  return {
    source: r.file,
    root: false,
    zoneId,
    name,
    cpus,
    memoryRegions,
    interrupts,
    ivcConfigs,
    // load_image_to_memory skips a path that is literally "null".
    kernelFilepath: kernelFilepath === 'null' ? null : kernelFilepath,
    dtbFilepath: dtbFilepath === 'null' ? null : dtbFilepath,
    kernelLoadPaddr,
    dtbLoadPaddr,
    entryPoint,
    archConfig,
    pciConfig,
    allocPciDevs,
    modules,
  };
}

function readName(r: FileReader, doc: Json): string | undefined {
  const raw = r.string(doc, 'name', '');
  if (raw === undefined) return undefined;
  // cJSON hands the tool a C string, which ends at the first NUL.
  const nul = raw.indexOf('\u0000');
  const name = nul >= 0 ? raw.slice(0, nul) : raw;
  if (nul >= 0) r.warning('name', `contains U+0000; hvisor-tool's C string ends there, so the zone is named ${JSON.stringify(name)}`);
  const bytes = utf8Bytes(name).length;
  if (bytes > ZONE_LIMITS.nameBytes) {
    return r.error('name', `is ${bytes} bytes; hvisor-tool refuses names longer than ${ZONE_LIMITS.nameBytes} bytes`);
  }
  if (bytes === ZONE_LIMITS.nameBytes) {
    r.warning('name', `is exactly ${ZONE_LIMITS.nameBytes} bytes, so strncpy stores it without a terminating NUL; "hvisor zone list" may print whatever follows it`);
  }
  if (bytes === 0) r.warning('name', 'is empty; "hvisor zone list" will show a blank name');
  return name;
}

function readCpus(r: FileReader, doc: Json): number[] | undefined {
  const list = r.array(doc, 'cpus', '', ZONE_LIMITS.cpus, 'the cpus bitmap is a u64');
  if (!list) return undefined;
  if (list.length === 0) return r.error('cpus', 'no CPU; hvisor needs at least one (the lowest is the boot CPU)');
  const cpus: number[] = [];
  let ok = true;
  list.forEach((item, i) => {
    const cpu = r.rawInt(item, `cpus[${i}]`, ZONE_LIMITS.cpus - 1);
    if (cpu === undefined) ok = false;
    else if (cpus.includes(cpu)) r.warning(`cpus[${i}]`, `hart ${cpu} is listed twice`);
    else cpus.push(cpu);
  });
  return ok ? cpus.sort((a, b) => a - b) : undefined;
}

function readRegions(r: FileReader, doc: Json): ZoneMemoryRegion[] | undefined {
  const list = r.array(doc, 'memory_regions', '', ZONE_LIMITS.memoryRegions, 'CONFIG_MAX_MEMORY_REGIONS');
  if (!list) return undefined;
  const regions: ZoneMemoryRegion[] = [];
  let ok = true;
  list.forEach((item, i) => {
    const path = `memory_regions[${i}]`;
    const region = r.object(item, path);
    if (!region) return void (ok = false);
    r.unknownKeys(region, path, REGION_KEYS);
    const physicalStart = r.number(region, 'physical_start', path);
    const virtualStart = r.number(region, 'virtual_start', path);
    const size = r.number(region, 'size', path);
    const type = r.string(region, 'type', path);
    if (type !== undefined && type !== 'ram' && type !== 'io' && type !== 'virtio') {
      r.error(`${path}.type`, `unknown memory region type ${JSON.stringify(type)} (must be "ram", "io" or "virtio")`);
      return void (ok = false);
    }
    if (physicalStart === undefined || virtualStart === undefined || size === undefined || type === undefined) {
      return void (ok = false);
    }
    regions.push({ type, physicalStart, virtualStart, size });
  });
  return ok ? regions : undefined;
}

function readInterrupts(r: FileReader, doc: Json): number[] | undefined {
  const list = r.array(doc, 'interrupts', '', ZONE_LIMITS.interrupts, 'CONFIG_MAX_INTERRUPTS');
  if (!list) return undefined;
  const irqs: number[] = [];
  let ok = true;
  list.forEach((item, i) => {
    const path = `interrupts[${i}]`;
    const irq = r.numberValue(item, path, 'u64');
    if (irq === undefined) ok = false;
    else if (irq >= ZONE_LIMITS.interrupts) {
      r.error(path, `IRQ ${irq} is out of range; hvisor's interrupt bitmap holds IRQs 0..${ZONE_LIMITS.interrupts - 1}`);
      ok = false;
    } else if (irqs.includes(irq)) r.warning(path, `IRQ ${irq} is listed twice`);
    else irqs.push(irq);
  });
  return ok ? irqs.sort((a, b) => a - b) : undefined;
}

function readIvc(r: FileReader, doc: Json): IvcConfig[] | undefined {
  const list = r.array(doc, 'ivc_configs', '', ZONE_LIMITS.ivcConfigs, 'CONFIG_MAX_IVC_CONFIGS');
  if (!list) return undefined;
  const configs: IvcConfig[] = [];
  let ok = true;
  list.forEach((item, i) => {
    const path = `ivc_configs[${i}]`;
    const ivc = r.object(item, path);
    if (!ivc) return void (ok = false);
    r.unknownKeys(ivc, path, IVC_KEYS);
    const raw = (key: string): number | undefined => r.rawInt(r.item(ivc, key, path), join(path, key));
    const entry = {
      ivcId: raw('ivc_id'),
      peerId: raw('peer_id'),
      controlTableIpa: r.number(ivc, 'control_table_ipa', path),
      sharedMemIpa: r.number(ivc, 'shared_mem_ipa', path),
      rwSecSize: r.number(ivc, 'rw_sec_size', path, 'u32'),
      outSecSize: r.number(ivc, 'out_sec_size', path, 'u32'),
      interruptNum: raw('interrupt_num'),
      maxPeers: raw('max_peers'),
    };
    if (Object.values(entry).some((v) => v === undefined)) return void (ok = false);
    configs.push(entry as IvcConfig);
  });
  return ok ? configs : undefined;
}

/**
 * arch_config keys of the architecture hvisor-tool supports that the workbench does not model
 * (tools/hvisor.c parse_arch_config under X86_64), to name it when a file is written for it.
 */
const UNMODELLED_ARCH_KEYS: Readonly<Record<string, readonly string[]>> = {
  x86_64: ['ioapic_base', 'ioapic_size', 'kernel_entry_gpa', 'cmdline_load_gpa', 'setup_load_gpa', 'initrd_load_gpa', 'rsdp_memory_region_id', 'acpi_memory_region_id', 'screen_base'],
};
/** Values of the top-level "arch" key in hvisor's and hvisor-tool's examples (the tool never reads it). */
const ARCH_NAMES: Readonly<Record<string, string>> = {
  arm64: 'aarch64', aarch64: 'aarch64', riscv: 'riscv64', riscv64: 'riscv64', loongarch64: 'loongarch64', loongarch: 'loongarch64', x86_64: 'x86_64', x86: 'x86_64',
};

/** Each architecture's arch_config keys, the board's own first. */
function archKeyTable(arch: BoardArch): [string, readonly string[]][] {
  const others = ZONE_ARCHES.filter((a) => a !== arch).map((a): [string, readonly string[]] => [a, schemaKeys(ARCH_ZONE_MODELS[a].schema)]);
  return [...others, ...Object.entries(UNMODELLED_ARCH_KEYS)];
}

/** What the board's arch_config holds, for the message refusing another architecture's. */
function expectedArchConfig(arch: BoardArch): string {
  const { fields } = ARCH_ZONE_MODELS[arch].schema;
  if (fields.length === 0) return 'whose hvisor-tool does not read arch_config';
  const always = fields.filter((f) => f.required && !f.when).map((f) => f.key);
  const variants = [...new Set(fields.filter((f) => f.when).map((f) => f.when!.key))];
  return `whose arch_config has ${listKeys(always)}${variants.length ? `, plus the keys of the ${variants.join(', ')} it names` : ''}`;
}

/** The architecture a file names or whose arch_config it has, when that is not the board's. */
function foreignArch(r: FileReader, doc: Json, archConfig: Json | undefined, arch: BoardArch): string | undefined {
  const named = lookupKey(doc, 'arch')?.value;
  const byName = typeof named === 'string' ? ARCH_NAMES[asciiLower(named)] : undefined;
  const own = schemaKeys(ARCH_ZONE_MODELS[arch].schema);
  if (archConfig && own.some((k) => lookupKey(archConfig, k) !== undefined)) {
    if (byName && byName !== arch) r.warning('arch', `says ${JSON.stringify(named)} but arch_config is ${arch}'s; hvisor-tool does not read "arch"`);
    return undefined;
  }
  for (const [name, keys] of archKeyTable(arch)) {
    // In the file's order, as its author wrote them.
    const present = archConfig ? Object.keys(archConfig).filter((k) => keys.includes(asciiLower(k))) : [];
    if (present.length > 0) return `${name} (arch_config has ${present.slice(0, 3).join(', ')})`;
  }
  return byName && byName !== arch ? `${byName} ("arch": ${JSON.stringify(named)})` : undefined;
}

function readArch(r: FileReader, doc: Json, arch: BoardArch): ArchConfig | undefined {
  const value = r.item(doc, 'arch_config', '');
  const other = foreignArch(r, doc, isObject(value) ? value : undefined, arch);
  if (other) {
    return r.error(value === undefined ? '' : 'arch_config', `this zone configuration is for ${other}; the board is ${arch}, ${expectedArchConfig(arch)}`);
  }
  return ARCH_CONFIG_VALIDATORS[arch].read(r, value);
}

function readPciBuses(r: FileReader, doc: Json, generation: ConfigGeneration): PciBusConfig[] | undefined {
  const value = r.item(doc, 'pci_config', '');
  if (value === undefined) {
    const message = 'is missing; hvisor-tool since PR #87 refuses a zone without it (write "pci_config": [])';
    if (generation === 0x06) return r.error('pci_config', message);
    r.warning('pci_config', message);
    return [];
  }
  const list = r.arrayValue(value, 'pci_config', ZONE_LIMITS.pciBuses, 'CONFIG_PCI_BUS_MAXNUM');
  if (!list) return undefined;
  const buses: PciBusConfig[] = [];
  let ok = true;
  list.forEach((item, i) => {
    const path = `pci_config[${i}]`;
    const bus = r.object(item, path);
    if (!bus) return void (ok = false);
    r.unknownKeys(bus, path, PCI_KEYS);
    const n = (key: string, width: Width = 'u64'): number | undefined => r.number(bus, key, path, width);
    const entry = {
      ecamBase: n('ecam_base'),
      ecamSize: n('ecam_size'),
      ioBase: n('io_base'),
      ioSize: n('io_size'),
      pciIoBase: n('pci_io_base'),
      mem32Base: n('mem32_base'),
      mem32Size: n('mem32_size'),
      pciMem32Base: n('pci_mem32_base'),
      mem64Base: n('mem64_base'),
      mem64Size: n('mem64_size'),
      pciMem64Base: n('pci_mem64_base'),
      busRangeBegin: n('bus_range_begin', 'u32'),
      busRangeEnd: n('bus_range_end', 'u32'),
      domain: n('domain', 'u8'),
    };
    if (Object.values(entry).some((v) => v === undefined)) return void (ok = false);
    buses.push(entry as PciBusConfig);
  });
  return ok ? buses : undefined;
}

function readPciDevices(r: FileReader, doc: Json, bytes: ZoneConfigBytes): PciDeviceAssignment[] | undefined {
  const value = r.item(doc, 'alloc_pci_devs', '');
  if (value === undefined) return [];
  const list = r.arrayValue(value, 'alloc_pci_devs', ZONE_LIMITS.pciDevices, 'CONFIG_MAX_PCI_DEV; hvisor-tool does not check it and would overrun the struct');
  if (!list) return undefined;
  // Every hvisor-tool that reads the virtual BDF (4d5ae27 on) requires all three keys in every entry
  // (tools/hvisor.c parse_pci_config: parse_json_linux_u8 of a missing key fails).
  const readsVirtual = vbdfEntries(doc).length > 0;
  const devices: PciDeviceAssignment[] = [];
  let ok = true;
  list.forEach((item, i) => {
    const path = `alloc_pci_devs[${i}]`;
    const dev = r.object(item, path);
    if (!dev) return void (ok = false);
    r.unknownKeys(dev, path, PCI_DEV_KEYS);
    const domain = r.number(dev, 'domain', path, 'u8');
    const bus = r.number(dev, 'bus', path, 'u8');
    const device = r.number(dev, 'device', path, 'u8');
    const fn = r.number(dev, 'function', path, 'u8');
    const virtual = readsVirtual ? VBDF_KEYS.map((key) => r.number(dev, key, path, 'u8')) : [bus, device, fn];
    const devType = r.number(dev, 'dev_type', path, 'u32');
    if (device !== undefined && device > 31) r.error(`${path}.device`, `device ${device} is out of range (0..31)`);
    if (fn !== undefined && fn > 7) r.error(`${path}.function`, `function ${fn} is out of range (0..7)`);
    if (readsVirtual && virtual[1] !== undefined && virtual[1] > 31) r.error(`${path}.v_device`, `device ${virtual[1]} is out of range (0..31)`);
    if (readsVirtual && virtual[2] !== undefined && virtual[2] > 7) r.error(`${path}.v_function`, `function ${virtual[2]} is out of range (0..7)`);
    const [vBus, vDevice, vFunction] = virtual;
    if (
      domain === undefined || bus === undefined || device === undefined || fn === undefined || devType === undefined ||
      vBus === undefined || vDevice === undefined || vFunction === undefined
    ) {
      return void (ok = false);
    }
    const assignment = { domain, bus, device, function: fn, vBus, vDevice, vFunction, devType };
    const problem = virtualBdfProblem(assignment, bytes);
    if (problem) {
      r.error(path, problem);
      ok = false;
      return;
    }
    devices.push(assignment);
  });
  if (ok && readsVirtual && devices.length > 0) {
    r.warning(
      'alloc_pci_devs',
      `v_bus/v_device/v_function are read by hvisor-tool from 4d5ae27 on, which builds a ${bytes.withVirtualBdf}-byte HvZoneConfig that hvisor v0.4 refuses; ` +
        `the workbench starts the zone with v0.4's ${bytes.hvisorV04}-byte struct, which carries it because each virtual BDF equals the physical one ` +
        `(${devices.map((d) => formatBdf(d.domain, d.bus, d.device, d.function)).join(', ')})`,
    );
  }
  return ok ? devices : undefined;
}

function readModules(r: FileReader, doc: Json): ZoneModule[] | undefined {
  const value = r.item(doc, 'modules', '');
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    r.warning('modules', 'is not an array; hvisor-tool ignores it');
    return [];
  }
  if (value.length > ZONE_LIMITS.modules) {
    return r.error('modules', `${value.length} entries; the workbench loads at most ${ZONE_LIMITS.modules} modules (hvisor-tool sets no limit)`);
  }
  const modules: ZoneModule[] = [];
  let ok = true;
  value.forEach((item, i) => {
    const path = `modules[${i}]`;
    const module = r.object(item, path);
    if (!module) return void (ok = false);
    r.unknownKeys(module, path, MODULE_KEYS);
    const name = r.string(module, 'name', path);
    const filepath = r.string(module, 'filepath', path);
    // parse_modules insists on a string here (cJSON_IsString), unlike every other address.
    const rawPaddr = r.string(module, 'load_paddr', path);
    const loadPaddr = rawPaddr === undefined ? undefined : r.numberValue(rawPaddr, `${path}.load_paddr`, 'u64');
    if (name === undefined || filepath === undefined || loadPaddr === undefined) return void (ok = false);
    modules.push({ name, filepath, loadPaddr });
  });
  return ok ? modules : undefined;
}
