/**
 * One vCPU: a worker thread that runs one hart of the machine in bounded slices, sleeps in WFI with
 * Atomics.wait until an interrupt or the next timer deadline, and obeys the host's run requests
 * (pause, single step, stop) written into its header words.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Hart } from '../core/isa/riscv64/hart';
import type { FaultReport, HartPlatform } from '../core/isa/riscv64/platform';
import { HartStatus, HartWord, HsmState, RunRequest } from '../core/machine/hart-header';
import { ControlWord, MachineExit, MachineView } from '../core/machine/machine';
import { SbiHandler, type ResetKind } from '../core/hypervisor/sbi';
import { ZoneSupervisor } from '../core/hypervisor/zone-supervisor';
import { wakeHart } from '../core/machine/signals';
import { threadClock } from './thread-clock';
import type { VcpuInit, VcpuMessage } from './vcpu-init';

const init = workerData as VcpuInit;
const post = (message: VcpuMessage): void => parentPort!.postMessage(message);

const view = new MachineView(init.plan, init.memory, threadClock(init.epoch, init.timebase), 1 + init.hart);
const header = view.headers[init.hart]!;
const ram = view.bus.ram;
let faulted = false;

function readGuest(gpa: number, length: number): Uint8Array | undefined {
  if (length < 0 || !view.bus.isRam(gpa, Math.max(length, 1))) return undefined;
  return ram.u8.slice(gpa - ram.base, gpa - ram.base + length);
}

const sbi = new SbiHandler({
  harts: init.zoneHarts,
  headerOf: (hart) => view.headers[hart]!,
  signals: view.signals,
  now: () => view.guestClock.now(),
  consoleWrite: (bytes) => view.consoleWrite(bytes),
  consoleRead: () => view.consoleRead(),
  readGuest,
  writeGuest: (gpa, bytes) => {
    if (!view.bus.isRam(gpa, Math.max(bytes.length, 1))) return false;
    ram.u8.set(bytes, gpa - ram.base);
    return true;
  },
  reset: (kind: ResetKind, reason) => {
    view.requestExit(kind === 'shutdown' ? (reason === 0 ? MachineExit.poweroff : MachineExit.fail) : MachineExit.reset, reason);
  },
  wake: (hart) => wakeHart(view.headers[hart]!),
  yieldHart: (hart) => {
    Atomics.compareExchange(view.headers[hart]!, HartWord.request, RunRequest.run, RunRequest.yield);
  },
});

const supervisor = init.mode === 'supervisor' ? ZoneSupervisor.identity(view.bus, sbi) : undefined;

const platform: HartPlatform = {
  hartId: init.hart,
  bus: view.bus,
  clock: view.guestClock,
  machineTimerCompare: () => view.machineTimerCompare(init.hart),
  ...(supervisor ? { supervisor } : {}),
  fault(report: FaultReport) {
    faulted = true;
    const near = report.address !== undefined && supervisor ? supervisor.nearest(Number(report.address)) : undefined;
    const region = near ? `${near.kind} 0x${near.guestStart.toString(16)}+0x${near.size.toString(16)}` : undefined;
    post({ type: 'fault', hart: init.hart, report, ...(region ? { region } : {}) });
  },
};

const hart = new Hart(platform, view.hartRegion(init.hart));
const entry = BigInt(init.entry);
const a1 = BigInt(init.a1);
if (init.startsRunning) hart.reset(entry, init.mode, BigInt(init.hart), a1);

function setStatus(status: number): void {
  Atomics.store(header, HartWord.status, status);
}

function publishRetired(): void {
  const retired = hart.retired;
  Atomics.store(header, HartWord.retiredLo, retired % 0x1_0000_0000 | 0);
  Atomics.store(header, HartWord.retiredHi, Math.floor(retired / 0x1_0000_0000) | 0);
}

/** HTIF: the guest writes `tohost`; bit 0 set means exit with code value >> 1, device 1 is a console. */
function checkHtif(): void {
  if (init.tohost === undefined) return;
  const offset = init.tohost - ram.base;
  const lo = ram.view.getUint32(offset, true);
  const hi = ram.view.getUint32(offset + 4, true);
  if (lo === 0 && hi === 0) return;
  const device = hi >>> 24;
  const command = (hi >>> 16) & 0xff;
  if (device === 0 && command === 0 && (lo & 1) === 1) {
    const code = Math.floor((hi * 0x1_0000_0000 + lo) / 2);
    view.requestExit(code === 0 ? MachineExit.poweroff : MachineExit.fail, code);
  } else if (device === 1 && command === 1) {
    view.consoleWrite(Uint8Array.of(lo & 0xff));
    ram.view.setUint32(offset + 8, 0, true);
    ram.view.setUint32(offset + 12, 0x0101_0000, true);
  }
  ram.view.setUint32(offset, 0, true);
  ram.view.setUint32(offset + 4, 0, true);
}

function sleepUntilWake(maxMs: number): void {
  Atomics.store(header, HartWord.wake, 0);
  const pending = Atomics.load(header, HartWord.mip) & Number(hart.readCsr(0x304) & 0xffffffffn);
  if (pending !== 0 || Atomics.load(header, HartWord.request) !== RunRequest.run) return;
  const deadline = hart.nextDeadline();
  const now = view.guestClock.now();
  if (deadline <= now) return;
  const waitMs = Math.min(maxMs, ((deadline - now) * 1000) / init.timebase);
  if (waitMs > 0.05) Atomics.wait(header, HartWord.wake, 0, waitMs);
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
    if (faulted) {
      setStatus(HartStatus.faulted);
      Atomics.wait(header, HartWord.request, request, 1000);
      continue;
    }
    if (init.mode === 'supervisor') {
      const hsm = Atomics.load(header, HartWord.hsm);
      if (hsm === HsmState.startPending) {
        const address = (BigInt(Atomics.load(header, HartWord.hsmStartAddrHi) >>> 0) << 32n) | BigInt(Atomics.load(header, HartWord.hsmStartAddrLo) >>> 0);
        const opaque = (BigInt(Atomics.load(header, HartWord.hsmOpaqueHi) >>> 0) << 32n) | BigInt(Atomics.load(header, HartWord.hsmOpaqueLo) >>> 0);
        hart.reset(address, 'supervisor', BigInt(init.hart), opaque);
        Atomics.store(header, HartWord.hsm, HsmState.started);
        continue;
      }
      if (hsm !== HsmState.started) {
        setStatus(HartStatus.stopped);
        Atomics.store(header, HartWord.wake, 0);
        if (Atomics.load(header, HartWord.hsm) === HsmState.stopped) Atomics.wait(header, HartWord.wake, 0, 200);
        continue;
      }
    } else if (!init.startsRunning) {
      setStatus(HartStatus.stopped);
      Atomics.wait(header, HartWord.request, request, 1000);
      continue;
    }
    if (request === RunRequest.pause) {
      setStatus(HartStatus.paused);
      Atomics.wait(header, HartWord.request, RunRequest.pause, 1000);
      continue;
    }
    const stepping = request === RunRequest.step;
    setStatus(HartStatus.running);
    const exit = hart.run(stepping ? 1 : init.slice);
    if (Atomics.exchange(header, HartWord.fences, 0) !== 0) hart.flushTlb();
    publishRetired();
    checkHtif();
    if (stepping) {
      Atomics.compareExchange(header, HartWord.request, RunRequest.step, RunRequest.pause);
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
