/**
 * What a riscv64 tree has of its own, as QEMU's riscv virt machine writes it: root compatible
 * "riscv-virtio", one /cpus/cpu@N per hart with its ISA strings, MMU type and hart-local interrupt
 * controller (riscv,cpu-intc, which the PLIC and ACLINT nodes name), the timebase in /cpus, and the
 * devices on a /soc simple-bus. SBI is found by the kernel without a node; no cpu-map is written.
 */
import { boardOf } from '../../../../shared/model/board';
import type { FdtArch, TreeContext } from '../../tree-context';
import { unitName } from '../../tree-context';

/** The label of hart N's riscv,cpu-intc node. */
export function hartIntcLabel(hart: number): string {
  return `cpu${hart}_intc`;
}

function addCpus(ctx: TreeContext): void {
  const board = boardOf(ctx.board, 'riscv64');
  const cpus = ctx.tree.root.addChild('cpus');
  cpus.u32('#address-cells', 1).u32('#size-cells', 0).u32('timebase-frequency', board.timebaseFrequency);
  for (const hart of ctx.harts) {
    const cpu = cpus.addChild(unitName('cpu', hart));
    cpu.string('device_type', 'cpu').u32('reg', hart).string('status', 'okay').string('compatible', 'riscv');
    cpu.string('riscv,isa', board.isa).string('riscv,isa-base', board.isaBase).strings('riscv,isa-extensions', board.isaExtensions);
    cpu.string('mmu-type', board.mmuType);
    const intc = cpu.addChild('interrupt-controller', hartIntcLabel(hart));
    // #address-cells = 0 marks it as a provider no interrupt-map can address (dtc checks this).
    intc.u32('#interrupt-cells', 1).u32('#address-cells', 0).empty('interrupt-controller').string('compatible', 'riscv,cpu-intc');
  }
}

export const riscv64Tree: FdtArch = {
  rootCompatible: 'riscv-virtio',
  // Linux on RISC-V assumes coherent DMA (ARCH_DMA_DEFAULT_COHERENT); QEMU writes no dma-coherent.
  dmaCoherentByDefault: true,
  bootCpuId: (_board, hart) => hart,
  addCpus,
  cpuInterruptController: hartIntcLabel,
  addPlatformNodes(ctx) {
    const soc = ctx.tree.root.addChild('soc');
    soc.u32('#address-cells', 2).u32('#size-cells', 2).string('compatible', 'simple-bus').empty('ranges');
    return soc;
  },
};
