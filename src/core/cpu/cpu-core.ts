/**
 * The arch-neutral face of one emulated CPU, as the vCPU loop, the machine and the inspector use it.
 * It is what the RISC-V Hart already offers (run(budget, stepping), reset, nextDeadline, hasWakeup,
 * flushTlb, setBreakpoint, a register snapshot) named without RISC-V words, so that Hart can implement
 * it by delegation with no change of behaviour, and so that the A64 CPU (isa/aarch64) and a later
 * LoongArch CPU plug into the same loop. Left out on purpose: how a CPU is created (a model registry
 * does that), its register layout (each ISA documents its own shared region) and thread plumbing.
 */

/**
 * Why run() returned. Same words as the RISC-V Hart's RunExit:
 * - budget: the instruction budget is used up (or the CPU yielded early, e.g. WFE with no event);
 * - wfi: the CPU waits for an interrupt (WFI); sleep until nextDeadline() or a notify, then ask hasWork();
 * - fault: the guest did something the machine cannot continue from; the platform got a CpuFaultReport;
 * - request: another thread asked the CPU to leave its slice (the header's request word);
 * - breakpoint: the pc reached the armed breakpoint (not executed yet).
 */
export type CpuExit = 'budget' | 'wfi' | 'fault' | 'request' | 'breakpoint';

/**
 * The privilege a CPU is powered on in. `firmware`: the highest level the CPU emulates itself (RISC-V
 * M-mode without a supervisor); `kernel`: the level an OS kernel is entered at (RISC-V S-mode, Arm EL1,
 * with the hypervisor written in TypeScript standing where M-mode firmware or EL2 would be).
 */
export type BootLevel = 'firmware' | 'kernel';

/** A named bit field of a register value, decoded for the inspector (structurally the protocol's RegisterFieldValue). */
export interface DecodedField {
  readonly name: string;
  readonly lsb: number;
  readonly width: number;
  /** The raw field value: decimal for fields of up to 8 bits, "0x..." for wider ones. */
  readonly value: string;
  /** What the value means ("EL1h", "48-bit", "enabled"), when the ISA knows a word for it. */
  readonly meaning?: string;
}

export interface RegisterValue {
  readonly name: string;
  /** "0x" + 16 hex digits, or the value itself (the protocol layer turns bigints into hex strings). */
  readonly value: string | bigint;
  readonly fields?: readonly DecodedField[];
}

/** A group of registers as the inspector shows it ("General", "System", "Timer", ...). */
export interface RegisterGroup {
  readonly name: string;
  readonly registers: readonly RegisterValue[];
}

/** Why a guest cannot go on, or what it did that the machine does not implement. */
export interface CpuFaultReport {
  readonly cpu: number;
  readonly pc: bigint;
  readonly kind: 'undefined-instruction' | 'unimplemented-register' | 'access' | 'stage2' | 'trap-loop' | 'internal';
  readonly message: string;
  /** The instruction word at pc, when it could be fetched. */
  readonly encoding?: number;
  /** Its disassembly, or "unallocated" when the decode table has no row for it. */
  readonly disassembly?: string;
  /** Guest (physical or virtual) address involved, if any. */
  readonly address?: bigint;
  readonly size?: number;
  readonly isWrite?: boolean;
}

/**
 * Int32 word indices of the header every CPU's shared region starts with (CPU_HEADER_BYTES long): the
 * words every ISA shares, so that the machine's waking, pausing, counters and remote TLB flushes work on
 * any CPU. This is their one definition: the RISC-V hart's HartWord (hart-header.ts) spreads it and adds
 * its own words in the indices left free here (6..14). Words written by more than one thread are only
 * accessed with Atomics.
 */
export const CPU_HEADER_BYTES = 256;
export const CpuWord = {
  /** Futex for WFI and pause: a waker stores 1 and notifies. */
  wake: 0,
  /** Interrupt inputs set by interrupt controllers (RISC-V: mip bits; Arm: CpuInterruptLine bits). */
  pending: 1,
  /** Requested run state, written by the host (hart-header.ts RunRequest); non-zero: leave the current slice. */
  request: 2,
  /** Current state, written by the CPU's thread (hart-header.ts HartStatus). */
  status: 3,
  /** Instructions retired, low and high word (updated at the end of each slice). */
  retiredLo: 4,
  retiredHi: 5,
  /**
   * Remote requests: bit 0 = flush the TLB, bit 1 = flush decoded instructions, bit 2 = another CPU
   * invalidated the instruction caches (Arm IC IVAU / IC IALLUIS): translated code compares its guest
   * code with memory again before it next runs.
   */
  fences: 15,
} as const;

/** What a CPU's translation tier did so far (bench linux-boot prints them per CPU). */
export interface TierStats {
  /** Guest blocks translated, and the WebAssembly modules they were compiled in. */
  readonly blocks: number;
  readonly modules: number;
  /** Time spent translating and compiling (ms of this CPU's thread). */
  readonly compileMs: number;
  /** WebAssembly bytes compiled (the code cache's size before the engine's own code). */
  readonly codeBytes: number;
  /** Blocks dropped because their guest code changed, and whole-cache flushes. */
  readonly stale: number;
  readonly flushes: number;
}

export interface CpuCore {
  /** The physical CPU number (RISC-V hart id, Arm MPIDR Aff0 index). */
  readonly cpuId: number;
  /** Instructions retired since power-on. */
  readonly retired: number;
  /** Runs up to `budget` instructions. `stepping` runs one, ignores the run request and masks interrupts. */
  run(budget: number, stepping?: boolean): CpuExit;
  /** An interrupt is pending that would end a WFI (whether or not it is masked, as both ISAs define it). */
  hasWork(): boolean;
  /** Earliest clock tick at which one of the CPU's own timers fires (Infinity if none is armed). */
  nextDeadline(): number;
  /**
   * Resets the CPU and starts it at `entry` with the boot convention's argument registers (RISC-V a0/a1,
   * Arm x0..x3) set from `args`.
   */
  powerOn(entry: bigint, args: readonly bigint[], level?: BootLevel): void;
  /** Forgets every cached translation (after a stage-2 change, or on another CPU's request). */
  flushTlb(): void;
  /** Arms the breakpoint on a guest-virtual pc, or clears it with undefined. */
  setBreakpoint(address: bigint | undefined): void;
  /** Arms several breakpoints at once (a debugger's table); a CPU without it gets the first through setBreakpoint. */
  setBreakpoints?(addresses: readonly bigint[]): void;
  /**
   * Arms data watchpoints on guest-virtual ranges (kind: hart-snapshot.ts WatchKind). A watched access
   * ends run() with 'breakpoint' before the access is done, the pc on its instruction; takeWatchHit()
   * then says which access it was. Resuming executes that instruction once without stopping again.
   */
  setWatchpoints?(watchpoints: readonly { readonly address: bigint; readonly length: number; readonly kind: number }[]): void;
  takeWatchHit?(): { readonly address: bigint; readonly kind: number } | undefined;
  /** Moves the pc (a debugger's register write while the CPU is held). */
  setPc?(value: bigint): void;
  /** The translation tier's figures; undefined when the CPU runs interpreted. */
  tierStats?(): TierStats | undefined;
  /** Registers as named groups for the inspector, computed on the CPU's thread without side effects. */
  inspect(): RegisterGroup[];
  /**
   * Snapshots (docs/decisions/0024): the CPU's state that is not in its shared region, as bytes
   * (cpu-state.ts), taken on its own thread while it is paused at an instruction boundary.
   */
  saveState?(): Uint8Array;
  /** Puts back a state saveState() gave (throws CpuStateError naming what differs); caches are flushed. */
  restoreState?(state: Uint8Array): void;
}

/** Formats a 64-bit value the way the protocol carries it. */
export function hex64(value: bigint): string {
  return `0x${BigInt.asUintN(64, value).toString(16).padStart(16, '0')}`;
}

/** Decodes `value` into DecodedFields from field definitions (shared by every ISA's inspector data). */
export function decodeFields(
  value: bigint,
  fields: readonly { readonly name: string; readonly lsb: number; readonly width: number; readonly meanings?: Readonly<Record<number, string>> }[],
): DecodedField[] {
  return fields.map((f) => {
    const raw = (BigInt.asUintN(64, value) >> BigInt(f.lsb)) & ((1n << BigInt(f.width)) - 1n);
    const meaning = f.meanings?.[Number(raw)];
    return {
      name: f.name,
      lsb: f.lsb,
      width: f.width,
      value: f.width <= 8 ? raw.toString() : `0x${raw.toString(16)}`,
      ...(meaning !== undefined ? { meaning } : {}),
    };
  });
}
