/**
 * The hypervisor as one physical hart runs it (the RISC-V zone binding): which zone the hart belongs
 * to, that zone's stage-2 map and trapped regions (its virtual interrupt controller, virtio), its SBI
 * and its hypercalls. The view of a zone is rebuilt from the zone table whenever the zone in the hart's
 * slot changes (a new start bumps its generation); run-time stage-2 changes reach it through the slot's
 * change log (stage2-map.ts).
 */
import type { AccessKind, FaultReport, HartApi, Supervisor } from '../../../isa/riscv64/platform';
import { Stage2 } from '../../../isa/riscv64/platform';
import type { MachineView } from '../../../machine/machine';
import { HartWord, RunRequest } from '../../../cpu/hart-header';
import { wakeHart } from '../../../machine/signals';
import { decodeZoneConfig } from '../../zone-config-binary';
import type { ZoneConfig } from '../../../../shared/model/zone-config';
import { guestMemory, type GuestMemory, type HypercallContext } from '../../hypercall';
import type { Hypervisor } from '../../hypervisor';
import type { VirtualIrqChip } from '../../irqchip';
import { stage2RegionsOf, type Stage2Region, type TrapHandler, type TrapRegion } from '../../stage2-map';
import { lockedHandler } from '../../vcpu-common';
import { TrapKind } from '../../hv-trace';
import type { ZoneSlot } from '../../zone-table';
import { handleHypercall } from './hypercall-abi';
import { SbiHandler, type ResetKind } from './sbi';
import { ZoneSupervisor } from './zone-supervisor';

/** Per-thread services a zone binding needs beyond the machine view. */
export interface VcpuServices {
  readonly view: MachineView;
  readonly hypervisor: Hypervisor;
  /** This thread's object for the zone's virtual interrupt controller (state lives in the slot). */
  virtualIrqChipOf(slot: ZoneSlot): VirtualIrqChip | undefined;
  /** Extra trapped regions of a zone (virtio windows), supplied by the virtio wiring. */
  extraTraps?(slot: ZoneSlot, config: ZoneConfig, hart: number): TrapRegion[];
  virtio?: HypercallContext['virtio'];
  /** The workbench's IVC (layout `workbenchIvc`; hvisor has none on riscv64): the zone's sections and control tables, HvIvcInfo. */
  ivc?: {
    stage2(slot: ZoneSlot, config: ZoneConfig): { regions: Stage2Region[]; traps: TrapRegion<HartApi>[] };
    info(zoneId: number): Uint8Array | undefined;
  };
  /** hvisor's vPCI for the zone: its trapped ECAM windows and where its BAR windows' accesses go (ZoneRuntime.vpciFor). */
  vpci?(slot: ZoneSlot, config: ZoneConfig): { traps: TrapRegion<HartApi>[]; forward: { handler: TrapHandler<HartApi>; kind: number } } | undefined;
  log(message: string): void;
}

export interface ZoneBinding {
  readonly slot: ZoneSlot;
  readonly generation: number;
  readonly config: ZoneConfig;
  readonly supervisor: ZoneSupervisor;
  /** The UART belongs to this zone (an `io` region covers it), so its console input goes there. */
  readonly ownsUart: boolean;
}

/** Stands in for the hart's supervisor and forwards to the zone it is bound to. */
export class BoundSupervisor implements Supervisor {
  binding: ZoneBinding | undefined;

  ecall(hart: HartApi): void {
    this.binding?.supervisor.ecall(hart);
  }
  translate(gpa: number, size: number, access: AccessKind): number {
    return this.binding ? this.binding.supervisor.translate(gpa, size, access) : Stage2.fault;
  }
  mmioRead(hart: HartApi, gpa: number, size: 1 | 2 | 4 | 8): bigint {
    return this.binding ? this.binding.supervisor.mmioRead(hart, gpa, size) : 0n;
  }
  mmioWrite(hart: HartApi, gpa: number, size: 1 | 2 | 4 | 8, value: bigint): void {
    this.binding?.supervisor.mmioWrite(hart, gpa, size, value);
  }
}

export function bindZone(slot: ZoneSlot, hart: number, services: VcpuServices): ZoneBinding {
  const { view, hypervisor } = services;
  const config = decodeZoneConfig(slot.config(), `zone slot ${slot.index}`, 'riscv64');
  const regions = stage2RegionsOf(config);
  // The virtual interrupt controller's windows (hvisor's vplic_mmio_init), then virtio's.
  const traps: TrapRegion[] = (services.virtualIrqChipOf(slot)?.traps ?? []).map((t) => ({ ...t, kind: TrapKind.irqchip, handler: lockedHandler(t.handler, view.lock) }));
  traps.push(...(services.extraTraps?.(slot, config, hart) ?? []));
  const vpci = services.vpci?.(slot, config);
  if (vpci) traps.push(...(vpci.traps as TrapRegion[]));
  const ivc = services.ivc?.stage2(slot, config);
  if (ivc) {
    regions.push(...ivc.regions);
    traps.push(...(ivc.traps as TrapRegion[]));
  }

  // Guest RAM through the zone's map as it is when the call comes (stage-2 changes included).
  let memory: GuestMemory | undefined;
  const readGuest = (gpa: number, length: number): Uint8Array | undefined => memory!.readGuest(gpa, length);
  const writeGuest = (gpa: number, bytes: Uint8Array): boolean => memory!.writeGuest(gpa, bytes);
  const headers = view.headers;
  const uart = view.devices.uart ? view.bus.mappings.find((m) => m.device === view.devices.uart) : undefined;
  const ownsUart = !!uart && regions.some((r) => r.kind === 'io' && uart.base >= r.hostStart && uart.base < r.hostStart + r.size);
  const sbi = new SbiHandler({
    harts: slot.cpuList(),
    headerOf: (h) => headers[h]!,
    signals: view.signals,
    now: () => view.guestClock.now(),
    // hvisor forwards SBI console calls to the firmware, i.e. the physical UART. A zone that owns the
    // UART gets exactly that; the others get their own console, shown in their own terminal.
    consoleWrite: (raw) => {
      const bytes = withCarriageReturns(raw);
      if (ownsUart) {
        view.consoleWrite(bytes);
        return;
      }
      view.lock.acquire();
      try {
        slot.consoleOut.pushBytes(bytes);
      } finally {
        view.lock.release();
      }
    },
    consoleRead: () => {
      if (ownsUart) return view.consoleRead();
      return slot.consoleIn.available() > 0 ? slot.consoleIn.pop() : -1;
    },
    readGuest,
    writeGuest,
    workbenchExtensions: hypervisor.options.workbenchSbiExtensions === true,
    ...(hypervisor.trace ? { trace: { trace: hypervisor.trace, zoneId: config.zoneId } } : {}),
    reset: (kind: ResetKind, reason, caller) => {
      if (config.zoneId === 0) {
        view.requestExit(kind === 'shutdown' ? (reason === 0 ? 1 : 2) : 3, reason);
      } else {
        // SRST from a non-root zone stops only that zone, as if the root shut it down.
        services.log(`zone ${config.zoneId}: system ${kind} requested by hart ${caller}; shutting the zone down`);
        hypervisor.stopSlot(slot, caller);
      }
    },
    wake: (h) => wakeHart(headers[h]!),
    yieldHart: (h) => {
      Atomics.compareExchange(headers[h]!, HartWord.request, RunRequest.run, RunRequest.yield);
    },
    hypercall: (api) =>
      handleHypercall(api, {
        hypervisor,
        zoneId: config.zoneId,
        hart,
        readGuest,
        writeGuest,
        physicalOf: (gpa, length) => memory!.physicalOf(gpa, length),
        log: services.log,
        ...(services.virtio ? { virtio: services.virtio } : {}),
        ...(services.ivc ? { ivcInfo: services.ivc.info } : {}),
      }),
  });
  const supervisor = new ZoneSupervisor(regions, traps, sbi, slot.stage2Log, hypervisor.trace ? { trace: hypervisor.trace, zoneId: config.zoneId } : undefined, vpci?.forward);
  memory = guestMemory(supervisor, view.bus);
  return { slot, generation: slot.generation, config, supervisor, ownsUart };
}

/** The report shown in the zone's terminal and `zone list` when a guest leaves its partition. */
export function describeFault(report: FaultReport, binding: ZoneBinding | undefined): string {
  const zone = binding ? `zone ${binding.config.zoneId} (${binding.config.name})` : 'no zone';
  const parts = [`${zone}, hart ${report.hart}, pc 0x${report.pc.toString(16)}: ${report.message}`];
  if (report.address !== undefined) {
    const size = report.size ? `${report.size}-byte ` : '';
    parts.push(`${size}${report.isWrite ? 'write' : 'access'} at guest address 0x${report.address.toString(16)}`);
    const near = binding?.supervisor.nearest(Number(report.address));
    if (near) parts.push(`nearest region: ${near.kind} 0x${near.guestStart.toString(16)}-0x${(near.guestStart + near.size - 1).toString(16)}`);
  }
  return parts.join('; ');
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * The SBI console as OpenSBI writes it: every LF goes out as CR LF (lib/sbi/sbi_console.c sbi_putc,
 * which DBCN writes also go through on a UART without puts). hvisor forwards the legacy putchar to
 * OpenSBI (hvisor src/arch/riscv64/sbi.rs:98-101), so a guest's bare "\n" does not staircase.
 */
export function withCarriageReturns(bytes: Uint8Array): Uint8Array {
  let count = 0;
  for (const byte of bytes) if (byte === LF) count++;
  if (count === 0) return bytes;
  const out = new Uint8Array(bytes.length + count);
  let at = 0;
  for (const byte of bytes) {
    if (byte === LF) out[at++] = CR;
    out[at++] = byte;
  }
  return out;
}
