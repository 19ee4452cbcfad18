/**
 * The GICs on the interrupt timeline (cpu/irq-trace.ts): a device's SPI raised, pending, acknowledged
 * and ended on a CPU, and a CPU's timer PPI, as records the timeline draws with their latencies; the
 * same for GICv3 (ICC system registers) and GICv2 (memory-mapped CPU interface).
 */
import { describe, expect, it } from 'vitest';
import { getBoard } from '../../../../src/boards/index';
import { IrqEventKind } from '../../../../src/core/cpu/irq-trace';
import { Icc } from '../../../../src/core/devices/intc/arm-gicv3/cpu-interface';
import { MachineView, planMachine } from '../../../../src/core/machine/machine';
import { allocateShared } from '../../../../src/core/machine/shared-layout';

function machine(board: 'qemu-gicv3' | 'qemu-gicv2') {
  const plan = planMachine(getBoard(board), 0x1000_0000);
  let t = 0;
  const view = new MachineView(plan, allocateShared(plan.layout), { hostTicks: () => t++ }, 0);
  view.irqTrace!.setEnabled(true);
  const events = () => view.irqTrace!.drain().records.map((r) => [Object.entries(IrqEventKind).find(([, k]) => k === r.kind)![0], r.irq, r.hart]);
  return { view, events };
}

describe('GIC interrupt timeline', () => {
  it('GICv3: SPI 33 raised, pending, acknowledged by cpu 0 through ICC_IAR1, ended by ICC_EOIR1; the timer PPI on cpu 1', () => {
    const { view, events } = machine('qemu-gicv3');
    const gic = view.devices.gicv3!;
    gic.distributor.write(0x0, 4, 0x12); // ARE, EnableGrp1
    gic.redistributors.write(0x1_0080, 4, 0xffff_ffff);
    gic.redistributors.write(0x2_0000 + 0x1_0080, 4, 0xffff_ffff);
    gic.distributor.write(0x80 + 4, 4, 0xffff_ffff); // Group 1
    gic.distributor.write(0x100 + 4, 4, 1 << 1); // enable 33
    const cpu0 = gic.cpuInterface(0);
    cpu0.write(Icc.PMR, 0xf0n);
    cpu0.write(Icc.IGRPEN1, 1n);
    events();
    gic.setLevel(33, true);
    const intid = Number(cpu0.read(Icc.IAR1));
    cpu0.write(Icc.EOIR1, BigInt(intid));
    gic.setLevel(33, false);
    gic.setPrivateLevel(1, 27, true);
    expect(intid).toBe(33);
    expect(events()).toEqual([
      ['raise', 33, -1], ['pending', 33, -1], ['claim', 33, 0], ['complete', 33, 0], ['lower', 33, -1],
      ['raise', 27, 1], ['pending', 27, 1],
    ]);
  });

  it('GICv2: the same through GICC_IAR and GICC_EOIR', () => {
    const { view, events } = machine('qemu-gicv2');
    const gic = view.devices.gicv2!;
    gic.writeDistributor(0, 0x0, 4, 1);
    gic.writeDistributor(0, 0x100 + 4, 4, 1 << 1);
    gic.writeDistributor(0, 0x800 + 33, 1, 1);
    gic.writeCpuInterface(0, 0x4, 4, 0xf0);
    gic.writeCpuInterface(0, 0x0, 4, 1);
    events();
    gic.setLevel(33, true);
    const intid = gic.readCpuInterface(0, 0xc, 4) & 0x3ff;
    gic.writeCpuInterface(0, 0x10, 4, intid);
    expect(intid).toBe(33);
    expect(events()).toEqual([['raise', 33, -1], ['pending', 33, -1], ['claim', 33, 0], ['complete', 33, 0]]);
  });
});
