/**
 * The LA64 integer instructions against QEMU: int-differential.ts's program (9842 cases: 38 three-register
 * operations on 14 values pairwise, 20 two-register bit operations, shifts and immediates at their edges,
 * ALSL, BYTEPICK, BSTRINS/BSTRPICK) ran on qemu-system-loongarch64 7.2 (-M virt -cpu la464), whose UART
 * output is int-differential.qemu.gz; here it runs on our CPU and every printed result must be QEMU's.
 * Regenerate as fp-differential.test.ts says.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { intDifferentialSource } from './int-differential';
import { machine } from './harness';

describe('LA64 integer instructions against QEMU 7.2', () => {
  it('prints the same result as QEMU for every case', () => {
    const { cases, source } = intDifferentialSource();
    const qemu = gunzipSync(readFileSync(path.join(__dirname, 'int-differential.qemu.gz'))).toString('latin1').replace(/\r/g, '').split('\n');
    expect(qemu.length).toBe(cases.length + 2);
    const m = machine();
    let out = '';
    m.bus.map('uart0', 0x1fe0_01e0, 8, {
      kind: 'test-uart', registers: [], reset() {}, peek: () => ({}),
      read: (offset) => (offset === 5 ? 0x20 : 0),
      write: (offset, _size, value) => {
        if (offset === 0) out += String.fromCharCode(value);
      },
    });
    m.load(source, 0x1000);
    m.cpu.setPc(0x1000n);
    for (let i = 0; i < 100 && !out.endsWith('.\n'); i++) m.cpu.run(1_000_000);
    expect(m.faults).toEqual([]);
    const ours = out.split('\n');
    const differences = cases.flatMap((c, i) => (ours[i] === qemu[i] ? [] : [`${c}: QEMU ${qemu[i]}, ours ${ours[i]}`]));
    expect(differences.slice(0, 20), `${differences.length} of ${cases.length} cases differ`).toEqual([]);
  }, 120_000);
});
