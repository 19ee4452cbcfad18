/**
 * The goldfish RTC in deterministic mode (decision 0025): a thread clock that names a wall epoch (the
 * scheduler's DeterministicTurns, the management thread's clock) makes the RTC read that epoch plus the
 * machine's own time, 2000-01-01T00:00:00Z at tick 0, whatever the host's date; without one it reads
 * the host's date.
 */
import { describe, expect, it } from 'vitest';
import { qemuPlic } from '../../../../src/boards/riscv64/qemu-plic';
import { MachineView, planMachine } from '../../../../src/core/machine/machine';
import { allocateShared } from '../../../../src/core/machine/shared-layout';
import { DETERMINISTIC_WALL_EPOCH_NS } from '../../../../src/core/vcpu/deterministic-turns';

const RTC = 0x0010_1000;

function rtcNs(view: MachineView): bigint {
  const low = view.bus.read(RTC, 4);
  return (BigInt(view.bus.read(RTC + 4, 4)) << 32n) | BigInt(low);
}

describe('the wall clock of a deterministic machine', () => {
  it('starts at 2000-01-01 and follows the machine clock; the normal clock reads the host date', () => {
    const plan = planMachine(qemuPlic, 16 * 0x10_0000);
    let ticks = 0;
    const det = new MachineView(plan, allocateShared(plan.layout), { hostTicks: () => ticks, wallEpochNs: DETERMINISTIC_WALL_EPOCH_NS }, 0);
    expect(new Date(Number(rtcNs(det) / 1_000_000n)).toISOString()).toBe('2000-01-01T00:00:00.000Z');
    ticks = 2.5 * qemuPlic.timebaseFrequency;
    expect(rtcNs(det) - DETERMINISTIC_WALL_EPOCH_NS).toBe(2_500_000_000n);
    const normal = new MachineView(plan, allocateShared(plan.layout), { hostTicks: () => 0 }, 0);
    expect(Number(rtcNs(normal) / 1_000_000n)).toBeGreaterThan(Date.now() - 60_000);
  });
});
