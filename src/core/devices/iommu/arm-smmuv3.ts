/**
 * Arm SMMUv3 (IHI 0070), as QEMU's virt machine places it (0x0905_0000, two 64 KiB register pages) and
 * as hvisor's aarch64 driver programs it (src/arch/aarch64/iommu.rs): a linear stream table indexed by
 * StreamID (= PCI BDF), STEs that bypass or translate with stage 2 only (Config 0b110: S2VMID, S2VTCR,
 * S2AA64, S2R, S2TTB), a command queue consumed when CMDQ_PROD is written (CFGI_*, TLBI_*, PREFETCH_*
 * and CMD_SYNC are accepted; there are no configuration or TLB caches to invalidate), and an event
 * queue of 32-byte records: C_BAD_STREAMID, F_STE_FETCH, C_BAD_STE and the stage-2 translation faults
 * F_TRANSLATION, F_ADDR_SIZE, F_ACCESS and F_PERMISSION with StreamID, RnW, S2 = 1, CLASS = IN, the input
 * address and the IPA, laid out as the spec (and QEMU's smmuv3-internal.h) has them. Every event is also
 * given to `onEvent` whether or not software enabled the event queue (hvisor does not: CR0.EVTQEN stays
 * 0), which is how the workbench reports a blocked DMA "as an IOMMU would".
 *
 * The ID registers are QEMU's where hvisor reads them (IDR1.SIDSIZE 16, so hvisor's linear table holds
 * 65536 STEs = 4 MiB; CMDQS/EVTQS 19; IDR5.OAS 44 bits, 4 KiB and 64 KiB granules) with stage 2 only
 * (IDR0.S2P = 1, S1P = 0) and linear or 2-level tables advertised (ST_LEVEL 1, as QEMU).
 * As a DMA hook it implements bus/dma.ts' Iommu: SMMUEN = 0 passes or aborts per GBPA.ABORT; the walk is
 * isa/aarch64/stage2-walk.ts', given to the constructor (a device may not import an ISA folder).
 *
 * State: the register words live in the caller's shared bytes, so every thread's instance (the vCPU
 * that runs hvisor's driver, the management side that translates device DMA) sees one SMMU; the tables
 * and queues are in RAM. Left out: stage 1 and context descriptors (an STE asking for them is C_BAD_STE),
 * 2-level stream tables (FMT 1 reads as C_BAD_STE), the PRI queue, ATS, stalls, MSIs and wired
 * interrupts (IRQ_CTRL is acknowledged, nothing is raised), secure state, CMD_SYNC completion MSIs.
 */
import type { MmioDevice, RegisterDef } from '../../bus/types';
import type { DmaAccess, DmaMemory, DmaRefusal, DmaRequester, DmaTranslation, Iommu } from '../../bus/dma';
import type { Stage2FaultKind, Stage2Walker } from '../../cpu/translation-walk';

/** Register offsets (page 0 unless noted). */
export const SmmuReg = {
  IDR0: 0x00, IDR1: 0x04, IDR2: 0x08, IDR3: 0x0c, IDR4: 0x10, IDR5: 0x14, IIDR: 0x18, AIDR: 0x1c,
  CR0: 0x20, CR0ACK: 0x24, CR1: 0x28, CR2: 0x2c, STATUSR: 0x40, GBPA: 0x44, AGBPA: 0x48,
  IRQ_CTRL: 0x50, IRQ_CTRLACK: 0x54, GERROR: 0x60, GERRORN: 0x64,
  GERROR_IRQ_CFG0: 0x68, GERROR_IRQ_CFG1: 0x70, GERROR_IRQ_CFG2: 0x74,
  STRTAB_BASE: 0x80, STRTAB_BASE_CFG: 0x88, CMDQ_BASE: 0x90, CMDQ_PROD: 0x98, CMDQ_CONS: 0x9c,
  EVENTQ_BASE: 0xa0, EVENTQ_IRQ_CFG0: 0xb0, EVENTQ_IRQ_CFG1: 0xb8, EVENTQ_IRQ_CFG2: 0xbc,
  /** Page 1. */
  EVENTQ_PROD: 0x100a8,
  /** Page 1. */
  EVENTQ_CONS: 0x100ac,
} as const;

export const SMMU_SIZE = 0x2_0000;

export const Cr0 = { SMMUEN: 1 << 0, PRIQEN: 1 << 1, EVTQEN: 1 << 2, CMDQEN: 1 << 3, ATSCHK: 1 << 4 } as const;
export const GERROR_CMDQ_ERR = 1 << 0;
export const GBPA_ABORT = 1 << 20;
export const GBPA_UPDATE = 1 << 31;
/** CMDQ_CONS.ERR (bits 30:24). */
export const CmdqError = { none: 0, illegal: 1, abort: 2, atcInvalidSync: 3 } as const;

/** Event record types (IHI 0070, 7.3). */
export const SmmuEvent = {
  F_UUT: 0x01, C_BAD_STREAMID: 0x02, F_STE_FETCH: 0x03, C_BAD_STE: 0x04, F_STREAM_DISABLED: 0x06,
  F_TRANSLATION: 0x10, F_ADDR_SIZE: 0x11, F_ACCESS: 0x12, F_PERMISSION: 0x13,
} as const;
export const SMMU_EVENT_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(SmmuEvent).map(([k, v]) => [v, k]));

/** Command opcodes (IHI 0070, 4.1). */
export const SmmuCmd = {
  PREFETCH_CONFIG: 0x01, PREFETCH_ADDR: 0x02, CFGI_STE: 0x03, CFGI_STE_RANGE: 0x04, CFGI_CD: 0x05, CFGI_CD_ALL: 0x06,
  TLBI_NH_ALL: 0x10, TLBI_NH_ASID: 0x11, TLBI_NH_VA: 0x12, TLBI_NH_VAA: 0x13, TLBI_EL2_ALL: 0x20, TLBI_EL2_ASID: 0x21,
  TLBI_EL2_VA: 0x22, TLBI_EL2_VAA: 0x23, TLBI_S12_VMALL: 0x28, TLBI_S2_IPA: 0x2a, TLBI_NSNH_ALL: 0x30, CMD_SYNC: 0x46,
} as const;
const ACCEPTED_COMMANDS = new Set<number>(Object.values(SmmuCmd));

/** STE.Config (bits 3:1 of word 0). */
export const SteConfig = { abort: 0b000, bypass: 0b100, stage1: 0b101, stage2: 0b110, nested: 0b111 } as const;

/** ID register values (QEMU's where hvisor reads them; stage 2 only). */
export const SMMU_IDR = {
  // S2P | TTF=AArch64 (2 << 2) | COHACC | VMID16 | TTENDIAN little (2 << 21) | ST_LEVEL 2-level (1 << 27)
  IDR0: 1 | (2 << 2) | (1 << 4) | (1 << 18) | (2 << 21) | (1 << 27),
  // SIDSIZE 16 | EVTQS 19 << 16 | CMDQS 19 << 21
  IDR1: 16 | (19 << 16) | (19 << 21),
  IDR2: 0,
  IDR3: 0,
  IDR4: 0,
  // OAS 44 bits (4) | GRAN4K (1 << 4) | GRAN64K (1 << 6)
  IDR5: 4 | (1 << 4) | (1 << 6),
  IIDR: 0,
  // SMMUv3.1
  AIDR: 1,
} as const;

export const SMMUV3_REGISTERS: readonly RegisterDef[] = [
  { name: 'IDR0', offset: SmmuReg.IDR0, width: 4, access: 'ro', reset: SMMU_IDR.IDR0, description: 'Features: S2P, TTF AArch64, COHACC, VMID16, ST_LEVEL (linear and 2-level)' },
  { name: 'IDR1', offset: SmmuReg.IDR1, width: 4, access: 'ro', reset: SMMU_IDR.IDR1, description: 'SIDSIZE 16, EVTQS 19, CMDQS 19' },
  { name: 'IDR2', offset: SmmuReg.IDR2, width: 4, access: 'ro', reset: 0 },
  { name: 'IDR3', offset: SmmuReg.IDR3, width: 4, access: 'ro', reset: 0 },
  { name: 'IDR4', offset: SmmuReg.IDR4, width: 4, access: 'ro', reset: 0 },
  { name: 'IDR5', offset: SmmuReg.IDR5, width: 4, access: 'ro', reset: SMMU_IDR.IDR5, description: 'OAS 44 bits, 4 KiB and 64 KiB granules' },
  { name: 'IIDR', offset: SmmuReg.IIDR, width: 4, access: 'ro', reset: 0 },
  { name: 'AIDR', offset: SmmuReg.AIDR, width: 4, access: 'ro', reset: SMMU_IDR.AIDR },
  { name: 'CR0', offset: SmmuReg.CR0, width: 4, access: 'rw', reset: 0, description: 'SMMUEN, PRIQEN, EVTQEN, CMDQEN' },
  { name: 'CR0ACK', offset: SmmuReg.CR0ACK, width: 4, access: 'ro', reset: 0, description: 'CR0 as it took effect (at once here)' },
  { name: 'CR1', offset: SmmuReg.CR1, width: 4, access: 'rw', reset: 0, description: 'Table and queue cacheability/shareability' },
  { name: 'CR2', offset: SmmuReg.CR2, width: 4, access: 'rw', reset: 0 },
  { name: 'STATUSR', offset: SmmuReg.STATUSR, width: 4, access: 'ro', reset: 0 },
  { name: 'GBPA', offset: SmmuReg.GBPA, width: 4, access: 'rw', reset: 0, description: 'Global bypass attributes while SMMUEN = 0 (ABORT bit 20)' },
  { name: 'IRQ_CTRL', offset: SmmuReg.IRQ_CTRL, width: 4, access: 'rw', reset: 0 },
  { name: 'IRQ_CTRLACK', offset: SmmuReg.IRQ_CTRLACK, width: 4, access: 'ro', reset: 0 },
  { name: 'GERROR', offset: SmmuReg.GERROR, width: 4, access: 'ro', reset: 0, description: 'Global errors: a bit differing from GERRORN is active (CMDQ_ERR bit 0)' },
  { name: 'GERRORN', offset: SmmuReg.GERRORN, width: 4, access: 'rw', reset: 0 },
  { name: 'GERROR_IRQ_CFG0', offset: SmmuReg.GERROR_IRQ_CFG0, width: 8, access: 'rw', reset: 0 },
  { name: 'STRTAB_BASE', offset: SmmuReg.STRTAB_BASE, width: 8, access: 'rw', reset: 0, description: 'RA (bit 62), ADDR[51:6]' },
  { name: 'STRTAB_BASE_CFG', offset: SmmuReg.STRTAB_BASE_CFG, width: 4, access: 'rw', reset: 0, description: 'FMT[17:16] (0 linear), SPLIT[10:6], LOG2SIZE[5:0]' },
  { name: 'CMDQ_BASE', offset: SmmuReg.CMDQ_BASE, width: 8, access: 'rw', reset: 0, description: 'RA (bit 62), ADDR[51:5], LOG2SIZE[4:0]' },
  { name: 'CMDQ_PROD', offset: SmmuReg.CMDQ_PROD, width: 4, access: 'rw', reset: 0, description: 'WR index and wrap; a write makes the SMMU consume up to it' },
  { name: 'CMDQ_CONS', offset: SmmuReg.CMDQ_CONS, width: 4, access: 'rw', reset: 0, description: 'RD index and wrap, ERR[30:24]' },
  { name: 'EVENTQ_BASE', offset: SmmuReg.EVENTQ_BASE, width: 8, access: 'rw', reset: 0, description: 'WA (bit 62), ADDR[51:5], LOG2SIZE[4:0]' },
  { name: 'EVENTQ_IRQ_CFG0', offset: SmmuReg.EVENTQ_IRQ_CFG0, width: 8, access: 'rw', reset: 0 },
  { name: 'EVENTQ_IRQ_CFG1', offset: SmmuReg.EVENTQ_IRQ_CFG1, width: 4, access: 'rw', reset: 0 },
  { name: 'EVENTQ_IRQ_CFG2', offset: SmmuReg.EVENTQ_IRQ_CFG2, width: 4, access: 'rw', reset: 0 },
  { name: 'EVENTQ_PROD', offset: SmmuReg.EVENTQ_PROD, width: 4, access: 'rw', reset: 0, description: 'Page 1: WR index and wrap, OVFLG (bit 31)' },
  { name: 'EVENTQ_CONS', offset: SmmuReg.EVENTQ_CONS, width: 4, access: 'rw', reset: 0, description: 'Page 1: RD index and wrap, OVACKFLG (bit 31)' },
];

/** Page-0 words the model keeps (0x00..0xff), then EVENTQ_PROD and EVENTQ_CONS of page 1. */
const PAGE0_WORDS = 64;
const W_EVTQ_PROD = PAGE0_WORDS;
const W_EVTQ_CONS = PAGE0_WORDS + 1;
/** Shared bytes one SMMU's registers take. */
export const SMMUV3_STATE_BYTES = (PAGE0_WORDS + 2) * 4;

const WRITABLE = new Set<number>([
  SmmuReg.CR0, SmmuReg.CR1, SmmuReg.CR2, SmmuReg.GBPA, SmmuReg.IRQ_CTRL, SmmuReg.GERRORN,
  SmmuReg.GERROR_IRQ_CFG0, SmmuReg.GERROR_IRQ_CFG0 + 4, SmmuReg.GERROR_IRQ_CFG1, SmmuReg.GERROR_IRQ_CFG2,
  SmmuReg.STRTAB_BASE, SmmuReg.STRTAB_BASE + 4, SmmuReg.STRTAB_BASE_CFG, SmmuReg.CMDQ_BASE, SmmuReg.CMDQ_BASE + 4,
  SmmuReg.CMDQ_PROD, SmmuReg.CMDQ_CONS, SmmuReg.EVENTQ_BASE, SmmuReg.EVENTQ_BASE + 4,
  SmmuReg.EVENTQ_IRQ_CFG0, SmmuReg.EVENTQ_IRQ_CFG0 + 4, SmmuReg.EVENTQ_IRQ_CFG1, SmmuReg.EVENTQ_IRQ_CFG2,
]);

/** An event as the SMMU records it, decoded, for the workbench. */
export interface SmmuEventRecord {
  readonly type: number;
  readonly name: string;
  readonly streamId: number;
  /** The transaction's input address (for stage 2 only, the IPA). */
  readonly inputAddress: number;
  readonly read: boolean;
  readonly stage2: boolean;
  /** The STE's S2VMID (hvisor: the zone id), when the STE translates. */
  readonly vmid?: number;
  readonly detail: string;
  /** The 32-byte record (eight little-endian words) written to the event queue, or that would be. */
  readonly words: readonly number[];
  /** Whether it went into the event queue (CR0.EVTQEN set and the queue not full). */
  readonly queued: boolean;
}

export interface ArmSmmuV3Options {
  /** Shared state (SMMUV3_STATE_BYTES); private bytes without it. */
  readonly state?: Uint8Array;
  /** Physical memory the SMMU reads tables and queues from and writes events to (or attachMemory later). */
  readonly memory?: DmaMemory;
  /** Every event, queued or not. */
  readonly onEvent?: (event: SmmuEventRecord) => void;
  /** The stage-2 walk of the STE's tables (VMSAv8-64's, isa/aarch64/stage2-walk.ts, given by whoever builds the SMMU). */
  readonly walkStage2: Stage2Walker;
}

const hex = (n: number): string => `0x${n.toString(16)}`;
const FAULT_EVENT: Record<Stage2FaultKind, number> = {
  translation: SmmuEvent.F_TRANSLATION,
  addressSize: SmmuEvent.F_ADDR_SIZE,
  accessFlag: SmmuEvent.F_ACCESS,
  permission: SmmuEvent.F_PERMISSION,
};

export class ArmSmmuV3 implements MmioDevice, Iommu {
  readonly kind = 'arm-smmuv3';
  readonly registers = SMMUV3_REGISTERS;
  private readonly words: Int32Array;
  private memory: DmaMemory;
  private listeners: ((event: SmmuEventRecord) => void)[] = [];

  constructor(private readonly options: ArmSmmuV3Options) {
    this.memory = options.memory ?? { bankAt: () => undefined };
    if (options.onEvent) this.listeners.push(options.onEvent);
    const state = options.state ?? new Uint8Array(SMMUV3_STATE_BYTES);
    if (state.byteLength < SMMUV3_STATE_BYTES || state.byteOffset % 4 !== 0) throw new Error(`arm-smmuv3: state needs ${SMMUV3_STATE_BYTES} bytes, 4-aligned`);
    this.words = new Int32Array(state.buffer, state.byteOffset, SMMUV3_STATE_BYTES / 4);
  }

  /** The machine's RAM, once its address space exists (a board device is built before it). */
  attachMemory(memory: DmaMemory): void {
    this.memory = memory;
  }

  /** Also tells `listener` every event from now on (the workbench's DMA report). */
  listen(listener: (event: SmmuEventRecord) => void): void {
    this.listeners.push(listener);
  }

  // ---- registers ----

  private wordIndex(offset: number): number | undefined {
    if (offset === SmmuReg.EVENTQ_PROD) return W_EVTQ_PROD;
    if (offset === SmmuReg.EVENTQ_CONS) return W_EVTQ_CONS;
    if (offset >= 0 && offset < PAGE0_WORDS * 4) return offset >> 2;
    return undefined;
  }

  private reg(offset: number): number {
    const i = this.wordIndex(offset);
    return i === undefined ? 0 : Atomics.load(this.words, i) >>> 0;
  }

  private setReg(offset: number, value: number): void {
    const i = this.wordIndex(offset);
    if (i !== undefined) Atomics.store(this.words, i, value | 0);
  }

  private reg64(offset: number): number {
    return (this.reg(offset + 4) & 0xf_ffff) * 2 ** 32 + this.reg(offset);
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const aligned = offset & ~3;
    let value: number;
    switch (aligned) {
      case SmmuReg.IDR0: value = SMMU_IDR.IDR0; break;
      case SmmuReg.IDR1: value = SMMU_IDR.IDR1; break;
      case SmmuReg.IDR5: value = SMMU_IDR.IDR5; break;
      case SmmuReg.AIDR: value = SMMU_IDR.AIDR; break;
      case SmmuReg.IDR2: case SmmuReg.IDR3: case SmmuReg.IDR4: case SmmuReg.IIDR: value = 0; break;
      default: value = this.reg(aligned);
    }
    if (size === 4) return value >>> 0;
    const shift = (offset & 3) * 8;
    return (value >>> shift) & (size === 1 ? 0xff : 0xffff);
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    // Registers are 32- or 64-bit and accessed whole words (IHI 0070 6.2): narrower writes are ignored.
    if (size !== 4 || (offset & 3) !== 0) return;
    if (!WRITABLE.has(offset) && offset !== SmmuReg.EVENTQ_PROD && offset !== SmmuReg.EVENTQ_CONS) return;
    value >>>= 0;
    switch (offset) {
      case SmmuReg.CR0:
        this.setReg(SmmuReg.CR0, value & 0x1f);
        // Takes effect at once: CR0ACK follows.
        this.setReg(SmmuReg.CR0ACK, value & 0x1f);
        if (value & Cr0.CMDQEN) this.consumeCommands();
        return;
      case SmmuReg.IRQ_CTRL:
        this.setReg(SmmuReg.IRQ_CTRL, value & 7);
        this.setReg(SmmuReg.IRQ_CTRLACK, value & 7);
        return;
      case SmmuReg.GBPA:
        // The update completes at once: UPDATE reads as 0.
        this.setReg(SmmuReg.GBPA, value & ~GBPA_UPDATE);
        return;
      case SmmuReg.CMDQ_PROD:
        this.setReg(SmmuReg.CMDQ_PROD, value & 0x000f_ffff);
        this.consumeCommands();
        return;
      case SmmuReg.CMDQ_CONS:
        // Software may write CONS only while the queue is disabled.
        if ((this.reg(SmmuReg.CR0ACK) & Cr0.CMDQEN) === 0) this.setReg(SmmuReg.CMDQ_CONS, value & 0x7f0f_ffff);
        return;
      case SmmuReg.EVENTQ_PROD:
        if ((this.reg(SmmuReg.CR0ACK) & Cr0.EVTQEN) === 0) this.setReg(SmmuReg.EVENTQ_PROD, value);
        return;
      default:
        this.setReg(offset, value);
    }
  }

  reset(): void {
    for (let i = 0; i < this.words.length; i++) Atomics.store(this.words, i, 0);
  }

  peek(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of SMMUV3_REGISTERS) out[r.name] = r.width === 8 ? this.reg64(r.offset) : this.read(r.offset, 4);
    return out;
  }

  // ---- command queue ----

  /** Consumes commands from CONS to PROD while CMDQEN is set and no error is pending. */
  private consumeCommands(): void {
    if ((this.reg(SmmuReg.CR0ACK) & Cr0.CMDQEN) === 0) return;
    const base = this.reg64(SmmuReg.CMDQ_BASE);
    const log2 = Math.min(base % 32, 19);
    const entries = 2 ** log2;
    const address = Math.floor(base / 32) * 32 % 2 ** 52;
    const mask = entries * 2 - 1;
    let cons = this.reg(SmmuReg.CMDQ_CONS);
    if (((cons >>> 24) & 0x7f) !== CmdqError.none) return;
    const prod = this.reg(SmmuReg.CMDQ_PROD) & mask;
    let guard = entries;
    while ((cons & mask) !== prod && guard-- > 0) {
      const at = address + (cons & (entries - 1)) * 16;
      const bank = this.memory.bankAt(at, 16);
      let error: number = CmdqError.none;
      if (!bank) error = CmdqError.abort;
      else {
        const opcode = bank.view.getUint8(at - bank.base);
        if (!ACCEPTED_COMMANDS.has(opcode)) error = CmdqError.illegal;
      }
      if (error !== CmdqError.none) {
        // CONS stays at the failing command with ERR set; GERROR.CMDQ_ERR toggles to differ from GERRORN.
        this.setReg(SmmuReg.CMDQ_CONS, (cons & 0x000f_ffff) | (error << 24));
        this.setReg(SmmuReg.GERROR, this.reg(SmmuReg.GERRORN) ^ GERROR_CMDQ_ERR);
        return;
      }
      cons = (cons + 1) & mask;
    }
    this.setReg(SmmuReg.CMDQ_CONS, cons & 0x000f_ffff);
  }

  // ---- translation ----

  /** The VMID of a stream's stage-2 STE (hvisor: the owning zone's id); undefined for bypass, abort or no STE. */
  zoneOf(streamId: number): number | undefined {
    if ((this.reg(SmmuReg.CR0ACK) & Cr0.SMMUEN) === 0) return undefined;
    const cfg = this.reg(SmmuReg.STRTAB_BASE_CFG);
    if (((cfg >>> 16) & 3) !== 0 || streamId >= 2 ** Math.min(cfg & 0x3f, 32)) return undefined;
    const at = Math.floor(this.reg64(SmmuReg.STRTAB_BASE) / 64) * 64 % 2 ** 52 + streamId * 64;
    const bank = this.memory.bankAt(at, 64);
    if (!bank) return undefined;
    const w0 = bank.view.getUint32(at - bank.base, true);
    if ((w0 & 1) === 0 || ((w0 >>> 1) & 7) !== SteConfig.stage2) return undefined;
    return bank.view.getUint32(at - bank.base + 16, true) & 0xffff;
  }

  translate(requester: DmaRequester, address: number, length: number, access: DmaAccess): DmaTranslation | DmaRefusal {
    const cr0 = this.reg(SmmuReg.CR0ACK);
    if ((cr0 & Cr0.SMMUEN) === 0) {
      if (this.reg(SmmuReg.GBPA) & GBPA_ABORT) return { refused: 'SMMU disabled with GBPA.ABORT set' };
      return { physical: address, length };
    }
    const sid = requester.streamId;
    if (sid === undefined) return { physical: address, length };
    const read = access === 'read';
    const cfg = this.reg(SmmuReg.STRTAB_BASE_CFG);
    const fmt = (cfg >>> 16) & 3;
    const log2size = cfg & 0x3f;
    if (sid >= 2 ** Math.min(log2size, 32)) return this.event(SmmuEvent.C_BAD_STREAMID, sid, address, read, false, undefined, `StreamID ${hex(sid)} is beyond the stream table (LOG2SIZE ${log2size})`);
    if (fmt !== 0) return this.event(SmmuEvent.C_BAD_STE, sid, address, read, false, undefined, '2-level stream tables are not modelled');
    const steAddress = Math.floor(this.reg64(SmmuReg.STRTAB_BASE) / 64) * 64 % 2 ** 52 + sid * 64;
    const bank = this.memory.bankAt(steAddress, 64);
    if (!bank) return this.event(SmmuEvent.F_STE_FETCH, sid, address, read, false, undefined, `STE at ${hex(steAddress)} is not memory`);
    const v = bank.view;
    const o = steAddress - bank.base;
    const w0 = v.getUint32(o, true);
    if ((w0 & 1) === 0) return this.event(SmmuEvent.C_BAD_STE, sid, address, read, false, undefined, `STE ${hex(sid)} is not valid (V = 0)`);
    const config = (w0 >>> 1) & 7;
    if (config === SteConfig.bypass) return { physical: address, length };
    if (config === SteConfig.abort) return { refused: `STE ${hex(sid)} aborts the stream (Config 0b000)` };
    if (config !== SteConfig.stage2) return this.event(SmmuEvent.C_BAD_STE, sid, address, read, false, undefined, `STE ${hex(sid)} Config 0b${config.toString(2)} needs stage 1, which this SMMU does not have`);
    const d2lo = v.getUint32(o + 16, true);
    const d2hi = v.getUint32(o + 20, true);
    const vmid = d2lo & 0xffff;
    const vtcr = d2hi & 0x7_ffff;
    const s2aa64 = (d2hi >>> 19) & 1;
    const s2r = (d2hi >>> 26) & 1;
    if (!s2aa64) return this.event(SmmuEvent.C_BAD_STE, sid, address, read, true, vmid, `STE ${hex(sid)} S2AA64 = 0 (AArch32 tables are not modelled)`);
    const ttb = (v.getUint32(o + 28, true) & 0xf_ffff) * 2 ** 32 + ((v.getUint32(o + 24, true) & ~0xf) >>> 0);
    const memory = this.memory;
    const result = this.options.walkStage2(
      { ttb, t0sz: vtcr & 0x3f, sl0: (vtcr >>> 6) & 3, tg0: (vtcr >>> 14) & 3, ps: (vtcr >>> 16) & 7 },
      (pa) => {
        const b = memory.bankAt(pa, 8);
        return b ? [b.view.getInt32(pa - b.base, true), b.view.getInt32(pa - b.base + 4, true)] : undefined;
      },
      address,
      !read,
    );
    if ('fault' in result) {
      const type = FAULT_EVENT[result.fault];
      const detail = `stage-2 ${result.fault} fault at level ${result.level} (VMID ${vmid}): ${result.detail}`;
      // S2R = 0: the fault terminates the transaction without a record.
      if (!s2r) return { refused: `${detail}; not recorded (STE.S2R = 0)` };
      return this.event(type, sid, address, read, true, vmid, detail);
    }
    return { physical: result.physical, length: Math.min(length, result.contiguous) };
  }

  /** Builds the record, queues it if the event queue is on, tells onEvent; the transaction is refused. */
  private event(type: number, sid: number, address: number, read: boolean, stage2: boolean, vmid: number | undefined, detail: string): DmaRefusal {
    const words = [type & 0xff, sid >>> 0, 0, 0, 0, 0, 0, 0];
    const isFault = type >= SmmuEvent.F_TRANSLATION && type <= SmmuEvent.F_PERMISSION;
    if (isFault) {
      // RnW (bit 3), S2 (bit 7), CLASS = IN (0b10, bits 9:8) in word 3; InputAddr in words 4-5; IPA in words 6-7.
      words[3] = (read ? 1 << 3 : 0) | (stage2 ? 1 << 7 : 0) | (0b10 << 8);
      words[4] = address % 2 ** 32;
      words[5] = Math.floor(address / 2 ** 32);
      if (stage2) {
        words[6] = words[4]! & ~7;
        words[7] = words[5]!;
      }
    } else if (type === SmmuEvent.C_BAD_STREAMID || type === SmmuEvent.C_BAD_STE || type === SmmuEvent.F_STE_FETCH) {
      words[4] = address % 2 ** 32;
      words[5] = Math.floor(address / 2 ** 32);
    }
    const queued = this.queueEvent(words);
    const record: SmmuEventRecord = { type, name: SMMU_EVENT_NAMES[type] ?? hex(type), streamId: sid, inputAddress: address, read, stage2, ...(vmid !== undefined ? { vmid } : {}), detail, words, queued };
    for (const listener of this.listeners) listener(record);
    return { refused: `SMMUv3 ${SMMU_EVENT_NAMES[type] ?? hex(type)}: ${detail}` };
  }

  private queueEvent(words: readonly number[]): boolean {
    if ((this.reg(SmmuReg.CR0ACK) & Cr0.EVTQEN) === 0) return false;
    const base = this.reg64(SmmuReg.EVENTQ_BASE);
    const log2 = Math.min(base % 32, 19);
    const entries = 2 ** log2;
    const address = Math.floor(base / 32) * 32 % 2 ** 52;
    const prod = this.reg(SmmuReg.EVENTQ_PROD);
    const cons = this.reg(SmmuReg.EVENTQ_CONS);
    const idx = (x: number) => x & (entries - 1);
    const wrap = (x: number) => x & entries;
    if (idx(prod) === idx(cons) && wrap(prod) !== wrap(cons)) {
      // Full: the record is lost and OVFLG toggles (to differ from CONS.OVACKFLG).
      this.setReg(SmmuReg.EVENTQ_PROD, (prod ^ (1 << 31)) >>> 0);
      return false;
    }
    const at = address + idx(prod) * 32;
    const bank = this.memory.bankAt(at, 32);
    if (!bank) return false;
    for (let i = 0; i < 8; i++) bank.view.setUint32(at - bank.base + i * 4, words[i]! >>> 0, true);
    const next = ((prod & (entries * 2 - 1)) + 1) & (entries * 2 - 1);
    this.setReg(SmmuReg.EVENTQ_PROD, ((prod & (1 << 31)) | next) >>> 0);
    return true;
  }
}
