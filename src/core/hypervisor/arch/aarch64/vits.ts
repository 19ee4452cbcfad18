/**
 * hvisor's virtual ITS (src/device/irqchip/gicv3/gits.rs, vgic.rs:343-429 vgicv3_its_handler, and the
 * LPI property table of gicr.rs:91-157, hvisor 6a3fb78), over the board's physical ITS
 * (devices/intc/arm-gicv3/its.ts). hvisor does not pass the ITS through: every zone with a gits window
 * (vgicv3_mmio_init registers the handler at gits_base, vgic.rs:57-62) gets its own command queue
 * registers, and hvisor copies each zone's commands into one queue of its own that the hardware runs:
 *
 * - At GIC init (mod.rs:459-462), before any zone: init_lpi_prop (gicr.rs:97-116) takes
 *   ((1 << (GICD_TYPER.IDbits + 1)) - 8192) / 4096 pages (14 here) for hvisor's own LPI property table
 *   and writes every redistributor's GICR_PROPBASER = table | 0x78f; gits_init -> Cmdq::new
 *   (gits.rs:142-172) takes 16 pages aligned to 64 KiB for the real queue, turns the ITS off
 *   (GITS_CTLR &= ~1: "vm will turn on this ctrl"), writes GITS_CBASER = 0xb800000000000400 | queue | 15
 *   and GITS_CWRITER = 0; the device and collection tables' BASER values keep the hardware's
 *   Type/Entry_Size bits (mask 0x71f000000000000, gits.rs:79-127).
 * - Per zone (vgic.rs:348-427): GITS_CBASER, CWRITER, CREADR and BASER0/BASER1 (0x100, 0x108) are the
 *   zone's own values; only the root (zone 0) writes BASER0/1 to the hardware, with the table address
 *   translated guest -> host. GITS_CTLR, TYPER and everything else go to the hardware as they are.
 * - A CWRITER write (set_cwriter, gits.rs:196-207; "if value == creadr ... ignore first write")
 *   copies the zone's commands from its queue (the guest address CBASER named, translated when CBASER
 *   was written) to the real queue (insert_cmd, :344-400), rewriting them as analyze_cmd (:226-342)
 *   does: the ICID of MAPC, MAPTI, MAPI and MOVI from the zone's n-th CPU to its physical number
 *   (vicid_to_icid), MAPD's ITT address guest -> host, and for MAPTI/MAPI enable_one_lpi(intid - 8192):
 *   the LPI's byte in hvisor's property table becomes 1 (enabled, priority 0). Then it writes the real
 *   CWRITER and spins until CREADR reaches it, and sets the zone's CREADR to what the zone wrote.
 * - GICR_PROPBASER is the zone's own value (vgic-v3.ts); GICR_INVLPIR enables one LPI the same way.
 *
 * So a guest's LPI configuration table is never read: an LPI is enabled (at priority 0) from its MAPTI
 * on, and a guest disabling it in its own table + INV changes nothing. Kept as hvisor does it.
 *
 * Where hvisor would panic (vicid_to_icid's expect, MAPD's unwrap of an unmapped ITT address) the zone
 * stops with a report (env.panic). Where hvisor would spin forever (the hardware queue stalled) the wait
 * is one check: the zone stops with a report naming the stall. Where hvisor would write outside its
 * property table (an INTID below 8192 or past the table) the write is refused and logged.
 *
 * Frames: a fixed part of the board's hypervisorReserved range (VITS_FRAMES_OFFSET, after the SMMU
 * driver's), so that every vCPU thread agrees without a shared allocator; a thread that finds the real
 * CBASER already pointing there adopts the state (hvisor's globals are the real ITS registers' values:
 * its Cmdq.writer is what it last wrote to CWRITER, its readr what CREADR reached).
 */
import type { DmaMemory } from '../../../bus/dma';
import type { Gicv3Its } from '../../../devices/intc/arm-gicv3/its';
import type { ZoneConfig } from '../../../../shared/model/zone-config';
import type { TrapHandler } from '../../stage2-map';
import type { ArmCpuApi } from '../../../isa/aarch64/platform';
import type { Gicv3Physical } from './gicv3-physical';
import { GicrOffset } from '../../../devices/intc/arm-gicv3/redistributor';
import { GicdOffset } from '../../../devices/intc/arm-gicv3/distributor';

type Size = 1 | 2 | 4 | 8;

const GITS_CTRL = 0x0, GITS_TYPER = 0x8, GITS_CBASER = 0x80, GITS_CWRITER = 0x88, GITS_CREADR = 0x90;
const GITS_BASER = 0x100, GITS_COLLECTION_BASER = GITS_BASER + 0x8;
const CMDQ_PAGE_SIZE = 0x1000;
const CMDQ_PAGES_NUM = 16;
const PER_CMD_BYTES = 0x20;
/** gits.rs:83 and :111: the BASER bits hvisor keeps from the hardware (Type 58:56, Entry_Size 52:48). */
const BASER_FIXED_MASK = 0x071f_0000_0000_0000n;
/** vgic.rs:364: the table address bits hvisor translates (47:12). */
const BASER_PA_MASK = 0xfff_ffff_f000n;
/** gits.rs:163: Valid, RaWaWb inner cache, inner shareable. */
const CBASER_ATTRS = 0xb800_0000_0000_0400n;
/** gits.rs:177: the queue address bits of the guest's CBASER. */
const CBASER_PA_MASK = 0xf_ffff_ffff_f000n;
const LPI_FIRST = 8192;
/** gicr.rs:104: PROPBASER = table | 0x78f (IDbits 15, inner shareable, RaWaWb). */
const PROPBASER_ATTRS = 0x78f;

/** Where hvisor's vITS frames are in the hypervisor's reserved range (the SMMU driver's end below 16 MiB). */
export const VITS_FRAMES_OFFSET = 0x100_0000;
/** The command queue: 16 pages aligned to 64 KiB (gits.rs:144 new_contiguous_with_base(16, 16)). */
const CMDQ_FRAME_OFFSET = VITS_FRAMES_OFFSET + 0x1_0000;

/** The zone's words in its vGIC filter state (own words 2-9). */
const Own = { cbaserLow: 2, cbaserHigh: 3, cwriter: 4, creadr: 5, dtLow: 6, dtHigh: 7, ctLow: 8, ctHigh: 9 } as const;

export interface VitsEnv {
  readonly gic: Gicv3Physical;
  readonly its: Gicv3Its;
  readonly memory: DmaMemory;
  readonly config: ZoneConfig;
  /** The zone's physical CPUs, ascending (its cpu_set bitmap). */
  readonly cpus: readonly number[];
  /** The board's hypervisorReserved range. */
  readonly frames: { readonly base: number; readonly size: number };
  readonly own: (i: number) => number;
  readonly setOwn: (i: number, value: number) => void;
  readonly log: (line: string) => void;
  /** hvisor panics: the zone stops with the report. */
  readonly panic: (cpu: number, message: string) => void;
}

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

export class HvisorVits {
  private readonly propTable: number;
  private readonly propPages: number;
  private readonly cmdq: number;

  constructor(private readonly env: VitsEnv) {
    if (env.frames.size < CMDQ_FRAME_OFFSET + CMDQ_PAGES_NUM * CMDQ_PAGE_SIZE) {
      throw new Error(`hvisor's vITS needs ${hex(CMDQ_FRAME_OFFSET + CMDQ_PAGES_NUM * CMDQ_PAGE_SIZE)} bytes of hypervisor memory; the board reserves ${hex(env.frames.size)}`);
    }
    const typer = Number(env.gic.gicd(GicdOffset.typer, 4, false));
    const idBits = (typer >>> 19) & 0x1f;
    this.propPages = Math.floor(((1 << (idBits + 1)) - LPI_FIRST) / 0x1000);
    this.propTable = env.frames.base + VITS_FRAMES_OFFSET;
    this.cmdq = env.frames.base + CMDQ_FRAME_OFFSET;
  }

  /** The window hvisor traps for this zone (its gits_base / gits_size). */
  handler(): TrapHandler<ArmCpuApi> {
    return {
      read: (cpu, offset, size) => this.access(cpu, offset, size, false, 0n),
      write: (cpu, offset, size, value) => void this.access(cpu, offset, size, true, value),
    };
  }

  /**
   * init_lpi_prop + gits_init, once for the machine (the first vGIC of the first zone): a thread that
   * finds the real CBASER at hvisor's queue adopts what is there.
   */
  initOnce(): void {
    const { its, gic } = this.env;
    const cbaser = this.hw64(GITS_CBASER);
    if ((cbaser & CBASER_PA_MASK) === BigInt(this.cmdq)) return;
    // LpiPropTable::new: zeroed frames, every redistributor's PROPBASER (all of MAX_CPU_NUM).
    this.zero(this.propTable, this.propPages * 0x1000);
    for (let cpu = 0; cpu < gic.gic.state.cpus; cpu++) {
      gic.gicr(cpu, GicrOffset.propbaser, 4, true, BigInt((this.propTable | PROPBASER_ATTRS) >>> 0));
      gic.gicr(cpu, GicrOffset.propbaser + 4, 4, true, BigInt(Math.floor(this.propTable / 0x1_0000_0000)));
    }
    // Cmdq::new + init_real_cbaser.
    this.zero(this.cmdq, CMDQ_PAGES_NUM * CMDQ_PAGE_SIZE);
    its.write(GITS_CTRL, 4, its.read(GITS_CTRL, 4) & 0xffff_fffe);
    this.setHw64(GITS_CBASER, CBASER_ATTRS | BigInt(this.cmdq) | BigInt(CMDQ_PAGES_NUM - 1));
    this.setHw64(GITS_CWRITER, 0n);
    this.env.log(`vITS: LPI property table at ${hex(this.propTable)} (${this.propPages} pages), real command queue at ${hex(this.cmdq)} (${CMDQ_PAGES_NUM} pages)`);
  }

  /**
   * At zone shutdown (arch_irqchip_reset): the zone's vITS registers back to 0. **A workbench
   * deviation**: hvisor keeps cbaser/creadr/cwriter_list[zone_id] across a zone's restart (statics in
   * gits.rs:135-139, never reset), so a restarted Linux's first CWRITER write (0) no longer equals the
   * stale CREADR, is not "the first write", and hvisor copies a ring's worth of old commands into the
   * ITS that Linux has just turned off (its_force_quiescent) and spins forever. Seen as
   * aarch64-linux-zones' zone 1 restart stopping with "the ITS's command queue stopped at CREADR 0x200
   * (CWRITER 0x100)"; clearing them lets the restarted zone start as the first time did.
   */
  forgetZone(): void {
    for (const i of Object.values(Own)) this.env.setOwn(i, 0);
  }

  /** GICR_INVLPIR (vgic.rs:229-233) and MAPTI/MAPI (gits.rs:241, :283): enable_one_lpi. */
  enableOneLpi(intid: number): void {
    const lpi = intid - LPI_FIRST;
    if (lpi < 0 || lpi >= this.propPages * 0x1000) {
      this.env.log(`${this.zoneName()}: enable_one_lpi(${intid} - 8192) is outside hvisor's ${this.propPages}-page LPI property table (hvisor would write outside it); refused`);
      return;
    }
    const bank = this.env.memory.bankAt(this.propTable + lpi, 1);
    if (bank) bank.u8[this.propTable + lpi - bank.base] = 1;
  }

  private zoneName(): string {
    return `zone ${this.env.config.zoneId} (${this.env.config.name})`;
  }

  private access(cpu: ArmCpuApi, offset: number, size: Size, write: boolean, value: bigint): bigint {
    const zone = this.env.config.zoneId;
    switch (offset) {
      case GITS_CTRL: return this.through(offset, size, write, value);
      case GITS_CBASER:
        if (write) this.setCbaser(value);
        return write ? 0n : this.own64(Own.cbaserLow);
      case GITS_BASER: case GITS_COLLECTION_BASER: {
        const at = offset === GITS_BASER ? Own.dtLow : Own.ctLow;
        const fixed = this.hw64(offset) & BASER_FIXED_MASK;
        // DeviceTable::new / CollectionTable::new: every zone's value starts as the hardware's at init
        // (Type and Entry_Size; a written value always keeps them, so 0 means never written).
        if (!write) return this.own64(at) === 0n ? fixed : this.own64(at);
        this.setOwn64(at, (value & ~BASER_FIXED_MASK) | fixed);
        if (zone === 0) {
          const host = this.toHost(Number(value & BASER_PA_MASK));
          const v = host === undefined ? value : (value & ~BASER_PA_MASK) | BigInt(host);
          this.through(offset, size, true, v);
        }
        return 0n;
      }
      case GITS_CWRITER:
        if (write) this.setCwriter(cpu, value);
        return write ? 0n : BigInt(this.env.own(Own.cwriter));
      case GITS_CREADR: return write ? 0n : BigInt(this.env.own(Own.creadr));
      case GITS_TYPER: return this.through(offset, size, write, value);
      default: return this.through(offset, size, write, value);
    }
  }

  /** set_cbaser (gits.rs:174-189): the queue's host address when the guest address is mapped; pages = Size + 1. */
  private setCbaser(value: bigint): void {
    this.setOwn64(Own.cbaserLow, value);
  }

  private guestQueue(): { host: number | undefined; bytes: number } {
    const cbaser = this.own64(Own.cbaserLow);
    return { host: this.toHost(Number(cbaser & CBASER_PA_MASK)), bytes: (Number(cbaser & 0xffn) + 1) * CMDQ_PAGE_SIZE };
  }

  /** set_cwriter + insert_cmd. */
  private setCwriter(cpu: ArmCpuApi, value: bigint): void {
    const writer = Number(value & 0xffff_ffffn);
    const creadr = this.env.own(Own.creadr);
    if (writer !== creadr) this.insert(cpu, writer, creadr);
    this.env.setOwn(Own.cwriter, writer);
  }

  private insert(cpu: ArmCpuApi, writer: number, origin: number): void {
    const q = this.guestQueue();
    if (q.host === undefined) {
      // hvisor's phy_base_list stays 0 when CBASER's address is not mapped: it would copy from address 0.
      this.env.panic(cpu.cpuId, `${this.zoneName()}: GITS_CWRITER written while its GITS_CBASER (${hex(this.own64(Own.cbaserLow))}) names no RAM of the zone; hvisor would copy commands from physical address 0`);
      return;
    }
    const cmdSize = writer < origin ? q.bytes - origin + writer : writer - origin;
    const count = Math.floor(cmdSize / PER_CMD_BYTES);
    if (writer >= q.bytes || count > q.bytes / PER_CMD_BYTES) {
      this.env.panic(cpu.cpuId, `${this.zoneName()}: GITS_CWRITER ${hex(writer)} is beyond its ${q.bytes}-byte command queue`);
      return;
    }
    const realBytes = CMDQ_PAGES_NUM * CMDQ_PAGE_SIZE;
    let real = Number(this.hw64(GITS_CWRITER) & 0xf_ffe0n);
    let vm = origin;
    for (let i = 0; i < count; i++) {
      const cmd: bigint[] = [];
      for (let w = 0; w < 4; w++) {
        const v = this.read64(q.host + vm + 8 * w);
        if (v === undefined) {
          this.env.panic(cpu.cpuId, `${this.zoneName()}: its command queue at ${hex(q.host + vm)} is outside RAM`);
          return;
        }
        cmd.push(v);
      }
      const rewritten = this.analyze(cpu, cmd);
      if (!rewritten) return;
      for (let w = 0; w < 4; w++) this.write64(this.cmdq + real + 8 * w, rewritten[w]!);
      vm = (vm + PER_CMD_BYTES) % q.bytes;
      real = (real + PER_CMD_BYTES) % realBytes;
    }
    this.setHw64(GITS_CWRITER, BigInt(real));
    // hvisor spins until the hardware's CREADR reaches CWRITER; the model runs the queue at once.
    const readr = Number(this.hw64(GITS_CREADR));
    if (readr !== real) {
      this.env.panic(cpu.cpuId, `${this.zoneName()}: the ITS's command queue stopped at CREADR ${hex(readr)} (CWRITER ${hex(real)}${(readr & 1) !== 0 ? ', Stalled' : ''}); hvisor would spin here forever`);
      return;
    }
    this.env.setOwn(Own.creadr, writer);
  }

  /** analyze_cmd (gits.rs:226-342); undefined when hvisor would panic (the zone stopped). */
  private analyze(cpu: ArmCpuApi, cmd: bigint[]): bigint[] | undefined {
    const code = Number(cmd[0]! & 0xffn);
    const out = [...cmd];
    const mapIcid = (): boolean => {
      const vicid = Number(cmd[2]! & 0xffffn);
      const icid = this.env.cpus[vicid];
      if (icid === undefined) {
        this.env.panic(cpu.cpuId, `${this.zoneName()}: ITS command 0x${code.toString(16)} names collection ${vicid}, but the zone has ${this.env.cpus.length} CPU(s): hvisor panics here ("vicid to icid failed", gits.rs:237)`);
        return false;
      }
      out[2] = (cmd[2]! & ~0xffffn) | BigInt(icid);
      return true;
    };
    switch (code) {
      case 0x0b: // MAPI
        if (!mapIcid()) return undefined;
        this.enableOneLpi(Number(cmd[1]! & 0xffff_ffffn));
        return out;
      case 0x0a: // MAPTI
        if (!mapIcid()) return undefined;
        this.enableOneLpi(Number(cmd[1]! >> 32n));
        return out;
      case 0x09: // MAPC
      case 0x01: // MOVI
        return mapIcid() ? out : undefined;
      case 0x08: { // MAPD
        const itt = Number(cmd[2]! & 0x000f_ffff_ffff_ff00n);
        const host = this.toHost(itt);
        if (host === undefined) {
          this.env.panic(cpu.cpuId, `${this.zoneName()}: MAPD for device ${hex(cmd[0]! >> 32n)} names ITT ${hex(itt)}, not RAM of the zone: hvisor panics here (unwrap() of page_table_query, gits.rs:258-265)`);
          return undefined;
        }
        out[2] = (cmd[2]! & ~0x000f_ffff_ffff_ff00n) | BigInt(host);
        return out;
      }
      default:
        return out;
    }
  }

  /** The zone's stage-2 for RAM: guest-physical -> host-physical (hvisor's gpm.page_table_query). */
  private toHost(gpa: number): number | undefined {
    for (const r of this.env.config.memoryRegions) {
      if (r.type === 'ram' && gpa >= r.virtualStart && gpa < r.virtualStart + r.size) return r.physicalStart + (gpa - r.virtualStart);
    }
    return undefined;
  }

  private through(offset: number, size: Size, write: boolean, value: bigint): bigint {
    const its = this.env.its;
    if (size === 8) {
      if (write) {
        its.write(offset, 4, Number(value & 0xffff_ffffn));
        its.write(offset + 4, 4, Number((value >> 32n) & 0xffff_ffffn));
        return 0n;
      }
      return (BigInt(its.read(offset + 4, 4) >>> 0) << 32n) | BigInt(its.read(offset, 4) >>> 0);
    }
    if (write) {
      its.write(offset, size, Number(value & 0xffff_ffffn));
      return 0n;
    }
    return BigInt(its.read(offset, size) >>> 0);
  }

  private hw64(offset: number): bigint {
    return this.through(offset, 8, false, 0n);
  }

  private setHw64(offset: number, value: bigint): void {
    this.through(offset, 8, true, value);
  }

  private own64(low: number): bigint {
    return (BigInt(this.env.own(low + 1)) << 32n) | BigInt(this.env.own(low));
  }

  private setOwn64(low: number, value: bigint): void {
    this.env.setOwn(low, Number(value & 0xffff_ffffn));
    this.env.setOwn(low + 1, Number((value >> 32n) & 0xffff_ffffn));
  }

  private read64(address: number): bigint | undefined {
    const bank = this.env.memory.bankAt(address, 8);
    return bank ? bank.view.getBigUint64(address - bank.base, true) : undefined;
  }

  private write64(address: number, value: bigint): void {
    const bank = this.env.memory.bankAt(address, 8);
    if (bank) bank.view.setBigUint64(address - bank.base, value, true);
  }

  private zero(address: number, bytes: number): void {
    const bank = this.env.memory.bankAt(address, bytes);
    if (bank) bank.u8.fill(0, address - bank.base, address - bank.base + bytes);
  }
}
