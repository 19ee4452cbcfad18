/**
 * Loongson legacy I/O interrupt controller (LIOINTC, "liointc-1.0" in Linux's bindings), as the 3A5000
 * has it at 0x1fe0_1400: 32 level inputs, each routed by its own byte (bits 3..0: the cores, bits 7..4:
 * the INT0..INT3 pins) to the cores' HWI0..HWI3 lines (the board's `cpuInputs` names them), an enable
 * mask set and cleared through IEN_SET/IEN_CLR, the raw-and-enabled status, and one status register per
 * core at 0x40 + 8 * core with the inputs routed to it.
 *
 * Left out: polarity and edge mode (POL/EDGE are stored, inputs are treated as active-high levels, which
 * is what the UART drives), and the per-core ISR's lower/upper split of the 2.0 variant.
 */
import type { HartSignals, IrqSink, MmioDevice, RegisterDef, SharedRegion } from '../../bus/types';

export const LIOINTC_INPUTS = 32;
const Word = { raw: 0, enable: 1, pol: 2, edge: 3, routes: 4 } as const;
const WORDS = 4 + LIOINTC_INPUTS / 4;
export const Reg = { ISR: 0x20, IEN: 0x24, IEN_SET: 0x28, IEN_CLR: 0x2c, POL: 0x30, EDGE: 0x34, CORE_ISR: 0x40 } as const;

export const LIOINTC_REGISTERS: readonly RegisterDef[] = [
  { name: 'ENTRY', offset: 0, width: 1, access: 'rw', reset: 0, count: 32, stride: 1, description: 'Route of input i', fields: [{ name: 'CORES', lsb: 0, width: 4 }, { name: 'PINS', lsb: 4, width: 4 }] },
  { name: 'ISR', offset: Reg.ISR, width: 4, access: 'ro', reset: 0, description: 'Inputs raised and enabled' },
  { name: 'IEN', offset: Reg.IEN, width: 4, access: 'ro', reset: 0, description: 'Enabled inputs' },
  { name: 'IEN_SET', offset: Reg.IEN_SET, width: 4, access: 'wo', reset: 0, description: 'Enables the inputs written as 1' },
  { name: 'IEN_CLR', offset: Reg.IEN_CLR, width: 4, access: 'wo', reset: 0, description: 'Disables the inputs written as 1' },
  { name: 'POL', offset: Reg.POL, width: 4, access: 'rw', reset: 0 },
  { name: 'EDGE', offset: Reg.EDGE, width: 4, access: 'rw', reset: 0 },
  { name: 'CORE_ISR', offset: Reg.CORE_ISR, width: 4, access: 'ro', reset: 0, count: 4, stride: 8, description: 'ISR of the inputs routed to core i' },
];

export class LoongsonLiointc implements MmioDevice, IrqSink {
  readonly kind = 'loongson-liointc';
  readonly registers = LIOINTC_REGISTERS;
  private readonly words: Int32Array;
  private readonly routes: Uint8Array;

  static stateBytes(): number {
    return WORDS * 4;
  }

  /** `pins`: the CPU pending-word mask each of INT0..INT3 drives (from the board's cpuInputs). */
  constructor(
    region: SharedRegion,
    private readonly cores: number,
    private readonly pins: readonly number[],
    private readonly signals: HartSignals,
  ) {
    this.words = new Int32Array(region.buffer, region.byteOffset, WORDS);
    this.routes = new Uint8Array(region.buffer, region.byteOffset + Word.routes * 4, LIOINTC_INPUTS);
  }

  setLevel(line: number, level: boolean): void {
    if (line < 0 || line >= LIOINTC_INPUTS) return;
    if (level) Atomics.or(this.words, Word.raw, 1 << line);
    else Atomics.and(this.words, Word.raw, ~(1 << line));
    this.update();
  }

  private status(): number {
    return Atomics.load(this.words, Word.raw) & Atomics.load(this.words, Word.enable);
  }

  private coreStatus(core: number): number {
    const status = this.status();
    let out = 0;
    for (let i = 0; i < LIOINTC_INPUTS; i++) if ((status >>> i) & 1 && (this.routes[i]! >> core) & 1) out |= 1 << i;
    return out;
  }

  private update(): void {
    const status = this.status();
    for (let core = 0; core < Math.min(this.cores, 4); core++) {
      for (let pin = 0; pin < this.pins.length; pin++) {
        let level = false;
        for (let i = 0; i < LIOINTC_INPUTS && !level; i++) {
          const route = this.routes[i]!;
          level = ((status >>> i) & 1) === 1 && ((route >> core) & 1) === 1 && ((route >> (4 + pin)) & 1) === 1;
        }
        this.signals.setPending(core, this.pins[pin]!, level);
      }
    }
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (offset < Reg.ISR) {
      let v = 0;
      for (let i = 0; i < size && offset + i < Reg.ISR; i++) v |= this.routes[offset + i]! << (8 * i);
      return v >>> 0;
    }
    if (size !== 4) return 0;
    switch (offset) {
      case Reg.ISR: return this.status() >>> 0;
      case Reg.IEN: return Atomics.load(this.words, Word.enable) >>> 0;
      case Reg.POL: return Atomics.load(this.words, Word.pol) >>> 0;
      case Reg.EDGE: return Atomics.load(this.words, Word.edge) >>> 0;
      default:
        if (offset >= Reg.CORE_ISR && offset < Reg.CORE_ISR + 32 && (offset & 7) === 0) return this.coreStatus((offset - Reg.CORE_ISR) >> 3) >>> 0;
        return 0;
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset < Reg.ISR) {
      for (let i = 0; i < size && offset + i < Reg.ISR; i++) this.routes[offset + i] = (value >>> (8 * i)) & 0xff;
      this.update();
      return;
    }
    if (size !== 4) return;
    switch (offset) {
      case Reg.IEN_SET: Atomics.or(this.words, Word.enable, value | 0); break;
      case Reg.IEN_CLR: Atomics.and(this.words, Word.enable, ~value); break;
      case Reg.POL: Atomics.store(this.words, Word.pol, value | 0); return;
      case Reg.EDGE: Atomics.store(this.words, Word.edge, value | 0); return;
      default: return;
    }
    this.update();
  }

  reset(): void {
    // The inputs' levels belong to the devices driving them; routes and enables go back to 0.
    Atomics.store(this.words, Word.enable, 0);
    Atomics.store(this.words, Word.pol, 0);
    Atomics.store(this.words, Word.edge, 0);
    this.routes.fill(0);
    this.update();
  }

  peek(): Record<string, number> {
    const out: Record<string, number> = { ISR: this.status() >>> 0, IEN: Atomics.load(this.words, Word.enable) >>> 0, RAW: Atomics.load(this.words, Word.raw) >>> 0 };
    for (let core = 0; core < Math.min(this.cores, 4); core++) out[`CORE${core}_ISR`] = this.coreStatus(core) >>> 0;
    return out;
  }
}
