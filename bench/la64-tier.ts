/**
 * Instruction rate of the LA64 CPU in both tiers, as Linux runs it: PLV0 with paging on (CRMD.PG) and
 * code and data reached through the DMW1 cached window (0x9000_xxxx, like the kernel), one CPU, no
 * devices; the same loops as bench/la64-interp.ts (a tight integer one and a memset-like store loop).
 * The interpreter runs over a plain SharedArrayBuffer, the translation tier (tier.ts) over a registered
 * WebAssembly.Memory. Prints `MIPS <n>` per loop and tier (median of 5 runs) and the tier's figures.
 * Run: npx rolldown bench/la64-tier.ts -o /tmp/la64-tier.mjs --platform node && node /tmp/la64-tier.mjs
 */
import { AddressSpace } from '../src/core/bus/address-space';
import { assemble } from '../src/core/isa/loongarch64/assembler';
import { LaCpu, LA_STATE_BYTES } from '../src/core/isa/loongarch64/cpu';
import { registerWasmMemory } from '../src/core/jit/wasm-module';

const RAM_SIZE = 4 << 20;

function cpuOver(buffer: ArrayBufferLike): LaCpu {
  const bus = new AddressSpace(0, { buffer, byteOffset: 0, byteLength: RAM_SIZE });
  return new LaCpu(
    {
      cpuId: 0, bus, clock: { now: () => 0 }, timerFrequency: 100_000_000, prid: 0x14c010,
      iocsr: { read: () => undefined, write: () => false },
      fault: (r) => {
        throw new Error(`${r.message} at 0x${r.pc.toString(16)}`);
      },
    },
    { buffer, byteOffset: RAM_SIZE, byteLength: LA_STATE_BYTES },
  );
}

const pages = Math.ceil((RAM_SIZE + LA_STATE_BYTES) / 65536);
const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
registerWasmMemory(memory);
const tiers = { interpreter: new SharedArrayBuffer(RAM_SIZE + LA_STATE_BYTES), translated: memory.buffer };

// Physical 0x1000: set DMW1 (0x9000..., CA, PLV0), jump to the loop's window address (direct address
// mode drops the segment bits), where the loop's prologue turns paging on.
const boot = `
    li.d    $t0, 0x9000000000000011
    csrwr   $t0, 0x181
    li.d    $t0, 0x9000000000010000
    jr      $t0
`;
const pagingOn = `
    li.w    $t0, 0xb0
    csrwr   $t0, 0x0
`;
const loops = {
  'integer loop': `
    li.d    $a0, 0x9000000000100000
    li.w    $a1, 0
    li.w    $a2, 2000000
loop:  ld.d    $t1, $a0, 0
    add.d   $a1, $a1, $t1
    addi.d  $t1, $t1, 3
    st.d    $t1, $a0, 8
    addi.d  $a2, $a2, -1
    bnez    $a2, loop
    idle    0
`,
  'store loop': `
    li.w    $a2, 32
outer: li.d    $a0, 0x9000000000100000
    li.d    $a1, 0x9000000000200000
inner: st.d    $zero, $a0, 0
    st.d    $zero, $a0, 8
    st.d    $zero, $a0, 16
    st.d    $zero, $a0, 24
    st.d    $zero, $a0, 32
    st.d    $zero, $a0, 40
    st.d    $zero, $a0, 48
    st.d    $zero, $a0, 56
    addi.d  $a0, $a0, 64
    bne     $a0, $a1, inner
    addi.d  $a2, $a2, -1
    bnez    $a2, outer
    idle    0
`,
};


for (const [tierName, buffer] of Object.entries(tiers)) {
  const cpu = cpuOver(buffer);
  if ((cpu.tier !== undefined) !== (tierName === 'translated')) throw new Error(`${tierName}: the tier is ${cpu.tier ? 'on' : 'off'}`);
  const place = (source: string, physical: number, virtual: bigint): void => {
    const program = assemble(source, virtual);
    new Uint8Array(buffer, physical, program.bytes.length).set(program.bytes);
  };
  for (const [name, body] of Object.entries(loops)) {
    const rates: number[] = [];
    for (let run = 0; run < 5; run++) {
      new Uint8Array(buffer, 0, RAM_SIZE).fill(0);
      place(boot, 0x1000, 0x1000n);
      place(pagingOn + body, 0x10000, 0x9000000000010000n);
      cpu.powerOn(0x1000n, []);
      cpu.setPc(0x1000n);
      const start = cpu.retired;
      const t0 = performance.now();
      for (let i = 0; i < 10_000; i++) if (cpu.run(100_000) !== 'budget') break;
      const ms = performance.now() - t0;
      rates.push((cpu.retired - start) / ms / 1000);
    }
    rates.sort((a, b) => a - b);
    console.log(`${tierName} ${name}: MIPS ${rates[2]!.toFixed(2)} (runs ${rates.map((r) => r.toFixed(2)).join(' ')})`);
  }
  if (cpu.tier) console.log(`tier: ${JSON.stringify(cpu.tier.stats)}`);
}
