/**
 * What a loongarch64 tree has of its own, as hvisor's loongson-3a5000.dtsi writes it: one /cpus/cpu@N
 * per CPU (reg = the CPU number), the CPU interrupt controller ("loongson,cpu-interrupt-controller",
 * one cell: the ESTAT.IS line) at the root, which the board's interrupt controllers name as parent, and
 * the devices on a "loongson,nbus" simple-bus. Left out: the cache nodes and numa-node-id.
 */
import { boardOf } from '../../../../shared/model/board';
import type { FdtArch, TreeContext } from '../../tree-context';
import { unitName } from '../../tree-context';

const CPU_INTC = 'cpuintc';

function addCpus(ctx: TreeContext): void {
  const board = boardOf(ctx.board, 'loongarch64');
  const cpus = ctx.tree.root.addChild('cpus');
  cpus.u32('#address-cells', 1).u32('#size-cells', 0);
  for (const hart of ctx.harts) {
    const cpu = cpus.addChild(unitName('cpu', hart));
    cpu.string('compatible', board.cpuCompatible).string('device_type', 'cpu').u32('reg', hart);
  }
  const intc = ctx.tree.root.addChild('interrupt-controller', CPU_INTC);
  intc.string('compatible', 'loongson,cpu-interrupt-controller').u32('#interrupt-cells', 1).empty('interrupt-controller');
}

export const loongarch64Tree: FdtArch = {
  // Linux's LoongArch boot matches no root compatible; hvisor's dtsi names the SoC.
  rootCompatible: 'loongson,ls3a5000',
  // LoongArch DMA is coherent (ARCH_DMA_DEFAULT_COHERENT under CONFIG_LOONGARCH).
  dmaCoherentByDefault: true,
  bootCpuId: (_board, hart) => hart,
  addCpus,
  cpuInterruptController: () => CPU_INTC,
  // A zone's virtio IRQ is the ESTAT.IS line hvisor's inject_irq raises (tree-context.ts).
  injectedIrqsOnCpu: true,
  addPlatformNodes(ctx) {
    const bus = ctx.tree.root.addChild('platform');
    bus.strings('compatible', ['loongson,nbus', 'simple-bus']).u32('#address-cells', 2).u32('#size-cells', 2).empty('ranges');
    return bus;
  },
};
