/**
 * hvisor's run / idle / trap cycle for one physical CPU, free of thread plumbing: run the guest in
 * bounded slices, sleep in WFI until an interrupt or the next timer deadline, obey the host's run
 * requests (pause, single step, stop, yield) written into the CPU header, stop on breakpoints, and
 * publish what the inspector shows. A worker thread runs it with Atomics.wait as its sleep; a unit test
 * runs it single-threaded with a fake sleep that moves a virtual clock.
 *
 * What is arch-specific stays behind VcpuArch: the CPU itself (CpuCore), the hypervisor's part of a
 * turn in supervisor mode (zone binding, SBI HSM or PSCI starts, external interrupts), and extras such as
 * RISC-V HTIF polling. Left out: creating the CPU (cpu-models registry), messages to the host (the
 * worker's), and the zone table (core/hypervisor).
 */
import { CpuWord, hex64, type CpuCore, type CpuExit } from '../cpu/cpu-core';
import { publishInspect } from '../cpu/cpu-inspect';
import type { SharedRegion } from '../bus/types';
import { HartStatus, HartWord, RunRequest } from '../cpu/hart-header';
import { DebugTable, DebugWord, getU64, putU64, readDebugTable, StopCode } from '../cpu/hart-snapshot';
import { ControlWord, MachineExit } from '../machine/machine-control';

export interface VcpuArch {
  readonly cpu: CpuCore;
  /** Inspector debug words (hart-snapshot.ts DebugWord layout) of this CPU. */
  readonly debug: Int32Array;
  /**
   * Supervisor mode: the hypervisor's part of one loop turn. True when the CPU has a guest to run now;
   * false when it parked or handled an event and the loop should look again. Absent in machine mode.
   */
  hypervisorTurn?(): boolean;
  /** Machine mode: whether this CPU runs the firmware (the others stay off). */
  readonly startsRunning: boolean;
  /** The guest stopped on an error (set by the platform's fault callback). */
  readonly faulted: boolean;
  /** Called after every slice (RISC-V HTIF polling). */
  afterSlice?(): void;
  /** Publishes ISA-specific register state for the inspector, if the ISA keeps its own (RISC-V). */
  publishSnapshot(): void;
  /**
   * The ISA's own snapshot is what the inspector reads (RISC-V's, with its CSR decoding and the pc's
   * physical address); the loop then does not publish the generic register groups too.
   */
  readonly ownSnapshot?: boolean;
  /** The pc's physical address through the CPU's own translation, without side effects (for the listing). */
  pcPhysical?(): bigint | undefined;
  /** The privilege level in the ISA's words ("S-mode", "EL1h"). */
  level?(): string;
  /** The guest pc (for stop reports). */
  getPc(): bigint;
  /** The pc sits on the armed breakpoint (resuming must execute it first). */
  atBreakpoint(): boolean;
  /** A breakpoint stops the whole zone: the CPUs to pause with this one. */
  siblings(): readonly number[];
}

/** Thread services: the worker's Atomics.wait, or a test's virtual time. */
export interface VcpuThread {
  /** Sleeps until header[index] !== value or `ms` elapsed (Atomics.wait semantics). */
  wait(array: Int32Array, index: number, value: number, ms: number): void;
  /** Wall-clock milliseconds, for the publishing cadence. */
  nowMs(): number;
}

export interface VcpuLoopOptions {
  readonly header: Int32Array;
  /** Every CPU's header, to pause a breakpoint's siblings. */
  readonly headers: readonly Int32Array[];
  /** The machine control words (ControlWord). */
  readonly control: Int32Array;
  /** Guest time in timer ticks and the tick rate, for WFI sleeps. */
  readonly guestNow: () => number;
  readonly timebase: number;
  /** Instructions per slice between checks of the control words. */
  readonly slice: number;
  /** The board's architecture and this CPU's inspector region: the loop publishes CpuCore.inspect() there. */
  readonly arch?: string;
  readonly inspectRegion?: SharedRegion;
  /** A snapshot asked for the CPU's private state (RunRequest.save): the state, or why there is none. */
  readonly onSavedState?: (state: Uint8Array | undefined, error?: string) => void;
  /** Called once, before the CPU first executes guest instructions (the thread warms its interpreter). */
  readonly beforeFirstRun?: () => void;
}

export class VcpuLoop {
  private stopAnnounced = false;
  private ranOnce = false;
  private breakpointGen = 0;
  private lastPublish = 0;

  constructor(
    private readonly arch: VcpuArch,
    private readonly options: VcpuLoopOptions,
    private readonly thread: VcpuThread,
  ) {}

  private get header(): Int32Array {
    return this.options.header;
  }

  setStatus(status: number): void {
    Atomics.store(this.header, CpuWord.status, status);
  }

  publishRetired(): void {
    const retired = this.arch.cpu.retired;
    Atomics.store(this.header, CpuWord.retiredLo, retired % 0x1_0000_0000 | 0);
    Atomics.store(this.header, CpuWord.retiredHi, Math.floor(retired / 0x1_0000_0000) | 0);
  }

  /** The ISA's own snapshot, then the arch-neutral register groups (cpu/cpu-inspect.ts). */
  private publish(): void {
    const { arch, options } = this;
    arch.publishSnapshot();
    if (!options.inspectRegion || arch.ownSnapshot) return;
    const pcPhysical = arch.pcPhysical?.();
    const level = arch.level?.();
    publishInspect(options.inspectRegion, {
      arch: options.arch ?? 'unknown',
      cpu: arch.cpu.cpuId,
      pc: hex64(arch.getPc()),
      groups: arch.cpu.inspect(),
      ...(pcPhysical !== undefined ? { pcPhysical: hex64(pcPhysical) } : {}),
      ...(level !== undefined ? { level } : {}),
    });
  }

  /** WFI: sleep until an interrupt, the CPU's next timer deadline, a request, or `maxMs`. */
  private sleepUntilWake(maxMs: number): void {
    const { header } = this;
    Atomics.store(header, CpuWord.wake, 0);
    if (this.arch.cpu.hasWork() || Atomics.load(header, CpuWord.request) !== RunRequest.run || this.eventsPending()) return;
    const deadline = this.arch.cpu.nextDeadline();
    const now = this.options.guestNow();
    if (deadline <= now) return;
    const waitMs = Math.min(maxMs, ((deadline - now) * 1000) / this.options.timebase);
    if (waitMs > 0.05) this.thread.wait(header, CpuWord.wake, 0, waitMs);
  }

  /** Hypervisor events (HartWord.events: a zone shutdown, an external interrupt) end a WFI sleep too. */
  private eventsPending(): boolean {
    return Atomics.load(this.header, HartWord.events) !== 0;
  }

  private announceStop(reason: number): void {
    const { arch } = this;
    this.publish();
    this.lastPublish = this.thread.nowMs();
    putU64(arch.debug, DebugWord.stopPcLo, arch.getPc());
    Atomics.store(arch.debug, DebugWord.stopReason, reason);
    Atomics.add(arch.debug, DebugWord.stopSeq, 1);
    this.stopAnnounced = true;
  }

  /**
   * After the host changed the breakpoints (the inspector's one, a debugger's table): hands them to the
   * CPU, which arms them in its decoded code, so that they cost nothing per instruction.
   */
  private syncBreakpoint(): void {
    const { debug, cpu } = this.arch;
    if (Atomics.load(debug, DebugTable.pcWrite) !== 0) {
      cpu.setPc?.(getU64(debug, DebugTable.pcWriteLo));
      Atomics.store(debug, DebugTable.pcWrite, 0);
    }
    const gen = Atomics.load(debug, DebugWord.breakpointGen);
    if (gen === this.breakpointGen) return;
    this.breakpointGen = gen;
    const table = readDebugTable(debug);
    const inspector = Atomics.load(debug, DebugWord.breakpointArmed) ? [getU64(debug, DebugWord.breakpointLo)] : [];
    const all = [...new Set([...inspector, ...table.breakpoints])];
    if (cpu.setBreakpoints) cpu.setBreakpoints(all);
    else cpu.setBreakpoint(all[0]);
    cpu.setWatchpoints?.(table.watchpoints);
  }

  private pauseSiblings(): void {
    for (const h of this.arch.siblings()) {
      const other = this.options.headers[h]!;
      Atomics.compareExchange(other, CpuWord.request, RunRequest.run, RunRequest.pause);
      Atomics.notify(other, CpuWord.request);
      Atomics.store(other, CpuWord.wake, 1);
      Atomics.notify(other, CpuWord.wake);
    }
  }

  /**
   * One turn of the loop. Returns false when the CPU must stop for good (machine exit or a stop
   * request); the caller then calls finish().
   */
  turn(): boolean {
    const { arch, header, thread } = this;
    const { cpu } = arch;
    if (Atomics.load(this.options.control, ControlWord.exit) !== MachineExit.none) return false;
    const request = Atomics.load(header, CpuWord.request);
    if (request === RunRequest.stop) return false;
    if (request === RunRequest.save) {
      this.saveState();
      return true;
    }
    if (request === RunRequest.yield) {
      Atomics.compareExchange(header, CpuWord.request, RunRequest.yield, RunRequest.run);
      return true;
    }
    if (arch.hypervisorTurn) {
      if (!arch.hypervisorTurn()) return true;
    } else if (arch.faulted || !arch.startsRunning) {
      this.setStatus(arch.faulted ? HartStatus.faulted : HartStatus.stopped);
      thread.wait(header, CpuWord.request, request, 1000);
      return true;
    }
    if (request === RunRequest.pause) {
      // Announce the stop once; republish now and then so that interrupts arriving meanwhile show.
      if (!this.stopAnnounced) this.announceStop(StopCode.pause);
      else if (thread.nowMs() - this.lastPublish > 200) {
        this.publish();
        this.lastPublish = thread.nowMs();
      }
      this.setStatus(HartStatus.paused);
      thread.wait(header, CpuWord.request, RunRequest.pause, 250);
      return true;
    }
    this.syncBreakpoint();
    const stepping = request === RunRequest.step;
    // Leaving a breakpoint: execute its instruction first, or the CPU would stop there again.
    if (!stepping && this.stopAnnounced && arch.atBreakpoint()) cpu.run(1, true);
    this.stopAnnounced = false;
    if (!this.ranOnce) {
      this.ranOnce = true;
      this.options.beforeFirstRun?.();
    }
    this.setStatus(HartStatus.running);
    const exit: CpuExit = cpu.run(stepping ? 1 : this.options.slice, stepping);
    if (Atomics.exchange(header, CpuWord.fences, 0) !== 0) cpu.flushTlb();
    this.publishRetired();
    arch.afterSlice?.();
    // A fault parks the CPU for good: publish now, or the inspector shows an older pc's code.
    if (exit === 'fault' || thread.nowMs() - this.lastPublish > 50) {
      this.publish();
      this.lastPublish = thread.nowMs();
    }
    if (stepping) {
      Atomics.compareExchange(header, CpuWord.request, RunRequest.step, RunRequest.pause);
      // A step that reached a watched access stopped before it: a watchpoint stop (the debugger then
      // steps over the access and reports the old and new values), not a completed step.
      const watch = exit === 'breakpoint' ? cpu.takeWatchHit?.() : undefined;
      if (watch) {
        this.recordWatch(watch);
        this.announceStop(StopCode.breakpoint);
      } else this.announceStop(StopCode.step);
      return true;
    }
    if (exit === 'breakpoint') {
      this.recordWatch(cpu.takeWatchHit?.());
      this.pauseSiblings();
      this.announceStop(StopCode.breakpoint);
      return true;
    }
    if (exit === 'wfi') {
      this.setStatus(HartStatus.waiting);
      this.sleepUntilWake(50);
    }
    return true;
  }

  /** Hands the CPU's private state to the host (it asked while the machine is paused), then stays paused. */
  private saveState(): void {
    const { cpu } = this.arch;
    this.publishRetired();
    try {
      if (!cpu.saveState) throw new Error(`the ${this.options.arch ?? 'unknown'} CPU cannot save its state`);
      this.options.onSavedState?.(cpu.saveState());
    } catch (error) {
      this.options.onSavedState?.(undefined, (error as Error).message);
    }
    Atomics.compareExchange(this.header, CpuWord.request, RunRequest.save, RunRequest.pause);
    Atomics.notify(this.header, CpuWord.request);
  }

  /** The watchpoint a stop is for (none: kind 0), read by the debugger with the stop. */
  private recordWatch(watch: { readonly address: bigint; readonly kind: number } | undefined): void {
    Atomics.store(this.arch.debug, DebugTable.stopWatchKind, watch?.kind ?? 0);
    putU64(this.arch.debug, DebugTable.stopDataLo, watch?.address ?? 0n);
  }

  /** Runs until the machine exits or the CPU is told to stop. */
  run(): void {
    while (this.turn());
    this.finish();
  }

  finish(): void {
    this.publishRetired();
    if (!this.arch.faulted) this.setStatus(HartStatus.exited);
  }
}
