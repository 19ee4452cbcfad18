/**
 * DMA isolation without an IOMMU model (riscv64, loongarch64): the emulator's own IOMMU hook in front of
 * every PCIe function's DMA port. A function belongs to the zone whose alloc_pci_devs lists its BDF (the
 * root first, then the other zones in slot order, as hvisor's guest_pci_init gives an endpoint to the
 * first zone that starts with it); a function no running zone lists is the root's, which reaches the
 * whole physical bus until the vPCI moves functions. A DMA address is a guest-physical address of that
 * zone and is translated through the zone's stage-2 RAM regions as they are now (the config's, plus
 * every logged run-time change): what hvisor's aarch64 iommu_pt_init maps for an SMMU (MEM_TYPE_RAM
 * only: no I/O windows, no IVC sections, no virtio regions). Anything else is refused and reported
 * (device, zone, address, direction): the access never reaches RAM, so another zone's memory is never
 * read or written.
 *
 * This is a workbench convenience: hvisor has no IOMMU support on riscv64 or loongarch64
 * (src/arch/riscv64/iommu.rs: "iommu_add_device: do nothing now"), so on real hardware such a device's
 * DMA reaches any physical address. On aarch64 the SMMUv3 model (devices/iommu/arm-smmuv3.ts), which
 * hvisor programs itself, takes this hook's place.
 *
 * Costs: a plain read of each zone slot's change count per access (ZoneTable.versionHint) and an atomic
 * one of the owning slot's stage-2 change count; ownership and regions are rebuilt only when those change. Left out: DMA while no zone runs
 * (machine mode) passes as the identity; PCIe functions without a stream id (virtio-mmio devices have
 * their own per-zone memory table, virtio/guest-memory.ts).
 */
import type { BoardArch } from '../../shared/model/board';
import type { ZoneConfig } from '../../shared/model/zone-config';
import type { DmaAccess, DmaRefusal, DmaRequester, DmaTranslation, Iommu } from '../bus/dma';
import { currentStage2Regions, stage2RegionsOf, type Stage2Region } from './stage2-map';
import { decodeZoneConfig } from './zone-config-binary';
import { ZoneState, type ZoneSlot, type ZoneTable } from './zone-table';

/** One refused DMA access, as an IOMMU fault report names it. */
export interface DmaBlocked {
  /** The function's BDF (stream id). */
  readonly bdf: number;
  readonly device: string;
  /** The zone that owns the function. */
  readonly zone: number;
  readonly address: number;
  readonly length: number;
  readonly access: DmaAccess;
  readonly reason: string;
}

interface Owner {
  readonly zone: number;
  readonly slot: ZoneSlot;
  readonly config: ZoneConfig;
  /** RAM regions, guest address order, as of `logGeneration`. */
  ram: readonly Stage2Region[];
  logGeneration: number;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

export class ZoneDmaIsolation implements Iommu {
  private tableVersion = Number.NaN;
  private owners = new Map<number, Owner>();
  private root: Owner | undefined;
  private running = false;

  constructor(
    private readonly table: ZoneTable,
    private readonly arch: BoardArch,
    private readonly onBlocked: (blocked: DmaBlocked) => void,
  ) {}

  /** The zone a function's DMA is made for now (undefined: no zone runs). */
  zoneOf(streamId: number): number | undefined {
    this.refresh();
    return (this.owners.get(streamId) ?? this.root)?.zone;
  }

  translate(requester: DmaRequester, address: number, length: number, access: DmaAccess): DmaTranslation | DmaRefusal {
    const bdf = requester.streamId;
    if (bdf === undefined) return { physical: address, length };
    this.refresh();
    if (!this.running) return { physical: address, length };
    const owner = this.owners.get(bdf) ?? this.root;
    if (!owner) {
      return this.block(requester, bdf, -1, address, length, access, 'no running zone owns the function and the root zone is not running');
    }
    const generation = owner.slot.stage2Log.generation;
    if (generation !== owner.logGeneration) {
      owner.ram = ramRegions(owner.config, owner.slot);
      owner.logGeneration = generation;
    }
    for (const r of owner.ram) {
      if (address >= r.guestStart && address < r.guestStart + r.size) {
        return { physical: address - r.guestStart + r.hostStart, length: Math.min(length, r.guestStart + r.size - address) };
      }
    }
    return this.block(requester, bdf, owner.zone, address, length, access, `guest-physical ${hex(address)} is not RAM of zone ${owner.zone} (${owner.config.name})`);
  }

  private block(requester: DmaRequester, bdf: number, zone: number, address: number, length: number, access: DmaAccess, reason: string): DmaRefusal {
    this.onBlocked({ bdf, device: requester.device, zone, address, length, access, reason });
    return { refused: `DMA isolation: ${reason}` };
  }

  /** Rebuilds ownership when any zone changed state (the table's version moves). */
  private refresh(): void {
    const version = this.table.versionHint();
    if (version === this.tableVersion) return;
    this.tableVersion = version;
    const owners = new Map<number, Owner>();
    let root: Owner | undefined;
    const live = this.table.live().filter((s) => s.state === ZoneState.running || s.state === ZoneState.error);
    this.running = live.length > 0;
    const entries: Owner[] = [];
    for (const slot of live) {
      let config: ZoneConfig;
      try {
        config = decodeZoneConfig(slot.config(), `zone slot ${slot.index}`, this.arch);
      } catch {
        continue;
      }
      entries.push({ zone: slot.zoneId, slot, config, ram: ramRegions(config, slot), logGeneration: slot.stage2Log.generation });
    }
    entries.sort((a, b) => (a.zone === 0 ? -1 : b.zone === 0 ? 1 : a.slot.index - b.slot.index));
    for (const owner of entries) {
      if (owner.zone === 0) root = owner;
      for (const d of owner.config.allocPciDevs) {
        if (d.domain !== 0 || d.devType !== 0) continue;
        const bdf = (d.bus << 8) | (d.device << 3) | d.function;
        if (!owners.has(bdf)) owners.set(bdf, owner);
      }
    }
    this.owners = owners;
    this.root = root;
  }
}

function ramRegions(config: ZoneConfig, slot: ZoneSlot): Stage2Region[] {
  return currentStage2Regions(stage2RegionsOf(config), slot.stage2Log).filter((r) => r.kind === 'ram' && r.data === undefined);
}
