/**
 * Builds a board's devices in two phases so that the main thread and every vCPU worker end up with
 * identical device objects over the same shared state:
 * 1. `planDevices` (once, on the main thread) reserves each device's shared region in the layout;
 * 2. `instantiateDevices` (in every thread) constructs the objects over those regions.
 * Constructing never touches the shared state, and an all-zero state is every device's reset state,
 * so fresh shared memory needs no initialisation; `resetDevices` is for a machine reset (once, on one
 * thread, harts stopped). Which class models which kind is the registry's business (device-registry.ts).
 */
import type { DeviceMapping } from '../bus/address-space';
import type { AddressSpace } from '../bus/address-space';
import type { IrqSink, MmioDevice } from '../bus/types';
import { noMsiSink } from '../bus/msi';
import { regionOf, type SharedLayout, type SharedLayoutPlanner } from '../machine/shared-layout';
import type { Board, BoardDevice } from '../../shared/model/board';
import type { ConsoleUart, DeviceContext, DeviceRoles, PlanOptions } from './device-model';
import { deviceModel } from './device-registry';

export type { DeviceContext, PlanOptions } from './device-model';

export interface MachineDevices extends Partial<Omit<DeviceRoles, 'uart'>> {
  /** Device windows to add to every AddressSpace of the machine (see `mapDevices`). */
  readonly mappings: readonly DeviceMapping[];
  readonly byName: ReadonlyMap<string, MmioDevice>;
  readonly uarts: readonly ConsoleUart[];
  /** The first UART (the console). */
  readonly uart?: ConsoleUart;
  /** Board devices without a model yet, left unmapped (accesses to them are bus errors). */
  readonly unmodelled: readonly BoardDevice[];
  /** Second-level controllers (role cascadedIrqChip) by device name, in board order. */
  readonly cascadedIrqChips: ReadonlyMap<string, unknown>;
}

export function deviceRegionName(device: BoardDevice): string {
  return `device:${device.name}`;
}

export function planDevices(board: Board, planner: SharedLayoutPlanner, options: PlanOptions = {}): void {
  for (const device of board.devices) {
    const bytes = deviceModel(device.kind).stateBytes(board, device, options);
    if (bytes !== undefined) planner.reserve(deviceRegionName(device), bytes);
  }
}

export function instantiateDevices(
  board: Board,
  layout: SharedLayout,
  buffer: ArrayBufferLike,
  context: DeviceContext,
  options: PlanOptions = {},
): MachineDevices {
  const mappings: DeviceMapping[] = [];
  const byName = new Map<string, MmioDevice>();
  const uarts: ConsoleUart[] = [];
  const unmodelled: BoardDevice[] = [];
  const roles: Partial<DeviceRoles> & { -readonly [K in keyof DeviceRoles]?: DeviceRoles[K] } = {};
  let irqSink: IrqSink | undefined;
  // Controllers by device name, for devices whose `interruptParent` names one (a cascade).
  const controllers = new Map<string, IrqSink>();
  const cascaded = new Map<string, unknown>();

  // Interrupt controllers first: the other devices take them as their IRQ sink.
  const ordered = [...board.devices].sort(
    (a, b) => Number(deviceModel(b.kind).interruptController === true) - Number(deviceModel(a.kind).interruptController === true),
  );
  for (const spec of ordered) {
    const model = deviceModel(spec.kind);
    if (model.stateBytes(board, spec, options) === undefined) {
      unmodelled.push(spec);
      continue;
    }
    const built = model.build({
      ...context,
      board,
      spec,
      options,
      region: () => regionOf(layout, buffer, deviceRegionName(spec)),
      irqSink: () => {
        const parent = spec.props?.['interruptParent'];
        if (typeof parent === 'string') {
          const named = controllers.get(parent);
          if (!named) throw new Error(`board '${board.name}': device '${spec.name}' names interrupt parent '${parent}', which is not an interrupt controller built before it`);
          return named;
        }
        if (!irqSink) throw new Error(`board '${board.name}': device '${spec.name}' needs an interrupt controller`);
        return irqSink;
      },
      msiSink: () => roles.msi ?? noMsiSink,
    });
    for (const w of built.windows) {
      mappings.push(w);
      byName.set(w.name, w.device);
    }
    const r = built.roles ?? {};
    if (r.irqChip && irqSink) throw new Error(`board '${board.name}': device '${spec.name}' is a second interrupt controller`);
    if (r.irqChip) irqSink = r.irqChip;
    const controller = r.irqChip ?? r.cascadedIrqChip;
    if (controller) controllers.set(spec.name, controller);
    if (r.cascadedIrqChip) cascaded.set(spec.name, r.cascadedIrqChip);
    if (r.uart) uarts.push(r.uart);
    for (const [key, value] of Object.entries(r)) {
      if (key !== 'uart') (roles as Record<string, unknown>)[key] = value;
    }
  }
  // Keep the board's order (and so the first UART of the board is the console).
  const orderOf = new Map(board.devices.map((d, i) => [d.name, i]));
  mappings.sort((a, b) => (orderOf.get(a.name.split('.')[0]!) ?? 0) - (orderOf.get(b.name.split('.')[0]!) ?? 0));
  const cascadedIrqChips = new Map([...cascaded].sort(([a], [b]) => (orderOf.get(a) ?? 0) - (orderOf.get(b) ?? 0)));
  return { mappings, byName, uarts, ...(uarts[0] ? { uart: uarts[0] } : {}), unmodelled, cascadedIrqChips, ...roles };
}

/** Adds every device window to an address space. */
export function mapDevices(space: AddressSpace, devices: MachineDevices): void {
  for (const m of devices.mappings) space.map(m.name, m.base, m.size, m.device);
}

/** Puts every device back in its reset state (machine reset). Once, on one thread, harts stopped. */
export function resetDevices(devices: MachineDevices): void {
  // Interrupt sources first so that the controller's reset leaves every line and output low.
  const chip = devices.irqChip;
  for (const m of devices.mappings) if (m.device !== (chip as unknown)) m.device.reset();
  devices.iocsr?.reset();
  chip?.reset();
}
