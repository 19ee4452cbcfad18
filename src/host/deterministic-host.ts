/**
 * Deterministic mode on the management side (decision 0025): owns the scheduler buffer the vCPU
 * threads take turns on (core/vcpu/deterministic-turns.ts) and the management thread's own turn, the only
 * moment it touches guest-visible state: console bytes out of the rings, device polls, console input,
 * pause and resume. External inputs wait for that turn and are stamped with its round and the
 * instructions retired; a recording writes them to the replay file, a replay applies the file's at the
 * same rounds and ignores live input.
 *
 * virtio: the daemon serves each trapped access to the end while the trapping CPU holds the baton
 * (VirtioDaemon.startDeterministic), so completions land at the kick's instruction; console input to a
 * virtio console comes in this turn like any other input, recorded with the device's name, and the
 * devices settle before the next round.
 *
 * Zone commands from outside (start, shutdown) are applied in this turn and recorded too.
 *
 * Left out: the GDB stub's holds are not turns yet (they break the repeatability, not the run); the root
 * zone's own hvisor-tool serving virtio (hypercall 0) would leave the trapping CPU waiting for a CPU that
 * gets no turn, so hypercall 0 is refused in this mode (hypercall.ts).
 */
import { readFile } from 'node:fs/promises';
import { DeterministicState, DetWord, DEFAULT_DETERMINISTIC, DETERMINISTIC_WALL_EPOCH_NS, type DeterministicParams } from '../core/vcpu/deterministic-turns';
import type { ThreadClock } from '../core/machine/machine';
import type { ZoneResult } from '../core/hypervisor/hypervisor';
import { appendEvent, checkReplayDevices, layoutIdentity, readReplayFile, startRecording, REPLAY_FORMAT, REPLAY_VERSION, type ReplayEvent, type ReplayFile } from './replay-file';
import { HostFileError, type LoadedLayout } from './layout-loader';
import { parseVirtioConfig } from '../shared/validate/virtio-config';
import type { VirtioConfigFile } from '../shared/model/virtio-config';

/** The layout's virtio_cfg.json as the replay check needs it (its full check comes when the machine starts). */
async function readVirtioFile(file: string | undefined): Promise<VirtioConfigFile | undefined> {
  if (!file) return undefined;
  const text = await readFile(file, 'utf8').catch(() => '');
  return parseVirtioConfig(text, file).config;
}

export interface DeterministicOptions {
  /** Write the run's external inputs to this file. */
  readonly record?: string;
  /** Replay the inputs of this file (live input is ignored). */
  readonly replay?: string;
  /** Scheduler parameters (a replay takes the recording's). */
  readonly params?: Partial<DeterministicParams>;
  /** Pause at the first management turn at or after this round (the same instruction on every run). */
  readonly pauseAtRound?: number;
}

/** What the management turn does to the machine (MachineHost's closures). */
export interface DeterministicPort {
  drainConsoles(): void;
  pollDevices(): void;
  /** The virtio devices finish the work the inputs started (their interrupts included). */
  settleDevices(): Promise<void>;
  /** The virtio console a zone's input goes to, by name; undefined when it goes to a UART or SBI console. */
  inputDevice(zone: number): string | undefined;
  input(bytes: Uint8Array, zone: number): void;
  /** Sets every CPU's run request (pause or run). */
  requestAll(pause: boolean): void;
  log(line: string): void;
  /** The machine paused by itself (the replay's end, pauseAtRound): says why. */
  pausedBy(message: string): void;
  /** `hvwb zone start/shutdown` from outside, applied now (the management thread holds the baton). */
  zoneCommand(command: ZoneCommand): Promise<ZoneResult>;
}

export type ZoneCommand = { readonly kind: 'zone-start'; readonly file: string } | { readonly kind: 'zone-shutdown'; readonly zone: number };

type QueueItem =
  | { readonly kind: 'input'; readonly zone: number; readonly bytes: Uint8Array }
  | { readonly kind: 'zone'; readonly command: ZoneCommand; readonly done: (result: ZoneResult) => void };

/** Atomics.waitAsync (Node 16+; not in the ES2023 library typings). */
const waitAsync = (Atomics as unknown as { waitAsync(array: Int32Array, index: number, value: number, ms: number): { async: boolean; value: Promise<string> | string } }).waitAsync;

export type DeterministicStatus = 'deterministic' | 'recording' | 'replaying';

/** The CPU word written into recordings: the translation tier decides where turns end. */
export function cpuKind(): string {
  return process.env.HVWB_TIER === 'interp' ? 'interp' : 'tier';
}

export class DeterministicHost {
  readonly state: DeterministicState;
  private port: DeterministicPort | undefined;
  private readonly queue: QueueItem[] = [];
  private userPause = false;
  private replayPause = false;
  private held = false;
  private running = false;
  private replayIndex = 0;
  private pauseAtRound: number | undefined;
  private idleStreak = 0;
  private idleRetired = -1;
  private wake: (() => void) | undefined;
  /** Where a replay first went another way than its recording (undefined: it did not). */
  divergence: string | undefined;

  private constructor(
    readonly cpus: number,
    readonly params: DeterministicParams,
    timebase: number,
    readonly recordFile: string | undefined,
    readonly replay: ReplayFile | undefined,
  ) {
    this.state = DeterministicState.create(cpus, params, timebase);
  }

  /**
   * Checks the options against the layout (a replay file that does not match is refused here, before
   * any machine exists) and starts the recording file.
   */
  static async prepare(loaded: LoadedLayout, options: DeterministicOptions): Promise<DeterministicHost> {
    const { board, layout } = loaded;
    if (options.record && options.replay) throw new HostFileError('deterministic mode: --record and --replay exclude each other');
    const identity = options.record || options.replay ? await layoutIdentity(loaded) : undefined;
    const replay = options.replay ? readReplayFile(options.replay, identity!, board.name, cpuKind()) : undefined;
    if (replay) checkReplayDevices(replay, await readVirtioFile(loaded.virtioFile), loaded.virtioFile);
    const params: DeterministicParams = replay?.header.params ?? { ...DEFAULT_DETERMINISTIC, ...options.params };
    for (const [name, value] of Object.entries(params)) {
      if (!Number.isInteger(value) || value <= 0) throw new HostFileError(`deterministic mode: ${name} must be a positive whole number, not ${String(value)}`);
    }
    const host = new DeterministicHost(board.harts, params, board.timebaseFrequency, options.record, replay);
    // Machine mode gives only the firmware's CPUs a thread (MachineHost.start): the others take no turns.
    if (layout.root.mode === 'machine') {
      const running = layout.root.cpus ?? board.rootZone.cpus;
      for (let cpu = 0; cpu < board.harts; cpu++) if (!running.includes(cpu)) host.state.words[DetWord.aliveBase + cpu] = 0;
    }
    host.pauseAtRound = options.pauseAtRound;
    if (options.record) startRecording(options.record, { format: REPLAY_FORMAT, version: REPLAY_VERSION, layout: identity!, board: board.name, params, cpu: cpuKind() });
    return host;
  }

  get status(): DeterministicStatus {
    return this.replay ? 'replaying' : this.recordFile ? 'recording' : 'deterministic';
  }

  /** The management thread's clock: the current round's start. */
  get mainClock(): ThreadClock {
    return { hostTicks: () => this.state.roundTicks, wallEpochNs: DETERMINISTIC_WALL_EPOCH_NS };
  }

  /** The management thread holds the baton (or no CPU takes turns any more): it may touch shared state. */
  get holdsBaton(): boolean {
    return this.state.turn() === this.state.main || this.state.stopped;
  }

  /**
   * Paused and settled: the CPUs took their paused turn (published their registers) and the management
   * thread holds the baton, so nothing in the machine changes until resume.
   */
  get settled(): boolean {
    return this.held && this.state.turn() === this.state.main && Atomics.load(this.state.words, DetWord.idle) !== 0;
  }

  /** Start of the run: the management thread gave the machine its zones; the first round begins. */
  begin(port: DeterministicPort): void {
    this.port = port;
    this.running = true;
    void this.loop();
  }

  /** Live console input: applied at the next management turn (ignored while replaying). */
  input(bytes: Uint8Array, zone: number): void {
    if (this.replay) {
      this.port?.log(`replaying ${this.replay.file}: live input ignored`);
      return;
    }
    this.queue.push({ kind: 'input', zone, bytes: Uint8Array.from(bytes) });
    this.wake?.();
  }

  /**
   * A zone command from outside: applied in the next management turn and recorded (while replaying,
   * refused: the recording's commands are applied at their rounds).
   */
  zoneCommand(command: ZoneCommand): Promise<ZoneResult> {
    if (this.replay) {
      return Promise.resolve({ code: -16, message: `replaying ${this.replay.file}: zone commands from outside are not applied (the recording's are)` });
    }
    return new Promise((done) => {
      this.queue.push({ kind: 'zone', command, done });
      this.wake?.();
    });
  }

  pause(): void {
    this.userPause = true;
    this.wake?.();
  }

  /** Resumes, also past a pause the replay made (its end). */
  resume(): void {
    this.userPause = false;
    this.replayPause = false;
    this.wake?.();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    for (const item of this.queue.splice(0)) {
      if (item.kind === 'zone') item.done({ code: -16, message: 'the machine stopped before the command was applied' });
    }
    if (this.recordFile) appendEvent(this.recordFile, { kind: 'end', round: this.state.round, retired: this.state.retired });
    Atomics.store(this.state.words, DetWord.stop, 1);
    Atomics.notify(this.state.words, DetWord.turn);
    this.wake?.();
  }

  private async loop(): Promise<void> {
    const { state } = this;
    while (this.running) {
      const turn = state.turn();
      if (turn !== state.main) {
        const waited = waitAsync(state.words, DetWord.turn, turn, 200);
        if (waited.async) await waited.value;
        continue;
      }
      try {
        await this.mainTurn();
      } catch (error) {
        this.port?.log(`deterministic mode: ${(error as Error).message}`);
        this.running = false;
      }
      // Still the management thread's turn (paused, or no CPU takes turns any more after the machine
      // exited): let the event loop run (the pump reports the exit, timers fire) before looking again.
      if (state.turn() === state.main) await new Promise((resolve) => setTimeout(resolve, state.firstAlive() < 0 ? 20 : 0));
    }
  }

  private stamp(): { round: number; retired: number } {
    return { round: this.state.round, retired: this.state.retired };
  }

  private record(event: ReplayEvent): void {
    if (this.recordFile) appendEvent(this.recordFile, event);
  }

  /** One management turn: everything from outside happens here, then the next round starts. */
  private async mainTurn(): Promise<void> {
    const port = this.port!;
    const { state } = this;
    port.drainConsoles();
    port.pollDevices();
    if (this.replay) await this.applyReplay(port);
    else {
      for (const item of this.queue.splice(0)) {
        if (item.kind === 'zone') {
          this.record({ ...item.command, ...this.stamp() });
          item.done(await port.zoneCommand(item.command).catch((error: unknown) => ({ code: -22, message: (error as Error).message })));
          continue;
        }
        const device = port.inputDevice(item.zone);
        this.record({ kind: 'input', ...this.stamp(), zone: item.zone, hex: Buffer.from(item.bytes).toString('hex'), ...(device ? { device } : {}) });
        port.input(item.bytes, item.zone);
      }
    }
    await port.settleDevices();
    port.drainConsoles();
    const idle = Atomics.load(state.words, DetWord.idle) !== 0;
    // A machine where nothing could run three management turns in a row (no instruction retired between
    // them; one such round alone may be CPUs binding their zones) stays as it is until input comes.
    this.idleStreak = idle && state.retired === this.idleRetired ? this.idleStreak + 1 : idle ? 1 : 0;
    this.idleRetired = state.retired;
    if (this.pauseAtRound !== undefined && (state.round >= this.pauseAtRound || (this.idleStreak >= 3 && this.queue.length === 0))) {
      this.pauseAtRound = undefined;
      this.userPause = true;
      port.pausedBy(`deterministic mode: paused at round ${state.round} (${state.retired} instructions retired)${idle ? ', where nothing could run' : ''}`);
    }
    const pause = this.userPause || this.replayPause;
    if (pause !== this.held) {
      // Paused rounds retire nothing and move no time, so a pause is invisible to the guest; it is
      // recorded so that a replay stops at the same instruction (to compare registers there).
      this.held = pause;
      if (!this.replay) this.record({ kind: pause ? 'pause' : 'resume', ...this.stamp() });
      port.requestAll(pause);
    } else if (idle) {
      // Nothing can run until something comes from outside (or, paused, until resume): wait a little
      // for it instead of spinning rounds that move nothing; paused, keep the baton.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.held ? 100 : 5);
        const self = this;
        function done(): void {
          clearTimeout(timer);
          self.wake = undefined;
          resolve();
        }
        this.wake = done;
      });
      // Still paused: the idle flag stays set (settled) and the baton stays here.
      if (this.held) return;
    }
    Atomics.store(state.words, DetWord.idle, 0);
    if (this.running) state.startRound();
  }

  private async applyReplay(port: DeterministicPort): Promise<void> {
    const events = this.replay!.events;
    const { round, retired } = this.stamp();
    while (this.replayIndex < events.length && events[this.replayIndex]!.round <= round) {
      const event = events[this.replayIndex++]!;
      if (event.kind !== 'end' && (event.round !== round || event.retired !== retired)) {
        this.divergence ??= `at round ${round} with ${retired} instructions retired the recording had round ${event.round} with ${event.retired}`;
        port.log(`replay ${this.replay!.file} diverged: ${this.divergence}`);
      }
      if (event.kind === 'input') {
        const device = port.inputDevice(event.zone);
        if (device !== event.device) {
          this.divergence ??= `at round ${round} zone ${event.zone}'s input went to ${device ?? 'its UART or SBI console'}, in the recording to ${event.device ?? 'its UART or SBI console'}`;
          port.log(`replay ${this.replay!.file} diverged: ${this.divergence}`);
        }
        port.input(Uint8Array.from(Buffer.from(event.hex, 'hex')), event.zone);
      }
      else if (event.kind === 'zone-start' || event.kind === 'zone-shutdown') {
        const result = await port.zoneCommand(event).catch((error: unknown) => ({ code: -22, message: (error as Error).message }));
        port.log(`replay ${this.replay!.file}: ${event.kind === 'zone-start' ? `zone start ${event.file}` : `zone shutdown ${event.zone}`} -> ${result.code} (${result.message})`);
      } else if (event.kind === 'pause' || event.kind === 'resume') {
        this.replayPause = event.kind === 'pause';
        if (this.replayPause) port.pausedBy(`replay ${this.replay!.file}: paused where the recording paused (round ${round})`);
      }
      else {
        this.replayPause = true;
        port.pausedBy(`replay ${this.replay!.file}: its recording ends here (round ${round}); the machine is paused`);
      }
    }
  }
}
