/** CSRs, traps, delegation, interrupts, timers, WFI and the guest-fatal fault reports. */
import { describe, expect, it } from 'vitest';
import { HartWord } from '../../../../src/core/cpu/hart-header';
import { machine, RAM_BASE, type TestMachine } from './harness';

const MSTATUS = 0x300, MEDELEG = 0x302, MIDELEG = 0x303, MIE = 0x304, MTVEC = 0x305, MEPC = 0x341, MCAUSE = 0x342, MTVAL = 0x343;
const STVEC = 0x105, SCAUSE = 0x142, SEPC = 0x141, MENVCFG = 0x30a, STIMECMP = 0x14d, SIP = 0x144, MCOUNTEREN = 0x306;
const INT = 1n << 63n;

/** Program with an M-mode handler at `handler` that saves mcause/mtval/mepc into s9..s11 and stops. */
function withHandler(lines: string[]): TestMachine {
  const m = machine([...lines, 'ebreak', 'handler: csrr s9, mcause', 'csrr s10, mtval', 'csrr s11, mepc', 'csrw mtvec, zero', 'ebreak']);
  m.hart.writeCsr(MTVEC, m.program.labels.get('handler')!);
  return m;
}

const dropToS = ['li t0, 1', 'slli t0, t0, 11', 'csrw mstatus, t0', 'auipc t1, 0', 'addi t1, t1, 16', 'csrw mepc, t1', 'mret'];
const dropToU = ['csrw mstatus, zero', 'auipc t1, 0', 'addi t1, t1, 16', 'csrw mepc, t1', 'mret', 'nop'];

describe('exceptions', () => {
  it('raises illegal instruction with the instruction bits in mtval', () => {
    const m = withHandler(['nop', '.word 0xffffffff']);
    m.run();
    expect([m.x(25), m.x(26), m.x(27)]).toEqual([2n, 0xffffffffn, 0x80000004n]);
  });

  it('treats unimplemented CSRs and writes to read-only CSRs as illegal', () => {
    const m = withHandler(['csrr a0, 0x7c0']);
    m.run();
    expect(m.x(25)).toBe(2n);
    const r = withHandler(['csrw 0xf14, a0']);
    r.run();
    expect(r.x(25)).toBe(2n);
  });

  it('reports ecall from M, S and U with their causes', () => {
    const mm = withHandler(['ecall']);
    mm.run();
    expect(mm.x(25)).toBe(11n);
    const s = withHandler([...dropToS, 'ecall']);
    s.run();
    expect(s.x(25)).toBe(9n);
    const u = withHandler([...dropToU, 'ecall']);
    u.run();
    expect(u.x(25)).toBe(8n);
  });

  it('delegates U ecalls to S through medeleg and returns with sret', () => {
    const m = machine([...dropToU, 'ecall', 'li a1, 1', 'ebreak', 'shandler: csrr s9, scause', 'csrr t0, sepc', 'addi t0, t0, 4', 'csrw sepc, t0', 'sret']);
    m.hart.writeCsr(MEDELEG, 1n << 8n);
    m.hart.writeCsr(STVEC, m.program.labels.get('shandler')!);
    m.run();
    expect(m.x(25)).toBe(8n);
    expect(m.x(11)).toBe(1n);
    expect(m.faults[0]!.message).toMatch(/^breakpoint at pc/);
  });

  it('stops the hart with a report when there is no trap handler', () => {
    const m = machine(['nop', '.word 0']);
    expect(m.run()).toBe('fault');
    expect(m.faults[0]).toMatchObject({ kind: 'no-trap-handler', pc: 0x80000004n });
    expect(m.faults[0]!.message).toMatch(/^illegal instruction 0x00000000 at pc 0x80000004/);
  });

  it('reports a load access fault where no device answers', () => {
    const m = machine(['lui t0, 0x20000', 'lw a0, 0(t0)']);
    expect(m.run()).toBe('fault');
    expect(m.faults[0]!.message).toMatch(/^load access fault at address 0x20000000 \(pc 0x80000004\): no device/);
    expect(m.faults[0]!.address).toBe(0x20000000n);
  });

  it('detects a trap handler that faults on its own first instruction', () => {
    const m = machine(['.word 0', 'handler: .word 0']);
    m.hart.writeCsr(MTVEC, m.program.labels.get('handler')!);
    expect(m.run()).toBe('fault');
    expect(m.faults[0]!.kind).toBe('trap-loop');
  });

  it('enforces TSR, TW, TVM and U-mode restrictions', () => {
    for (const [bit, line] of [[22, 'sret'], [21, 'wfi'], [20, 'csrr a0, satp'], [20, 'sfence.vma']] as const) {
      const m = withHandler([`li t0, 1`, `slli t0, t0, ${bit}`, 'slli t2, t0, 0', 'li t0, 1', 'slli t0, t0, 11', 'or t0, t0, t2', 'csrw mstatus, t0', 'auipc t1, 0', 'addi t1, t1, 16', 'csrw mepc, t1', 'mret', 'nop', line]);
      m.run();
      expect(m.x(25), line).toBe(2n);
    }
    const u = withHandler([...dropToU, 'csrr a0, sstatus']);
    u.run();
    expect(u.x(25)).toBe(2n);
  });

  it('applies the counter-enable rules for cycle/time/instret', () => {
    const denied = withHandler([...dropToS, 'rdcycle a0']);
    denied.run();
    expect(denied.x(25)).toBe(2n);
    const allowed = withHandler([...dropToS, 'rdtime a0', 'rdinstret a1', 'ecall']);
    allowed.hart.writeCsr(MCOUNTEREN, 7n);
    allowed.time.now = 1234;
    allowed.run();
    expect(allowed.x(25)).toBe(9n);
    expect(allowed.x(10)).toBe(1234n);
    expect(allowed.x(11)).toBe(8n);
  });

  it('makes FP instructions illegal while mstatus.FS is Off and tracks FS dirty / SD', () => {
    const m = withHandler(['fmv.w.x fa0, zero']);
    m.run();
    expect(m.x(25)).toBe(2n);
    const d = machine(['li t0, 1', 'slli t0, t0, 13', 'csrw mstatus, t0', 'fmv.w.x fa0, zero', 'csrr a0, mstatus', 'ebreak']);
    d.run();
    expect(d.x(10) >> 63n).toBe(1n);
    expect((d.x(10) >> 13n) & 3n).toBe(3n);
  });

  it('reports misa, mhartid and the status XLEN fields', () => {
    const m = machine();
    expect(m.hart.readCsr(0x301)).toBe((2n << 62n) | 0x14112dn);
    expect(m.hart.readCsr(0xf14)).toBe(0n);
    expect((m.hart.readCsr(MSTATUS) >> 32n) & 0xfn).toBe(0xan);
    m.hart.writeCsr(MSTATUS, 2n << 11n);
    expect((m.hart.readCsr(MSTATUS) >> 11n) & 3n).not.toBe(2n);
  });
});

describe('interrupts and timers', () => {
  it('takes the machine timer interrupt through a vectored mtvec', () => {
    const m = machine(['li t0, 0x80', 'csrw mie, t0', 'csrsi mstatus, 8', 'loop: j loop', '.word 0', '.word 0', '.word 0', '.word 0', '.word 0', '.word 0', '.word 0', 'tick: csrr s9, mcause', 'ebreak']);
    const base = m.program.labels.get('loop')! + 4n;
    m.hart.writeCsr(MTVEC, base | 1n);
    expect(m.hart.readCsr(MTVEC)).toBe(base | 1n);
    m.time.mtimecmp = 50;
    m.run(100);
    expect(m.x(25)).toBe(0n);
    m.time.now = 60;
    m.run(100);
    expect(m.x(25)).toBe(INT | 7n);
  });

  it('orders simultaneous interrupts MEI, MSI, MTI, SEI, SSI, STI', () => {
    const m = machine(['loop: j loop', 'h: csrr s9, mcause', 'csrw mtvec, zero', 'ebreak']);
    m.hart.writeCsr(MTVEC, m.program.labels.get('h')!);
    m.hart.writeCsr(MIE, 0xaaan);
    m.hart.writeCsr(MSTATUS, 8n);
    Atomics.or(m.hart.header, HartWord.mip, (1 << 1) | (1 << 3) | (1 << 9));
    m.run(50);
    expect(m.x(25)).toBe(INT | 3n);
  });

  it('delegates supervisor interrupts and respects SIE in S-mode but always interrupts U-mode', () => {
    const m = machine([...dropToS, 'loop: j loop', 'sh: csrr s9, scause', 'csrr s8, sstatus', 'ebreak']);
    m.hart.writeCsr(MIDELEG, 0x222n);
    m.hart.writeCsr(MIE, 0x2n);
    m.hart.writeCsr(STVEC, m.program.labels.get('sh')!);
    Atomics.or(m.hart.header, HartWord.mip, 1 << 1);
    m.run(50);
    expect(m.x(25)).toBe(0n);
    m.hart.writeCsr(0x100, 2n);
    m.run(50);
    expect(m.x(25)).toBe(INT | 1n);
    expect((m.x(24) >> 8n) & 1n).toBe(1n);
  });

  it('takes an interrupt pending while SIE was clear at the instruction after the CSR write that sets SIE', () => {
    // csrsi / csrs / csrw of sstatus.SIE (Linux's local_irq_restore): the run loop takes it there, not at the
    // slice's end. sepc names the instruction after the write, and nothing after it ran.
    for (const set of ['csrsi sstatus, 2', 'csrs sstatus, a5', 'csrrs a4, sstatus, a5']) {
      const m = machine([...dropToS, 'li a5, 2', set, 'after: addi s7, s7, 1', 'addi s7, s7, 1', 'loop: j loop', 'sh: csrr s9, scause', 'csrr s10, sepc', 'ebreak']);
      m.hart.writeCsr(MIDELEG, 0x222n);
      m.hart.writeCsr(MIE, 0x2n);
      m.hart.writeCsr(STVEC, m.program.labels.get('sh')!);
      Atomics.or(m.hart.header, HartWord.mip, 1 << 1);
      m.run(1000);
      expect(m.x(25), set).toBe(INT | 1n);
      expect(m.x(26), set).toBe(m.program.labels.get('after')!);
      expect(m.x(23), set).toBe(0n);
    }
  });

  it('reads sstatus with UXL = 2 and SD above bit 31, and time past 2^32', () => {
    const m = machine(['li t0, 3', 'slli t0, t0, 13', 'csrw mstatus, t0', ...dropToS, 'csrr a0, sstatus', 'csrci sstatus, 0', 'csrrc a1, sstatus, zero', 'rdtime a2', 'ebreak']);
    m.hart.writeCsr(MCOUNTEREN, 7n);
    m.time.now = 2 ** 33 + 5;
    m.run(100);
    // dropToS writes mstatus again (MPP = S only): FS is off there, so SD is clear.
    expect(m.x(10) >> 32n).toBe(2n);
    expect(m.x(11) >> 32n).toBe(2n);
    expect(m.x(12)).toBe(2n ** 33n + 5n);
    const dirty = machine([...dropToS, 'li t0, 3', 'slli t0, t0, 13', 'csrs sstatus, t0', 'csrr a0, sstatus', 'csrrsi a1, sstatus, 0', 'ebreak']);
    dirty.run(100);
    expect(dirty.x(10) >> 32n).toBe(0x8000_0002n);
    expect(dirty.x(11)).toBe(dirty.x(10));
    expect((dirty.x(10) >> 13n) & 3n).toBe(3n);
  });

  it('takes M-level interrupts in S-mode even when mstatus.MIE is clear', () => {
    const m = withHandler([...dropToS, 'loop: j loop']);
    m.hart.writeCsr(MIE, 0x8n);
    m.run(30);
    Atomics.or(m.hart.header, HartWord.mip, 1 << 3);
    m.run(30);
    expect(m.x(25)).toBe(INT | 3n);
  });

  it('exits on WFI with nothing pending and reports the next timer deadline', () => {
    const m = machine(['wfi', 'li a0, 1', 'ebreak']);
    m.time.mtimecmp = 500;
    expect(m.hart.nextDeadline()).toBe(Infinity);
    m.hart.writeCsr(MIE, 0x80n);
    expect(m.run()).toBe('wfi');
    expect(m.hart.getPc()).toBe(0x80000004n);
    expect(m.hart.nextDeadline()).toBe(500);
    m.time.now = 600;
    m.run();
    expect(m.x(10)).toBe(1n);
  });

  it('drives STIP from stimecmp when menvcfg.STCE is set (Sstc)', () => {
    const m = machine();
    m.hart.writeCsr(MENVCFG, 1n << 63n);
    m.hart.writeCsr(STIMECMP, 100n);
    m.time.now = 99;
    expect(m.hart.readCsr(0x344) & 0x20n).toBe(0n);
    m.time.now = 100;
    expect(m.hart.readCsr(0x344) & 0x20n).toBe(0x20n);
    m.hart.writeCsr(MIDELEG, 0x20n);
    expect(m.hart.readCsr(SIP) & 0x20n).toBe(0x20n);
    m.hart.writeCsr(MIE, 0x20n);
    expect(m.hart.nextDeadline()).toBe(100);
  });

  it('returns "request" when the host asks', () => {
    const m = machine(['loop: j loop']);
    Atomics.store(m.hart.header, HartWord.request, 1);
    expect(m.run()).toBe('request');
  });
});

describe('supervisor (zone guest) mode', () => {
  it('starts in S-mode, sends S-mode ecalls to the supervisor and uses the SBI timer', () => {
    const calls: bigint[] = [];
    let m!: TestMachine;
    m = machine(['li a7, 0x54', 'ecall', 'addi a1, a0, 1', 'ebreak', 'h: csrr s9, scause', 'csrw stvec, zero', 'ebreak'], {
      mode: 'supervisor',
      supervisor: {
        ecall: (hart) => { calls.push(hart.getX(17)); hart.setX(10, 41n); },
        translate: (gpa) => gpa,
        mmioRead: () => 0n,
        mmioWrite: () => {},
      },
    });
    m.hart.writeCsr(STVEC, m.program.labels.get('h')!);
    m.run();
    expect(m.hart.getPrivilege()).toBe(1);
    expect(calls).toEqual([0x54n]);
    expect(m.x(11)).toBe(42n);
    expect(m.x(25)).toBe(3n);
    m.hart.writeCsr(0x104, 0x20n);
    Atomics.store(m.hart.header, HartWord.sbiTimerLo, 10);
    Atomics.store(m.hart.header, HartWord.sbiTimerHi, 0);
    expect(m.hart.nextDeadline()).toBe(10);
    m.time.now = 10;
    expect(m.hart.readCsr(SIP) & 0x20n).toBe(0x20n);
  });

  it('routes trapped MMIO to the supervisor and stops on stage-2 faults', () => {
    const log: string[] = [];
    const m = machine(['lui t0, 0x10000', 'li t1, 65', 'sb t1, 0(t0)', 'lw a0, 4(t0)', 'lui t0, 0x30000', 'lw a1, 0(t0)'], {
      mode: 'supervisor',
      supervisor: {
        ecall: () => {},
        translate: (gpa) => (gpa >= RAM_BASE ? gpa : gpa < 0x20000000 ? -2 : -1),
        mmioRead: (_h, gpa, size) => { log.push(`r${size}@${gpa.toString(16)}`); return 7n; },
        mmioWrite: (_h, gpa, size, v) => { log.push(`w${size}@${gpa.toString(16)}=${v}`); },
      },
    });
    expect(m.run()).toBe('fault');
    expect(log).toEqual(['w1@10000000=65', 'r4@10000004']);
    expect(m.x(10)).toBe(7n);
    expect(m.faults[0]).toMatchObject({ kind: 'stage2', address: 0x30000000n });
    expect(m.faults[0]!.message).toContain('0x30000000');
  });
});

describe('counters and debug triggers', () => {
  it('reads back exactly the value an instruction wrote to minstret and mcycle', () => {
    // li gives 12-bit values only: 1000 << 4 = 16000.
    const m = machine(['li t0, 1000', 'slli t0, t0, 4', 'csrw minstret, t0', 'csrr a0, minstret', 'csrr a1, minstret',
      'csrw mcycle, t0', 'csrr a2, mcycle', 'ebreak']);
    m.run(100);
    expect(m.x(10)).toBe(16000n);
    expect(m.x(11)).toBe(16001n);
    expect(m.x(12)).toBe(16000n);
  });

  it('stops the counters mcountinhibit names and resumes them where they stopped', () => {
    const m = machine([
      'csrwi mcountinhibit, 5', 'csrr a0, minstret', 'nop', 'nop', 'nop', 'csrr a1, minstret', 'csrr a2, mcycle', 'nop', 'csrr a3, mcycle',
      'csrr a4, mcountinhibit', 'csrwi mcountinhibit, 0', 'csrr a5, minstret', 'nop', 'csrr a6, minstret', 'ebreak',
    ]);
    m.run(100);
    expect(m.x(11)).toBe(m.x(10));
    expect(m.x(13)).toBe(m.x(12));
    expect(m.x(14)).toBe(5n);
    // Counting resumes from the frozen value, with the instruction that released it not counted.
    expect(m.x(15)).toBe(m.x(10));
    expect(m.x(16)).toBe(m.x(15) + 2n);
  });

  it('keeps hpm inhibit bits and never lets TM stick', () => {
    const m = machine(['li t0, -1', 'csrw mcountinhibit, t0', 'csrr a0, mcountinhibit', 'csrr a1, 0xb03', 'ebreak']);
    m.run(100);
    expect(m.x(10)).toBe(0xfffffffdn);
    expect(m.x(11)).toBe(0n);
  });

  it('describes "no triggers" through tselect, tdata1..3 and tinfo without trapping', () => {
    const m = withHandler([
      'li t0, 3', 'csrw tselect, t0', 'csrr a0, tselect', 'li t1, -1', 'csrw tdata1, t1', 'csrr a1, tdata1',
      'csrw tdata2, t1', 'csrr a2, tdata2', 'csrr a3, tdata3', 'csrr a4, tinfo',
    ]);
    m.run(100);
    // The only trap is the closing ebreak (cause 3), not an illegal instruction (2).
    expect(m.x(25)).toBe(3n);
    expect([m.x(10), m.x(11), m.x(12), m.x(13), m.x(14)]).toEqual([0n, 0n, 0n, 0n, 1n]);
  });
});

describe('inspector access', () => {
  it('reads and writes CSRs and mepc/sepc alignment', () => {
    const m = machine();
    m.hart.writeCsr(MEPC, 0x80000003n);
    expect(m.hart.readCsr(MEPC)).toBe(0x80000002n);
    m.hart.writeCsr(SEPC, 5n);
    expect(m.hart.readCsr(SEPC)).toBe(4n);
    m.hart.writeCsr(MTVAL, 0x1234n);
    expect(m.hart.readCsr(MTVAL)).toBe(0x1234n);
    expect(m.hart.readCsr(SCAUSE)).toBe(0n);
    expect(() => m.hart.readCsr(0x7c0)).toThrow();
  });
});
