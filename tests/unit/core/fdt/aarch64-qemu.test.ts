/**
 * Our aarch64 board trees against the tree QEMU's virt machine gives its guest (the machine hvisor's
 * qemu-gicv2/qemu-gicv3 platforms run on, with the virtualization extensions): for every device the
 * workbench models, Linux must find the same windows, compatibles, clocks and interrupts (type, number,
 * trigger, through the GIC). Runs where qemu-system-aarch64 is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { qemuGicv2 } from '../../../../src/boards/aarch64/qemu-gicv2';
import { qemuGicv3 } from '../../../../src/boards/aarch64/qemu-gicv3';
import { boardDtb, wholeBoardInput } from '../../../../src/core/fdt/board-dtb';
import { cells, readDtb, stringList, walk, type FdtReadNode } from '../../../../src/core/fdt/fdt-reader';
import type { Aarch64Board } from '../../../../src/shared/model/board';

const QEMU = 'qemu-system-aarch64';
const hasQemu = spawnSync(QEMU, ['--version']).status === 0;

function qemuTree(gicVersion: 2 | 3): FdtReadNode {
  const file = join(mkdtempSync(join(tmpdir(), 'hvwb-qemu-dtb-')), 'virt.dtb');
  const result = spawnSync(QEMU, [
    '-M', `virt,gic-version=${gicVersion},virtualization=on,dumpdtb=${file}`,
    '-cpu', 'cortex-a72', '-smp', '4', '-m', '2G', '-nodefaults', '-nic', 'none', '-display', 'none',
  ], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${QEMU} failed: ${result.stderr}`);
  return readDtb(new Uint8Array(readFileSync(file)), file);
}

function index(root: FdtReadNode): { byPath: Map<string, FdtReadNode>; byPhandle: Map<number, FdtReadNode> } {
  const byPath = new Map<string, FdtReadNode>();
  const byPhandle = new Map<number, FdtReadNode>();
  walk(root, (n) => {
    byPath.set(n.path, n);
    const phandle = cells(n.properties.get('phandle'))[0];
    if (phandle !== undefined) byPhandle.set(phandle, n);
  });
  return { byPath, byPhandle };
}

/** What Linux learns from a node's interrupts: controller path, type, number and trigger of each. */
function interruptsOf(root: FdtReadNode, node: FdtReadNode): string[] {
  const { byPhandle } = index(root);
  let holder: FdtReadNode | undefined = node;
  const parents = new Map<FdtReadNode, FdtReadNode>();
  walk(root, (n) => n.children.forEach((c) => parents.set(c, n)));
  while (holder && !holder.properties.has('interrupt-parent')) holder = parents.get(holder);
  const controller = holder ? byPhandle.get(cells(holder.properties.get('interrupt-parent'))[0]!) : undefined;
  const raw = cells(node.properties.get('interrupts'));
  const out: string[] = [];
  for (let i = 0; i + 3 <= raw.length; i += 3) out.push(`${controller?.path} ${raw[i]} ${raw[i + 1]} trigger ${raw[i + 2]! & 0xf}`);
  return out;
}

const text = (n: FdtReadNode, name: string): string[] => stringList(n.properties.get(name));
const nums = (n: FdtReadNode, name: string): number[] => cells(n.properties.get(name));

describe.skipIf(!hasQemu)('aarch64 trees against QEMU virt (requires qemu-system-aarch64)', () => {
  for (const [board, version] of [[qemuGicv3, 3], [qemuGicv2, 2]] as [Aarch64Board, 2 | 3][]) {
    it(`${board.name}: the modelled devices look to Linux as QEMU describes them`, () => {
      const qemu = qemuTree(version);
      const ours = readDtb(boardDtb(wholeBoardInput(board)), board.name);
      const q = index(qemu).byPath;
      const o = index(ours).byPath;
      const modelled = [...q.keys()].filter((p) => /^\/(cpus\/cpu@\w+|intc@\w+|pl011@9000000|virtio_mmio@\w+|timer|memory@\w+)$/.test(p));
      expect(modelled.length).toBe(4 + 1 + 1 + 32 + 1 + 1);
      for (const path of modelled) {
        const theirs = q.get(path)!;
        const mine = o.get(path);
        expect(mine, path).toBeDefined();
        for (const name of ['compatible', 'device_type', 'enable-method', 'clock-names']) expect(text(mine!, name), `${path} ${name}`).toEqual(text(theirs, name));
        for (const name of ['reg', '#interrupt-cells', '#redistributor-regions']) expect(nums(mine!, name), `${path} ${name}`).toEqual(nums(theirs, name));
        expect(interruptsOf(ours, mine!), `${path} interrupts`).toEqual(interruptsOf(qemu, theirs));
        expect(mine!.properties.has('dma-coherent'), `${path} dma-coherent`).toBe(theirs.properties.has('dma-coherent'));
        expect(mine!.properties.has('always-on'), `${path} always-on`).toBe(theirs.properties.has('always-on'));
      }
      // The timer's PPI flags, CPU mask included, exactly as QEMU writes them for this GIC.
      expect(nums(o.get('/timer')!, 'interrupts')).toEqual(nums(q.get('/timer')!, 'interrupts'));
      // The PL011's clocks: the same frequency behind both names.
      const clockHz = (root: FdtReadNode, path: string): number[] => {
        const { byPath, byPhandle } = index(root);
        return nums(byPath.get(path)!, 'clocks').map((ph) => nums(byPhandle.get(ph)!, 'clock-frequency')[0]!);
      };
      expect(clockHz(ours, '/pl011@9000000')).toEqual(clockHz(qemu, '/pl011@9000000'));
    });
  }
});
