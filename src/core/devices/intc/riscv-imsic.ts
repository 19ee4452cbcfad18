/**
 * RISC-V Incoming MSI Controller (IMSIC, AIA 1.0 chapter 3) as QEMU's virt machine has it with
 * aia=aplic-imsic (hw/intc/riscv_imsic.c, hw/riscv/virt.c): per hart a machine-level interrupt file
 * (one 4 KiB page in the M window), a supervisor-level file and `guests` guest interrupt files (pages
 * 1..guests after the S file, each hart's group of pages a power of two long, in the S window). A file
 * is `eidelivery`, `eithreshold` and the eip/eie bit arrays for identities 1..ids; an MSI is a write of
 * the identity to the file's `seteipnum_le` (offset 0 of its page), or the same through `deliver` (MsiSink).
 *
 * The hart reaches its files through the AIA CSRs (miselect/mireg, siselect/sireg, mtopei/stopei):
 * `indirectRead`/`indirectWrite`/`topei`/`claim` here, with the level ('M' or 'S'). The S level is the
 * S file, or guest file `vgein` once the hypervisor has selected one for the hart (hstatus.VGEIN): a
 * zone's guest runs in S-mode on the hart here, so its stopei/sireg and SEIP are the guest file's, as a
 * VS-mode guest's vstopei/vsireg and VSEIP would be. The M file drives MEIP, the S-level file SEIP.
 *
 * Left out: big-endian seteipnum_be (accepted as little-endian is not: ignored), eidelivery's APLIC
 * direct-delivery value 0x40000000, the iprio array (the hart's CSR code answers it), and the SGEIP
 * path (hgeip/hgeie) for guest files no hart has selected: they hold pending bits but signal nothing.
 */
import type { HartSignals, MmioDevice, RegisterDef, SharedRegion } from '../../bus/types';
import type { MsiRefusal, MsiRequester, MsiSink } from '../../bus/msi';
import type { ControllerInspectData } from '../../../shared/protocol/inspect';
import { IrqEventKind, irqTraceOf, type IrqTrace } from '../../cpu/irq-trace';
import { Column, hex, listCell } from './inspect-table';

export const MIP_MEIP_IMSIC = 1 << 11;
export const MIP_SEIP_IMSIC = 1 << 9;
const PAGE = 0x1000;

/** The indirect register numbers (*iselect values) of an interrupt file (AIA 3.8). */
export const ImsicSelect = { eidelivery: 0x70, eithreshold: 0x72, eip0: 0x80, eip63: 0xbf, eie0: 0xc0, eie63: 0xff } as const;

export type ImsicLevel = 'M' | 'S';

export interface ImsicConfig {
  readonly harts: number;
  /** Highest identity (riscv,num-ids): 63..2047, one less than a multiple of 64. */
  readonly ids: number;
  /** Guest interrupt files per hart (QEMU's aia-guests). */
  readonly guests: number;
  /** Physical base of the M-level files (one page per hart) and of the S-level groups. */
  readonly machineBase: number;
  readonly supervisorBase: number;
}

/** One file's state as the inspector shows it. */
export interface ImsicFileState {
  readonly hart: number;
  readonly file: string;
  readonly eidelivery: number;
  readonly eithreshold: number;
  readonly pending: number[];
  readonly enabled: number[];
  readonly topei: number;
}

/** Log2 of the pages of one hart's S-level group: the S file and the guest files, rounded up to a power of two. */
export function imsicGuestBits(guests: number): number {
  return Math.ceil(Math.log2(1 + guests));
}

export class RiscvImsic implements MsiSink {
  readonly kind = 'riscv-imsic';
  readonly name = 'IMSIC';
  readonly harts: number;
  readonly ids: number;
  readonly guests: number;
  /** Files per hart: 0 = M, 1 = S, 1 + g = guest g. */
  readonly filesPerHart: number;
  readonly groupBytes: number;
  /** The M-level window (harts pages) and the S-level window (harts groups), as MMIO devices. */
  readonly machineWindow: MmioDevice;
  readonly supervisorWindow: MmioDevice;
  private readonly bitWords: number;
  private readonly fileWords: number;
  private readonly words: Uint32Array;
  private readonly trace: IrqTrace | undefined;

  static stateBytes(config: ImsicConfig): number {
    const bitWords = Math.ceil((config.ids + 1) / 32);
    return 4 * config.harts * (1 + (2 + config.guests) * (2 + 2 * bitWords));
  }

  constructor(region: SharedRegion, readonly config: ImsicConfig, private readonly signals: HartSignals) {
    if (config.ids < 63 || config.ids > 2047 || (config.ids + 1) % 64 !== 0) throw new Error(`IMSIC: riscv,num-ids ${config.ids} is not 63..2047 and one less than a multiple of 64`);
    if (config.guests < 0 || config.guests > 63) throw new Error(`IMSIC: ${config.guests} guest files per hart, at most 63`);
    this.harts = config.harts;
    this.ids = config.ids;
    this.guests = config.guests;
    this.filesPerHart = 2 + config.guests;
    this.groupBytes = PAGE << imsicGuestBits(config.guests);
    this.bitWords = Math.ceil((config.ids + 1) / 32);
    this.fileWords = 2 + 2 * this.bitWords;
    const total = RiscvImsic.stateBytes(config) / 4;
    if (region.byteLength < total * 4) throw new Error('IMSIC region too small');
    this.words = new Uint32Array(region.buffer, region.byteOffset, total);
    this.trace = irqTraceOf(region.buffer);
    const registers = (what: string, count: number, stride: number): RegisterDef[] => [
      { name: 'seteipnum_le', offset: 0, width: 4, access: 'wo', reset: 0, count, stride, description: `Write an interrupt identity to make it pending in ${what}` },
      { name: 'seteipnum_be', offset: 4, width: 4, access: 'wo', reset: 0, count, stride, description: 'Big-endian form (ignored here)' },
    ];
    const machineRegisters = registers("hart i's M-level file", config.harts, PAGE);
    const supervisorRegisters = registers(`hart i's S file (page 0 of its group) or guest file g (page g)`, config.harts * (this.groupBytes / PAGE), PAGE);
    this.machineWindow = this.window(machineRegisters, (offset) => {
      const hart = Math.floor(offset / PAGE);
      return hart < this.harts ? this.fileIndex(hart, 0) : -1;
    });
    this.supervisorWindow = this.window(supervisorRegisters, (offset) => {
      const hart = Math.floor(offset / this.groupBytes);
      const page = Math.floor((offset % this.groupBytes) / PAGE);
      return hart < this.harts && page <= this.guests ? this.fileIndex(hart, 1 + page) : -1;
    });
  }

  private window(registers: RegisterDef[], fileAt: (offset: number) => number): MmioDevice {
    return {
      kind: this.kind,
      registers,
      read: () => 0,
      write: (offset, size, value) => {
        if (size !== 4 || offset % PAGE !== 0) return;
        const file = fileAt(offset);
        if (file >= 0) this.setPendingId(file, value >>> 0);
      },
      reset: () => this.reset(),
      peek: () => ({}),
    };
  }

  private fileIndex(hart: number, file: number): number {
    return hart * this.filesPerHart + file;
  }

  private base(file: number): number {
    return this.harts + file * this.fileWords;
  }

  /** The file a hart's CSRs reach at `level`: M, or S unless the hypervisor selected a guest file. */
  fileOf(hart: number, level: ImsicLevel): number {
    if (level === 'M') return this.fileIndex(hart, 0);
    const vgein = Atomics.load(this.words, hart);
    return this.fileIndex(hart, vgein === 0 ? 1 : 1 + vgein);
  }

  /** hstatus.VGEIN as the hypervisor sets it on `hart`: 0 = the S file, g = guest file g. */
  selectGuestFile(hart: number, vgein: number): void {
    if (hart < 0 || hart >= this.harts || vgein < 0 || vgein > this.guests) throw new Error(`IMSIC: hart ${hart} has no guest file ${vgein}`);
    const before = this.fileOf(hart, 'S');
    Atomics.store(this.words, hart, vgein);
    this.update(before);
    this.update(this.fileOf(hart, 'S'));
  }

  /** Physical address of a file's page: `file` 0 = M, 1 = S, 1 + g = guest g. */
  fileAddress(hart: number, file: number): number {
    return file === 0 ? this.config.machineBase + hart * PAGE : this.config.supervisorBase + hart * this.groupBytes + (file - 1) * PAGE;
  }

  deliver(requester: MsiRequester, address: number, data: number): MsiRefusal | undefined {
    const file = this.fileAtAddress(address);
    if (file < 0) return { refused: `${requester.device}: MSI to 0x${address.toString(16)}, which is no IMSIC interrupt file's seteipnum_le` };
    const id = data >>> 0;
    if (id === 0 || id > this.ids) return { refused: `${requester.device}: MSI identity ${id} at 0x${address.toString(16)} is outside 1..${this.ids}` };
    this.setPendingId(file, id);
    return undefined;
  }

  private fileAtAddress(address: number): number {
    if (address % PAGE !== 0) return -1;
    const m = address - this.config.machineBase;
    if (m >= 0 && m < this.harts * PAGE) return this.fileIndex(m / PAGE, 0);
    const s = address - this.config.supervisorBase;
    if (s < 0 || s >= this.harts * this.groupBytes) return -1;
    const hart = Math.floor(s / this.groupBytes);
    const page = (s % this.groupBytes) / PAGE;
    return page <= this.guests ? this.fileIndex(hart, 1 + page) : -1;
  }

  private setPendingId(file: number, id: number): void {
    if (id === 0 || id > this.ids) return;
    const eip = this.base(file) + 2;
    const word = eip + (id >>> 5);
    const bit = 1 << (id & 31);
    if ((Atomics.or(this.words, word, bit) & bit) === 0 && this.trace?.on) {
      this.trace.record(IrqEventKind.vpending, id, -1, Math.floor(file / this.filesPerHart), file % this.filesPerHart);
    }
    this.update(file);
  }

  /** The best pending-and-enabled identity under the threshold, as *topei reads it: id << 16 | id, or 0. */
  topeiOf(file: number): number {
    const base = this.base(file);
    const threshold = this.words[base + 1]!;
    const limit = threshold === 0 ? this.ids : Math.min(this.ids, threshold - 1);
    for (let w = 0; w < this.bitWords; w++) {
      const bits = this.words[base + 2 + w]! & this.words[base + 2 + this.bitWords + w]!;
      if (bits === 0) continue;
      const id = w * 32 + (31 - Math.clz32(bits & -bits));
      return id !== 0 && id <= limit ? (id << 16) | id : 0;
    }
    return 0;
  }

  topei(hart: number, level: ImsicLevel): number {
    return this.topeiOf(this.fileOf(hart, level));
  }

  /** A write to *topei: claims the identity `topei` reported (clears its pending bit). */
  claim(hart: number, level: ImsicLevel, topei: number): void {
    const id = (topei >>> 16) & 0x7ff;
    if (id === 0 || id > this.ids) return;
    const file = this.fileOf(hart, level);
    Atomics.and(this.words, this.base(file) + 2 + (id >>> 5), ~(1 << (id & 31)));
    if (this.trace?.on) this.trace.record(IrqEventKind.vclaim, id, -1, hart, file % this.filesPerHart);
    this.update(file);
  }

  /** *ireg read of register `select` (an *iselect value); undefined where the file has no such register. */
  indirectRead(hart: number, level: ImsicLevel, select: number): bigint | undefined {
    const base = this.base(this.fileOf(hart, level));
    if (select === ImsicSelect.eidelivery) return BigInt(this.words[base]!);
    if (select === ImsicSelect.eithreshold) return BigInt(this.words[base + 1]!);
    const at = this.arrayAt(select);
    if (at === undefined) return undefined;
    if (at.k >= this.bitWords) return 0n;
    const lo = BigInt(this.words[base + at.array + at.k]!);
    const hi = at.k + 1 < this.bitWords ? BigInt(this.words[base + at.array + at.k + 1]!) : 0n;
    return (hi << 32n) | lo;
  }

  indirectWrite(hart: number, level: ImsicLevel, select: number, value: bigint): boolean {
    const file = this.fileOf(hart, level);
    const base = this.base(file);
    if (select === ImsicSelect.eidelivery) {
      this.words[base] = Number(value & 1n);
    } else if (select === ImsicSelect.eithreshold) {
      // WARL: as many bits as the largest identity needs.
      this.words[base + 1] = Number(value & BigInt((1 << (32 - Math.clz32(this.ids))) - 1));
    } else {
      const at = this.arrayAt(select);
      if (at === undefined) return false;
      if (at.k < this.bitWords) {
        // Identity 0 does not exist: bit 0 of eip0 and eie0 is read-only zero.
        const word = base + at.array + at.k;
        Atomics.store(this.words, word, Number(value & 0xffffffffn) & (at.k === 0 ? 0xfffffffe : 0xffffffff));
        if (at.k + 1 < this.bitWords) Atomics.store(this.words, word + 1, Number((value >> 32n) & 0xffffffffn));
      }
    }
    this.update(file);
    return true;
  }

  /** Where eipK / eieK (even K on RV64) are in a file: the array's first word and the 32-bit word K; undefined if no such register. */
  private arrayAt(select: number): { array: number; k: number } | undefined {
    if (select >= ImsicSelect.eip0 && select <= ImsicSelect.eip63 && (select - ImsicSelect.eip0) % 2 === 0) return { array: 2, k: select - ImsicSelect.eip0 };
    if (select >= ImsicSelect.eie0 && select <= ImsicSelect.eie63 && (select - ImsicSelect.eie0) % 2 === 0) return { array: 2 + this.bitWords, k: select - ImsicSelect.eie0 };
    return undefined;
  }

  /** Drives the CPU input a file is wired to: MEIP for M files, SEIP for the hart's S-level file. */
  private update(file: number): void {
    const hart = Math.floor(file / this.filesPerHart);
    const index = file % this.filesPerHart;
    let mask = 0;
    if (index === 0) mask = MIP_MEIP_IMSIC;
    else if (file === this.fileOf(hart, 'S')) mask = MIP_SEIP_IMSIC;
    if (mask === 0) return;
    const level = this.words[this.base(file)] === 1 && this.topeiOf(file) !== 0;
    this.signals.setPending(hart, mask, level);
  }

  reset(): void {
    this.words.fill(0);
    for (let hart = 0; hart < this.harts; hart++) this.signals.setPending(hart, MIP_MEIP_IMSIC | MIP_SEIP_IMSIC, false);
  }

  fileName(index: number): string {
    return index === 0 ? 'M' : index === 1 ? 'S' : `guest ${index - 1}`;
  }

  files(): ImsicFileState[] {
    const out: ImsicFileState[] = [];
    for (let hart = 0; hart < this.harts; hart++) {
      for (let index = 0; index < this.filesPerHart; index++) {
        const file = this.fileIndex(hart, index);
        const base = this.base(file);
        const pending: number[] = [];
        const enabled: number[] = [];
        for (let id = 1; id <= this.ids; id++) {
          const bit = 1 << (id & 31);
          if (this.words[base + 2 + (id >>> 5)]! & bit) pending.push(id);
          if (this.words[base + 2 + this.bitWords + (id >>> 5)]! & bit) enabled.push(id);
        }
        out.push({ hart, file: this.fileName(index), eidelivery: this.words[base]!, eithreshold: this.words[base + 1]!, pending, enabled, topei: this.topeiOf(file) >>> 16 });
      }
    }
    return out;
  }

  /** The interrupt files as the inspector's table (the APLIC adds it to its own state). */
  filesTable(): NonNullable<ControllerInspectData['extra']>[number] {
    return {
      key: 'imsic-files',
      title: 'IMSIC interrupt files',
      columns: [
        Column.number('hart', 'Hart'), Column.text('file', 'File'), Column.text('address', 'Address'), Column.number('eidelivery', 'eidelivery'),
        Column.number('eithreshold', 'eithreshold'), Column.text('pending', 'Pending identities'), Column.text('enabled', 'Enabled identities'),
        Column.number('topei', 'topei', 'The identity a claim through *topei would take now'),
      ],
      rows: this.files().map((f, i) => ({
        key: `${f.hart}.${f.file}`,
        cells: {
          hart: f.hart, file: f.file, address: hex(this.fileAddress(f.hart, i % this.filesPerHart)), eidelivery: f.eidelivery,
          eithreshold: f.eithreshold, pending: listCell(f.pending), enabled: listCell(f.enabled), topei: f.topei || null,
        },
        busy: f.topei !== 0,
      })),
    };
  }
}
