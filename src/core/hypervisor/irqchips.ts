/**
 * The irqchip registry, keyed by the board's architecture: which classes are the hypervisor's physical
 * and virtual interrupt controllers (irqchip.ts) on a board, as hvisor picks them with cfg(feature)
 * in src/device/irqchip/mod.rs. The only file outside the arch folders that reaches their irqchip code;
 * a new architecture (or controller) adds its row here.
 */
import type { Board, BoardArch } from '../../shared/model/board';
import type { IrqChipArch } from './irqchip';
import { riscvIrqChips } from './arch/riscv64/irqchip';
import { aarch64IrqChips } from './arch/aarch64/irqchip';
import { loongarch64IrqChips } from './arch/loongarch64/irqchip';

const ARCHES: Partial<Record<BoardArch, IrqChipArch>> = {
  riscv64: riscvIrqChips,
  aarch64: aarch64IrqChips,
  loongarch64: loongarch64IrqChips,
};

export function irqChipsOf(arch: BoardArch): IrqChipArch {
  const row = ARCHES[arch];
  if (!row) throw new Error(`no interrupt controllers for architecture '${arch}' in the hypervisor yet`);
  return row;
}

/** Room each zone slot keeps for its virtual interrupt controller's state on `board`. */
export function virtualIrqChipBytes(board: Board): number {
  return irqChipsOf(board.arch).virtualStateBytes(board);
}
