/**
 * Loongson extended I/O interrupt controller (EIOINTC, "EXTIOI" in the 3A5000 manual), as one 3A5000
 * node has it: 256 vectors reached through IOCSR, not memory. Offsets here are IOCSR addresses:
 * - MISC_FUNC 0x420, bit 48 EXT_IOI_EN: the extended path is off until the guest sets it (Linux's
 *   eiointc_router_init does); while off no vector reaches a CPU;
 * - NODETYPE 0x14a0 (16 halfwords), stored only: one node;
 * - IPMAP 0x14c0 (8 bytes): byte g routes vectors 32g..32g+31 to the CPU pin of its lowest set bit 0..3
 *   (INT0..INT3, the board's `cpuInputs`: HWI0..HWI3); no bit set means INT0;
 * - ENABLE 0x1600 and BOUNCE 0x1680 (256 bits each; BOUNCE is stored, its round robin is left out);
 * - ISR 0x1700 (256 bits, read only): the vectors' input levels;
 * - COREISR 0x1800 (256 bits): the vectors latched for the accessing core; writing 1 acknowledges;
 * - COREMAP 0x1c00 (256 bytes): vector v goes to the core of the lowest set bit of bits 3..0 (none: core
 *   0), bits 7..4 the node (one node here).
 * A vector is latched into the routed core's COREISR when its input is high and it is enabled (the route
 * at that moment counts, as on the chip), and leaves every COREISR when its input falls; an acknowledged
 * vector whose input is still high is latched again, so a level source is not lost. A core's INTn pin is
 * high while any latched vector of a group IPMAP sends to n is. `pulse` is a message-signalled vector
 * (PCH-MSI): latched once, nothing held high.
 *
 * Left out: the interrupt and CPU encoding modes (8 pins, 16-bit core numbers), bounce, more than one
 * node, the per-core COREISR aliases at 0x1900.. (Linux and QEMU read the accessing core's at 0x1800),
 * and the virtualisation extension page. An access to an address the block does not have is not answered
 * (the CPU reports it).
 */
import type { HartSignals, IrqSink, RegisterDef, SharedRegion } from '../../bus/types';
import type { ControllerInspectData } from '../../../shared/protocol/inspect';
import { Column, listCell, registerMap, registerValue, type ControllerInspectContext } from './inspect-table';

export const EIOINTC_VECTORS = 256;
export const EIOINTC_PINS = 4;
/** The per-core maximum of one node. */
export const EIOINTC_CORES = 4;

export const EiointcReg = {
  MISC_FUNC: 0x420, NODETYPE: 0x14a0, IPMAP: 0x14c0, ENABLE: 0x1600, BOUNCE: 0x1680, ISR: 0x1700, COREISR: 0x1800, COREMAP: 0x1c00,
} as const;
/** MISC_FUNC bit 48: the extended I/O interrupts are enabled. */
export const EXT_IOI_EN = 1n << 48n;

// Shared words: misc (2), nodetype (8), ipmap (2), enable, bounce, raw (8 each), coreisr (8 per core), coremap (64).
const W = { misc: 0, nodetype: 2, ipmap: 10, enable: 12, bounce: 20, raw: 28, coreisr: 36 } as const;
const COREMAP_WORD = W.coreisr + 8 * EIOINTC_CORES;
const WORDS = COREMAP_WORD + EIOINTC_VECTORS / 4;

export const EIOINTC_REGISTERS: readonly RegisterDef[] = [
  { name: 'MISC_FUNC', offset: EiointcReg.MISC_FUNC, width: 8, access: 'rw', reset: 0, description: 'Miscellaneous functions; EXT_IOI_EN turns the extended I/O interrupts on', fields: [{ name: 'EXT_IOI_EN', lsb: 48, width: 1 }] },
  { name: 'NODETYPE', offset: EiointcReg.NODETYPE, width: 2, access: 'rw', reset: 0, count: 16, stride: 2, description: 'Nodes of node type i (stored; one node)' },
  { name: 'IPMAP', offset: EiointcReg.IPMAP, width: 1, access: 'rw', reset: 0, count: 8, stride: 1, description: 'CPU pin of vectors 32i..32i+31 (lowest set bit)', fields: [{ name: 'INT', lsb: 0, width: 4 }] },
  { name: 'ENABLE', offset: EiointcReg.ENABLE, width: 4, access: 'rw', reset: 0, count: 8, stride: 4, description: 'Vectors 32i..32i+31 enabled' },
  { name: 'BOUNCE', offset: EiointcReg.BOUNCE, width: 4, access: 'rw', reset: 0, count: 8, stride: 4, description: 'Round-robin among the mapped cores (stored only)' },
  { name: 'ISR', offset: EiointcReg.ISR, width: 4, access: 'ro', reset: 0, count: 8, stride: 4, description: 'Input levels of vectors 32i..32i+31' },
  { name: 'COREISR', offset: EiointcReg.COREISR, width: 4, access: 'w1c', reset: 0, count: 8, stride: 4, description: 'Vectors latched for the accessing core; 1 acknowledges' },
  { name: 'COREMAP', offset: EiointcReg.COREMAP, width: 1, access: 'rw', reset: 0, count: 256, stride: 1, description: 'Route of vector i', fields: [{ name: 'CORES', lsb: 0, width: 4 }, { name: 'NODE', lsb: 4, width: 4 }] },
];

type Area = 'misc' | 'nodetype' | 'ipmap' | 'enable' | 'bounce' | 'isr' | 'coreisr' | 'coremap';
const AREAS: readonly { area: Area; start: number; bytes: number }[] = [
  { area: 'misc', start: EiointcReg.MISC_FUNC, bytes: 8 },
  { area: 'nodetype', start: EiointcReg.NODETYPE, bytes: 32 },
  { area: 'ipmap', start: EiointcReg.IPMAP, bytes: 8 },
  { area: 'enable', start: EiointcReg.ENABLE, bytes: 32 },
  { area: 'bounce', start: EiointcReg.BOUNCE, bytes: 32 },
  { area: 'isr', start: EiointcReg.ISR, bytes: 32 },
  { area: 'coreisr', start: EiointcReg.COREISR, bytes: 32 },
  { area: 'coremap', start: EiointcReg.COREMAP, bytes: 256 },
];

const lowestBit = (v: number): number => 31 - Math.clz32(v & -v);

export class LoongsonEiointc implements IrqSink {
  readonly kind = 'loongson-eiointc';
  readonly registers = EIOINTC_REGISTERS;
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly cores: number;

  static stateBytes(): number {
    return WORDS * 4;
  }

  /** `pins`: the CPU pending-word mask each of INT0..INT3 drives (the board's cpuInputs). */
  constructor(
    region: SharedRegion,
    cores: number,
    private readonly pins: readonly number[],
    private readonly signals: HartSignals,
  ) {
    this.words = new Int32Array(region.buffer, region.byteOffset, WORDS);
    this.bytes = new Uint8Array(region.buffer, region.byteOffset, WORDS * 4);
    this.cores = Math.min(cores, EIOINTC_CORES);
  }

  /** Whether IOCSR `address` (of an access of `size` bytes) is this controller's. */
  static claims(address: number, size: number): boolean {
    return AREAS.some((a) => address >= a.start && address + size <= a.start + a.bytes);
  }

  private bit(word: number, v: number): boolean {
    return ((Atomics.load(this.words, word + (v >> 5)) >>> (v & 31)) & 1) === 1;
  }

  private setBit(word: number, v: number, on: boolean): void {
    if (on) Atomics.or(this.words, word + (v >> 5), 1 << (v & 31));
    else Atomics.and(this.words, word + (v >> 5), ~(1 << (v & 31)));
  }

  private enabledPath(): boolean {
    return (Atomics.load(this.words, W.misc + 1) & (1 << 16)) !== 0;
  }

  /** The core vector `v` is routed to now, or undefined when that core does not exist. */
  routeOf(v: number): number | undefined {
    const cores = this.bytes[COREMAP_WORD * 4 + v]! & 0xf;
    const core = cores === 0 ? 0 : lowestBit(cores);
    return core < this.cores ? core : undefined;
  }

  /** The pin (0..3) vectors of group `g` (32g..32g+31) raise. */
  pinOf(g: number): number {
    const ip = this.bytes[W.ipmap * 4 + g]! & 0xf;
    return ip === 0 ? 0 : lowestBit(ip);
  }

  /** A vector's input level (PCH-PIC's HT message for a level or latched edge input). */
  setLevel(vector: number, level: boolean): void {
    if (!Number.isInteger(vector) || vector < 0 || vector >= EIOINTC_VECTORS) return;
    this.setBit(W.raw, vector, level);
    this.latch(vector);
    this.updatePins();
  }

  /** A message-signalled vector: latched on its core if enabled, no input held high. */
  pulse(vector: number): void {
    if (!Number.isInteger(vector) || vector < 0 || vector >= EIOINTC_VECTORS) return;
    if (this.bit(W.enable, vector)) this.latchOn(vector);
    this.updatePins();
  }

  private latchOn(v: number): void {
    for (let c = 0; c < this.cores; c++) if (this.bit(W.coreisr + 8 * c, v)) return;
    const core = this.routeOf(v);
    if (core !== undefined) this.setBit(W.coreisr + 8 * core, v, true);
  }

  /** Brings vector v's latches in line with its input and enable. */
  private latch(v: number): void {
    if (this.bit(W.raw, v) && this.bit(W.enable, v)) this.latchOn(v);
    else if (!this.bit(W.raw, v)) for (let c = 0; c < this.cores; c++) this.setBit(W.coreisr + 8 * c, v, false);
  }

  private updatePins(): void {
    const on = this.enabledPath();
    for (let core = 0; core < this.cores; core++) {
      const levels = [false, false, false, false];
      if (on) for (let g = 0; g < 8; g++) if (Atomics.load(this.words, W.coreisr + 8 * core + g) !== 0) levels[this.pinOf(g)] = true;
      for (let pin = 0; pin < Math.min(EIOINTC_PINS, this.pins.length); pin++) this.signals.setPending(core, this.pins[pin]!, levels[pin]!);
    }
  }

  private areaOf(address: number, size: number): { area: Area; offset: number } | undefined {
    const a = AREAS.find((x) => address >= x.start && address + size <= x.start + x.bytes);
    return a ? { area: a.area, offset: address - a.start } : undefined;
  }

  private wordOf(area: Area, cpu: number): number {
    switch (area) {
      case 'misc': return W.misc;
      case 'nodetype': return W.nodetype;
      case 'ipmap': return W.ipmap;
      case 'enable': return W.enable;
      case 'bounce': return W.bounce;
      case 'isr': return W.raw;
      case 'coreisr': return W.coreisr + 8 * cpu;
      case 'coremap': return COREMAP_WORD;
    }
  }

  private readByte(word: number, offset: number): number {
    return (Atomics.load(this.words, word + (offset >> 2)) >>> (8 * (offset & 3))) & 0xff;
  }

  /** An IOCSR read by CPU `cpu`; undefined when the address is not this controller's. */
  read(cpu: number, address: number, size: 1 | 2 | 4 | 8): bigint | undefined {
    const at = this.areaOf(address, size);
    if (!at) return undefined;
    if (at.area === 'coreisr' && (cpu < 0 || cpu >= this.cores)) return 0n;
    return this.readPlain(at, Math.max(0, cpu), size);
  }

  private readPlain(at: { area: Area; offset: number }, cpu: number, size: number): bigint {
    const word = this.wordOf(at.area, cpu);
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.readByte(word, at.offset + i));
    return v;
  }

  /** An IOCSR write by CPU `cpu`; false when the address is not this controller's. */
  write(cpu: number, address: number, size: 1 | 2 | 4 | 8, value: bigint): boolean {
    const at = this.areaOf(address, size);
    if (!at) return false;
    const byteAt = (i: number): number => Number((value >> BigInt(8 * i)) & 0xffn);
    const word = this.wordOf(at.area, Math.max(0, cpu));
    for (let i = 0; i < size; i++) {
      const offset = at.offset + i;
      const b = byteAt(i);
      const index = word + (offset >> 2);
      const shift = 8 * (offset & 3);
      switch (at.area) {
        case 'isr':
          break; // read only
        case 'coreisr': {
          if (cpu < 0 || cpu >= this.cores) break;
          Atomics.and(this.words, index, ~(b << shift));
          for (let j = 0; j < 8; j++) if ((b >> j) & 1) this.latch(8 * offset + j);
          break;
        }
        case 'enable': {
          const old = this.readByte(word, offset);
          this.storeByte(index, shift, b);
          for (let j = 0; j < 8; j++) if (((old ^ b) >> j) & 1) this.latch(8 * offset + j);
          break;
        }
        default:
          this.storeByte(index, shift, b);
      }
    }
    this.updatePins();
    return true;
  }

  private storeByte(index: number, shift: number, b: number): void {
    for (;;) {
      const old = Atomics.load(this.words, index);
      if (Atomics.compareExchange(this.words, index, old, (old & ~(0xff << shift)) | (b << shift)) === old) return;
    }
  }

  reset(): void {
    // Input levels belong to the sources; everything the guest programs goes back to 0.
    for (let i = 0; i < WORDS; i++) if (i < W.raw || i >= W.raw + 8) Atomics.store(this.words, i, 0);
    this.updatePins();
  }

  /** The inspector's tables from the shared state, without side effects: vectors and cores. */
  inspectState(context: ControllerInspectContext = {}): ControllerInspectData {
    const columns = [Column.number('vector', 'Vector'), Column.level, Column.enabled, Column.pending, Column.number('core', 'Core', 'COREMAP: the core a new latch goes to'), Column.text('pin', 'Pin', 'IPMAP: the CPU pin of its group')];
    if (context.ownerOf) columns.push(Column.owner);
    const latched = (v: number): boolean => Array.from({ length: this.cores }, (_, c) => this.bit(W.coreisr + 8 * c, v)).some(Boolean);
    const rows = Array.from({ length: EIOINTC_VECTORS }, (_, v) => {
      const level = this.bit(W.raw, v);
      const enabled = this.bit(W.enable, v);
      const pending = latched(v);
      const owner = context.ownerOf?.(v) ?? null;
      return {
        key: String(v),
        cells: { vector: v, level, enabled, pending, core: this.routeOf(v) ?? null, pin: `INT${this.pinOf(v >> 5)}`, ...(context.ownerOf ? { owner } : {}) },
        owner,
        busy: pending,
        used: level || enabled || pending || owner !== null,
      };
    });
    const ipmapDef = EIOINTC_REGISTERS.find((r) => r.name === 'IPMAP')!;
    const misc = (BigInt(Atomics.load(this.words, W.misc + 1) >>> 0) << 32n) | BigInt(Atomics.load(this.words, W.misc) >>> 0);
    return {
      name: 'EIOINTC',
      kind: this.kind,
      lineNoun: 'vectors',
      lines: { key: 'lines', title: 'Vectors', columns, rows },
      targets: {
        key: 'targets',
        title: 'Cores',
        columns: [Column.number('core', 'Core'), Column.text('latched', 'COREISR', 'Vectors latched for the core'), Column.text('pins', 'Pins raised')],
        rows: Array.from({ length: this.cores }, (_, core) => {
          const vectors = rows.filter((r) => this.bit(W.coreisr + 8 * core, Number(r.key))).map((r) => Number(r.key));
          const pins = [...new Set(vectors.map((v) => this.pinOf(v >> 5)))].sort().map((p) => `INT${p}`);
          return { key: String(core), cells: { core, latched: listCell(vectors), pins: this.enabledPath() && pins.length > 0 ? pins.join(', ') : null }, busy: vectors.length > 0 };
        }),
      },
      registers: [
        registerValue(EIOINTC_REGISTERS[0]!, misc),
        ...Array.from({ length: 8 }, (_, g) => registerValue({ ...ipmapDef, name: `IPMAP${g}` }, this.bytes[W.ipmap * 4 + g]!)),
      ],
      registerMap: registerMap(this.registers),
    };
  }

  peek(): Record<string, number> {
    const out: Record<string, number> = {
      MISC_FUNC_HI: Atomics.load(this.words, W.misc + 1) >>> 0,
      IPMAP_LO: Atomics.load(this.words, W.ipmap) >>> 0,
      IPMAP_HI: Atomics.load(this.words, W.ipmap + 1) >>> 0,
    };
    for (let g = 0; g < 8; g++) {
      out[`ENABLE${g}`] = Atomics.load(this.words, W.enable + g) >>> 0;
      out[`ISR${g}`] = Atomics.load(this.words, W.raw + g) >>> 0;
      for (let c = 0; c < this.cores; c++) out[`CORE${c}_ISR${g}`] = Atomics.load(this.words, W.coreisr + 8 * c + g) >>> 0;
    }
    return out;
  }
}
