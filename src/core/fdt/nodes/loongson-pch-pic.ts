/**
 * The device-tree node of a 7A2000 PCH-PIC ("loongson,pch-pic-1.0", Linux bindings interrupt-controller/
 * loongson,pch-pic.yaml) as hvisor's loongson-3a5000.dtsi writes it: two cells per interrupt (the input
 * and the trigger type), loongson,pic-base-vec (the board's `baseVector` prop, 0 by default: input i
 * raises vector base + i once Linux has programmed HTMSI_VEC) and the EIOINTC its `interruptParent`
 * prop names as interrupt-parent.
 */
import type { FdtCell } from '../fdt-writer';
import { numberProp, reg, unitName, type DeviceNodeWriter, type InterruptControllerKind } from '../tree-context';
import { PCH_PIC_INPUTS } from '../../devices/intc/loongson-pch-pic';

const TRIGGER_FLAGS = { 'edge-rising': 1, 'level-high': 4 } as const;

const pchPicController: InterruptControllerKind = {
  title: 'PCH-PIC',
  label: 'pic',
  specifier(_ctx, pic, request, owner): FdtCell[] {
    if (request.perCpu || !Number.isInteger(request.irq) || request.irq < 0 || request.irq >= PCH_PIC_INPUTS) {
      throw new Error(`${owner}: interrupt ${request.irq} is not an input of PCH-PIC '${pic.name}' (inputs 0..${PCH_PIC_INPUTS - 1})`);
    }
    return [request.irq, TRIGGER_FLAGS[request.trigger]];
  },
};

export const loongsonPchPicNode: DeviceNodeWriter = {
  cpuArch: 'loongarch64',
  controller: pchPicController,
  write(ctx, bus, device) {
    const node = bus.addChild(unitName('interrupt-controller', device.base), pchPicController.label);
    node.string('compatible', 'loongson,pch-pic-1.0');
    reg(node, [device.base, device.size]);
    node.empty('interrupt-controller').u32('#interrupt-cells', 2);
    node.u32('loongson,pic-base-vec', numberProp(device, 'baseVector', 0));
    const parent = device.props?.['interruptParent'];
    const eiointc = ctx.board.devices.find((d) => d.name === parent && d.kind === 'loongson-eiointc');
    if (!eiointc) throw new Error(`PCH-PIC '${device.name}': its interruptParent must name the board's loongson-eiointc device`);
    node.reference('interrupt-parent', 'eiointc');
    return node;
  },
};
