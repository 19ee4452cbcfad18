/**
 * The i.MX UART as Linux's imx.c and its ec_imx6q earlycon drive it: reset values of the RM, transmit
 * behind UTS.TXFULL, the software reset handshake, receive with RRDY at the trigger level and the aging
 * timer below it, the TX interrupts, overrun reporting and loopback.
 */
import { describe, expect, it } from 'vitest';
import { ImxUart, ImxUcr1, ImxUcr2, ImxUcr4, ImxUrxd, ImxUsr1, ImxUsr2, ImxUts, ImxUartOffset as R } from '../../../../src/core/devices/uart/imx-uart';
import { RecordingSink, sharedRegion } from './helpers';

const LINE = 59;

function setup(ring = 64) {
  const sink = new RecordingSink();
  const uart = new ImxUart(sharedRegion(ImxUart.stateBytes(ring)), { sink, line: LINE });
  const rd = (offset: number) => uart.read(offset, 4);
  const wr = (offset: number, value: number) => uart.write(offset, 4, value);
  const input = (text: string) => {
    uart.inputRing.pushBytes([...text].map((c) => c.charCodeAt(0)));
    uart.poll();
  };
  const output = () => String.fromCharCode(...uart.outputRing.drain());
  return { uart, sink, rd, wr, input, output };
}

describe('ImxUart', () => {
  it('has the reset values of the i.MX 8M Plus reference manual', () => {
    const { rd, uart } = setup();
    expect([rd(R.ucr1), rd(R.ucr2), rd(R.ucr3), rd(R.ucr4), rd(R.ufcr)]).toEqual([0, 1, 0x700, 0x8000, 0x801]);
    expect(rd(R.usr1) & (ImxUsr1.trdy | ImxUsr1.rrdy)).toBe(ImxUsr1.trdy);
    expect(rd(R.usr2) & (ImxUsr2.txfe | ImxUsr2.txdc | ImxUsr2.rdr)).toBe(ImxUsr2.txfe | ImxUsr2.txdc);
    expect(rd(R.uts)).toBe(ImxUts.rxempty | ImxUts.txempty);
    for (const reg of uart.registers) if (reg.access !== 'wo') expect(uart.peek()[reg.name], reg.name).toBe(reg.reset);
  });

  it('transmits like ec_imx6q: wait while UTS.TXFULL, write UTXD', () => {
    const { rd, wr, output } = setup();
    for (const c of 'imx\n') {
      expect(rd(R.uts) & ImxUts.txfull).toBe(0);
      wr(R.utxd, c.charCodeAt(0));
    }
    expect(output()).toBe('imx\n');
    expect(rd(R.usr2) & ImxUsr2.txdc).toBe(ImxUsr2.txdc);
  });

  it('holds bytes in its 32-byte TX FIFO while the console is full, reporting TXFULL and TRDY', () => {
    const { uart, rd, wr, output } = setup(16);
    for (let i = 0; i < 16 + 32; i++) wr(R.utxd, 0x41 + (i % 26));
    expect(rd(R.uts) & (ImxUts.txfull | ImxUts.txempty)).toBe(ImxUts.txfull);
    expect(rd(R.usr1) & ImxUsr1.trdy).toBe(0);
    expect(rd(R.usr2) & ImxUsr2.txfe).toBe(0);
    expect(output()).toHaveLength(16);
    uart.poll();
    expect(output()).toHaveLength(16);
    expect(rd(R.uts) & ImxUts.txfull).toBe(0);
    expect(uart.peek().lost).toBe(0);
  });

  it('finishes a software reset at once: UCR2.SRST reads 1 again and the FIFOs are empty', () => {
    const { rd, wr, input } = setup();
    input('xy');
    expect(rd(R.usr2) & ImxUsr2.rdr).toBe(ImxUsr2.rdr);
    wr(R.ucr2, rd(R.ucr2) & ~ImxUcr2.srst);
    expect(rd(R.ucr2) & ImxUcr2.srst).toBe(ImxUcr2.srst);
    expect(rd(R.uts) & ImxUts.rxempty).toBe(ImxUts.rxempty);
    expect(rd(R.usr2) & ImxUsr2.rdr).toBe(0);
  });

  it('interrupts on RRDY at the trigger level and on the aging timer below it, as imx.c sets them up', () => {
    const { rd, wr, input, sink } = setup();
    // imx_uart_startup: RXTL = 4 (the driver's RXTL_DEFAULT is 8; any level shows the rule), RRDYEN and ATEN.
    wr(R.ufcr, (rd(R.ufcr) & ~0x3f) | 4);
    wr(R.ucr2, rd(R.ucr2) | ImxUcr2.rxen | ImxUcr2.txen | ImxUcr2.aten);
    wr(R.ucr1, ImxUcr1.uarten | ImxUcr1.rrdyen);
    expect(sink.level(LINE)).toBe(false);
    // Two bytes: below RXTL, so no RRDY; the poll that brought them in lets the aging timer expire.
    input('ab');
    expect(rd(R.usr1) & (ImxUsr1.rrdy | ImxUsr1.agtim)).toBe(ImxUsr1.agtim);
    expect(sink.level(LINE)).toBe(true);
    // The driver reads while UTS.RXEMPTY is clear (each URXD with CHARRDY) and acknowledges AGTIM.
    const got: number[] = [];
    while ((rd(R.uts) & ImxUts.rxempty) === 0) {
      const v = rd(R.urxd);
      expect(v & ImxUrxd.charRdy).toBe(ImxUrxd.charRdy);
      got.push(v & 0xff);
    }
    wr(R.usr1, ImxUsr1.agtim);
    expect(String.fromCharCode(...got)).toBe('ab');
    expect(sink.level(LINE)).toBe(false);
    // Four bytes reach RXTL: RRDY rises (and falls as reads take the FIFO below it).
    input('wxyz');
    expect(rd(R.usr1) & ImxUsr1.rrdy).toBe(ImxUsr1.rrdy);
    expect(sink.level(LINE)).toBe(true);
    rd(R.urxd);
    expect(rd(R.usr1) & ImxUsr1.rrdy).toBe(0);
    // With ATEN off the three bytes left raise nothing until DREN (any byte) is enabled.
    wr(R.usr1, ImxUsr1.agtim);
    wr(R.ucr2, rd(R.ucr2) & ~ImxUcr2.aten);
    expect(sink.level(LINE)).toBe(false);
    wr(R.ucr4, rd(R.ucr4) | ImxUcr4.dren);
    expect(sink.level(LINE)).toBe(true);
  });

  it('raises the TX interrupts the driver enables: TXMPTYEN while empty, TRDYEN below TXTL', () => {
    const { rd, wr, sink } = setup();
    wr(R.ucr1, ImxUcr1.uarten | ImxUcr1.txmptyen);
    expect(sink.level(LINE)).toBe(true);
    wr(R.ucr1, ImxUcr1.uarten);
    expect(sink.level(LINE)).toBe(false);
    wr(R.ucr1, ImxUcr1.uarten | ImxUcr1.trdyen);
    expect(sink.level(LINE)).toBe(true);
    expect(rd(R.usr1) & ImxUsr1.trdy).toBe(ImxUsr1.trdy);
  });

  it('reports an overrun in USR2.ORE (write 1 to clear, OREN interrupt) and on the URXD that follows', () => {
    const { uart, rd, wr, sink } = setup();
    wr(R.ucr4, rd(R.ucr4) | ImxUcr4.oren);
    wr(R.uts, ImxUts.loop);
    for (let i = 0; i < 33; i++) wr(R.utxd, 0x30 + (i % 10));
    expect(rd(R.usr2) & ImxUsr2.ore).toBe(ImxUsr2.ore);
    expect(sink.level(LINE)).toBe(true);
    expect(rd(R.urxd) & (ImxUrxd.err | ImxUrxd.ovrrun)).toBe(ImxUrxd.err | ImxUrxd.ovrrun);
    expect(rd(R.urxd) & (ImxUrxd.err | ImxUrxd.ovrrun)).toBe(0);
    wr(R.usr2, ImxUsr2.ore);
    expect(rd(R.usr2) & ImxUsr2.ore).toBe(0);
    expect(sink.level(LINE)).toBe(false);
    expect(uart.peek().lost).toBe(1);
  });

  it('loops UTXD back into URXD with UTS.LOOP, sending nothing to the console', () => {
    const { rd, wr, output } = setup();
    wr(R.uts, ImxUts.loop);
    wr(R.utxd, 0x5a);
    expect(output()).toBe('');
    expect(rd(R.urxd) & 0xff).toBe(0x5a);
  });
});
