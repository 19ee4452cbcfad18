/** The known boards by name. */
import type { Board } from '../shared/model/board';
import { qemuPlic } from './riscv64/qemu-plic';

const BOARDS: ReadonlyMap<string, Board> = new Map([[qemuPlic.name, qemuPlic]]);

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
