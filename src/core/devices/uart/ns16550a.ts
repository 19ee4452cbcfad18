/**
 * NS16550A UART, as QEMU's `serial` device presents it and as Linux's 8250 driver, OpenSBI and
 * bare-metal console code drive it: eight byte-wide registers (RBR/THR, IER, IIR/FCR, LCR, MCR, LSR,
 * MSR, SCR) with the divisor latch behind LCR.DLAB, 16-byte receive and transmit FIFOs with the
 * receive trigger level, the four interrupt sources in their priority order (line status, received
 * data or character timeout, transmitter empty, modem status), modem-control loopback, and a level
 * interrupt line.
 *
 * Left out: baud-rate timing (the divisor is stored but bytes move as fast as the host takes them),
 * parity/framing/break errors (no wire to get them from), the host's modem lines (DCD, DSR and CTS
 * read as asserted outside loopback, like QEMU without a chardev that reports them), DMA mode
 * signals, and OUT2 gating of the interrupt (QEMU does not gate either; PC-style boards would).
 *
 * Transmission: THR bytes enter the TX FIFO and move at once to the output ring the host drains. When
 * the ring is full they wait in the FIFO (LSR.THRE reads 0, the guest backs off) until `poll()` finds
 * room. The character timeout is modelled as "a poll went by": `poll()` raises it when fewer bytes
 * than the trigger level wait in the RX FIFO, because the host polls far less often than four
 * character times.
 */
import type { IrqSink, MmioDevice, RegisterDef, SharedRegion } from '../../bus/types';
import { ByteRing } from '../byte-ring';

const FIFO_DEPTH = 16;
const HEADER_BYTES = 256;
const RX_FIFO_BYTE = 128;
const TX_FIFO_BYTE = RX_FIFO_BYTE + FIFO_DEPTH;

/** Int32 word indices of the shared state. An all-zero state is the reset state. */
const Word = {
  ier: 0,
  lcr: 1,
  mcr: 2,
  /** OE, PE, FE and BI bits of LSR, cleared by reading LSR. */
  lineErrors: 3,
  /** Delta bits (DCTS, DDSR, TERI, DDCD) of MSR, cleared by reading MSR. */
  modemDeltas: 4,
  scr: 5,
  dll: 6,
  dlm: 7,
  /** FIFO enable and receive trigger bits as last written to FCR. */
  fcr: 8,
  /** THR-empty interrupt latch: set when the transmitter empties, cleared by THR write or IIR read. */
  thrPending: 9,
  timeoutPending: 10,
  rxCount: 11,
  rxHead: 12,
  txCount: 13,
  txHead: 14,
  /** Level last driven on the IRQ line, so the controller is only told about changes. */
  irqLevel: 15,
  /** Bytes lost: RX overruns plus THR writes into a full TX FIFO. */
  lost: 16,
} as const;

export const Ier = { receivedData: 0x01, thrEmpty: 0x02, lineStatus: 0x04, modemStatus: 0x08 } as const;
export const Lsr = {
  dataReady: 0x01,
  overrun: 0x02,
  parity: 0x04,
  framing: 0x08,
  break: 0x10,
  thrEmpty: 0x20,
  transmitterEmpty: 0x40,
  fifoError: 0x80,
} as const;
/** Interrupt identification codes (IIR bits 0..3). */
export const IirId = { none: 0x01, lineStatus: 0x06, receivedData: 0x04, timeout: 0x0c, thrEmpty: 0x02, modemStatus: 0x00 } as const;
const Mcr = { dtr: 0x01, rts: 0x02, out1: 0x04, out2: 0x08, loopback: 0x10 } as const;
const Msr = { dcts: 0x01, ddsr: 0x02, teri: 0x04, ddcd: 0x08, cts: 0x10, dsr: 0x20, ri: 0x40, dcd: 0x80 } as const;
const LCR_DLAB = 0x80;
const FCR_ENABLE = 0x01;
const FCR_CLEAR_RX = 0x02;
const FCR_CLEAR_TX = 0x04;
const TRIGGER_LEVELS = [1, 4, 8, 14] as const;
/** Modem status outside loopback: carrier, data set ready and clear to send asserted. */
const IDLE_MODEM_STATUS = Msr.dcd | Msr.dsr | Msr.cts;

/** The eight byte registers (shared with the DesignWare UART, which spaces them 4 bytes apart). */
export const NS16550A_REGISTERS: readonly RegisterDef[] = [
  { name: 'RBR', offset: 0, width: 1, access: 'ro', reset: 0, description: 'Receive buffer (DLAB=0, read): pops the RX FIFO' },
  { name: 'THR', offset: 0, width: 1, access: 'wo', reset: 0, description: 'Transmit holding (DLAB=0, write)' },
  { name: 'DLL', offset: 0, width: 1, access: 'rw', reset: 0, description: 'Divisor latch low (DLAB=1)' },
  {
    name: 'IER', offset: 1, width: 1, access: 'rw', reset: 0, description: 'Interrupt enable (DLAB=0)',
    fields: [
      { name: 'ERBFI', lsb: 0, width: 1, description: 'received data available / timeout' },
      { name: 'ETBEI', lsb: 1, width: 1, description: 'transmitter holding register empty' },
      { name: 'ELSI', lsb: 2, width: 1, description: 'receiver line status' },
      { name: 'EDSSI', lsb: 3, width: 1, description: 'modem status' },
    ],
  },
  { name: 'DLM', offset: 1, width: 1, access: 'rw', reset: 0, description: 'Divisor latch high (DLAB=1)' },
  {
    name: 'IIR', offset: 2, width: 1, access: 'ro', reset: 0x01, description: 'Interrupt identification (read); reading it acknowledges a THRE interrupt',
    fields: [
      { name: 'NOINT', lsb: 0, width: 1, description: '1 = no interrupt pending' },
      { name: 'ID', lsb: 1, width: 3, description: '3 = line status, 2 = received data, 6 = timeout, 1 = THR empty, 0 = modem status' },
      { name: 'FIFOS', lsb: 6, width: 2, description: '3 when FIFOs are enabled' },
    ],
  },
  {
    name: 'FCR', offset: 2, width: 1, access: 'wo', reset: 0, description: 'FIFO control (write)',
    fields: [
      { name: 'ENABLE', lsb: 0, width: 1 },
      { name: 'CLEAR_RX', lsb: 1, width: 1 },
      { name: 'CLEAR_TX', lsb: 2, width: 1 },
      { name: 'TRIGGER', lsb: 6, width: 2, description: 'RX trigger level 1, 4, 8 or 14 bytes' },
    ],
  },
  {
    name: 'LCR', offset: 3, width: 1, access: 'rw', reset: 0, description: 'Line control',
    fields: [
      { name: 'WLS', lsb: 0, width: 2, description: 'word length - 5' },
      { name: 'STB', lsb: 2, width: 1 },
      { name: 'PEN', lsb: 3, width: 1 },
      { name: 'EPS', lsb: 4, width: 1 },
      { name: 'STICK', lsb: 5, width: 1 },
      { name: 'BREAK', lsb: 6, width: 1 },
      { name: 'DLAB', lsb: 7, width: 1, description: 'divisor latch access' },
    ],
  },
  {
    name: 'MCR', offset: 4, width: 1, access: 'rw', reset: 0, description: 'Modem control',
    fields: [
      { name: 'DTR', lsb: 0, width: 1 },
      { name: 'RTS', lsb: 1, width: 1 },
      { name: 'OUT1', lsb: 2, width: 1 },
      { name: 'OUT2', lsb: 3, width: 1 },
      { name: 'LOOP', lsb: 4, width: 1, description: 'loopback: THR feeds RBR, MCR outputs feed MSR inputs' },
    ],
  },
  {
    name: 'LSR', offset: 5, width: 1, access: 'ro', reset: 0x60, description: 'Line status; reading it clears the error bits',
    fields: [
      { name: 'DR', lsb: 0, width: 1, description: 'data ready' },
      { name: 'OE', lsb: 1, width: 1, description: 'overrun error' },
      { name: 'PE', lsb: 2, width: 1 },
      { name: 'FE', lsb: 3, width: 1 },
      { name: 'BI', lsb: 4, width: 1 },
      { name: 'THRE', lsb: 5, width: 1, description: 'TX FIFO empty' },
      { name: 'TEMT', lsb: 6, width: 1, description: 'transmitter empty' },
      { name: 'RXFE', lsb: 7, width: 1 },
    ],
  },
  {
    name: 'MSR', offset: 6, width: 1, access: 'ro', reset: 0xb0, description: 'Modem status; reading it clears the delta bits',
    fields: [
      { name: 'DCTS', lsb: 0, width: 1 },
      { name: 'DDSR', lsb: 1, width: 1 },
      { name: 'TERI', lsb: 2, width: 1 },
      { name: 'DDCD', lsb: 3, width: 1 },
      { name: 'CTS', lsb: 4, width: 1 },
      { name: 'DSR', lsb: 5, width: 1 },
      { name: 'RI', lsb: 6, width: 1 },
      { name: 'DCD', lsb: 7, width: 1 },
    ],
  },
  { name: 'SCR', offset: 7, width: 1, access: 'rw', reset: 0, description: 'Scratch' },
];

export interface UartIrq {
  readonly sink: IrqSink;
  readonly line: number;
}

export class Ns16550a implements MmioDevice {
  readonly kind = 'ns16550a';
  readonly registers = NS16550A_REGISTERS;
  /** Bytes the guest transmitted; the host drains it. */
  readonly outputRing: ByteRing;
  /** Bytes for the guest; the host fills it and then calls `poll()` under the machine lock. */
  readonly inputRing: ByteRing;
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;

  /** Shared bytes for the registers, FIFOs and two host rings of `ringCapacity` bytes each. */
  static stateBytes(ringCapacity = 4096): number {
    return HEADER_BYTES + 2 * ByteRing.stateBytes(ringCapacity);
  }

  static create(region: SharedRegion, irq: UartIrq): Ns16550a {
    return new Ns16550a(region, irq);
  }

  constructor(region: SharedRegion, private readonly irq: UartIrq) {
    const ringBytes = (region.byteLength - HEADER_BYTES) / 2;
    if (!Number.isInteger(ringBytes) || ringBytes <= 16) throw new Error(`ns16550a region of ${region.byteLength} bytes is too small`);
    this.words = new Int32Array(region.buffer, region.byteOffset, HEADER_BYTES / 4);
    this.bytes = new Uint8Array(region.buffer, region.byteOffset, HEADER_BYTES);
    const ringBase = region.byteOffset + HEADER_BYTES;
    this.outputRing = new ByteRing({ buffer: region.buffer, byteOffset: ringBase, byteLength: ringBytes });
    this.inputRing = new ByteRing({ buffer: region.buffer, byteOffset: ringBase + ringBytes, byteLength: ringBytes });
  }

  read(offset: number, _size: 1 | 2 | 4): number {
    const w = this.words;
    const dlab = (w[Word.lcr]! & LCR_DLAB) !== 0;
    switch (offset) {
      case 0: return dlab ? w[Word.dll]! : this.readRbr();
      case 1: return dlab ? w[Word.dlm]! : w[Word.ier]!;
      case 2: return this.readIir();
      case 3: return w[Word.lcr]!;
      case 4: return w[Word.mcr]!;
      case 5: return this.readLsr();
      case 6: return this.readMsr();
      case 7: return w[Word.scr]!;
      default: return 0;
    }
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    const w = this.words;
    const byte = value & 0xff;
    const dlab = (w[Word.lcr]! & LCR_DLAB) !== 0;
    switch (offset) {
      case 0:
        if (dlab) w[Word.dll] = byte;
        else this.writeThr(byte);
        return;
      case 1:
        if (dlab) w[Word.dlm] = byte;
        else this.writeIer(byte);
        return;
      case 2: this.writeFcr(byte); return;
      case 3: w[Word.lcr] = byte; return;
      case 4: this.writeMcr(byte & 0x1f); return;
      case 7: w[Word.scr] = byte; return;
      default: return; // LSR and MSR are read-only; writes to them are ignored as on the chip.
    }
  }

  reset(): void {
    this.words.fill(0);
    this.bytes.fill(0, RX_FIFO_BYTE, TX_FIFO_BYTE + FIFO_DEPTH);
    this.outputRing.clear();
    this.inputRing.clear();
    this.irq.sink.setLevel(this.irq.line, false);
  }

  /**
   * Called by the host (under the machine lock) after it filled the input ring or drained the output
   * ring: moves input into the RX FIFO, resumes a stalled transmitter and updates the interrupt.
   */
  poll(): void {
    const w = this.words;
    this.transmit();
    if ((w[Word.mcr]! & Mcr.loopback) === 0) {
      // The host ring is the flow control: bytes wait there instead of overrunning the FIFO.
      while (w[Word.rxCount]! < this.fifoDepth()) {
        const byte = this.inputRing.pop();
        if (byte < 0) break;
        this.receive(byte);
      }
    }
    const count = w[Word.rxCount]!;
    if (count > 0 && count < this.triggerLevel()) w[Word.timeoutPending] = 1;
    this.updateIrq();
  }

  /** Side-effect-free register values for the inspector. */
  peek(): Record<string, number> {
    const w = this.words;
    return {
      RBR: w[Word.rxCount]! > 0 ? this.bytes[RX_FIFO_BYTE + w[Word.rxHead]!]! : 0,
      IER: w[Word.ier]!,
      IIR: this.iirValue(),
      FCR: w[Word.fcr]!,
      LCR: w[Word.lcr]!,
      MCR: w[Word.mcr]!,
      LSR: this.lsrValue(),
      MSR: this.msrValue(),
      SCR: w[Word.scr]!,
      DLL: w[Word.dll]!,
      DLM: w[Word.dlm]!,
      rxFifo: w[Word.rxCount]!,
      txFifo: w[Word.txCount]!,
      irq: w[Word.irqLevel]!,
      lost: w[Word.lost]!,
    };
  }

  /** Bytes in each FIFO and their depth (16, or 1 with the FIFOs off), without side effects. */
  fifoLevels(): { rx: number; tx: number; depth: number } {
    return { rx: this.words[Word.rxCount]!, tx: this.words[Word.txCount]!, depth: this.fifoDepth() };
  }

  /** True while the interrupt line is high. */
  get irqLevel(): boolean {
    return this.words[Word.irqLevel] !== 0;
  }

  private fifoEnabled(): boolean {
    return (this.words[Word.fcr]! & FCR_ENABLE) !== 0;
  }

  private fifoDepth(): number {
    return this.fifoEnabled() ? FIFO_DEPTH : 1;
  }

  private triggerLevel(): number {
    return this.fifoEnabled() ? TRIGGER_LEVELS[(this.words[Word.fcr]! >> 6) & 3]! : 1;
  }

  private readRbr(): number {
    const w = this.words;
    w[Word.timeoutPending] = 0;
    const count = w[Word.rxCount]!;
    if (count === 0) return 0;
    const head = w[Word.rxHead]!;
    const byte = this.bytes[RX_FIFO_BYTE + head]!;
    w[Word.rxHead] = (head + 1) % FIFO_DEPTH;
    w[Word.rxCount] = count - 1;
    // Top the FIFO up from the host ring so that input does not wait for the next poll (matters
    // most in character mode, where the "FIFO" holds one byte).
    if ((w[Word.mcr]! & Mcr.loopback) === 0) {
      const next = this.inputRing.pop();
      if (next >= 0) this.receive(next);
    }
    this.updateIrq();
    return byte;
  }

  private readIir(): number {
    const value = this.iirValue();
    // Reading IIR while THRE is the reported source is how the driver acknowledges it.
    if ((value & 0x0f) === IirId.thrEmpty) {
      this.words[Word.thrPending] = 0;
      this.updateIrq();
    }
    return value;
  }

  private readLsr(): number {
    const value = this.lsrValue();
    if (this.words[Word.lineErrors] !== 0) {
      this.words[Word.lineErrors] = 0;
      this.updateIrq();
    }
    return value;
  }

  private readMsr(): number {
    const value = this.msrValue();
    if (this.words[Word.modemDeltas] !== 0) {
      this.words[Word.modemDeltas] = 0;
      this.updateIrq();
    }
    return value;
  }

  private writeThr(byte: number): void {
    const w = this.words;
    w[Word.thrPending] = 0;
    if ((w[Word.mcr]! & Mcr.loopback) !== 0) {
      this.receive(byte);
      w[Word.thrPending] = 1;
    } else {
      const count = w[Word.txCount]!;
      if (count < this.fifoDepth()) {
        this.bytes[TX_FIFO_BYTE + ((w[Word.txHead]! + count) % FIFO_DEPTH)] = byte;
        w[Word.txCount] = count + 1;
      } else {
        w[Word.lost] = w[Word.lost]! + 1;
      }
      this.transmit();
    }
    this.updateIrq();
  }

  private writeIer(byte: number): void {
    const w = this.words;
    const value = byte & 0x0f;
    const changed = value ^ w[Word.ier]!;
    w[Word.ier] = value;
    // Enabling ETBEI with the transmitter already empty raises THRE at once (16550 behaviour
    // that Linux's 8250 driver relies on to start transmission).
    if ((changed & Ier.thrEmpty) !== 0) {
      w[Word.thrPending] = (value & Ier.thrEmpty) !== 0 && w[Word.txCount] === 0 ? 1 : 0;
    }
    this.updateIrq();
  }

  private writeFcr(byte: number): void {
    const w = this.words;
    const wasEnabled = (w[Word.fcr]! & FCR_ENABLE) !== 0;
    const enable = (byte & FCR_ENABLE) !== 0;
    // Toggling the FIFO enable clears both FIFOs, as on the chip.
    const clearAll = wasEnabled !== enable;
    if (clearAll || (byte & FCR_CLEAR_RX) !== 0) {
      w[Word.rxCount] = 0;
      w[Word.rxHead] = 0;
      w[Word.timeoutPending] = 0;
    }
    if (clearAll || (byte & FCR_CLEAR_TX) !== 0) {
      w[Word.txCount] = 0;
      w[Word.txHead] = 0;
      w[Word.thrPending] = 1;
    }
    w[Word.fcr] = byte & 0xc1;
    this.updateIrq();
  }

  private writeMcr(value: number): void {
    const w = this.words;
    const before = this.modemStatus();
    w[Word.mcr] = value;
    const after = this.modemStatus();
    let deltas = 0;
    if ((before ^ after) & Msr.cts) deltas |= Msr.dcts;
    if ((before ^ after) & Msr.dsr) deltas |= Msr.ddsr;
    if ((before ^ after) & Msr.dcd) deltas |= Msr.ddcd;
    if ((before & Msr.ri) !== 0 && (after & Msr.ri) === 0) deltas |= Msr.teri;
    w[Word.modemDeltas] = w[Word.modemDeltas]! | deltas;
    this.updateIrq();
  }

  /** Puts a received byte into the RX FIFO, or flags an overrun when it is full. */
  private receive(byte: number): void {
    const w = this.words;
    const count = w[Word.rxCount]!;
    if (count >= this.fifoDepth()) {
      w[Word.lineErrors] = w[Word.lineErrors]! | Lsr.overrun;
      w[Word.lost] = w[Word.lost]! + 1;
      return;
    }
    this.bytes[RX_FIFO_BYTE + ((w[Word.rxHead]! + count) % FIFO_DEPTH)] = byte;
    w[Word.rxCount] = count + 1;
  }

  /** Moves TX FIFO bytes to the output ring while it has room; an emptied FIFO raises THRE. */
  private transmit(): void {
    const w = this.words;
    let count = w[Word.txCount]!;
    if (count === 0) return;
    let head = w[Word.txHead]!;
    while (count > 0 && this.outputRing.free() > 0) {
      this.outputRing.push(this.bytes[TX_FIFO_BYTE + head]!);
      head = (head + 1) % FIFO_DEPTH;
      count--;
    }
    w[Word.txHead] = head;
    w[Word.txCount] = count;
    if (count === 0) w[Word.thrPending] = 1;
  }

  private modemStatus(): number {
    const mcr = this.words[Word.mcr]!;
    if ((mcr & Mcr.loopback) === 0) return IDLE_MODEM_STATUS;
    let status = 0;
    if (mcr & Mcr.rts) status |= Msr.cts;
    if (mcr & Mcr.dtr) status |= Msr.dsr;
    if (mcr & Mcr.out1) status |= Msr.ri;
    if (mcr & Mcr.out2) status |= Msr.dcd;
    return status;
  }

  private msrValue(): number {
    return this.modemStatus() | this.words[Word.modemDeltas]!;
  }

  private lsrValue(): number {
    const w = this.words;
    let value = w[Word.lineErrors]!;
    if (w[Word.rxCount]! > 0) value |= Lsr.dataReady;
    if (w[Word.txCount] === 0) value |= Lsr.thrEmpty | Lsr.transmitterEmpty;
    return value;
  }

  /** The highest-priority pending interrupt source, as the IIR identification code. */
  private identify(): number {
    const w = this.words;
    const ier = w[Word.ier]!;
    if ((ier & Ier.lineStatus) !== 0 && w[Word.lineErrors] !== 0) return IirId.lineStatus;
    if ((ier & Ier.receivedData) !== 0) {
      const count = w[Word.rxCount]!;
      if (count >= this.triggerLevel()) return IirId.receivedData;
      if (count > 0 && w[Word.timeoutPending] !== 0) return IirId.timeout;
    }
    if ((ier & Ier.thrEmpty) !== 0 && w[Word.thrPending] !== 0) return IirId.thrEmpty;
    if ((ier & Ier.modemStatus) !== 0 && w[Word.modemDeltas] !== 0) return IirId.modemStatus;
    return IirId.none;
  }

  private iirValue(): number {
    return this.identify() | (this.fifoEnabled() ? 0xc0 : 0);
  }

  private updateIrq(): void {
    const level = this.identify() !== IirId.none ? 1 : 0;
    if (this.words[Word.irqLevel] === level) return;
    this.words[Word.irqLevel] = level;
    this.irq.sink.setLevel(this.irq.line, level === 1);
  }
}
