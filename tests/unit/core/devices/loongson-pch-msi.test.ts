/**
 * The 7A2000 PCH-MSI doorbell on the ls3a5000 board: a message naming one of its vectors latches that
 * EIOINTC vector once (nothing held high), a vector outside its range or a wrong address is refused with
 * a reason, and the device tree has the node Linux binds to.
 */
import { describe, expect, it } from 'vitest';
import { AddressSpace } from '../../../../src/core/bus/address-space';
import { instantiateDevices, mapDevices, planDevices } from '../../../../src/core/devices/create-devices';
import { EiointcReg, EXT_IOI_EN } from '../../../../src/core/devices/intc/loongson-eiointc';
import { SharedLayoutPlanner, allocateShared, regionOf } from '../../../../src/core/machine/shared-layout';
import { buildBoardTree } from '../../../../src/core/fdt/board-dtb';
import { printDts } from '../../../../src/core/fdt/dts';
import { ls3a5000 } from '../../../../src/boards/loongarch64/ls3a5000';
import { ManualClock, RecordingSignals } from './helpers';

describe('loongson-pch-msi on ls3a5000', () => {
  it('raises the written vector once at the EIOINTC and refuses what is not its own', () => {
    const planner = new SharedLayoutPlanner();
    planDevices(ls3a5000, planner);
    planner.reserve('ram', 0x1_0000, 65536);
    const layout = planner.finish();
    const buffer = allocateShared(layout);
    const signals = new RecordingSignals(4);
    const devices = instantiateDevices(ls3a5000, layout, buffer, { signals, clock: new ManualClock(), onPowerRequest: () => {} });
    const bus = new AddressSpace(0x9000_0000, regionOf(layout, buffer, 'ram'));
    mapDevices(bus, devices);
    const eio = devices.iocsr!;
    eio.write(0, EiointcReg.MISC_FUNC, 8, EXT_IOI_EN);
    eio.write(0, EiointcReg.IPMAP, 8, 0x0202_0202_0202_0202n);
    eio.write(0, EiointcReg.ENABLE + 8, 4, 0xffff_ffffn); // vectors 64..95
    bus.write(0x1fe0_1140, 4, 70);
    expect(eio.read(0, EiointcReg.COREISR + 8, 4)).toBe(1n << 6n);
    expect(eio.read(0, EiointcReg.ISR + 8, 4)).toBe(0n); // a message, not a level
    expect(signals.mip[0]).toBe(1 << 3);
    eio.write(0, EiointcReg.COREISR + 8, 4, 1n << 6n);
    expect(signals.mip[0]).toBe(0);
    const requester = { device: 'test 00:01.0', requesterId: 8 };
    expect(devices.msi!.deliver(requester, 0x1fe0_1140, 71)).toBeUndefined();
    expect(signals.mip[0]).toBe(1 << 3);
    expect(devices.msi!.deliver(requester, 0x1fe0_1140, 8)?.refused).toMatch(/vector 8 is not one of PCH-MSI's \(64\.\.111\)/);
    expect(devices.msi!.deliver(requester, 0x1fe0_1000, 70)?.refused).toMatch(/not PCH-MSI's doorbell/);
    expect(() => { for (let o = 0; o < 8; o++) for (const s of [1, 2, 4] as const) if (o + s <= 8) { bus.write(0x1fe0_1140 + o, s, 0xffff_ffff); bus.read(0x1fe0_1140 + o, s); } }).not.toThrow();
  });

  it('writes the pch-msi node with its vector range under the EIOINTC', () => {
    const dts = printDts(buildBoardTree({ board: ls3a5000, harts: [0, 1, 2, 3], memory: [ls3a5000.ram] }));
    expect(dts).toMatch(/msi: msi-controller@1fe01140 \{[^}]*compatible = "loongson,pch-msi-1.0";[^}]*msi-controller;\s*loongson,msi-base-vec = <0x40>;\s*loongson,msi-num-vecs = <0x30>;\s*interrupt-parent = <&eiointc>;/);
  });
});
