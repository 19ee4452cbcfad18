/**
 * The hart's AIA CSRs against a real IMSIC (M level, machine mode): miselect/mireg reach the file's
 * eidelivery and eie, MSIs show in mtopei and MEIP, csrrw mtopei claims what it read, mtopi names the
 * external interrupt, reserved selects and harts without interrupt files raise illegal instruction.
 */
import { describe, expect, it } from 'vitest';
import { RiscvImsic } from '../../../../../src/core/devices/intc/riscv-imsic';
import { HartWord } from '../../../../../src/core/cpu/hart-header';
import type { InterruptFiles } from '../../../../../src/core/isa/riscv64/platform';
import { machine, type TestMachine } from '../harness';
import { sharedRegion } from '../../devices/helpers';

const CONFIG = { harts: 1, ids: 63, guests: 0, machineBase: 0x2400_0000, supervisorBase: 0x2800_0000 };

function aiaMachine(program: string[]): { m: TestMachine; imsic: RiscvImsic } {
  let header: Int32Array | undefined;
  const imsic = new RiscvImsic(sharedRegion(RiscvImsic.stateBytes(CONFIG)), CONFIG, {
    setPending(_hart, mask, level) {
      if (!header) return;
      if (level) Atomics.or(header, HartWord.mip, mask);
      else Atomics.and(header, HartWord.mip, ~mask);
    },
  });
  const files: InterruptFiles = {
    read: (level, select) => imsic.indirectRead(0, level, select),
    write: (level, select, value) => imsic.indirectWrite(0, level, select, value),
    topei: (level) => imsic.topei(0, level),
    claim: (level, topei) => imsic.claim(0, level, topei),
  };
  const m = machine(program, { interruptFiles: files });
  header = m.hart.header;
  return { m, imsic };
}

describe('AIA CSRs', () => {
  it('programs the M file through miselect/mireg, sees MSIs in mtopei, mip and mtopi, and claims with csrrw', () => {
    const { m, imsic } = aiaMachine([
      'li t0, 0x70', 'csrw miselect, t0', 'li t1, 1', 'csrw mireg, t1',
      'li t0, 0xc0', 'csrw miselect, t0', 'li t1, 0x30', 'csrw mireg, t1',
      'li t0, 1', 'slli t0, t0, 11', 'csrw mie, t0',
      'csrr a0, mtopei', 'csrrw a1, mtopei, zero', 'csrr a2, mtopei', 'csrr a3, mip', 'csrr a4, mtopi', 'csrr a5, mireg',
      'ebreak',
    ]);
    // Pending before the program enables them: identities 5 and 4 arrive as MSIs, 9 too (never enabled).
    for (const id of [5, 9, 4]) imsic.machineWindow.write(0, 4, id);
    m.run();
    expect(imsic.indirectRead(0, 'M', 0xc0)).toBe(0x30n);
    expect(m.x(10)).toBe((4n << 16n) | 4n);
    expect(m.x(11)).toBe((4n << 16n) | 4n);
    expect(m.x(12)).toBe((5n << 16n) | 5n);
    expect(m.x(13) & (1n << 11n)).toBe(1n << 11n);
    expect(m.x(14)).toBe((11n << 16n) | 1n);
    expect(m.x(15)).toBe(0x30n);
  });

  it('raises illegal instruction for a reserved select and for the AIA CSRs of a hart without interrupt files', () => {
    const { m } = aiaMachine(['li t0, 0x71', 'csrw miselect, t0', 'csrr a0, mireg', 'ebreak', 'handler: csrr s9, mcause', 'csrw mtvec, zero', 'ebreak']);
    m.hart.writeCsr(0x305, m.program.labels.get('handler')!);
    m.run();
    expect(m.x(25)).toBe(2n);
    const plain = machine(['csrr a0, stopei', 'ebreak', 'handler: csrr s9, mcause', 'csrw mtvec, zero', 'ebreak']);
    plain.hart.writeCsr(0x305, plain.program.labels.get('handler')!);
    plain.run();
    expect(plain.x(25)).toBe(2n);
  });
});
