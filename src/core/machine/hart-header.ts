/**
 * The first bytes of every hart's shared state region: the words other threads touch (interrupt
 * pending bits, wake-ups, run control, counters). The CPU keeps its own registers after HART_HEADER_BYTES.
 * Indices are Int32Array indices relative to the start of the hart's region. Words written by more
 * than one thread are only accessed with Atomics.
 */
export const HART_HEADER_BYTES = 256;

export const HartWord = {
  /** Futex for WFI and pause: a waker stores 1 and notifies; the hart stores 0 before it waits. */
  wake: 0,
  /** mip bits 0..31 set by interrupt controllers, timers and the hart itself (Atomics only). */
  mip: 1,
  /** Requested run state, written by the host: see RunRequest. */
  request: 2,
  /** Current state, written by the hart's thread: see HartStatus. */
  status: 3,
  /** Instructions retired, low and high word (updated at the end of each slice). */
  retiredLo: 4,
  retiredHi: 5,
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
  /** Remote fence requests (bit 0 = flush TLB, bit 1 = flush instruction cache). */
  fences: 15,
} as const;

/**
 * `yield` asks the hart to leave its current slice so that its thread re-reads the header (used by
 * SBI hart_stop and system reset, which must not execute another guest instruction).
 */
export const RunRequest = { run: 0, pause: 1, step: 2, stop: 3, yield: 4 } as const;

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
