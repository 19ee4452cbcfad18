/**
 * The inspectors' protocol: interrupt controllers (the physical PLIC and every zone's vPLIC, with their
 * register maps as data so that another controller kind needs no new view) and the vCPUs of a zone
 * (registers, decoded CSRs, disassembly) with per-zone debug control (pause, single step, breakpoint).
 *
 * 64-bit values travel as hex strings ("0x" + 16 digits): JSON has no 64-bit integers.
 */

/** A register of a device's map, as the core declares it (mirror of core/bus RegisterDef). */
export interface RegisterDefData {
  readonly name: string;
  readonly offset: number;
  readonly width: 1 | 2 | 4 | 8;
  readonly access: string;
  readonly reset: number;
  readonly description?: string;
  readonly fields?: readonly { readonly name: string; readonly lsb: number; readonly width: number; readonly description?: string }[];
  readonly count?: number;
  readonly stride?: number;
}

export interface ControllerSource {
  readonly id: number;
  readonly priority: number;
  readonly pending: boolean;
  /** Claimed and not yet completed. */
  readonly active: boolean;
  /** The input line's level (physical controllers only). */
  readonly level?: boolean;
  /** Zone whose `interrupts` list it (null: nobody's). */
  readonly owner: number | null;
  /** The line reaches the physical controller (board HW_IRQS); false = injected by the hypervisor only. */
  readonly hw: boolean;
}

export interface ControllerContext {
  readonly id: number;
  /** What the guest calls it, e.g. "ctx 3" or "vctx 1". */
  readonly label: string;
  /** Physical hart behind the context. */
  readonly hart: number;
  readonly mode: 'M' | 'S';
  readonly enables: readonly number[];
  readonly threshold: number;
  /** The source a claim would return now (0 = none). */
  readonly wouldClaim: number;
}

export interface InterruptControllerState {
  /** Stable key: "plic" or "vplic.<zone>". */
  readonly id: string;
  readonly kind: 'sifive-plic' | 'vplic';
  readonly title: string;
  /** The zone a virtual controller belongs to (null for the physical one). */
  readonly zone: number | null;
  readonly base: string | null;
  readonly sources: readonly ControllerSource[];
  readonly contexts: readonly ControllerContext[];
  readonly registers: readonly RegisterDefData[];
}

export interface InterruptControllersState {
  readonly arch: string;
  readonly zones: readonly { readonly id: number; readonly name: string }[];
  readonly controllers: readonly InterruptControllerState[];
}

export interface RegisterFieldValue {
  readonly name: string;
  readonly lsb: number;
  readonly width: number;
  /** The field's raw value (decimal for small fields, hex for addresses). */
  readonly value: string;
  /** What the value means ("S", "Sv39", "Dirty", "supervisor timer interrupt"). */
  readonly meaning?: string;
}

export interface CsrValue {
  readonly name: string;
  readonly number: number;
  readonly value: string;
  readonly fields: readonly RegisterFieldValue[];
  /** One line: the set bits by name, the mode and root page, the cause name. */
  readonly summary: string;
}

export interface IntRegisterValue {
  readonly index: number;
  readonly abi: string;
  readonly value: string;
}

export interface FpRegisterValue {
  readonly index: number;
  readonly abi: string;
  readonly value: string;
  /** The 64 bits as a double, and the low 32 bits as a single ("(not NaN-boxed)" when the high half is not all ones). */
  readonly double: string;
  readonly single: string;
}

export interface DisassemblyLine {
  readonly address: string;
  /** Instruction bytes as hex, in memory order. */
  readonly bytes: string;
  readonly text: string;
  readonly current: boolean;
  readonly breakpoint: boolean;
}

export type StopReason = 'pause' | 'step' | 'breakpoint';

export interface HartRegisterState {
  readonly hart: number;
  /** Index of the vCPU inside its zone. */
  readonly vcpu: number;
  readonly status: 'stopped' | 'running' | 'waiting' | 'paused' | 'faulted' | 'exited';
  /** Held by the debugger (zone pause, step or breakpoint). */
  readonly held: boolean;
  readonly retired: number;
  readonly pc: string;
  /** Physical address of the pc as the hart translated it (null: not translated). */
  readonly pcPhysical: string | null;
  readonly privilege: 'M' | 'S' | 'U';
  readonly x: readonly IntRegisterValue[];
  readonly f: readonly FpRegisterValue[];
  readonly csrs: readonly CsrValue[];
  readonly disassembly: readonly DisassemblyLine[];
  /** Why there is no disassembly (e.g. "virtual: not translated"). */
  readonly disassemblyNote?: string;
  /** Bumped by the vCPU at every snapshot it publishes. */
  readonly snapshot: number;
  readonly lastStop: { readonly reason: StopReason; readonly pc: string; readonly count: number } | null;
}

export interface ZoneDebugState {
  readonly zone: number;
  readonly name: string;
  readonly paused: boolean;
  readonly breakpoint: string | null;
  readonly harts: readonly HartRegisterState[];
}

export interface InspectCommands {
  'inspect.plic': { params: Record<string, never>; result: InterruptControllersState };
  'inspect.harts': { params: { zone: number }; result: ZoneDebugState };
  /** Every hart of the zone stops at a slice boundary; the rest of the machine keeps running. */
  'zone.pause': { params: { zone: number }; result: ZoneDebugState };
  'zone.resume': { params: { zone: number }; result: ZoneDebugState };
  /** One instruction on a hart of a paused zone (interrupts masked during the step, as QEMU's gdbstub does). */
  'zone.step': { params: { zone: number; hart: number }; result: ZoneDebugState };
  /** A guest-virtual pc ("0x..." or a number) on every hart of the zone; null clears it. */
  'zone.breakpoint': { params: { zone: number; address: string | number | null }; result: ZoneDebugState };
}

export interface InspectEvents {
  'zone.stopped': { zone: number; hart: number; reason: StopReason; pc: string };
}
