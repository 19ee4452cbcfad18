/**
 * The interpreter's warm-up program (src/core/isa/riscv64/warm-up.ts): it must hold every instruction
 * row a guest can execute in M-mode, so that a row added to the table is warmed too, and it must run to
 * its end on the scratch hart (every pass, no fault) or the threads would start without it.
 */
import { describe, expect, it } from 'vitest';
import { assembleProgram } from '../../../../../src/core/isa/riscv64/assembler';
import { decode } from '../../../../../src/core/isa/riscv64/decoder';
import { INSTRUCTIONS } from '../../../../../src/core/isa/riscv64/instructions';
import { WARM_UP_ORIGIN, warmUpInterpreter, warmUpSource, warmUpWriter } from '../../../../../src/core/isa/riscv64/warm-up';

describe('riscv64 interpreter warm-up', () => {
  it('holds every row of the instruction table but WFI and SRET', () => {
    const program = assembleProgram(warmUpSource(), WARM_UP_ORIGIN);
    const seen = new Set<string>();
    const bytes = program.bytes;
    for (let at = 0; at < bytes.length;) {
      const bits = bytes[at]! | (bytes[at + 1]! << 8) | ((bytes[at + 2] ?? 0) << 16) | ((bytes[at + 3] ?? 0) << 24);
      const d = decode(bits);
      expect(d, `undecodable word at +${at}`).toBeDefined();
      seen.add(d!.row!.name);
      at += d!.length;
    }
    const missing = INSTRUCTIONS.map((row) => row.name).filter((name) => !seen.has(name));
    expect(missing).toEqual(['sret', 'wfi']);
    // Its halves lie in two pages, so that its jumps, branches and calls between them leave their page.
    const page = (label: string) => program.labels.get(label)! >> 12n;
    expect(page('far')).toBe(page('loop') + 1n);
    expect(page('back')).toBe(page('loop'));
  });

  it('runs all its passes to the end on a scratch hart, then has the translator emit most of it', () => {
    const lines = warmUpSource().filter((l) => !l.endsWith(':')).length;
    const { executed, emitted } = warmUpInterpreter();
    // Four passes over the body; each line is one instruction (labels on their own lines aside).
    expect(executed).toBeGreaterThan(3 * lines);
    // The tier translates the integer set; system, FP and atomic rows stay with the interpreter.
    expect(emitted).toBeGreaterThan(lines / 3);
    // The compiling thread's warm-up writes the same blocks, without running the program first.
    expect(warmUpWriter()).toBe(emitted);
  });

  it('then runs translated blocks: one translated again after its code changed, one that ends its slice', () => {
    const { blocks, stale } = warmUpInterpreter();
    // The first loop's block, the same loop rewritten, the SFENCE.VMA loop's block.
    expect(blocks).toBeGreaterThanOrEqual(3);
    expect(stale).toBeGreaterThanOrEqual(1);
  });
});
