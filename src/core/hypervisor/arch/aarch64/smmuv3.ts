/**
 * hvisor's aarch64 SMMUv3 driver (src/arch/aarch64/iommu.rs, hvisor 6a3fb78, feature "iommu") and its
 * per-zone DMA page table (src/arch/aarch64/zone.rs iommu_pt_init), in the order hvisor does things:
 *
 * - iommu_init -> Smmuv3::new: check_env reads IDR0 (stream table levels, S1P, S2P, VMID16) and IDR1
 *   (SIDSIZE); init_linear_strtab takes (1 << SIDSIZE) * 64 bytes of contiguous frames aligned to
 *   2^(5 + SIDSIZE), writes STRTAB_BASE (RA | ADDR) and STRTAB_BASE_CFG (FMT linear | LOG2SIZE) and makes
 *   every STE a bypass STE (V | Config 0b100, SHCFG incoming); init_cmdq takes one zeroed frame for
 *   2^min(CMDQS, 8) commands and writes CMDQ_BASE (RA | ADDR | LOG2SIZE), CMDQ_CONS = CMDQ_PROD = 0;
 *   device_reset writes CR1 (inner-shareable write-back tables and queues) and CR0 = SMMUEN | CMDQEN,
 *   polling CR0ACK. The event queue is left off, as hvisor leaves it.
 * - zone start (guest_pci_init, per alloc_pci_devs entry): iommu_add_device(zone id, BDF, iommu_pt root)
 *   -> write_ste: CFGI_STE(sid) and CMD_SYNC through the command queue (each insert waits for CONS to
 *   reach PROD), then ORs into the STE: V | Config 0b110, S2VMID = zone id, S2PTW, S2AA64, S2R,
 *   S2VTCR = DEFAULT_VCTR (T0SZ 20, SL0 2, inner/outer WB, inner shareable, 4 KiB, PS 44 bits),
 *   S2TTB = root. hvisor invalidates before it writes and ORs instead of assigning: both kept.
 * - iommu_pt_init: a stage-2 table of the zone's MEM_TYPE_RAM regions (guest -> host, READ | WRITE)
 *   and, when the zone's GICv3 config has one, the ITS window mapped to itself (zone.rs:93-107), so a
 *   function's MSI write to GITS_TRANSLATER passes the SMMU (hvisor adds MemFlags::IO; the model's
 *   stage-2 walk knows only the access permissions, so it is mapped read-write like RAM).
 *
 * Frames come from a fixed part of the board's hvisorReserved range (SMMU_FRAMES below), the zone's
 * table from a slot per zone id, so a zone restarted with the same id gets the same root and hvisor's
 * OR into the STE stays harmless. Nothing resets an STE at zone shutdown (hvisor does not either).
 */
import type { DmaMemory } from '../../../bus/dma';
import type { ZoneConfig } from '../../../../shared/model/zone-config';
import { S2_DESCRIPTOR } from '../../../isa/aarch64/stage2-walk';

/** The SMMU's registers as the driver reaches them (a board device's MMIO window). */
export interface SmmuRegisters {
  read(offset: number, size: 4): number;
  write(offset: number, size: 4, value: number): void;
}

const IDR0 = 0x00, IDR1 = 0x04, CR0 = 0x20, CR0ACK = 0x24, CR1 = 0x28;
const STRTAB_BASE = 0x80, STRTAB_BASE_CFG = 0x88, CMDQ_BASE = 0x90, CMDQ_PROD = 0x98, CMDQ_CONS = 0x9c;
const CR0_SMMUEN = 1, CR0_CMDQEN = 1 << 3;
const SH_ISH = 3, CR1_CACHE_WB = 1;
/** STRTAB_BASE.RA (bit 62) in the high word. */
const STRTAB_BASE_RA_HIGH = 1 << 30;
const STRTAB_STE_SIZE = 64;
const STE_0_V = 1, STE_0_CFG_BYPASS = 4, STE_0_CFG_S2_TRANS = 6, STE_1_SHCFG_INCOMING = 1;
/** Q_BASE_RWA (bit 62) in the high word. */
const Q_BASE_RWA_HIGH = 1 << 30;
const CMDQ_MAX_SZ_SHIFT = 8;
const CMDQ_ENT_SIZE = 16;
const CMDQ_OP_CMD_SYNC = 0x46, CMDQ_OP_CFGI_STE = 3;
const CMDQ_SYNC_0_MSH_OFF = 22, CMDQ_SYNC_0_MSI_ATTR_OFF = 24, MEMATTR_OIWB = 0xf;
/** hvisor's DEFAULT_VCTR: T0SZ 20 | SL0 2 | IRGN0 1 | ORGN0 1 | SH0 3 | TG0 0 | PS 4. */
export const HVISOR_DEFAULT_VTCR = 20 + (2 << 6) + (1 << 8) + (1 << 10) + (3 << 12) + (0 << 14) + (4 << 16);
/** hvisor's ARM_SMMU_SYNC_TIMEOUT polls. */
const SYNC_TIMEOUT = 0x100_0000;
const PAGE = 0x1000;
/** hvisor's MAX_ZONE_NUM. */
const MAX_ZONE_NUM = 8;

/** Where the driver's frames live: [base, base + size) of hypervisor memory, zeroed at boot. */
export interface SmmuFrames {
  readonly base: number;
  readonly size: number;
}

/** Where in the frame area the stream table starts (2 MiB-aligned for SIDSIZE 16); the command queue's frame and 16 frames per zone id follow it. */
export const SMMU_FRAMES_OFFSET = 0x20_0000;
const ZONE_PT_FRAMES = 16;

const hex = (n: number): string => `0x${n.toString(16)}`;
const bits = (value: number, start: number, length: number): number => Math.floor(value / 2 ** start) % 2 ** length;

export interface Smmuv3DriverOptions {
  readonly registers: SmmuRegisters;
  readonly memory: DmaMemory;
  readonly frames: SmmuFrames;
  /** hvisor's info!/error! lines. */
  readonly log: (line: string) => void;
}

/** A zone's RAM region as iommu_pt_init maps it. */
export interface IommuRamRegion {
  readonly guestStart: number;
  readonly hostStart: number;
  readonly size: number;
}

export class Smmuv3Driver {
  private sidMaxBits = 0;
  private strtabBase = 0;
  private cmdqBase = 0;
  private cmdqShift = 0;
  private prod = 0;
  private cons = 0;
  private nextFrame: number;

  constructor(private readonly options: Smmuv3DriverOptions) {
    this.nextFrame = options.frames.base;
  }

  /** Smmuv3::new: check_env, init_structures, device_reset. */
  init(): void {
    const { log } = this.options;
    log('Smmuv3 init...');
    this.checkEnv();
    this.initLinearStrtab();
    this.initCmdq();
    this.deviceReset();
  }

  private reg(offset: number): number {
    return this.options.registers.read(offset, 4) >>> 0;
  }
  private setReg(offset: number, value: number): void {
    this.options.registers.write(offset, 4, value >>> 0);
  }
  /** A 64-bit register as its two words (bit 62 and an address do not fit one float exactly). */
  private setReg64(offset: number, low: number, high: number): void {
    this.setReg(offset, low);
    this.setReg(offset + 4, high);
  }

  private checkEnv(): void {
    const { log } = this.options;
    const idr0 = this.reg(IDR0);
    log(`Smmuv3 IDR0:${idr0.toString(2)}`);
    const st = bits(idr0, 27, 2);
    log(st === 0 ? 'Smmuv3 Linear Stream Table Supported.' : st === 1 ? 'Smmuv3 2-level Stream Table Supoorted.' : "Smmuv3 don't support any stream table.");
    log(idr0 & 2 ? 'Smmuv3 Stage-1 translation supported.' : 'Smmuv3 Stage-1 translation not supported.');
    log(idr0 & 1 ? 'Smmuv3 Stage-2 translation supported.' : 'Smmuv3 Stage-2 translation not supported.');
    log(idr0 & (1 << 18) ? 'Smmuv3 16-bit VMID supported.' : 'Smmuv3 16-bit VMID not supported.');
    const idr1 = this.reg(IDR1);
    this.sidMaxBits = bits(idr1, 0, 6);
    log(`Smmuv3 SID_MAX_BITS:${this.sidMaxBits}`);
    if (this.sidMaxBits >= 7 && st === 0) log('Smmuv3 the system must support for 2-level table');
    if (this.sidMaxBits <= 8) log('Smmuv3 must use linear stream table!');
  }

  /** Contiguous zeroed frames aligned to 2^alignBits, from the driver's area. */
  private frames(count: number, alignBits: number): number {
    const align = 2 ** Math.max(alignBits, 12);
    const base = Math.ceil(this.nextFrame / align) * align;
    if (base + count * PAGE > this.options.frames.base + this.options.frames.size) throw new Error(`SMMUv3: ${count} frames do not fit the hypervisor's frame area`);
    this.nextFrame = base + count * PAGE;
    this.zero(base, count * PAGE);
    return base;
  }

  private strtabBytes(): number {
    return 2 ** this.sidMaxBits * STRTAB_STE_SIZE;
  }

  private zero(address: number, bytes: number): void {
    for (let at = address; at < address + bytes; at += PAGE) {
      const bank = this.options.memory.bankAt(at, PAGE);
      if (!bank) throw new Error(`SMMUv3: hypervisor frame ${hex(at)} is not RAM`);
      bank.u8.fill(0, at - bank.base, at - bank.base + PAGE);
    }
  }

  private view(address: number, bytes: number): DataView {
    const bank = this.options.memory.bankAt(address, bytes);
    if (!bank) throw new Error(`SMMUv3: ${hex(address)} is not RAM`);
    return new DataView(bank.u8.buffer, bank.u8.byteOffset + address - bank.base, bytes);
  }

  private initLinearStrtab(): void {
    const { log } = this.options;
    log('Smmuv3 initing linear stream table');
    const tabSize = this.strtabBytes();
    const frameCount = Math.max(1, tabSize / PAGE);
    log(`stream table frame cnts:${frameCount}, align is ${5 + this.sidMaxBits}`);
    this.nextFrame = Math.max(this.nextFrame, this.options.frames.base + SMMU_FRAMES_OFFSET);
    this.strtabBase = this.frames(frameCount, 5 + this.sidMaxBits);
    log(`strtab_base:${hex(this.strtabBase)}`);
    const strtab = bits(this.strtabBase, 6, 46) * 64;
    this.setReg64(STRTAB_BASE, strtab % 2 ** 32, Math.floor(strtab / 2 ** 32) + STRTAB_BASE_RA_HIGH);
    this.setReg(STRTAB_BASE_CFG, (0 << 16) | this.sidMaxBits);
    // init_bypass_stes
    const entries = 2 ** this.sidMaxBits;
    const table = this.view(this.strtabBase, entries * STRTAB_STE_SIZE);
    for (let sid = 0; sid < entries; sid++) {
      const o = sid * STRTAB_STE_SIZE;
      table.setUint32(o, STE_0_V | (STE_0_CFG_BYPASS << 1), true);
      table.setUint32(o + 4, 0, true);
      table.setUint32(o + 8, 0, true);
      table.setUint32(o + 12, STE_1_SHCFG_INCOMING << (44 - 32), true);
    }
  }

  private initCmdq(): void {
    const shift = bits(this.reg(IDR1), 21, 5);
    this.cmdqShift = Math.min(shift, CMDQ_MAX_SZ_SHIFT);
    this.cmdqBase = this.frames(1, 12);
    const cmdq = bits(this.cmdqBase, 5, 47) * 32 + bits(this.cmdqShift, 0, 5);
    this.setReg64(CMDQ_BASE, cmdq % 2 ** 32, Math.floor(cmdq / 2 ** 32) + Q_BASE_RWA_HIGH);
    this.cons = 0;
    this.prod = 0;
    this.setReg(CMDQ_CONS, this.cons);
    this.setReg(CMDQ_PROD, this.prod);
  }

  private deviceReset(): void {
    const cr1 = (SH_ISH << 10) | (CR1_CACHE_WB << 8) | (CR1_CACHE_WB << 6) | (SH_ISH << 4) | (CR1_CACHE_WB << 2) | (CR1_CACHE_WB << 0);
    this.setReg(CR1, cr1);
    this.syncWriteCr0(CR0_SMMUEN | CR0_CMDQEN);
  }

  private syncWriteCr0(value: number): void {
    this.setReg(CR0, value);
    for (let i = 0; i < SYNC_TIMEOUT; i++) if (this.reg(CR0ACK) === value) return;
    this.options.log('CRO write err!');
  }

  // ---- command queue (hvisor's CmdQueue) ----

  private qIdx(reg: number): number {
    return reg & ((1 << this.cmdqShift) - 1);
  }
  private qWrap(reg: number): number {
    return reg & (1 << this.cmdqShift);
  }
  private qEmpty(): boolean {
    return this.qIdx(this.prod) === this.qIdx(this.cons) && this.qWrap(this.prod) === this.qWrap(this.cons);
  }
  private qFull(): boolean {
    return this.qIdx(this.prod) === this.qIdx(this.cons) && this.qWrap(this.prod) !== this.qWrap(this.cons);
  }

  /** cmd_insert: wait for room, write the entry, bump PROD, wait until the SMMU consumed everything. */
  private cmdInsert(lo: number, hi: number): void {
    // hvisor spins without bound; a wedged queue (CMDQ_CONS.ERR) would hang it: this gives up after SYNC_TIMEOUT polls.
    for (let i = 0; this.qFull(); i++) {
      if (i > SYNC_TIMEOUT) return this.options.log('Smmuv3 command queue full (stuck)');
      this.cons = this.reg(CMDQ_CONS);
    }
    const entry = this.view(this.cmdqBase + this.qIdx(this.prod) * CMDQ_ENT_SIZE, CMDQ_ENT_SIZE);
    entry.setUint32(0, lo % 2 ** 32, true);
    entry.setUint32(4, Math.floor(lo / 2 ** 32), true);
    entry.setUint32(8, hi % 2 ** 32, true);
    entry.setUint32(12, Math.floor(hi / 2 ** 32), true);
    const next = (this.qWrap(this.prod) | this.qIdx(this.prod)) + 1;
    this.prod = (this.prod & (1 << 31)) | this.qWrap(next) | this.qIdx(next);
    this.setReg(CMDQ_PROD, this.prod);
    for (let i = 0; !this.qEmpty(); i++) {
      if (i > SYNC_TIMEOUT) return this.options.log(`Smmuv3 command queue stuck: CMDQ_CONS ${hex(this.reg(CMDQ_CONS))}`);
      this.cons = this.reg(CMDQ_CONS);
    }
  }

  private syncSte(sid: number): void {
    // CFGI_STE: SID in bits 63:32, LEAF in the second word.
    this.cmdInsert(sid * 2 ** 32 + CMDQ_OP_CFGI_STE, 1);
    this.cmdInsert(CMDQ_OP_CMD_SYNC + SH_ISH * 2 ** CMDQ_SYNC_0_MSH_OFF + MEMATTR_OIWB * 2 ** CMDQ_SYNC_0_MSI_ATTR_OFF, 0);
  }

  /** iommu_add_device(vmid, sid, root_pt) -> write_ste: invalidate, then OR the stage-2 fields into the STE. */
  addDevice(vmid: number, sid: number, rootPt: number): void {
    this.syncSte(sid);
    if (!(vmid < MAX_ZONE_NUM)) throw new Error('Invalid zone id!');
    const at = this.strtabBase + sid * STRTAB_STE_SIZE;
    this.options.log(`write ste, sid: ${hex(sid)}, vmid: ${hex(vmid)}, ste_addr:${hex(at)}, root_pt: ${hex(rootPt)}`);
    const ste = this.view(at, STRTAB_STE_SIZE);
    ste.setUint32(0, (ste.getUint32(0, true) | STE_0_V | (STE_0_CFG_S2_TRANS << 1)) >>> 0, true);
    // Dword 2: S2VMID[15:0]; S2VTCR[50:32], S2AA64 (51), S2PTW (54), S2R (58) in its high word.
    ste.setUint32(16, (ste.getUint32(16, true) | vmid) >>> 0, true);
    const high = bits(HVISOR_DEFAULT_VTCR, 0, 19) | (1 << (51 - 32)) | (1 << (54 - 32)) | (1 << (58 - 32));
    ste.setUint32(20, (ste.getUint32(20, true) | high) >>> 0, true);
    // Dword 3: S2TTB[51:4].
    const vttbr = bits(rootPt, 4, 48);
    ste.setUint32(24, (ste.getUint32(24, true) | ((vttbr * 16) % 2 ** 32)) >>> 0, true);
    ste.setUint32(28, (ste.getUint32(28, true) | Math.floor((vttbr * 16) / 2 ** 32)) >>> 0, true);
  }

  /**
   * Another thread's driver: if iommu_init already ran (CR0ACK.SMMUEN set), takes the stream table,
   * the command queue and its indexes from the registers and returns true; else false.
   */
  adopt(): boolean {
    if ((this.reg(CR0ACK) & CR0_SMMUEN) === 0) return false;
    this.sidMaxBits = this.reg(STRTAB_BASE_CFG) & 0x3f;
    this.strtabBase = (this.reg(STRTAB_BASE + 4) & 0xf_ffff) * 2 ** 32 + ((this.reg(STRTAB_BASE) & ~0x3f) >>> 0);
    const low = this.reg(CMDQ_BASE);
    this.cmdqShift = low & 0x1f;
    this.cmdqBase = (this.reg(CMDQ_BASE + 4) & 0xf_ffff) * 2 ** 32 + ((low & ~0x1f) >>> 0);
    this.prod = this.reg(CMDQ_PROD);
    this.cons = this.reg(CMDQ_CONS);
    return true;
  }

  /**
   * A zone was created (hvisor's zone_create): iommu_pt_init of its RAM regions, then guest_pci_init's
   * iommu_add_device(zone id, BDF, root) for each alloc_pci_devs entry of a domain whose pci_config has
   * an ECAM (pci_config.rs:178, 255-270). iommu_init runs first if no thread has run it yet.
   */
  zoneCreated(config: ZoneConfig): void {
    if (!this.adopt()) this.init();
    const ram: IommuRamRegion[] = config.memoryRegions.filter((r) => r.type === 'ram').map((r) => ({ guestStart: r.virtualStart, hostStart: r.physicalStart, size: r.size }));
    const gic = config.archConfig.arch === 'aarch64' ? config.archConfig.gic : undefined;
    if (gic && gic.version === 'v3' && gic.gitsSize !== 0) ram.push({ guestStart: gic.gitsBase, hostStart: gic.gitsBase, size: gic.gitsSize });
    const domains = new Set(config.pciConfig.filter((p) => p.ecamBase !== 0).map((p) => p.domain));
    const devices = config.allocPciDevs.filter((d) => domains.has(d.domain));
    if (devices.length === 0) return;
    const root = this.buildZoneTable(config.zoneId, ram);
    for (const d of devices) this.addDevice(config.zoneId, (d.bus << 8) | (d.device << 3) | d.function, root);
  }

  /** The stream table's base (for tests and the inspector). */
  get streamTable(): number {
    return this.strtabBase;
  }

  /**
   * iommu_pt_init: the zone's DMA stage-2 table (VTCR T0SZ 20: 44-bit IPA, start level 0), RAM regions
   * only, 1 GiB and 2 MiB blocks where aligned, else 4 KiB pages. Returns the root's physical address.
   */
  buildZoneTable(zoneId: number, regions: readonly IommuRamRegion[]): number {
    if (!(zoneId >= 0 && zoneId < MAX_ZONE_NUM)) throw new Error('Invalid zone id!');
    if (this.cmdqBase === 0) throw new Error('SMMUv3: iommu_init has not run');
    // After the command queue's frame: ZONE_PT_FRAMES frames per zone id.
    const area = this.cmdqBase + PAGE + zoneId * ZONE_PT_FRAMES * PAGE;
    if (area + ZONE_PT_FRAMES * PAGE > this.options.frames.base + this.options.frames.size) throw new Error(`SMMUv3: zone ${zoneId}'s DMA page table does not fit the hypervisor's frame area`);
    let used = 0;
    const alloc = (): number => {
      if (used >= ZONE_PT_FRAMES) throw new Error(`SMMUv3: zone ${zoneId}'s DMA page table needs more than ${ZONE_PT_FRAMES} frames`);
      const frame = area + used++ * PAGE;
      this.zero(frame, PAGE);
      return frame;
    };
    const root = alloc();
    const leaf = (ipa: number, pa: number, leafLevel: number): void => {
      let table = root;
      for (let level = 0; level <= leafLevel; level++) {
        const shift = 12 + 9 * (3 - level);
        const e = this.view(table + (Math.floor(ipa / 2 ** shift) % 512) * 8, 8);
        if (level === leafLevel) {
          const type = level === 3 ? S2_DESCRIPTOR.tableOrPage : S2_DESCRIPTOR.block;
          e.setUint32(0, ((pa % 2 ** 32) | type | S2_DESCRIPTOR.normalReadWrite) >>> 0, true);
          e.setUint32(4, Math.floor(pa / 2 ** 32), true);
          return;
        }
        if ((e.getUint32(0, true) & 3) === S2_DESCRIPTOR.tableOrPage) {
          table = (e.getUint32(4, true) & 0xffff) * 2 ** 32 + ((e.getUint32(0, true) & ~0xfff) >>> 0);
        } else {
          const next = alloc();
          e.setUint32(0, ((next % 2 ** 32) | S2_DESCRIPTOR.tableOrPage) >>> 0, true);
          e.setUint32(4, Math.floor(next / 2 ** 32), true);
          table = next;
        }
      }
    };
    for (const r of regions) {
      let done = 0;
      while (done < r.size) {
        const ipa = r.guestStart + done;
        const pa = r.hostStart + done;
        const left = r.size - done;
        const block = [2 ** 30, 2 ** 21, PAGE].find((size) => ipa % size === 0 && pa % size === 0 && left >= size) ?? PAGE;
        leaf(ipa, pa, block === 2 ** 30 ? 1 : block === 2 ** 21 ? 2 : 3);
        done += block;
      }
      this.options.log(`iommu map: vaddr:${r.guestStart} - paddr:${r.hostStart}`);
    }
    return root;
  }
}
