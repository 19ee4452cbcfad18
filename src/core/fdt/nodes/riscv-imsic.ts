/**
 * The device-tree node of the supervisor-level RISC-V IMSIC files (Linux bindings riscv,imsics.yaml), as
 * QEMU's virt machine writes it with aia=aplic-imsic: one `interrupts-extended` entry per hart of the
 * tree (its S-mode external interrupt, 9), in the order of the harts' files in the window, and
 * `riscv,guest-index-bits` when each hart's group has guest files after its S file (a zone's tree sees
 * one compact file per CPU and none). The M-level files are firmware's and not described.
 */
import { numberProp, reg, unitName, type DeviceNodeWriter } from '../tree-context';

export const IMSIC_LABEL = 'imsics';
const SUPERVISOR_EXTERNAL = 9;

export const riscvImsicNode: DeviceNodeWriter = {
  cpuArch: 'riscv64',
  write(ctx, bus, device) {
    const node = bus.addChild(unitName('imsics', device.base), IMSIC_LABEL);
    node.string('compatible', 'riscv,imsics').empty('interrupt-controller').u32('#interrupt-cells', 0).empty('msi-controller').u32('#msi-cells', 0);
    node.cells('interrupts-extended', ctx.harts.flatMap((hart) => [{ ref: ctx.cpuInterruptController(hart) }, SUPERVISOR_EXTERNAL]));
    reg(node, [device.base, device.size]);
    node.u32('riscv,num-ids', numberProp(device, 'ids', 255));
    const guests = numberProp(device, 'guests', 0);
    if (guests > 0) node.u32('riscv,guest-index-bits', Math.ceil(Math.log2(1 + guests)));
    return node;
  },
};
