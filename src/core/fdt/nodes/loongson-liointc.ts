/**
 * The device-tree node of a Loongson LIOINTC (Linux bindings interrupt-controller/
 * loongson,liointc.yaml, "loongson,liointc-1.0") and how it describes the interrupts wired to it: two
 * cells, the input number and the trigger type. The node hangs off the CPU's interrupt controller at
 * INT0 (cpuintc line 2, HWI0) with every input mapped to int0 (loongson,parent_int_map), as the
 * commented-out node of hvisor's loongson-3a5000.dtsi has it.
 */
import type { FdtCell } from '../fdt-writer';
import { reg, unitName, type DeviceNodeWriter, type InterruptControllerKind } from '../tree-context';
import { LIOINTC_INPUTS } from '../../devices/intc/loongson-liointc';

const TRIGGER_FLAGS = { 'edge-rising': 1, 'level-high': 4 } as const;

const liointcController: InterruptControllerKind = {
  title: 'LIOINTC',
  label: 'liointc',
  specifier(_ctx, liointc, request, owner): FdtCell[] {
    if (request.perCpu) throw new Error(`${owner}: interrupt ${request.irq} is a per-CPU interrupt, which LIOINTC '${liointc.name}' cannot deliver`);
    if (!Number.isInteger(request.irq) || request.irq < 0 || request.irq >= LIOINTC_INPUTS) {
      throw new Error(`${owner}: interrupt ${request.irq} is not an input of LIOINTC '${liointc.name}' (inputs 0..${LIOINTC_INPUTS - 1})`);
    }
    return [request.irq, TRIGGER_FLAGS[request.trigger]];
  },
};

export const loongsonLiointcNode: DeviceNodeWriter = {
  cpuArch: 'loongarch64',
  controller: liointcController,
  write(ctx, bus, device) {
    const node = bus.addChild(unitName('interrupt-controller', device.base), liointcController.label);
    node.string('compatible', 'loongson,liointc-1.0');
    reg(node, [device.base, device.size]);
    node.empty('interrupt-controller').u32('#interrupt-cells', 2);
    node.reference('interrupt-parent', ctx.cpuInterruptController(ctx.harts[0] ?? 0));
    // INT0 reaches the CPU's HWI0, which the CPU interrupt controller numbers 2 (ESTAT.IS bit).
    node.u32('interrupts', 2).string('interrupt-names', 'int0');
    node.cells('loongson,parent_int_map', [0xffff_ffff, 0, 0, 0]);
    return node;
  },
};
