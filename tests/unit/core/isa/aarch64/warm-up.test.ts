/**
 * The A64 interpreter's warm-up program (src/core/isa/aarch64/warm-up.ts): it must reach every
 * operation the interpreter switches on, so that an operation added to the table is warmed too, and
 * it must run to its end on the scratch CPU or the threads would start without it.
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../../../../../src/core/isa/aarch64/decoder';
import { INSTRUCTIONS, Op } from '../../../../../src/core/isa/aarch64/instructions';
import { warmUpInterpreter, warmUpWords, warmUpWriter } from '../../../../../src/core/isa/aarch64/warm-up';

describe('A64 interpreter warm-up', () => {
  it('holds an instance of every operation but WFI, WFE and ERET', () => {
    const ops = new Set(warmUpWords().words.map((word) => decode(word)?.op));
    const names = new Map(Object.entries(Op).map(([name, op]) => [op as number, name]));
    const missing = [...new Set(INSTRUCTIONS.map((row) => row.op))].filter((op) => !ops.has(op)).map((op) => names.get(op) ?? op).sort();
    expect(missing).toEqual(['ERET', 'WFE', 'WFI']);
  });

  it('runs to its end on a scratch CPU, every word of it, then has the translator emit most of it', () => {
    const { words } = warmUpWords();
    const { executed, emitted } = warmUpInterpreter();
    expect(executed).toBeGreaterThanOrEqual(words.length);
    expect(emitted).toBeGreaterThan(words.length / 3);
    // The compiling thread's warm-up writes the same blocks, without running the program first.
    expect(warmUpWriter()).toBe(emitted);
  });

  it('then runs translated blocks: one translated again after its code changed, one that ends its slice', () => {
    const { blocks, stale } = warmUpInterpreter();
    // The first loop's block, the same loop rewritten, the TLBI loop's block.
    expect(blocks).toBeGreaterThanOrEqual(3);
    expect(stale).toBeGreaterThanOrEqual(1);
  });
});
