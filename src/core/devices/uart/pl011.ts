/**
 * Arm PrimeCell PL011 UART as QEMU's virt machine has it (`arm,pl011`, `arm,primecell`), as Linux's
 * amba-pl011 driver and its earlycon drive it: UARTDR with the receive FIFO, UARTFR flags (TXFE, RXFF,
 * TXFF, RXFE, BUSY), the baud divisors IBRD/FBRD, LCR_H (FEN selects FIFO or character mode), CR (the
 * loopback bit routes TX to RX), IFLS trigger levels, the interrupt mask/raw/masked/clear registers,
 * DMACR (stored), and the peripheral/PrimeCell ID registers. The FIFOs hold 16 bytes on revision r1p5
 * (what QEMU reports, PeriphID2 = 0x14) and 32 on r3 (`revision: 3`), which is also what Linux derives
 * from the ID (amba_rev < 3 ? 16 : 32). One combined, level-sensitive interrupt line (UARTINTR).
 *
 * Interrupts as the TRM describes them and Linux relies on: RX is raised when the RX FIFO fills up to
 * the trigger level (one byte in character mode) and falls when reads drain it below or through ICR
 * (a transition, not a level: see receive() and readData()); RT (receive
 * timeout) is modelled as "a poll went by with fewer bytes than the trigger level" (see ns16550a.ts for
 * the reasoning); TX is raised when the TX FIFO drains to or below its trigger level (at once here,
 * since bytes leave as fast as the host ring takes them, as in QEMU) and falls when a write fills it
 * above, or through ICR. Like the real TX interrupt it is not raised at reset: Linux primes the FIFO.
 *
 * Left out: baud timing (divisors are stored only), break/parity/framing errors (no wire), the modem
 * lines (CTS/DSR/DCD/RI read 0 and their interrupts never rise), IrDA, DMA requests, and UARTEN/TXE/RXE
 * gating (like QEMU, bytes move whatever CR says, so early consoles work before the driver enables it).
 */
import type { IrqSink, MmioDevice, RegisterDef, SharedRegion } from '../../bus/types';
import { ByteRing } from '../byte-ring';

const MAX_FIFO = 32;
const HEADER_BYTES = 256;
const RX_FIFO_BYTE = 128;
const TX_FIFO_BYTE = RX_FIFO_BYTE + MAX_FIFO;

export const Pl011Offset = {
  dr: 0x000, rsr: 0x004, fr: 0x018, ilpr: 0x020, ibrd: 0x024, fbrd: 0x028, lcrH: 0x02c, cr: 0x030,
  ifls: 0x034, imsc: 0x038, ris: 0x03c, mis: 0x040, icr: 0x044, dmacr: 0x048, periphId0: 0xfe0, cellId0: 0xff0,
} as const;
export const Pl011Flag = { cts: 1, dsr: 2, dcd: 4, busy: 8, rxfe: 0x10, txff: 0x20, rxff: 0x40, txfe: 0x80, ri: 0x100 } as const;
export const Pl011Int = { ri: 1, cts: 2, dcd: 4, dsr: 8, rx: 0x10, tx: 0x20, rt: 0x40, fe: 0x80, pe: 0x100, be: 0x200, oe: 0x400 } as const;
const LCRH_FEN = 0x10;
const CR_LBE = 0x80;
const CR_RESET = 0x300;
const IFLS_RESET = 0x12;
const ALL_INTERRUPTS = 0x7ff;
/** IFLS level codes 0..4: 1/8, 1/4, 1/2, 3/4, 7/8 of the FIFO. */
const TRIGGER_EIGHTHS = [1, 2, 4, 6, 7] as const;
/** PeriphID0..3 then PCellID0..3. */
const ID_BYTES = [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1] as const;

/** Int32 word indices of the shared state; all zero is the reset state (CR and IFLS are stored XOR their reset values). */
const Word = {
  ibrd: 0, fbrd: 1, lcrH: 2, crXor: 3, iflsXor: 4, imsc: 5,
  /** Raw interrupt status bits; all latch (RX, TX, RT, OE), so UARTICR clears any of them. */
  ris: 6, dmacr: 7, ilpr: 8, rsr: 9,
  rxCount: 10, rxHead: 11, txCount: 12, txHead: 13,
  irqLevel: 14, lost: 15,
} as const;

export const PL011_REGISTERS: readonly RegisterDef[] = [
  { name: 'UARTDR', offset: Pl011Offset.dr, width: 4, access: 'rw', reset: 0, description: 'Data: write transmits, read pops the RX FIFO', fields: [
    { name: 'DATA', lsb: 0, width: 8 }, { name: 'FE', lsb: 8, width: 1 }, { name: 'PE', lsb: 9, width: 1 }, { name: 'BE', lsb: 10, width: 1 }, { name: 'OE', lsb: 11, width: 1 },
  ] },
  { name: 'UARTRSR', offset: Pl011Offset.rsr, width: 4, access: 'rw', reset: 0, description: 'Receive status; a write (UARTECR) clears it' },
  { name: 'UARTFR', offset: Pl011Offset.fr, width: 4, access: 'ro', reset: Pl011Flag.rxfe | Pl011Flag.txfe, description: 'Flags', fields: [
    { name: 'CTS', lsb: 0, width: 1 }, { name: 'DSR', lsb: 1, width: 1 }, { name: 'DCD', lsb: 2, width: 1 }, { name: 'BUSY', lsb: 3, width: 1 },
    { name: 'RXFE', lsb: 4, width: 1 }, { name: 'TXFF', lsb: 5, width: 1 }, { name: 'RXFF', lsb: 6, width: 1 }, { name: 'TXFE', lsb: 7, width: 1 }, { name: 'RI', lsb: 8, width: 1 },
  ] },
  { name: 'UARTILPR', offset: Pl011Offset.ilpr, width: 4, access: 'rw', reset: 0, description: 'IrDA low-power divisor (stored)' },
  { name: 'UARTIBRD', offset: Pl011Offset.ibrd, width: 4, access: 'rw', reset: 0, description: 'Integer baud divisor (16 bits)' },
  { name: 'UARTFBRD', offset: Pl011Offset.fbrd, width: 4, access: 'rw', reset: 0, description: 'Fractional baud divisor (6 bits)' },
  { name: 'UARTLCR_H', offset: Pl011Offset.lcrH, width: 4, access: 'rw', reset: 0, description: 'Line control', fields: [
    { name: 'BRK', lsb: 0, width: 1 }, { name: 'PEN', lsb: 1, width: 1 }, { name: 'EPS', lsb: 2, width: 1 }, { name: 'STP2', lsb: 3, width: 1 },
    { name: 'FEN', lsb: 4, width: 1, description: 'FIFOs on (else 1-byte character mode)' }, { name: 'WLEN', lsb: 5, width: 2 }, { name: 'SPS', lsb: 7, width: 1 },
  ] },
  { name: 'UARTCR', offset: Pl011Offset.cr, width: 4, access: 'rw', reset: CR_RESET, description: 'Control', fields: [
    { name: 'UARTEN', lsb: 0, width: 1 }, { name: 'LBE', lsb: 7, width: 1, description: 'loopback' }, { name: 'TXE', lsb: 8, width: 1 }, { name: 'RXE', lsb: 9, width: 1 },
    { name: 'DTR', lsb: 10, width: 1 }, { name: 'RTS', lsb: 11, width: 1 }, { name: 'RTSEn', lsb: 14, width: 1 }, { name: 'CTSEn', lsb: 15, width: 1 },
  ] },
  { name: 'UARTIFLS', offset: Pl011Offset.ifls, width: 4, access: 'rw', reset: IFLS_RESET, description: 'FIFO trigger levels: 0..4 = 1/8, 1/4, 1/2, 3/4, 7/8', fields: [
    { name: 'TXIFLSEL', lsb: 0, width: 3 }, { name: 'RXIFLSEL', lsb: 3, width: 3 },
  ] },
  ...(['UARTIMSC', 'UARTRIS', 'UARTMIS'] as const).map((name, i): RegisterDef => ({
    name, offset: Pl011Offset.imsc + 4 * i, width: 4, access: i === 0 ? 'rw' : 'ro', reset: 0,
    description: ['Interrupt mask (1 = enabled)', 'Raw interrupt status', 'Masked interrupt status'][i],
    fields: [
      { name: 'RI', lsb: 0, width: 1 }, { name: 'CTS', lsb: 1, width: 1 }, { name: 'DCD', lsb: 2, width: 1 }, { name: 'DSR', lsb: 3, width: 1 },
      { name: 'RX', lsb: 4, width: 1 }, { name: 'TX', lsb: 5, width: 1 }, { name: 'RT', lsb: 6, width: 1 }, { name: 'FE', lsb: 7, width: 1 },
      { name: 'PE', lsb: 8, width: 1 }, { name: 'BE', lsb: 9, width: 1 }, { name: 'OE', lsb: 10, width: 1 },
    ],
  })),
  { name: 'UARTICR', offset: Pl011Offset.icr, width: 4, access: 'wo', reset: 0, description: 'Interrupt clear (write 1s)' },
  { name: 'UARTDMACR', offset: Pl011Offset.dmacr, width: 4, access: 'rw', reset: 0, description: 'DMA control (stored, no DMA)' },
  { name: 'UARTPeriphID', offset: Pl011Offset.periphId0, width: 4, access: 'ro', reset: 0x11, count: 4, stride: 4, description: 'Peripheral ID 0x00141011 (r1p5)' },
  { name: 'UARTPCellID', offset: Pl011Offset.cellId0, width: 4, access: 'ro', reset: 0x0d, count: 4, stride: 4, description: 'PrimeCell ID 0xB105F00D' },
];

export interface Pl011Options {
  /** Line (INTID or source number) on the interrupt controller. */
  readonly sink: IrqSink;
  readonly line: number;
  /** PL011 revision reported in PeriphID2: 1 (QEMU, 16-byte FIFOs, the default) or 3 (32-byte FIFOs). */
  readonly revision?: 1 | 3;
}

export class Pl011 implements MmioDevice {
  readonly kind = 'pl011';
  readonly registers = PL011_REGISTERS;
  /** Bytes the guest transmitted; the host drains it. */
  readonly outputRing: ByteRing;
  /** Bytes for the guest; the host fills it and then calls `poll()` under the machine lock. */
  readonly inputRing: ByteRing;
  readonly fifoDepth: number;
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly revision: number;

  /** Shared bytes for the registers, FIFOs and two host rings of `ringCapacity` bytes each. */
  static stateBytes(ringCapacity = 4096): number {
    return HEADER_BYTES + 2 * ByteRing.stateBytes(ringCapacity);
  }

  constructor(region: SharedRegion, private readonly options: Pl011Options) {
    const ringBytes = (region.byteLength - HEADER_BYTES) / 2;
    if (!Number.isInteger(ringBytes) || ringBytes <= 16) throw new Error(`pl011 region of ${region.byteLength} bytes is too small`);
    this.revision = options.revision ?? 1;
    this.fifoDepth = this.revision >= 3 ? 32 : 16;
    this.words = new Int32Array(region.buffer, region.byteOffset, HEADER_BYTES / 4);
    this.bytes = new Uint8Array(region.buffer, region.byteOffset, HEADER_BYTES);
    const ringBase = region.byteOffset + HEADER_BYTES;
    this.outputRing = new ByteRing({ buffer: region.buffer, byteOffset: ringBase, byteLength: ringBytes });
    this.inputRing = new ByteRing({ buffer: region.buffer, byteOffset: ringBase + ringBytes, byteLength: ringBytes });
  }

  read(offset: number, _size: 1 | 2 | 4): number {
    const w = this.words;
    switch (offset) {
      case Pl011Offset.dr: return this.readData();
      case Pl011Offset.rsr: return w[Word.rsr]!;
      case Pl011Offset.fr: return this.flags();
      case Pl011Offset.ilpr: return w[Word.ilpr]!;
      case Pl011Offset.ibrd: return w[Word.ibrd]!;
      case Pl011Offset.fbrd: return w[Word.fbrd]!;
      case Pl011Offset.lcrH: return w[Word.lcrH]!;
      case Pl011Offset.cr: return w[Word.crXor]! ^ CR_RESET;
      case Pl011Offset.ifls: return w[Word.iflsXor]! ^ IFLS_RESET;
      case Pl011Offset.imsc: return w[Word.imsc]!;
      case Pl011Offset.ris: return this.rawStatus();
      case Pl011Offset.mis: return this.rawStatus() & w[Word.imsc]!;
      case Pl011Offset.dmacr: return w[Word.dmacr]!;
      default:
        if (offset >= Pl011Offset.periphId0 && offset < 0x1000 && (offset & 3) === 0) {
          const index = (offset - Pl011Offset.periphId0) >> 2;
          return index === 2 ? (this.revision << 4) | 0x4 : ID_BYTES[index]!;
        }
        return 0;
    }
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    const w = this.words;
    switch (offset) {
      case Pl011Offset.dr: this.writeData(value & 0xff); return;
      case Pl011Offset.rsr: w[Word.rsr] = 0; return;
      case Pl011Offset.ilpr: w[Word.ilpr] = value & 0xff; return;
      case Pl011Offset.ibrd: w[Word.ibrd] = value & 0xffff; return;
      case Pl011Offset.fbrd: w[Word.fbrd] = value & 0x3f; return;
      case Pl011Offset.lcrH: {
        // Turning the FIFOs on or off flushes them, as the TRM says.
        if (((w[Word.lcrH]! ^ value) & LCRH_FEN) !== 0) {
          w[Word.rxCount] = 0;
          w[Word.rxHead] = 0;
          w[Word.txCount] = 0;
          w[Word.txHead] = 0;
          w[Word.ris] = w[Word.ris]! & ~(Pl011Int.rx | Pl011Int.rt);
        }
        w[Word.lcrH] = value & 0xff;
        break;
      }
      case Pl011Offset.cr: w[Word.crXor] = (value & 0xff87) ^ CR_RESET; break;
      case Pl011Offset.ifls: w[Word.iflsXor] = (value & 0x3f) ^ IFLS_RESET; break;
      case Pl011Offset.imsc: w[Word.imsc] = value & ALL_INTERRUPTS; break;
      case Pl011Offset.icr: w[Word.ris] = w[Word.ris]! & ~value; break;
      case Pl011Offset.dmacr: w[Word.dmacr] = value & 7; break;
      default: return;
    }
    this.updateIrq();
  }

  reset(): void {
    this.words.fill(0);
    this.bytes.fill(0, RX_FIFO_BYTE, TX_FIFO_BYTE + MAX_FIFO);
    this.outputRing.clear();
    this.inputRing.clear();
    this.options.sink.setLevel(this.options.line, false);
  }

  /**
   * Called by the host (under the machine lock) after it filled the input ring or drained the output
   * ring: moves input into the RX FIFO, resumes a stalled transmitter, raises the receive timeout.
   */
  poll(): void {
    const w = this.words;
    this.transmit();
    if (!this.loopback()) {
      // The host ring is the flow control: bytes wait there instead of overrunning the FIFO.
      while (w[Word.rxCount]! < this.depth()) {
        const byte = this.inputRing.pop();
        if (byte < 0) break;
        this.receive(byte);
      }
    }
    if (w[Word.rxCount]! > 0) w[Word.ris] = w[Word.ris]! | Pl011Int.rt;
    this.updateIrq();
  }

  /** Side-effect-free register values for the inspector. */
  peek(): Record<string, number> {
    const w = this.words;
    const out: Record<string, number> = {};
    for (const reg of PL011_REGISTERS) {
      if (reg.access === 'wo' || reg.name === 'UARTDR') continue;
      out[reg.name] = this.read(reg.offset, 4);
    }
    out.UARTDR = w[Word.rxCount]! > 0 ? this.bytes[RX_FIFO_BYTE + w[Word.rxHead]!]! : 0;
    out.rxFifo = w[Word.rxCount]!;
    out.txFifo = w[Word.txCount]!;
    out.irq = w[Word.irqLevel]!;
    out.lost = w[Word.lost]!;
    return out;
  }

  get irqLevel(): boolean {
    return this.words[Word.irqLevel] !== 0;
  }

  private depth(): number {
    return (this.words[Word.lcrH]! & LCRH_FEN) !== 0 ? this.fifoDepth : 1;
  }

  private loopback(): boolean {
    return ((this.words[Word.crXor]! ^ CR_RESET) & CR_LBE) !== 0;
  }

  private triggerLevel(shift: number): number {
    if ((this.words[Word.lcrH]! & LCRH_FEN) === 0) return 1;
    const code = ((this.words[Word.iflsXor]! ^ IFLS_RESET) >> shift) & 7;
    return (this.fifoDepth * TRIGGER_EIGHTHS[Math.min(code, 4)]!) / 8;
  }

  private rxTrigger(): number {
    return this.triggerLevel(3);
  }

  private rawStatus(): number {
    return this.words[Word.ris]!;
  }

  private flags(): number {
    const w = this.words;
    const rx = w[Word.rxCount]!;
    const tx = w[Word.txCount]!;
    let flags = 0;
    if (rx === 0) flags |= Pl011Flag.rxfe;
    if (rx >= this.depth()) flags |= Pl011Flag.rxff;
    if (tx === 0) flags |= Pl011Flag.txfe;
    else flags |= Pl011Flag.busy;
    if (tx >= this.depth()) flags |= Pl011Flag.txff;
    return flags;
  }

  private readData(): number {
    const w = this.words;
    const count = w[Word.rxCount]!;
    if (count === 0) return 0;
    const head = w[Word.rxHead]!;
    const byte = this.bytes[RX_FIFO_BYTE + head]!;
    w[Word.rxHead] = (head + 1) % MAX_FIFO;
    w[Word.rxCount] = count - 1;
    // RX falls once reads take the FIFO below the trigger level (QEMU pl011_read: read_count ==
    // read_trigger - 1 clears INT_RX; PL011 TRM r1p5 2.8.2 "UARTRXINTR").
    if (count - 1 < this.rxTrigger()) w[Word.ris] = w[Word.ris]! & ~Pl011Int.rx;
    if (!this.loopback()) {
      const next = this.inputRing.pop();
      if (next >= 0) this.receive(next);
    }
    // The timeout is about bytes left waiting: an emptied FIFO has none.
    if (w[Word.rxCount] === 0) w[Word.ris] = w[Word.ris]! & ~Pl011Int.rt;
    this.updateIrq();
    return byte;
  }

  private writeData(byte: number): void {
    const w = this.words;
    if (this.loopback()) {
      this.receive(byte);
    } else {
      const count = w[Word.txCount]!;
      if (count < this.depth()) {
        this.bytes[TX_FIFO_BYTE + ((w[Word.txHead]! + count) % MAX_FIFO)] = byte;
        w[Word.txCount] = count + 1;
      } else {
        w[Word.lost] = w[Word.lost]! + 1;
      }
      // A write that leaves the FIFO above the trigger level clears the TX interrupt (TRM 2.8.2).
      if (w[Word.txCount]! > this.triggerLevel(0)) w[Word.ris] = w[Word.ris]! & ~Pl011Int.tx;
      this.transmit();
    }
    if (this.loopback()) w[Word.ris] = w[Word.ris]! | Pl011Int.tx;
    this.updateIrq();
  }

  private receive(byte: number): void {
    const w = this.words;
    const count = w[Word.rxCount]!;
    if (count >= this.depth()) {
      w[Word.ris] = w[Word.ris]! | Pl011Int.oe;
      w[Word.rsr] = w[Word.rsr]! | 8;
      w[Word.lost] = w[Word.lost]! + 1;
      return;
    }
    this.bytes[RX_FIFO_BYTE + ((w[Word.rxHead]! + count) % MAX_FIFO)] = byte;
    w[Word.rxCount] = count + 1;
    // RX is latched when the FIFO reaches the trigger level, as in QEMU's pl011_put_fifo (read_count ==
    // read_trigger sets INT_RX) and the TRM; being a latch, UARTICR.RXIC clears it while the bytes stay.
    // Linux's pl011_enable_interrupts relies on this ("RXIS is asserted only when the RX FIFO transitions
    // from below to above the trigger threshold"), clearing RXIS and then draining the FIFO.
    if (count + 1 === this.rxTrigger()) w[Word.ris] = w[Word.ris]! | Pl011Int.rx;
  }

  /** Moves TX FIFO bytes to the output ring while it has room; draining to the trigger level raises TX. */
  private transmit(): void {
    const w = this.words;
    let count = w[Word.txCount]!;
    if (count === 0) return;
    let head = w[Word.txHead]!;
    const before = count;
    while (count > 0 && this.outputRing.free() > 0) {
      this.outputRing.push(this.bytes[TX_FIFO_BYTE + head]!);
      head = (head + 1) % MAX_FIFO;
      count--;
    }
    w[Word.txHead] = head;
    w[Word.txCount] = count;
    if (count < before && count <= this.triggerLevel(0)) w[Word.ris] = w[Word.ris]! | Pl011Int.tx;
  }

  private updateIrq(): void {
    const level = (this.rawStatus() & this.words[Word.imsc]!) !== 0 ? 1 : 0;
    if (this.words[Word.irqLevel] === level) return;
    this.words[Word.irqLevel] = level;
    this.options.sink.setLevel(this.options.line, level === 1);
  }
}
