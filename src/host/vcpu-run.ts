/**
 * One vCPU thread, once its entry (vcpu-worker.ts) loads this: builds the thread's view of the shared
 * machine, asks the architecture's vCPU factory (core/vcpu-factories.ts) for the CPU and its hypervisor
 * part, and runs core's vCPU loop (core/vcpu/vcpu-loop.ts) with Atomics.wait as its sleep. Everything
 * here is thread plumbing: the start message, the messages back to the host, and turning an exception
 * into an 'error' message.
 */
import type { BoardArch } from '../shared/model/board';
import { parentPort } from 'node:worker_threads';
import { HartStatus } from '../core/cpu/hart-header';
import { CpuWord } from '../core/cpu/cpu-core';
import { MachineExit, MachineView } from '../core/machine/machine';
import { prepareVcpu, warmUpVcpu } from '../core/vcpu-factories';
import { cpuModel } from '../core/cpu-models';
import { VcpuLoop, type VcpuThread } from '../core/vcpu/vcpu-loop';
import { registerWasmMemory } from '../core/jit/wasm-module';
import { useBackgroundCompiler } from '../core/jit/block-cache';
import { WasmCompilerThread } from './wasm-compiler';
import { RamPrefaulter } from './ram-prefaulter';
import { loadTranslationProfile, saveTranslationProfile } from './translation-profile';
import { threadClock } from './thread-clock';
import { DeterministicState, DeterministicTurns, runTurns } from '../core/vcpu/deterministic-turns';
import { HartWord, RunRequest } from '../core/cpu/hart-header';
import { ControlWord } from '../core/machine/machine-control';
import type { VcpuInit, VcpuMessage } from './vcpu-init';

/** Whether the CPU model of `arch` has a module writer for its block compiler's thread (CpuModel.writeBlockModule). */
export function writesModules(arch: BoardArch): boolean {
  return cpuModel(arch).writeBlockModule !== undefined;
}

/**
 * Warms the thread's interpreter for `arch` before a guest runs (core/vcpu-factories.ts: warmUpVcpu);
 * `writer`: whether the thread will write block modules itself (not when its compiling thread does).
 */
export function warmUp(arch: BoardArch, writer = true): void {
  warmUpVcpu(arch, writer);
}

/**
 * Builds the CPU `init` describes and runs it until the machine stops it (the thread's whole life).
 * `compiler`: the thread's block compiler, when its entry (vcpu-worker.ts) started one early (it writes
 * modules too); else one is made here if the CPU may compile in the background.
 */
export function runVcpu(init: VcpuInit, compiler?: WasmCompilerThread): void {
  const post = (message: VcpuMessage): void => parentPort!.postMessage(message);
  const log = (message: string): void => post({ type: 'log', hart: init.hart, message });
  const zoned = init.mode === 'supervisor';

  // Deterministic mode: time and turns come from the scheduler's buffer, and a CPU never sleeps (waiting
  // ends its turn instead).
  const turns = init.deterministic
    ? new DeterministicTurns(new DeterministicState(init.deterministic.buffer, init.plan.board.harts, init.deterministic.params, init.timebase), init.hart)
    : undefined;
  const thread: VcpuThread = {
    wait: (array, index, value, ms) => {
      if (!turns) Atomics.wait(array, index, value, ms);
    },
    nowMs: () => Date.now(),
  };

  const preparation = prepareVcpu(init.plan.board.arch, zoned);
  // Whether this thread writes its block modules itself (else its compiling thread does).
  let writesHere = true;
  // The translation tier runs over this memory (HVWB_TIER=interp keeps the interpreter only).
  if (process.env.HVWB_TIER !== 'interp') {
    registerWasmMemory(init.memory);
    // Block modules compile on a thread of their own when a core is spare (machine-host.ts), never in
    // deterministic runs, where when a block is first entered must not depend on another thread's timing.
    if (init.backgroundCompile && !turns && process.env.HVWB_BG_COMPILE !== '0') {
      useBackgroundCompiler(compiler ?? new WasmCompilerThread());
      compiler = undefined;
      writesHere = !writesModules(init.plan.board.arch);
    }
  }
  // One started early that this CPU does not use (deterministic runs, the interpreter only) ends here.
  compiler?.stop();
  const view = new MachineView(init.plan, init.memory.buffer, turns ?? threadClock(init.epoch, init.timebase), 1 + init.hart, preparation.wrapSignals);
  const header = view.headers[init.hart]!;
  // Guest RAM's first writes fault on a spare core (ram-prefaulter.ts), where the block compiler would
  // have one too, and never in deterministic runs (its thread's timing must not matter anywhere there).
  const span = view.bus.ramSpan;
  const prefaulter = init.backgroundCompile && !turns && process.env.HVWB_PREFAULT !== '0' && RamPrefaulter.supported() && span.buffer === init.memory.buffer
    ? new RamPrefaulter(init.memory.buffer as SharedArrayBuffer, span.bufferOffset, span.size, init.ramProfile)
    : undefined;

  // The blocks a previous boot translated are translated when first run (translation-profile.ts); never
  // in deterministic runs, where what a boot translates must not depend on an earlier boot.
  const slots = cpuModel(init.plan.board.arch).headSlots;
  const profileFile = init.translationProfile;
  const headProfile = profileFile !== undefined && slots !== undefined && !turns && process.env.HVWB_TIER !== 'interp'
    ? loadTranslationProfile(profileFile, span.size / 4096, slots, log)
    : undefined;

  try {
    const arch = preparation.create({
      view,
      cpu: init.hart,
      mode: init.mode,
      startsRunning: init.startsRunning,
      entry: BigInt(init.entry),
      args: [BigInt(init.a1)],
      ...(init.tohost !== undefined ? { tohost: init.tohost } : {}),
      ...(init.fromhost !== undefined ? { fromhost: init.fromhost } : {}),
      hypervisor: init.hypervisor,
      ...(prefaulter ? { ramHints: prefaulter.hints } : {}),
      ...(headProfile ? { headProfile } : {}),
      thread,
      log,
      fault: (fault) => post({ type: 'fault', hart: init.hart, ...(fault.zone !== undefined ? { zone: fault.zone } : {}), text: fault.text }),
    });
    if (init.restoreState) {
      if (!arch.cpu.restoreState) throw new Error(`the ${init.plan.board.arch} CPU cannot restore a saved state`);
      arch.cpu.restoreState(init.restoreState);
    }
    const loop = new VcpuLoop(arch, {
      header,
      headers: view.headers,
      control: view.control,
      guestNow: () => view.guestClock.now(),
      timebase: init.timebase,
      slice: turns ? turns.state.params.quantum : init.slice,
      arch: init.plan.board.arch,
      inspectRegion: view.cpuInspectRegion(init.hart),
      // A CPU that runs later (a zone's, a secondary started by the guest) warms its interpreter then, not
      // while the first ones boot; a thread spawned early has done it while the host read the images.
      beforeFirstRun: () => {
        warmUpVcpu(init.plan.board.arch, writesHere);
        prefaulter?.start();
      },
      onSavedState: (state, error) => post({ type: 'state', hart: init.hart, ...(state ? { state } : {}), ...(error ? { error } : {}) }),
    }, thread);
    post({ type: 'ready', hart: init.hart });
    if (turns) {
      turns.attach(() => arch.cpu.retired);
      runTurns(loop, turns, arch.cpu, () => Atomics.load(header, HartWord.status) === HartStatus.waiting, () => view.guestClock.now(),
        () => Atomics.load(header, CpuWord.request) === RunRequest.stop || Atomics.load(view.control, ControlWord.exit) !== MachineExit.none);
    } else loop.run();
    // Its RAM profile written before this thread, its parent, ends it.
    prefaulter?.stop(500);
    if (headProfile && profileFile !== undefined && headProfile.heads > 0) saveTranslationProfile(profileFile, headProfile, log);
    const tier = arch.cpu.tierStats?.();
    post({ type: 'exit', hart: init.hart, ...(tier ? { tier: { ...tier } } : {}) });
  } catch (error) {
    const e = error as Error;
    Atomics.store(header, CpuWord.status, HartStatus.faulted);
    view.requestExit(MachineExit.fault, 1);
    post({ type: 'error', hart: init.hart, message: e.message, ...(e.stack ? { stack: e.stack } : {}) });
  }
}
