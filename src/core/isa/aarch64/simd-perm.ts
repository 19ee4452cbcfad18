/** Advanced SIMD permutes: UZP1/2, TRN1/2, ZIP1/2, EXT and the table lookups TBL/TBX of 1-4 registers. */
import type { A64Cpu } from './cpu';
import { lanes, permuteBytes, setLanes } from './simd-lanes';

export function permute(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31, m = (raw >>> 16) & 31;
  const size = (raw >>> 22) & 3;
  const count = (((raw >>> 30) & 1) ? 16 : 8) >> size;
  const opc = (raw >>> 12) & 7;
  const part = opc >>> 2;
  const h = count >> 1;
  const a = lanes(cpu, n, size, count);
  const b = lanes(cpu, m, size, count);
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const p = i >> 1;
    switch (opc & 3) {
      case 1: out.push(i < h ? a[2 * i + part]! : b[2 * (i - h) + part]!); break; // uzp
      case 2: out.push((i & 1 ? b : a)[2 * p + part]!); break; // trn
      default: out.push((i & 1 ? b : a)[part * h + p]!); break; // zip
    }
  }
  setLanes(cpu, d, size, out);
}

export function extract(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31, m = (raw >>> 16) & 31;
  const bytes = ((raw >>> 30) & 1) ? 16 : 8;
  const pos = (raw >>> 11) & 15;
  const both = [...lanes(cpu, n, 0, bytes), ...lanes(cpu, m, 0, bytes)];
  setLanes(cpu, d, 0, both.slice(pos, pos + bytes));
}

export function tableLookup(cpu: A64Cpu, raw: number): void {
  const d = raw & 31, n = (raw >>> 5) & 31, m = (raw >>> 16) & 31;
  const bytes = ((raw >>> 30) & 1) ? 16 : 8;
  const regs = ((raw >>> 13) & 3) + 1;
  const extension = ((raw >>> 12) & 1) === 1;
  const u8 = cpu.vU8;
  // Index byte i picks byte i % 16 of table register n + i / 16 (registers wrap at V31).
  permuteBytes(cpu, d, bytes, (k) => {
    const i = u8[m * 16 + k]!;
    return i < 16 * regs ? ((n + (i >>> 4)) & 31) * 16 + (i & 15) : extension ? d * 16 + k : -1;
  });
}
