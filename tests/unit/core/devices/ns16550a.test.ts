import { describe, expect, it } from 'vitest';
import { AddressSpace } from '../../../../src/core/bus/address-space';
import { IirId, Ier, Lsr, Ns16550a } from '../../../../src/core/devices/uart/ns16550a';
import { RecordingSink, sharedRegion } from './helpers';

const RBR = 0, THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;
const LINE = 10;

function setup(ringCapacity = 64) {
  const sink = new RecordingSink();
  const region = sharedRegion(Ns16550a.stateBytes(ringCapacity));
  const uart = Ns16550a.create(region, { sink, line: LINE });
  const rd = (offset: number) => uart.read(offset, 1);
  const wr = (offset: number, value: number) => uart.write(offset, 1, value);
  const input = (text: string) => {
    uart.inputRing.pushBytes([...text].map((c) => c.charCodeAt(0)));
    uart.poll();
  };
  const output = () => String.fromCharCode(...uart.outputRing.drain());
  return { uart, sink, region, rd, wr, input, output };
}

describe('Ns16550a registers', () => {
  it('has the documented reset values from all-zero shared memory', () => {
    const { rd, uart } = setup();
    expect(rd(IER)).toBe(0);
    expect(rd(IIR)).toBe(0x01);
    expect(rd(LCR)).toBe(0);
    expect(rd(LSR)).toBe(Lsr.thrEmpty | Lsr.transmitterEmpty);
    expect(rd(MSR)).toBe(0xb0);
    for (const reg of uart.registers) if (reg.access !== 'wo' && reg.name !== 'DLL' && reg.name !== 'DLM') expect(uart.peek()[reg.name]).toBe(reg.reset);
  });

  it('keeps the divisor latch behind LCR.DLAB', () => {
    const { rd, wr } = setup();
    wr(IER, 0x05);
    wr(LCR, 0x83);
    wr(0, 0x01);
    wr(1, 0x02);
    expect(rd(0)).toBe(0x01);
    expect(rd(1)).toBe(0x02);
    wr(LCR, 0x03);
    expect(rd(IER)).toBe(0x05);
    expect(rd(LCR)).toBe(0x03);
    expect(rd(RBR)).toBe(0);
  });

  it('keeps only the four defined IER bits and scratch bytes', () => {
    const { rd, wr } = setup();
    wr(IER, 0xff);
    expect(rd(IER)).toBe(0x0f);
    wr(SCR, 0xa5);
    expect(rd(SCR)).toBe(0xa5);
  });

  it('transmits THR bytes into the output ring', () => {
    const { wr, output } = setup();
    for (const c of 'hello\n') wr(THR, c.charCodeAt(0));
    expect(output()).toBe('hello\n');
  });

  it('works through an AddressSpace like a guest store', () => {
    const { uart, output } = setup();
    const ram = new SharedArrayBuffer(4096);
    const bus = new AddressSpace(0x8000_0000, { buffer: ram, byteOffset: 0, byteLength: 4096 });
    bus.map('uart0', 0x1000_0000, 0x100, uart);
    bus.write(0x1000_0000, 1, 0x41);
    expect(bus.read(0x1000_0005, 1) & Lsr.thrEmpty).toBe(Lsr.thrEmpty);
    expect(output()).toBe('A');
  });

  it('stalls the transmitter while the host ring is full and resumes on poll', () => {
    const { wr, rd, uart, output, sink } = setup(16);
    wr(FCR, 0x01);
    wr(IER, Ier.thrEmpty);
    expect(rd(IIR) & 0x0f).toBe(IirId.thrEmpty); // acknowledges it
    for (let i = 0; i < 16; i++) wr(THR, 0x30);
    expect(rd(LSR) & Lsr.thrEmpty).toBe(Lsr.thrEmpty); // everything went to the ring
    rd(IIR);
    wr(THR, 0x31);
    expect(rd(LSR) & (Lsr.thrEmpty | Lsr.transmitterEmpty)).toBe(0);
    expect(rd(IIR) & 0x0f).toBe(IirId.none);
    expect(sink.level(LINE)).toBe(false);
    expect(output()).toBe('0'.repeat(16));
    uart.poll();
    expect(output()).toBe('1');
    expect(rd(LSR) & Lsr.thrEmpty).toBe(Lsr.thrEmpty);
    expect(sink.level(LINE)).toBe(true);
    expect(rd(IIR) & 0x0f).toBe(IirId.thrEmpty);
  });
});

describe('Ns16550a receive path', () => {
  it('moves host input into the RX FIFO on poll and reports DR', () => {
    const { rd, input } = setup();
    input('ab');
    expect(rd(LSR) & Lsr.dataReady).toBe(Lsr.dataReady);
    expect(rd(RBR)).toBe(0x61);
    expect(rd(RBR)).toBe(0x62);
    expect(rd(LSR) & Lsr.dataReady).toBe(0);
  });

  it('holds at most 16 bytes in the FIFO and leaves the rest in the host ring', () => {
    const { rd, wr, uart, input } = setup();
    wr(FCR, 0x07);
    input('0123456789abcdefXYZ');
    expect(uart.peek().rxFifo).toBe(16);
    expect(uart.inputRing.available()).toBe(3);
    let text = '';
    while (rd(LSR) & Lsr.dataReady) text += String.fromCharCode(rd(RBR));
    expect(text).toBe('0123456789abcdefXYZ');
    expect(rd(LSR) & Lsr.overrun).toBe(0);
  });

  it('without FIFOs holds one byte and refills it from the host ring on read', () => {
    const { rd, uart, input } = setup();
    input('xyz');
    expect(uart.peek().rxFifo).toBe(1);
    expect(rd(RBR)).toBe(0x78);
    expect(rd(RBR)).toBe(0x79);
    expect(rd(RBR)).toBe(0x7a);
    expect(rd(LSR) & Lsr.dataReady).toBe(0);
  });

  it('raises RDA at the trigger level and the timeout below it', () => {
    const { rd, wr, sink, uart } = setup();
    wr(FCR, 0x81); // FIFO on, trigger 8
    wr(IER, Ier.receivedData);
    uart.inputRing.pushBytes([1, 2, 3]);
    uart.poll();
    // Fewer than 8 bytes: the character timeout fires after a poll.
    expect(rd(IIR)).toBe(0xc0 | IirId.timeout);
    expect(sink.level(LINE)).toBe(true);
    rd(RBR);
    expect(rd(IIR)).toBe(0xc0 | IirId.none);
    rd(RBR);
    rd(RBR);
    uart.inputRing.pushBytes([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    uart.poll();
    expect(rd(IIR)).toBe(0xc0 | IirId.receivedData);
    for (let i = 0; i < 2; i++) rd(RBR);
    expect(rd(IIR)).toBe(0xc0 | IirId.none); // 7 left, below trigger, timeout not yet elapsed
    expect(sink.level(LINE)).toBe(false);
  });

  it('clears the RX FIFO through FCR', () => {
    const { rd, wr, input } = setup();
    wr(FCR, 0x01);
    input('abc');
    wr(FCR, 0x03);
    expect(rd(LSR) & Lsr.dataReady).toBe(0);
  });
});

describe('Ns16550a interrupts', () => {
  it('raises THRE when ETBEI is enabled with an empty transmitter', () => {
    const { rd, wr, sink } = setup();
    wr(IER, Ier.thrEmpty);
    expect(sink.level(LINE)).toBe(true);
    expect(rd(IIR)).toBe(IirId.thrEmpty);
    // Reading IIR acknowledged it.
    expect(sink.level(LINE)).toBe(false);
    expect(rd(IIR)).toBe(IirId.none);
  });

  it('re-raises THRE after each write once the byte has left', () => {
    const { rd, wr, sink } = setup();
    wr(IER, Ier.thrEmpty);
    rd(IIR);
    wr(THR, 0x41);
    expect(sink.level(LINE)).toBe(true);
    wr(IER, 0);
    expect(sink.level(LINE)).toBe(false);
  });

  it('orders sources: line status > received data > THRE > modem status', () => {
    const { rd, wr, uart } = setup();
    wr(MCR, 0x10); // loopback: DCD, DSR and CTS drop
    expect(rd(MSR)).toBe(0x0b);
    wr(IER, 0x0f);
    wr(MCR, 0x12); // RTS -> CTS changes: modem status delta
    expect(rd(IIR) & 0x0f).toBe(IirId.thrEmpty);
    expect(rd(IIR) & 0x0f).toBe(IirId.modemStatus);
    wr(THR, 0x55); // loops back into RX
    expect(rd(IIR) & 0x0f).toBe(IirId.receivedData);
    wr(THR, 0x56); // FIFO disabled: one byte deep, so this overruns
    expect(rd(IIR) & 0x0f).toBe(IirId.lineStatus);
    expect(rd(LSR) & Lsr.overrun).toBe(Lsr.overrun);
    expect(rd(LSR) & Lsr.overrun).toBe(0);
    expect(rd(IIR) & 0x0f).toBe(IirId.receivedData);
    expect(rd(RBR)).toBe(0x55);
    expect(rd(IIR) & 0x0f).toBe(IirId.thrEmpty);
    expect(rd(IIR) & 0x0f).toBe(IirId.modemStatus);
    expect(rd(MSR)).toBe(0x10 | 0x01);
    expect(rd(IIR) & 0x0f).toBe(IirId.none);
    expect(uart.peek().lost).toBe(1);
  });

  it('loops MCR outputs to MSR inputs and THR to RBR in loopback', () => {
    const { rd, wr, output } = setup();
    wr(MCR, 0x10 | 0x0f);
    expect(rd(MSR) & 0xf0).toBe(0xf0);
    wr(MCR, 0x10);
    expect(rd(MSR)).toBe(0x0b | 0x04); // DCTS, DDSR, DDCD and trailing-edge RI
    wr(THR, 0x7a);
    expect(rd(RBR)).toBe(0x7a);
    expect(output()).toBe('');
  });

  it('peek has no side effects', () => {
    const { uart, wr, input, rd } = setup();
    wr(IER, Ier.thrEmpty | Ier.receivedData);
    input('q');
    const before = uart.peek();
    expect(uart.peek()).toEqual(before);
    expect(before.RBR).toBe(0x71);
    expect(rd(RBR)).toBe(0x71);
  });

  it('reset clears state and lowers the line', () => {
    const { uart, wr, sink, rd, input } = setup();
    wr(IER, Ier.thrEmpty);
    input('zz');
    uart.reset();
    expect(sink.level(LINE)).toBe(false);
    expect(rd(IER)).toBe(0);
    expect(rd(LSR)).toBe(0x60);
    expect(uart.inputRing.available()).toBe(0);
  });

  it('keeps its state in shared memory: a second instance sees it', () => {
    const { region, wr, sink, input } = setup();
    const other = new Ns16550a(region, { sink, line: LINE });
    wr(SCR, 0x42);
    wr(IER, Ier.receivedData);
    input('k');
    expect(other.read(SCR, 1)).toBe(0x42);
    expect(other.read(RBR, 1)).toBe(0x6b);
    expect(other.irqLevel).toBe(false);
  });
});
