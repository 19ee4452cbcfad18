/**
 * Instruction rate of the A64 interpreter on tight loops (printed as MIPS, not a pass/fail timing):
 * an ALU loop and a loop with a load and a store, the shapes `hvwb bench mips` measures on riscv64.
 * The assertions only check that the loops computed what they should.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { assembler, machine, RAM_BASE } from './harness';

const asm = assembler('rate');
afterAll(() => asm.save());

const LOOPS: [string, string, number][] = [
  ['alu', `
  mov x0, #0
  ldr x1, =4000000
1: add x0, x0, #3
  eor x2, x0, x1
  lsl x3, x2, #2
  subs x1, x1, #1
  b.ne 1b`, 5],
  ['load-store', `
  ldr x20, =${RAM_BASE + 0x8000}
  mov x0, #0
  ldr x1, =4000000
1: ldr x2, [x20]
  add x2, x2, #1
  str x2, [x20, #8]
  add x0, x0, x2
  subs x1, x1, #1
  b.ne 1b`, 6],
];

describe('A64 interpreter instruction rate', () => {
  for (const [name, source, perIteration] of LOOPS) {
    it(`${name} loop`, () => {
      const m = machine(asm(`${source}\n  wfi\n`));
      const start = performance.now();
      let exit: string;
      do exit = m.run(1_000_000);
      while (exit === 'budget');
      const seconds = (performance.now() - start) / 1000;
      expect(exit).toBe('wfi');
      expect(m.x(1)).toBe(0n);
      const mips = m.cpu.retired / seconds / 1e6;
      console.log(`aarch64 ${name} loop: ${m.cpu.retired} instructions (${perIteration} per iteration) in ${seconds.toFixed(3)} s = ${mips.toFixed(1)} MIPS`);
    });
  }
});
