/**
 * The ls3a5000 board's 7A2000 interrupt path as the board data builds it (two "threads" over one shared
 * buffer): the bridge UART (uart1, PCH-PIC input 8) -> PCH-PIC (HTMSI_VEC) -> EIOINTC (through CPU 1's
 * IOCSR bus, Linux's programming sequence) -> CPU 1's HWI1; the device tree names the same wiring.
 */
import { describe, expect, it } from 'vitest';
import { AddressSpace } from '../../../../src/core/bus/address-space';
import { instantiateDevices, mapDevices, planDevices, resetDevices } from '../../../../src/core/devices/create-devices';
import { Ier } from '../../../../src/core/devices/uart/ns16550a';
import { EiointcReg, EXT_IOI_EN } from '../../../../src/core/devices/intc/loongson-eiointc';
import { PchPicReg } from '../../../../src/core/devices/intc/loongson-pch-pic';
import { Iocsr, Loongson3Iocsr } from '../../../../src/core/hypervisor/arch/loongarch64/iocsr';
import { LA_STATE_BYTES } from '../../../../src/core/isa/loongarch64/cpu';
import { SharedLayoutPlanner, allocateShared, regionOf } from '../../../../src/core/machine/shared-layout';
import { buildBoardTree } from '../../../../src/core/fdt/board-dtb';
import { printDts } from '../../../../src/core/fdt/dts';
import { ls3a5000 } from '../../../../src/boards/loongarch64/ls3a5000';
import { ManualClock, RecordingSignals } from './helpers';

const HWI1 = 1 << 3;
const PIC = 0x1000_0000;
const UART1 = 0x1008_0000;

function machine() {
  const planner = new SharedLayoutPlanner();
  planDevices(ls3a5000, planner);
  planner.reserve('ram', 0x1_0000, 65536);
  planner.reserve('cpus', 4 * LA_STATE_BYTES, 64);
  const layout = planner.finish();
  const buffer = allocateShared(layout);
  const signals = new RecordingSignals(4);
  const thread = () => {
    const devices = instantiateDevices(ls3a5000, layout, buffer, { signals, clock: new ManualClock(), onPowerRequest: () => {} });
    const bus = new AddressSpace(0x9000_0000, regionOf(layout, buffer, 'ram'));
    mapDevices(bus, devices);
    const cpus = regionOf(layout, buffer, 'cpus');
    const regions = [0, 1, 2, 3].map((i) => ({ buffer, byteOffset: cpus.byteOffset + i * LA_STATE_BYTES, byteLength: LA_STATE_BYTES }));
    const iocsr = new Loongson3Iocsr(ls3a5000.iocsr, regions, () => {}, devices.iocsr);
    return { devices, bus, iocsr };
  };
  return { thread, signals };
}

describe('ls3a5000: UART -> PCH-PIC -> EIOINTC -> CPU', () => {
  it('takes the bridge UART\'s receive interrupt to CPU 1\'s HWI1 and back down once the byte is read', () => {
    const { thread, signals } = machine();
    const host = thread();
    const worker = thread();
    const cpu1 = worker.iocsr.busFor(1);
    expect((cpu1.read(Iocsr.FEATURES, 4)! >> 3n) & 1n).toBe(1n); // EXTIOI
    // eiointc_router_init: EXT_IOI_EN, every group to IP1, vector 8 to core 1, enabled.
    cpu1.write(EiointcReg.MISC_FUNC, 8, cpu1.read(EiointcReg.MISC_FUNC, 8)! | EXT_IOI_EN);
    for (let g = 0; g < 8; g += 4) cpu1.write(EiointcReg.IPMAP + g, 4, 0x0202_0202n);
    cpu1.write(EiointcReg.COREMAP + 8, 1, 0x12n); // node 0, core 1
    cpu1.write(EiointcReg.ENABLE, 4, 1n << 8n);
    // pch_pic_reset + unmask of input 8 (vector base 0).
    worker.bus.write(PIC + PchPicReg.HTMSI_VEC + 8, 1, 8);
    worker.bus.write(PIC + PchPicReg.HTMSI_EN, 4, 0xffff_ffff);
    worker.bus.write(PIC + PchPicReg.MASK, 4, ~(1 << 8) >>> 0);
    worker.bus.write(UART1 + 1, 1, Ier.receivedData);
    const uart1 = host.devices.uarts[1]!;
    uart1.inputRing.pushBytes([0x41]);
    uart1.poll();
    expect(signals.mip[1]).toBe(HWI1);
    expect(signals.mip[0]).toBe(0);
    expect(cpu1.read(EiointcReg.COREISR, 8)).toBe(1n << 8n);
    expect(worker.bus.read(PIC + PchPicReg.INT_ISR, 4)).toBe(1 << 8);
    // The handler acknowledges at the EIOINTC and reads the byte: the UART's line falls, the vector leaves.
    cpu1.write(EiointcReg.COREISR, 8, 1n << 8n);
    expect(worker.bus.read(UART1, 1)).toBe(0x41);
    expect(signals.mip[1]).toBe(0);
    expect(cpu1.read(EiointcReg.COREISR, 8)).toBe(0n);
    // A machine reset reaches the EIOINTC too, though it has no window.
    resetDevices(host.devices);
    expect(cpu1.read(EiointcReg.ENABLE, 4)).toBe(0n);
    expect(cpu1.read(EiointcReg.MISC_FUNC, 8)).toBe(0n);
  });

  it('writes the nodes Linux binds to, wired as hvisor\'s dtsi has them, from the board data', () => {
    const dts = printDts(buildBoardTree({ board: ls3a5000, harts: [0, 1, 2, 3], memory: [ls3a5000.ram] }));
    expect(dts).toMatch(/eiointc: interrupt-controller@1fe01600 \{[^}]*compatible = "loongson,ls2k2000-eiointc";[^}]*#interrupt-cells = <0x1>;\s*interrupt-parent = <&cpuintc>;\s*interrupts = <0x3>;/);
    expect(dts).toMatch(/pic: interrupt-controller@10000000 \{[^}]*compatible = "loongson,pch-pic-1.0";[^}]*#interrupt-cells = <0x2>;\s*loongson,pic-base-vec = <0x0>;\s*interrupt-parent = <&eiointc>;/);
    expect(dts).toMatch(/serial@10080000 \{[^}]*interrupts = <0x8 0x4>;\s*interrupt-parent = <&pic>;/);
    expect(dts).toMatch(/serial@1fe001e0 \{[^}]*interrupt-parent = <&liointc>;/);
    expect(dts).toContain('stdout-path = "/platform/serial@1fe001e0"');
  });
});
