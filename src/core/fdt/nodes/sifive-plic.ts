/**
 * The device-tree node of a SiFive PLIC (Linux bindings sifive,plic-1.0.0.yaml) and how it describes
 * the interrupts wired to it: one cell per source, the source number. Sources have no trigger type in
 * the binding (the PLIC gateway is level-sensed) and there are no per-hart sources. Priorities and
 * the threshold bits are the driver's business and not described.
 */
import type { BoardDevice } from '../../../shared/model/board';
import { MIP_MEIP, MIP_SEIP } from '../../devices/intc/sifive-plic';
import type { FdtCell } from '../fdt-writer';
import { numberProp, reg, unitName, type DeviceNodeWriter, type InterruptControllerKind, type TreeContext } from '../tree-context';

const MACHINE_EXTERNAL = Math.log2(MIP_MEIP);
const SUPERVISOR_EXTERNAL = Math.log2(MIP_SEIP);
const DEFAULT_SOURCES = 95;

const sources = (plic: BoardDevice): number => numberProp(plic, 'sources', DEFAULT_SOURCES);

const plicController: InterruptControllerKind = {
  title: 'PLIC',
  label: 'plic',
  specifier(_ctx: TreeContext, plic, request, owner): FdtCell[] {
    if (request.perCpu) {
      throw new Error(`${owner}: interrupt ${request.irq} is a per-CPU interrupt, which PLIC '${plic.name}' (sifive-plic) cannot deliver: it has only shared sources`);
    }
    if (!Number.isInteger(request.irq) || request.irq < 1 || request.irq > sources(plic)) {
      throw new Error(`${owner}: interrupt ${request.irq} is not a source of PLIC '${plic.name}' (sources 1..${sources(plic)})`);
    }
    return [request.irq];
  },
};

export const sifivePlicNode: DeviceNodeWriter = {
  cpuArch: 'riscv64',
  controller: plicController,
  write(ctx, bus, device) {
    const node = bus.addChild(unitName('plic', device.base), plicController.label);
    node.u32('#interrupt-cells', 1).u32('#address-cells', 0);
    node.strings('compatible', ['sifive,plic-1.0.0', 'riscv,plic0']).empty('interrupt-controller');
    // Context order = order of this list: M then S of each hart, as the driver expects.
    node.cells('interrupts-extended', ctx.harts.flatMap((hart) => {
      const intc = ctx.cpuInterruptController(hart);
      return [{ ref: intc }, MACHINE_EXTERNAL, { ref: intc }, SUPERVISOR_EXTERNAL];
    }));
    reg(node, [device.base, device.size]);
    node.u32('riscv,ndev', sources(device));
    return node;
  },
};
