/**
 * The device-tree node of an Arm GICv3 (interrupt-controller/arm,gic-v3.yaml) as QEMU's virt machine
 * writes it: distributor and one redistributor region in `reg`, the maintenance interrupt of the
 * virtualization extensions, and two address/size cells for interrupt maps. When the device has an ITS
 * (props itsBase/itsSize, size not 0) it gets QEMU's child node `its@...` (arm,gic-v3-its,
 * msi-controller, #msi-cells = 1) labelled GICV3_ITS_LABEL, which a PCIe host's msi-map names.
 */
import { numberProp, reg, unitName, type DeviceNodeWriter } from '../tree-context';
import { gicv3Interrupts, maintenanceIrq } from './arm-gic-interrupts';

/** The ITS node's label (a board file writes the string itself: boards may not import core). */
export const GICV3_ITS_LABEL = 'its';

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
    const itsBase = numberProp(device, 'itsBase', NaN);
    const itsSize = numberProp(device, 'itsSize', 0);
    if (Number.isFinite(itsBase) && itsSize > 0) {
      const its = node.addChild(unitName('its', itsBase), GICV3_ITS_LABEL);
      its.string('compatible', 'arm,gic-v3-its').empty('msi-controller').u32('#msi-cells', 1);
      reg(its, [itsBase, itsSize]);
    }
    return node;
  },
};
