/**
 * The device-tree node of an Arm PL011 UART (Linux bindings serial/arm,pl011.yaml), as QEMU's virt
 * machine writes it: a PrimeCell whose UART clock and bus clock are one fixed 24 MHz clock
 * ("apb-pclk"), and a level-high interrupt. DMA channels are not described (the model has no DMA).
 */
import { deviceIrqs, numberProp, reg, unitName, type DeviceNodeWriter } from '../tree-context';

const QEMU_APB_CLOCK_HZ = 24_000_000;

export const pl011Node: DeviceNodeWriter = {
  console: true,
  write(ctx, bus, device) {
    const clock = ctx.fixedClock('apb-pclk', numberProp(device, 'clockFrequency', QEMU_APB_CLOCK_HZ));
    const node = bus.addChild(unitName('pl011', device.base));
    node.strings('compatible', ['arm,pl011', 'arm,primecell']);
    reg(node, [device.base, device.size]);
    ctx.wireInterrupts(node, `device '${device.name}'`, deviceIrqs(device, 'level-high'));
    // The AMBA bus driver enables "apb_pclk" before reading the PrimeCell ID; the UART driver needs "uartclk".
    node.cells('clocks', [{ ref: clock }, { ref: clock }]).strings('clock-names', ['uartclk', 'apb_pclk']);
    return node;
  },
};
