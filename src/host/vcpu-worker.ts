/**
 * One vCPU: a worker thread that runs one physical hart in bounded slices, sleeps in WFI with
 * Atomics.wait until an interrupt or the next timer deadline, and obeys the host's run requests
 * (pause, single step, stop) written into its header words.
 *
 * In `machine` mode the hart is bare hardware started at the firmware entry. In `supervisor` mode the
 * hypervisor runs here, on the hart, as hvisor does: the hart belongs to whichever zone the zone
 * table binds it to, runs that zone's guest in S-mode, and handles its own traps (SBI, hypercalls,
 * vPLIC, stage-2 faults).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Hart } from '../core/isa/riscv64/hart';
import type { FaultReport, HartPlatform } from '../core/isa/riscv64/platform';
import { HartEvent, HartStatus, HartWord, HsmState, RunRequest } from '../core/cpu/hart-header';
import { ControlWord, MachineExit, MachineView } from '../core/machine/machine';
import { leaveZone } from '../core/hypervisor/hypervisor';
import { handlePhysicalExternal, RoutingSignals } from '../core/hypervisor/irq-routing';
import { ZoneRuntime } from '../core/hypervisor/zone-runtime';
import { BoundSupervisor, bindZone, describeFault, type ZoneBinding } from '../core/hypervisor/zone-vcpu';
import { bridgeHypercalls } from '../core/hypervisor/hypercall';
import { threadClock } from './thread-clock';
import { virtioTrapRegions } from '../core/virtio/virtio-trap';
import type { VcpuInit, VcpuMessage } from './vcpu-init';
import { Htif } from './htif';
import { DebugWord, getU64, putU64, StopCode } from '../core/cpu/hart-snapshot';

const init = workerData as VcpuInit;
const post = (message: VcpuMessage): void => parentPort!.postMessage(message);
const log = (message: string): void => post({ type: 'log', hart: init.hart, message });
const zoned = init.mode === 'supervisor';

let routing: RoutingSignals | undefined;
const view = new MachineView(init.plan, init.memory, threadClock(init.epoch, init.timebase), 1 + init.hart, (signals) => {
  if (!zoned) return signals;
  routing = new RoutingSignals(signals, signals.headers, (h) => Atomics.load(signals.headers[h]!, HartWord.zoneSlot) !== 0);
  return routing;
});
const header = view.headers[init.hart]!;
const ram = view.bus.ram;
const runtime = zoned ? new ZoneRuntime(view, init.hypervisor, log) : undefined;
const bound = zoned ? new BoundSupervisor() : undefined;
/**
 * hvisor's virtio bridge as every thread sees it: the workbench's page, served by its daemon, until
 * the root's hypercall 0 moves it into the root's RAM; then requests go there and wake the root.
 */
const bridge = runtime?.virtioBridge;
/** Hypercalls 0 and 1 from the root zone move that bridge and drain its res_list. */
const virtioHypercalls = runtime && bridge ? bridgeHypercalls(runtime, bridge, log) : undefined;
/** The usual virtio-mmio window of hvisor-tool's devices: a QueueNotify at 0x50 of each. */
const VIRTIO_WINDOW = 0x200;

/** A vCPU waiting for a virtio answer gives up when its zone goes away or the machine stops. */
function leavingZone(): boolean {
  return (
    (Atomics.load(header, HartWord.events) & (HartEvent.shutdown | HartEvent.halt)) !== 0 ||
    Atomics.load(header, HartWord.request) === RunRequest.stop ||
    Atomics.load(view.control, ControlWord.exit) !== MachineExit.none
  );
}
let binding: ZoneBinding | undefined;
let faulted = false;

const platform: HartPlatform = {
  hartId: init.hart,
  bus: view.bus,
  clock: view.guestClock,
  machineTimerCompare: () => view.machineTimerCompare(init.hart),
  ...(bound ? { supervisor: bound } : {}),
  fault(report: FaultReport) {
    faulted = true;
    if (runtime && binding) {
      const text = describeFault(report, binding);
      runtime.hypervisor.zoneError(binding.slot, text);
      post({ type: 'fault', hart: init.hart, report, zone: binding.config.zoneId, text });
    } else {
      post({ type: 'fault', hart: init.hart, report, text: report.message });
    }
  },
};

const hart = new Hart(platform, view.hartRegion(init.hart));
if (!zoned && init.startsRunning) hart.reset(BigInt(init.entry), 'machine', BigInt(init.hart), BigInt(init.a1));

function setStatus(status: number): void {
  Atomics.store(header, HartWord.status, status);
}

function publishRetired(): void {
  const retired = hart.retired;
  Atomics.store(header, HartWord.retiredLo, retired % 0x1_0000_0000 | 0);
  Atomics.store(header, HartWord.retiredHi, Math.floor(retired / 0x1_0000_0000) | 0);
}

/** HTIF for images that have a `tohost` symbol (the ISA test programs): exit codes and a console. */
const htif = init.tohost === undefined
  ? undefined
  : new Htif(ram, { tohost: init.tohost, ...(init.fromhost !== undefined ? { fromhost: init.fromhost } : {}) }, {
      exit: (code) => view.requestExit(code === 0 ? MachineExit.poweroff : MachineExit.fail, code),
      consoleWrite: (bytes) => view.consoleWrite(bytes),
    });

function sleepUntilWake(maxMs: number): void {
  Atomics.store(header, HartWord.wake, 0);
  const pending = Atomics.load(header, HartWord.mip) & Number(hart.readCsr(0x304) & 0xffffffffn);
  if (pending !== 0 || Atomics.load(header, HartWord.request) !== RunRequest.run || Atomics.load(header, HartWord.events) !== 0) return;
  const deadline = hart.nextDeadline();
  const now = view.guestClock.now();
  if (deadline <= now) return;
  const waitMs = Math.min(maxMs, ((deadline - now) * 1000) / init.timebase);
  if (waitMs > 0.05) Atomics.wait(header, HartWord.wake, 0, waitMs);
}

/** Parks the hart until something changes in its header (a zone binding, an HSM start, a request). */
function park(status: number, ms: number): void {
  setStatus(status);
  Atomics.store(header, HartWord.wake, 0);
  Atomics.wait(header, HartWord.wake, 0, ms);
}

function readPair(loIndex: number): bigint {
  return (BigInt(Atomics.load(header, loIndex + 1) >>> 0) << 32n) | BigInt(Atomics.load(header, loIndex) >>> 0);
}

/**
 * The hypervisor's part of one loop turn in supervisor mode. Returns true when the hart has a guest
 * to run now; false when it parked or handled an event and the loop should look again.
 */
function hypervisorTurn(): boolean {
  const events = Atomics.load(header, HartWord.events);
  if (events & HartEvent.shutdown) {
    binding = undefined;
    bound!.binding = undefined;
    faulted = false;
    leaveZone(header);
    return false;
  }
  const slotIndex = Atomics.load(header, HartWord.zoneSlot) - 1;
  if (slotIndex < 0) {
    park(HartStatus.stopped, 500);
    return false;
  }
  const slot = runtime!.table.slots[slotIndex]!;
  if (!binding || binding.slot !== slot || binding.generation !== slot.generation) {
    binding = bindZone(slot, init.hart, {
      view,
      hypervisor: runtime!.hypervisor,
      vplicOf: (s) => runtime!.vplicOf(s),
      ...(bridge ? { extraTraps: (_slot, config) => virtioTrapRegions(config, { bridge, abort: leavingZone, deviceStride: VIRTIO_WINDOW }) } : {}),
      ...(virtioHypercalls ? { virtio: virtioHypercalls } : {}),
      log,
    });
    bound!.binding = binding;
    faulted = false;
    // The hart just became virtualised: a physical SEIP raised before now must come through the hypervisor.
    view.lock.acquire();
    try {
      routing?.takeOver(init.hart);
    } finally {
      view.lock.release();
    }
  }
  if (events & HartEvent.halt) {
    Atomics.and(header, HartWord.events, ~HartEvent.halt);
    faulted = true;
  }
  if (faulted) {
    park(HartStatus.faulted, 500);
    return false;
  }
  if (events & HartEvent.externalInterrupt) {
    view.lock.acquire();
    try {
      handlePhysicalExternal(init.hart, view.devices.plic!, (h) => runtime!.vplicOfHart(h), log, header);
    } finally {
      view.lock.release();
    }
  }
  const hsm = Atomics.load(header, HartWord.hsm);
  if (hsm === HsmState.startPending) {
    hart.reset(readPair(HartWord.hsmStartAddrLo), 'supervisor', BigInt(init.hart), readPair(HartWord.hsmOpaqueLo));
    Atomics.store(header, HartWord.hsm, HsmState.started);
    return true;
  }
  if (hsm !== HsmState.started) {
    park(HartStatus.stopped, 500);
    return false;
  }
  return true;
}

// --- debugger (inspector): snapshots, stops and the breakpoint (core/cpu/hart-snapshot.ts) ---
const debug = hart.debug;
/** The current pause was announced (by a stop of its own or a step / breakpoint). */
let stopAnnounced = false;
let breakpointGen = 0;
let lastPublish = 0;

function announceStop(reason: number): void {
  hart.publishSnapshot();
  lastPublish = Date.now();
  putU64(debug, DebugWord.stopPcLo, hart.getPc());
  Atomics.store(debug, DebugWord.stopReason, reason);
  Atomics.add(debug, DebugWord.stopSeq, 1);
  stopAnnounced = true;
}

function syncBreakpoint(): void {
  const gen = Atomics.load(debug, DebugWord.breakpointGen);
  if (gen === breakpointGen) return;
  breakpointGen = gen;
  hart.setBreakpoint(Atomics.load(debug, DebugWord.breakpointArmed) ? getU64(debug, DebugWord.breakpointLo) : undefined);
}

/** A breakpoint stops the whole zone (or, without zones, the whole machine) at its next slice boundary. */
function pauseSiblings(): void {
  const harts = binding ? binding.slot.cpuList() : view.headers.map((_, i) => i);
  for (const h of harts) {
    const other = view.headers[h]!;
    Atomics.compareExchange(other, HartWord.request, RunRequest.run, RunRequest.pause);
    Atomics.notify(other, HartWord.request);
    Atomics.store(other, HartWord.wake, 1);
    Atomics.notify(other, HartWord.wake);
  }
}

function loop(): void {
  for (;;) {
    if (Atomics.load(view.control, ControlWord.exit) !== MachineExit.none) break;
    const request = Atomics.load(header, HartWord.request);
    if (request === RunRequest.stop) break;
    if (request === RunRequest.yield) {
      Atomics.compareExchange(header, HartWord.request, RunRequest.yield, RunRequest.run);
      continue;
    }
    if (zoned) {
      if (!hypervisorTurn()) continue;
    } else if (faulted || !init.startsRunning) {
      setStatus(faulted ? HartStatus.faulted : HartStatus.stopped);
      Atomics.wait(header, HartWord.request, request, 1000);
      continue;
    }
    if (request === RunRequest.pause) {
      // Announce the stop once; republish now and then so that interrupts arriving meanwhile show.
      if (!stopAnnounced) announceStop(StopCode.pause);
      else if (Date.now() - lastPublish > 200) {
        hart.publishSnapshot();
        lastPublish = Date.now();
      }
      setStatus(HartStatus.paused);
      Atomics.wait(header, HartWord.request, RunRequest.pause, 250);
      continue;
    }
    syncBreakpoint();
    const stepping = request === RunRequest.step;
    // Leaving a breakpoint: execute its instruction first, or the hart would stop there again.
    if (!stepping && stopAnnounced && hart.atBreakpoint()) hart.run(1, true);
    stopAnnounced = false;
    setStatus(HartStatus.running);
    const exit = hart.run(stepping ? 1 : init.slice, stepping);
    if (Atomics.exchange(header, HartWord.fences, 0) !== 0) hart.flushTlb();
    publishRetired();
    htif?.poll();
    // A fault parks the hart for good: publish now, or the inspector shows an older pc's code.
    if (exit === 'fault' || Date.now() - lastPublish > 50) {
      hart.publishSnapshot();
      lastPublish = Date.now();
    }
    if (stepping) {
      Atomics.compareExchange(header, HartWord.request, RunRequest.step, RunRequest.pause);
      announceStop(StopCode.step);
      continue;
    }
    if (exit === 'breakpoint') {
      pauseSiblings();
      announceStop(StopCode.breakpoint);
      continue;
    }
    if (exit === 'wfi') {
      setStatus(HartStatus.waiting);
      sleepUntilWake(50);
    }
  }
  publishRetired();
  if (!faulted) setStatus(HartStatus.exited);
}

try {
  post({ type: 'ready', hart: init.hart });
  loop();
  post({ type: 'exit', hart: init.hart });
} catch (error) {
  const e = error as Error;
  setStatus(HartStatus.faulted);
  view.requestExit(MachineExit.fault, 1);
  post({ type: 'error', hart: init.hart, message: e.message, ...(e.stack ? { stack: e.stack } : {}) });
}
