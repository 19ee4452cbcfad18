/**
 * What an aarch64 tree has of its own, as QEMU's virt machine writes it for Linux: root compatible
 * "linux,dummy-virt", the CPUs by MPIDR (cpus.ts), the PSCI firmware interface (psci.ts) and the
 * generic timer (timer.ts); devices sit directly under the root. Linux's arm64 DMA is non-coherent
 * unless a node says `dma-coherent`.
 */
import { boardOf } from '../../../../shared/model/board';
import type { FdtArch } from '../../tree-context';
import { addAarch64Cpus, mpidrOf } from './cpus';
import { addPsci } from './psci';
import { addTimer } from './timer';

export const aarch64Tree: FdtArch = {
  rootCompatible: 'linux,dummy-virt',
  dmaCoherentByDefault: false,
  // boot_cpuid_phys holds the boot CPU's `reg`; its low 32 bits where the MPIDR needs two cells.
  bootCpuId: (board, cpu) => mpidrOf(boardOf(board, 'aarch64'), cpu) % 0x1_0000_0000,
  addCpus: addAarch64Cpus,
  addPlatformNodes(ctx) {
    addPsci(ctx);
    addTimer(ctx);
    return ctx.tree.root;
  },
};
