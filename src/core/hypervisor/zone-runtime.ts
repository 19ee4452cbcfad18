/**
 * One thread's handle on the hypervisor: the machine view, the shared zone table, the lifecycle
 * operations, the physical interrupt controller and this thread's objects for the zones' virtual ones
 * (their state lives in the zone slots; which classes they are is the irqchip registry's business). The
 * host and every vCPU worker build one, so a hypercall in a worker and a command from the host act on
 * the same zones.
 */
import { iommuDriverFor, type HypervisorIommuDriver } from './iommu-drivers';
import { TrapKind } from './hv-trace';
import type { MachineView } from '../machine/machine';
import { MachineExit } from '../machine/machine';
import { regionOf } from '../machine/shared-layout';
import { Hypervisor, type HypervisorOptions } from './hypervisor';
import { injectVirtual, type IrqChipArch, type PhysicalIrqChip, type VirtualIrqChip } from './irqchip';
import { irqChipsOf, virtualIrqChipBytes } from './irqchips';
import { IvcTable } from './ivc';
import { ZoneTable, type ZoneSlot } from './zone-table';
import type { Stage2Region, TrapRegion, TrappingCpu } from './stage2-map';
import type { ZoneConfig } from '../../shared/model/zone-config';
import { leavingZone, lockedHandler, VIRTIO_WINDOW } from './vcpu-common';
import { bridgeHypercalls, type VirtioHypercalls } from './hypercall';
import { virtioTrapRegions } from '../virtio/virtio-trap';
import { decodeZoneConfig } from './zone-config-binary';
import { VirtioBridgeRouter } from '../virtio/virtio-bridge-base';
import { VirtioTrapHandler } from '../virtio/virtio-trap';
import { currentStage2Regions, stage2RegionsOf, type TrapHandler } from './stage2-map';
import { Vpci } from './vpci/vpci';
import { pciFunctionsOf } from '../devices/pci/pci-host-board';
import { pciFunctionType } from '../devices/pci/pci-function-types';
import { rootZoneConfig } from '../../shared/model/zone-config';

export interface RuntimeLog {
  (message: string): void;
}

export class ZoneRuntime {
  readonly table: ZoneTable;
  readonly hypervisor: Hypervisor;
  /** hvisor's VIRTIO_BRIDGE: the workbench's page until the root's hypercall 0 moves it into the root. */
  readonly virtioBridge: VirtioBridgeRouter | undefined;
  /** The board's interrupt controller as the hypervisor drives it (undefined until the arch's irqchip has one). */
  readonly physicalIrqChip: PhysicalIrqChip | undefined;
  /** hvisor's IVC records and HvIvcInfos, where the architecture has IVC (ivc.ts). */
  readonly ivc: IvcTable | undefined;
  /** hvisor's vPCI, on a machine whose PCIe host has functions (a layout's `pci` list). */
  readonly vpci: Vpci | undefined;
  private readonly irqChips: IrqChipArch;
  /** The hypervisor's driver of the board's IOMMU (iommu-drivers.ts), when the board has one. */
  private readonly iommu: HypervisorIommuDriver | undefined;
  private readonly virtualChips = new Map<number, { generation: number; chip: VirtualIrqChip | undefined }>();

  constructor(
    readonly view: MachineView,
    private readonly options: HypervisorOptions,
    private readonly log: RuntimeLog,
  ) {
    const board = view.plan.board;
    this.irqChips = irqChipsOf(board.arch);
    this.physicalIrqChip = this.irqChips.physicalOf(view.devices);
    this.table = new ZoneTable(regionOf(view.plan.layout, view.buffer, 'zones'), virtualIrqChipBytes(board));
    this.iommu = view.devices.iommu ? iommuDriverFor(board, view.devices.iommu, view.bus, log) : undefined;
    this.ivc = this.irqChips.ivc.byHvisor || options.workbenchIvc ? new IvcTable(regionOf(view.plan.layout, view.buffer, 'ivc'), board.hypervisorReserved, view.bus.ram) : undefined;
    this.hypervisor = new Hypervisor(board, this.table, view.headers, view.signals, view.lock, {
      panic: (message) => {
        log(message);
        view.requestExit(MachineExit.fault, 1);
      },
      log,
      // arch_irqchip_reset through the zone's virtual controller.
      resetIrqs: (slot) => {
        this.virtualIrqChipOf(slot)?.reset();
      },
      // ivc_init, from hvisor's zone_create; its errors are hvisor's error! lines.
      zoneCreated: (slot, config) => {
        for (const line of this.ivc?.init(config.zoneId, config.ivcConfigs) ?? []) log(line);
        // hvisor's zone_create: virtual_pci_mmio_init and guest_pci_init (src/zone.rs:294-304).
        this.vpci?.attach(slot, config);
        // iommu_pt_init and guest_pci_init's iommu_add_device for the zone's functions (aarch64 SMMUv3).
        this.iommu?.zoneCreated(config);
      },
      zoneReleased: (slot) => this.vpci?.release(slot),
      // The root's bridge page belonged to the root's hvisor-tool; a new root has none yet.
      rootZoneChanged: () => {
        if (this.virtioBridge?.base.takeBack()) {
          log("virtio bridge back in the workbench's own region: the root zone restarted; the workbench's daemon serves virtio again");
        }
      },
    }, options);
    const pcieHost = board.devices.find((d) => d.kind === 'pci-host-ecam' && d.irq !== undefined);
    this.vpci =
      pcieHost && pciFunctionsOf(pcieHost).length > 0 && view.plan.layout.regions.some((r) => r.name === 'vpci')
        ? new Vpci(
            regionOf(view.plan.layout, view.buffer, 'vpci'),
            { read: (address, size) => view.bus.read(address, size), write: (address, size, value) => view.bus.write(address, size, value) },
            {
              changeStage2: (slot, change) => this.hypervisor.changeStage2(slot, change),
              regions: (slot) => currentStage2Regions(stage2RegionsOf(decodeZoneConfig(slot.config(), `zone slot ${slot.index}`, board.arch)), slot.stage2Log),
              log,
            },
            {
              rootPciConfig: rootZoneConfig(board).pciConfig,
              strict: options.strict,
              noBarRealloc: pcieHost.props?.['noBarRealloc'] === true,
              // The display's BARs are served by every vCPU thread's host (decision 0028): 'io' windows.
              servedInThread: pciFunctionsOf(pcieHost).filter((f) => pciFunctionType(f.type, pcieHost.name).endpoint !== undefined).map((f) => f.slot << 3),
            },
          )
        : undefined;
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
   * IRQ_WAKEUP_VIRTIO_DEVICE as a virtual IRQ into the root's virtual interrupt controller
   * (src/event.rs:102-104, src/device/virtio_trampoline.rs:143-153). Injecting from the trapping thread
   * under the device lock has the same effect: the controller raises the root CPU's input and wakes it.
   */
  wakeRootDaemon(): void {
    const irq = this.view.plan.board.virtioWakeupIrq;
    const root = this.table.byId(0);
    if (irq === undefined || !root) {
      this.log(`virtio bridge: cannot wake the root zone's daemon (${root ? 'the board has no IRQ_WAKEUP_VIRTIO_DEVICE' : 'no root zone'})`);
      return;
    }
    const chip = this.virtualIrqChipOf(root);
    if (!chip) {
      this.log("virtio bridge: cannot wake the root zone's daemon (its zone has no virtual interrupt controller yet)");
      return;
    }
    injectVirtual(chip, this.view.lock, irq);
  }

  /**
   * This thread's object for the virtual interrupt controller of the zone now in `slot` (hvisor's
   * get_vplic), or undefined when the board's architecture has none yet (aarch64 until the vGIC).
   */
  virtualIrqChipOf(slot: ZoneSlot): VirtualIrqChip | undefined {
    const cached = this.virtualChips.get(slot.index);
    if (cached && cached.generation === slot.generation) return cached.chip;
    const physical = this.physicalIrqChip;
    let chip: VirtualIrqChip | undefined;
    if (physical) {
      const config = decodeZoneConfig(slot.config(), `zone slot ${slot.index}`, this.view.plan.board.arch);
      chip = this.irqChips.createVirtual({
        board: this.view.plan.board,
        region: slot.irqChipRegion,
        config,
        cpus: slot.cpuList(),
        physical,
        signals: this.view.signals,
        clock: this.view.guestClock,
        onGuestError: (message) => this.log(message),
        log: (message) => this.log(message),
        zoneOfCpu: (cpu) => this.hypervisor.slotOfHart(cpu)?.zoneId,
        panic: (message) => this.hypervisor.zoneError(slot, message),
      });
    }
    this.virtualChips.set(slot.index, { generation: slot.generation, chip });
    return chip;
  }

  /** Deterministic mode: every trapped virtio access waits for the workbench daemon's answer. */
  get answersEveryVirtioRequest(): boolean {
    return this.options.answerEveryVirtioRequest === true;
  }

  /**
   * A vCPU's virtio, undefined without a bridge: the trap regions of a zone's `virtio` regions (hvisor's
   * mmio_virtio_handler; a wait for the daemon ends when the CPU of `header` leaves its zone) and
   * hypercalls 0 and 1.
   */
  virtioFor(header: Int32Array): { traps(config: ZoneConfig): TrapRegion[]; readonly hypercalls: VirtioHypercalls } | undefined {
    const bridge = this.virtioBridge;
    if (!bridge) return undefined;
    return {
      traps: (config) =>
        virtioTrapRegions(config, {
          bridge,
          abort: () => leavingZone(header, this.view.control),
          deviceStride: VIRTIO_WINDOW,
          ...(this.options.answerEveryVirtioRequest ? { answerEveryRequest: true } : {}),
        }).map((t) => ({ ...t, kind: TrapKind.virtio })),
      hypercalls: bridgeHypercalls(this, bridge, this.log),
    };
  }

  /**
   * What ivc_init gave the zone for its stage-2 (ivc.ts): the sections it maps (data only, the other
   * peers' out sections read-only) and its control tables, trapped under the device lock. A write of
   * ipi_invoke rings the peer's doorbell the architecture's way (IrqChipArch.ivc); an access hvisor
   * fails (EINVAL, EFAULT) stops the zone with a report.
   */
  ivcStage2<C extends TrappingCpu>(config: ZoneConfig, slot: ZoneSlot): { regions: Stage2Region[]; traps: TrapRegion<C>[] } {
    const table = this.ivc;
    const mappings = table?.mappingsOf(config.zoneId, config.ivcConfigs);
    if (!table || !mappings) return { regions: [], traps: [] };
    const regions: Stage2Region[] = mappings.regions.map((m) => ({ kind: 'ram', guestStart: m.ipa, hostStart: m.pa, size: m.size, data: m.readOnly ? 'ro' : 'rw' }));
    const traps = mappings.controlTables.map((base): TrapRegion<C> => {
      const access = (cpu: C, offset: number, write: boolean, value: bigint): bigint => {
        const r = table.control(config.zoneId, base, offset, write, Number(value & 0xffff_ffffn));
        if ('value' in r) return write ? 0n : BigInt(r.value);
        if ('raise' in r) {
          const peerSlot = this.table.byId(r.zone);
          const problem = this.irqChips.ivc.ring(r.raise, { physical: this.physicalIrqChip, peer: peerSlot ? this.virtualIrqChipOf(peerSlot) : undefined });
          if (problem) this.log(`zone ${config.zoneId}: IVC doorbell ${r.raise} of zone ${r.zone} not rung: ${problem}`);
          return 0n;
        }
        this.hypervisor.zoneError(slot, `zone ${config.zoneId} (${config.name}), cpu ${cpu.cpuId}: IVC control table at 0x${base.toString(16)}, offset 0x${offset.toString(16)}: ${r.error}: ${r.message}`);
        return 0n;
      };
      const handler = {
        read: (cpu: C, offset: number) => access(cpu, offset, false, 0n),
        write: (cpu: C, offset: number, _size: number, value: bigint) => void access(cpu, offset, true, value),
      };
      return { start: base, size: 0x1000, kind: TrapKind.ivc, handler: lockedHandler(handler, this.view.lock) };
    });
    return { regions, traps };
  }

  /**
   * A vCPU's view of the vPCI for the zone in `slot`: its trapped ECAM windows (under the device lock)
   * and where its BAR windows' accesses go: a StandardVdev's BAR answers nothing (hvisor's
   * mmio_vdev_standard_handler), a physical function's BAR goes to the management side's PCI functions
   * through the virtio bridge with its host-physical address (decision 0017).
   */
  vpciFor<C extends TrappingCpu>(header: Int32Array, slot: ZoneSlot, config: ZoneConfig): { traps: TrapRegion<C>[]; forward: { handler: TrapHandler<C>; kind: number } } | undefined {
    const vpci = this.vpci;
    if (!vpci) return undefined;
    const traps = vpci.trapsOf<C>(slot, config).map((t) => ({ ...t, handler: lockedHandler(t.handler, this.view.lock) }));
    const bridge = this.virtioBridge;
    const toDaemon = bridge ? new VirtioTrapHandler({ bridge, zone: config.zoneId, regionBase: 0, abort: () => leavingZone(header, this.view.control), abortedValue: 0xffff_ffffn }) : undefined;
    const handler: TrapHandler<C> = {
      read: (cpu, address, size) => {
        if (vpci.vdevBarAt(slot, address) || !toDaemon) return 0n;
        return toDaemon.read(cpu, address, size);
      },
      write: (cpu, address, size, value) => {
        if (vpci.vdevBarAt(slot, address) || !toDaemon) return;
        toDaemon.write(cpu, address, size, value);
      },
    };
    return { traps, forward: { handler, kind: TrapKind.virtio } };
  }

  /** The virtual interrupt controller of the zone `cpu` belongs to. */
  virtualIrqChipOfCpu(cpu: number): VirtualIrqChip | undefined {
    const slot = this.hypervisor.slotOfHart(cpu);
    return slot ? this.virtualIrqChipOf(slot) : undefined;
  }
}
