/** The device-tree builder's architecture parts by board architecture: the only importer of arch/. */
import type { BoardArch } from '../../../shared/model/board';
import type { FdtArch } from '../tree-context';
import { aarch64Tree } from './aarch64/aarch64-tree';
import { riscv64Tree } from './riscv64/riscv64-tree';
import { loongarch64Tree } from './loongarch64/loongarch64-tree';

const ARCHES: Readonly<Partial<Record<BoardArch, FdtArch>>> = {
  riscv64: riscv64Tree,
  aarch64: aarch64Tree,
  loongarch64: loongarch64Tree,
};

export function fdtArch(arch: BoardArch): FdtArch {
  const found = ARCHES[arch];
  if (!found) throw new Error(`no device-tree support for ${arch} boards yet`);
  return found;
}
