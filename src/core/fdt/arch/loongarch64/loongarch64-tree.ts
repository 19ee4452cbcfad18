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

const treeCpuIds = (harts: readonly number[]): number[] => harts.map((_hart, index) => index);

function addCpus(ctx: TreeContext): void {
  const board = boardOf(ctx.board, 'loongarch64');
  const cpus = ctx.tree.root.addChild('cpus');
  cpus.u32('#address-cells', 1).u32('#size-cells', 0);
  // reg is the CPU's index among the tree's CPUs, which is what CSR.CPUID reads: under hvisor every zone
  // CPU reads its index in the zone (hvisor sets GCSR CPUID 0 for its one-CPU zones, cpu.rs:76-78, and its
  // zone trees have cpu@0 only, loongson-3a5000.dtsi; arch/loongarch64/vcpu.ts), and a bare machine's
  // tree lists CPUs 0..n-1. Linux's fdt_smp_setup maps the node whose reg equals the boot CPU's CPUID to
  // logical CPU 0; zone 1's CPU 1 as reg 1 would be a second CPU that does not exist.
  for (const id of treeCpuIds(ctx.harts)) {
    const cpu = cpus.addChild(unitName('cpu', id));
    cpu.string('compatible', board.cpuCompatible).string('device_type', 'cpu').u32('reg', id);
  }
  const intc = ctx.tree.root.addChild('interrupt-controller', CPU_INTC);
  intc.string('compatible', 'loongson,cpu-interrupt-controller').u32('#interrupt-cells', 1).empty('interrupt-controller');
}

export const loongarch64Tree: FdtArch = {
  // Linux's LoongArch boot matches no root compatible; hvisor's dtsi names the SoC.
  rootCompatible: 'loongson,ls3a5000',
  // LoongArch DMA is coherent (ARCH_DMA_DEFAULT_COHERENT under CONFIG_LOONGARCH).
  dmaCoherentByDefault: true,
  // The first CPU of the tree: index 0 (addCpus).
  bootCpuId: () => 0,
  addCpus,
  treeCpuIds,
  cpuInterruptController: () => CPU_INTC,
  // A zone's virtio IRQ is the ESTAT.IS line hvisor's inject_irq raises (tree-context.ts).
  injectedIrqsOnCpu: true,
  addPlatformNodes(ctx) {
    const bus = ctx.tree.root.addChild('platform');
    bus.strings('compatible', ['loongson,nbus', 'simple-bus']).u32('#address-cells', 2).u32('#size-cells', 2).empty('ranges');
    return bus;
  },
};
