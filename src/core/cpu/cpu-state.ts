/**
 * A CPU's private state (what its thread keeps outside the shared region: CSRs or system registers,
 * privilege, exclusive monitors, the pc's position) as bytes for a snapshot. Each ISA names the fields
 * of its CPU object that make up its architectural state and saves them with `saveFields`; restoring
 * checks that exactly those fields are there, so a snapshot from a CPU with other fields (another
 * version of the workbench) is refused naming the field instead of half-applied. Translation caches and
 * TLBs are not state here: the CPU flushes them after a restore.
 *
 * The encoding is JSON with tagged values (bigints, non-finite numbers, Maps), small next to the
 * registers the shared region already holds, and readable when a snapshot must be debugged.
 */

export type StateValue = number | bigint | boolean | string | null | readonly StateValue[] | ReadonlyMap<string | number, StateValue> | { readonly [key: string]: StateValue };

export class CpuStateError extends Error {}

const FORMAT = 'cpu-state/1';

function encodeValue(value: unknown): unknown {
  if (typeof value === 'bigint') return { $n: value.toString(16) };
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $f: String(value) };
  if (value instanceof Map) return { $m: [...value].map(([k, v]) => [encodeValue(k), encodeValue(v)]) };
  if (Array.isArray(value)) return value.map(encodeValue);
  if (value === undefined) return { $u: 1 };
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeValue(v)]));
  }
  return value;
}

function decodeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const n = o['$n'];
    if (typeof n === 'string') return n.startsWith('-') ? -BigInt(`0x${n.slice(1)}`) : BigInt(`0x${n}`);
    if (typeof o['$f'] === 'string') return Number(o['$f']);
    if (o['$u'] === 1) return undefined;
    if (Array.isArray(o['$m'])) return new Map((o['$m'] as unknown[][]).map(([k, v]) => [decodeValue(k), decodeValue(v)]));
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decodeValue(v)]));
  }
  return value;
}

/** JSON as ASCII bytes (anything above 0x7f escaped as \\uXXXX, which JSON.parse reads back). */
function asciiBytes(json: string): Uint8Array {
  const ascii = json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const bytes = new Uint8Array(ascii.length);
  for (let i = 0; i < ascii.length; i++) bytes[i] = ascii.charCodeAt(i);
  return bytes;
}

/** Encodes the named fields of `cpu` (and `extra` values, e.g. the pc) for a snapshot. */
export function saveFields(isa: string, cpu: object, fields: readonly string[], extra: Readonly<Record<string, unknown>> = {}): Uint8Array {
  const source = cpu as Record<string, unknown>;
  const values: Record<string, unknown> = {};
  for (const name of fields) values[name] = encodeValue(source[name]);
  for (const [name, value] of Object.entries(extra)) values[name] = encodeValue(value);
  return asciiBytes(JSON.stringify({ format: FORMAT, isa, values }));
}

/**
 * Decodes a saved state of `isa` with exactly `fields` plus `extraNames`; throws CpuStateError naming
 * what differs. Nothing is applied: the caller applies the result once it has been checked.
 */
export function readFields(isa: string, bytes: Uint8Array, fields: readonly string[], extraNames: readonly string[] = []): Record<string, unknown> {
  let parsed: { format?: unknown; isa?: unknown; values?: unknown };
  try {
    let text = '';
    for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
    parsed = JSON.parse(text) as typeof parsed;
  } catch (error) {
    throw new CpuStateError(`the ${isa} CPU state does not parse (${(error as Error).message})`);
  }
  if (parsed.format !== FORMAT) throw new CpuStateError(`the CPU state has format ${JSON.stringify(parsed.format)}, this workbench reads ${FORMAT}`);
  if (parsed.isa !== isa) throw new CpuStateError(`the CPU state is of a ${String(parsed.isa)} CPU, this CPU is ${isa}`);
  if (parsed.values === null || typeof parsed.values !== 'object') throw new CpuStateError(`the ${isa} CPU state has no values`);
  const values = parsed.values as Record<string, unknown>;
  const expected = [...fields, ...extraNames];
  const missing = expected.filter((name) => !(name in values));
  const unknown = Object.keys(values).filter((name) => !expected.includes(name));
  if (missing.length > 0 || unknown.length > 0) {
    throw new CpuStateError(
      `the ${isa} CPU state has other fields than this workbench's CPU` +
        `${missing.length ? ` (missing: ${missing.join(', ')})` : ''}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`,
    );
  }
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, decodeValue(v)]));
}

/** Applies decoded fields to the CPU: arrays and Maps are refilled in place (they may be readonly members). */
export function applyFields(cpu: object, values: Readonly<Record<string, unknown>>, fields: readonly string[]): void {
  const target = cpu as Record<string, unknown>;
  for (const name of fields) {
    const value = values[name];
    const current = target[name];
    if (Array.isArray(current) && Array.isArray(value)) {
      current.length = 0;
      current.push(...(value as unknown[]));
    } else if (current instanceof Map && value instanceof Map) {
      current.clear();
      for (const [k, v] of value) current.set(k, v);
    } else if (current !== null && typeof current === 'object' && !(current instanceof Map) && value !== null && typeof value === 'object' && !ArrayBuffer.isView(current)) {
      Object.assign(current, value);
    } else {
      target[name] = value;
    }
  }
}
