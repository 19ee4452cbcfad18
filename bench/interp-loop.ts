/**
 * Instruction rate of the RV64 interpreter on a tight integer loop (add/xor/shift/load/store/branch),
 * one hart over a plain SharedArrayBuffer RAM, no devices. Prints `MIPS <n>`.
 * Run: npx rolldown bench/interp-loop.ts -o /tmp/interp-loop.mjs --platform node && node /tmp/interp-loop.mjs
 */
import { AddressSpace } from '../src/core/bus/address-space';
import { assembleProgram } from '../src/core/isa/riscv64/assembler';
import { Hart, HART_STATE_BYTES } from '../src/core/isa/riscv64/hart';

const RAM_BASE = 0x80000000;
const RAM_SIZE = 1 << 20;
const buffer = new SharedArrayBuffer(RAM_SIZE + HART_STATE_BYTES);
const bus = new AddressSpace(RAM_BASE, { buffer, byteOffset: 0, byteLength: RAM_SIZE });
const hart = new Hart(
  {
    hartId: 0,
    bus,
    clock: { now: () => 0 },
    machineTimerCompare: () => Infinity,
    fault: (r) => {
      throw new Error(r.message);
    },
  },
  { buffer, byteOffset: RAM_SIZE, byteLength: HART_STATE_BYTES },
);

const program = assembleProgram([
  'auipc s0, 0x10',
  'li a0, 0',
  'li a2, 0',
  'loop:',
  'addi a0, a0, 1',
  'xor a2, a2, a0',
  'slli a3, a0, 3',
  'add a4, a4, a3',
  'andi a5, a0, 255',
  'slli a5, a5, 3',
  'add a5, a5, s0',
  'ld a6, 0(a5)',
  'add a6, a6, a2',
  'sd a6, 0(a5)',
  'j loop',
]);
new Uint8Array(buffer, 0, program.bytes.length).set(program.bytes);
hart.reset(BigInt(RAM_BASE), 'machine');

const budget = 1_000_000;
for (let i = 0; i < 50; i++) hart.run(budget);
const start = performance.now();
const before = hart.retired;
while (performance.now() - start < 3000) hart.run(budget);
const seconds = (performance.now() - start) / 1000;
console.log(`MIPS ${((hart.retired - before) / seconds / 1e6).toFixed(1)}`);
