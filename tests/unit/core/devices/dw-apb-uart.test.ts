/**
 * The DesignWare APB UART as Linux's 8250_dw.c and `earlycon=uart8250,mmio32` drive it: the 16550
 * registers 4 bytes apart with 32-bit accesses, USR's FIFO flags, TFL/RFL, the software reset, the
 * received-data interrupt, and CPR/UCV reading 0 (no additional features).
 */
import { describe, expect, it } from 'vitest';
import { DwApbUart, DwApbUartOffset as R, DwUsr } from '../../../../src/core/devices/uart/dw-apb-uart';
import { RecordingSink, sharedRegion } from './helpers';

const LINE = 365;
const THR = 0x00;
const IER = 0x04;
const IIR_FCR = 0x08;
const LCR = 0x0c;
const LSR = 0x14;
const SCR = 0x1c;

function setup(ring = 64) {
  const sink = new RecordingSink();
  const uart = new DwApbUart(sharedRegion(DwApbUart.stateBytes(ring)), { sink, line: LINE });
  const rd = (offset: number) => uart.read(offset, 4);
  const wr = (offset: number, value: number) => uart.write(offset, 4, value);
  const input = (text: string) => {
    uart.inputRing.pushBytes([...text].map((c) => c.charCodeAt(0)));
    uart.poll();
  };
  const output = () => String.fromCharCode(...uart.outputRing.drain());
  return { uart, sink, rd, wr, input, output };
}

describe('DwApbUart', () => {
  it('puts the 16550 registers 4 bytes apart (reg-shift 2); the bytes in between read 0 and ignore writes', () => {
    const { rd, wr } = setup();
    wr(SCR, 0xa5);
    expect(rd(SCR)).toBe(0xa5);
    expect(rd(LSR)).toBe(0x60);
    wr(0x1d, 0x11);
    expect(rd(0x1d)).toBe(0);
    expect(rd(SCR)).toBe(0xa5);
    // Offset 7, a plain 16550's SCR, is inside IER's word here.
    expect(rd(0x07)).toBe(0);
  });

  it('transmits like earlycon=uart8250,mmio32: wait for LSR.THRE, write THR', () => {
    const { rd, wr, output } = setup();
    for (const c of 'rk3588\n') {
      expect(rd(LSR) & 0x20).toBe(0x20);
      wr(THR, c.charCodeAt(0));
    }
    expect(output()).toBe('rk3588\n');
  });

  it('reports its FIFOs in USR, TFL and RFL', () => {
    const { uart, rd, wr, input, output } = setup(16);
    expect(rd(R.usr)).toBe(DwUsr.tfnf | DwUsr.tfe);
    wr(IIR_FCR, 0x01);
    for (let i = 0; i < 16 + 16; i++) wr(THR, 0x41);
    expect(rd(R.tfl)).toBe(16);
    expect(rd(R.usr) & (DwUsr.tfnf | DwUsr.tfe | DwUsr.busy)).toBe(DwUsr.busy);
    output();
    uart.poll();
    expect(rd(R.tfl)).toBe(0);
    input('hi');
    expect(rd(R.rfl)).toBe(2);
    expect(rd(R.usr) & (DwUsr.rfne | DwUsr.rff)).toBe(DwUsr.rfne);
    expect(uart.peek()).toMatchObject({ USR: rd(R.usr), RFL: 2, TFL: 0 });
  });

  it('interrupts on received data (IER.ERBFI) and drops the line when RBR is read', () => {
    const { rd, wr, input, sink } = setup();
    wr(LCR, 0x03);
    wr(IIR_FCR, 0x07);
    wr(IER, 0x01);
    expect(sink.level(LINE)).toBe(false);
    input('k');
    expect(sink.level(LINE)).toBe(true);
    expect(rd(IIR_FCR) & 0x0f).toBe(0x04);
    expect(rd(THR)).toBe('k'.charCodeAt(0));
    expect(sink.level(LINE)).toBe(false);
  });

  it('resets through SRR: RFR flushes the RX FIFO, UR the registers; CPR and UCV read 0', () => {
    const { rd, wr, input } = setup();
    wr(IIR_FCR, 0x01);
    input('abc');
    wr(R.srr, 0x2);
    expect(rd(R.rfl)).toBe(0);
    wr(LCR, 0x1b);
    wr(IER, 0x05);
    wr(R.srr, 0x1);
    expect([rd(LCR), rd(IER)]).toEqual([0, 0]);
    expect([rd(R.cpr), rd(R.ucv)]).toEqual([0, 0]);
  });
});
