/**
 * The device-tree nodes of the RISC-V ACLINT (riscv,aclint-*.yaml): MSWI and SSWI raise the software
 * interrupt of each hart, MTIMER its machine timer interrupt, named hart by hart in
 * `interrupts-extended`. The devices are hart-local, so they exist only with RISC-V CPUs.
 */
import type { FdtCell } from '../fdt-writer';
import { numberProp, reg, unitName, type DeviceNodeWriter, type TreeContext } from '../tree-context';

/** mip bit numbers of the interrupts the ACLINT devices raise. */
const HartIrq = { supervisorSoftware: 1, machineSoftware: 3, machineTimer: 7 } as const;

/** `<&cpuN_intc irq>` for each hart of the tree. */
function perHart(ctx: TreeContext, irq: number): FdtCell[] {
  return ctx.harts.flatMap((hart) => [{ ref: ctx.cpuInterruptController(hart) }, irq]);
}

export const aclintMswiNode: DeviceNodeWriter = {
  cpuArch: 'riscv64',
  write(ctx, bus, device) {
    const node = bus.addChild(unitName('mswi', device.base));
    node.string('compatible', 'riscv,aclint-mswi');
    reg(node, [device.base, device.size]);
    node.cells('interrupts-extended', perHart(ctx, HartIrq.machineSoftware));
    node.empty('interrupt-controller').u32('#interrupt-cells', 0).u32('#address-cells', 0);
    return node;
  },
};

export const aclintMtimerNode: DeviceNodeWriter = {
  cpuArch: 'riscv64',
  write(ctx, bus, device) {
    // OpenSBI reads MTIME from the first reg entry and MTIMECMP from the second; the unit address
    // follows the first entry as the devicetree spec asks.
    const mtime = device.base + numberProp(device, 'mtimeOffset', 0x7ff8);
    const node = bus.addChild(unitName('mtimer', mtime));
    node.string('compatible', 'riscv,aclint-mtimer');
    reg(node, [mtime, 8], [device.base, mtime - device.base]);
    node.cells('interrupts-extended', perHart(ctx, HartIrq.machineTimer));
    return node;
  },
};

export const aclintSswiNode: DeviceNodeWriter = {
  cpuArch: 'riscv64',
  write(ctx, bus, device) {
    const node = bus.addChild(unitName('sswi', device.base));
    node.string('compatible', 'riscv,aclint-sswi');
    reg(node, [device.base, device.size]);
    node.cells('interrupts-extended', perHart(ctx, HartIrq.supervisorSoftware));
    node.empty('interrupt-controller').u32('#interrupt-cells', 0).u32('#address-cells', 0);
    return node;
  },
};
