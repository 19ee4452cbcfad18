/**
 * The notes a CPU leaves for the host's RAM prefaulter (core/bus/ram-hints.ts): a store that fills a
 * write-TLB entry notes its RAM page once; more stores to the page while the entry holds note nothing
 * more; a store to another page notes that one; loads note nothing, nor stores into pages the CPU runs
 * code from (they were written before). riscv64 and aarch64 alike; loongarch64 notes the page of each
 * store that fills its translation cache's store slot.
 */
import { describe, expect, it } from 'vitest';
import { RAM_HINT_HEADER, RAM_HINT_WORDS, RamHints, RamHintWord } from '../../../../src/core/bus/ram-hints';
import { machine as rvMachine, RAM_BASE as RV_RAM } from '../isa/harness';
import { machine as armMachine, RAM_BASE as ARM_RAM } from '../isa/aarch64/harness';
import { machine as laMachine } from '../isa/loongarch64/harness';

function ring(): { hints: RamHints; notes(): number[] } {
  const buffer = new SharedArrayBuffer(RAM_HINT_WORDS * 4);
  const words = new Int32Array(buffer);
  return {
    hints: new RamHints(buffer),
    notes: () => Array.from({ length: Atomics.load(words, RamHintWord.count) }, (_, i) => words[RAM_HINT_HEADER + i]!),
  };
}

describe('RAM page notes for the prefaulter', () => {
  it('riscv64: the first store to a page notes it, later ones, loads and stores into code pages do not', () => {
    const r = ring();
    const m = rvMachine([
      'auipc x5, 0x30', // 0x80030000
      'auipc x6, 0x51', // 0x80051004
      'ld x7, -4(x6)', // a load: no note
      'sd x5, 0(x5)',
      'sd x5, 8(x5)',
      'sw x5, 0x7f0(x5)',
      'sd x6, -4(x6)',
      'auipc x7, 0',
      'sw x0, 0x400(x7)', // into the page the program runs from: written before, no note
      'end: j end',
    ], { ramSize: 1 << 20, ramHints: r.hints });
    m.run(100);
    expect(m.faults).toEqual([]);
    expect(r.notes()).toEqual([(0x80030000 - RV_RAM) / 4096, (0x80051000 - RV_RAM) / 4096]);
  });

  it('aarch64: the first store to a page notes it, later ones and loads do not', () => {
    const r = ring();
    const words = [
      0xf9400047, // ldr x7, [x2]: a load, no note
      0xf9000001, // str x1, [x0]
      0xf9000401, // str x1, [x0, #8]
      0xb90ff001, // str w1, [x0, #0xff0]
      0xf9000041, // str x1, [x2]
      0x14000000, // b .
    ];
    const bytes = new Uint8Array(new Uint32Array(words).buffer);
    const m = armMachine(bytes, { ramSize: 1 << 20, ramHints: r.hints, tier: false });
    m.cpu.setX(0, BigInt(ARM_RAM + 0x30000));
    m.cpu.setX(1, 5n);
    m.cpu.setX(2, BigInt(ARM_RAM + 0x51000));
    m.run(100);
    expect(m.faults).toEqual([]);
    expect(r.notes()).toEqual([0x30, 0x51]);
  });
  it('loongarch64: the first store to a page notes it, later ones and loads do not', () => {
    const r = ring();
    const m = laMachine(undefined, { ramHints: r.hints });
    const exit = m.run(`
      lu12i.w $t0, 0x30
      lu12i.w $t1, 0x51
      ld.d $t2, $t1, 0x100
      lu12i.w $t3, 0x52
      ld.d $t2, $t3, 0
      st.d $t0, $t0, 0
      st.d $t0, $t0, 8
      st.w $t0, $t0, 0x7f0
      st.b $t0, $t0, 0x7f9
      st.d $t0, $t1, 0
      idle 0
    `);
    expect(m.faults).toEqual([]);
    expect(exit).toBe('wfi');
    expect(r.notes()).toEqual([0x30, 0x51]);
  });
});

describe('the table arena', () => {
  it('hands out zeroed, separate arrays from the arena, says how much is in use, then makes new ones', () => {
    const ringBuffer = new SharedArrayBuffer(RAM_HINT_WORDS * 4);
    const arena = new SharedArrayBuffer(64 << 10);
    const hints = new RamHints(ringBuffer, arena);
    const a = hints.int32(8192);
    const list = hints.uint16(2049);
    const b = hints.int32(4096);
    expect([a.buffer, list.buffer, b.buffer]).toEqual([arena, arena, arena]);
    expect([a.byteOffset, list.byteOffset, b.byteOffset]).toEqual([0, 32768, 32768 + 4112]);
    expect(Atomics.load(new Int32Array(ringBuffer), RamHintWord.arenaUsed)).toBe(32768 + 4112 + 16384);
    a.fill(-1);
    expect(list.every((v) => v === 0) && b.every((v) => v === 0)).toBe(true);
    // 64 KiB - 53,264 bytes left: not enough for another 32 KiB page.
    const c = hints.int32(8192);
    expect(c.buffer).not.toBe(arena);
    expect(c.length).toBe(8192);
    expect(Atomics.load(new Int32Array(ringBuffer), RamHintWord.arenaUsed)).toBe(32768 + 4112 + 16384);
  });
});
