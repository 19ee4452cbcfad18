/**
 * The device-tree nodes of QEMU's SiFive test finisher: the syscon itself, and the syscon-poweroff and
 * syscon-reboot nodes that tell Linux which values to write to it (QEMU hw/riscv/virt.c does the same).
 */
import { reg, unitName, type DeviceNodeWriter } from '../tree-context';

const FINISHER_PASS = 0x5555;
const FINISHER_RESET = 0x7777;

export const sifiveTestNode: DeviceNodeWriter = {
  write(ctx, bus, device) {
    const label = `${device.name}_finisher`;
    const node = bus.addChild(unitName('test', device.base), label);
    node.strings('compatible', ['sifive,test1', 'sifive,test0', 'syscon']);
    reg(node, [device.base, device.size]);
    const poweroff = ctx.tree.root.addChild('poweroff');
    poweroff.string('compatible', 'syscon-poweroff').reference('regmap', label).u32('offset', 0).u32('value', FINISHER_PASS);
    const reboot = ctx.tree.root.addChild('reboot');
    reboot.string('compatible', 'syscon-reboot').reference('regmap', label).u32('offset', 0).u32('value', FINISHER_RESET);
    return node;
  },
};
