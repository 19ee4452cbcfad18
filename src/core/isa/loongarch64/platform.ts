/**
 * What an LA64 CPU needs from the machine around it: physical memory (an AddressSpace), the stable
 * counter's clock, the IOCSR space (a per-board bus: IOCSR is not memory, each board decides what
 * answers there) and a way to report a guest error. The CPU knows nothing of boards, zones or threads.
 */
import type { AddressSpace } from '../../bus/address-space';
import type { RamHints } from '../../bus/ram-hints';
import type { Clock } from '../../bus/types';
import type { CpuFaultReport } from '../../cpu/cpu-core';
import type { LaCpu } from './cpu';

/**
 * The physical memory an LA64 CPU reaches: the board's AddressSpace, or, for a zone's guest, the zone's
 * guest-physical space (its stage-2, hypervisor/arch/loongarch64/stage2-bus.ts) with the same members.
 */
export type LaBus = Pick<AddressSpace, 'ram' | 'read' | 'write' | 'high' | 'bankAt'>;

/** The IOCSR space as one CPU sees it (IOCSRRD/IOCSRWR). undefined / false: nothing answers there. */
export interface IocsrBus {
  read(address: number, size: 1 | 2 | 4 | 8): bigint | undefined;
  write(address: number, size: 1 | 2 | 4 | 8, value: bigint): boolean;
}

export interface LaPlatform {
  readonly cpuId: number;
  readonly bus: LaBus;
  /** The stable counter: ticks at timerFrequency (the constant timer counts the same ticks). */
  readonly clock: Clock;
  readonly timerFrequency: number;
  readonly iocsr: IocsrBus;
  /** CPUCFG word 0 (PRID): the processor identity (3A5000: 0x14c010). */
  readonly prid: number;
  /**
   * HVCL (LVZ's hypercall, ECODE_HVC in hvisor's trap.rs) from a zone's guest: the hypervisor handles it
   * and the CPU continues after the instruction. Absent on a bare CPU: HVCL then stops the CPU.
   */
  hypercall?(cpu: LaCpu, code: number): void;
  /** The CPU stopped on a guest error it cannot continue from. */
  fault(report: CpuFaultReport): void;
  /**
   * Where the host's RAM prefaulter learns which RAM pages this CPU writes (core/bus/ram-hints.ts): the
   * CPU notes the page of each store that fills its translation cache's store slot, as an offset in
   * the machine's RAM span; `ramSpanStart` is the span's offset in the memory buffer
   * (AddressSpace.ramSpan.bufferOffset, 0 without it).
   */
  readonly ramHints?: RamHints;
  readonly ramSpanStart?: number;
  /**
   * Run hot code translated to WebAssembly (tier.ts) where the machine's memory is a registered
   * WebAssembly.Memory (the default there); false keeps this CPU on the interpreter.
   */
  readonly translate?: boolean;
}

/** The CPU's interrupt inputs as bits of the header's pending word (ESTAT.IS bit numbers). */
export const LaInterruptLine = {
  HWI0: 1 << 2, HWI1: 1 << 3, HWI2: 1 << 4, HWI3: 1 << 5, HWI4: 1 << 6, HWI5: 1 << 7, HWI6: 1 << 8, HWI7: 1 << 9,
  IPI: 1 << 12,
} as const;
