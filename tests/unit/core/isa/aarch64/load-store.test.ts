/**
 * Known-answer programs for A64 integer loads and stores: every addressing mode and size with sign
 * and zero extension, write-back, pairs, unaligned and page-crossing accesses, literals, exclusives
 * (success, failure after an intervening store or CLREX, pairs), acquire/release, PRFM, devices
 * through the AddressSpace and DC ZVA.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { assembler, device, machine, RAM_BASE, u64 } from './harness';

const asm = assembler('load-store');
afterAll(() => asm.save());

const DATA = RAM_BASE + 0x8000;

function run(source: string, setup?: (m: ReturnType<typeof machine>) => void) {
  const m = machine(asm(`  ldr x20, =${DATA}\n${source}\n  wfi\n`));
  setup?.(m);
  const exit = m.run(100_000);
  expect(m.faults).toEqual([]);
  expect(m.reports).toEqual([]);
  expect(exit).toBe('wfi');
  return m;
}

const at = (m: ReturnType<typeof machine>, off: number) => m.ram.getBigUint64(DATA - RAM_BASE + off, true);

describe('A64 loads and stores', () => {
  it('sizes, sign and zero extension with unsigned offsets', () => {
    const m = run(`
      ldr x1, =0x8081828384858687
      str x1, [x20]
      ldrb w2, [x20]
      ldrsb x3, [x20]
      ldrsb w4, [x20, #1]
      ldrh w5, [x20, #2]
      ldrsh x6, [x20, #2]
      ldr w7, [x20, #4]
      ldrsw x8, [x20, #4]
      ldr x9, [x20]
      strb w1, [x20, #16]
      strh w1, [x20, #18]
      str w1, [x20, #20]`);
    expect([m.x(2), m.x(3), m.x(4), m.x(5), m.x(6), m.x(7), m.x(8), m.x(9)]).toEqual([
      0x87n, u64(-0x79n), 0xffffff86n, 0x8485n, u64(-0x7b7bn), 0x80818283n, u64(-0x7f7e7d7dn), 0x8081828384858687n]);
    expect(at(m, 16)).toBe(0x8485868786870087n);
  });

  it('unscaled, pre-index and post-index with write-back', () => {
    const m = run(`
      mov x1, #0x11
      mov x2, #0x22
      add x3, x20, #64
      stur x1, [x3, #-8]
      str x2, [x3, #8]!
      ldr x4, [x3], #-16
      ldur x5, [x20, #56]
      sttr x1, [x20, #128]
      ldtr x6, [x20, #128]`);
    expect(m.x(3)).toBe(BigInt(DATA + 56));
    expect(m.x(4)).toBe(0x22n);
    expect(m.x(5)).toBe(0x11n);
    expect(m.x(6)).toBe(0x11n);
  });

  it('register offsets with lsl and extends', () => {
    const m = run(`
      mov x1, #3
      mov w2, #-1
      mov x9, #0x5a
      str x9, [x20, x1, lsl #3]
      ldr x4, [x20, #24]
      add x5, x20, #8
      ldr x6, [x5, w2, sxtw #3]
      strb w9, [x20, x1]
      ldrb w7, [x20, #3]
      ldr w8, [x20, w1, uxtw #2]`);
    expect(m.x(4)).toBe(0x5an);
    expect(m.x(7)).toBe(0x5an);
    expect(m.x(8)).toBe(0n);
  });

  it('pairs: stp/ldp with pre/post index, ldpsw, stnp/ldnp, 32-bit pairs', () => {
    const m = run(`
      mov x1, #1
      mov x2, #-2
      mov x10, sp
      mov sp, x20
      add sp, sp, #256
      stp x1, x2, [sp, #-16]!
      ldp x3, x4, [sp], #16
      stp w2, w1, [x20]
      ldpsw x5, x6, [x20]
      ldp w7, w8, [x20]
      stnp x2, x1, [x20, #32]
      ldnp x11, x12, [x20, #32]
      mov x13, sp
      mov sp, x10`);
    expect([m.x(3), m.x(4), m.x(5), m.x(6), m.x(7), m.x(8), m.x(11), m.x(12)]).toEqual([1n, u64(-2n), u64(-2n), 1n, 0xfffffffen, 1n, u64(-2n), 1n]);
    expect(m.x(13)).toBe(BigInt(DATA + 256));
  });

  it('unaligned and page-crossing accesses', () => {
    const m = run(`
      ldr x1, =0x1122334455667788
      add x2, x20, #0xffd
      str x1, [x2]
      ldr x3, [x2]
      ldur w4, [x2, #2]
      add x5, x20, #3
      str x1, [x5]
      ldr x6, [x5]`);
    expect(m.x(3)).toBe(0x1122334455667788n);
    expect(m.x(4)).toBe(0x33445566n);
    expect(m.x(6)).toBe(0x1122334455667788n);
    expect(m.ram.getBigUint64(DATA - RAM_BASE + 0xffd, true)).toBe(0x1122334455667788n);
  });

  it('literal loads (ldr, ldrsw) and prfm as a no-op', () => {
    const m = run(`
      ldr w1, lit
      ldrsw x2, lit
      ldr x3, lit
      prfm pldl1keep, [x20]
      prfm pstl2strm, lit
      b over
    lit: .word 0x80000001, 0x2
    over: nop`);
    expect([m.x(1), m.x(2), m.x(3)]).toEqual([0x80000001n, u64(-0x7fffffffn), 0x280000001n]);
  });

  it('exclusives succeed, fail after an intervening store, after clrex, and on another address', () => {
    const m = run(`
      mov x1, #5
      ldxr x2, [x20]
      stxr w3, x1, [x20]
      ldxr x4, [x20]
      mov x9, #7
      str x9, [x20]
      stxr w5, x1, [x20]
      ldaxr w6, [x20]
      clrex
      stlxr w7, w1, [x20]
      ldxrb w8, [x20]
      stxrb w10, w1, [x20, #0]
      ldxr x11, [x20]
      add x12, x20, #8
      stxr w13, x1, [x12]`);
    expect(m.x(3)).toBe(0n);
    expect(m.x(4)).toBe(5n);
    expect(m.x(5)).toBe(1n);
    expect(m.x(7)).toBe(1n);
    expect(m.x(10)).toBe(0n);
    expect(m.x(13)).toBe(1n);
    expect(at(m, 0)).toBe(5n);
  });

  it('exclusive pairs and an atomic-add loop', () => {
    const m = run(`
      mov x1, #1
      mov x2, #2
      ldxp x3, x4, [x20]
      stxp w5, x1, x2, [x20]
      ldaxp x6, x7, [x20]
      stlxp w8, x7, x6, [x20]
      mov x9, #0
    1: ldaxr x10, [x20, #0]
      add x10, x10, #1
      stlxr w11, x10, [x20]
      cbnz w11, 1b
      add x9, x9, #1
      cmp x9, #10
      b.ne 1b
      ldp x12, x13, [x20]`);
    expect(m.x(5)).toBe(0n);
    expect([m.x(6), m.x(7)]).toEqual([1n, 2n]);
    expect(m.x(8)).toBe(0n);
    expect([m.x(12), m.x(13)]).toEqual([12n, 1n]);
  });

  it('load-acquire and store-release', () => {
    const m = run(`
      ldr x1, =0xfedcba9876543210
      stlr x1, [x20]
      ldar x2, [x20]
      ldarb w3, [x20]
      stlrh w1, [x20, #0]
      ldarh w4, [x20]
      ldar w5, [x20]`);
    expect([m.x(2), m.x(3), m.x(4), m.x(5)]).toEqual([0xfedcba9876543210n, 0x10n, 0x3210n, 0x76543210n]);
  });

  it('devices are reached through the AddressSpace with the access size', () => {
    const dev = device();
    dev.regs.set(0, 0xabcd);
    let m!: ReturnType<typeof machine>;
    m = run(`
      ldr x1, =0x09000000
      ldr w2, [x1]
      mov w3, #0x41
      strb w3, [x1, #4]
      str x3, [x1, #8]`, (mm) => mm.bus.map('test', 0x0900_0000, 0x1000, dev));
    expect(m.x(2)).toBe(0xabcdn);
    expect(dev.log).toEqual(['r4@0', 'w1@4=65', 'w4@8=65', 'w4@12=0']);
  });

  it('dc zva zeroes a 64-byte block', () => {
    const m = run(`
      mov x1, #-1
      stp x1, x1, [x20, #64]
      stp x1, x1, [x20, #112]
      str x1, [x20, #128]
      add x2, x20, #100
      dc zva, x2`);
    for (let off = 64; off < 128; off += 8) expect(at(m, off)).toBe(0n);
    expect(at(m, 128)).toBe((1n << 64n) - 1n);
  });
});

describe('A64 exclusives between two CPUs sharing RAM', () => {
  it("a store by another CPU between LDXR and STXR makes the store-exclusive fail", async () => {
    const { AddressSpace } = await import('../../../../../src/core/bus/address-space');
    const { A64Cpu, A64_STATE_BYTES } = await import('../../../../../src/core/isa/aarch64/cpu');
    const ramSize = 1 << 16;
    const buffer = new SharedArrayBuffer(ramSize + 2 * A64_STATE_BYTES);
    const bus = new AddressSpace(RAM_BASE, { buffer, byteOffset: 0, byteLength: ramSize });
    const cpus = [0, 1].map((id) => new A64Cpu(
      { cpuId: id, mpidr: BigInt(id), bus, clock: { now: () => 0 }, timerFrequency: 1, fault: (r) => { throw new Error(r.message); } },
      { buffer, byteOffset: ramSize + id * A64_STATE_BYTES, byteLength: A64_STATE_BYTES },
    ));
    // CPU 0: ldxr, then (after CPU 1 ran) stxr. CPU 1: a plain store of a different value.
    const code0 = asm(`  ldr x20, =${DATA}\n  mov x1, #5\n  ldxr x2, [x20]\n  wfi\n  stxr w3, x1, [x20]\n  ldxr x4, [x20]\n  stxr w5, x1, [x20]\n  wfi\n`);
    const code1 = asm(`  ldr x20, =${DATA}\n  mov x9, #9\n  str x9, [x20]\n  wfi\n`, RAM_BASE + 0x1000);
    new Uint8Array(buffer, 0, code0.length).set(code0);
    new Uint8Array(buffer, 0x1000, code1.length).set(code1);
    cpus[0]!.powerOn(BigInt(RAM_BASE), []);
    cpus[1]!.powerOn(BigInt(RAM_BASE + 0x1000), []);
    expect(cpus[0]!.run(100)).toBe('wfi');
    expect(cpus[1]!.run(100)).toBe('wfi');
    expect(cpus[0]!.run(100)).toBe('wfi');
    expect(cpus[0]!.getX(3)).toBe(1n);
    expect(cpus[0]!.getX(4)).toBe(9n);
    expect(cpus[0]!.getX(5)).toBe(0n);
    expect(new DataView(buffer).getBigUint64(DATA - RAM_BASE, true)).toBe(5n);
  });
});

describe('A64 LSE atomics', () => {
  it('ld<op>, st<op>, swp in every size return the old value and update memory', () => {
    const m = run(`
  .arch armv8.1-a
  mov x1, #10
  str x1, [x20]
  mov x2, #5
  ldaddal x2, x3, [x20]
  ldr x4, [x20]
  mov x5, #0xff
  ldclr x5, x6, [x20]
  mov x7, #-1
  stsmax x7, [x20]
  ldr x8, [x20]
  mov w9, #0x80
  strb w9, [x20, #8]
  mov w10, #0x7f
  add x21, x20, #8
  ldsmaxb w10, w11, [x21]
  ldrb w12, [x21]
  ldumaxb w10, w13, [x21]
  mov w14, #0x1234
  swph w14, w15, [x21]
  ldrh w16, [x21]
  mov x17, #3
  ldeor x17, x18, [x21]
  ldr x19, [x21]`);
    expect([m.x(3), m.x(4), m.x(6), m.x(8)]).toEqual([10n, 15n, 15n, 0n]);
    expect([m.x(11), m.x(12), m.x(13), m.x(15), m.x(16), m.x(18), m.x(19)]).toEqual([0x80n, 0x7fn, 0x7fn, 0x7fn, 0x1234n, 0x1234n, 0x1237n]);
  });

  it('cas and casp swap only on a match and always return the old value', () => {
    const m = run(`
  .arch armv8.1-a
  mov x1, #7
  str x1, [x20]
  mov x2, #7
  mov x3, #9
  casal x2, x3, [x20]
  ldr x4, [x20]
  mov x5, #7
  mov x6, #11
  cas x5, x6, [x20]
  ldr x7, [x20]
  mov w8, #9
  mov w9, #0
  casb w8, w9, [x20]
  mov x10, #1
  mov x11, #2
  stp x10, x11, [x20, #16]
  add x12, x20, #16
  mov x14, #1
  mov x15, #2
  mov x16, #3
  mov x17, #4
  caspal x14, x15, x16, x17, [x12]
  ldp x18, x19, [x12]
  mov x22, #0
  mov x23, #0
  casp x22, x23, x16, x17, [x12]`);
    expect([m.x(2), m.x(4), m.x(5), m.x(7), m.x(8)]).toEqual([7n, 9n, 9n, 9n, 9n]);
    expect([m.x(14), m.x(15), m.x(18), m.x(19), m.x(22), m.x(23)]).toEqual([1n, 2n, 3n, 4n, 3n, 4n]);
    expect(at(m, 0)).toBe(0n);
  });
});
