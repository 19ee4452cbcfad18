/**
 * The device-tree node writers by board device kind: the one place that knows which writer describes
 * which kind. Kinds without a writer are left out of every tree.
 */
import type { DeviceKind } from '../../../shared/model/board';
import type { DeviceNodeWriter } from '../tree-context';
import { aclintMswiNode, aclintMtimerNode, aclintSswiNode } from './aclint';
import { armGicv2Node } from './arm-gicv2';
import { armGicv3Node } from './arm-gicv3';
import { goldfishRtcNode } from './goldfish-rtc';
import { ns16550aNode } from './ns16550a';
import { pl011Node } from './pl011';
import { imxUartNode } from './imx-uart';
import { cadenceUartNode } from './cadence-uart';
import { dwApbUartNode } from './dw-apb-uart';
import { sifivePlicNode } from './sifive-plic';
import { riscvAplicNode } from './riscv-aplic';
import { riscvImsicNode } from './riscv-imsic';
import { sifiveTestNode } from './sifive-test';
import { pciHostEcamGenericNode } from './pci-host-ecam-generic';
import { virtioMmioNode } from './virtio-mmio';
import { loongsonLiointcNode } from './loongson-liointc';
import { loongsonEiointcNode } from './loongson-eiointc';
import { loongsonPchPicNode } from './loongson-pch-pic';
import { loongsonPchMsiNode } from './loongson-pch-msi';
import { isaIoNode } from './isa-io';

const WRITERS: Readonly<Record<DeviceKind, DeviceNodeWriter | undefined>> = {
  'sifive-plic': sifivePlicNode,
  'riscv-aplic': riscvAplicNode,
  'riscv-imsic': riscvImsicNode,
  'aclint-mswi': aclintMswiNode,
  'aclint-mtimer': aclintMtimerNode,
  'aclint-sswi': aclintSswiNode,
  ns16550a: ns16550aNode,
  'sifive-test': sifiveTestNode,
  'goldfish-rtc': goldfishRtcNode,
  'virtio-mmio': virtioMmioNode,
  'arm-gicv3': armGicv3Node,
  'arm-gicv2': armGicv2Node,
  pl011: pl011Node,
  'imx-uart': imxUartNode,
  'cadence-uart': cadenceUartNode,
  'dw-apb-uart': dwApbUartNode,
  'loongson-liointc': loongsonLiointcNode,
  'loongson-eiointc': loongsonEiointcNode,
  'loongson-pch-pic': loongsonPchPicNode,
  'loongson-pch-msi': loongsonPchMsiNode,
  'pci-host-ecam': pciHostEcamGenericNode,
  // The hypervisor's (hvisor programs it; zone0.dts of hvisor's qemu-gicv3 does not describe it).
  'arm-smmuv3': undefined,
  'isa-io': isaIoNode,
};

/** The writer of a kind's node, or undefined for kinds the trees do not describe. */
export function deviceNodeWriter(kind: DeviceKind): DeviceNodeWriter | undefined {
  return WRITERS[kind];
}
