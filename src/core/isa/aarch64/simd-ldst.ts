/**
 * Advanced SIMD structure loads and stores: LD2-LD4/ST2-ST4 (multiple structures, interleaved),
 * LD1-LD4/ST1-ST4 of one lane, and LD1R-LD4R (one structure replicated to every lane), with no
 * offset or post-indexed by the transfer size or a register. A 64-bit (Q = 0) load of whole registers
 * clears their upper halves; a lane load leaves the other lanes as they were.
 */
import type { A64Cpu } from './cpu';
import { LDST_MULTIPLE, singleStructureOf } from './fields';
import { baseAddress, writeBack } from './load-store';
import { load, store } from './memory';
import { lanes, setLanes } from './simd-lanes';
import { asUint } from './uint';

/** Transfers element `index` (2^es bytes) of register `v` at the address `a`. */
function element(cpu: A64Cpu, isLoad: boolean, a: bigint, v: number, index: number, es: number): void {
  const bytes = (1 << es) as 1 | 2 | 4 | 8;
  const lo = Number(BigInt.asIntN(32, a));
  const hi = Number(BigInt.asIntN(32, a >> 32n));
  const u8 = cpu.vU8;
  const at = v * 16 + index * bytes;
  if (isLoad) {
    const w = load(cpu, lo, hi, bytes, cpu.el);
    const h = cpu.tmpHi;
    for (let k = 0; k < bytes; k++) u8[at + k] = (k < 4 ? w >>> (8 * k) : h >>> (8 * (k - 4))) & 255;
  } else {
    let w = 0, h = 0;
    for (let k = 0; k < bytes; k++) {
      if (k < 4) w |= u8[at + k]! << (8 * k);
      else h |= u8[at + k]! << (8 * (k - 4));
    }
    store(cpu, lo, hi, bytes, w, h, cpu.el);
  }
}

function start(cpu: A64Cpu, n: number): bigint {
  const lo = baseAddress(cpu, n, 0);
  return (BigInt(cpu.tmpHi >>> 0) << 32n) | BigInt(lo >>> 0);
}

function postIndex(cpu: A64Cpu, raw: number, n: number, base: bigint, size: number): void {
  if (!((raw >>> 23) & 1)) return;
  const m = (raw >>> 16) & 31;
  const next = asUint(64, base + (m === 31 ? BigInt(size) : cpu.getX(m)));
  writeBack(cpu, n, Number(BigInt.asIntN(32, next)), Number(BigInt.asIntN(32, next >> 32n)));
}

/** LD2-LD4/ST2-ST4 (multiple structures): element e of register t+s at base + (e * selem + s) * esize. */
export function loadStoreMultiple(cpu: A64Cpu, raw: number): void {
  const t = raw & 31, n = (raw >>> 5) & 31;
  const q = (raw >>> 30) & 1;
  const isLoad = ((raw >>> 22) & 1) === 1;
  const es = (raw >>> 10) & 3;
  const [registers, selem] = LDST_MULTIPLE[(raw >>> 12) & 15]!;
  const count = (q ? 16 : 8) >> es;
  const base = start(cpu, n);
  let a = base;
  for (let r = 0; r < registers / selem; r++) {
    for (let e = 0; e < count; e++) {
      for (let s = 0; s < selem; s++) {
        element(cpu, isLoad, a, (t + r + s) & 31, e, es);
        a += BigInt(1 << es);
      }
    }
  }
  if (isLoad && !q) for (let r = 0; r < registers; r++) cpu.vU8.fill(0, ((t + r) & 31) * 16 + 8, ((t + r) & 31) * 16 + 16);
  postIndex(cpu, raw, n, base, registers * (q ? 16 : 8));
}

/** LD1-LD4/ST1-ST4 (single structure) and LD1R-LD4R. */
export function loadStoreSingle(cpu: A64Cpu, raw: number): void {
  const t = raw & 31, n = (raw >>> 5) & 31;
  const q = (raw >>> 30) & 1;
  const isLoad = ((raw >>> 22) & 1) === 1;
  const { es, index, selem, replicate } = singleStructureOf(raw);
  const base = start(cpu, n);
  for (let s = 0; s < selem; s++) {
    const v = (t + s) & 31;
    element(cpu, isLoad, base + BigInt(s << es), v, index, es);
    if (replicate) setLanes(cpu, v, es, new Array<bigint>((q ? 16 : 8) >> es).fill(lanes(cpu, v, es, 1)[0]!));
  }
  postIndex(cpu, raw, n, base, selem << es);
}
