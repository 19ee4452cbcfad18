import { describe, expect, it } from 'vitest';
import { Pl011, Pl011Flag, Pl011Int, Pl011Offset as R } from '../../../../src/core/devices/uart/pl011';
import { RecordingSink, sharedRegion } from './helpers';

const LINE = 33;
const FEN = 0x10;

function setup(revision: 1 | 3 = 1) {
  const sink = new RecordingSink();
  const region = sharedRegion(Pl011.stateBytes(64));
  const uart = new Pl011(region, { sink, line: LINE, revision });
  const rd = (offset: number) => uart.read(offset, 4);
  const wr = (offset: number, value: number) => uart.write(offset, 4, value);
  const input = (text: string) => {
    uart.inputRing.pushBytes([...text].map((c) => c.charCodeAt(0)));
    uart.poll();
  };
  const output = () => String.fromCharCode(...uart.outputRing.drain());
  return { uart, sink, region, rd, wr, input, output };
}

describe('Pl011', () => {
  it('identifies as an Arm PL011 PrimeCell with the reset values of the TRM', () => {
    const { rd, uart } = setup();
    const id = (base: number) => [0, 1, 2, 3].reduce((v, i) => v | (rd(base + 4 * i) << (8 * i)), 0) >>> 0;
    expect(id(R.periphId0)).toBe(0x0014_1011);
    expect(id(R.cellId0)).toBe(0xb105_f00d);
    expect(rd(R.fr)).toBe(Pl011Flag.rxfe | Pl011Flag.txfe);
    expect(rd(R.cr)).toBe(0x300);
    expect(rd(R.ifls)).toBe(0x12);
    for (const reg of uart.registers) if (reg.access !== 'wo' && reg.count === undefined) expect(uart.peek()[reg.name], reg.name).toBe(reg.reset);
    expect(uart.fifoDepth).toBe(16);
    expect(setup(3).uart.fifoDepth).toBe(32);
    expect(setup(3).rd(R.periphId0 + 8)).toBe(0x34);
  });

  it('transmits like earlycon: poll TXFF, write DR, bytes reach the console sink', () => {
    const { rd, wr, output } = setup();
    for (const c of 'hello\n') {
      expect(rd(R.fr) & Pl011Flag.txff).toBe(0);
      wr(R.dr, c.charCodeAt(0));
    }
    expect(output()).toBe('hello\n');
    expect(rd(R.fr) & (Pl011Flag.busy | Pl011Flag.txfe)).toBe(Pl011Flag.txfe);
  });

  it('runs the amba-pl011 startup and RX interrupt sequence', () => {
    const { rd, wr, input, sink, uart } = setup();
    // pl011_startup: divisors, 8N1 with FIFOs, IFLS = vendor_arm.ifls (UART011_IFLS_RX4_8 |
    // UART011_IFLS_TX4_8 in amba-pl011.c: RX 1/2, TX 1/2), clear and unmask RX|RT, enable.
    wr(R.ibrd, 1); wr(R.fbrd, 5);
    wr(R.lcrH, 0x60 | FEN);
    wr(R.ifls, (2 << 3) | 2);
    wr(R.icr, 0x7ff);
    wr(R.imsc, Pl011Int.rx | Pl011Int.rt);
    wr(R.cr, 0x301);
    expect(rd(R.ibrd)).toBe(1);
    expect(rd(R.fbrd)).toBe(5);
    expect(sink.level(LINE)).toBe(false);
    // Three bytes: below the trigger level (8 of 16): only the receive timeout fires.
    input('abc');
    expect(rd(R.mis)).toBe(Pl011Int.rt);
    expect(sink.level(LINE)).toBe(true);
    expect(rd(R.fr) & Pl011Flag.rxfe).toBe(0);
    let text = '';
    while ((rd(R.fr) & Pl011Flag.rxfe) === 0) text += String.fromCharCode(rd(R.dr) & 0xff);
    expect(text).toBe('abc');
    expect(sink.level(LINE)).toBe(false);
    // Filling the FIFO to its 16 bytes: RX at the trigger level, RXFF, the rest waits in the host ring.
    input('0123456789abcdefXY');
    expect(rd(R.ris) & Pl011Int.rx).toBe(Pl011Int.rx);
    expect(rd(R.fr) & Pl011Flag.rxff).toBe(Pl011Flag.rxff);
    expect(uart.peek().rxFifo).toBe(16);
    text = '';
    for (let i = 0; i < 18; i++) text += String.fromCharCode(rd(R.dr) & 0xff);
    expect(text).toBe('0123456789abcdefXY');
    expect(sink.level(LINE)).toBe(false);
  });

  it('latches RX on reaching the trigger level, so UARTICR clears it while the bytes stay (QEMU pl011_put_fifo, TRM)', () => {
    const { rd, wr, input, sink } = setup();
    wr(R.lcrH, 0x60 | FEN);
    wr(R.ifls, 0); // RX trigger 1/8 of 16 = 2 bytes
    wr(R.imsc, Pl011Int.rx);
    input('a');
    expect(rd(R.ris) & Pl011Int.rx).toBe(0);
    input('b');
    expect(rd(R.ris) & Pl011Int.rx).toBe(Pl011Int.rx);
    expect(sink.level(LINE)).toBe(true);
    // Linux pl011_enable_interrupts writes RXIS to ICR: the interrupt clears though 2 bytes remain.
    wr(R.icr, Pl011Int.rx);
    expect(rd(R.ris) & Pl011Int.rx).toBe(0);
    expect(sink.level(LINE)).toBe(false);
    input('c'); // 3 bytes: no new transition through the level
    expect(rd(R.ris) & Pl011Int.rx).toBe(0);
    rd(R.dr); rd(R.dr); // down to 1, below the level
    input('d'); // back up to 2: a new transition raises RX
    expect(rd(R.ris) & Pl011Int.rx).toBe(Pl011Int.rx);
    rd(R.dr); // below the level again: RX falls
    expect(rd(R.ris) & Pl011Int.rx).toBe(0);
    expect(sink.level(LINE)).toBe(false);
  });

  it('raises TX when the FIFO drains to its trigger level and clears it through ICR', () => {
    const { rd, wr, sink, output } = setup();
    wr(R.lcrH, 0x60 | FEN);
    wr(R.imsc, Pl011Int.tx);
    expect(sink.level(LINE)).toBe(false); // not at reset: the driver primes the FIFO
    wr(R.dr, 0x41);
    expect(rd(R.ris) & Pl011Int.tx).toBe(Pl011Int.tx);
    expect(sink.level(LINE)).toBe(true);
    wr(R.icr, Pl011Int.tx);
    expect(sink.level(LINE)).toBe(false);
    expect(output()).toBe('A');
  });

  it('holds bytes in the TX FIFO while the console is full and reports TXFF', () => {
    const sink = new RecordingSink();
    const uart = new Pl011(sharedRegion(Pl011.stateBytes(32)), { sink, line: LINE });
    uart.write(R.lcrH, 4, FEN);
    for (let i = 0; i < 32 + 16; i++) uart.write(R.dr, 4, 0x30 + (i % 10));
    expect(uart.read(R.fr, 4) & Pl011Flag.txff).toBe(Pl011Flag.txff);
    expect(uart.outputRing.drain().length).toBe(32);
    uart.poll();
    expect(uart.read(R.fr, 4) & Pl011Flag.txfe).toBe(Pl011Flag.txfe);
    expect(uart.outputRing.drain().length).toBe(16);
  });

  it('loops TX back to RX with CR.LBE and flags an overrun in character mode', () => {
    const { rd, wr } = setup();
    wr(R.cr, 0x381);
    wr(R.dr, 0x55);
    expect(rd(R.fr) & Pl011Flag.rxff).toBe(Pl011Flag.rxff);
    wr(R.dr, 0x66);
    expect(rd(R.ris) & Pl011Int.oe).toBe(Pl011Int.oe);
    expect(rd(R.dr)).toBe(0x55);
  });

  it('keeps its state in the shared region: a second instance sees the same UART', () => {
    const { region, wr, input } = setup();
    const other = new Pl011(region, { sink: new RecordingSink(), line: LINE });
    wr(R.lcrH, FEN);
    wr(R.imsc, Pl011Int.rt);
    input('xy');
    expect(other.read(R.mis, 4)).toBe(Pl011Int.rt);
    expect(other.read(R.dr, 4)).toBe(0x78);
    expect(other.read(R.dr, 4)).toBe(0x79);
    expect(other.read(R.fr, 4) & Pl011Flag.rxfe).toBe(Pl011Flag.rxfe);
  });
});
