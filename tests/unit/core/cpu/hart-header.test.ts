/**
 * The RISC-V hart's header extends the arch-neutral CPU header: the shared words come from CpuWord (one
 * definition), the RISC-V/hypervisor words take only indices CpuWord leaves free, and all fit the header.
 */
import { describe, expect, it } from 'vitest';
import { CPU_HEADER_BYTES, CpuWord } from '../../../../src/core/cpu/cpu-core';
import { HART_HEADER_BYTES, HartWord } from '../../../../src/core/cpu/hart-header';

describe('hart header', () => {
  it('is the CPU header with RISC-V words in the free indices', () => {
    expect(HART_HEADER_BYTES).toBe(CPU_HEADER_BYTES);
    for (const [name, index] of Object.entries(CpuWord)) expect(HartWord[name as keyof typeof CpuWord], name).toBe(index);
    expect(HartWord.mip).toBe(CpuWord.pending);
    const shared = new Set<number>(Object.values(CpuWord));
    const own = Object.entries(HartWord).filter(([name]) => !(name in CpuWord) && name !== 'mip');
    const indices = own.map(([, index]) => index);
    expect(new Set(indices).size, 'RISC-V words are distinct').toBe(indices.length);
    for (const [name, index] of own) {
      expect(shared.has(index), `${name} collides with a CpuWord`).toBe(false);
      expect(index, name).toBeLessThan(CPU_HEADER_BYTES / 4);
    }
  });
});
