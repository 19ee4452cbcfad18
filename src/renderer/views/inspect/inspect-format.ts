/**
 * How the inspectors turn the protocol's data into text: one-line register summaries from decoded
 * fields, which groups draw as a compact grid, and the cells of a controller table by column kind.
 * Plain functions (no Vue), so the views stay templates and this is tested without a DOM.
 */
import type { ControllerCell, ControllerColumn, RegisterGroupData, RegisterValueData } from '../../../shared/protocol/index';

/** "0x89000d54" from "0x0000000089000d54". */
export function shortHex(value: string): string {
  try {
    return `0x${BigInt(value).toString(16)}`;
  } catch {
    return value;
  }
}

/** A 64-bit hex value split into dimmed leading zeros and the significant digits, as debuggers show it. */
export function splitLeadingZeros(value: string): [string, string] {
  if (!value.startsWith('0x')) return ['', value];
  const digits = value.slice(2);
  const significant = digits.replace(/^0+(?=.)/, '');
  return [digits.slice(0, digits.length - significant.length), significant];
}

/** Bit range of a field: "7" or "12:11". */
export function bitRange(lsb: number, width: number): string {
  return width === 1 ? `${lsb}` : `${lsb + width - 1}:${lsb}`;
}

/**
 * One line for a register: its own summary if the data has one, else its other readings, else its
 * fields: the names of the one-bit flags that are set, then the wider fields with what they mean.
 */
export function summarize(register: RegisterValueData): string {
  if (register.summary !== undefined) return register.summary;
  if (register.readings && register.readings.length > 0) return register.readings.map((r) => `${r.label} ${r.text}`).join(' · ');
  const fields = register.fields ?? [];
  if (fields.length === 0) return '';
  const flags = fields.filter((f) => f.width === 1 && f.value === '1').map((f) => (f.meaning ? `${f.name} (${f.meaning})` : f.name));
  const wide = fields.filter((f) => f.width > 1).map((f) => `${f.name}=${f.meaning ?? f.value}`);
  return [...flags, ...wide].join(' ') || 'none set';
}

/** A group with nothing to decode (general-purpose registers): drawn as a compact grid of values. */
export function isCompactGroup(group: RegisterGroupData): boolean {
  return group.registers.every((r) => !r.fields?.length && r.summary === undefined && !r.readings?.length);
}

/** A compact group's registers in rows of `columns`, filled column by column (x0..x15 | x16..x31). */
export function gridRows<T>(items: readonly T[], columns = 2): (T | undefined)[][] {
  const height = Math.ceil(items.length / columns);
  return Array.from({ length: height }, (_, row) => Array.from({ length: columns }, (_, column) => items[column * height + row]));
}

/** The text of a controller table's cell, by its column's kind. */
export function cellText(column: ControllerColumn, cell: ControllerCell | undefined, zoneName: (id: number) => string): string {
  if (cell === null || cell === undefined) return '—';
  switch (column.kind) {
    case 'flag':
      return cell === true ? (column.on ?? 'yes') : (column.off ?? '·');
    case 'zone':
      return typeof cell === 'number' ? zoneName(cell) : String(cell);
    default:
      return String(cell);
  }
}
