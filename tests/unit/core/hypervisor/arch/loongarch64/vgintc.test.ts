/**
 * A loongarch64 zone's injected interrupts (vgintc.ts): hvisor's inject_irq raises an ESTAT.IS line on
 * the zone's first CPU and holds it; the daemon's deassert (the driver acknowledged its device) drops
 * only that device's line, and hvisor's 200 ms tick drops whatever is left.
 */
import { describe, expect, it } from 'vitest';
import { LoongarchVirtualGintc } from '../../../../../../src/core/hypervisor/arch/loongarch64/vgintc';
import type { VirtualIrqChipEnv } from '../../../../../../src/core/hypervisor/irqchip';

function setup(cpus = [1]) {
  const lines = new Map<number, number>();
  const clock = { ticks: 1_000_000 };
  const logs: string[] = [];
  const bytes = LoongarchVirtualGintc.stateBytes(cpus.length);
  const env = {
    region: { buffer: new SharedArrayBuffer(bytes), byteOffset: 0, byteLength: bytes },
    board: { timebaseFrequency: 100_000_000 },
    clock: { now: () => clock.ticks },
    config: { zoneId: 1, interrupts: [4, 5, 6] },
    cpus,
    signals: {
      setPending(cpu: number, mask: number, level: boolean) {
        lines.set(cpu, level ? (lines.get(cpu) ?? 0) | mask : (lines.get(cpu) ?? 0) & ~mask);
      },
    },
    log: (m: string) => logs.push(m),
  } as unknown as VirtualIrqChipEnv;
  return { chip: new LoongarchVirtualGintc(env), lines: (cpu: number) => lines.get(cpu) ?? 0, logs, clock };
}

describe('loongarch64 GINTC injection', () => {
  it("drops only the acknowledged device's line; the others stay up until their own acknowledgement", () => {
    const { chip, lines } = setup();
    expect(chip.inject(4, false)).toBe(true);
    expect(chip.inject(5, false)).toBe(true);
    expect(lines(1)).toBe((1 << 4) | (1 << 5));
    chip.deassert(4);
    expect(lines(1)).toBe(1 << 5);
    // A second deassert of a line that is down, or of a non-HWI bit, changes nothing.
    chip.deassert(4);
    chip.deassert(12);
    expect(lines(1)).toBe(1 << 5);
    chip.deassert(5);
    expect(lines(1)).toBe(0);
    // The line comes back with the next injection.
    chip.inject(4, false);
    expect(lines(1)).toBe(1 << 4);
  });

  it("still drops what is left at hvisor's host timer tick, 200 ms of the board's time after the injection", () => {
    const { chip, lines, clock } = setup();
    chip.inject(6, false);
    // 100 MHz: 200 ms are 20,000,000 ticks of the board's clock (retired instructions in deterministic mode).
    clock.ticks += 19_999_999;
    chip.clearExpired(1);
    expect(lines(1)).toBe(1 << 6);
    clock.ticks += 1;
    chip.clearExpired(1);
    expect(lines(1)).toBe(0);
  });
});
