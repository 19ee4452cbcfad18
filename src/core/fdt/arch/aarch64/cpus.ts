/**
 * The /cpus node of an aarch64 tree, as QEMU's virt machine writes it and Linux's arm64 SMP code reads
 * it: one cpu@<MPIDR> per CPU with `reg` = the CPU's MPIDR_EL1 affinity bits (Aff3..Aff0, from the
 * board's BOARD_MPIDR_MAPPINGS), brought up through PSCI. One address cell while no Aff3 is set, two
 * otherwise (the arm64 cpus binding). The cpu-map topology QEMU adds is left out: Linux then treats
 * each CPU as its own core, which changes scheduling domains only.
 */
import { boardOf, type Aarch64Board } from '../../../../shared/model/board';
import { u64Cells } from '../../fdt-writer';
import type { TreeContext } from '../../tree-context';

/** MPIDR_EL1's affinity fields: Aff0..Aff2 in bits [23:0], Aff3 in bits [39:32]. */
const AFFINITY_LOW = 0xff_ffff;
const TWO_32 = 0x1_0000_0000;
const AFF3_MAX = 0xff;

/** The MPIDR affinity of a board CPU, checked against the fields the register has. */
export function mpidrOf(board: Aarch64Board, cpu: number): number {
  const mpidr = board.mpidrs[cpu];
  if (mpidr === undefined) throw new Error(`board '${board.name}': mpidrs has no entry for CPU ${cpu} (it lists ${board.mpidrs.length})`);
  const low = mpidr % TWO_32;
  const aff3 = Math.floor(mpidr / TWO_32);
  if (!Number.isSafeInteger(mpidr) || mpidr < 0 || low > AFFINITY_LOW || aff3 > AFF3_MAX) {
    throw new Error(`board '${board.name}': mpidrs[${cpu}] = 0x${mpidr.toString(16)} has bits outside MPIDR_EL1's Aff3..Aff0`);
  }
  return mpidr;
}

export function addAarch64Cpus(ctx: TreeContext): void {
  const board = boardOf(ctx.board, 'aarch64');
  const mpidrs = ctx.harts.map((cpu) => mpidrOf(board, cpu));
  const wide = mpidrs.some((m) => m >= TWO_32);
  const cpus = ctx.tree.root.addChild('cpus');
  cpus.u32('#address-cells', wide ? 2 : 1).u32('#size-cells', 0);
  mpidrs.forEach((mpidr) => {
    const cpu = cpus.addChild(`cpu@${mpidr.toString(16)}`);
    cpu.string('device_type', 'cpu').string('compatible', board.cpuCompatible);
    cpu.u32('reg', ...(wide ? u64Cells(mpidr) : [mpidr]));
    cpu.string('enable-method', 'psci');
  });
}
