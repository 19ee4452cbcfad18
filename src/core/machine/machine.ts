/**
 * A board made concrete over a shared buffer. `planMachine` fixes where everything lives;
 * `MachineView` rebuilds the same devices, bus and hart headers in any thread from that plan, so the
 * main thread (inspectors, UART input, virtio backends) and each vCPU worker see one machine.
 */
import { AddressSpace } from '../bus/address-space';
import type { Clock, HartSignals } from '../bus/types';
import { instantiateDevices, planDevices, type MachineDevices } from '../devices/create-devices';
import { cpuModel } from '../cpu-models';
import { CPU_INSPECT_BYTES } from '../cpu/cpu-inspect';
import { DEBUG_WORDS } from '../cpu/hart-snapshot';
import type { SharedRegion } from '../bus/types';
import { ramBanks, type AddressRange, type Board } from '../../shared/model/board';
import { CpuWord } from '../cpu/cpu-core';
import { windowTableBytes } from '../bus/window-table';
import { HART_HEADER_BYTES, HartWord, HsmState } from '../cpu/hart-header';
import { SharedLayoutPlanner, regionOf, type SharedLayout } from './shared-layout';
import { IVC_TABLE_BYTES } from '../hypervisor/ivc';
import { VPCI_STATE_BYTES } from '../hypervisor/vpci/vpci-state';
import { SharedDeviceLock, SharedHartSignals } from './signals';
import { zoneTableBytes } from '../hypervisor/zone-table';
import { virtualIrqChipBytes } from '../hypervisor/irqchips';
import { BRIDGE_PAGE_BYTES } from '../virtio/virtio-bridge';
import { attachIrqTrace, IrqTrace, irqTraceBytes } from '../cpu/irq-trace';
import { attachHvTrace, HvTrace, hvTraceBytes } from '../hypervisor/hv-trace';

export { ControlWord, MachineExit } from './machine-control';
import { ControlWord, MachineExit } from './machine-control';

export interface MachinePlan {
  readonly board: Board;
  /** Size of the first (boot) RAM bank: the board's, or the layout's ramSize. */
  readonly ramSize: number;
  /** Every RAM bank as the machine has it (the first resized to ramSize); region 'ram', then 'ram.1', ... */
  readonly banks: readonly AddressRange[];
  readonly layout: SharedLayout;
}

/** The shared region of RAM bank `index` (0 is the boot bank, region 'ram'). */
export function ramRegionName(index: number): string {
  return index === 0 ? 'ram' : `ram.${index}`;
}

/** The WebAssembly memory the whole machine lives in has at most 65536 pages of 64 KiB. */
const MAX_MACHINE_BYTES = 65536 * 65536;

export function planMachine(board: Board, ramSize = board.ram.size): MachinePlan {
  const banks = checkBanks(board, [{ base: board.ram.base, size: ramSize }, ...ramBanks(board).slice(1)]);
  const planner = new SharedLayoutPlanner();
  planner.reserve('control', 4096, 4096);
  const stateBytes = cpuModel(board.arch).stateBytes;
  for (let hart = 0; hart < board.harts; hart++) planner.reserve(`hart.${hart}`, stateBytes, 4096);
  planDevices(board, planner);
  planner.reserve('zones', zoneTableBytes(virtualIrqChipBytes(board)), 4096);
  // hvisor's IVC records and each zone's HvIvcInfo (core/hypervisor/ivc.ts).
  planner.reserve('ivc', IVC_TABLE_BYTES, 4096);
  // hvisor's vPCI: the global list and each zone's vpci_bus (core/hypervisor/vpci/vpci-state.ts).
  planner.reserve('vpci', VPCI_STATE_BYTES, 4096);
  // hvisor's virtio_bridge page: requests from trapping vCPUs to the management side's backends.
  planner.reserve('virtio-bridge', BRIDGE_PAGE_BYTES, 4096);
  // The interrupt timeline's event ring (irq-trace.ts).
  planner.reserve('irq-trace', irqTraceBytes(), 4096);
  // The hypervisor trace's ring (hypervisor/hv-trace.ts): what the hypervisor did for each zone.
  planner.reserve('hv-trace', hvTraceBytes(), 4096);
  // Each CPU's register snapshot for the inspector, in any ISA's words (cpu/cpu-inspect.ts).
  for (let cpu = 0; cpu < board.harts; cpu++) planner.reserve(`cpu.${cpu}.inspect`, CPU_INSPECT_BYTES, 4096);
  // Where each device window is mapped now (bus/window-table.ts): windows can move at run time.
  planner.reserve('bus-windows', windowTableBytes(), 4096);
  // The RAM banks last and back to back: the CPUs index all of them as one span of the buffer.
  banks.forEach((bank, i) => planner.reserve(ramRegionName(i), bank.size, i === 0 ? 65536 : 4096));
  const layout = planner.finish();
  if (layout.totalBytes > MAX_MACHINE_BYTES) {
    throw new Error(
      `board '${board.name}': RAM ${banks.map((b) => `0x${b.size.toString(16)}`).join(' + ')} bytes and the machine state need ` +
        `0x${layout.totalBytes.toString(16)} bytes, more than one 4 GiB WebAssembly memory holds`,
    );
  }
  return { board, ramSize, banks, layout };
}

/** Page-aligned, non-empty banks that do not overlap: or an error naming the board and the bank. */
function checkBanks(board: Board, banks: AddressRange[]): AddressRange[] {
  banks.forEach((bank, i) => {
    const name = i === 0 ? 'ram' : `extraRam[${i - 1}]`;
    if (!Number.isSafeInteger(bank.base) || !Number.isSafeInteger(bank.size) || bank.size <= 0 || bank.base % 4096 !== 0 || bank.size % 4096 !== 0) {
      throw new Error(`board '${board.name}': ${name} (base 0x${bank.base.toString(16)}, size 0x${bank.size.toString(16)}) must be a non-empty, 4 KiB aligned range`);
    }
    for (const [j, other] of banks.slice(0, i).entries()) {
      if (bank.base < other.base + other.size && other.base < bank.base + bank.size) {
        throw new Error(`board '${board.name}': ${name} at 0x${bank.base.toString(16)} overlaps ${j === 0 ? 'ram' : `extraRam[${j - 1}]`} at 0x${other.base.toString(16)}`);
      }
    }
  });
  return banks;
}

export interface ThreadClock {
  /** Host monotonic time in board ticks, the same origin in every thread. */
  hostTicks(): number;
  /**
   * Deterministic mode (decision 0025): the wall clock (the goldfish RTC) is this many ns since the
   * Unix epoch plus the machine's own time, not the host's date. Undefined: the host's wall clock.
   */
  readonly wallEpochNs?: bigint;
}

/** A wall clock that starts at `epochNs` and runs with the machine's clock (paused time left out). */
function machineWallClock(epochNs: bigint, clock: Clock, timebase: number): () => bigint {
  return () => epochNs + BigInt(Math.floor((clock.now() * 1e9) / timebase));
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
  readonly hvTrace: HvTrace | undefined;

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
    if (plan.layout.regions.some((r) => r.name === 'hv-trace')) {
      this.hvTrace = new HvTrace(regionOf(plan.layout, buffer, 'hv-trace'), this.clock);
      attachHvTrace(buffer, this.hvTrace);
    }
    const banks = plan.banks;
    const hasWindowTable = plan.layout.regions.some((r) => r.name === 'bus-windows');
    const headers = this.headers;
    this.bus = new AddressSpace(banks[0]!.base, regionOf(plan.layout, buffer, ramRegionName(0)), {
      moreRam: banks.slice(1).map((bank, i) => ({ base: bank.base, region: regionOf(plan.layout, buffer, ramRegionName(i + 1)) })),
      ...(hasWindowTable ? { windows: regionOf(plan.layout, buffer, 'bus-windows') } : {}),
      // A window moved or went away: every CPU drops its cached translations at its next slice.
      onWindowsChanged: () => {
        for (const header of headers) Atomics.or(header, CpuWord.fences, 1);
      },
    });
    this.bus.lock = this.lock;
    this.devices = instantiateDevices(plan.board, plan.layout, buffer, {
      signals: wrapDeviceSignals ? wrapDeviceSignals(this.signals) : this.signals,
      clock: this.clock,
      ...(hostClock.wallEpochNs !== undefined ? { wallClockNs: machineWallClock(hostClock.wallEpochNs, this.clock, plan.board.timebaseFrequency) } : {}),
      requester: Math.max(0, threadId - 1),
      onPowerRequest: (kind, code) =>
        this.requestExit(kind === 'reset' ? MachineExit.reset : kind === 'fail' ? MachineExit.fail : MachineExit.poweroff, code),
    });
    // The board's MSI controller as the management side's PCI functions reach it: under the machine lock,
    // as every MMIO access is (a GICv3 ITS's translation changes the GIC's shared state; the lock nests).
    // With an IOMMU (the SMMUv3) the message is a 4-byte DMA write of the function's stream: its address
    // goes through the stream's translation first (hvisor maps the ITS window in each zone's table), and
    // a refusal is the IOMMU's fault report.
    const msi = this.devices.msi;
    if (msi) {
      const lock = this.lock;
      const iommu = this.devices.iommu;
      this.devices = {
        ...this.devices,
        msi: {
          deliver: (requester, address, data) => {
            lock.acquire();
            try {
              if (!iommu || requester.requesterId < 0) return msi.deliver(requester, address, data);
              const streamId = requester.requesterId;
              const t = iommu.translate({ zone: iommu.zoneOf?.(streamId) ?? 0, device: requester.device, streamId }, address, 4, 'write');
              if (!('physical' in t)) return { refused: `the IOMMU refused the MSI write at 0x${address.toString(16)}: ${t.refused}` };
              return msi.deliver(requester, t.physical, data);
            } finally {
              lock.release();
            }
          },
        },
      };
    }
    for (const mapping of this.devices.mappings) this.bus.map(mapping.name, mapping.base, mapping.size, mapping.device);
    // An IOMMU reads its tables and queues from RAM (an AddressSpace is a DmaMemory).
    this.devices.iommu?.attachMemory(this.bus);
    // So does a GICv3 with LPIs (configuration tables) and an ITS (command queue, device and collection tables).
    this.devices.gicv3?.attachMemory(this.bus);
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

  /** A CPU's inspector snapshot region (cpu/cpu-inspect.ts). */
  cpuInspectRegion(cpu: number): SharedRegion {
    return regionOf(this.plan.layout, this.buffer, `cpu.${cpu}.inspect`);
  }

  /** A CPU's inspector debug words (breakpoint, stop reason; hart-snapshot.ts DebugWord). */
  cpuDebugWords(cpu: number): Int32Array {
    const region = this.hartRegion(cpu);
    return new Int32Array(region.buffer, region.byteOffset + cpuModel(this.plan.board.arch).debugOffset, DEBUG_WORDS);
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
