/**
 * What an A64 CPU needs from the machine around it, mirroring isa/riscv64/platform.ts. The CPU
 * (cpu.ts) knows nothing of boards, zones or threads: it sees physical memory through an AddressSpace,
 * time through a Clock, and, when it runs a zone guest at EL1, a Supervisor standing where hvisor runs
 * at EL2 (HVC/SMC, trapped system registers, stage-2 translation and trapped MMIO come here).
 * Interrupt controllers drive the CPU through the pending word of its shared header (CpuInterruptLine).
 */
import type { AddressSpace } from '../../bus/address-space';
import type { Clock } from '../../bus/types';
import type { CpuFaultReport } from '../../cpu/cpu-core';
import type { RamHints } from '../../bus/ram-hints';
import type { HeadProfile } from '../../jit/head-profile';

/** Result of a stage-2 lookup by the hypervisor (same values as the RISC-V Stage2). */
export const Stage2 = {
  /** The access must be emulated: call Supervisor.mmioRead/mmioWrite. */
  trap: -2,
  /** The zone has no mapping there: the zone is stopped with a report. */
  fault: -1,
} as const;

export type AccessKind = 'read' | 'write' | 'fetch';

/** Bits of the CPU header's pending word (CpuWord.pending), set by interrupt controllers from any thread. */
export const CpuInterruptLine = { irq: 1, fiq: 2, serror: 4 } as const;

/** The generic timer outputs of one CPU (PPIs on a GIC: virtual 27, physical non-secure 30). */
export type TimerOutput = 'virtual' | 'physical';

/** Register access used by the hypervisor, the inspector and tests (slow path). */
export interface ArmCpuApi {
  readonly cpuId: number;
  /** X0..X30; 31 reads as zero and writes are dropped (XZR). */
  getX(index: number): bigint;
  setX(index: number, value: bigint): void;
  getPc(): bigint;
  setPc(value: bigint): void;
  /** 0 = EL0, 1 = EL1. */
  getExceptionLevel(): number;
}

/** An HVC, SMC or trapped system register access, as hvisor's EL2 sees it in ESR_EL2. */
export interface SupervisorCall {
  readonly kind: 'hvc' | 'smc';
  readonly imm16: number;
}

/**
 * The hypervisor's side of a CPU whose guest runs at EL1/EL0. When a CPU has a supervisor, HVC and SMC
 * go here (with no supervisor they are undefined, as on a CPU without EL2/EL3), as do the system
 * registers a hypervisor traps and every stage-2 translation.
 */
export interface Supervisor {
  /**
   * HVC or SMC from EL1. The handler reads and writes X0..X17 through `cpu` (SMCCC). For HVC the CPU
   * already points past the instruction (preferred return); for SMC it points past it too, as hvisor
   * advances ELR_EL2 for a trapped SMC.
   */
  call(cpu: ArmCpuApi, call: SupervisorCall): void;
  /** Guest-physical to a RAM offset of the AddressSpace, or Stage2.trap / Stage2.fault. */
  translate(ipa: number, size: number, access: AccessKind): number;
  mmioRead(cpu: ArmCpuApi, ipa: number, size: 1 | 2 | 4 | 8): bigint;
  mmioWrite(cpu: ArmCpuApi, ipa: number, size: 1 | 2 | 4 | 8, value: bigint): void;
  /**
   * A system register the CPU does not implement itself (e.g. GIC ICC_* registers): return the value
   * read (or true for a handled write), or undefined to make the access an Undefined exception.
   */
  systemRegister?(cpu: ArmCpuApi, name: string, encoding: number, write: boolean, value: bigint): bigint | boolean | undefined;
}

export interface ArmPlatform {
  readonly cpuId: number;
  /** MPIDR_EL1 affinity value (Aff3..Aff0) for this CPU, from the board's CPU list. */
  readonly mpidr: bigint;
  readonly bus: AddressSpace;
  readonly clock: Clock;
  /** CNTFRQ_EL0: the board's counter frequency in Hz (the Clock's tick rate). */
  readonly timerFrequency: number;
  readonly supervisor?: Supervisor;
  /**
   * The board has a GICv3 whose CPU interface is reached through ICC_* system registers: the ID
   * registers say so and those registers go to Supervisor.systemRegister.
   */
  readonly gicSystemRegisters?: boolean;
  /**
   * FP and Advanced SIMD (ARMv8.0, without crypto or half-precision arithmetic): on unless false. With
   * false the CPU is one without them: ID_AA64PFR0 says FP and AdvSIMD are not implemented, and their
   * instructions and FPCR/FPSR are Undefined.
   */
  readonly floatingPoint?: boolean;
  /**
   * Run hot code translated to WebAssembly (tier.ts) where the machine's memory is a registered
   * WebAssembly.Memory: on unless false (`--tier interp`).
   */
  readonly translate?: boolean;
  /**
   * Where the CPU's stores first reach RAM pages, for the host's RAM prefaulter (core/bus/ram-hints.ts);
   * absent where the host has none.
   */
  readonly ramHints?: RamHints;
  /**
   * The block heads a previous boot translated (translated here when first run) and where this boot
   * notes its own (core/jit/head-profile.ts); absent where the host keeps no translation profile.
   */
  readonly headProfile?: HeadProfile;
  /** A generic timer output changed level (wired to the interrupt controller's PPI by the machine). */
  timerOutput?(timer: TimerOutput, level: boolean): void;
  /** A TLBI ...IS (inner-shareable broadcast) op: other CPUs of the zone must flush their TLBs too. */
  broadcastTlbFlush?(): void;
  /**
   * An IC IVAU or IC IALLUIS (broadcast to the inner-shareable domain): other CPUs of the zone must not
   * go on running translations of code that may have changed (CpuWord.fences bit 2).
   */
  broadcastCodeChange?(): void;
  /**
   * The guest executed an encoding or accessed a system register this CPU does not implement. The
   * CPU delivers an Undefined exception to the guest's EL1 unless this returns 'stop' (then it faults).
   */
  unimplemented?(report: CpuFaultReport): 'deliver' | 'stop';
  /** The CPU stopped on a guest error it cannot continue from. */
  fault(report: CpuFaultReport): void;
}
