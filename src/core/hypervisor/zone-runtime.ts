/**
 * One thread's handle on the hypervisor: the machine view, the shared zone table, the lifecycle
 * operations and this thread's virtual PLIC objects (their state lives in the zone slots). The host
 * and every vCPU worker build one, so a hypercall in a worker and a command from the host act on the
 * same zones.
 */
import type { MachineView } from '../machine/machine';
import { MachineExit } from '../machine/machine';
import { regionOf } from '../machine/shared-layout';
import { Hypervisor, type HypervisorOptions } from './hypervisor';
import { VPLIC_MAX_SOURCES, VirtualPlic } from './vplic';
import { ZoneTable, vplicBytes, type ZoneSlot } from './zone-table';
import { decodeZoneConfig } from './zone-config-binary';

export interface RuntimeLog {
  (message: string): void;
}

export class ZoneRuntime {
  readonly table: ZoneTable;
  readonly hypervisor: Hypervisor;
  private readonly vplics = new Map<number, { generation: number; vplic: VirtualPlic }>();

  constructor(
    readonly view: MachineView,
    options: HypervisorOptions,
    private readonly log: RuntimeLog,
  ) {
    const board = view.plan.board;
    this.table = new ZoneTable(regionOf(view.plan.layout, view.buffer, 'zones'), vplicBytes(board.harts));
    this.hypervisor = new Hypervisor(board, this.table, view.headers, view.signals, view.lock, {
      panic: (message) => {
        log(message);
        view.requestExit(MachineExit.fault, 1);
      },
      log,
      resetIrqs: (slot) => this.vplicOf(slot).reset(),
    }, options);
  }

  /** This thread's vPLIC for the zone now in `slot`. */
  vplicOf(slot: ZoneSlot): VirtualPlic {
    const cached = this.vplics.get(slot.index);
    if (cached && cached.generation === slot.generation) return cached.vplic;
    const plic = this.view.devices.plic;
    if (!plic) throw new Error('the board has no PLIC to virtualise');
    const config = decodeZoneConfig(slot.config(), `zone slot ${slot.index}`);
    const vplic = new VirtualPlic(
      slot.vplicRegion,
      {
        zoneId: config.zoneId,
        zoneCpus: slot.cpuList(),
        sources: VPLIC_MAX_SOURCES,
        ownedIrqs: config.interrupts,
        hwIrqs: this.view.plan.board.hwIrqs,
        onGuestError: (message) => this.log(message),
        log: (message) => this.log(message),
      },
      plic,
      this.view.signals,
    );
    this.vplics.set(slot.index, { generation: slot.generation, vplic });
    return vplic;
  }

  vplicOfHart(hart: number): VirtualPlic | undefined {
    const slot = this.hypervisor.slotOfHart(hart);
    return slot ? this.vplicOf(slot) : undefined;
  }
}
