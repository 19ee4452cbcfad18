/**
 * The device-tree node of a DesignWare APB UART (Linux bindings serial/snps-dw-apb-uart.yaml) as the
 * RK3588's tree writes it (hvisor platform/aarch64/rk3588/image/dts/zone0.dts:1557-1569): compatible
 * "rockchip,rk3588-uart" then "snps,dw-apb-uart" (what 8250_dw.c binds to), the register window,
 * reg-shift 2 and reg-io-width 4 (32-bit registers 4 bytes apart), a level-high SPI and the "baudclk"
 * and "apb_pclk" clocks, here one fixed clock (no clock controller).
 */
import { deviceIrqs, numberProp, reg, unitName, type DeviceNodeWriter } from '../tree-context';

/** The RK3588's UART clock from its 24 MHz oscillator. */
const DEFAULT_CLOCK_HZ = 24_000_000;

export const dwApbUartNode: DeviceNodeWriter = {
  console: true,
  write(ctx, bus, device) {
    const clock = ctx.fixedClock('uart-baudclk', numberProp(device, 'clockFrequency', DEFAULT_CLOCK_HZ));
    const node = bus.addChild(unitName('serial', device.base));
    node.strings('compatible', ['rockchip,rk3588-uart', 'snps,dw-apb-uart']);
    reg(node, [device.base, device.size]);
    node.u32('reg-shift', 2).u32('reg-io-width', 4);
    ctx.wireInterrupts(node, `device '${device.name}'`, deviceIrqs(device, 'level-high'));
    node.cells('clocks', [{ ref: clock }, { ref: clock }]).strings('clock-names', ['baudclk', 'apb_pclk']);
    return node;
  },
};
