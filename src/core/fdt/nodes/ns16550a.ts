/**
 * The device-tree node of an NS16550A UART (Linux bindings serial/8250.yaml): window, input clock and
 * its interrupt. reg-shift / reg-io-width are left at the binding's defaults (byte registers), which is
 * what the board's UARTs have.
 */
import { deviceIrqs, numberProp, reg, unitName, type DeviceNodeWriter } from '../tree-context';

export const ns16550aNode: DeviceNodeWriter = {
  console: true,
  write(ctx, bus, device) {
    const node = bus.addChild(unitName('serial', device.base));
    node.string('compatible', 'ns16550a');
    reg(node, [device.base, device.size]);
    node.u32('clock-frequency', numberProp(device, 'clockFrequency', 3_686_400));
    ctx.wireInterrupts(node, `device '${device.name}'`, deviceIrqs(device, 'level-high'));
    return node;
  },
};
