/**
 * The LSE atomic instructions (FEAT_LSE, which the architecture permits in an ARMv8.0 CPU and which
 * ID_AA64ISAR0_EL1.Atomic announces): LD<op>/ST<op> (add, clear, exclusive or, set, signed and
 * unsigned max/min), SWP, CAS and CASP in every size and ordering. In RAM each is one compare-and-swap
 * loop on the shared buffer, so they are atomic against other CPU threads, and a store they make is
 * seen by the exclusive monitors of other CPUs (which compare values). Acquire/release ordering comes
 * with the Atomics operations, which are sequentially consistent. On device memory (no RAM offset)
 * the read-modify-write goes through the bus and is not atomic.
 */
import { pair } from './alu';
import type { A64Cpu } from './cpu';
import { baseAddress } from './load-store';
import { exclusiveOffset, load, store, WRITE } from './memory';
import { asUint } from './uint';

function readRam(cpu: A64Cpu, off: number, size: number): bigint {
  switch (size) {
    case 1: return BigInt(Atomics.load(cpu.u8, off));
    case 2: return BigInt(Atomics.load(cpu.u16, off >>> 1));
    case 4: return BigInt(Atomics.load(cpu.i32, off >>> 2) >>> 0);
    default: return asUint(64, Atomics.load(cpu.i64, off >>> 3));
  }
}

/** One compare-and-swap of `size` bytes at a RAM offset; true if memory held `expected`. */
function swapIfEqual(cpu: A64Cpu, off: number, size: number, expected: bigint, value: bigint): boolean {
  switch (size) {
    case 1: return Atomics.compareExchange(cpu.u8, off, Number(expected), Number(value & 0xffn)) === Number(expected);
    case 2: return Atomics.compareExchange(cpu.u16, off >>> 1, Number(expected), Number(value & 0xffffn)) === Number(expected);
    case 4: {
      const e = Number(BigInt.asIntN(32, expected));
      return Atomics.compareExchange(cpu.i32, off >>> 2, e, Number(BigInt.asIntN(32, value))) === e;
    }
    default: {
      const e = BigInt.asIntN(64, expected);
      return Atomics.compareExchange(cpu.i64, off >>> 3, e, BigInt.asIntN(64, value)) === e;
    }
  }
}

function readDevice(cpu: A64Cpu, lo: number, hi: number, size: number): bigint {
  const v = load(cpu, lo, hi, size as 1 | 2 | 4 | 8, cpu.el);
  return size === 8 ? pair(v, cpu.tmpHi) : BigInt(v >>> 0) & ((1n << BigInt(size * 8)) - 1n);
}

function writeDevice(cpu: A64Cpu, lo: number, hi: number, size: number, value: bigint): void {
  store(cpu, lo, hi, size as 1 | 2 | 4 | 8, Number(BigInt.asIntN(32, value)), Number(BigInt.asIntN(32, value >> 32n)), cpu.el);
}

/** The new memory value of LD<op> (opc 0..7) or SWP (-1) for an old value and the operand, `bits` wide. */
function combine(opc: number, old: bigint, operand: bigint, bits: number): bigint {
  const s = (v: bigint): bigint => BigInt.asIntN(bits, v);
  switch (opc) {
    case 0: return asUint(bits, old + operand);
    case 1: return old & ~operand;
    case 2: return old ^ operand;
    case 3: return old | operand;
    case 4: return s(old) > s(operand) ? old : operand;
    case 5: return s(old) < s(operand) ? old : operand;
    case 6: return old > operand ? old : operand;
    case 7: return old < operand ? old : operand;
    default: return operand;
  }
}

/** LD<op>, ST<op> (Rt = XZR) and SWP: Rt receives the old value, zero-extended. */
export function atomicMemoryOp(cpu: A64Cpu, raw: number): void {
  const size = 1 << (raw >>> 30);
  const bits = size * 8;
  const mask = (1n << BigInt(bits)) - 1n;
  const lo = baseAddress(cpu, (raw >>> 5) & 31, 0);
  const hi = cpu.tmpHi;
  const opc = (raw >>> 15) & 1 ? -1 : (raw >>> 12) & 7;
  const operand = cpu.getX((raw >>> 16) & 31) & mask;
  const off = exclusiveOffset(cpu, lo, hi, size, WRITE);
  let old: bigint;
  if (off < 0) {
    old = readDevice(cpu, lo, hi, size);
    writeDevice(cpu, lo, hi, size, combine(opc, old, operand, bits));
  } else {
    do old = readRam(cpu, off, size);
    while (!swapIfEqual(cpu, off, size, old, combine(opc, old, operand, bits)));
  }
  cpu.setX(raw & 31, old);
}

/** CAS: if memory equals Rs, store Rt; Rs always receives the old value. CASP does the same on register pairs. */
export function compareAndSwapInstruction(cpu: A64Cpu, raw: number, pairs: boolean): void {
  const s = (raw >>> 16) & 31;
  const t = raw & 31;
  const lo = baseAddress(cpu, (raw >>> 5) & 31, 0);
  const hi = cpu.tmpHi;
  if (!pairs) {
    const size = 1 << (raw >>> 30);
    const mask = (1n << BigInt(size * 8)) - 1n;
    const expected = cpu.getX(s) & mask;
    const value = cpu.getX(t) & mask;
    const off = exclusiveOffset(cpu, lo, hi, size, WRITE);
    let old: bigint;
    if (off < 0) {
      old = readDevice(cpu, lo, hi, size);
      if (old === expected) writeDevice(cpu, lo, hi, size, value);
    } else {
      old = readRam(cpu, off, size);
      while (old === expected && !swapIfEqual(cpu, off, size, expected, value)) old = readRam(cpu, off, size);
    }
    cpu.setX(s, old);
    return;
  }
  // CASP: two W registers (one 64-bit access) or two X registers (two 64-bit halves, each swapped atomically).
  const x64 = ((raw >>> 30) & 1) === 1;
  const regBits = x64 ? 64n : 32n;
  const regMask = (1n << regBits) - 1n;
  const e0 = cpu.getX(s) & regMask, e1 = cpu.getX(s + 1) & regMask;
  const v0 = cpu.getX(t) & regMask, v1 = cpu.getX(t + 1) & regMask;
  const off = exclusiveOffset(cpu, lo, hi, x64 ? 16 : 8, WRITE);
  let o0: bigint;
  let o1: bigint;
  if (!x64) {
    const expected = e0 | (e1 << 32n);
    let old: bigint;
    if (off < 0) {
      old = readDevice(cpu, lo, hi, 8);
      if (old === expected) writeDevice(cpu, lo, hi, 8, v0 | (v1 << 32n));
    } else {
      old = readRam(cpu, off, 8);
      while (old === expected && !swapIfEqual(cpu, off, 8, expected, v0 | (v1 << 32n))) old = readRam(cpu, off, 8);
    }
    o0 = old & regMask;
    o1 = old >> 32n;
  } else if (off < 0) {
    o0 = readDevice(cpu, lo, hi, 8);
    const s8 = (lo >>> 0) + 8;
    const hi8 = (hi + (s8 >= 4294967296 ? 1 : 0)) | 0;
    o1 = readDevice(cpu, s8 | 0, hi8, 8);
    if (o0 === e0 && o1 === e1) {
      writeDevice(cpu, lo, hi, 8, v0);
      writeDevice(cpu, s8 | 0, hi8, 8, v1);
    }
  } else {
    o0 = readRam(cpu, off, 8);
    o1 = readRam(cpu, off + 8, 8);
    if (o0 === e0 && o1 === e1) {
      // Swap the halves one after the other; put the first back if the second changed under us.
      if (!swapIfEqual(cpu, off, 8, e0, v0)) o0 = readRam(cpu, off, 8);
      else if (!swapIfEqual(cpu, off + 8, 8, e1, v1)) {
        swapIfEqual(cpu, off, 8, v0, e0);
        o1 = readRam(cpu, off + 8, 8);
      }
    }
  }
  cpu.setX(s, o0);
  cpu.setX(s + 1, o1);
}
