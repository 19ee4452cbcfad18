/** The known boards by name. */
import type { Board } from '../shared/model/board';
import { qemuPlic } from './riscv64/qemu-plic';
import { qemuGicv3 } from './aarch64/qemu-gicv3';
import { qemuGicv2 } from './aarch64/qemu-gicv2';

const BOARDS: ReadonlyMap<string, Board> = new Map<string, Board>([
  [qemuPlic.name, qemuPlic],
  [qemuGicv3.name, qemuGicv3],
  [qemuGicv2.name, qemuGicv2],
]);

export const DEFAULT_BOARD = qemuPlic.name;

export const boardNames: readonly string[] = [...BOARDS.keys()];

export function getBoard(name: string): Board {
  const board = BOARDS.get(name);
  if (!board) throw new Error(`unknown board '${name}'; known boards: ${boardNames.join(', ')}`);
  return board;
}

/** The board with its RAM resized (e.g. from a `--memory` option); everything else is unchanged. */
export function withRamSize(board: Board, size: number): Board {
  return { ...board, ram: { ...board.ram, size } };
}
