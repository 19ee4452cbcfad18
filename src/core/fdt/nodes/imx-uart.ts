/**
 * The device-tree node of an i.MX UART (Linux bindings serial/fsl-imx-uart.yaml) as the i.MX 8M Plus
 * device tree writes it (hvisor platform/aarch64/imx8mp/image/dts/zone0.dts:1271-1283): compatible
 * "fsl,imx8mp-uart" then "fsl,imx6q-uart" (the one imx.c binds to), the 64 KiB window, a level-high SPI
 * and the "ipg" and "per" clocks, here one fixed clock (the model has no clock controller).
 */
import { deviceIrqs, numberProp, reg, unitName, type DeviceNodeWriter } from '../tree-context';

/** The UART root clock Linux reads through "per" (i.MX 8M Plus UART2_ROOT from the 24 MHz oscillator). */
const DEFAULT_CLOCK_HZ = 24_000_000;

export const imxUartNode: DeviceNodeWriter = {
  console: true,
  write(ctx, bus, device) {
    const clock = ctx.fixedClock('uart-clk', numberProp(device, 'clockFrequency', DEFAULT_CLOCK_HZ));
    const node = bus.addChild(unitName('serial', device.base));
    node.strings('compatible', ['fsl,imx8mp-uart', 'fsl,imx6q-uart']);
    reg(node, [device.base, device.size]);
    ctx.wireInterrupts(node, `device '${device.name}'`, deviceIrqs(device, 'level-high'));
    node.cells('clocks', [{ ref: clock }, { ref: clock }]).strings('clock-names', ['ipg', 'per']);
    return node;
  },
};
