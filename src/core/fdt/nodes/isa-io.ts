/**
 * The device-tree node of a legacy ISA I/O window (`isa`, device_type "isa"): two address cells (space
 * and port) and one size cell, its ranges mapping I/O port 0 of the window to the CPU address where the
 * board puts it. Linux on LoongArch maps its legacy port range only from such a node
 * (arch/loongarch/kernel/setup.c arch_reserve_pio_range walks the nodes named "isa").
 */
import { unitName, type DeviceNodeWriter } from '../tree-context';

/** The first address cell of an I/O range in an ISA node (IEEE 1275 ISA binding: 1 = I/O space). */
const ISA_IO_SPACE = 1;

export const isaIoNode: DeviceNodeWriter = {
  write(_ctx, bus, device) {
    const node = bus.addChild(unitName('isa', device.base));
    node.string('compatible', 'isa').string('device_type', 'isa').u32('#address-cells', 2).u32('#size-cells', 1);
    // child (space, port), parent (two cells: the platform bus's address), size
    node.cells('ranges', [ISA_IO_SPACE, 0, Math.floor(device.base / 2 ** 32), device.base >>> 0, device.size]);
    return node;
  },
};
