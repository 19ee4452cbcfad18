/**
 * A bare machine for the A64 unit tests: RAM at 0x40000000 (QEMU virt's), one A64Cpu, a test clock,
 * and the known-answer programs assembled by Debian's aarch64-linux-gnu-as and -ld at test time.
 * Each test file keeps the flat images of its programs in programs/<file>.json so that the tests run
 * where the toolchain is absent; with the toolchain the programs are assembled again and the file is
 * updated when a program is new or changed (delete programs/*.json and run once to drop stale images).
 * AARCH64_NO_TOOLCHAIN=1 forces the committed images, as CI without the cross toolchain sees them.
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AddressSpace } from '../../../../../src/core/bus/address-space';
import type { MmioDevice } from '../../../../../src/core/bus/types';
import { CpuWord, type CpuFaultReport } from '../../../../../src/core/cpu/cpu-core';
import { A64Cpu, A64_STATE_BYTES } from '../../../../../src/core/isa/aarch64/cpu';
import type { ArmPlatform, Supervisor, TimerOutput } from '../../../../../src/core/isa/aarch64/platform';
import { registerWasmMemory } from '../../../../../src/core/jit/wasm-module';
import type { RamHints } from '../../../../../src/core/bus/ram-hints';
import type { HeadProfile } from '../../../../../src/core/jit/head-profile';

export const RAM_BASE = 0x4000_0000;

/**
 * A64_TIER=1 runs every test machine over a WebAssembly.Memory with the translation tier translating
 * each block head the first time it is seen, so the whole ISA suite checks the tier against the answers
 * the interpreter is held to.
 */
export const TIER = process.env.A64_TIER === '1';

/** A shared WebAssembly.Memory of at least `bytes`, registered so that CPUs in it get a translation tier. */
export function tierBuffer(bytes: number): SharedArrayBuffer {
  const pages = Math.ceil(bytes / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  registerWasmMemory(memory);
  return memory.buffer as unknown as SharedArrayBuffer;
}
const TOOL = '/usr/bin/aarch64-linux-gnu-';
/** AARCH64_NO_TOOLCHAIN=1 runs from the committed images as CI without the cross toolchain would. */
export const HAVE_TOOLCHAIN = process.env.AARCH64_NO_TOOLCHAIN !== '1' && existsSync(`${TOOL}as`) && existsSync(`${TOOL}ld`);

export interface Assembler {
  (source: string, base?: number): Uint8Array;
  save(): void;
}

/** Assembler for one test file; its images are cached in programs/<name>.json. */
export function assembler(name: string): Assembler {
  const file = path.join(__dirname, 'programs', `${name}.json`);
  const cache: Record<string, string> = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  let changed = false;
  const asm = ((source: string, base = RAM_BASE): Uint8Array => {
    const key = createHash('sha256').update(`${base.toString(16)}\n${source}`).digest('hex').slice(0, 24);
    if (HAVE_TOOLCHAIN) {
      const bytes = build(source, base);
      const b64 = Buffer.from(bytes).toString('base64');
      if (cache[key] !== b64) {
        cache[key] = b64;
        changed = true;
      }
      return bytes;
    }
    const b64 = cache[key];
    if (b64 === undefined) throw new Error(`program not in programs/${name}.json and aarch64-linux-gnu-as is absent: install gcc-aarch64-linux-gnu`);
    return new Uint8Array(Buffer.from(b64, 'base64'));
  }) as Assembler;
  asm.save = () => {
    if (changed) writeFileSync(file, `${JSON.stringify(cache, null, 1)}\n`);
  };
  return asm;
}

function build(source: string, base: number): Uint8Array {
  const dir = mkdtempSync(path.join(tmpdir(), 'a64-asm-'));
  try {
    writeFileSync(path.join(dir, 'p.s'), `.text\n.globl _start\n_start:\n${source}\n`);
    execFileSync(`${TOOL}as`, ['-march=armv8-a', '-o', 'p.o', 'p.s'], { cwd: dir, stdio: 'pipe' });
    execFileSync(`${TOOL}ld`, ['-Ttext', `0x${base.toString(16)}`, '--no-warn-rwx-segments', '-o', 'p.elf', 'p.o'], { cwd: dir, stdio: 'pipe' });
    execFileSync(`${TOOL}objcopy`, ['-O', 'binary', 'p.elf', 'p.bin'], { cwd: dir, stdio: 'pipe' });
    return new Uint8Array(readFileSync(path.join(dir, 'p.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface TestMachine {
  cpu: A64Cpu;
  bus: AddressSpace;
  ram: DataView;
  header: Int32Array;
  faults: CpuFaultReport[];
  reports: CpuFaultReport[];
  timers: { virtual: boolean; physical: boolean };
  time: { now: number };
  load(bytes: Uint8Array, at?: number): void;
  run(budget?: number): ReturnType<A64Cpu['run']>;
  x(n: number): bigint;
  flags(): string;
}

export function machine(
  bytes: Uint8Array,
  opts: { ramSize?: number; supervisor?: Supervisor; timerIrq?: boolean; args?: bigint[]; floatingPoint?: boolean; tier?: boolean; ramHints?: RamHints; headProfile?: HeadProfile } = {},
): TestMachine {
  const ramSize = opts.ramSize ?? 1 << 20;
  const tier = opts.tier ?? TIER;
  const buffer = tier ? tierBuffer(ramSize + A64_STATE_BYTES) : new SharedArrayBuffer(ramSize + A64_STATE_BYTES);
  const bus = new AddressSpace(RAM_BASE, { buffer, byteOffset: 0, byteLength: ramSize });
  const faults: CpuFaultReport[] = [];
  const reports: CpuFaultReport[] = [];
  const time = { now: 0 };
  const timers = { virtual: false, physical: false };
  const header = new Int32Array(buffer, ramSize, 64);
  const platform: ArmPlatform = {
    cpuId: 0,
    mpidr: 0n,
    bus,
    clock: { now: () => time.now },
    timerFrequency: 62_500_000,
    ...(opts.supervisor ? { supervisor: opts.supervisor } : {}),
    ...(opts.floatingPoint !== undefined ? { floatingPoint: opts.floatingPoint } : {}),
    ...(opts.ramHints ? { ramHints: opts.ramHints } : {}),
    ...(opts.headProfile ? { headProfile: opts.headProfile } : {}),
    timerOutput(timer: TimerOutput, level: boolean) {
      timers[timer] = level;
      // Without an interrupt controller the test wires both timers straight to the IRQ input.
      if (opts.timerIrq) {
        const any = timers.virtual || timers.physical;
        if (any) Atomics.or(header, CpuWord.pending, 1);
        else Atomics.and(header, CpuWord.pending, ~1);
      }
    },
    unimplemented: (r) => {
      reports.push(r);
      return 'deliver';
    },
    fault: (r) => faults.push(r),
  };
  const cpu = new A64Cpu(platform, { buffer, byteOffset: ramSize, byteLength: A64_STATE_BYTES });
  if (tier) {
    if (!cpu.tier) throw new Error('a translation tier was asked for but the CPU has none');
    cpu.tier.hot = 1;
    cpu.tier.batch = 1;
  }
  const ram = new DataView(buffer, 0, ramSize);
  const m: TestMachine = {
    cpu, bus, ram, header, faults, reports, timers, time,
    load(b, at = RAM_BASE) {
      new Uint8Array(buffer, at - RAM_BASE, b.length).set(b);
    },
    run(budget = 100_000) {
      return cpu.run(budget);
    },
    x: (n) => cpu.getX(n),
    flags() {
      const v = cpu.nzcv >>> 28;
      return ['N', 'Z', 'C', 'V'].map((f, i) => ((v >> (3 - i)) & 1 ? f : '-')).join('');
    },
  };
  m.load(bytes);
  cpu.powerOn(BigInt(RAM_BASE), opts.args ?? []);
  return m;
}

/** Runs in slices of a million instructions until the CPU stops for something else or `budget` is spent. */
export function runToEnd(m: TestMachine, budget: number): string {
  let exit: string;
  let left = budget;
  do {
    exit = m.run(1_000_000);
    left -= 1_000_000;
  } while (exit === 'budget' && left > 0);
  return exit;
}

export function device(kind = 'test'): MmioDevice & { log: string[]; regs: Map<number, number> } {
  const log: string[] = [];
  const regs = new Map<number, number>();
  return {
    kind, registers: [], log, regs,
    read(offset, size) { log.push(`r${size}@${offset}`); return regs.get(offset) ?? 0; },
    write(offset, size, value) { log.push(`w${size}@${offset}=${value}`); regs.set(offset, value); },
    reset() {},
    peek() { return {}; },
  };
}

/** Unsigned 64-bit view of a bigint, for comparisons with negative literals. */
export const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/** CPACR_EL1.FPEN = 0b11: FP and Advanced SIMD instructions do not trap at EL1/EL0. */
export const ENABLE_FP_SIMD = '  mov x0, #(3 << 20)\n  msr cpacr_el1, x0\n';

/**
 * Runs `source` to its final WFI on a machine with FP/SIMD enabled (CPACR_EL1; the CPU has FP unless
 * `floatingPoint` is false), after `prologue`; `setup` sees the machine before it runs. Checks that nothing
 * faulted and no unimplemented instruction was reported on the way.
 */
export function runWithFpSimd(
  asm: Assembler,
  source: string,
  options: { prologue?: string; setup?: (m: ReturnType<typeof machine>) => void; floatingPoint?: boolean } = {},
): ReturnType<typeof machine> {
  const m = machine(asm(`${ENABLE_FP_SIMD}${options.prologue ?? ''}${source}\n  wfi\n`), { floatingPoint: options.floatingPoint ?? true });
  options.setup?.(m);
  const exit = m.run(100_000);
  expect(m.faults).toEqual([]);
  expect(m.reports).toEqual([]);
  expect(exit).toBe('wfi');
  return m;
}
