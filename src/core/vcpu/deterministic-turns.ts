/**
 * Deterministic mode's scheduler state and the vCPU side of it (decision 0025). The vCPU threads and the
 * management thread hand one baton round: CPU 0, 1, .., n-1 each run one turn of at most `quantum`
 * instructions, then the next CPU; every `mainEvery` rounds the management thread gets a turn in which
 * alone it touches guest-visible state (console bytes in and out, device polls, pause, recorded inputs).
 * So the order of every shared-memory access is fixed, whatever the host's load.
 *
 * Time follows the rounds, not the host clock: a round that retired instructions moves the clock by
 * quantum / rate seconds (the CPUs run "side by side"); inside a turn the clock moves with the CPU's own
 * retired count. A round in which every CPU waited (WFI) jumps to the earliest timer deadline; a round
 * in which nothing could run (all paused or parked without a deadline) does not move time at all.
 *
 * Left out here: what the management thread does in its turn (host/deterministic-host.ts) and creating
 * the shared buffer's owner (the host); this file only knows the words and the hand-over rules.
 */

/** Int32 words of the scheduler buffer (Float64 values live at DetF64 indices of the same buffer). */
export const DetWord = {
  /** Whose turn it is: a CPU number, or the CPU count for the management thread. */
  turn: 0,
  /** Set by the host when the machine stops: every thread leaves. */
  stop: 1,
  /** Harts that retired something, or waited, in the current round (bit per CPU, up to 32). */
  ranMask: 2,
  waitMask: 3,
  /** The last round ended without any CPU able to run (all paused, or parked without a deadline). */
  idle: 4,
  /** Alive flags, one word per CPU from here (1 while the CPU's thread takes turns). */
  aliveBase: 8,
} as const;

export const DetF64 = {
  /** Virtual clock in board ticks at the current round's start. */
  roundTicks: 8,
  /** Rounds in which time moved (recorded inputs are stamped with it). */
  round: 9,
  /** Instructions retired by all CPUs in deterministic turns. */
  retired: 10,
  /** The earliest timer deadline of a waiting CPU in this round (ticks; Infinity: none). */
  minDeadline: 11,
  /** The round at which the management thread has its next turn. */
  mainDue: 12,
} as const;

export const DET_BUFFER_BYTES = 256;
/** CPUs one scheduler buffer can hold (alive words up to byte 64, the Float64 values after). */
export const DET_MAX_CPUS = 8;

export interface DeterministicParams {
  /** Instructions per turn. */
  readonly quantum: number;
  /** Virtual instructions per second of guest time (time = instructions / rate). */
  readonly rate: number;
  /** The management thread's turn comes every this many rounds. */
  readonly mainEvery: number;
}

export const DEFAULT_DETERMINISTIC: DeterministicParams = { quantum: 40_000, rate: 100_000_000, mainEvery: 16 };

/**
 * The wall clock a deterministic run starts at (the goldfish RTC): 2000-01-01T00:00:00Z, then the
 * machine's own time, so a guest that prints the date prints the same one every run (QEMU's
 * `-rtc base=2000-01-01,clock=vm`). A workbench choice: hvisor has no say in it.
 */
export const DETERMINISTIC_WALL_EPOCH_NS = 946_684_800n * 1_000_000_000n;

/** The scheduler buffer seen from any thread. */
export class DeterministicState {
  readonly words: Int32Array;
  readonly f64: Float64Array;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly cpus: number,
    readonly params: DeterministicParams,
    readonly timebase: number,
  ) {
    if (cpus > DET_MAX_CPUS) throw new Error(`deterministic mode runs up to ${DET_MAX_CPUS} CPUs, this board has ${cpus}`);
    this.words = new Int32Array(buffer, 0, DET_BUFFER_BYTES / 4);
    this.f64 = new Float64Array(buffer, 0, DET_BUFFER_BYTES / 8);
  }

  /** A fresh buffer: the management thread holds the baton, clock at zero, every CPU alive. */
  static create(cpus: number, params: DeterministicParams, timebase: number): DeterministicState {
    const state = new DeterministicState(new SharedArrayBuffer(DET_BUFFER_BYTES), cpus, params, timebase);
    state.words[DetWord.turn] = cpus;
    for (let c = 0; c < cpus; c++) state.words[DetWord.aliveBase + c] = 1;
    state.f64[DetF64.minDeadline] = Infinity;
    state.f64[DetF64.mainDue] = params.mainEvery;
    return state;
  }

  /** Board ticks one instruction stands for. */
  get ticksPerInstruction(): number {
    return this.timebase / this.params.rate;
  }

  get main(): number {
    return this.cpus;
  }

  get roundTicks(): number {
    return this.f64[DetF64.roundTicks]!;
  }

  get round(): number {
    return this.f64[DetF64.round]!;
  }

  get retired(): number {
    return this.f64[DetF64.retired]!;
  }

  get stopped(): boolean {
    return Atomics.load(this.words, DetWord.stop) !== 0;
  }

  turn(): number {
    return Atomics.load(this.words, DetWord.turn);
  }

  /** Hands the baton to `next` (a CPU or the management thread). */
  pass(next: number): void {
    Atomics.store(this.words, DetWord.turn, next);
    Atomics.notify(this.words, DetWord.turn);
  }

  alive(cpu: number): boolean {
    return Atomics.load(this.words, DetWord.aliveBase + cpu) !== 0;
  }

  /** The first live CPU after `cpu` in this round, or -1 when `cpu` was the last. */
  nextAfter(cpu: number): number {
    for (let c = cpu + 1; c < this.cpus; c++) if (this.alive(c)) return c;
    return -1;
  }

  firstAlive(): number {
    return this.nextAfter(-1);
  }

  /**
   * The management thread's turn ended: the next round starts with the first live CPU (or, when none
   * is left, the baton stays with the management thread).
   */
  startRound(): void {
    const first = this.firstAlive();
    if (first >= 0) this.pass(first);
  }

  /**
   * Closes a CPU's turn: adds what it retired and whether it waits (with its next deadline in clock
   * ticks), and passes the baton on; the last CPU of a round moves the clock and decides whether the
   * management thread's turn is due.
   */
  endTurn(cpu: number, retired: number, waiting: boolean, deadline: number): void {
    const { words, f64 } = this;
    f64[DetF64.retired]! += retired;
    if (retired > 0) words[DetWord.ranMask]! |= 1 << cpu;
    if (waiting) {
      words[DetWord.waitMask]! |= 1 << cpu;
      if (deadline < f64[DetF64.minDeadline]!) f64[DetF64.minDeadline] = deadline;
    }
    const next = this.nextAfter(cpu);
    if (next >= 0) {
      this.pass(next);
      return;
    }
    this.pass(this.closeRound() ? this.main : this.firstAlive() >= 0 ? this.firstAlive() : this.main);
  }

  /** Moves time for the round just ended; true when the management thread's turn comes next. */
  private closeRound(): boolean {
    const { words, f64, params } = this;
    const roundLength = params.quantum * this.ticksPerInstruction;
    const ran = words[DetWord.ranMask] !== 0;
    const deadline = f64[DetF64.minDeadline]!;
    let idle = false;
    if (ran) {
      f64[DetF64.roundTicks]! += roundLength;
      f64[DetF64.round]! += 1;
    } else if (deadline !== Infinity) {
      // Every CPU slept: skip whole rounds up to the first deadline (at least one), as icount's sleep=off.
      const skip = Math.max(1, Math.ceil((deadline - f64[DetF64.roundTicks]!) / roundLength));
      f64[DetF64.roundTicks]! += skip * roundLength;
      f64[DetF64.round]! += skip;
    } else idle = true;
    words[DetWord.ranMask] = 0;
    words[DetWord.waitMask] = 0;
    f64[DetF64.minDeadline] = Infinity;
    words[DetWord.idle] = idle ? 1 : 0;
    if (idle) return true;
    if (f64[DetF64.round]! >= f64[DetF64.mainDue]!) {
      f64[DetF64.mainDue] = f64[DetF64.round]! + params.mainEvery;
      return true;
    }
    return false;
  }
}

/**
 * A vCPU thread's side: waits for its turn, lets the loop run one turn, then hands over. The clock it
 * offers is the round's start plus this CPU's own progress in the turn.
 */
export class DeterministicTurns {
  readonly wallEpochNs = DETERMINISTIC_WALL_EPOCH_NS;
  private turnStartRetired = 0;
  private cpuRetired: () => number = () => 0;

  constructor(
    readonly state: DeterministicState,
    readonly cpu: number,
  ) {}

  /** The CPU whose retired count moves the clock inside its turns (set once the CPU exists). */
  attach(retired: () => number): void {
    this.cpuRetired = retired;
  }

  /** Virtual time in board ticks, as this thread sees it. */
  hostTicks(): number {
    const progress = Math.min(Math.max(0, this.cpuRetired() - this.turnStartRetired), this.state.params.quantum);
    return this.state.roundTicks + progress * this.state.ticksPerInstruction;
  }

  /** Blocks until this CPU's turn; false when the machine stops or `leave()` says so meanwhile. */
  waitTurn(leave: () => boolean): boolean {
    const { state } = this;
    for (;;) {
      const turn = state.turn();
      if (turn === this.cpu) break;
      if (state.stopped || leave()) return false;
      Atomics.wait(state.words, DetWord.turn, turn, 100);
    }
    this.turnStartRetired = this.cpuRetired();
    return true;
  }

  /**
   * Ends the turn: `deadline` is the CPU's next timer deadline in guest ticks and `guestNow` the guest
   * clock now (they differ from the scheduler's ticks by the guest's own mtime offset).
   */
  endTurn(waiting: boolean, deadline: number, guestNow: number): void {
    const retired = Math.max(0, this.cpuRetired() - this.turnStartRetired);
    const absolute = deadline === Infinity ? Infinity : this.hostTicks() + (deadline - guestNow);
    this.state.endTurn(this.cpu, retired, waiting, absolute);
  }

  /** This CPU takes no more turns (stopped or exited); passes the baton on if it held it. */
  leave(): void {
    const { state } = this;
    Atomics.store(state.words, DetWord.aliveBase + this.cpu, 0);
    if (state.turn() === this.cpu) state.endTurn(this.cpu, 0, false, Infinity);
    else Atomics.notify(state.words, DetWord.turn);
  }
}

/** What runTurns needs of the vCPU loop (core/vcpu/vcpu-loop.ts VcpuLoop). */
export interface TurnLoop {
  turn(): boolean;
  finish(): void;
}

/**
 * Deterministic mode's replacement for VcpuLoop.run(): one loop turn per baton, the CPU's WFI state and
 * next deadline handed to the scheduler with it.
 */
export function runTurns(
  loop: TurnLoop,
  turns: DeterministicTurns,
  cpu: { nextDeadline(): number },
  isWaiting: () => boolean,
  guestNow: () => number,
  mustLeave: () => boolean,
): void {
  try {
    while (turns.waitTurn(mustLeave)) {
      const alive = loop.turn();
      if (!alive) break;
      const waiting = isWaiting();
      turns.endTurn(waiting, waiting ? cpu.nextDeadline() : Infinity, guestNow());
    }
  } finally {
    turns.leave();
  }
  loop.finish();
}
