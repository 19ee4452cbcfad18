/**
 * The machine's memory plan: one shared region per RAM bank, back to back at the end of the buffer;
 * every thread's view maps every bank; a device window moved through one view reaches another view
 * and asks every CPU for a TLB flush; the device tree has a memory node per bank.
 */
import { describe, expect, it } from 'vitest';
import { qemuPlic } from '../../../../src/boards/riscv64/qemu-plic';
import { qemuGicv3 } from '../../../../src/boards/aarch64/qemu-gicv3';
import { CpuWord } from '../../../../src/core/cpu/cpu-core';
import { MachineView, planMachine } from '../../../../src/core/machine/machine';
import { allocateShared } from '../../../../src/core/machine/shared-layout';
import { boardDts, wholeBoardInput } from '../../../../src/core/fdt/board-dtb';
import type { Board } from '../../../../src/shared/model/board';

const MiB = 0x10_0000;
const HIGH = 0x1_0000_0000;
const clock = { hostTicks: () => 0 };

/** qemu-plic with 64 MiB of boot RAM and a 16 MiB bank above 4 GiB. */
const banked: Board = { ...qemuPlic, ram: { base: 0x8000_0000, size: 64 * MiB }, extraRam: [{ base: HIGH, size: 16 * MiB }] };

describe('memory plan', () => {
  it('plans a region per bank, right after one another, with the layout ramSize resizing the boot bank', () => {
    const plan = planMachine(banked, 32 * MiB);
    const ram = plan.layout.regions.find((r) => r.name === 'ram')!;
    const high = plan.layout.regions.find((r) => r.name === 'ram.1')!;
    expect(plan.ramSize).toBe(32 * MiB);
    expect(plan.banks).toEqual([{ base: 0x8000_0000, size: 32 * MiB }, { base: HIGH, size: 16 * MiB }]);
    expect([ram.length, high.length, high.offset - ram.offset]).toEqual([32 * MiB, 16 * MiB, 32 * MiB]);
    expect(plan.layout.totalBytes).toBeGreaterThanOrEqual(high.offset + high.length);
  });

  it('gives every thread a bus over all banks: bytes written through one view are read through another', () => {
    const plan = planMachine(banked);
    const buffer = allocateShared(plan.layout);
    const host = new MachineView(plan, buffer, clock, 0);
    const worker = new MachineView(plan, buffer, clock, 1);
    expect(host.bus.banks.map((b) => b.base)).toEqual([0x8000_0000, HIGH]);
    host.bus.write(HIGH + 16 * MiB - 8, 8, 0xcafe, 0xf00d);
    expect(worker.bus.read(HIGH + 16 * MiB - 8, 8)).toBe(0xcafe);
    expect(worker.bus.high).toBe(0xf00d);
  });

  it('a window moved through one view answers at its new place in another and flushes every CPU', () => {
    const plan = planMachine(qemuPlic, 16 * MiB);
    const buffer = allocateShared(plan.layout);
    const host = new MachineView(plan, buffer, clock, 0);
    const worker = new MachineView(plan, buffer, clock, 2);
    const rtcTime = (view: MachineView, base: number): number => view.bus.read(base + 0x10, 4); // IRQ_ENABLED: a read without side effects
    expect(() => rtcTime(worker, 0x0010_1000)).not.toThrow();
    host.bus.move('rtc', 0x0011_0000);
    expect(worker.bus.findDevice(0x0010_1000, 4)).toBeUndefined();
    expect(worker.bus.findDevice(0x0011_0000, 4)?.name).toBe('rtc');
    expect(host.headers.map((h) => Atomics.load(h, CpuWord.fences) & 1)).toEqual([1, 1, 1, 1]);
  });

  it('refuses banks that overlap, are not page aligned, or cannot fit one WebAssembly memory, naming the board', () => {
    expect(() => planMachine({ ...banked, extraRam: [{ base: 0x8100_0000, size: MiB }] })).toThrow(
      "board 'qemu-plic': extraRam[0] at 0x81000000 overlaps ram at 0x80000000",
    );
    expect(() => planMachine({ ...banked, extraRam: [{ base: HIGH + 0x10, size: MiB }] })).toThrow(
      "board 'qemu-plic': extraRam[0] (base 0x100000010, size 0x100000) must be a non-empty, 4 KiB aligned range",
    );
    expect(() => planMachine({ ...banked, extraRam: [{ base: HIGH, size: 0x1_0000_0000 }] })).toThrow(/more than one 4 GiB WebAssembly memory holds/);
  });

  it('describes every bank in the whole-board device tree, on both architectures', () => {
    expect(boardDts(wholeBoardInput(banked))).toMatch(/memory@80000000 \{[^}]*\n[^}]*\}[\s\S]*memory@100000000 \{/);
    const arm: Board = { ...qemuGicv3, extraRam: [{ base: 0x1_0000_0000, size: 256 * MiB }] };
    expect(boardDts(wholeBoardInput(arm))).toContain('memory@100000000');
  });
});
