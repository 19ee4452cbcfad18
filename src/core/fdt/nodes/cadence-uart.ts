/**
 * The device-tree node of a Cadence UART on the Zynq UltraScale+ MPSoC (Linux bindings
 * serial/cdns,uart.yaml) as hvisor's zcu102 tree writes it (platform/aarch64/zcu102/image/dts/zone0.dts:129-141):
 * compatible "xlnx,zynqmp-uart" then "cdns,uart-r1p12" (xilinx_uartps.c binds to both), the 4 KiB window,
 * a level-high SPI and the "uart_clk" and "pclk" clocks, here one fixed clock (no clock controller).
 */
import { deviceIrqs, numberProp, reg, unitName, type DeviceNodeWriter } from '../tree-context';

/** The ZCU102's UART reference clock (100 MHz). */
const DEFAULT_CLOCK_HZ = 100_000_000;

export const cadenceUartNode: DeviceNodeWriter = {
  console: true,
  write(ctx, bus, device) {
    const clock = ctx.fixedClock('uart-ref-clk', numberProp(device, 'clockFrequency', DEFAULT_CLOCK_HZ));
    const node = bus.addChild(unitName('serial', device.base));
    node.strings('compatible', ['xlnx,zynqmp-uart', 'cdns,uart-r1p12']);
    reg(node, [device.base, device.size]);
    ctx.wireInterrupts(node, `device '${device.name}'`, deviceIrqs(device, 'level-high'));
    node.cells('clocks', [{ ref: clock }, { ref: clock }]).strings('clock-names', ['uart_clk', 'pclk']);
    return node;
  },
};
