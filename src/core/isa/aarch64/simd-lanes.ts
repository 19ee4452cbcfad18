/**
 * Lane access for the Advanced SIMD groups: V registers read and written as bigint lanes, the 64-bit
 * halves the widening and narrowing forms use, and saturation.
 */
import type { A64Cpu } from './cpu';
import { asUint } from './uint';

/** Lanes of register `r` with element size `size` (0..3) as unsigned bigints; `count` lanes from the bottom. */
export function lanes(cpu: A64Cpu, r: number, size: number, count: number): bigint[] {
  const out: bigint[] = [];
  const bytes = 1 << size;
  for (let i = 0; i < count; i++) {
    let v = 0n;
    for (let k = bytes - 1; k >= 0; k--) v = (v << 8n) | BigInt(cpu.vU8[r * 16 + i * bytes + k]!);
    out.push(v);
  }
  return out;
}

/** Writes lanes to register `r`; bytes past them are cleared (a 64-bit result clears the top half). */
export function setLanes(cpu: A64Cpu, r: number, size: number, values: readonly bigint[]): void {
  const bytes = 1 << size;
  const u8 = cpu.vU8;
  u8.fill(0, r * 16, r * 16 + 16);
  values.forEach((v, i) => {
    for (let k = 0; k < bytes; k++) u8[r * 16 + i * bytes + k] = Number((v >> BigInt(8 * k)) & 0xffn);
  });
}

export const signed = (v: bigint, bits: number): bigint => BigInt.asIntN(bits, v);

/** The lanes of the lower (q = 0) or upper (q = 1) 64 bits of register `r`. */
export function half(cpu: A64Cpu, r: number, size: number, q: number): bigint[] {
  const count = 8 >> size;
  return lanes(cpu, r, size, 2 * count).slice(q * count, q * count + count);
}

/** A narrowing result: q = 0 writes the lower half and clears the upper, q = 1 writes the upper half. */
export function writeNarrow(cpu: A64Cpu, r: number, size: number, q: number, values: readonly bigint[]): void {
  setLanes(cpu, r, size, q ? [...lanes(cpu, r, size, values.length), ...values] : values);
}

/** FPSR.QC, the cumulative saturation flag. */
const QC = 1 << 27;

/** Saturates a signed value to `bits` bits (two's complement, as an unsigned lane); sets FPSR.QC if it clamps. */
export function satS(cpu: A64Cpu, v: bigint, bits: number): bigint {
  const max = (1n << BigInt(bits - 1)) - 1n;
  const c = v > max ? max : v < -max - 1n ? -max - 1n : v;
  if (c !== v) cpu.fpsr |= QC;
  return asUint(bits, c);
}

/** Saturates to the unsigned range of `bits` bits; sets FPSR.QC if it clamps. */
export function satU(cpu: A64Cpu, v: bigint, bits: number): bigint {
  const max = (1n << BigInt(bits)) - 1n;
  const c = v > max ? max : v < 0n ? 0n : v;
  if (c !== v) cpu.fpsr |= QC;
  return c;
}

const scratch = new Uint8Array(64);

/**
 * Writes Vd byte by byte: byte j (of `bytes`, 8 or 16) is byte from(j) of the V register file (register
 * r's byte k is r * 16 + k), or 0 where from(j) is negative; bytes from `bytes` on are cleared. The
 * sources are read before Vd is written, so Vd may be one of them. For the permutes Linux's NEON code
 * runs through the interpreter's code (INS, DUP, TBL/TBX, REV): lanes() makes a BigInt of every lane.
 */
export function permuteBytes(cpu: A64Cpu, d: number, bytes: number, from: (j: number) => number): void {
  const u8 = cpu.vU8;
  for (let j = 0; j < bytes; j++) {
    const at = from(j);
    scratch[j] = at < 0 ? 0 : u8[at]!;
  }
  for (let j = 0; j < 16; j++) u8[d * 16 + j] = j < bytes ? scratch[j]! : 0;
}

