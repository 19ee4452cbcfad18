/** The known boards by name. */
import type { Board } from '../shared/model/board';
import { qemuPlic } from './riscv64/qemu-plic';
import { qemuAia } from './riscv64/qemu-aia';
import { qemuGicv3 } from './aarch64/qemu-gicv3';
import { qemuGicv2 } from './aarch64/qemu-gicv2';
import { imx8mp } from './aarch64/imx8mp';
import { rpi4b } from './aarch64/rpi4b';
import { zcu102 } from './aarch64/zcu102';
import { rk3588 } from './aarch64/rk3588';
import { ls3a5000 } from './loongarch64/ls3a5000';

const BOARDS: ReadonlyMap<string, Board> = new Map<string, Board>([
  [qemuPlic.name, qemuPlic],
  [qemuAia.name, qemuAia],
  [qemuGicv3.name, qemuGicv3],
  [qemuGicv2.name, qemuGicv2],
  [imx8mp.name, imx8mp],
  [rpi4b.name, rpi4b],
  [zcu102.name, zcu102],
  [rk3588.name, rk3588],
  [ls3a5000.name, ls3a5000],
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
