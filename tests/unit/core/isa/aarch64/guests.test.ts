/**
 * The C guests of guest/aarch64 (built by scripts/build-guests-aarch64.sh, committed in
 * guest/aarch64/bin) run on the A64 interpreter: the integer self-test returns 0 (else the id of the
 * failing check, or 0xbad with the syndrome of an unexpected exception); the differential workloads
 * (integer at -O0/-O2/-Os, scalar FP) and the benchmark guest end with the checksum the same C code
 * computes on the host; the benchmark's instruction rate is printed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { machine, runToEnd } from './harness';

const BIN = path.resolve(__dirname, '../../../../../guest/aarch64/bin');

function runGuest(name: string, budget: number, floatingPoint = false) {
  const m = machine(new Uint8Array(readFileSync(path.join(BIN, `${name}.bin`))), { ramSize: 1 << 20, floatingPoint });
  const start = performance.now();
  const exit = runToEnd(m, budget);
  const seconds = (performance.now() - start) / 1000;
  return { m, exit, seconds };
}

describe('aarch64 C guests', () => {
  it('isa-selftest passes every check', () => {
    const { m, exit } = runGuest('isa-selftest', 10_000_000);
    expect(m.faults).toEqual([]);
    expect(m.reports).toEqual([]);
    expect(exit).toBe('wfi');
    expect(`x0=${m.x(0).toString(16)} esr=${m.x(1).toString(16)} elr=${m.x(2).toString(16)}`).toBe(`x0=0 esr=${m.x(1).toString(16)} elr=${m.x(2).toString(16)}`);
    expect(m.x(1)).not.toBe(0n);
  });

  // Checksums of the same C compiled for the host (gcc -O0 and -O2 agree; -ffp-contract=off for float.c).
  for (const [name, sum, fp] of [
    ['isa-compute-O0', 15511430577699674753n, false], ['isa-compute-O2', 15511430577699674753n, false],
    ['isa-compute-Os', 15511430577699674753n, false], ['isa-float', 660577309815957996n, true],
  ] as const) {
    it(`${name} leaves the host's checksum`, () => {
      const { m, exit } = runGuest(name, 50_000_000, fp);
      expect(m.faults).toEqual([]);
      expect(m.reports).toEqual([]);
      expect(exit).toBe('wfi');
      expect(m.x(0)).toBe(0n);
      expect(m.x(1)).toBe(sum);
    });
  }

  it('bench-mips computes the host checksum (and prints its instruction rate)', () => {
    const { m, exit, seconds } = runGuest('bench-mips', 500_000_000);
    expect(m.faults).toEqual([]);
    expect(exit).toBe('wfi');
    expect(m.x(0)).toBe(0n);
    expect(m.x(1)).toBe(76125593037n);
    console.log(`aarch64 bench-mips guest: ${m.cpu.retired} instructions in ${seconds.toFixed(2)} s = ${(m.cpu.retired / seconds / 1e6).toFixed(1)} MIPS`);
  });
});
