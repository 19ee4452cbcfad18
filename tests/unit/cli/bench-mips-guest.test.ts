/**
 * The aarch64 benchmark guest of `hvwb bench mips --arch aarch64` (bench-mips-root, the root zone of
 * qemu-gicv3 on one CPU) on the workbench: shortened to 20 iterations, it prints the checksum that the
 * same workload computes here and ends the run with PSCI SYSTEM_OFF over SMC, having retired the
 * instructions such a workload takes (about 0.7 M per iteration at -O2).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeWithIterations } from '../../../src/cli/bench-qemu';
import { loadLayout } from '../../../src/host/layout-loader';
import { runGuest } from '../../helpers/run-guest';

const ITERATIONS = 20;

/** guest/aarch64/bench/mips.c's main(), in TypeScript: the checksum it leaves after `iterations`. */
function workloadChecksum(iterations: number): bigint {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (0xedb88320 ^ (c >>> 1)) >>> 0 : c >>> 1;
    table[i] = c;
  }
  const buffer = new Uint32Array(16 * 1024);
  const bytes = new Uint8Array(buffer.buffer);
  let sum = 0n;
  let seed = 1;
  for (let it = 0; it < iterations; it++) {
    let x = ((seed + it) | 1) >>> 0;
    for (let i = 0; i < buffer.length; i++) {
      x = (x ^ (x << 13)) >>> 0;
      x = (x ^ (x >>> 17)) >>> 0;
      x = (x ^ (x << 5)) >>> 0;
      buffer[i] = x;
    }
    seed = x;
    let c = 0xffffffff;
    for (let i = 0; i < bytes.length; i++) c = (table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)) >>> 0;
    sum += BigInt(~c >>> 0);
    const words = Array.from({ length: 256 }, (_, i) => buffer[(i * 61) % buffer.length]!).sort((a, b) => a - b);
    sum += BigInt(words[128]!);
  }
  return BigInt.asUintN(64, sum);
}

const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-bench-guest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the aarch64 bench mips guest', () => {
  it('runs to its power-off on qemu-gicv3 with the workload\'s checksum and instruction count', async () => {
    const image = writeWithIterations(path.resolve('guest/aarch64/bin/bench-mips-root.elf'), ITERATIONS, dir);
    writeFileSync(path.join(dir, 'layout.json'), JSON.stringify({
      name: 'bench-short', board: 'qemu-gicv3', root: { image: path.basename(image), mode: 'supervisor', cpus: [0] },
    }));
    const run = await runGuest(await loadLayout(dir), { timeoutMs: 20_000 });
    const detail = `output:\n${run.output}\nfaults: ${run.faults.join('; ')}`;
    expect(run.faults, detail).toEqual([]);
    expect(run.timedOut, detail).toBe(false);
    expect(run.exit, detail).toEqual({ kind: 'poweroff', code: 0 });
    const sum = workloadChecksum(ITERATIONS).toString(16).padStart(16, '0');
    expect(run.output).toBe(`bench-mips: iterations=${ITERATIONS} checksum=0x${sum}\n`);
    expect(run.retired).toBeGreaterThan(ITERATIONS * 500_000);
    expect(run.retired).toBeLessThan(ITERATIONS * 1_000_000);
  }, 30_000);
});
