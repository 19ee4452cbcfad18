/**
 * The device-tree node of a 7A2000 PCH-MSI ("loongson,pch-msi-1.0", Linux bindings interrupt-controller/
 * loongson,pch-msi.yaml) as hvisor's loongson-3a5000.dtsi writes it (there commented out): msi-controller,
 * loongson,msi-base-vec and loongson,msi-num-vecs from the board's `baseVector` and `vectors` props, and
 * the EIOINTC as interrupt-parent.
 */
import { numberProp, reg, unitName, type DeviceNodeWriter } from '../tree-context';

export const loongsonPchMsiNode: DeviceNodeWriter = {
  cpuArch: 'loongarch64',
  write(ctx, bus, device) {
    const node = bus.addChild(unitName('msi-controller', device.base), 'msi');
    node.string('compatible', 'loongson,pch-msi-1.0');
    reg(node, [device.base, device.size]);
    node.empty('interrupt-controller').u32('#interrupt-cells', 1).empty('msi-controller');
    node.u32('loongson,msi-base-vec', numberProp(device, 'baseVector', 64));
    node.u32('loongson,msi-num-vecs', numberProp(device, 'vectors', 192));
    const parent = device.props?.['interruptParent'];
    if (!ctx.board.devices.some((d) => d.name === parent && d.kind === 'loongson-eiointc')) {
      throw new Error(`PCH-MSI '${device.name}': its interruptParent must name the board's loongson-eiointc device`);
    }
    node.reference('interrupt-parent', 'eiointc');
    return node;
  },
};
