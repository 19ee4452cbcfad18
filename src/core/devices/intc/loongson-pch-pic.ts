/**
 * Loongson 7A2000 platform-controller-hub interrupt controller (PCH-PIC, "loongson,pch-pic-1.0"): 64
 * inputs from the bridge's devices, each turned into a HyperTransport message that raises one EIOINTC
 * vector (its HTMSI_VEC byte). Registers, 64 bits each as two words (low first): ID 0x00 (0x0700_0000;
 * the high word gives the input count - 1 in bits 23..16 and version 1), MASK 0x20 (1 = masked, all masked
 * at reset), HTMSI_EN 0x40 (1 = the input sends its message), EDGE 0x60 (1 = edge), CLEAR 0x80 (write 1:
 * forget a latched edge), AUTO_CTRL0/1 0xc0/0xe0 (stored), ROUTE_ENTRY 0x100 (a byte per input, stored),
 * HTMSI_VEC 0x200 (a byte per input), INT_IRR 0x380 (requests), INT_ISR 0x3a0 (requests unmasked), POL
 * 0x3e0 (1 = active low).
 *
 * A level input requests while its (polarity-corrected) line is high; an edge input latches on the rising
 * edge until CLEAR. A vector is held high at the EIOINTC while any unmasked, HTMSI-enabled request maps to
 * it, so masking, clearing or re-vectoring an input lowers what it raised.
 *
 * Left out: the legacy route (ROUTE_ENTRY to the LIOINTC's HT lines when HTMSI_EN is clear: such an input
 * goes nowhere here) and auto-bounce.
 */
import type { IrqSink, MmioDevice, RegisterDef, SharedRegion } from '../../bus/types';
import type { ControllerInspectData } from '../../../shared/protocol/inspect';
import { Column, registerMap, registerValue, type ControllerInspectContext } from './inspect-table';

export const PCH_PIC_INPUTS = 64;

export const PchPicReg = {
  ID: 0x00, MASK: 0x20, HTMSI_EN: 0x40, EDGE: 0x60, CLEAR: 0x80, AUTO_CTRL0: 0xc0, AUTO_CTRL1: 0xe0,
  ROUTE_ENTRY: 0x100, HTMSI_VEC: 0x200, INT_IRR: 0x380, INT_ISR: 0x3a0, POL: 0x3e0,
} as const;
export const PCH_PIC_SIZE = 0x400;

const ID_LOW = 0x0700_0000;
const ID_HIGH = ((PCH_PIC_INPUTS - 1) << 16) | 1;

// Shared words, two per 64-bit register: raw line levels, unmask (so that all-zero state = all masked),
// htmsiEn, edge, irr, auto0, auto1, pol, then route and vector bytes.
const W = { raw: 0, unmask: 2, htmsiEn: 4, edge: 6, irr: 8, auto0: 10, auto1: 12, pol: 14, route: 16, vec: 32 } as const;
const WORDS = 48;

const pair = (name: string, offset: number, access: RegisterDef['access'], description: string, reset = 0): RegisterDef => ({
  name, offset, width: 4, access, reset, count: 2, stride: 4, description,
});

export const PCH_PIC_REGISTERS: readonly RegisterDef[] = [
  { name: 'ID', offset: PchPicReg.ID, width: 4, access: 'ro', reset: ID_LOW, count: 2, stride: 4, description: 'Identity; high word bits 23..16: inputs - 1' },
  pair('MASK', PchPicReg.MASK, 'rw', 'Inputs masked (1)', 0xffff_ffff),
  pair('HTMSI_EN', PchPicReg.HTMSI_EN, 'rw', 'Inputs sending their HT message to the EIOINTC'),
  pair('EDGE', PchPicReg.EDGE, 'rw', 'Edge-triggered inputs (1) or level (0)'),
  pair('CLEAR', PchPicReg.CLEAR, 'wo', 'Forgets the latched edges written as 1'),
  pair('AUTO_CTRL0', PchPicReg.AUTO_CTRL0, 'rw', 'Auto-bounce (stored only)'),
  pair('AUTO_CTRL1', PchPicReg.AUTO_CTRL1, 'rw', 'Auto-bounce (stored only)'),
  { name: 'ROUTE_ENTRY', offset: PchPicReg.ROUTE_ENTRY, width: 1, access: 'rw', reset: 0, count: 64, stride: 1, description: 'Legacy route of input i (stored only)' },
  { name: 'HTMSI_VEC', offset: PchPicReg.HTMSI_VEC, width: 1, access: 'rw', reset: 0, count: 64, stride: 1, description: 'EIOINTC vector input i raises' },
  pair('INT_IRR', PchPicReg.INT_IRR, 'ro', 'Requests (level high or edge latched)'),
  pair('INT_ISR', PchPicReg.INT_ISR, 'ro', 'Requests not masked'),
  pair('POL', PchPicReg.POL, 'rw', 'Active-low inputs (1)'),
];

type Area = { word: number; bytes: number; kind: 'bits' | 'bytes' };
const AREAS = new Map<number, Area & { start: number }>();
for (const [start, word, bytes, kind] of [
  [PchPicReg.MASK, W.unmask, 8, 'bits'], [PchPicReg.HTMSI_EN, W.htmsiEn, 8, 'bits'], [PchPicReg.EDGE, W.edge, 8, 'bits'],
  [PchPicReg.CLEAR, -1, 8, 'bits'], [PchPicReg.AUTO_CTRL0, W.auto0, 8, 'bits'], [PchPicReg.AUTO_CTRL1, W.auto1, 8, 'bits'],
  [PchPicReg.ROUTE_ENTRY, W.route, 64, 'bytes'], [PchPicReg.HTMSI_VEC, W.vec, 64, 'bytes'],
  [PchPicReg.INT_IRR, W.irr, 8, 'bits'], [PchPicReg.INT_ISR, -1, 8, 'bits'], [PchPicReg.POL, W.pol, 8, 'bits'], [PchPicReg.ID, -1, 8, 'bits'],
] as const) AREAS.set(start, { start, word, bytes, kind });

export class LoongsonPchPic implements MmioDevice, IrqSink {
  readonly kind = 'loongson-pch-pic';
  readonly registers = PCH_PIC_REGISTERS;
  private readonly words: Int32Array;
  private readonly vectors: Uint8Array;

  static stateBytes(): number {
    return WORDS * 4;
  }

  /** `eiointc`: where the HT messages go (its setLevel takes a vector). */
  constructor(region: SharedRegion, private readonly eiointc: IrqSink) {
    this.words = new Int32Array(region.buffer, region.byteOffset, WORDS);
    this.vectors = new Uint8Array(region.buffer, region.byteOffset + W.vec * 4, PCH_PIC_INPUTS);
  }

  private bit(word: number, i: number): boolean {
    return ((Atomics.load(this.words, word + (i >> 5)) >>> (i & 31)) & 1) === 1;
  }

  private setBit(word: number, i: number, on: boolean): void {
    if (on) Atomics.or(this.words, word + (i >> 5), 1 << (i & 31));
    else Atomics.and(this.words, word + (i >> 5), ~(1 << (i & 31)));
  }

  /** An input line's level as its device drives it. */
  setLevel(line: number, level: boolean): void {
    if (!Number.isInteger(line) || line < 0 || line >= PCH_PIC_INPUTS) return;
    const wasActive = this.bit(W.raw, line) !== this.bit(W.pol, line);
    this.setBit(W.raw, line, level);
    this.request(line, wasActive);
    this.send(this.vectors[line]!);
  }

  /** Recomputes input i's request from its line; `wasActive`: the corrected line before the change. */
  private request(i: number, wasActive: boolean): void {
    const active = this.bit(W.raw, i) !== this.bit(W.pol, i);
    if (!this.bit(W.edge, i)) this.setBit(W.irr, i, active);
    else if (active && !wasActive) this.setBit(W.irr, i, true);
  }

  private delivering(i: number): boolean {
    return this.bit(W.irr, i) && this.bit(W.unmask, i) && this.bit(W.htmsiEn, i);
  }

  /** Holds vector v at the EIOINTC while any delivering input maps to it. */
  private send(v: number): void {
    let level = false;
    for (let i = 0; i < PCH_PIC_INPUTS && !level; i++) level = this.vectors[i] === v && this.delivering(i);
    this.eiointc.setLevel(v, level);
  }

  private sendAll(): void {
    const seen = new Set<number>();
    for (let i = 0; i < PCH_PIC_INPUTS; i++) seen.add(this.vectors[i]!);
    for (const v of seen) this.send(v);
  }

  private areaOf(offset: number, size: number): (Area & { start: number }) | undefined {
    for (const a of AREAS.values()) if (offset >= a.start && offset + size <= a.start + a.bytes) return a;
    return undefined;
  }

  private byte(word: number, offset: number): number {
    return (Atomics.load(this.words, word + (offset >> 2)) >>> (8 * (offset & 3))) & 0xff;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const a = this.areaOf(offset, size);
    if (!a) return 0;
    const at = offset - a.start;
    let v = 0;
    for (let i = 0; i < size; i++) {
      const o = at + i;
      let b: number;
      switch (a.start) {
        case PchPicReg.ID: b = (((o < 4 ? ID_LOW : ID_HIGH) >>> (8 * (o & 3))) & 0xff); break;
        case PchPicReg.CLEAR: b = 0; break;
        case PchPicReg.MASK: b = ~this.byte(W.unmask, o) & 0xff; break;
        case PchPicReg.INT_ISR: b = this.byte(W.irr, o) & this.byte(W.unmask, o); break;
        default: b = this.byte(a.word, o);
      }
      v |= b << (8 * i);
    }
    return v >>> 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const a = this.areaOf(offset, size);
    if (!a || a.start === PchPicReg.ID || a.start === PchPicReg.INT_IRR || a.start === PchPicReg.INT_ISR) return;
    const at = offset - a.start;
    const touched = new Set<number>();
    for (let i = 0; i < size; i++) {
      const o = at + i;
      const b = (value >>> (8 * i)) & 0xff;
      if (a.start === PchPicReg.HTMSI_VEC) {
        touched.add(this.vectors[o]!);
        this.vectors[o] = b;
        touched.add(b);
        continue;
      }
      if (a.kind === 'bytes') {
        this.storeByte(a.word, o, b);
        continue;
      }
      for (let j = 0; j < 8; j++) {
        const input = 8 * o + j;
        const one = ((b >> j) & 1) === 1;
        const wasActive = this.bit(W.raw, input) !== this.bit(W.pol, input);
        switch (a.start) {
          case PchPicReg.CLEAR:
            if (one && this.bit(W.edge, input)) this.setBit(W.irr, input, false);
            break;
          case PchPicReg.MASK:
            this.setBit(W.unmask, input, !one);
            break;
          case PchPicReg.EDGE:
            this.setBit(W.edge, input, one);
            this.setBit(W.irr, input, !one && wasActive);
            break;
          case PchPicReg.POL:
            this.setBit(W.pol, input, one);
            this.request(input, wasActive);
            break;
          default:
            this.setBit(a.word, input, one);
        }
        touched.add(this.vectors[input]!);
      }
    }
    for (const v of touched) this.send(v);
  }

  private storeByte(word: number, offset: number, b: number): void {
    const index = word + (offset >> 2);
    const shift = 8 * (offset & 3);
    for (;;) {
      const old = Atomics.load(this.words, index);
      if (Atomics.compareExchange(this.words, index, old, (old & ~(0xff << shift)) | (b << shift)) === old) return;
    }
  }

  reset(): void {
    // The lines' levels belong to the devices; everything else to 0 (all masked, level, HTMSI off).
    const vectors = new Set<number>(this.vectors);
    for (let i = W.unmask; i < WORDS; i++) Atomics.store(this.words, i, 0);
    for (const v of vectors) this.eiointc.setLevel(v, false);
    this.sendAll();
  }

  /** The inspector's table of inputs from the shared state, without side effects. */
  inspectState(context: ControllerInspectContext = {}): ControllerInspectData {
    const columns = [
      Column.number('input', 'Input'), Column.level, Column.enabled, Column.pending, Column.text('trigger', 'Trigger'),
      Column.number('vector', 'Vector', 'HTMSI_VEC: the EIOINTC vector it raises'), Column.text('ht', 'HT message', 'HTMSI_EN'),
    ];
    if (context.ownerOf) columns.push(Column.owner);
    const rows = Array.from({ length: PCH_PIC_INPUTS }, (_, i) => {
      const level = this.bit(W.raw, i);
      const enabled = this.bit(W.unmask, i);
      const pending = this.bit(W.irr, i);
      const owner = context.ownerOf?.(i) ?? null;
      return {
        key: String(i),
        cells: {
          input: i, level, enabled, pending,
          trigger: `${this.bit(W.edge, i) ? 'edge' : 'level'}${this.bit(W.pol, i) ? ', active low' : ''}`,
          vector: this.vectors[i]!, ht: this.bit(W.htmsiEn, i) ? 'on' : 'off',
          ...(context.ownerOf ? { owner } : {}),
        },
        owner,
        busy: pending && enabled,
        used: level || enabled || pending || owner !== null,
      };
    });
    const id = PCH_PIC_REGISTERS[0]!;
    return {
      name: 'PCH-PIC',
      kind: this.kind,
      lineNoun: 'inputs',
      lines: { key: 'lines', title: 'Inputs', columns, rows },
      registers: [registerValue({ ...id, name: 'ID_LO' }, ID_LOW), registerValue({ ...id, name: 'ID_HI' }, ID_HIGH)],
      registerMap: registerMap(this.registers),
    };
  }

  peek(): Record<string, number> {
    return {
      MASK_LO: this.read(PchPicReg.MASK, 4), MASK_HI: this.read(PchPicReg.MASK + 4, 4),
      HTMSI_EN_LO: this.read(PchPicReg.HTMSI_EN, 4), HTMSI_EN_HI: this.read(PchPicReg.HTMSI_EN + 4, 4),
      EDGE_LO: this.read(PchPicReg.EDGE, 4), EDGE_HI: this.read(PchPicReg.EDGE + 4, 4),
      INT_IRR_LO: this.read(PchPicReg.INT_IRR, 4), INT_IRR_HI: this.read(PchPicReg.INT_IRR + 4, 4),
      INT_ISR_LO: this.read(PchPicReg.INT_ISR, 4), INT_ISR_HI: this.read(PchPicReg.INT_ISR + 4, 4),
      POL_LO: this.read(PchPicReg.POL, 4), POL_HI: this.read(PchPicReg.POL + 4, 4),
    };
  }
}
