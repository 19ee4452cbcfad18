/** The machine control region's words and exit kinds, shared by the host, the machine and every vCPU. */

/** Words of the machine control region (Int32 indices). */
export const ControlWord = {
  deviceLock: 0,
  /** 0 while running; set once by whoever ends the run (see MachineExit). */
  exit: 1,
  /** Exit code for HTIF / sifive-test exits. */
  exitCode: 2,
  /** Float64 index (of a Float64Array over the same region) of the ticks the clock was paused for. */
  pausedTicksF64: 4,
} as const;

export const MachineExit = { none: 0, poweroff: 1, fail: 2, reset: 3, fault: 4 } as const;
