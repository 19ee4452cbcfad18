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
import { VirtioBridgeRouter } from '../virtio/virtio-bridge-base';

export interface RuntimeLog {
  (message: string): void;
}

export class ZoneRuntime {
  readonly table: ZoneTable;
  readonly hypervisor: Hypervisor;
  /** hvisor's VIRTIO_BRIDGE: the workbench's page until the root's hypercall 0 moves it into the root. */
  readonly virtioBridge: VirtioBridgeRouter | undefined;
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
      // The zone's virtual interrupt controller: the vPLIC on a PLIC board. An aarch64 zone's GIC windows
      // are forwarded to the physical GIC until the virtual GIC (issue 10), so there is nothing to reset.
      resetIrqs: (slot) => {
        if (this.view.devices.plic) this.vplicOf(slot).reset();
      },
      // The root's bridge page belonged to the root's hvisor-tool; a new root has none yet.
      rootZoneChanged: () => {
        if (this.virtioBridge?.base.takeBack()) {
          log("virtio bridge back in the workbench's own region: the root zone restarted; the workbench's daemon serves virtio again");
        }
      },
    }, options);
    this.virtioBridge = view.plan.layout.regions.some((r) => r.name === 'virtio-bridge')
      ? new VirtioBridgeRouter({
          home: regionOf(view.plan.layout, view.buffer, 'virtio-bridge'),
          ram: view.bus.ram,
          wakeRoot: () => this.wakeRootDaemon(),
        })
      : undefined;
  }

  /**
   * hvisor's IPI_EVENT_WAKEUP_VIRTIO_DEVICE to the root's first CPU, which then injects
   * IRQ_WAKEUP_VIRTIO_DEVICE as a virtual IRQ into the root's vPLIC (src/event.rs:102-104,
   * src/device/virtio_trampoline.rs:143-153). Injecting from the trapping thread under the device lock
   * has the same effect: the vPLIC raises the root hart's SEIP and wakes it.
   */
  wakeRootDaemon(): void {
    const irq = this.view.plan.board.virtioWakeupIrq;
    const root = this.table.byId(0);
    if (irq === undefined || !root) {
      this.log(`virtio bridge: cannot wake the root zone's daemon (${root ? 'the board has no IRQ_WAKEUP_VIRTIO_DEVICE' : 'no root zone'})`);
      return;
    }
    this.view.lock.acquire();
    try {
      this.vplicOf(root).inject(irq, false);
    } finally {
      this.view.lock.release();
    }
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
