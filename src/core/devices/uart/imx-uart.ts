/**
 * The i.MX UART of the i.MX 6/7/8 family (`fsl,imx8mp-uart`, `fsl,imx6q-uart`, `fsl,imx21-uart`): the
 * registers as the i.MX 8M Plus reference manual lists them (UART chapter, "UART Memory Map") and as
 * Linux's drivers/tty/serial/imx.c and its `ec_imx6q` earlycon drive them: URXD (receive data with
 * CHARRDY/ERR/OVRRUN flags), UTXD, UCR1-UCR4, UFCR (RX/TX trigger levels), USR1/USR2 status, the escape,
 * baud (UBIR/UBMR/UBRC), ONEMS and UMCR registers (stored), and UTS (TXFULL, RXEMPTY, TXEMPTY, LOOP,
 * SOFTRST). 32-byte receive and transmit FIFOs, one level-sensitive interrupt line.
 *
 * Interrupts, as imx.c's imx_uart_int decodes them: RRDY (RX FIFO at or above UFCR.RXTL) with
 * UCR1.RRDYEN; the aging timer AGTIM (bytes below the trigger level waiting, modelled as "a poll went
 * by", as the PL011's receive timeout) with UCR2.ATEN; TRDY (TX FIFO below UFCR.TXTL) with UCR1.TRDYEN;
 * TXFE (TX FIFO empty) with UCR1.TXMPTYEN; RDR (any received byte) with UCR4.DREN; TXDC (transmission
 * complete) with UCR4.TCEN; ORE (overrun) with UCR4.OREN. RRDY, TRDY, TXFE, RDR and TXDC follow the
 * FIFOs; AGTIM and ORE latch and are cleared by writing 1 to them in USR1/USR2.
 *
 * UCR2.SRST written 0 resets the transmitter and receiver (FIFOs emptied, status back to reset) and reads
 * back 1 at once, so Linux's wait for the reset to finish ends on its first read. UTS.LOOP routes the
 * transmitter into the receiver.
 *
 * Left out: baud timing (the divisors are stored only), parity/framing/break errors and the escape
 * sequence detector (no wire), RTS/CTS, DTR/DSR/DCD/RI and their interrupts (RTSS reads 1 as if CTS were
 * asserted, the delta bits never rise), IrDA, RS-485 (UMCR), autobaud, DMA requests, and
 * UARTEN/RXEN/TXEN gating (bytes move whatever UCR1/UCR2 say, as early consoles expect before the
 * driver enables the port).
 */
import type { IrqSink, MmioDevice, RegisterDef, SharedRegion } from '../../bus/types';
import type { ByteRing } from '../byte-ring';
import { SharedFifo, uartState, uartStateBytes, type UartState } from './uart-fifo';

const FIFO_DEPTH = 32;
const HEADER_BYTES = 256;
const RX_FIFO_BYTE = 128;
const TX_FIFO_BYTE = RX_FIFO_BYTE + FIFO_DEPTH;

export const ImxUartOffset = {
  urxd: 0x00, utxd: 0x40, ucr1: 0x80, ucr2: 0x84, ucr3: 0x88, ucr4: 0x8c, ufcr: 0x90, usr1: 0x94, usr2: 0x98,
  uesc: 0x9c, utim: 0xa0, ubir: 0xa4, ubmr: 0xa8, ubrc: 0xac, onems: 0xb0, uts: 0xb4, umcr: 0xb8,
} as const;
export const ImxUrxd = { charRdy: 1 << 15, err: 1 << 14, ovrrun: 1 << 13 } as const;
export const ImxUcr1 = { uarten: 1 << 0, txmptyen: 1 << 6, rrdyen: 1 << 9, trdyen: 1 << 13 } as const;
export const ImxUcr2 = { srst: 1 << 0, rxen: 1 << 1, txen: 1 << 2, aten: 1 << 3 } as const;
export const ImxUcr4 = { dren: 1 << 0, oren: 1 << 1, tcen: 1 << 3 } as const;
export const ImxUsr1 = { agtim: 1 << 8, rrdy: 1 << 9, trdy: 1 << 13, rtss: 1 << 14 } as const;
export const ImxUsr2 = { rdr: 1 << 0, ore: 1 << 1, txdc: 1 << 3, txfe: 1 << 14 } as const;
export const ImxUts = { softrst: 1 << 0, txfull: 1 << 4, rxempty: 1 << 5, txempty: 1 << 6, loop: 1 << 12 } as const;

/** UTS bits a write keeps: LOOP and the test bits RXDBG, LOOPIR, DBGEN, FRCPERR (stored only); the rest is status. */
const UTS_STORED = ImxUts.loop | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 13);

/** Reset values (i.MX 8M Plus RM, UART memory map); the state stores each register XOR its reset value. */
const RESET = { ucr1: 0, ucr2: 0x0001, ucr3: 0x0700, ucr4: 0x8000, ufcr: 0x0801, uesc: 0x2b, ubrc: 0x4 } as const;

/** Int32 word indices of the shared state; all zero is the reset state. */
const Word = {
  ucr1: 0, ucr2Xor: 1, ucr3Xor: 2, ucr4Xor: 3, ufcrXor: 4, uescXor: 5, utim: 6, ubir: 7, ubmr: 8, ubrcXor: 9,
  onems: 10, uts: 11, umcr: 12,
  /** Latched status bits: USR1.AGTIM and USR2.ORE. */
  latched1: 13, latched2: 14,
  rxCount: 15, rxHead: 16, txCount: 17, txHead: 18,
  irqLevel: 19, lost: 20,
  /** URXD flags of the byte at the head of the RX FIFO (ERR/OVRRUN after an overrun). */
  rxFlags: 21,
} as const;

const bit = (name: string, lsb: number, description?: string) => ({ name, lsb, width: 1, ...(description ? { description } : {}) });

export const IMX_UART_REGISTERS: readonly RegisterDef[] = [
  { name: 'URXD', offset: ImxUartOffset.urxd, width: 4, access: 'ro', reset: 0, description: 'Receive data: reading pops the RX FIFO', fields: [
    { name: 'RX_DATA', lsb: 0, width: 8 }, bit('PRERR', 10), bit('BRK', 11), bit('FRMERR', 12), bit('OVRRUN', 13), bit('ERR', 14), bit('CHARRDY', 15),
  ] },
  { name: 'UTXD', offset: ImxUartOffset.utxd, width: 4, access: 'wo', reset: 0, description: 'Transmit data' },
  { name: 'UCR1', offset: ImxUartOffset.ucr1, width: 4, access: 'rw', reset: RESET.ucr1, description: 'Control 1', fields: [
    bit('UARTEN', 0), bit('DOZE', 1), bit('TXDMAEN', 3), bit('SNDBRK', 4), bit('RTSDEN', 5), bit('TXMPTYEN', 6, 'TX FIFO empty interrupt'),
    bit('IREN', 7), bit('RXDMAEN', 8), bit('RRDYEN', 9, 'RX ready interrupt'), bit('IDEN', 12), bit('TRDYEN', 13, 'TX ready interrupt'), bit('ADEN', 15),
  ] },
  { name: 'UCR2', offset: ImxUartOffset.ucr2, width: 4, access: 'rw', reset: RESET.ucr2, description: 'Control 2', fields: [
    bit('SRST', 0, '0 resets TX/RX; reads 1 when done'), bit('RXEN', 1), bit('TXEN', 2), bit('ATEN', 3, 'aging timer interrupt'), bit('RTSEN', 4),
    bit('WS', 5, '8-bit words'), bit('STPB', 6), bit('PROE', 7), bit('PREN', 8), bit('ESCEN', 11), bit('CTS', 12), bit('CTSC', 13), bit('IRTS', 14), bit('ESCI', 15),
  ] },
  { name: 'UCR3', offset: ImxUartOffset.ucr3, width: 4, access: 'rw', reset: RESET.ucr3, description: 'Control 3 (stored)', fields: [bit('RXDMUXSEL', 2), bit('DSR', 10), bit('DCD', 9), bit('RI', 8)] },
  { name: 'UCR4', offset: ImxUartOffset.ucr4, width: 4, access: 'rw', reset: RESET.ucr4, description: 'Control 4', fields: [
    bit('DREN', 0, 'receive data ready interrupt'), bit('OREN', 1, 'overrun interrupt'), bit('BKEN', 2), bit('TCEN', 3, 'transmit complete interrupt'), { name: 'CTSTL', lsb: 10, width: 6 },
  ] },
  { name: 'UFCR', offset: ImxUartOffset.ufcr, width: 4, access: 'rw', reset: RESET.ufcr, description: 'FIFO control', fields: [
    { name: 'RXTL', lsb: 0, width: 6, description: 'RRDY at this many received bytes' }, bit('DCEDTE', 6), { name: 'RFDIV', lsb: 7, width: 3 },
    { name: 'TXTL', lsb: 10, width: 6, description: 'TRDY below this many bytes to send' },
  ] },
  { name: 'USR1', offset: ImxUartOffset.usr1, width: 4, access: 'w1c', reset: ImxUsr1.trdy | ImxUsr1.rtss, description: 'Status 1', fields: [
    bit('AGTIM', 8, 'aging timer (w1c)'), bit('RRDY', 9, 'RX FIFO at RXTL'), bit('TRDY', 13, 'TX FIFO below TXTL'), bit('RTSS', 14),
  ] },
  { name: 'USR2', offset: ImxUartOffset.usr2, width: 4, access: 'w1c', reset: ImxUsr2.txfe | ImxUsr2.txdc, description: 'Status 2', fields: [
    bit('RDR', 0, 'receive data ready'), bit('ORE', 1, 'overrun (w1c)'), bit('TXDC', 3, 'transmission complete'), bit('TXFE', 14, 'TX FIFO empty'),
  ] },
  { name: 'UESC', offset: ImxUartOffset.uesc, width: 4, access: 'rw', reset: RESET.uesc, description: 'Escape character (stored)' },
  { name: 'UTIM', offset: ImxUartOffset.utim, width: 4, access: 'rw', reset: 0, description: 'Escape timer (stored)' },
  { name: 'UBIR', offset: ImxUartOffset.ubir, width: 4, access: 'rw', reset: 0, description: 'Baud increment (stored)' },
  { name: 'UBMR', offset: ImxUartOffset.ubmr, width: 4, access: 'rw', reset: 0, description: 'Baud modulator (stored)' },
  { name: 'UBRC', offset: ImxUartOffset.ubrc, width: 4, access: 'ro', reset: RESET.ubrc, description: 'Baud rate count' },
  { name: 'ONEMS', offset: ImxUartOffset.onems, width: 4, access: 'rw', reset: 0, description: 'One millisecond (stored)' },
  { name: 'UTS', offset: ImxUartOffset.uts, width: 4, access: 'rw', reset: ImxUts.rxempty | ImxUts.txempty, description: 'Test', fields: [
    bit('SOFTRST', 0), bit('RXFULL', 3), bit('TXFULL', 4), bit('RXEMPTY', 5), bit('TXEMPTY', 6), bit('LOOP', 12, 'loopback'),
  ] },
  { name: 'UMCR', offset: ImxUartOffset.umcr, width: 4, access: 'rw', reset: 0, description: 'RS-485 mode control (stored)' },
];

export interface ImxUartOptions {
  readonly sink: IrqSink;
  /** INTID (or source number) of the UART's line at the interrupt controller. */
  readonly line: number;
}

export class ImxUart implements MmioDevice {
  readonly kind = 'imx-uart';
  readonly registers = IMX_UART_REGISTERS;
  readonly outputRing: ByteRing;
  readonly inputRing: ByteRing;
  private readonly state: UartState;
  private readonly words: Int32Array;
  private readonly rx: SharedFifo;
  private readonly tx: SharedFifo;

  static stateBytes(ringCapacity = 4096): number {
    return uartStateBytes(HEADER_BYTES, ringCapacity);
  }

  constructor(region: SharedRegion, private readonly options: ImxUartOptions) {
    this.state = uartState(region, HEADER_BYTES, 'imx-uart');
    this.words = this.state.words;
    this.outputRing = this.state.outputRing;
    this.inputRing = this.state.inputRing;
    this.rx = new SharedFifo(this.state, Word.rxCount, Word.rxHead, RX_FIFO_BYTE, FIFO_DEPTH);
    this.tx = new SharedFifo(this.state, Word.txCount, Word.txHead, TX_FIFO_BYTE, FIFO_DEPTH);
  }

  read(offset: number, _size: 1 | 2 | 4): number {
    const w = this.words;
    switch (offset) {
      case ImxUartOffset.urxd: return this.readData();
      case ImxUartOffset.ucr1: return w[Word.ucr1]!;
      // SRST: the reset finishes at once, so it reads 1.
      case ImxUartOffset.ucr2: return (w[Word.ucr2Xor]! ^ RESET.ucr2) | ImxUcr2.srst;
      case ImxUartOffset.ucr3: return w[Word.ucr3Xor]! ^ RESET.ucr3;
      case ImxUartOffset.ucr4: return w[Word.ucr4Xor]! ^ RESET.ucr4;
      case ImxUartOffset.ufcr: return w[Word.ufcrXor]! ^ RESET.ufcr;
      case ImxUartOffset.usr1: return this.usr1();
      case ImxUartOffset.usr2: return this.usr2();
      case ImxUartOffset.uesc: return w[Word.uescXor]! ^ RESET.uesc;
      case ImxUartOffset.utim: return w[Word.utim]!;
      case ImxUartOffset.ubir: return w[Word.ubir]!;
      case ImxUartOffset.ubmr: return w[Word.ubmr]!;
      case ImxUartOffset.ubrc: return w[Word.ubrcXor]! ^ RESET.ubrc;
      case ImxUartOffset.onems: return w[Word.onems]!;
      case ImxUartOffset.uts: return this.uts();
      case ImxUartOffset.umcr: return w[Word.umcr]!;
      default: return 0;
    }
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    const w = this.words;
    switch (offset) {
      case ImxUartOffset.utxd: this.writeData(value & 0xff); break;
      case ImxUartOffset.ucr1: w[Word.ucr1] = value & 0xffff; break;
      case ImxUartOffset.ucr2:
        if ((value & ImxUcr2.srst) === 0) this.softwareReset();
        w[Word.ucr2Xor] = ((value & 0xffff) | ImxUcr2.srst) ^ RESET.ucr2;
        break;
      case ImxUartOffset.ucr3: w[Word.ucr3Xor] = (value & 0xffff) ^ RESET.ucr3; break;
      case ImxUartOffset.ucr4: w[Word.ucr4Xor] = (value & 0xffff) ^ RESET.ucr4; break;
      case ImxUartOffset.ufcr: w[Word.ufcrXor] = (value & 0xffff) ^ RESET.ufcr; break;
      case ImxUartOffset.usr1: w[Word.latched1] = w[Word.latched1]! & ~value; break;
      case ImxUartOffset.usr2: w[Word.latched2] = w[Word.latched2]! & ~value; break;
      case ImxUartOffset.uesc: w[Word.uescXor] = (value & 0xff) ^ RESET.uesc; break;
      case ImxUartOffset.utim: w[Word.utim] = value & 0xfff; break;
      case ImxUartOffset.ubir: w[Word.ubir] = value & 0xffff; break;
      case ImxUartOffset.ubmr: w[Word.ubmr] = value & 0xffff; break;
      case ImxUartOffset.onems: w[Word.onems] = value & 0xffffff; break;
      case ImxUartOffset.uts: w[Word.uts] = value & UTS_STORED; break;
      case ImxUartOffset.umcr: w[Word.umcr] = value & 0xffff; break;
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
    this.tx.drainTo(this.outputRing);
    if (!this.loopback()) {
      while (this.rx.count < FIFO_DEPTH) {
        const byte = this.inputRing.pop();
        if (byte < 0) break;
        this.receive(byte);
      }
    }
    // The aging timer: bytes below the trigger level have waited a poll (8 character times on the chip).
    if (this.rx.count > 0 && this.rx.count < this.rxThreshold()) this.words[Word.latched1] = this.words[Word.latched1]! | ImxUsr1.agtim;
    this.updateIrq();
  }

  peek(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const reg of IMX_UART_REGISTERS) {
      if (reg.access === 'wo' || reg.name === 'URXD') continue;
      out[reg.name] = this.read(reg.offset, 4);
    }
    out.URXD = this.rx.count > 0 ? ImxUrxd.charRdy | this.rx.peek() : 0;
    out.rxFifo = this.rx.count;
    out.txFifo = this.tx.count;
    out.irq = this.words[Word.irqLevel]!;
    out.lost = this.words[Word.lost]!;
    return out;
  }

  get irqLevel(): boolean {
    return this.words[Word.irqLevel] !== 0;
  }

  private reg(word: number, reset: number): number {
    return this.words[word]! ^ reset;
  }

  private loopback(): boolean {
    return (this.words[Word.uts]! & ImxUts.loop) !== 0;
  }

  /** UFCR.RXTL: RRDY once this many bytes are in the RX FIFO (0 acts as 1). */
  private rxThreshold(): number {
    return Math.max(1, this.reg(Word.ufcrXor, RESET.ufcr) & 0x3f);
  }

  /** UFCR.TXTL: TRDY while fewer than this many bytes wait to be sent (values below 2 act as 2). */
  private txThreshold(): number {
    return Math.max(2, (this.reg(Word.ufcrXor, RESET.ufcr) >> 10) & 0x3f);
  }

  private usr1(): number {
    let value = this.words[Word.latched1]! | ImxUsr1.rtss;
    if (this.rx.count >= this.rxThreshold()) value |= ImxUsr1.rrdy;
    if (this.tx.count < this.txThreshold()) value |= ImxUsr1.trdy;
    return value;
  }

  private usr2(): number {
    let value = this.words[Word.latched2]!;
    if (this.rx.count > 0) value |= ImxUsr2.rdr;
    if (this.tx.count === 0) value |= ImxUsr2.txfe | ImxUsr2.txdc;
    return value;
  }

  private uts(): number {
    let value = this.words[Word.uts]!;
    if (this.rx.count === 0) value |= ImxUts.rxempty;
    if (this.rx.count >= FIFO_DEPTH) value |= 1 << 3;
    if (this.tx.count === 0) value |= ImxUts.txempty;
    if (this.tx.count >= FIFO_DEPTH) value |= ImxUts.txfull;
    return value;
  }

  private readData(): number {
    const w = this.words;
    const byte = this.rx.pop();
    if (byte < 0) return 0;
    const flags = w[Word.rxFlags]!;
    w[Word.rxFlags] = 0;
    if (!this.loopback()) {
      const next = this.inputRing.pop();
      if (next >= 0) this.receive(next);
    }
    if (this.rx.count === 0) w[Word.latched1] = w[Word.latched1]! & ~ImxUsr1.agtim;
    this.updateIrq();
    return ImxUrxd.charRdy | flags | byte;
  }

  private writeData(byte: number): void {
    if (this.loopback()) {
      this.receive(byte);
      return;
    }
    if (!this.tx.push(byte)) this.words[Word.lost] = this.words[Word.lost]! + 1;
    this.tx.drainTo(this.outputRing);
  }

  private receive(byte: number): void {
    const w = this.words;
    if (!this.rx.push(byte)) {
      w[Word.latched2] = w[Word.latched2]! | ImxUsr2.ore;
      // The byte that stays at the head reports the overrun (URXD.ERR | OVRRUN), as the RM describes.
      w[Word.rxFlags] = ImxUrxd.err | ImxUrxd.ovrrun;
      w[Word.lost] = w[Word.lost]! + 1;
    }
  }

  private softwareReset(): void {
    const w = this.words;
    this.rx.clear();
    this.tx.clear();
    w[Word.latched1] = 0;
    w[Word.latched2] = 0;
    w[Word.rxFlags] = 0;
  }

  private pending(): boolean {
    const ucr1 = this.words[Word.ucr1]!;
    const ucr2 = this.reg(Word.ucr2Xor, RESET.ucr2);
    const ucr4 = this.reg(Word.ucr4Xor, RESET.ucr4);
    const usr1 = this.usr1();
    const usr2 = this.usr2();
    return (
      ((ucr1 & ImxUcr1.rrdyen) !== 0 && (usr1 & ImxUsr1.rrdy) !== 0) ||
      ((ucr2 & ImxUcr2.aten) !== 0 && (usr1 & ImxUsr1.agtim) !== 0) ||
      ((ucr1 & ImxUcr1.trdyen) !== 0 && (usr1 & ImxUsr1.trdy) !== 0) ||
      ((ucr1 & ImxUcr1.txmptyen) !== 0 && (usr2 & ImxUsr2.txfe) !== 0) ||
      ((ucr4 & ImxUcr4.dren) !== 0 && (usr2 & ImxUsr2.rdr) !== 0) ||
      ((ucr4 & ImxUcr4.tcen) !== 0 && (usr2 & ImxUsr2.txdc) !== 0) ||
      ((ucr4 & ImxUcr4.oren) !== 0 && (usr2 & ImxUsr2.ore) !== 0)
    );
  }

  private updateIrq(): void {
    const level = this.pending() ? 1 : 0;
    if (this.words[Word.irqLevel] === level) return;
    this.words[Word.irqLevel] = level;
    this.options.sink.setLevel(this.options.line, level === 1);
  }
}
