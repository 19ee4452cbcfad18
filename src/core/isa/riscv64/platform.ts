/**
 * What a RISC-V hart needs from the machine around it. The hart itself (hart.ts) knows nothing of
 * boards, zones or threads: it sees physical memory through an AddressSpace, time through a Clock,
 * and, when it runs a zone guest, a Supervisor that stands where M-mode firmware and hvisor would be.
 */
import type { AddressSpace } from '../../bus/address-space';
import type { Clock } from '../../bus/types';
import type { RamHints } from '../../bus/ram-hints';
import type { HeadProfile } from '../../jit/head-profile';

/** Result of a stage-2 lookup by the hypervisor. */
export const Stage2 = {
  /** The access must be emulated: call Supervisor.mmioRead/mmioWrite. */
  trap: -2,
  /** The zone has no mapping there: the zone is stopped with a report. */
  fault: -1,
} as const;

export type AccessKind = 'read' | 'write' | 'fetch';

/** Why the guest cannot go on; the hart stops and the machine reports it. */
export interface FaultReport {
  readonly hart: number;
  readonly pc: bigint;
  readonly kind: 'illegal-instruction' | 'access' | 'trap-loop' | 'stage2' | 'no-trap-handler' | 'internal';
  readonly message: string;
  /** Guest (physical or virtual) address involved, if any. */
  readonly address?: bigint;
  readonly size?: number;
  readonly isWrite?: boolean;
}

/**
 * The hypervisor's side of a hart whose guest runs in S/U-mode. When a hart has a supervisor,
 * M-mode is not emulated for it: ECALLs from S-mode, stage-2 translation and trapped MMIO come here.
 */
export interface Supervisor {
  /** ECALL from S-mode (an SBI call). The handler reads a0..a7 and writes a0/a1; the hart then skips the ecall. */
  ecall(hart: HartApi): void;
  /** Guest-physical to host-physical, or Stage2.trap / Stage2.fault. `size` is the access size. */
  translate(gpa: number, size: number, access: AccessKind): number;
  mmioRead(hart: HartApi, gpa: number, size: 1 | 2 | 4 | 8): bigint;
  mmioWrite(hart: HartApi, gpa: number, size: 1 | 2 | 4 | 8, value: bigint): void;
}

/**
 * The hart's AIA interrupt files (an IMSIC, AIA chapter 3) as its CSRs reach them: *iselect/*ireg
 * registers 0x70..0xFF of the M- or S-level file, and *topei. Absent: the hart has no AIA CSRs.
 */
export interface InterruptFiles {
  /** Register `select` of the file at `level`; undefined where there is none (illegal instruction). */
  read(level: 'M' | 'S', select: number): bigint | undefined;
  write(level: 'M' | 'S', select: number, value: bigint): void;
  /** *topei as read: identity << 16 | identity of the best pending and enabled interrupt, or 0. */
  topei(level: 'M' | 'S'): number;
  /** A write to *topei: claims the identity in `topei` (the value the same instruction read). */
  claim(level: 'M' | 'S', topei: number): void;
}

export interface HartPlatform {
  readonly hartId: number;
  readonly bus: AddressSpace;
  readonly clock: Clock;
  /** This hart's machine timer compare value (ACLINT MTIMER), in ticks; Infinity when disabled. */
  machineTimerCompare(): number;
  /** The hart's IMSIC interrupt files (AIA boards): miselect/mireg, siselect/sireg, mtopei/stopei, mtopi/stopi. */
  readonly interruptFiles?: InterruptFiles;
  /** Present when the hart runs a zone guest under the hypervisor (S-mode entry, SBI). */
  readonly supervisor?: Supervisor;
  /**
   * Run hot code translated to WebAssembly (tier.ts) where the machine's memory is a registered
   * WebAssembly.Memory: on unless false (`--tier interp` leaves the memory unregistered).
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
  /** The hart stopped on a guest error it cannot continue from. */
  fault(report: FaultReport): void;
}

/** Slow-path register access used by the hypervisor, the inspector and tests. */
export interface HartApi {
  readonly hartId: number;
  /** The arch-neutral name of hartId (CpuCore.cpuId). */
  readonly cpuId: number;
  getX(index: number): bigint;
  setX(index: number, value: bigint): void;
  getPc(): bigint;
  setPc(value: bigint): void;
  /** 0 = U, 1 = S, 3 = M. */
  getPrivilege(): number;
}
