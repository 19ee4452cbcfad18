/**
 * The device-tree node of an Arm GICv2 (interrupt-controller/arm,gic.yaml, compatible
 * "arm,cortex-a15-gic" as QEMU's virt machine writes it): distributor and CPU interface in `reg`, and,
 * when the board has the virtualization extensions, the virtual interface control (GICH) and virtual
 * CPU interface (GICV) windows after them with the maintenance interrupt. The GICv2m MSI frame QEMU
 * adds as a child is left out (no model; it comes with the PCIe/MSI work).
 */
import { numberProp, reg, unitName, type DeviceNodeWriter } from '../tree-context';
import { gicv2Interrupts, maintenanceIrq } from './arm-gic-interrupts';

export const armGicv2Node: DeviceNodeWriter = {
  cpuArch: 'aarch64',
  controller: gicv2Interrupts,
  write(ctx, bus, device) {
    const window = (name: string): [number, number] | undefined => {
      const base = numberProp(device, `${name}Base`, NaN);
      const size = numberProp(device, `${name}Size`, NaN);
      return Number.isFinite(base) && Number.isFinite(size) ? [base, size] : undefined;
    };
    const cpuInterface = window('cpuInterface');
    if (!cpuInterface) throw new Error(`board '${ctx.board.name}': device '${device.name}' (arm-gicv2) needs props cpuInterfaceBase and cpuInterfaceSize`);
    const hypervisor = window('hypervisor');
    const virtualCpu = window('virtualCpu');
    if ((hypervisor === undefined) !== (virtualCpu === undefined)) {
      throw new Error(`board '${ctx.board.name}': device '${device.name}' (arm-gicv2) has only one of the GICH (hypervisor*) and GICV (virtualCpu*) windows`);
    }
    const node = bus.addChild(unitName('intc', device.base), gicv2Interrupts.label);
    // The board's GIC implementation (a GIC-400 is "arm,gic-400"); QEMU virt's is a Cortex-A15's.
    const compatible = device.props?.['compatible'];
    node.string('compatible', typeof compatible === 'string' ? compatible : 'arm,cortex-a15-gic');
    node.u32('#interrupt-cells', 3).empty('interrupt-controller');
    node.u32('#address-cells', 2).u32('#size-cells', 2).empty('ranges');
    reg(node, [device.base, device.size], cpuInterface, ...(hypervisor && virtualCpu ? [hypervisor, virtualCpu] : []));
    if (hypervisor) ctx.wireInterrupts(node, `device '${device.name}'`, [maintenanceIrq(device)]);
    return node;
  },
};
