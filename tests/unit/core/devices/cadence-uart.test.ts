/**
 * The Cadence UART as Linux's xilinx_uartps.c and its cdns earlycon drive it: reset values of UG1085,
 * transmit behind SR.TXFULL, the self-clearing FIFO resets, IER/IDR/IMR and ISR acknowledged by writing it
 * back, RXTRIG at RXWM and the receive timeout below it, TXEMPTY when the FIFO drains, overrun and
 * local loopback.
 */
import { describe, expect, it } from 'vitest';
import { CadenceCr, CadenceInt, CadenceSr, CadenceUart, CadenceUartOffset as R } from '../../../../src/core/devices/uart/cadence-uart';
import { RecordingSink, sharedRegion } from './helpers';

const LINE = 53;

function setup(ring = 128) {
  const sink = new RecordingSink();
  const uart = new CadenceUart(sharedRegion(CadenceUart.stateBytes(ring)), { sink, line: LINE });
  const rd = (offset: number) => uart.read(offset, 4);
  const wr = (offset: number, value: number) => uart.write(offset, 4, value);
  const input = (text: string) => {
    uart.inputRing.pushBytes([...text].map((c) => c.charCodeAt(0)));
    uart.poll();
  };
  const output = () => String.fromCharCode(...uart.outputRing.drain());
  return { uart, sink, rd, wr, input, output };
}

describe('CadenceUart', () => {
  it('has the reset values of UG1085', () => {
    const { rd, uart } = setup();
    expect([rd(R.cr), rd(R.mr), rd(R.imr), rd(R.isr), rd(R.baudgen), rd(R.rxwm), rd(R.bauddiv), rd(R.txwm)]).toEqual([0x128, 0, 0, 0, 0x28b, 0x20, 0xf, 0x20]);
    expect(rd(R.sr)).toBe(CadenceSr.rxempty | CadenceSr.txempty);
    for (const reg of uart.registers) if (reg.access !== 'wo') expect(uart.peek()[reg.name], reg.name).toBe(reg.reset);
  });

  it('transmits like the cdns earlycon: wait while SR.TXFULL, write the FIFO port', () => {
    const { rd, wr, output } = setup();
    for (const c of 'zynqmp\n') {
      expect(rd(R.sr) & CadenceSr.txfull).toBe(0);
      wr(R.fifo, c.charCodeAt(0));
    }
    expect(output()).toBe('zynqmp\n');
    expect(rd(R.sr) & CadenceSr.txempty).toBe(CadenceSr.txempty);
  });

  it('fills its 64-byte TX FIFO behind a full console, then drains it and latches TXEMPTY', () => {
    const { uart, rd, wr, output } = setup(16);
    for (let i = 0; i < 16 + 64; i++) wr(R.fifo, 0x61 + (i % 26));
    expect(rd(R.sr) & (CadenceSr.txfull | CadenceSr.txempty | CadenceSr.tnful)).toBe(CadenceSr.txfull | CadenceSr.tnful);
    expect(output()).toHaveLength(16);
    wr(R.isr, 0x1fff);
    for (let i = 0; i < 4; i++) {
      uart.poll();
      output();
    }
    expect(rd(R.sr) & CadenceSr.txempty).toBe(CadenceSr.txempty);
    expect(rd(R.isr) & CadenceInt.txempty).toBe(CadenceInt.txempty);
    expect(uart.peek().lost).toBe(0);
  });

  it('sets and clears IMR through IER and IDR and interrupts while ISR & IMR, as cdns_uart_isr acknowledges', () => {
    const { rd, wr, input, sink } = setup();
    // cdns_uart_startup: reset the FIFOs, enable RX and TX, RXWM, clear ISR, enable RX trigger and timeout.
    wr(R.cr, CadenceCr.rxrst | CadenceCr.txrst);
    expect(rd(R.cr) & (CadenceCr.rxrst | CadenceCr.txrst)).toBe(0);
    wr(R.cr, CadenceCr.rxen | CadenceCr.txen | CadenceCr.stopbrk);
    wr(R.rxwm, 4);
    wr(R.isr, rd(R.isr));
    wr(R.ier, CadenceInt.rxtrig | CadenceInt.tout);
    expect(rd(R.imr)).toBe(CadenceInt.rxtrig | CadenceInt.tout);
    expect(sink.level(LINE)).toBe(false);
    // Two bytes below RXWM: the timeout; four reach it: RXTRIG.
    input('ab');
    expect(rd(R.isr) & (CadenceInt.rxtrig | CadenceInt.tout)).toBe(CadenceInt.tout);
    expect(sink.level(LINE)).toBe(true);
    const drain = (): string => {
      let s = '';
      while ((rd(R.sr) & CadenceSr.rxempty) === 0) s += String.fromCharCode(rd(R.fifo));
      return s;
    };
    expect(drain()).toBe('ab');
    wr(R.isr, rd(R.isr));
    expect(sink.level(LINE)).toBe(false);
    input('wxyz');
    expect(rd(R.sr) & CadenceSr.rxtrig).toBe(CadenceSr.rxtrig);
    expect(rd(R.isr) & CadenceInt.rxtrig).toBe(CadenceInt.rxtrig);
    expect(sink.level(LINE)).toBe(true);
    // IDR masks it without clearing the status.
    wr(R.idr, CadenceInt.rxtrig | CadenceInt.tout);
    expect(sink.level(LINE)).toBe(false);
    expect(rd(R.isr) & CadenceInt.rxtrig).toBe(CadenceInt.rxtrig);
    expect(drain()).toBe('wxyz');
  });

  it('empties the RX FIFO on CR.RXRST', () => {
    const { rd, wr, input } = setup();
    input('data');
    expect(rd(R.sr) & CadenceSr.rxempty).toBe(0);
    wr(R.cr, CadenceCr.rxrst);
    expect(rd(R.sr) & CadenceSr.rxempty).toBe(CadenceSr.rxempty);
  });

  it('loops the FIFO port back in local loopback mode (MR.CHMODE = 2), overrunning at 64 bytes', () => {
    const { uart, rd, wr, output } = setup();
    wr(R.mr, 2 << 8);
    for (let i = 0; i < 65; i++) wr(R.fifo, 0x30 + (i % 10));
    expect(output()).toBe('');
    expect(rd(R.sr) & CadenceSr.rxfull).toBe(CadenceSr.rxfull);
    expect(rd(R.isr) & (CadenceInt.rxfull | CadenceInt.rxovr)).toBe(CadenceInt.rxfull | CadenceInt.rxovr);
    expect(rd(R.fifo)).toBe(0x30);
    expect(uart.peek().lost).toBe(1);
  });
});
