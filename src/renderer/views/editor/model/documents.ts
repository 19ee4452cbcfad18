/**
 * The editor's documents: each file is kept as the JSON value it will be written as, and the form
 * reads and writes it by JSON path (the same paths validation findings carry). What a field does not
 * parse as stays in the document as the text typed, so the validator reports it at that path and
 * nothing the user wrote is lost.
 */
import { ARCH_ZONE_MODELS, ZONE_ARCHES } from '../../../../shared/model/arch/registry';
import type { LayoutFileKind } from '../../../../shared/protocol/layout-files';
import { isObject, type Json, type JsonObject } from './json-format';

export interface EditorFile {
  /** Relative to the layout folder. */
  readonly path: string;
  readonly kind: LayoutFileKind;
  /** The text on disk (as read or last saved); undefined for a file that does not exist yet. */
  readonly savedText: string | undefined;
  /** The document; undefined while the text is not JSON. */
  readonly doc: Json | undefined;
  /** What the user has while the text is not JSON (edited as text until it parses). */
  readonly rawText?: string;
}

/** How a form field turns what is typed into the JSON value. */
export type FieldKind =
  /** An address or size: hvisor-tool reads a string with strtoumax, so the text is kept as written. */
  | 'hex'
  /** A field hvisor-tool reads with valueint: a JSON number; anything else stays text (and is an error). */
  | 'int'
  /** A list of integers such as cpus or interrupts, typed as "1, 2". */
  | 'int-list'
  /** A list of strings such as a MAC address, typed as "0x02, 0x00, ...". */
  | 'text-list'
  /** true or false (aarch64's is_aarch32); anything else stays text. */
  | 'bool'
  | 'text';

type Segment = string | number;

export function parsePath(path: string): Segment[] {
  const segments: Segment[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(match[2] !== undefined ? Number(match[2]) : match[1]!);
  }
  return segments;
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

export function getAt(doc: Json | undefined, path: string): Json | undefined {
  let current: Json | undefined = doc;
  for (const segment of parsePath(path)) {
    if (typeof segment === 'number') current = Array.isArray(current) ? current[segment] : undefined;
    else current = isObject(current) ? current[segment] : undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

/**
 * A copy of `doc` with the value at `path` replaced (`undefined` removes an object key or an array
 * item). Only the objects along the path are copied, so snapshots for undo share the rest.
 */
export function setAt(doc: Json, path: string, value: Json | undefined): Json {
  const segments = parsePath(path);
  const apply = (current: Json | undefined, index: number): Json | undefined => {
    if (index === segments.length) return value;
    const segment = segments[index]!;
    if (typeof segment === 'number') {
      const list = Array.isArray(current) ? [...current] : [];
      const next = apply(list[segment], index + 1);
      if (next === undefined) list.splice(segment, 1);
      else list[segment] = next;
      return list;
    }
    const object: JsonObject = isObject(current) ? { ...current } : {};
    const next = apply(object[segment], index + 1);
    if (next === undefined) delete object[segment];
    else object[segment] = next;
    return object;
  };
  return apply(doc, 0) ?? null;
}

/** Appends an item to the array at `path` (creating it). */
export function appendAt(doc: Json, path: string, item: Json): Json {
  const list = getAt(doc, path);
  return setAt(doc, path, [...(Array.isArray(list) ? list : []), item]);
}

/** The text a field shows for the value in the document. */
export function fieldText(value: Json | undefined, kind: FieldKind): string {
  if (value === undefined || value === null) return '';
  if ((kind === 'int-list' || kind === 'text-list') && Array.isArray(value)) {
    return value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(', ');
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** The JSON value for what the user typed into a field. */
export function fieldValue(text: string, kind: FieldKind): Json {
  switch (kind) {
    case 'int': {
      const trimmed = text.trim();
      return DECIMAL.test(trimmed) && Number.isSafeInteger(Number(trimmed)) ? Number(trimmed) : text;
    }
    case 'int-list':
      return text
        .split(/[\s,]+/)
        .filter((token) => token !== '')
        .map((token) => (DECIMAL.test(token) && Number.isSafeInteger(Number(token)) ? Number(token) : token));
    case 'text-list':
      return text.split(/[\s,]+/).filter((token) => token !== '');
    case 'hex':
      return text.trim();
    case 'bool':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'text':
      return text;
  }
}

/** arch_config's address and size keys of every architecture's schema (their names do not overlap). */
const ARCH_HEX_KEYS = ZONE_ARCHES.flatMap((arch) => ARCH_ZONE_MODELS[arch].schema.fields.filter((f) => f.kind === 'hex').map((f) => f.key));

/** Addresses and sizes hvisor's examples write as "0x..." strings, per file kind (paths with [] for any index). */
const HEX_FIELDS: Record<LayoutFileKind, readonly RegExp[]> = {
  zone: [
    /^memory_regions\[\d+\]\.(physical_start|virtual_start|size)$/,
    /^(kernel_load_paddr|dtb_load_paddr|entry_point)$/,
    new RegExp(`^arch_config\\.(${ARCH_HEX_KEYS.join('|')})$`),
    /^ivc_configs\[\d+\]\.(control_table_ipa|shared_mem_ipa|rw_sec_size|out_sec_size)$/,
    /^pci_config\[\d+\]\.[a-z0-9_]+$/,
    /^modules\[\d+\]\.load_paddr$/,
  ],
  virtio: [/^(zones\[\d+\]\.)?memory_region\[\d+\]\.(zone0_ipa|zonex_ipa|size)$/, /^(zones\[\d+\]\.)?devices\[\d+\]\.(addr|len)$/],
  layout: [],
};

/**
 * Writes addresses and sizes the way hvisor's examples do: a JSON number or a decimal string becomes a
 * "0x..." string. Hex text is kept as written (its zero padding included), and so is anything that
 * is not a valid number, which validation reports.
 */
export function normalizeNumbers(doc: Json, kind: LayoutFileKind): Json {
  const patterns = HEX_FIELDS[kind];
  const walk = (value: Json, path: string): Json => {
    if (Array.isArray(value)) return value.map((item, i) => walk(item, joinPath(path, i)));
    if (isObject(value)) {
      const out: JsonObject = {};
      for (const [key, child] of Object.entries(value)) out[key] = walk(child, joinPath(path, key));
      return out;
    }
    if (!patterns.some((pattern) => pattern.test(path))) return value;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return '0x' + value.toString(16);
    if (typeof value === 'string' && DECIMAL.test(value.trim()) && Number.isSafeInteger(Number(value.trim()))) {
      return '0x' + Number(value.trim()).toString(16);
    }
    return value;
  };
  return walk(doc, '');
}

/** A readable label for a zone document: its name, else the file. */
export function zoneTitle(file: EditorFile): string {
  const name = getAt(file.doc, 'name');
  return typeof name === 'string' && name !== '' ? name : file.path;
}
