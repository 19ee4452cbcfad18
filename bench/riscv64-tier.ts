/**
 * The RV64 translation tier's own figures on the benchmark guest (guest/riscv64/bin/bench-mips.elf),
 * one hart in this thread with stand-in UART and test devices: instruction rate with and without the
 * tier, blocks and modules compiled, compile time and its share of the run, and the code cache's size
 * (WebAssembly bytes compiled). `hvwb bench mips` gives the machine-level rate against QEMU.
 * Run: npx rolldown bench/riscv64-tier.ts -o /tmp/riscv64-tier.mjs --platform node && node /tmp/riscv64-tier.mjs
 */
import { readFileSync } from 'node:fs';
import { AddressSpace } from '../src/core/bus/address-space';
import type { MmioDevice } from '../src/core/bus/types';
import { Hart, HART_STATE_BYTES } from '../src/core/isa/riscv64/hart';
import { registerWasmMemory } from '../src/core/jit/wasm-module';
import { loadElf, parseElf } from '../src/core/machine/elf';

const RAM_BASE = 0x80000000;
const RAM_SIZE = 64 << 20;
const bytes = new Uint8Array(readFileSync('guest/riscv64/bin/bench-mips.elf'));
const image = parseElf(bytes, 'bench-mips');

function run(tier: boolean): void {
  const total = RAM_SIZE + HART_STATE_BYTES;
  let buffer: SharedArrayBuffer;
  if (tier) {
    const pages = Math.ceil(total / 65536);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    registerWasmMemory(memory);
    buffer = memory.buffer as unknown as SharedArrayBuffer;
  } else buffer = new SharedArrayBuffer(total);
  const bus = new AddressSpace(RAM_BASE, { buffer, byteOffset: 0, byteLength: RAM_SIZE });
  let off = false;
  const stub = (read: (o: number) => number, write: (o: number, v: number) => void): MmioDevice => ({
    kind: 'stub', registers: [], read: (o) => read(o), write: (o, _s, v) => write(o, v), reset() {}, peek: () => ({}),
  });
  bus.map('test', 0x100000, 0x1000, stub(() => 0, () => { off = true; }));
  bus.map('uart', 0x10000000, 0x100, stub((o) => (o === 5 ? 0x60 : 0), () => {}));
  const hart = new Hart(
    { hartId: 0, bus, clock: { now: () => 0 }, machineTimerCompare: () => Infinity, fault: (r) => { throw new Error(r.message); } },
    { buffer, byteOffset: RAM_SIZE, byteLength: HART_STATE_BYTES },
  );
  loadElf(image, bytes, { base: RAM_BASE, size: RAM_SIZE, u8: new Uint8Array(buffer, 0, RAM_SIZE) }, 'bench-mips');
  hart.reset(BigInt(image.entry), 'machine');
  const t0 = performance.now();
  while (!off && hart.run(1 << 20) === 'budget');
  const ms = performance.now() - t0;
  const line = [`${tier ? 'tier' : 'interp'}: ${hart.retired} instructions in ${(ms / 1000).toFixed(3)} s, MIPS ${(hart.retired / ms / 1000).toFixed(1)}`];
  const s = hart.tier?.stats;
  if (s) {
    line.push(`blocks ${s.blocks}, modules ${s.modules}, compile ${s.compileMs.toFixed(1)} ms (${((100 * s.compileMs) / ms).toFixed(1)}% of the run)`);
    line.push(`code ${(s.codeBytes / 1024).toFixed(1)} KiB of WebAssembly, stale ${s.stale}, flushes ${s.flushes}`);
  }
  console.log(line.join('; '));
}

run(false);
run(true);
