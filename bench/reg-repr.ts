/**
 * Micro-benchmark behind docs/decisions/0001-register-representation.md: the same add / shift /
 * compare / load loop over a 32-entry 64-bit register file in three representations. It measures
 * the interpreter's inner arithmetic only (no decode, no memory translation beyond an index).
 * Run: npx rolldown bench/reg-repr.ts -o /tmp/reg-repr.mjs --platform node && node /tmp/reg-repr.mjs
 */
const ITER = 20_000_000;
const memWords = 1 << 16;

function bigintRegs(): number {
  const x = new BigInt64Array(new SharedArrayBuffer(32 * 8));
  const mem = new BigInt64Array(new SharedArrayBuffer(memWords * 8));
  x[1] = 1n;
  x[2] = 0x123456789n;
  let acc = 0;
  for (let i = 0; i < ITER; i++) {
    x[3] = BigInt.asIntN(64, x[2]! + x[1]!);
    x[4] = BigInt.asIntN(64, x[3]! << 3n);
    x[5] = x[4]! < x[2]! ? 1n : 0n;
    const addr = Number(BigInt.asUintN(16, x[3]!));
    x[6] = mem[addr]!;
    x[2] = x[3]!;
    acc += Number(x[5]!);
  }
  return acc;
}

function pairRegs(): number {
  const x = new Int32Array(new SharedArrayBuffer(32 * 8));
  const mem = new Int32Array(new SharedArrayBuffer(memWords * 8));
  x[2] = 1;
  x[4] = 0x23456789;
  x[5] = 1;
  let acc = 0;
  for (let i = 0; i < ITER; i++) {
    const alo = x[4]!, blo = x[2]!;
    const lo = (alo + blo) | 0;
    x[6] = lo;
    x[7] = (x[5]! + x[3]! + ((lo >>> 0) < (alo >>> 0) ? 1 : 0)) | 0;
    const slo = x[6]!, shi = x[7]!;
    x[8] = slo << 3;
    x[9] = (shi << 3) | (slo >>> 29);
    const ahi = x[9]!, bhi = x[5]!;
    x[10] = ahi < bhi || (ahi === bhi && (x[8]! >>> 0) < (x[4]! >>> 0)) ? 1 : 0;
    x[11] = 0;
    const addr = x[6]! & 0xffff;
    x[12] = mem[addr << 1]!;
    x[13] = mem[(addr << 1) + 1]!;
    x[4] = x[6]!;
    x[5] = x[7]!;
    acc += x[10]!;
  }
  return acc;
}

function doubleRegs(): number {
  // Registers as doubles holding the value modulo 2^53: exact only for 53-bit values, shown for scale.
  const x = new Float64Array(32);
  const mem = new Float64Array(memWords);
  x[1] = 1;
  x[2] = 0x123456789;
  let acc = 0;
  for (let i = 0; i < ITER; i++) {
    x[3] = (x[2]! + x[1]!) % 9007199254740992;
    x[4] = (x[3]! * 8) % 9007199254740992;
    x[5] = x[4]! < x[2]! ? 1 : 0;
    x[6] = mem[x[3]! % memWords]!;
    x[2] = x[3]!;
    acc += x[5]!;
  }
  return acc;
}

function time(name: string, fn: () => number): void {
  fn();
  const t0 = process.hrtime.bigint();
  const r = fn();
  const ns = Number(process.hrtime.bigint() - t0) / ITER;
  console.log(`${name.padEnd(28)} ${ns.toFixed(2)} ns/iteration (4 ops + load)  [${r}]`);
}

time('BigInt64Array + asIntN', bigintRegs);
time('Int32Array lo/hi pairs', pairRegs);
time('Float64Array (53-bit only)', doubleRegs);
