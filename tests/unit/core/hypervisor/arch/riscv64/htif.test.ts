/** HTIF as the ISA test programs use it: exit codes, console writes, and answers at `fromhost`. */
import { describe, expect, it } from 'vitest';
import { Htif } from '../../../../../../src/core/hypervisor/arch/riscv64/htif';

const BASE = 0x8000_0000;

function setup(symbols: { tohost: number; fromhost?: number }) {
  const view = new DataView(new ArrayBuffer(0x2000));
  const exits: number[] = [];
  const console: number[] = [];
  const htif = new Htif({ base: BASE, size: view.byteLength, view }, symbols, {
    exit: (code) => exits.push(code),
    consoleWrite: (bytes) => console.push(...bytes),
  });
  return { view, exits, console, htif };
}

describe('HTIF', () => {
  it('answers a console write at the fromhost symbol, wherever the ELF put it', () => {
    // A linker may place fromhost anywhere: here 0x40 after tohost, not tohost + 8.
    const m = setup({ tohost: BASE + 0x1000, fromhost: BASE + 0x1040 });
    m.view.setBigUint64(0x1000, (1n << 56n) | (1n << 48n) | 0x41n, true);
    m.htif.poll();
    expect(m.console).toEqual([0x41]);
    expect(m.view.getBigUint64(0x1000, true)).toBe(0n);
    expect(m.view.getBigUint64(0x1040, true)).toBe((1n << 56n) | (1n << 48n) | 0x141n);
    expect(m.view.getBigUint64(0x1008, true)).toBe(0n);
  });

  it('writes no answer when the image has no fromhost', () => {
    const m = setup({ tohost: BASE + 0x1000 });
    m.view.setBigUint64(0x1000, (1n << 56n) | (1n << 48n) | 0x42n, true);
    m.htif.poll();
    expect(m.console).toEqual([0x42]);
    expect(new Uint8Array(m.view.buffer).some((b) => b !== 0)).toBe(false);
  });

  it('exits with the code in the payload', () => {
    const m = setup({ tohost: BASE + 0x1000, fromhost: BASE + 0x1008 });
    m.view.setBigUint64(0x1000, (7n << 1n) | 1n, true);
    m.htif.poll();
    expect(m.exits).toEqual([7]);
  });

  it('ignores symbols outside RAM instead of throwing', () => {
    const m = setup({ tohost: BASE + 0x1ffc, fromhost: BASE - 8 });
    expect(() => m.htif.poll()).not.toThrow();
  });
});
