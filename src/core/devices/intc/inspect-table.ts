/**
 * What every interrupt controller's inspectState() shares: the columns its tables have in common
 * (pending, active, owner zone...), the context the machine gives it (which zone owns a line, which
 * lines reach the physical controller), and register values decoded from the register map's fields.
 * The tables are the protocol's data (shared/protocol/inspect.ts), so one view draws any controller.
 * Left out: reading state; each controller computes its rows from its own shared region.
 */
import type { RegisterDef } from '../../bus/types';
import type { ControllerColumn, RegisterDefData, RegisterValueData } from '../../../shared/protocol/inspect';

/** What the machine knows about the lines that the controller does not. */
export interface ControllerInspectContext {
  /** The zone whose configuration lists the line (numbered as zone configs number them), or null. */
  readonly ownerOf?: (line: number) => number | null;
  /** The zone running on a CPU: the owner of that CPU's banked (per-CPU) interrupts. */
  readonly ownerOfCpu?: (cpu: number) => number | null;
  /** The line is wired to the physical controller (the board's HW_IRQS); false: only ever injected. */
  readonly isHw?: (line: number) => boolean;
}

export const Column = {
  number: (key: string, label: string, description?: string): ControllerColumn => ({ key, label, kind: 'number', ...(description ? { description } : {}) }),
  text: (key: string, label: string, description?: string): ControllerColumn => ({ key, label, kind: 'text', ...(description ? { description } : {}) }),
  pending: { key: 'pending', label: 'Pending', kind: 'flag', on: 'pending', tone: 'warn' } as ControllerColumn,
  active: { key: 'active', label: 'Active', kind: 'flag', on: 'active', tone: 'info' } as ControllerColumn,
  enabled: { key: 'enabled', label: 'Enabled', kind: 'flag', on: 'enabled', tone: 'ok' } as ControllerColumn,
  level: { key: 'level', label: 'Level', kind: 'flag', on: 'high', off: 'low', description: 'The input line as the device drives it' } as ControllerColumn,
  owner: { key: 'owner', label: 'Owner', kind: 'zone', description: 'The zone whose configuration lists the interrupt' } as ControllerColumn,
  hw: { key: 'hw', label: 'Kind', kind: 'tag', description: 'hw: wired to the physical controller; virtual: injected by the hypervisor' } as ControllerColumn,
} as const;

/** The legend of the `hw` column's tags. */
export const HW_LEGEND = [
  { label: 'hw', text: 'wired to the physical controller' },
  { label: 'virtual', text: 'injected by the hypervisor' },
] as const;

export const hwTag = (hw: boolean): string => (hw ? 'hw' : 'virtual');

export const hex = (value: number): string => `0x${(value >>> 0).toString(16)}`;

/** A list of interrupt numbers as one cell ("10, 33", or null for none). */
export const listCell = (ids: readonly number[]): string | null => (ids.length > 0 ? ids.join(', ') : null);

/** A register's current value with the fields its definition declares, decoded. */
export function registerValue(def: RegisterDef, value: number | bigint): RegisterValueData {
  const v = BigInt.asUintN(def.width * 8, BigInt(value));
  const fields = (def.fields ?? []).map((f) => {
    const raw = (v >> BigInt(f.lsb)) & ((1n << BigInt(f.width)) - 1n);
    return { name: f.name, lsb: f.lsb, width: f.width, value: f.width <= 8 ? raw.toString() : `0x${raw.toString(16)}` };
  });
  return { name: def.name, value: `0x${v.toString(16).padStart(def.width * 2, '0')}`, ...(fields.length > 0 ? { fields } : {}) };
}

/** The register map as the protocol carries it (the same table the device declares). */
export const registerMap = (defs: readonly RegisterDef[]): readonly RegisterDefData[] => defs;
