/**
 * Run-time changes of a zone's stage-2 map (the PCIe BAR remapping to come): every vCPU thread binds the
 * zone from its slot, so a change goes through the slot's shared change log; two bindings of one slot
 * (as two harts' workers have them) must both see it, and every CPU of the zone must be told to flush.
 */
import { describe, expect, it } from 'vitest';
import { bindZone } from '../../../../src/core/hypervisor/arch/riscv64/zone-vcpu';
import { applyStage2Change, Stage2ChangeLog, Stage2Map, Stage2Outcome, STAGE2_LOG_BYTES, STAGE2_LOG_CAPACITY, type Stage2Region } from '../../../../src/core/hypervisor/stage2-map';
import { Stage2 as RiscvStage2 } from '../../../../src/core/isa/riscv64/platform';
import { Stage2 as ArmStage2 } from '../../../../src/core/isa/aarch64/platform';
import { CpuWord } from '../../../../src/core/cpu/cpu-core';
import { rootedRuntime } from '../../../helpers/zone-runtime';

const MiB = 0x10_0000;
/** The root zone's UART window (an io region of qemu-plic's root) and a free guest-physical page above it. */
const UART = 0x1000_0000;
const FREE = 0x2000_0000;

function rootBindings() {
  const m = rootedRuntime();
  const services = { view: m.view, hypervisor: m.runtime.hypervisor, virtualIrqChipOf: (s: Parameters<typeof m.runtime.virtualIrqChipOf>[0]) => m.runtime.virtualIrqChipOf(s), log: (l: string) => m.logs.push(l) };
  const slot = m.runtime.table.byId(0)!;
  // The root zone runs on harts 0 and 1: each hart's worker has its own binding of the same slot.
  const hart0 = bindZone(slot, 0, services).supervisor;
  const hart1 = bindZone(slot, 1, services).supervisor;
  const fences = (hart: number) => Atomics.load(m.view.headers[hart]!, CpuWord.fences);
  return { ...m, slot, hart0, hart1, services, fences };
}

describe("a zone's stage-2 map changed at run time", () => {
  it('reaches both bindings of the slot and asks every CPU of the zone, and only those, to flush', () => {
    const m = rootBindings();
    expect(m.hart0.translate(UART, 4, 'read')).toBe(UART);
    expect(m.hart1.translate(FREE, 4, 'read')).toBe(Stage2Outcome.fault);

    const moved = m.runtime.hypervisor.changeStage2(m.slot, { op: 'move', guestStart: UART, to: FREE });
    expect(moved.code).toBe(0);
    // Both threads' maps: the window answers at its new guest address only, still on the same device.
    for (const map of [m.hart0, m.hart1]) {
      expect(map.translate(FREE + 0x10, 1, 'write')).toBe(UART + 0x10);
      expect(map.translate(UART, 4, 'read')).toBe(Stage2Outcome.fault);
    }
    expect([0, 1, 2, 3].map(m.fences)).toEqual([1, 1, 0, 0]);
    expect(m.hart0.generation).toBe(1);
  });

  it('gives a binding made after the change (a CPU joining later) the same map', () => {
    const m = rootBindings();
    m.runtime.hypervisor.changeStage2(m.slot, { op: 'map', region: { kind: 'io', guestStart: FREE, hostStart: UART, size: 0x1000 } });
    m.runtime.hypervisor.changeStage2(m.slot, { op: 'unmap', guestStart: UART });
    const late = bindZone(m.slot, 1, m.services).supervisor;
    for (const map of [m.hart0, late]) {
      expect(map.translate(FREE, 4, 'read')).toBe(UART);
      expect(map.translate(UART, 4, 'read')).toBe(Stage2Outcome.fault);
      // I/O is never executable, whether mapped at start or later.
      expect(map.translate(FREE, 4, 'fetch')).toBe(Stage2Outcome.fault);
    }
    expect(late.generation).toBe(2);
  });

  it('moves the RAM hypercalls and the SBI read through, too', () => {
    const m = rootBindings();
    const ram = m.runtime.table.byId(0)!;
    const root = m.hart0.regions.find((r) => r.kind === 'ram')!;
    expect(m.hart0.regionAt(root.guestStart, 8)).toMatchObject({ kind: 'ram' });
    expect(m.runtime.hypervisor.changeStage2(ram, { op: 'unmap', guestStart: root.guestStart }).code).toBe(0);
    expect(m.hart1.regionAt(root.guestStart, 8)).toBeUndefined();
    expect(m.hart1.translate(root.guestStart, 8, 'read')).toBe(Stage2Outcome.fault);
  });

  it('refuses a change that does not fit, saying why, and logs nothing', () => {
    const m = rootBindings();
    const overlap = m.runtime.hypervisor.changeStage2(m.slot, { op: 'map', region: { kind: 'io', guestStart: UART, hostStart: FREE, size: 0x1000 } });
    expect(overlap).toEqual({ code: -22, message: 'zone 0: stage-2 map 0x10000000-0x10000fff overlaps the region at 0x10000000' });
    expect(m.runtime.hypervisor.changeStage2(m.slot, { op: 'move', guestStart: FREE, to: UART }).message).toBe('zone 0: stage-2 move: no region starts at guest address 0x20000000');
    expect(m.runtime.hypervisor.changeStage2(m.slot, { op: 'move', guestStart: UART, to: FREE + 8 }).message).toBe('zone 0: stage-2 move: 0x20000008 not 4 KiB aligned');
    expect(m.slot.stage2Log.generation).toBe(0);
    expect([0, 1].map(m.fences)).toEqual([0, 0]);
  });

  it('starts from the config again when a new zone takes the slot', () => {
    const m = rootBindings();
    m.runtime.hypervisor.changeStage2(m.slot, { op: 'move', guestStart: UART, to: FREE });
    m.slot.occupy(0, [0, 1], m.slot.config());
    expect(m.slot.stage2Log.generation).toBe(0);
    const fresh = bindZone(m.slot, 0, m.services).supervisor;
    expect(fresh.translate(UART, 4, 'read')).toBe(UART);
  });
});

describe('the stage-2 change log', () => {
  const log = () => new Stage2ChangeLog({ buffer: new SharedArrayBuffer(STAGE2_LOG_BYTES), byteOffset: 0, byteLength: STAGE2_LOG_BYTES });

  it('refuses the change after the last one it has room for', () => {
    const l = log();
    let map = new Stage2Map([], [], l);
    for (let i = 0; i < STAGE2_LOG_CAPACITY; i++) l.append({ op: 'map', region: { kind: 'ram', guestStart: i * MiB, hostStart: 0x8000_0000 + i * MiB, size: MiB } });
    expect(() => l.append({ op: 'unmap', guestStart: 0 })).toThrow(`stage-2 change log full (${STAGE2_LOG_CAPACITY} changes since the zone started)`);
    map = new Stage2Map([], [], l);
    expect(map.translate((STAGE2_LOG_CAPACITY - 1) * MiB + 4, 4, 'read')).toBe(0x8000_0000 + (STAGE2_LOG_CAPACITY - 1) * MiB + 4);
  });

  it('keeps addresses above 4 GiB exact', () => {
    const l = log();
    const high = 0x4_0000_0000 + 0x1000;
    l.append({ op: 'map', region: { kind: 'io', guestStart: high, hostStart: 0x8_0000_0000, size: 0x1000 } });
    expect(new Stage2Map([], [], l).translate(high + 8, 8, 'read')).toBe(0x8_0000_0000 + 8);
  });

  it('applies a change without touching the list it was given', () => {
    const regions: Stage2Region[] = [{ kind: 'ram', guestStart: 0, hostStart: 0x8000_0000, size: MiB }];
    const next = applyStage2Change(regions, { op: 'move', guestStart: 0, to: 2 * MiB });
    expect(regions[0]!.guestStart).toBe(0);
    expect(next).toEqual([{ kind: 'ram', guestStart: 2 * MiB, hostStart: 0x8000_0000, size: MiB }]);
  });
});

it("answers with both ISAs' Stage2 codes, so either CPU can use the arch-neutral map", () => {
  expect(Stage2Outcome).toEqual({ trap: RiscvStage2.trap, fault: RiscvStage2.fault });
  expect(Stage2Outcome).toEqual({ trap: ArmStage2.trap, fault: ArmStage2.fault });
});
