/**
 * Known-answer programs for A64 exceptions and system instructions: SVC/BRK/undefined syndromes and
 * return addresses, EL1 -> EL0 -> EL1 round trips through ERET and the lower-EL vector, ID and
 * PSTATE registers, unimplemented encodings and registers reported to the platform, PC alignment,
 * IRQ delivery from the pending word, WFI, the generic timer, HVC to a supervisor, trap loops,
 * breakpoints and the inspector's register groups.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CpuWord } from '../../../../../src/core/cpu/cpu-core';
import type { Supervisor } from '../../../../../src/core/isa/aarch64/platform';
import { ID_AA64MMFR0, ID_AA64PFR0, idAa64pfr0 } from '../../../../../src/core/isa/aarch64/sysregs';
import { assembler, machine, RAM_BASE } from './harness';

const asm = assembler('system');
afterAll(() => asm.save());

/**
 * A program with vectors at +0x800: synchronous exceptions from EL1 (SPx) and from EL0 record ESR,
 * ELR, SPSR and FAR in x10..x13, count in x14 and stop (WFI); the IRQ vector counts in x15 and returns.
 */
function program(body: string): Uint8Array {
  return asm(`
  adr x0, vectors
  msr vbar_el1, x0
${body}
  wfi
  .org 0x800
vectors:
  .org 0xa00
  mrs x10, esr_el1
  mrs x11, elr_el1
  mrs x12, spsr_el1
  mrs x13, far_el1
  add x14, x14, #1
  wfi
  .org 0xa80
  add x15, x15, #1
  mrs x16, elr_el1
  mov x18, #3
  msr cntv_ctl_el0, x18
  eret
  .org 0xc00
  mrs x10, esr_el1
  mrs x11, elr_el1
  mrs x12, spsr_el1
  mrs x17, currentel
  add x14, x14, #1
  wfi
  .org 0xc80
  add x15, x15, #1
  eret
`);
}

const esr = (ec: number, iss = 0) => BigInt((((ec << 26) | (1 << 25) | iss) >>> 0));

describe('A64 synchronous exceptions', () => {
  it('SVC: syndrome with imm16, return address after it, SPSR of EL1h with DAIF masked', () => {
    const m = machine(program('  mov x14, #0\n  svc #0x1234\n  nop'));
    expect(m.run()).toBe('wfi');
    expect(m.x(10)).toBe(esr(0x15, 0x1234));
    expect(m.x(11)).toBe(BigInt(RAM_BASE + 16));
    expect(m.x(12)).toBe(0x3c5n);
    expect(m.x(14)).toBe(1n);
  });

  it('BRK returns to itself; an undefined word is reported and raises EC 0', () => {
    const m = machine(program('  brk #0x3e8'));
    m.run();
    expect(m.x(10)).toBe(esr(0x3c, 0x3e8));
    expect(m.x(11)).toBe(BigInt(RAM_BASE + 8));
    const u = machine(program('  .word 0x00000000\n  .word 0x1e220020'));
    u.run();
    expect(u.x(10)).toBe(esr(0));
    expect(u.x(11)).toBe(BigInt(RAM_BASE + 8));
    expect(u.reports).toHaveLength(1);
    expect(u.reports[0]).toMatchObject({ kind: 'undefined-instruction', encoding: 0, disassembly: 'unallocated', pc: BigInt(RAM_BASE + 8) });
  });

  it('an unimplemented system register is Undefined and reported; EL1-only registers are Undefined at EL0', () => {
    const m = machine(program('  mrs x1, s3_0_c15_c2_0'));
    m.run();
    expect(m.x(10)).toBe(esr(0));
    expect(m.reports[0]).toMatchObject({ kind: 'unimplemented-register', disassembly: 'mrs\tx1, s3_0_c15_c2_0' });
  });

  it('ERET to EL0, SVC back through the lower-EL vector; EL0 uses SP_EL0', () => {
    const m = machine(program(`
  mov x14, #0
  mov x1, #0x1000
  msr sp_el0, x1
  adr x2, el0
  msr elr_el1, x2
  msr spsr_el1, xzr
  eret
el0:
  mov x3, sp
  mrs x4, tpidr_el0
  mrs x5, sctlr_el1
  svc #7`));
    m.run();
    expect(m.x(3)).toBe(0x1000n);
    expect(m.x(10)).toBe(esr(0)); // the MRS of SCTLR_EL1 at EL0, taken through the lower-EL vector
    expect(m.x(17)).toBe(4n);
    expect(m.x(12)).toBe(0n); // SPSR: EL0t
    const n = machine(program(`
  adr x2, el0
  msr elr_el1, x2
  msr spsr_el1, xzr
  eret
el0:
  svc #7`));
    n.run();
    expect(n.x(10)).toBe(esr(0x15, 7));
    expect(n.x(17)).toBe(4n);
  });

  it('a branch to a misaligned address raises a PC alignment fault returning to the target', () => {
    const m = machine(program('  adr x1, 1f\n  add x1, x1, #2\n  br x1\n1: nop'));
    m.run();
    expect(m.x(10)).toBe(esr(0x22));
    expect(m.x(11)).toBe(BigInt(RAM_BASE + 22));
    expect(m.x(13)).toBe(BigInt(RAM_BASE + 22));
  });

  it('an illegal exception return sets PSTATE.IL and raises EC 0x0e', () => {
    const m = machine(program('  mov x1, #0x9\n  msr spsr_el1, x1\n  adr x2, 1f\n  msr elr_el1, x2\n  eret\n1: nop'));
    m.run();
    expect(m.x(10)).toBe(esr(0x0e));
    expect(m.x(12) & (1n << 20n)).toBe(1n << 20n);
  });

  it('a handler that faults on its own first instruction stops the CPU with a trap-loop report', () => {
    const m = machine(asm('  adr x0, v\n  msr vbar_el1, x0\n  .word 0\n  .balign 2048\nv: .space 0x200\n  .word 0'));
    expect(m.run()).toBe('fault');
    expect(m.faults[0]?.kind).toBe('trap-loop');
  });
});

describe('A64 system registers and PSTATE', () => {
  it('ID registers describe the CPU; MPIDR has bit 31; CurrentEL; unallocated ID space reads zero', () => {
    const m = machine(program(`
  mrs x1, id_aa64pfr0_el1
  mrs x2, id_aa64mmfr0_el1
  mrs x3, mpidr_el1
  mrs x4, currentel
  mrs x5, s3_0_c0_c3_0
  mrs x6, id_aa64isar0_el1
  mrs x7, cntfrq_el0`));
    m.run();
    expect([m.x(1), m.x(2), m.x(3), m.x(4), m.x(5), m.x(6), m.x(7)]).toEqual([idAa64pfr0(false, true), ID_AA64MMFR0, 1n << 31n, 4n, 0n, 0x210000n, 62_500_000n]);
    // FP (bits 19..16) and AdvSIMD (bits 23..20) read 0: implemented, without half-precision arithmetic.
    expect((m.x(1) >> 16n) & 0xffn).toBe(0n);
  });

  it('a CPU with floatingPoint false announces neither FP nor AdvSIMD', () => {
    const m = machine(program(`
  mrs x1, id_aa64pfr0_el1`), { floatingPoint: false });
    m.run();
    expect(m.x(1)).toBe(ID_AA64PFR0);
    expect((m.x(1) >> 16n) & 0xffn).toBe(0xffn);
  });

  it('DAIF, NZCV and SPSel moves', () => {
    const m = machine(program(`
  msr daifclr, #0xf
  mrs x1, daif
  msr daifset, #2
  mrs x2, daif
  mov x3, #0x60000000
  msr nzcv, x3
  mrs x4, nzcv
  mov x5, #0x100
  msr sp_el0, x5
  mov x6, #0x200
  mov sp, x6
  msr spsel, #0
  mov x7, sp
  msr spsel, #1
  mov x8, sp
  mrs x9, spsel`));
    m.run();
    expect([m.x(1), m.x(2), m.x(4), m.x(7), m.x(8), m.x(9)]).toEqual([0n, 0x80n, 0x60000000n, 0x100n, 0x200n, 1n]);
  });

  it('HVC goes to the supervisor with the pc past it; without one it is Undefined', () => {
    const calls: string[] = [];
    const supervisor: Supervisor = {
      call(cpu, c) {
        calls.push(`${c.kind}#${c.imm16} x0=${cpu.getX(0)} pc=${(cpu.getPc() - BigInt(RAM_BASE)).toString(16)}`);
        cpu.setX(0, 42n);
      },
      translate: (ipa) => (ipa >= RAM_BASE && ipa < RAM_BASE + (1 << 20) ? ipa - RAM_BASE : -1),
      mmioRead: () => 0n,
      mmioWrite: () => {},
    };
    const m = machine(program('  mov x0, #0x84000000\n  hvc #0\n  mov x1, x0\n  smc #1'), { supervisor });
    m.run();
    expect(calls).toEqual(['hvc#0 x0=2214592512 pc=10', 'smc#1 x0=42 pc=18']);
    expect(m.x(1)).toBe(42n);
    const n = machine(program('  hvc #0'));
    n.run();
    expect(n.x(10)).toBe(esr(0));
  });
});

describe('A64 interrupts and the generic timer', () => {
  it('takes an IRQ from the pending word when unmasked, returning to the next instruction', () => {
    const m = machine(program('  mov x15, #0\n  msr daifclr, #2\n  nop\n  nop'));
    Atomics.or(m.header, CpuWord.pending, 1);
    // adr, msr vbar, mov, msr daifclr (which ends the slice), then the IRQ is taken: its first instruction.
    m.run(5);
    expect(m.x(15)).toBe(1n);
    Atomics.and(m.header, CpuWord.pending, ~1);
    expect(m.run()).toBe('wfi');
    expect(m.x(15)).toBe(1n);
    expect(m.x(16)).toBe(BigInt(RAM_BASE + 16));
  });

  it('WFI sleeps without pending interrupts and falls through when one is pending, even masked', () => {
    const m = machine(program('  wfi\n  mov x1, #1'));
    expect(m.run()).toBe('wfi');
    expect(m.x(1)).toBe(0n);
    expect(m.cpu.hasWork()).toBe(false);
    Atomics.or(m.header, CpuWord.pending, 1);
    expect(m.cpu.hasWork()).toBe(true);
    m.run();
    expect(m.x(1)).toBe(1n);
  });

  it('the virtual timer fires at CVAL, sets ISTATUS, wakes WFI through the IRQ line, TVAL counts down', () => {
    const m = machine(program(`
  mov x15, #0
  mov x1, #1000
  msr cntv_cval_el0, x1
  mov x2, #1
  msr cntv_ctl_el0, x2
  msr daifclr, #2
  wfi
  mrs x3, cntv_ctl_el0
  mrs x4, cntvct_el0
  mov x5, #0
  msr cntv_ctl_el0, x5
  mov w6, #500
  msr cntp_tval_el0, x6
  mrs x7, cntp_cval_el0
  mrs x8, cntp_tval_el0`), { timerIrq: true });
    m.time.now = 10;
    expect(m.run()).toBe('wfi');
    expect(m.cpu.nextDeadline()).toBe(1000);
    expect(m.x(15)).toBe(0n);
    m.time.now = 1000;
    m.run(); // the IRQ is taken; the handler masks the timer (IMASK) and returns after the WFI
    expect(m.x(15)).toBe(1n);
    expect(m.x(3)).toBe(7n);
    expect(m.x(4)).toBe(1000n);
    expect(m.timers.virtual).toBe(false);
    expect(m.x(7)).toBe(1500n);
    expect(m.x(8)).toBe(500n);
  });
});

describe('A64 exception routing details', () => {
  it('FIQ is taken before IRQ at its own vector; SP_EL0 selection uses the SP0 vectors', () => {
    const m = machine(asm(`
  adr x0, v
  msr vbar_el1, x0
  msr daifclr, #3
  nop
  wfi
  .balign 2048
v: .org v + 0x280
  mov x1, #0x280
  wfi
  .org v + 0x300
  mov x1, #0x300
  wfi`));
    Atomics.or(m.header, CpuWord.pending, 3);
    m.run();
    expect(m.x(1)).toBe(0x300n);
    const sp0 = machine(asm(`
  adr x0, v
  msr vbar_el1, x0
  msr spsel, #0
  svc #1
  .balign 2048
v: mov x1, #0x0
  mrs x2, spsel
  wfi
  .org v + 0x200
  mov x1, #0x200
  wfi`));
    sp0.x(1);
    sp0.cpu.setX(1, 99n);
    sp0.run();
    expect(sp0.x(1)).toBe(0n);
    expect(sp0.x(2)).toBe(1n);
  });

  it('WFE consumes an event set by SEVL; an unaligned exclusive is an alignment fault', () => {
    const m = machine(program(`
  mov x14, #0
  sevl
  wfe
  mov x5, #5
  ldr x1, =${RAM_BASE + 0x8001}
  ldxr x2, [x1]`));
    m.run();
    expect(m.x(5)).toBe(5n);
    expect(m.x(10)).toBe(esr(0x25, 0x21));
    expect(m.x(13)).toBe(BigInt(RAM_BASE + 0x8001));
  });
});

describe('A64 debugging and inspection', () => {
  it('stops at a breakpoint before executing it and steps over it on the next run', () => {
    const m = machine(program('  mov x1, #1\n  mov x2, #2\n  mov x3, #3'));
    m.cpu.setBreakpoint(BigInt(RAM_BASE + 12));
    expect(m.run()).toBe('breakpoint');
    expect(m.cpu.getPc()).toBe(BigInt(RAM_BASE + 12));
    expect([m.x(1), m.x(2)]).toEqual([1n, 0n]);
    expect(m.run()).toBe('wfi');
    expect([m.x(2), m.x(3)]).toEqual([2n, 3n]);
  });

  it('lists registers as named groups with decoded fields', () => {
    const m = machine(program('  mov x1, #0x7\n  msr nzcv, x1\n  mov x5, #5'));
    m.run();
    const groups = m.cpu.inspect();
    expect(groups.map((g) => g.name)).toEqual(expect.arrayContaining(['General', 'PSTATE', 'Control', 'Memory', 'Exception', 'Timer', 'Identification']));
    const general = groups.find((g) => g.name === 'General')!;
    expect(general.registers.find((r) => r.name === 'x5')?.value).toBe('0x0000000000000005');
    const pstate = groups.find((g) => g.name === 'PSTATE')!.registers[0]!;
    expect(pstate.fields?.find((f) => f.name === 'M')).toMatchObject({ value: '5', meaning: 'EL1h' });
  });
});
