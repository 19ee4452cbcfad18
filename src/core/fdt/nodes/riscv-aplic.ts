/**
 * The device-tree node of a RISC-V APLIC in MSI mode (Linux bindings riscv,aplic.yaml), as QEMU's virt
 * machine writes the supervisor-level domain with aia=aplic-imsic: `msi-parent` names the IMSIC, and a
 * wired interrupt is two cells, the source number and its sense (IRQ_TYPE_LEVEL_HIGH 4, EDGE_RISING 1).
 * Only the S domain is described: the M domain is firmware's, and no M-mode software reads this tree.
 */
import type { BoardDevice } from '../../../shared/model/board';
import type { FdtCell } from '../fdt-writer';
import { numberProp, reg, unitName, type DeviceNodeWriter, type InterruptControllerKind, type TreeContext } from '../tree-context';
import { IMSIC_LABEL } from './riscv-imsic';

const DEFAULT_SOURCES = 96;
const sources = (aplic: BoardDevice): number => numberProp(aplic, 'sources', DEFAULT_SOURCES);

const aplicController: InterruptControllerKind = {
  title: 'APLIC',
  label: 'aplic',
  specifier(_ctx: TreeContext, aplic, request, owner): FdtCell[] {
    if (request.perCpu) throw new Error(`${owner}: interrupt ${request.irq} is a per-CPU interrupt, which APLIC '${aplic.name}' (riscv-aplic) cannot deliver`);
    if (!Number.isInteger(request.irq) || request.irq < 1 || request.irq > sources(aplic)) {
      throw new Error(`${owner}: interrupt ${request.irq} is not a source of APLIC '${aplic.name}' (sources 1..${sources(aplic)})`);
    }
    return [request.irq, request.trigger === 'edge-rising' ? 1 : 4];
  },
};

export const riscvAplicNode: DeviceNodeWriter = {
  cpuArch: 'riscv64',
  controller: aplicController,
  write(_ctx, bus, device) {
    const node = bus.addChild(unitName('aplic', device.base), aplicController.label);
    node.string('compatible', 'riscv,aplic').empty('interrupt-controller').u32('#interrupt-cells', 2).u32('#address-cells', 0);
    reg(node, [device.base, device.size]);
    node.reference('msi-parent', IMSIC_LABEL);
    node.u32('riscv,num-sources', sources(device));
    return node;
  },
};
