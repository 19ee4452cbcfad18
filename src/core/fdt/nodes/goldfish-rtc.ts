/** The device-tree node of the Goldfish RTC (google,goldfish-rtc): its window and its interrupt. */
import { deviceIrqs, reg, unitName, type DeviceNodeWriter } from '../tree-context';

export const goldfishRtcNode: DeviceNodeWriter = {
  write(ctx, bus, device) {
    const node = bus.addChild(unitName('rtc', device.base));
    node.string('compatible', 'google,goldfish-rtc');
    reg(node, [device.base, device.size]);
    ctx.wireInterrupts(node, `device '${device.name}'`, deviceIrqs(device, 'level-high'));
    return node;
  },
};
