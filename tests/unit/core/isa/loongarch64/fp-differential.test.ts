/**
 * The LA64 FPU against QEMU: fp-differential.ts's program (4308 cases: the binary operations on 16
 * doubles and 10 singles pairwise, the unary operations and conversions, 11 FCMP conditions, FMADD, three
 * rounding modes) ran on qemu-system-loongarch64 7.2 (-M virt -cpu la464, Debian bookworm), whose UART
 * output is fp-differential.qemu.gz. Here the same program runs on our CPU with a UART that records
 * bytes, and every line (result bits, FCSR0) must be QEMU's.
 *
 * To regenerate after changing the cases: build the program's ELF with guest/loongarch64/build.ts
 * (buildProgram at 0x200000), run `qemu-system-loongarch64 -M virt -cpu la464 -smp 1 -m 1G -nographic
 * -net none -kernel fp.elf > out`, and gzip the output here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { differentialSource } from './fp-differential';
import { machine } from './harness';

describe('LA64 FPU against QEMU 7.2', () => {
  it('prints the same result bits and FCSR0 as QEMU for every case', () => {
    const { cases, source } = differentialSource();
    const qemu = gunzipSync(readFileSync(path.join(__dirname, 'fp-differential.qemu.gz'))).toString('latin1').replace(/\r/g, '').split('\n');
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
    expect(differences.slice(0, 10), `${differences.length} of ${cases.length} cases differ`).toEqual([]);
  }, 60_000);
});
