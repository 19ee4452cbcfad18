/**
 * The debugger's corner of a hart's shared region, after the CPU's registers: words the host writes to
 * arm a breakpoint, and a snapshot the vCPU publishes (privilege, the CSRs the register inspector shows,
 * the physical address of its pc, why it last stopped) so that the main thread reads a hart's state
 * without a message round trip. Integer and FP registers and the pc are not copied: they already live
 * in the region (X/PC/F offsets of the RV64 hart).
 *
 * The snapshot is a seqlock: the vCPU makes `snapshotSeq` odd while it writes and even when done; a
 * reader retries while it is odd or changed under it.
 *
 * Also here: decoding CSR values into named fields for the inspector (pure functions, tested).
 */
import type { CsrValue, RegisterFieldValue, StopReason } from '../../shared/protocol/inspect';
import { hex64 } from './cpu-core';
import { HART_HEADER_BYTES } from './hart-header';

/** Where the RV64 hart keeps its registers (must match isa/riscv64/hart.ts; a test checks it). */
export const SNAPSHOT_X_OFFSET = HART_HEADER_BYTES;
export const SNAPSHOT_PC_OFFSET = SNAPSHOT_X_OFFSET + 33 * 8;
export const SNAPSHOT_F_OFFSET = SNAPSHOT_PC_OFFSET + 8;
/** Byte offset of the debug area inside the hart's region. */
export const DEBUG_OFFSET = SNAPSHOT_F_OFFSET + 32 * 8;

/** CSRs the vCPU publishes, in slot order (number and name). sstatus/sie/sip are views of these. */
export const SNAPSHOT_CSRS = [
  [0x300, 'mstatus'], [0x302, 'medeleg'], [0x303, 'mideleg'], [0x304, 'mie'], [0x344, 'mip'],
  [0x305, 'mtvec'], [0x341, 'mepc'], [0x342, 'mcause'], [0x343, 'mtval'], [0x340, 'mscratch'],
  [0x105, 'stvec'], [0x141, 'sepc'], [0x142, 'scause'], [0x143, 'stval'], [0x140, 'sscratch'],
  [0x180, 'satp'], [0x14d, 'stimecmp'], [0x30a, 'menvcfg'], [0x10a, 'senvcfg'], [0x306, 'mcounteren'],
  [0x106, 'scounteren'], [0x003, 'fcsr'], [0xc01, 'time'],
] as const satisfies readonly (readonly [number, string])[];

export type SnapshotCsrName = (typeof SNAPSHOT_CSRS)[number][1];

/** Int32 word indices inside the debug area. */
export const DebugWord = {
  /** Host: bumped after every breakpoint change (the vCPU re-reads the next three words). */
  breakpointGen: 0,
  breakpointArmed: 1,
  breakpointLo: 2,
  breakpointHi: 3,
  /** vCPU: seqlock of the snapshot below. */
  snapshotSeq: 4,
  /** vCPU: bumped at every stop (pause reached, step done, breakpoint hit). */
  stopSeq: 5,
  stopReason: 6,
  privilege: 7,
  stopPcLo: 8,
  stopPcHi: 9,
  /** Physical address of the pc (all ones: not translated). */
  pcPhysLo: 10,
  pcPhysHi: 11,
  /**
   * The pc that pcPhys translates. The region's own pc words move on with every slice, so a view that
   * paired them with an older snapshot labelled one instruction with another's address.
   */
  pcLo: 12,
  pcHi: 13,
  /** First CSR slot: CSR i is at words csrs + 2i (low) and csrs + 2i + 1 (high). */
  csrs: 14,
} as const;

/** Breakpoints and watchpoints of a debugger (the GDB stub) besides the inspector's one breakpoint. */
export const MAX_BREAKPOINTS = 16;
export const MAX_WATCHPOINTS = 4;
/** Watchpoint kinds (bits): a store, a load, or both (GDB's Z2, Z3, Z4). */
export const WatchKind = { write: 1, read: 2, access: 3 } as const;

/**
 * Int32 word indices of the debugger's table, after the CSR slots. The host writes the table while
 * it owns it and then bumps DebugWord.breakpointGen; the vCPU re-reads it at its next turn (never per
 * instruction). The stop words are the vCPU's: what a watchpoint stop hit.
 */
export const DebugTable = {
  /** Host: armed breakpoints (0..MAX_BREAKPOINTS), then their addresses as lo/hi pairs. */
  bpCount: DebugWord.csrs + SNAPSHOT_CSRS.length * 2,
  bpFirst: DebugWord.csrs + SNAPSHOT_CSRS.length * 2 + 1,
  /** Host: armed watchpoints, then per watchpoint: address lo, hi, length in bytes, kind (WatchKind). */
  wpCount: DebugWord.csrs + SNAPSHOT_CSRS.length * 2 + 1 + 2 * MAX_BREAKPOINTS,
  wpFirst: DebugWord.csrs + SNAPSHOT_CSRS.length * 2 + 2 + 2 * MAX_BREAKPOINTS,
  /** vCPU: the last breakpoint stop was a watchpoint of this kind (0: an instruction breakpoint). */
  stopWatchKind: DebugWord.csrs + SNAPSHOT_CSRS.length * 2 + 2 + 2 * MAX_BREAKPOINTS + 4 * MAX_WATCHPOINTS,
  /** vCPU: the data address the watchpoint stop accessed. */
  stopDataLo: DebugWord.csrs + SNAPSHOT_CSRS.length * 2 + 3 + 2 * MAX_BREAKPOINTS + 4 * MAX_WATCHPOINTS,
  stopDataHi: DebugWord.csrs + SNAPSHOT_CSRS.length * 2 + 4 + 2 * MAX_BREAKPOINTS + 4 * MAX_WATCHPOINTS,
  /** Host: 1 when the pc below is to be written into the CPU before it runs again (registers are the region's, the pc is the CPU's own). */
  pcWrite: DebugWord.csrs + SNAPSHOT_CSRS.length * 2 + 5 + 2 * MAX_BREAKPOINTS + 4 * MAX_WATCHPOINTS,
  pcWriteLo: DebugWord.csrs + SNAPSHOT_CSRS.length * 2 + 6 + 2 * MAX_BREAKPOINTS + 4 * MAX_WATCHPOINTS,
  pcWriteHi: DebugWord.csrs + SNAPSHOT_CSRS.length * 2 + 7 + 2 * MAX_BREAKPOINTS + 4 * MAX_WATCHPOINTS,
} as const;

export const DEBUG_WORDS = DebugTable.pcWriteHi + 1;
export const DEBUG_BYTES = DEBUG_WORDS * 4;

/** A data watchpoint on guest-virtual addresses [address, address + length). */
export interface Watchpoint {
  readonly address: bigint;
  readonly length: number;
  readonly kind: number;
}

export interface DebugTableState {
  readonly breakpoints: readonly bigint[];
  readonly watchpoints: readonly Watchpoint[];
}

/** Host side: stores the table (at most MAX_* entries each) and bumps the generation the vCPU watches. */
export function writeDebugTable(words: Int32Array, table: DebugTableState): void {
  if (table.breakpoints.length > MAX_BREAKPOINTS) throw new Error(`at most ${MAX_BREAKPOINTS} breakpoints`);
  if (table.watchpoints.length > MAX_WATCHPOINTS) throw new Error(`at most ${MAX_WATCHPOINTS} watchpoints`);
  table.breakpoints.forEach((address, i) => putU64(words, DebugTable.bpFirst + 2 * i, address));
  Atomics.store(words, DebugTable.bpCount, table.breakpoints.length);
  table.watchpoints.forEach((w, i) => {
    putU64(words, DebugTable.wpFirst + 4 * i, w.address);
    words[DebugTable.wpFirst + 4 * i + 2] = w.length;
    words[DebugTable.wpFirst + 4 * i + 3] = w.kind;
  });
  Atomics.store(words, DebugTable.wpCount, table.watchpoints.length);
  Atomics.add(words, DebugWord.breakpointGen, 1);
}

/** vCPU side: the table as the host last wrote it (counts clamped, so a torn write cannot overrun). */
export function readDebugTable(words: Int32Array): DebugTableState {
  const bpCount = Math.min(MAX_BREAKPOINTS, Math.max(0, Atomics.load(words, DebugTable.bpCount)));
  const wpCount = Math.min(MAX_WATCHPOINTS, Math.max(0, Atomics.load(words, DebugTable.wpCount)));
  const breakpoints: bigint[] = [];
  for (let i = 0; i < bpCount; i++) breakpoints.push(getU64(words, DebugTable.bpFirst + 2 * i));
  const watchpoints: Watchpoint[] = [];
  for (let i = 0; i < wpCount; i++) {
    const at = DebugTable.wpFirst + 4 * i;
    watchpoints.push({ address: getU64(words, at), length: Math.max(1, words[at + 2]! >>> 0), kind: words[at + 3]! & 3 });
  }
  return { breakpoints, watchpoints };
}

export const STOP_REASONS: readonly (StopReason | undefined)[] = [undefined, 'pause', 'step', 'breakpoint'];
export const StopCode = { pause: 1, step: 2, breakpoint: 3 } as const;

/** The debug area of a hart region (`regionBytes` long, starting at `byteOffset` of `buffer`). */
export function debugWords(buffer: ArrayBufferLike, regionOffset: number): Int32Array {
  return new Int32Array(buffer, regionOffset + DEBUG_OFFSET, DEBUG_WORDS);
}

export function putU64(words: Int32Array, index: number, value: bigint): void {
  words[index] = Number(BigInt.asIntN(32, value));
  words[index + 1] = Number(BigInt.asIntN(32, value >> 32n));
}

export function getU64(words: ArrayLike<number>, index: number): bigint {
  return (BigInt(words[index + 1]! >>> 0) << 32n) | BigInt(words[index]! >>> 0);
}

/** What the vCPU writes (x and f are read from the region directly). */
export interface CsrSnapshot {
  readonly privilege: number;
  /** The pc when the snapshot was taken (the region's pc may have moved on since). */
  readonly pc: bigint;
  /** Physical address of the pc, or undefined when the hart could not translate it. */
  readonly pcPhysical: bigint | undefined;
  readonly csrs: ReadonlyMap<SnapshotCsrName, bigint>;
}

/**
 * Called by the vCPU after it stored its pc in the region: values are read through `read(csrNumber)`
 * (side-effect free); the pc is copied from the region the debug area belongs to.
 */
export function writeSnapshot(words: Int32Array, privilege: number, pcPhysical: bigint | undefined, read: (csr: number) => bigint | undefined): void {
  const seq = Atomics.load(words, DebugWord.snapshotSeq);
  Atomics.store(words, DebugWord.snapshotSeq, (seq + 1) | 0);
  words[DebugWord.privilege] = privilege;
  putU64(words, DebugWord.pcPhysLo, pcPhysical ?? -1n);
  const pcWords = new Int32Array(words.buffer, words.byteOffset - DEBUG_OFFSET + SNAPSHOT_PC_OFFSET, 2);
  words[DebugWord.pcLo] = pcWords[0]!;
  words[DebugWord.pcHi] = pcWords[1]!;
  for (let i = 0; i < SNAPSHOT_CSRS.length; i++) putU64(words, DebugWord.csrs + 2 * i, read(SNAPSHOT_CSRS[i]![0]) ?? 0n);
  // Never back to 0, which means "not published yet".
  Atomics.store(words, DebugWord.snapshotSeq, (seq + 2) | 0 || 2);
}

/** Called by another thread: a consistent copy of the snapshot (undefined if the vCPU never published one). */
export function readSnapshot(words: Int32Array): (CsrSnapshot & { readonly seq: number }) | undefined {
  for (let attempt = 0; attempt < 100; attempt++) {
    const before = Atomics.load(words, DebugWord.snapshotSeq);
    if (before & 1) continue;
    if (before === 0) return undefined;
    const copy = Int32Array.from(words);
    if (Atomics.load(words, DebugWord.snapshotSeq) !== before) continue;
    const csrs = new Map<SnapshotCsrName, bigint>();
    SNAPSHOT_CSRS.forEach(([, name], i) => csrs.set(name, getU64(copy, DebugWord.csrs + 2 * i)));
    const phys = getU64(copy, DebugWord.pcPhysLo);
    return { seq: before, privilege: copy[DebugWord.privilege]!, pc: getU64(copy, DebugWord.pcLo), pcPhysical: phys === 0xffff_ffff_ffff_ffffn ? undefined : phys, csrs };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// CSR field decoding

export const INTERRUPT_NAMES: Record<number, string> = {
  1: 'supervisor software interrupt', 3: 'machine software interrupt', 5: 'supervisor timer interrupt',
  7: 'machine timer interrupt', 9: 'supervisor external interrupt', 11: 'machine external interrupt',
  13: 'counter overflow interrupt',
};

export const EXCEPTION_NAMES: Record<number, string> = {
  0: 'instruction address misaligned', 1: 'instruction access fault', 2: 'illegal instruction',
  3: 'breakpoint', 4: 'load address misaligned', 5: 'load access fault', 6: 'store/AMO address misaligned',
  7: 'store/AMO access fault', 8: 'environment call from U-mode', 9: 'environment call from S-mode',
  10: 'environment call from VS-mode', 11: 'environment call from M-mode', 12: 'instruction page fault',
  13: 'load page fault', 15: 'store/AMO page fault', 20: 'instruction guest-page fault',
  21: 'load guest-page fault', 22: 'virtual instruction', 23: 'store/AMO guest-page fault',
};

const PRIV_NAMES = ['U', 'S', 'H', 'M'];
const FS_NAMES = ['Off', 'Initial', 'Clean', 'Dirty'];
const SATP_MODES: Record<number, string> = { 0: 'Bare', 8: 'Sv39', 9: 'Sv48', 10: 'Sv57' };
const IRQ_BITS = [1, 3, 5, 7, 9, 11, 13];
const IRQ_SHORT: Record<number, string> = { 1: 'SS', 3: 'MS', 5: 'ST', 7: 'MT', 9: 'SE', 11: 'ME', 13: 'LCOF' };
const S_IRQ_MASK = (1 << 1) | (1 << 5) | (1 << 9);
const FFLAGS = ['NX', 'UF', 'OF', 'DZ', 'NV'];
const ROUNDING = ['RNE', 'RTZ', 'RDN', 'RUP', 'RMM', '?', '?', 'DYN'];

/** One formatting of 64-bit values for every inspector view (defined in cpu-core.ts). */
export { hex64 };

function bits(value: bigint, lsb: number, width: number): number {
  return Number((value >> BigInt(lsb)) & ((1n << BigInt(width)) - 1n));
}

function flag(value: bigint, name: string, lsb: number, meaning?: string): RegisterFieldValue {
  const v = bits(value, lsb, 1);
  return { name, lsb, width: 1, value: String(v), ...(meaning && v ? { meaning } : {}) };
}

function field(value: bigint, name: string, lsb: number, width: number, names?: readonly string[] | Record<number, string>): RegisterFieldValue {
  const v = bits(value, lsb, width);
  const meaning = names ? (names as Record<number, string>)[v] : undefined;
  return { name, lsb, width, value: String(v), ...(meaning ? { meaning } : {}) };
}

function setFlags(fields: readonly RegisterFieldValue[]): string {
  return fields.filter((f) => f.width === 1 && f.value === '1').map((f) => f.name).join(' ');
}

function statusFields(value: bigint, machine: boolean): RegisterFieldValue[] {
  const fields = [flag(value, 'SIE', 1)];
  if (machine) fields.push(flag(value, 'MIE', 3));
  fields.push(flag(value, 'SPIE', 5));
  if (machine) fields.push(flag(value, 'MPIE', 7));
  fields.push(field(value, 'SPP', 8, 1, ['U', 'S']));
  if (machine) fields.push(field(value, 'MPP', 11, 2, PRIV_NAMES));
  fields.push(field(value, 'FS', 13, 2, FS_NAMES));
  if (machine) fields.push(flag(value, 'MPRV', 17));
  fields.push(flag(value, 'SUM', 18), flag(value, 'MXR', 19));
  if (machine) fields.push(flag(value, 'TVM', 20), flag(value, 'TW', 21), flag(value, 'TSR', 22));
  fields.push(field(value, 'UXL', 32, 2, { 1: '32', 2: '64', 3: '128' }));
  if (machine) fields.push(field(value, 'SXL', 34, 2, { 1: '32', 2: '64', 3: '128' }));
  fields.push(flag(value, 'SD', 63));
  return fields;
}

function interruptFields(value: bigint, suffix: 'IP' | 'IE', mask: number): RegisterFieldValue[] {
  return IRQ_BITS.filter((b) => (mask >> b) & 1).map((b) => flag(value, `${IRQ_SHORT[b]}${suffix}`, b, INTERRUPT_NAMES[b]));
}

function causeFields(value: bigint): RegisterFieldValue[] {
  const interrupt = (value >> 63n) & 1n;
  const code = Number(value & 0x7fff_ffff_ffff_ffffn);
  const names = interrupt ? INTERRUPT_NAMES : EXCEPTION_NAMES;
  return [
    { name: 'Interrupt', lsb: 63, width: 1, value: String(interrupt) },
    { name: 'Code', lsb: 0, width: 63, value: String(code), meaning: names[code] ?? (value === 0n ? 'none' : 'reserved') },
  ];
}

export function causeName(value: bigint): string {
  const interrupt = ((value >> 63n) & 1n) === 1n;
  const code = Number(value & 0x7fff_ffff_ffff_ffffn);
  return (interrupt ? INTERRUPT_NAMES : EXCEPTION_NAMES)[code] ?? `${interrupt ? 'interrupt' : 'exception'} ${code}`;
}

function tvecFields(value: bigint): RegisterFieldValue[] {
  return [
    { name: 'BASE', lsb: 2, width: 62, value: hex64(value & ~3n) },
    field(value, 'MODE', 0, 2, ['Direct', 'Vectored']),
  ];
}

function delegationFields(value: bigint, interrupts: boolean): RegisterFieldValue[] {
  const names = interrupts ? INTERRUPT_NAMES : EXCEPTION_NAMES;
  return Object.keys(names).map(Number).filter((b) => bits(value, b, 1) === 1).map((b) => flag(value, interrupts ? `${IRQ_SHORT[b]}I` : `E${b}`, b, names[b]));
}

/**
 * Decodes a CSR value into fields. `context` supplies the values some CSRs are read against:
 * mideleg (the S views of mip/mie) and time (how far stimecmp is).
 */
export function decodeCsr(name: string, number: number, value: bigint, context: { mideleg?: bigint; time?: bigint } = {}): CsrValue {
  let fields: RegisterFieldValue[] = [];
  let summary = '';
  switch (name) {
    case 'mstatus':
    case 'sstatus': {
      fields = statusFields(value, name === 'mstatus');
      const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
      summary = [setFlags(fields.filter((f) => f.name !== 'SD' && f.name !== 'SPP')), `SPP=${byName.SPP!.meaning}`, name === 'mstatus' ? `MPP=${byName.MPP!.meaning}` : '', `FS=${byName.FS!.meaning}`]
        .filter(Boolean).join(' ');
      break;
    }
    case 'mip': case 'sip': case 'mie': case 'sie': {
      const mask = name.startsWith('s') ? S_IRQ_MASK : IRQ_BITS.reduce((m, b) => m | (1 << b), 0);
      fields = interruptFields(value, name.endsWith('ip') ? 'IP' : 'IE', mask);
      summary = setFlags(fields) || 'none';
      break;
    }
    case 'satp': {
      const mode = bits(value, 60, 4);
      const ppn = value & ((1n << 44n) - 1n);
      fields = [
        { name: 'MODE', lsb: 60, width: 4, value: String(mode), meaning: SATP_MODES[mode] ?? 'reserved' },
        { name: 'ASID', lsb: 44, width: 16, value: String(bits(value, 44, 16)) },
        { name: 'PPN', lsb: 0, width: 44, value: `0x${ppn.toString(16)}`, meaning: `root page table at ${hex64(ppn << 12n)}` },
      ];
      summary = mode === 0 ? 'Bare (no translation)' : `${SATP_MODES[mode] ?? `mode ${mode}`} ASID ${bits(value, 44, 16)} root ${hex64(ppn << 12n)}`;
      break;
    }
    case 'scause': case 'mcause':
      fields = causeFields(value);
      summary = value === 0n ? 'none' : `${(value >> 63n) & 1n ? 'interrupt' : 'exception'} ${Number(value & 0x7fff_ffff_ffff_ffffn)}: ${causeName(value)}`;
      break;
    case 'stvec': case 'mtvec':
      fields = tvecFields(value);
      summary = `${fields[1]!.meaning} at ${fields[0]!.value}`;
      break;
    case 'medeleg':
      fields = delegationFields(value, false);
      summary = `${fields.length} exception(s) to S`;
      break;
    case 'mideleg':
      fields = delegationFields(value, true);
      summary = fields.map((f) => f.name).join(' ') || 'none';
      break;
    case 'stimecmp': {
      if (BigInt.asUintN(64, value) === 0xffff_ffff_ffff_ffffn) summary = 'disarmed (all ones)';
      else if (context.time !== undefined) {
        const delta = BigInt.asUintN(64, value) - BigInt.asUintN(64, context.time);
        summary = delta > 0n ? `fires in ${delta} ticks` : `due ${-delta} ticks ago (STIP pending)`;
      }
      break;
    }
    case 'fcsr':
      fields = [field(value, 'frm', 5, 3, ROUNDING), ...FFLAGS.map((n, i) => flag(value, n, i))];
      summary = `rm=${fields[0]!.meaning} ${setFlags(fields.slice(1))}`.trim();
      break;
    case 'menvcfg': case 'senvcfg':
      fields = [flag(value, 'FIOM', 0), ...(name === 'menvcfg' ? [flag(value, 'STCE', 63, 'stimecmp enabled (Sstc)')] : [])];
      summary = setFlags(fields) || '-';
      break;
    case 'mcounteren': case 'scounteren':
      fields = [flag(value, 'CY', 0), flag(value, 'TM', 1), flag(value, 'IR', 2)];
      summary = setFlags(fields) || 'none';
      break;
    default:
      break;
  }
  return { name, number, value: hex64(value), fields, summary };
}

/** Every CSR of a snapshot decoded, with the S-mode views (sstatus, sie, sip) derived from the M ones. */
export function decodeSnapshotCsrs(csrs: ReadonlyMap<SnapshotCsrName, bigint>): CsrValue[] {
  const get = (n: SnapshotCsrName): bigint => csrs.get(n) ?? 0n;
  const mideleg = get('mideleg');
  const context = { mideleg, time: get('time') };
  const sstatusMask = (1n << 1n) | (1n << 5n) | (1n << 8n) | (3n << 13n) | (1n << 18n) | (1n << 19n) | (3n << 32n) | (1n << 63n);
  const out: CsrValue[] = [
    decodeCsr('sstatus', 0x100, get('mstatus') & sstatusMask, context),
    decodeCsr('sie', 0x104, get('mie') & mideleg, context),
    decodeCsr('sip', 0x144, get('mip') & mideleg, context),
  ];
  for (const [number, name] of SNAPSHOT_CSRS) out.push(decodeCsr(name, number, get(name), context));
  const order = ['sstatus', 'sie', 'sip', 'stvec', 'sepc', 'scause', 'stval', 'sscratch', 'satp', 'stimecmp', 'time', 'senvcfg', 'scounteren',
    'mstatus', 'mie', 'mip', 'medeleg', 'mideleg', 'mtvec', 'mepc', 'mcause', 'mtval', 'mscratch', 'menvcfg', 'mcounteren', 'fcsr'];
  return out.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}
