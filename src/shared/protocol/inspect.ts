/**
 * The inspectors' protocol, as data: the CPUs of a zone (named register groups with decoded fields,
 * a disassembly around the pc) with per-zone debug control (pause, single step, breakpoint), and the
 * interrupt controllers (tables whose columns the data names, registers with decoded fields, the
 * register map). The renderer draws a RISC-V hart, an Arm CPU, a PLIC or a GICv3 with the same views:
 * nothing here names an ISA or a controller, the words a view shows ("hart", "INTID") come with the data.
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

export interface RegisterFieldValue {
  readonly name: string;
  readonly lsb: number;
  readonly width: number;
  /** The field's raw value (decimal for small fields, hex for addresses). */
  readonly value: string;
  /** What the value means ("S", "Sv39", "EL1h", "supervisor timer interrupt"). */
  readonly meaning?: string;
}

/** A register's value; `fields` decode it, `summary` says it in one line (else a view derives one from the fields). */
export interface RegisterValueData {
  readonly name: string;
  /** "0x" + hex digits. */
  readonly value: string;
  readonly fields?: readonly RegisterFieldValue[];
  readonly summary?: string;
  /** Other readings of the same bits, e.g. { label: 'double', text: '1.5' } for a floating-point register. */
  readonly readings?: readonly { readonly label: string; readonly text: string }[];
}

/**
 * A decoded register with its architectural number, as core/cpu/hart-snapshot.ts's CSR decoder returns
 * it; the wire carries it as a RegisterValueData.
 */
export interface CsrValue {
  readonly name: string;
  readonly number: number;
  readonly value: string;
  readonly fields: readonly RegisterFieldValue[];
  readonly summary: string;
}

/** A named group of registers ("General", "Supervisor", "PSTATE", "Timer"...). The first is the general-purpose one. */
export interface RegisterGroupData {
  readonly name: string;
  readonly registers: readonly RegisterValueData[];
}

// -------------------------------------------------------------------------------------------------
// Interrupt controllers

/** How a view draws a column's cells. */
export type ControllerColumnKind =
  /** A number or a short code, right-aligned. */
  | 'number'
  /** A boolean drawn as `on` / `off` words (pending / ·). */
  | 'flag'
  /** A zone id (null: nobody's), drawn with the zone's name. */
  | 'zone'
  /** A short label drawn as a pill (hw / virtual). */
  | 'tag'
  | 'text';

export interface ControllerColumn {
  readonly key: string;
  readonly label: string;
  readonly kind: ControllerColumnKind;
  /** Flag columns: the words for true and false (default "yes" / "·"), and how a true cell stands out. */
  readonly on?: string;
  readonly off?: string;
  readonly tone?: 'warn' | 'info' | 'ok';
  readonly description?: string;
}

export type ControllerCell = string | number | boolean | null;

export interface ControllerRow {
  /** Stable within the table (e.g. "10", or "cpu1.27" for a banked interrupt). */
  readonly key: string;
  readonly cells: Readonly<Record<string, ControllerCell>>;
  /** Zone that owns the interrupt (filters by owner); absent: the row belongs to no zone (a context, a CPU interface). */
  readonly owner?: number | null;
  /** Pending or active (the "pending or active only" filter). */
  readonly busy?: boolean;
  /** Configured or signalled in some way; unused rows are hidden unless the view asks for them. */
  readonly used?: boolean;
}

export interface ControllerTable {
  readonly key: string;
  readonly title: string;
  readonly columns: readonly ControllerColumn[];
  readonly rows: readonly ControllerRow[];
}

/** What a controller says about itself (computed in core without side effects). */
export interface ControllerInspectData {
  /** What the hardware (or hvisor) calls it: "PLIC", "vPLIC", "GICv3". */
  readonly name: string;
  readonly kind: string;
  /** The interrupt lines (sources, INTIDs): the first table. */
  readonly lines: ControllerTable;
  /** Where interrupts go (PLIC contexts, GIC CPU interfaces). */
  readonly targets?: ControllerTable;
  /** Further tables after those (a virtual controller's refused accesses). */
  readonly extra?: readonly ControllerTable[];
  /** Global registers with their current values. */
  readonly registers: readonly RegisterValueData[];
  /** The register map, as the device declares it. */
  readonly registerMap: readonly RegisterDefData[];
  /** Noun for the lines table's summary ("sources", "INTIDs"). */
  readonly lineNoun?: string;
}

export interface InterruptControllerState extends ControllerInspectData {
  /** Stable key: "plic", "gic", "vplic.<zone>". */
  readonly id: string;
  readonly title: string;
  /** The zone a virtual controller belongs to (null for a physical one). */
  readonly zone: number | null;
  readonly base: string | null;
}

export interface InterruptControllersState {
  readonly arch: string;
  readonly zones: readonly { readonly id: number; readonly name: string }[];
  readonly controllers: readonly InterruptControllerState[];
  /** What the tags of the tables mean, e.g. { label: 'hw', text: 'reaches the physical PLIC' }. */
  readonly legend?: readonly { readonly label: string; readonly text: string }[];
}

// -------------------------------------------------------------------------------------------------
// CPUs

export interface DisassemblyLine {
  readonly address: string;
  /** Instruction bytes as hex, in memory order. */
  readonly bytes: string;
  readonly text: string;
  readonly current: boolean;
  readonly breakpoint: boolean;
  /** The address as `name+0xoff` from the zone's symbols. */
  readonly symbol?: string;
  /** An address in the instruction (a branch target, a loaded address) that a symbol names. */
  readonly target?: string;
}

export type StopReason = 'pause' | 'step' | 'breakpoint';

export interface CpuRegisterState {
  /** The physical CPU number (RISC-V hart id, Arm CPU index). */
  readonly cpu: number;
  /** Index of the vCPU inside its zone. */
  readonly vcpu: number;
  readonly status: 'stopped' | 'running' | 'waiting' | 'paused' | 'faulted' | 'exited';
  /** Held by the debugger (zone pause, step or breakpoint). */
  readonly held: boolean;
  readonly retired: number;
  readonly pc: string;
  /** The pc as `name+0xoff` from the zone's symbols. */
  readonly pcSymbol?: string;
  /** Physical address of the pc as the CPU translated it (null: not translated). */
  readonly pcPhysical: string | null;
  /** The privilege level in the ISA's words ("S-mode", "EL1h"), when known. */
  readonly level: string | null;
  readonly groups: readonly RegisterGroupData[];
  /** The CPU's snapshot did not fit its shared region: the last groups or registers are missing. */
  readonly truncated?: boolean;
  readonly disassembly: readonly DisassemblyLine[];
  /** Why there is no disassembly (e.g. "virtual: not translated"). */
  readonly disassemblyNote?: string;
  /** Bumped by the vCPU at every snapshot it publishes. */
  readonly snapshot: number;
  readonly lastStop: { readonly reason: StopReason; readonly pc: string; readonly count: number; readonly symbol?: string } | null;
}

/** What a debug point stops on: an instruction (a breakpoint) or a data access (a watchpoint). */
export type DebugPointKind = 'execute' | 'read' | 'write' | 'access';

/** A breakpoint or watchpoint of the register view's list. */
export interface DebugPointData {
  readonly id: number;
  readonly kind: DebugPointKind;
  /** Guest-virtual address. */
  readonly address: string;
  /** Bytes watched (1 for a breakpoint). */
  readonly length: number;
  readonly enabled: boolean;
  /** The address as `name+0xoff`. */
  readonly symbol?: string;
  readonly hits: number;
  /** This point stopped the zone, which is still held. */
  readonly hit: boolean;
}

/** The zone's breakpoints and watchpoints as the register view lists them. */
export interface ZoneDebugPoints {
  readonly points: readonly DebugPointData[];
  /** Enabled ones at a time: the size of each CPU's debug table. */
  readonly limits: { readonly breakpoints: number; readonly watchpoints: number };
  /** A gdb client is attached to the zone's stub: the debug table is gdb's, the list is read-only. */
  readonly gdbOwns: boolean;
  /** What stopped the zone, in words ("breakpoint 1 at zone_trap"), while it is held. */
  readonly hit: string | null;
}

/** Where the zone's symbols came from. */
export interface ZoneSymbolsInfo {
  /** The file (relative to the layout folder when it lies there); null: none found. */
  readonly file: string | null;
  readonly count: number;
  /** Why the file gave no symbols. */
  readonly error?: string;
}

export interface ZoneDebugState {
  readonly zone: number;
  readonly name: string;
  readonly arch: string;
  /** What the ISA calls a CPU: "hart" on RISC-V, "CPU" elsewhere. */
  readonly cpuNoun: string;
  readonly paused: boolean;
  readonly cpus: readonly CpuRegisterState[];
  readonly points: ZoneDebugPoints;
  readonly symbols: ZoneSymbolsInfo;
}

/** A zone's GDB stub (host/gdb): where it listens and the command line that connects gdb to it. */
export interface GdbStubInfo {
  readonly zone: number;
  readonly port: number;
  readonly commandLine: string;
}

export interface InspectCommands {
  'inspect.interrupts': { params: Record<string, never>; result: InterruptControllersState };
  'inspect.cpus': { params: { zone: number }; result: ZoneDebugState };
  /** Every CPU of the zone stops at a slice boundary; the rest of the machine keeps running. */
  'zone.pause': { params: { zone: number }; result: ZoneDebugState };
  'zone.resume': { params: { zone: number }; result: ZoneDebugState };
  /** One instruction on a CPU of a paused zone (interrupts masked during the step, as QEMU's gdbstub does). */
  'zone.step': { params: { zone: number; cpu: number }; result: ZoneDebugState };
  /** Toggles a breakpoint on a guest-virtual pc ("0x..." or a number) in the zone's list; null removes every breakpoint. */
  'zone.breakpoint': { params: { zone: number; address: string | number | null }; result: ZoneDebugState };
  /**
   * Adds a breakpoint (kind execute) or watchpoint at an address or a symbol name (`name`, `name+0x10`);
   * a watchpoint's length defaults to the symbol's size. Refused beyond the debug table's limits.
   */
  'zone.point.add': { params: { zone: number; location: string; kind: DebugPointKind; length?: number }; result: ZoneDebugState };
  'zone.point.enable': { params: { zone: number; id: number; enabled: boolean }; result: ZoneDebugState };
  'zone.point.remove': { params: { zone: number; id: number }; result: ZoneDebugState };
  /** Replaces the zone's symbols by a file the user dropped or picked (its bytes as base64). */
  'zone.symbols': { params: { zone: number; name: string; base64: string }; result: ZoneDebugState };
  /** Starts the zone's GDB stub on 127.0.0.1 (a free port) unless it runs already. */
  'zone.gdb': { params: { zone: number }; result: GdbStubInfo };
}

export interface InspectEvents {
  'zone.stopped': { zone: number; cpu: number; reason: StopReason; pc: string };
}
