/**
 * The irqchip facade (core/hypervisor/irqchip.ts): the registry picks each board's controllers, the zone
 * runtime hands every user the zone's virtual controller through it, and which CPU input a controller's
 * output drives comes from the board's wiring (the controller's `cpuInputs`), not from the device.
 */
import { describe, expect, it } from 'vitest';
import { getBoard } from '../../../../src/boards/index';
import { qemuPlic } from '../../../../src/boards/riscv64/qemu-plic';
import { handleHvcHypercall } from '../../../../src/core/hypervisor/arch/aarch64/hypercall-abi';
import { HypercallCode, ZONE_INFO_SIZE } from '../../../../src/core/hypervisor/hypercall';
import { encodeZoneConfig } from '../../../../src/core/hypervisor/zone-config-binary';
import { MachineView, planMachine } from '../../../../src/core/machine/machine';
import { allocateShared } from '../../../../src/core/machine/shared-layout';
import { HartWord } from '../../../../src/core/cpu/hart-header';
import { PlicOffset } from '../../../../src/core/devices/intc/sifive-plic';
import type { Board, BoardPropValue } from '../../../../src/shared/model/board';
import { rootedRuntime } from '../../../helpers/zone-runtime';

const UART_IRQ = 10;
const MEIP = 1 << 11;
const SEIP = 1 << 9;

/** qemu-plic with its PLIC's cpuInputs replaced (absent: removed). */
function rewired(cpuInputs: BoardPropValue | undefined): Board {
  return {
    ...qemuPlic,
    devices: qemuPlic.devices.map((d) => {
      if (d.kind !== 'sifive-plic') return d;
      const { cpuInputs: _old, ...rest } = d.props ?? {};
      return { ...d, props: cpuInputs === undefined ? rest : { ...rest, cpuInputs } };
    }),
  };
}

/** A guest access from hart `cpu` to its zone's vPLIC window. */
const guestCpu = (cpu: number) => ({ cpuId: cpu, getPc: () => 0x9000_0000n });

describe('the zone runtime on a PLIC board', () => {
  it("gives every zone a vPLIC trapped at its plic_base/plic_size, owning the zone's interrupts", () => {
    const { runtime, board } = rootedRuntime();
    expect(runtime.physicalIrqChip?.kind).toBe('sifive-plic');
    const chip = runtime.virtualIrqChipOf(runtime.table.byId(0)!)!;
    expect(chip.kind).toBe('vplic');
    const window = board.arch === 'riscv64' ? board.rootZone.vplic : undefined;
    expect(chip.traps.map((t) => ({ start: t.start, size: t.size }))).toEqual([{ start: window!.base, size: window!.size }]);
    expect(chip.ownedIrqs).toEqual(board.rootZone.irqs);
    expect(chip.isHw(UART_IRQ)).toBe(true);
    // Every thread's object is the same one until the slot holds another zone.
    expect(runtime.virtualIrqChipOf(runtime.table.byId(0)!)).toBe(chip);
    expect(runtime.virtualIrqChipOfCpu(1)).toBe(chip);
    expect(runtime.virtualIrqChipOfCpu(3)).toBeUndefined();
  });

  it("wakes the root's virtio daemon through its virtual controller", () => {
    const { runtime, view, board } = rootedRuntime();
    const chip = runtime.virtualIrqChipOf(runtime.table.byId(0)!)!;
    const irq = board.virtioWakeupIrq!;
    const trap = chip.traps[0]!;
    // The root enables the wake-up IRQ in hart 0's vcontext with a priority above the threshold.
    trap.handler.write(guestCpu(0), 4 * irq, 4, 1n);
    trap.handler.write(guestCpu(0), PlicOffset.enable + PlicOffset.enableStride + 4 * (irq >> 5), 4, BigInt(1 << (irq & 31)));
    expect(Atomics.load(view.headers[0]!, HartWord.mip) & SEIP).toBe(0);
    runtime.wakeRootDaemon();
    expect(Atomics.load(view.headers[0]!, HartWord.mip) & SEIP).toBe(SEIP);
  });
});

describe('the zone runtime on an aarch64 board', () => {
  it('answers an HVC hypercall through the arch-neutral dispatcher: x0 code, x1/x2 arguments, x0 result', () => {
    const { runtime, view, logs } = rootedRuntime('qemu-gicv3');
    const regs = [BigInt(HypercallCode.zoneList), 0n, 4n];
    const cpu = { getX: (i: number) => regs[i]!, setX: (i: number, v: bigint) => void (regs[i] = v) };
    const memory = { readGuest: () => undefined, writeGuest: () => true, physicalOf: () => undefined };
    const context = { hypervisor: runtime.hypervisor, zoneId: 0, hart: 0, log: (l: string) => logs.push(l), ...memory };
    handleHvcHypercall(cpu, context);
    // A null pointer: -EINVAL, as a 64-bit register holds it.
    expect(regs[0]).toBe(BigInt.asUintN(64, -22n));
    let written: Uint8Array | undefined;
    regs.splice(0, 3, BigInt(HypercallCode.zoneList), 0x5000_0000n, 4n);
    handleHvcHypercall(cpu, { ...context, writeGuest: (_a: number, bytes: Uint8Array) => ((written = bytes), true) });
    expect(regs[0]).toBe(1n);
    expect(written?.length).toBe(ZONE_INFO_SIZE);
    expect(view.plan.board.arch).toBe('aarch64');
  });
});

describe("a controller's CPU inputs come from the board's wiring", () => {
  const machine = (board: Board) => new MachineView(planMachine(board, 0x1000_0000), allocateShared(planMachine(board, 0x1000_0000).layout), { hostTicks: () => 0 }, 0);

  it("QEMU virt's wiring: context 2h drives hart h's MEIP, 2h+1 its SEIP, the hypervisor's", () => {
    const plic = machine(qemuPlic).devices.plic!;
    expect(plic.targetOf(2, 'MEIP')).toBe(4);
    expect(plic.targetOf(2, 'SEIP')).toBe(5);
    expect(plic.targetOf(4, 'SEIP')).toBeUndefined();
  });

  it('drives the input the board names: swapped, context 0 raises SEIP and the vPLIC mirrors into it', () => {
    const board = rewired(['SEIP', 'MEIP']);
    const view = machine(board);
    const plic = view.devices.plic!;
    expect(plic.targetOf(0, 'SEIP')).toBe(0);
    plic.setPriority(UART_IRQ, 1);
    plic.setEnabled(0, UART_IRQ, true);
    plic.setLevel(UART_IRQ, true);
    expect(Atomics.load(view.headers[0]!, HartWord.mip) & (SEIP | MEIP)).toBe(SEIP);
    expect(plic.claim(0)).toBe(UART_IRQ);
    expect(Atomics.load(view.headers[0]!, HartWord.mip) & (SEIP | MEIP)).toBe(0);

    // The root's vPLIC mirrors its hw enables into the context wired to the hart's SEIP: context 0 now.
    const { runtime } = rootedRuntime(board);
    const chip = runtime.virtualIrqChipOf(runtime.table.byId(0)!)!;
    chip.traps[0]!.handler.write(guestCpu(0), PlicOffset.enable + PlicOffset.enableStride, 4, BigInt(1 << UART_IRQ));
    expect([0, 1].map((ctx) => runtime.physicalIrqChip!.isEnabled(ctx, UART_IRQ))).toEqual([true, false]);
  });

  it('refuses a controller without wiring, or wired to an input the CPU does not have, naming board and device', () => {
    expect(() => machine(rewired(undefined))).toThrow("board 'qemu-plic': device 'plic' (sifive-plic) needs 'cpuInputs', the CPU inputs its outputs drive");
    expect(() => machine(rewired(['MEIP', 'IRQ']))).toThrow("board 'qemu-plic': device 'plic' cpuInputs names 'IRQ', not an input of a riscv64 CPU (MEIP, SEIP, MSIP, SSIP)");
    const gic = getBoard('qemu-gicv3');
    const bad: Board = { ...gic, devices: gic.devices.map((d) => (d.kind === 'arm-gicv3' ? { ...d, props: { ...d.props, cpuInputs: ['IRQ'] } } : d)) };
    expect(() => machine(bad)).toThrow("board 'qemu-gicv3': device 'gic' cpuInputs must name 2 inputs (the IRQ and the FIQ output's), not 1");
  });
});
