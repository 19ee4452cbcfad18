/**
 * Both CPUs over a bus with two RAM banks: code in the boot bank stores to, loads from and jumps into
 * a second bank above 4 GiB (which sits after a gap in the buffer), and the bytes land in that bank's
 * region; a device access still reaches the device.
 */
import { describe, expect, it } from 'vitest';
import { AddressSpace } from '../../../../src/core/bus/address-space';
import type { MmioDevice } from '../../../../src/core/bus/types';
import type { CpuFaultReport } from '../../../../src/core/cpu/cpu-core';
import { DebugWord } from '../../../../src/core/cpu/hart-snapshot';
import { assembleProgram } from '../../../../src/core/isa/riscv64/assembler';
import { Hart, HART_STATE_BYTES } from '../../../../src/core/isa/riscv64/hart';
import { A64Cpu, A64_STATE_BYTES } from '../../../../src/core/isa/aarch64/cpu';

const HIGH = 0x1_0000_0000;
const BANK = 0x10000;
/** Buffer: bank 0 at 0, a 4 KiB gap, bank 1 at 0x11000, the CPU state after it (the larger of the two CPUs' state). */
const BANK1_OFFSET = 0x11000;
const STATE_OFFSET = 0x22000;

function twoBanks(low: number, dev: MmioDevice): { bus: AddressSpace; buffer: SharedArrayBuffer } {
  const buffer = new SharedArrayBuffer(STATE_OFFSET + Math.max(HART_STATE_BYTES, A64_STATE_BYTES));
  const bus = new AddressSpace(low, { buffer, byteOffset: 0, byteLength: BANK }, {
    moreRam: [{ base: HIGH, region: { buffer, byteOffset: BANK1_OFFSET, byteLength: BANK } }],
  });
  bus.map('dev', 0x1000_0000, 0x100, dev);
  return { bus, buffer };
}

function recorder(): MmioDevice & { writes: number[] } {
  const writes: number[] = [];
  return { kind: 'rec', registers: [], writes, read: () => 0, write: (_o, _s, v) => void writes.push(v), reset: () => undefined, peek: () => ({}) };
}

describe('CPUs over several RAM banks', () => {
  it('riscv64: loads, stores and fetches in a bank above 4 GiB', () => {
    const LOW = 0x8000_0000;
    const dev = recorder();
    const { bus, buffer } = twoBanks(LOW, dev);
    const faults: string[] = [];
    const hart = new Hart(
      { hartId: 0, bus, clock: { now: () => 0 }, machineTimerCompare: () => Infinity, fault: (r) => faults.push(r.message) },
      { buffer, byteOffset: STATE_OFFSET, byteLength: HART_STATE_BYTES },
    );
    const boot = assembleProgram([
      'li t0, 1',
      'slli t0, t0, 32',
      'li t1, 0x234',
      'sd t1, 0x200(t0)',
      'ld t2, 0x200(t0)',
      'lui t4, 0x10000',
      'sw t2, 0(t4)',
      'addi t3, t0, 0x100',
      'jalr zero, 0(t3)',
    ], BigInt(LOW));
    new Uint8Array(buffer, 0, boot.bytes.length).set(boot.bytes);
    const high = assembleProgram(['addi a0, t2, 1', 'sd a0, 0x208(t0)', 'loop:', 'j loop'], BigInt(HIGH + 0x100));
    new Uint8Array(buffer, BANK1_OFFSET + 0x100, high.bytes.length).set(high.bytes);
    hart.reset(BigInt(LOW), 'machine');
    hart.run(1000);
    expect(faults).toEqual([]);
    expect(hart.getX(10)).toBe(0x235n);
    expect(new DataView(buffer).getUint32(BANK1_OFFSET + 0x200, true)).toBe(0x234);
    expect(bus.read(HIGH + 0x208, 4)).toBe(0x235);
    expect(dev.writes).toEqual([0x234]);
    // The gap between the banks in the buffer was never written.
    expect(new Uint8Array(buffer, BANK, BANK1_OFFSET - BANK).every((b) => b === 0)).toBe(true);
    // The inspector's physical pc is in the high bank (span offset 0x11108 turned back into an address).
    hart.publishSnapshot();
    expect(hart.getPc()).toBe(BigInt(HIGH + 0x108));
    expect([hart.debug[DebugWord.pcPhysLo]! >>> 0, hart.debug[DebugWord.pcPhysHi]]).toEqual([0x108, 1]);
  });

  it('aarch64: loads, stores and fetches in a bank above 4 GiB', () => {
    const LOW = 0x4000_0000;
    const dev = recorder();
    const { bus, buffer } = twoBanks(LOW, dev);
    const faults: CpuFaultReport[] = [];
    const cpu = new A64Cpu(
      {
        cpuId: 0, mpidr: 0n, bus, clock: { now: () => 0 }, timerFrequency: 62_500_000,
        timerOutput: () => undefined, unimplemented: () => 'deliver', fault: (r) => faults.push(r),
      },
      { buffer, byteOffset: STATE_OFFSET, byteLength: A64_STATE_BYTES },
    );
    const words = (at: number, ws: number[]): void => ws.forEach((w, i) => new DataView(buffer).setUint32(at + 4 * i, w >>> 0, true));
    words(0, [
      0xd2800000 | (2 << 21) | (1 << 5) | 1, // movz x1, #1, lsl #32
      0xd2800000 | (0x1234 << 5) | 2, // movz x2, #0x1234
      0xf9000000 | (64 << 10) | (1 << 5) | 2, // str x2, [x1, #0x200]
      0xf9400000 | (64 << 10) | (1 << 5) | 3, // ldr x3, [x1, #0x200]
      0xd2800000 | (1 << 21) | (0x1000 << 5) | 6, // movz x6, #0x1000, lsl #16
      0xb9000000 | (6 << 5) | 3, // str w3, [x6]
      0x91000000 | (0x100 << 10) | (1 << 5) | 4, // add x4, x1, #0x100
      0xd61f0000 | (4 << 5), // br x4
    ]);
    words(BANK1_OFFSET + 0x100, [
      0x91000000 | (1 << 10) | (3 << 5) | 5, // add x5, x3, #1
      0xf9000000 | (65 << 10) | (1 << 5) | 5, // str x5, [x1, #0x208]
      0x14000000, // b .
    ]);
    cpu.powerOn(BigInt(LOW));
    cpu.run(1000);
    expect(faults).toEqual([]);
    expect(cpu.getX(5)).toBe(0x1235n);
    expect(new DataView(buffer).getUint32(BANK1_OFFSET + 0x200, true)).toBe(0x1234);
    expect(bus.read(HIGH + 0x208, 4)).toBe(0x1235);
    expect(dev.writes).toEqual([0x1234]);
    expect(new Uint8Array(buffer, BANK, BANK1_OFFSET - BANK).every((b) => b === 0)).toBe(true);
    expect(cpu.getPc()).toBe(BigInt(HIGH + 0x108));
  });
});
