/**
 * Builds a board's devices in two phases so that the main thread and every vCPU worker end up with
 * identical device objects over the same shared state:
 * 1. `planDevices` (once, on the main thread) reserves each device's shared region in the layout;
 * 2. `instantiateDevices` (in every thread) constructs the objects over those regions.
 * Constructing never touches the shared state, and an all-zero state is every device's reset state,
 * so fresh shared memory needs no initialisation; `resetDevices` is for a machine reset (once, on one
 * thread, harts stopped).
 */
import type { DeviceMapping } from '../bus/address-space';
import type { AddressSpace } from '../bus/address-space';
import type { Clock, HartSignals, MmioDevice } from '../bus/types';
import { regionOf, type SharedLayout, type SharedLayoutPlanner } from '../machine/shared-layout';
import type { Board, BoardDevice } from '../../shared/model/board';
import { AclintMswi } from './intc/aclint-mswi';
import { AclintMtimer } from './intc/aclint-mtimer';
import { AclintSswi } from './intc/aclint-sswi';
import { SifivePlic } from './intc/sifive-plic';
import { GoldfishRtc, type WallClockNs } from './misc/goldfish-rtc';
import { SifiveTest, type PowerRequestHandler } from './misc/sifive-test';
import { Ns16550a } from './uart/ns16550a';

export interface PlanOptions {
  /** Size of each UART host ring (a power of two). */
  readonly uartRingCapacity?: number;
}

export interface DeviceContext {
  readonly signals: HartSignals;
  readonly clock: Clock;
  readonly onPowerRequest: PowerRequestHandler;
  /** Host wall clock for the RTC; defaults to Date.now() in ns. */
  readonly wallClockNs?: WallClockNs;
}

export interface MachineDevices {
  /** Device windows to add to every AddressSpace of the machine (see `mapDevices`). */
  readonly mappings: readonly DeviceMapping[];
  readonly byName: ReadonlyMap<string, MmioDevice>;
  readonly plic?: SifivePlic;
  readonly uarts: readonly Ns16550a[];
  /** The first UART (the console). */
  readonly uart?: Ns16550a;
  readonly mswi?: AclintMswi;
  readonly mtimer?: AclintMtimer;
  readonly sswi?: AclintSswi;
  readonly test?: SifiveTest;
  readonly rtc?: GoldfishRtc;
  /** Board devices without a model yet, left unmapped (accesses to them are bus errors). */
  readonly unmodelled: readonly BoardDevice[];
}

const DEFAULT_RING_CAPACITY = 4096;

export function deviceRegionName(device: BoardDevice): string {
  return `device:${device.name}`;
}

/** Shared bytes a board device needs, or undefined when it has no model (yet). */
function stateBytesOf(board: Board, device: BoardDevice, options: PlanOptions): number | undefined {
  switch (device.kind) {
    case 'ns16550a': return Ns16550a.stateBytes(options.uartRingCapacity ?? DEFAULT_RING_CAPACITY);
    case 'sifive-plic': return SifivePlic.stateBytes({ sources: plicSources(device), harts: board.harts });
    case 'aclint-mswi': return AclintMswi.stateBytes(board.harts);
    case 'aclint-mtimer': return AclintMtimer.stateBytes(board.harts);
    case 'aclint-sswi': return AclintSswi.stateBytes();
    case 'sifive-test': return SifiveTest.stateBytes();
    case 'goldfish-rtc': return GoldfishRtc.stateBytes();
    // Virtio-mmio and the PCIe host bridge get their models in a later issue; until then they have
    // no state and no mapping.
    case 'virtio-mmio':
    case 'pci-host-ecam':
      return undefined;
  }
}

export function planDevices(board: Board, planner: SharedLayoutPlanner, options: PlanOptions = {}): void {
  for (const device of board.devices) {
    const bytes = stateBytesOf(board, device, options);
    if (bytes !== undefined) planner.reserve(deviceRegionName(device), bytes);
  }
}

export function instantiateDevices(board: Board, layout: SharedLayout, buffer: ArrayBufferLike, context: DeviceContext): MachineDevices {
  const mappings: DeviceMapping[] = [];
  const byName = new Map<string, MmioDevice>();
  const uarts: Ns16550a[] = [];
  const unmodelled: BoardDevice[] = [];
  const found: {
    plic?: SifivePlic; mswi?: AclintMswi; mtimer?: AclintMtimer; sswi?: AclintSswi; test?: SifiveTest; rtc?: GoldfishRtc;
  } = {};
  const add = (spec: BoardDevice, device: MmioDevice): void => {
    mappings.push({ name: spec.name, base: spec.base, size: spec.size, device });
    byName.set(spec.name, device);
  };
  const region = (spec: BoardDevice) => regionOf(layout, buffer, deviceRegionName(spec));

  // The interrupt controller first: other devices take it as their IRQ sink.
  const plicSpec = board.devices.find((d) => d.kind === 'sifive-plic');
  if (plicSpec) {
    found.plic = new SifivePlic(region(plicSpec), { sources: plicSources(plicSpec), harts: board.harts }, context.signals);
    add(plicSpec, found.plic);
  }
  for (const spec of board.devices) {
    switch (spec.kind) {
      case 'sifive-plic':
        break;
      case 'ns16550a': {
        if (!found.plic) throw new Error(`board '${board.name}': UART '${spec.name}' needs an interrupt controller`);
        const uart = Ns16550a.create(region(spec), { sink: found.plic, line: firstIrq(spec) });
        uarts.push(uart);
        add(spec, uart);
        break;
      }
      case 'aclint-mswi':
        found.mswi = new AclintMswi(region(spec), board.harts, context.signals);
        add(spec, found.mswi);
        break;
      case 'aclint-mtimer':
        found.mtimer = new AclintMtimer(region(spec), board.harts, context.clock);
        add(spec, found.mtimer);
        break;
      case 'aclint-sswi':
        found.sswi = new AclintSswi(board.harts, context.signals);
        add(spec, found.sswi);
        break;
      case 'sifive-test':
        found.test = new SifiveTest(region(spec), context.onPowerRequest);
        add(spec, found.test);
        break;
      case 'goldfish-rtc':
        found.rtc = new GoldfishRtc(region(spec), context.wallClockNs ?? (() => BigInt(Date.now()) * 1_000_000n));
        add(spec, found.rtc);
        break;
      // No model yet (a later issue): deliberately left unmapped.
      case 'virtio-mmio':
      case 'pci-host-ecam':
        unmodelled.push(spec);
        break;
    }
  }
  return { mappings, byName, uarts, uart: uarts[0], unmodelled, ...found };
}

/** Adds every device window to an address space. */
export function mapDevices(space: AddressSpace, devices: MachineDevices): void {
  for (const m of devices.mappings) space.map(m.name, m.base, m.size, m.device);
}

/** Puts every device back in its reset state (machine reset). Once, on one thread, harts stopped. */
export function resetDevices(devices: MachineDevices): void {
  // Interrupt sources first so that the controller's reset leaves every line and output low.
  for (const m of devices.mappings) if (m.device !== devices.plic) m.device.reset();
  devices.plic?.reset();
}

function plicSources(spec: BoardDevice): number {
  const sources = spec.props?.sources;
  if (typeof sources !== 'number') throw new Error(`PLIC '${spec.name}' has no numeric 'sources' property`);
  return sources;
}

function firstIrq(spec: BoardDevice): number {
  const irq = Array.isArray(spec.irq) ? spec.irq[0] : spec.irq;
  if (typeof irq !== 'number') throw new Error(`device '${spec.name}' has no interrupt`);
  return irq;
}
