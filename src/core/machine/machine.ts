/**
 * A board made concrete over a shared buffer. `planMachine` fixes where everything lives;
 * `MachineView` rebuilds the same devices, bus and hart headers in any thread from that plan, so the
 * main thread (inspectors, UART input, virtio backends) and each vCPU worker see one machine.
 */
import { AddressSpace } from '../bus/address-space';
import type { Clock, HartSignals } from '../bus/types';
import { instantiateDevices, planDevices, type MachineDevices } from '../devices/create-devices';
import { cpuModel } from '../cpu-models';
import type { Board } from '../../shared/model/board';
import { HART_HEADER_BYTES, HartWord, HsmState } from '../cpu/hart-header';
import { SharedLayoutPlanner, regionOf, type SharedLayout } from './shared-layout';
import { SharedDeviceLock, SharedHartSignals } from './signals';
import { vplicBytes, zoneTableBytes } from '../hypervisor/zone-table';
import { BRIDGE_PAGE_BYTES } from '../virtio/virtio-bridge';
import { attachIrqTrace, IrqTrace, irqTraceBytes } from '../cpu/irq-trace';

export { ControlWord, MachineExit } from './machine-control';
import { ControlWord, MachineExit } from './machine-control';

export interface MachinePlan {
  readonly board: Board;
  readonly ramSize: number;
  readonly layout: SharedLayout;
}

export function planMachine(board: Board, ramSize = board.ram.size): MachinePlan {
  const planner = new SharedLayoutPlanner();
  planner.reserve('control', 4096, 4096);
  const stateBytes = cpuModel(board.arch).stateBytes;
  for (let hart = 0; hart < board.harts; hart++) planner.reserve(`hart.${hart}`, stateBytes, 4096);
  planDevices(board, planner);
  planner.reserve('zones', zoneTableBytes(vplicBytes(board.harts)), 4096);
  // hvisor's virtio_bridge page: requests from trapping vCPUs to the management side's backends.
  planner.reserve('virtio-bridge', BRIDGE_PAGE_BYTES, 4096);
  // The interrupt timeline's event ring (irq-trace.ts).
  planner.reserve('irq-trace', irqTraceBytes(), 4096);
  planner.reserve('ram', ramSize, 65536);
  return { board, ramSize, layout: planner.finish() };
}

export interface ThreadClock {
  /** Host monotonic time in board ticks, the same origin in every thread. */
  hostTicks(): number;
}

export class MachineView {
  readonly bus: AddressSpace;
  readonly devices: MachineDevices;
  readonly headers: Int32Array[] = [];
  readonly control: Int32Array;
  readonly controlF64: Float64Array;
  readonly signals: SharedHartSignals;
  readonly clock: Clock;
  readonly lock: SharedDeviceLock;
  /** The interrupt trace ring; the PLIC, vPLICs and harts of this thread record into it. */
  readonly irqTrace: IrqTrace | undefined;

  constructor(
    readonly plan: MachinePlan,
    readonly buffer: ArrayBufferLike,
    hostClock: ThreadClock,
    /** Distinguishes lock owners: 0 = main thread, 1 + hart id for workers. */
    threadId: number,
    /**
     * Wraps the hart signals the devices drive; the hypervisor uses it to route physical external
     * interrupts of virtualised harts through itself rather than straight into the guest.
     */
    wrapDeviceSignals?: (signals: SharedHartSignals) => HartSignals,
  ) {
    const control = regionOf(plan.layout, buffer, 'control');
    this.control = new Int32Array(buffer, control.byteOffset, control.byteLength / 4);
    this.controlF64 = new Float64Array(buffer, control.byteOffset, control.byteLength / 8);
    for (let hart = 0; hart < plan.board.harts; hart++) {
      const region = regionOf(plan.layout, buffer, `hart.${hart}`);
      this.headers.push(new Int32Array(buffer, region.byteOffset, HART_HEADER_BYTES / 4));
    }
    this.signals = new SharedHartSignals(this.headers);
    const controlF64 = this.controlF64;
    this.clock = { now: () => hostClock.hostTicks() - controlF64[ControlWord.pausedTicksF64]! };
    this.lock = new SharedDeviceLock(this.control, ControlWord.deviceLock, threadId);
    if (plan.layout.regions.some((r) => r.name === 'irq-trace')) {
      this.irqTrace = new IrqTrace(regionOf(plan.layout, buffer, 'irq-trace'), this.clock);
      attachIrqTrace(buffer, this.irqTrace);
    }
    this.bus = new AddressSpace(plan.board.ram.base, regionOf(plan.layout, buffer, 'ram'));
    this.bus.lock = this.lock;
    this.devices = instantiateDevices(plan.board, plan.layout, buffer, {
      signals: wrapDeviceSignals ? wrapDeviceSignals(this.signals) : this.signals,
      clock: this.clock,
      requester: Math.max(0, threadId - 1),
      onPowerRequest: (kind, code) =>
        this.requestExit(kind === 'reset' ? MachineExit.reset : kind === 'fail' ? MachineExit.fail : MachineExit.poweroff, code),
    });
    for (const mapping of this.devices.mappings) this.bus.map(mapping.name, mapping.base, mapping.size, mapping.device);
    const mtimer = this.devices.mtimer;
    this.guestClock = mtimer ? { now: () => this.clock.now() + mtimer.timeOffset() } : this.clock;
  }

  /** Time as the guest reads it (mtime, including any offset the guest wrote into mtime). */
  readonly guestClock: Clock;

  /** The machine timer compare of a hart in guest time; Infinity without an MTIMER. */
  machineTimerCompare(hart: number): number {
    const mtimer = this.devices.mtimer;
    return mtimer ? mtimer.compare(hart) + mtimer.timeOffset() : Infinity;
  }

  /** Bytes written to the console by firmware calls (SBI, HTIF) rather than through UART registers. */
  consoleWrite(bytes: Uint8Array): void {
    const uart = this.devices.uart;
    if (!uart) return;
    this.lock.acquire();
    try {
      uart.outputRing.pushBytes(bytes);
    } finally {
      this.lock.release();
    }
  }

  /** Next console input byte for firmware calls, or -1. */
  consoleRead(): number {
    const uart = this.devices.uart;
    if (!uart) return -1;
    this.lock.acquire();
    try {
      return uart.inputRing.available() > 0 ? uart.inputRing.pop() : -1;
    } finally {
      this.lock.release();
    }
  }

  /** Console output produced since the last call (host side). */
  drainConsole(): Uint8Array {
    return this.devices.uart ? this.devices.uart.outputRing.drain() : new Uint8Array(0);
  }

  /** Typed bytes for the guest's console; returns how many were accepted. */
  consoleInput(bytes: Uint8Array): number {
    const uart = this.devices.uart;
    if (!uart) return 0;
    const accepted = uart.inputRing.pushBytes(bytes);
    this.pollDevices();
    return accepted;
  }

  /** Lets devices move data between their host rings and registers (UART FIFOs) and update IRQs. */
  pollDevices(): void {
    this.lock.acquire();
    try {
      for (const uart of this.devices.uarts) uart.poll();
    } finally {
      this.lock.release();
    }
  }

  hartRegion(hart: number) {
    return regionOf(this.plan.layout, this.buffer, `hart.${hart}`);
  }

  /** Records the first request to end the run; later ones are ignored. */
  requestExit(kind: number, code = 0): void {
    if (Atomics.compareExchange(this.control, ControlWord.exit, MachineExit.none, kind) === MachineExit.none) {
      Atomics.store(this.control, ControlWord.exitCode, code);
    }
  }

  exitState(): { kind: number; code: number } {
    return { kind: Atomics.load(this.control, ControlWord.exit), code: Atomics.load(this.control, ControlWord.exitCode) };
  }

  /** Marks the harts that start powered off, waiting for an SBI HSM start. */
  initialiseHsm(running: readonly number[]): void {
    this.headers.forEach((header, hart) => {
      Atomics.store(header, HartWord.hsm, running.includes(hart) ? HsmState.started : HsmState.stopped);
      Atomics.store(header, HartWord.sbiTimerLo, -1);
      Atomics.store(header, HartWord.sbiTimerHi, -1);
    });
  }
}
