/**
 * The first aarch64 integration test: the A64 CPU, the GICv3, the PL011 and the generic timer wired as
 * QEMU virt wires them (aarch64-virt.ts), running the bare-metal guest guest/aarch64/irq (built by
 * scripts/build-guests-aarch64.sh, committed in guest/aarch64/bin). The guest prints through the
 * PL011, programs the distributor, redistributor and CPU interface, takes three virtual timer
 * interrupts (PPI 27) and one SGI it sends itself through ICC_SGI1R_EL1, all through its vector table
 * with ICC_IAR1_EL1 / ICC_EOIR1_EL1, and then echoes what the PL011 receives from its RX interrupt.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { elfSymbols, VirtMachine, VIRT } from './aarch64-virt';

const BIN = path.resolve(__dirname, '../../../guest/aarch64/bin');
const symbols = elfSymbols(path.join(BIN, 'irq.elf'));
const image = new Uint8Array(readFileSync(path.join(BIN, 'irq.bin')));
const STATUS = { gic: 1, ticks: 2, sgi: 4, echo: 8 } as const;

function symbol(name: string): number {
  const address = symbols.get(name);
  if (address === undefined) throw new Error(`irq.elf has no symbol ${name}`);
  return address;
}

function boot() {
  const m = new VirtMachine();
  m.boot(image);
  const status = () => m.word(symbol('status'));
  /** What went wrong, if anything, in one string for the assertion messages. */
  const diagnose = () =>
    JSON.stringify({
      output: m.output, pc: `0x${m.cpu.getPc().toString(16)}`, x0: `0x${m.cpu.getX(0).toString(16)}`,
      esr: `0x${m.cpu.getX(1).toString(16)}`, elr: `0x${m.cpu.getX(2).toString(16)}`, vector: `0x${m.cpu.getX(4).toString(16)}`,
      status: status(), ticks: m.word(symbol('ticks')), unknownIntid: m.word(symbol('unknown_intid')),
      faults: m.faults, unimplemented: m.unimplemented.map((r) => r.message), timers: m.timerLog.slice(-6), icc: m.iccLog.slice(-8),
    }, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));
  return { m, status, diagnose };
}

describe('aarch64 on a QEMU virt layout: CPU + GICv3 + PL011 + generic timer', () => {
  it('runs the irq guest: hello, three virtual timer ticks, a self-SGI, then echoes PL011 input', () => {
    const { m, status, diagnose } = boot();

    // Up to the point where the guest waits for input: every interrupt so far came from the guest itself.
    const ready = m.run(() => (status() & STATUS.echo) !== 0 && m.output.endsWith('ready\n'));
    expect(ready.reason, diagnose()).toBe('done');
    expect(m.faults, diagnose()).toEqual([]);
    expect(m.unimplemented, diagnose()).toEqual([]);
    expect(m.output).toBe('hello\ntick 1\ntick 2\ntick 3\nsgi\nready\n');
    expect(status()).toBe(STATUS.gic | STATUS.ticks | STATUS.sgi | STATUS.echo);

    // The timer fired about 1 ms apart (CNTFRQ / 1000 ticks) and its PPI fell when the guest disabled it.
    const rises = m.timerLog.filter((e) => e.startsWith('virtual=1')).map((e) => Number(e.split('@')[1]));
    expect(rises).toHaveLength(3);
    for (let i = 1; i < rises.length; i++) expect(rises[i]! - rises[i - 1]!).toBeGreaterThanOrEqual(VIRT.timerFrequency / 1000);
    expect(m.timerLog.at(-1)).toMatch(/^virtual=0@/);

    // The CPU interface saw the acknowledges and ends of each interrupt (27 three times, SGI 1 once).
    const eois = m.iccLog.filter((e) => e.startsWith('msr icc_eoir1_el1')).map((e) => Number(e.split('=')[1]));
    expect(eois).toEqual([27, 27, 27, 1]);

    // The guest idles in WFI with nothing pending; typed bytes raise the PL011's RX interrupt (SPI 33).
    expect(m.run(() => false, 200_000).reason, diagnose()).toBe('idle');
    m.type('ping');
    const echo = m.run(() => m.output.endsWith('ping'));
    expect(echo.reason, diagnose()).toBe('done');
    m.type('!\r\n');
    expect(m.run(() => m.output.endsWith('!\r\n')).reason, diagnose()).toBe('done');
    expect(m.output).toBe('hello\ntick 1\ntick 2\ntick 3\nsgi\nready\nping!\r\n');
    expect(m.word(symbol('echoed'))).toBe(7);
    expect(m.word(symbol('unknown_intid'))).toBe(0);
    expect(m.iccLog.filter((e) => e === 'msr icc_eoir1_el1=0x21').length).toBeGreaterThanOrEqual(1);

    // Everything acknowledged was ended: nothing stays active and the line is low again.
    expect(m.gic.inspect().cpus[0]).toMatchObject({ runningPriority: 0xff, irq: false });
    expect(m.faults).toEqual([]);
  });
});
