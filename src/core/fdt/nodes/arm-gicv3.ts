/**
 * The device-tree node of an Arm GICv3 (interrupt-controller/arm,gic-v3.yaml) as QEMU's virt machine
 * writes it: distributor and one redistributor region in `reg`, the maintenance interrupt of the
 * virtualization extensions, and two address/size cells for interrupt maps. The ITS child
 * (arm,gic-v3-its) is left out: the workbench has no ITS model, so describing it would point Linux's
 * MSI setup at a window nothing answers; it comes with the PCIe/MSI work.
 */
import { numberProp, reg, unitName, type DeviceNodeWriter } from '../tree-context';
import { gicv3Interrupts, maintenanceIrq } from './arm-gic-interrupts';

export const armGicv3Node: DeviceNodeWriter = {
  cpuArch: 'aarch64',
  controller: gicv3Interrupts,
  write(ctx, bus, device) {
    const redistributorBase = numberProp(device, 'redistributorBase', NaN);
    const redistributorSize = numberProp(device, 'redistributorSize', NaN);
    if (!Number.isFinite(redistributorBase) || !Number.isFinite(redistributorSize)) {
      throw new Error(`board '${ctx.board.name}': device '${device.name}' (arm-gicv3) needs props redistributorBase and redistributorSize`);
    }
    const node = bus.addChild(unitName('intc', device.base), gicv3Interrupts.label);
    node.string('compatible', 'arm,gic-v3');
    node.u32('#interrupt-cells', 3).empty('interrupt-controller');
    node.u32('#address-cells', 2).u32('#size-cells', 2).empty('ranges');
    reg(node, [device.base, device.size], [redistributorBase, redistributorSize]);
    node.u32('#redistributor-regions', 1);
    ctx.wireInterrupts(node, `device '${device.name}'`, [maintenanceIrq(device)]);
    return node;
  },
};
