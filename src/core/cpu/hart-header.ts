/**
 * The RISC-V hart's header: the arch-neutral words of every CPU's shared region (cpu-core.ts CpuWord:
 * wake-ups, pending interrupt inputs, run control, counters, remote fences) extended with the words the
 * RISC-V hart and the hypervisor add (SBI HSM state, the zone binding, SBI timer, hypervisor events).
 * The shared words are defined once, in CpuWord, so the machine's waking, pausing and remote flushes
 * cannot drift between ISAs. The CPU keeps its own registers after HART_HEADER_BYTES. Indices are
 * Int32Array indices relative to the start of the hart's region. Words written by more than one
 * thread are only accessed with Atomics.
 */
import { CPU_HEADER_BYTES, CpuWord } from './cpu-core';

export const HART_HEADER_BYTES = CPU_HEADER_BYTES;

export const HartWord = {
  ...CpuWord,
  /** mip bits 0..31 set by interrupt controllers, timers and the hart itself: RISC-V's name for CpuWord.pending. */
  mip: CpuWord.pending,
  /** SBI HSM state (see SBI spec hart states) when the hart runs under the hypervisor. */
  hsm: 6,
  /** Zone the hart is bound to, as zone-table slot index + 1; 0 = none (hvisor's cpu_data.zone). */
  zoneSlot: 7,
  /** Start address and opaque value for a pending HSM hart_start: lo/hi pairs. */
  hsmStartAddrLo: 8,
  hsmStartAddrHi: 9,
  hsmOpaqueLo: 10,
  hsmOpaqueHi: 11,
  /** Supervisor timer deadline set through SBI set_timer (lo/hi, unsigned); all ones = none. */
  sbiTimerLo: 12,
  sbiTimerHi: 13,
  /** Pending hypervisor events for this hart (bit mask, Atomics), see HartEvent. */
  events: 14,
} as const;

/**
 * `yield` asks the hart to leave its current slice so that its thread re-reads the header (used by
 * SBI hart_stop and system reset, which must not execute another guest instruction). `save` asks a
 * paused CPU for its private state (a snapshot, docs/decisions/0024); it answers and is paused again.
 */
export const RunRequest = { run: 0, pause: 1, step: 2, stop: 3, yield: 4, save: 5 } as const;

export const HartStatus = {
  /** Powered off / not started (HSM STOPPED). */
  stopped: 0,
  running: 1,
  /** In WFI, sleeping until an interrupt or deadline. */
  waiting: 2,
  paused: 3,
  /** The guest did something the machine cannot continue from; see the fault report. */
  faulted: 4,
  /** The machine was powered off or the program exited (HTIF, sifive test, SBI SRST). */
  exited: 5,
} as const;

/** Bits of HartWord.events: work the hypervisor must do on this hart before it runs the guest again. */
export const HartEvent = {
  /** A physical external interrupt arrived for this hart (hvisor: SEI trapping into HS-mode). */
  externalInterrupt: 1,
  /** The hart's zone is being shut down: leave it and power off (hvisor IPI_EVENT_SHUTDOWN). */
  shutdown: 2,
  /** The hart's zone stopped on a guest error: stop running it, stay bound until shutdown. */
  halt: 4,
} as const;

export const HsmState = { started: 0, stopped: 1, startPending: 2, stopPending: 3, suspended: 4 } as const;
