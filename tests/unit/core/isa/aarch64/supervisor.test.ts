/**
 * The A64 CPU under a Supervisor (the hypervisor at EL2): guest-physical RAM through stage-2
 * translation, trapped MMIO emulated by the supervisor with the access size and value, a stage-2
 * fault stopping the CPU with a report (not an exception to the guest), system registers the CPU
 * does not implement offered to the supervisor, remote TLB flushes through the header's fence word,
 * and the instruction abort for an unmapped pc at EL1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CpuWord } from '../../../../../src/core/cpu/cpu-core';
import { Stage2, type Supervisor } from '../../../../../src/core/isa/aarch64/platform';
import { assembler, machine, RAM_BASE } from './harness';

const asm = assembler('supervisor');
afterAll(() => asm.save());

/** Guest-physical RAM at 0x40000000 is the RAM window; 0x08000000 (a GIC distributor, say) traps; the rest faults. */
function supervisor(log: string[]): Supervisor {
  return {
    call: () => {},
    translate(ipa, size, access) {
      if (ipa >= RAM_BASE && ipa + size <= RAM_BASE + (1 << 20)) return ipa - RAM_BASE;
      if (ipa >= 0x0800_0000 && ipa < 0x0801_0000) return Stage2.trap;
      log.push(`fault ${access} ${ipa.toString(16)}`);
      return Stage2.fault;
    },
    mmioRead(_cpu, ipa, size) {
      log.push(`read ${ipa.toString(16)}/${size}`);
      return 0x1122334455667788n;
    },
    mmioWrite(_cpu, ipa, size, value) {
      log.push(`write ${ipa.toString(16)}/${size}=${value.toString(16)}`);
    },
    systemRegister(_cpu, name, _encoding, write, value) {
      log.push(`${write ? 'msr' : 'mrs'} ${name}${write ? `=${value}` : ''}`);
      return name === 's3_0_c12_c12_0' ? (write ? true : 0x3ffn) : undefined;
    },
  };
}

describe('A64 CPU under a supervisor', () => {
  it('traps MMIO to the supervisor with size and value; emulates unknown system registers it accepts', () => {
    const log: string[] = [];
    const m = machine(asm(`
  mov x1, #0x08000000
  ldr w2, [x1, #4]
  ldr x3, [x1, #8]
  mov w4, #0xab
  strb w4, [x1, #0x10]
  mrs x5, s3_0_c12_c12_0
  msr s3_0_c12_c12_0, x4
  wfi`), { supervisor: supervisor(log) });
    expect(m.run()).toBe('wfi');
    expect(log).toEqual(['read 8000004/4', 'read 8000008/8', 'write 8000010/1=ab', 'mrs s3_0_c12_c12_0', 'msr s3_0_c12_c12_0=171']);
    expect(m.x(2)).toBe(0x55667788n);
    expect(m.x(3)).toBe(0x1122334455667788n);
    expect(m.x(5)).toBe(0x3ffn);
  });

  it('a stage-2 fault stops the CPU with a report naming the address, the pc and the instruction', () => {
    const log: string[] = [];
    const m = machine(asm('  mov x1, #0x20000000\n  str x1, [x1]\n  wfi'), { supervisor: supervisor(log) });
    expect(m.run()).toBe('fault');
    expect(log).toEqual(['fault write 20000000']);
    expect(m.faults[0]).toMatchObject({ kind: 'stage2', address: 0x2000_0000n, isWrite: true, pc: BigInt(RAM_BASE + 4), disassembly: 'str\tx1, [x1]' });
  });

  it('flushes its TLB when another thread sets the fence word', () => {
    const m = machine(asm('  mov x0, #1\n  wfi\n  wfi'));
    m.run();
    m.cpu.rTlb.fill(7);
    Atomics.or(m.header, CpuWord.fences, 1);
    Atomics.or(m.header, CpuWord.pending, 1);
    m.run(1);
    // Every entry's tag (the first of its four words, core/cpu/soft-tlb.ts) is invalid again.
    expect(Array.from(m.cpu.rTlb.slice(0, 16))).toEqual([-1, 7, 7, 7, -1, 7, 7, 7, -1, 7, 7, 7, -1, 7, 7, 7]);
    expect(m.header[CpuWord.fences]).toBe(0);
  });

  it('an instruction abort reports the pc in FAR_EL1', () => {
    const m = machine(asm(`
  adr x0, v
  msr vbar_el1, x0
  ldr x1, =0x7ff000
  br x1
  .balign 2048
v: .space 0x200
  mrs x10, esr_el1
  mrs x11, far_el1
  wfi`));
    m.run();
    expect(m.faults).toEqual([]);
    expect(m.x(10)).toBe(BigInt(((0x21 << 26) | (1 << 25) | 0x10) >>> 0));
    expect(m.x(11)).toBe(0x7ff000n);
  });
});
