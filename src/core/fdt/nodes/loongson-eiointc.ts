/**
 * The device-tree node of a Loongson EIOINTC as hvisor's loongson-3a5000.dtsi writes it
 * ("loongson,ls2k2000-eiointc", Linux bindings interrupt-controller/loongson,eiointc.yaml): one cell per
 * interrupt (the vector), parent the CPU interrupt controller at line 3 (HWI1, where Linux's
 * eiointc_router_init sends every vector group through IPMAP). Its `reg` is the chip's MMIO alias of the
 * IOCSR block, as the dtsi has it; the model answers through IOCSR only.
 */
import type { FdtCell } from '../fdt-writer';
import { reg, unitName, type DeviceNodeWriter, type InterruptControllerKind } from '../tree-context';
import { EIOINTC_VECTORS } from '../../devices/intc/loongson-eiointc';

const eiointcController: InterruptControllerKind = {
  title: 'EIOINTC',
  label: 'eiointc',
  specifier(_ctx, eiointc, request, owner): FdtCell[] {
    if (request.perCpu || !Number.isInteger(request.irq) || request.irq < 0 || request.irq >= EIOINTC_VECTORS) {
      throw new Error(`${owner}: interrupt ${request.irq} is not a vector of EIOINTC '${eiointc.name}' (0..${EIOINTC_VECTORS - 1})`);
    }
    return [request.irq];
  },
};

export const loongsonEiointcNode: DeviceNodeWriter = {
  cpuArch: 'loongarch64',
  controller: eiointcController,
  write(ctx, bus, device) {
    const node = bus.addChild(unitName('interrupt-controller', device.base), eiointcController.label);
    node.string('compatible', 'loongson,ls2k2000-eiointc');
    reg(node, [device.base, device.size]);
    node.empty('interrupt-controller').u32('#interrupt-cells', 1);
    node.reference('interrupt-parent', ctx.cpuInterruptController(ctx.harts[0] ?? 0));
    node.u32('interrupts', 3);
    return node;
  },
};
