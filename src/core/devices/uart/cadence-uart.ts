/**
 * The Cadence UART of the Zynq and Zynq UltraScale+ MPSoC (`xlnx,zynqmp-uart`, `cdns,uart-r1p12`),
 * as the ZynqMP TRM (UG1085, UART register set) lists it and Linux's drivers/tty/serial/xilinx_uartps.c
 * and its `cdns` earlycon drive it: CR (RX/TX enable and disable, self-clearing RX/TX resets, restart
 * timeout), MR (character mode: normal or local loopback), the interrupt registers IER/IDR (write 1s to
 * set/clear IMR), IMR and ISR (write 1s to clear), BAUDGEN and BAUDDIV (stored), RXTOUT, RXWM and TXWM
 * trigger levels, the modem registers (stored, MODEMSR reads CTS/DSR/DCD asserted), SR and the FIFO
 * port. 64-byte receive and transmit FIFOs, one level-sensitive interrupt line.
 *
 * Status and interrupts: SR reports the FIFOs as they are (RXTRIG at or above RXWM, RXEMPTY, RXFULL,
 * TXEMPTY, TXFULL, TTRIG at or above TXWM, TNFUL one byte from full). ISR bits latch on the events the
 * TRM names: RXTRIG when a received byte takes the RX FIFO to RXWM, RXFULL when it fills, TXEMPTY when
 * the TX FIFO drains empty, TOUT (receive timeout) as "a poll went by with bytes waiting below RXWM"
 * (see pl011.ts for the reasoning), RXOVR on an overrun. The line is high while ISR & IMR is not zero,
 * so a driver writes ISR back to acknowledge, as cdns_uart_isr does.
 *
 * Left out: baud timing (divisors stored only), parity/framing errors and breaks (no wire), automatic
 * echo and remote loopback modes (normal and local loopback only), modem lines and the DMS interrupt,
 * flow control (FLOWDEL stored), IrDA pulse widths, the TX overflow interrupt (a write to a full FIFO is
 * counted as lost), and the enable/disable gating of CR (bytes move whatever CR says, as earlycon on a
 * port the boot loader left enabled expects; CR still reads back what was written).
 */
import type { IrqSink, MmioDevice, RegisterDef, SharedRegion } from '../../bus/types';
import type { ByteRing } from '../byte-ring';
import { SharedFifo, uartState, uartStateBytes, type UartState } from './uart-fifo';

const FIFO_DEPTH = 64;
const HEADER_BYTES = 512;
const RX_FIFO_BYTE = 256;
const TX_FIFO_BYTE = RX_FIFO_BYTE + FIFO_DEPTH;

export const CadenceUartOffset = {
  cr: 0x00, mr: 0x04, ier: 0x08, idr: 0x0c, imr: 0x10, isr: 0x14, baudgen: 0x18, rxtout: 0x1c, rxwm: 0x20,
  modemcr: 0x24, modemsr: 0x28, sr: 0x2c, fifo: 0x30, bauddiv: 0x34, flowdel: 0x38, txwm: 0x44,
} as const;
export const CadenceCr = { rxrst: 0x1, txrst: 0x2, rxen: 0x4, rxdis: 0x8, txen: 0x10, txdis: 0x20, torst: 0x40, startbrk: 0x80, stopbrk: 0x100 } as const;
/** ISR/IER/IDR/IMR bits. */
export const CadenceInt = { rxtrig: 0x1, rxempty: 0x2, rxfull: 0x4, txempty: 0x8, txfull: 0x10, rxovr: 0x20, frame: 0x40, parity: 0x80, tout: 0x100, dms: 0x200, ttrig: 0x400, tnful: 0x800, tovr: 0x1000 } as const;
/** SR bits. */
export const CadenceSr = { rxtrig: 0x1, rxempty: 0x2, rxfull: 0x4, txempty: 0x8, txfull: 0x10, ractive: 0x400, tactive: 0x800, flowdel: 0x1000, ttrig: 0x2000, tnful: 0x4000 } as const;
const MR_CHMODE_SHIFT = 8;
const CHMODE_LOCAL_LOOPBACK = 2;
const ALL_INTERRUPTS = 0x1fff;

/** Reset values (UG1085): CR has RX/TX disabled and STOPBRK, BAUDGEN 0x28B, RXWM/TXWM 0x20, BAUDDIV 0xF. */
const RESET = { cr: 0x128, baudgen: 0x28b, rxwm: 0x20, bauddiv: 0xf, txwm: 0x20 } as const;

/** Int32 word indices of the shared state (XOR the reset values: all zero is the reset state). */
const Word = {
  crXor: 0, mr: 1, imr: 2, isr: 3, baudgenXor: 4, rxtout: 5, rxwmXor: 6, modemcr: 7, bauddivXor: 8, flowdel: 9, txwmXor: 10,
  rxCount: 11, rxHead: 12, txCount: 13, txHead: 14, irqLevel: 15, lost: 16,
} as const;

const INT_FIELDS = [
  ['RXTRIG', 0], ['RXEMPTY', 1], ['RXFULL', 2], ['TXEMPTY', 3], ['TXFULL', 4], ['RXOVR', 5], ['FRAME', 6], ['PARE', 7], ['TOUT', 8],
  ['DMS', 9], ['TTRIG', 10], ['TNFUL', 11], ['TOVR', 12],
] as const;
const intFields = INT_FIELDS.map(([name, lsb]) => ({ name, lsb, width: 1 }));

export const CADENCE_UART_REGISTERS: readonly RegisterDef[] = [
  { name: 'CR', offset: CadenceUartOffset.cr, width: 4, access: 'rw', reset: RESET.cr, description: 'Control', fields: [
    { name: 'RXRST', lsb: 0, width: 1, description: 'self-clearing' }, { name: 'TXRST', lsb: 1, width: 1, description: 'self-clearing' },
    { name: 'RX_EN', lsb: 2, width: 1 }, { name: 'RX_DIS', lsb: 3, width: 1 }, { name: 'TX_EN', lsb: 4, width: 1 }, { name: 'TX_DIS', lsb: 5, width: 1 },
    { name: 'TORST', lsb: 6, width: 1 }, { name: 'STARTBRK', lsb: 7, width: 1 }, { name: 'STOPBRK', lsb: 8, width: 1 },
  ] },
  { name: 'MR', offset: CadenceUartOffset.mr, width: 4, access: 'rw', reset: 0, description: 'Mode', fields: [
    { name: 'CLKSEL', lsb: 0, width: 1 }, { name: 'CHRL', lsb: 1, width: 2 }, { name: 'PAR', lsb: 3, width: 3 }, { name: 'NBSTOP', lsb: 6, width: 2 },
    { name: 'CHMODE', lsb: 8, width: 2, description: '0 normal, 2 local loopback' },
  ] },
  { name: 'IER', offset: CadenceUartOffset.ier, width: 4, access: 'wo', reset: 0, description: 'Interrupt enable (1s set IMR bits)', fields: intFields },
  { name: 'IDR', offset: CadenceUartOffset.idr, width: 4, access: 'wo', reset: 0, description: 'Interrupt disable (1s clear IMR bits)', fields: intFields },
  { name: 'IMR', offset: CadenceUartOffset.imr, width: 4, access: 'ro', reset: 0, description: 'Interrupt mask (1 = enabled)', fields: intFields },
  { name: 'ISR', offset: CadenceUartOffset.isr, width: 4, access: 'w1c', reset: 0, description: 'Interrupt status (write 1s to clear)', fields: intFields },
  { name: 'BAUDGEN', offset: CadenceUartOffset.baudgen, width: 4, access: 'rw', reset: RESET.baudgen, description: 'Baud rate generator (stored)' },
  { name: 'RXTOUT', offset: CadenceUartOffset.rxtout, width: 4, access: 'rw', reset: 0, description: 'Receive timeout (stored; the timeout is a poll)' },
  { name: 'RXWM', offset: CadenceUartOffset.rxwm, width: 4, access: 'rw', reset: RESET.rxwm, description: 'RX FIFO trigger level' },
  { name: 'MODEMCR', offset: CadenceUartOffset.modemcr, width: 4, access: 'rw', reset: 0, description: 'Modem control (stored)' },
  { name: 'MODEMSR', offset: CadenceUartOffset.modemsr, width: 4, access: 'ro', reset: 0xb0, description: 'Modem status: CTS, DSR and DCD asserted' },
  { name: 'SR', offset: CadenceUartOffset.sr, width: 4, access: 'ro', reset: CadenceSr.rxempty | CadenceSr.txempty, description: 'Channel status', fields: [
    { name: 'RXTRIG', lsb: 0, width: 1 }, { name: 'RXEMPTY', lsb: 1, width: 1 }, { name: 'RXFULL', lsb: 2, width: 1 }, { name: 'TXEMPTY', lsb: 3, width: 1 },
    { name: 'TXFULL', lsb: 4, width: 1 }, { name: 'RACTIVE', lsb: 10, width: 1 }, { name: 'TACTIVE', lsb: 11, width: 1 }, { name: 'FLOWDEL', lsb: 12, width: 1 },
    { name: 'TTRIG', lsb: 13, width: 1 }, { name: 'TNFUL', lsb: 14, width: 1 },
  ] },
  { name: 'FIFO', offset: CadenceUartOffset.fifo, width: 4, access: 'rw', reset: 0, description: 'TX/RX FIFO: write transmits, read pops the RX FIFO' },
  { name: 'BAUDDIV', offset: CadenceUartOffset.bauddiv, width: 4, access: 'rw', reset: RESET.bauddiv, description: 'Baud rate divider (stored)' },
  { name: 'FLOWDEL', offset: CadenceUartOffset.flowdel, width: 4, access: 'rw', reset: 0, description: 'Flow control delay (stored)' },
  { name: 'TXWM', offset: CadenceUartOffset.txwm, width: 4, access: 'rw', reset: RESET.txwm, description: 'TX FIFO trigger level' },
];

export interface CadenceUartOptions {
  readonly sink: IrqSink;
  readonly line: number;
}

export class CadenceUart implements MmioDevice {
  readonly kind = 'cadence-uart';
  readonly registers = CADENCE_UART_REGISTERS;
  readonly outputRing: ByteRing;
  readonly inputRing: ByteRing;
  private readonly state: UartState;
  private readonly words: Int32Array;
  private readonly rx: SharedFifo;
  private readonly tx: SharedFifo;

  static stateBytes(ringCapacity = 4096): number {
    return uartStateBytes(HEADER_BYTES, ringCapacity);
  }

  constructor(region: SharedRegion, private readonly options: CadenceUartOptions) {
    this.state = uartState(region, HEADER_BYTES, 'cadence-uart');
    this.words = this.state.words;
    this.outputRing = this.state.outputRing;
    this.inputRing = this.state.inputRing;
    this.rx = new SharedFifo(this.state, Word.rxCount, Word.rxHead, RX_FIFO_BYTE, FIFO_DEPTH);
    this.tx = new SharedFifo(this.state, Word.txCount, Word.txHead, TX_FIFO_BYTE, FIFO_DEPTH);
  }

  read(offset: number, _size: 1 | 2 | 4): number {
    const w = this.words;
    switch (offset) {
      case CadenceUartOffset.cr: return w[Word.crXor]! ^ RESET.cr;
      case CadenceUartOffset.mr: return w[Word.mr]!;
      case CadenceUartOffset.imr: return w[Word.imr]!;
      case CadenceUartOffset.isr: return w[Word.isr]!;
      case CadenceUartOffset.baudgen: return w[Word.baudgenXor]! ^ RESET.baudgen;
      case CadenceUartOffset.rxtout: return w[Word.rxtout]!;
      case CadenceUartOffset.rxwm: return w[Word.rxwmXor]! ^ RESET.rxwm;
      case CadenceUartOffset.modemcr: return w[Word.modemcr]!;
      case CadenceUartOffset.modemsr: return 0xb0;
      case CadenceUartOffset.sr: return this.status();
      case CadenceUartOffset.fifo: return this.readData();
      case CadenceUartOffset.bauddiv: return w[Word.bauddivXor]! ^ RESET.bauddiv;
      case CadenceUartOffset.flowdel: return w[Word.flowdel]!;
      case CadenceUartOffset.txwm: return w[Word.txwmXor]! ^ RESET.txwm;
      default: return 0;
    }
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    const w = this.words;
    switch (offset) {
      case CadenceUartOffset.cr: this.writeControl(value & 0x1ff); break;
      case CadenceUartOffset.mr: w[Word.mr] = value & 0x3ff; break;
      case CadenceUartOffset.ier: w[Word.imr] = w[Word.imr]! | (value & ALL_INTERRUPTS); break;
      case CadenceUartOffset.idr: w[Word.imr] = w[Word.imr]! & ~value; break;
      case CadenceUartOffset.isr: w[Word.isr] = w[Word.isr]! & ~value; break;
      case CadenceUartOffset.baudgen: w[Word.baudgenXor] = (value & 0xffff) ^ RESET.baudgen; break;
      case CadenceUartOffset.rxtout: w[Word.rxtout] = value & 0xff; break;
      case CadenceUartOffset.rxwm: w[Word.rxwmXor] = (value & 0x3f) ^ RESET.rxwm; break;
      case CadenceUartOffset.modemcr: w[Word.modemcr] = value & 0x23; break;
      case CadenceUartOffset.fifo: this.writeData(value & 0xff); break;
      case CadenceUartOffset.bauddiv: w[Word.bauddivXor] = (value & 0xff) ^ RESET.bauddiv; break;
      case CadenceUartOffset.flowdel: w[Word.flowdel] = value & 0x3f; break;
      case CadenceUartOffset.txwm: w[Word.txwmXor] = (value & 0x3f) ^ RESET.txwm; break;
      default: return;
    }
    this.updateIrq();
  }

  reset(): void {
    this.words.fill(0);
    this.outputRing.clear();
    this.inputRing.clear();
    this.options.sink.setLevel(this.options.line, false);
  }

  poll(): void {
    this.transmit();
    if (!this.loopback()) {
      while (this.rx.count < FIFO_DEPTH) {
        const byte = this.inputRing.pop();
        if (byte < 0) break;
        this.receive(byte);
      }
    }
    if (this.rx.count > 0 && this.rx.count < this.rxTrigger()) this.latch(CadenceInt.tout);
    this.updateIrq();
  }

  peek(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const reg of CADENCE_UART_REGISTERS) {
      if (reg.access === 'wo' || reg.name === 'FIFO') continue;
      out[reg.name] = this.read(reg.offset, 4);
    }
    out.FIFO = this.rx.peek();
    out.rxFifo = this.rx.count;
    out.txFifo = this.tx.count;
    out.irq = this.words[Word.irqLevel]!;
    out.lost = this.words[Word.lost]!;
    return out;
  }

  get irqLevel(): boolean {
    return this.words[Word.irqLevel] !== 0;
  }

  private loopback(): boolean {
    return ((this.words[Word.mr]! >> MR_CHMODE_SHIFT) & 3) === CHMODE_LOCAL_LOOPBACK;
  }

  /** RXWM: RXTRIG at this many received bytes (0 disables the trigger, as on the chip: never reached). */
  private rxTrigger(): number {
    const level = this.words[Word.rxwmXor]! ^ RESET.rxwm;
    return level === 0 ? FIFO_DEPTH + 1 : level;
  }

  private txTrigger(): number {
    return this.words[Word.txwmXor]! ^ RESET.txwm;
  }

  private latch(bits: number): void {
    this.words[Word.isr] = this.words[Word.isr]! | bits;
  }

  private status(): number {
    const rx = this.rx.count;
    const tx = this.tx.count;
    let sr = 0;
    if (rx >= this.rxTrigger()) sr |= CadenceSr.rxtrig;
    if (rx === 0) sr |= CadenceSr.rxempty;
    if (rx >= FIFO_DEPTH) sr |= CadenceSr.rxfull;
    if (tx === 0) sr |= CadenceSr.txempty;
    if (tx >= FIFO_DEPTH) sr |= CadenceSr.txfull;
    if (tx >= FIFO_DEPTH - 1) sr |= CadenceSr.tnful;
    if (tx > 0 && tx >= this.txTrigger()) sr |= CadenceSr.ttrig;
    if (tx > 0) sr |= CadenceSr.tactive;
    return sr;
  }

  private writeControl(value: number): void {
    const w = this.words;
    if ((value & CadenceCr.rxrst) !== 0) this.rx.clear();
    if ((value & CadenceCr.txrst) !== 0) this.tx.clear();
    // The resets and the timeout restart clear themselves; the rest reads back.
    w[Word.crXor] = (value & ~(CadenceCr.rxrst | CadenceCr.txrst | CadenceCr.torst)) ^ RESET.cr;
  }

  private readData(): number {
    const byte = this.rx.pop();
    if (byte < 0) return 0;
    if (!this.loopback()) {
      const next = this.inputRing.pop();
      if (next >= 0) this.receive(next);
    }
    this.updateIrq();
    return byte;
  }

  private writeData(byte: number): void {
    if (this.loopback()) {
      this.receive(byte);
      return;
    }
    if (!this.tx.push(byte)) this.words[Word.lost] = this.words[Word.lost]! + 1;
    this.transmit();
  }

  private receive(byte: number): void {
    if (!this.rx.push(byte)) {
      this.latch(CadenceInt.rxovr);
      this.words[Word.lost] = this.words[Word.lost]! + 1;
      return;
    }
    if (this.rx.count === this.rxTrigger()) this.latch(CadenceInt.rxtrig);
    if (this.rx.count === FIFO_DEPTH) this.latch(CadenceInt.rxfull);
  }

  /** Moves TX FIFO bytes to the output ring while it has room; draining it empty latches TXEMPTY. */
  private transmit(): void {
    if (this.tx.count === 0) return;
    if (this.tx.drainTo(this.outputRing) > 0 && this.tx.count === 0) this.latch(CadenceInt.txempty);
  }

  private updateIrq(): void {
    const level = (this.words[Word.isr]! & this.words[Word.imr]!) !== 0 ? 1 : 0;
    if (this.words[Word.irqLevel] === level) return;
    this.words[Word.irqLevel] = level;
    this.options.sink.setLevel(this.options.line, level === 1);
  }
}
