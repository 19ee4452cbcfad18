/**
 * scripts/check-layers.mjs on tiny fake trees: the layer rule, the seam rule inside core (an ISA folder
 * imports only bus, cpu, jit, its own folder and shared; only registries import ISA folders) and the
 * seam-debt list that may only shrink. One case runs the script itself as `npm run check:layers` does.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const script = path.join(repoRoot, 'scripts/check-layers.mjs');

interface Result {
  violations: string[];
  debtLeft: string[];
}
type CheckLayers = (root: string, options?: { registries?: string[]; seamDebt?: string[] }) => Result;

async function checker(): Promise<CheckLayers> {
  const module = (await import(pathToFileURL(script).href)) as { checkLayers: CheckLayers };
  return module.checkLayers;
}

describe('check-layers', () => {
  let root: string;
  const write = (rel: string, text: string): void => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'hvwb-layers-'));
    // A clean tree: an ISA folder using the shared CPU, bus and protocol code and its own files.
    write('src/shared/protocol.ts', 'export const V = 1;\n');
    write('src/core/cpu/cpu-core.ts', "import { V } from '../../shared/protocol';\nexport const W = V;\n");
    write('src/core/bus/types.ts', 'export type T = number;\n');
    write('src/core/isa/riscv64/hart.ts', "import { W } from '../../cpu/cpu-core';\nimport type { T } from '../../bus/types';\nimport { D } from './decoder';\nexport const H: T = W + D;\n");
    write('src/core/isa/riscv64/decoder.ts', 'export const D = 2;\n');
    write('src/core/machine/machine.ts', "import { W } from '../cpu/cpu-core';\nexport const M = W;\n");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('accepts an ISA folder that imports only bus, cpu, its own folder and shared', async () => {
    const check = await checker();
    expect(check(root, { seamDebt: [] })).toEqual({ violations: [], debtLeft: [] });
  });

  it('reports an ISA folder importing the machine, another ISA, or the hypervisor', async () => {
    write('src/core/isa/riscv64/trap.ts', "import { M } from '../../machine/machine';\nexport const X = M;\n");
    write('src/core/isa/aarch64/cpu.ts', "import { D } from '../riscv64/decoder';\nimport { Z } from '../../hypervisor/zone';\nexport const C = D + Z;\n");
    write('src/core/hypervisor/zone.ts', 'export const Z = 3;\n');
    const { violations } = (await checker())(root, { seamDebt: [] });
    expect(violations).toHaveLength(3);
    expect(violations[0]).toMatch(/^src\/core\/isa\/aarch64\/cpu\.ts: an ISA folder \(core\/isa\/aarch64\) may import only .* not '\.\.\/riscv64\/decoder'$/);
    expect(violations[1]).toMatch(/^src\/core\/isa\/aarch64\/cpu\.ts: .* not '\.\.\/\.\.\/hypervisor\/zone'$/);
    expect(violations[2]).toMatch(/^src\/core\/isa\/riscv64\/trap\.ts: .* not '\.\.\/\.\.\/machine\/machine'$/);
  });

  it('lets only registries and seam-debt files import an ISA folder; debt must shrink, never grow', async () => {
    write('src/core/cpu/cpu-models.ts', "import { H } from '../isa/riscv64/hart';\nexport const MODELS = [H];\n");
    write('src/core/hypervisor/sbi.ts', "import { H } from '../isa/riscv64/hart';\nexport const S = H;\n");
    write('src/host/worker.ts', "import { H } from '../core/isa/riscv64/hart';\nexport const K = H;\n");
    const check = await checker();
    const registries = ['src/core/cpu/cpu-models.ts'];
    // sbi.ts is known debt; the host worker is a new importer: reported.
    let result = check(root, { registries, seamDebt: ['src/core/hypervisor/sbi.ts'] });
    expect(result.debtLeft).toEqual(['src/core/hypervisor/sbi.ts']);
    expect(result.violations).toEqual([
      "src/host/worker.ts: only the registries may import an ISA folder, not '../core/isa/riscv64/hart' (go through core/cpu, or add a registry to REGISTRIES)",
    ]);
    // Once sbi.ts is clean, keeping it in the list is itself reported, so the list cannot go stale.
    write('src/core/hypervisor/sbi.ts', 'export const S = 1;\n');
    result = check(root, { registries, seamDebt: ['src/core/hypervisor/sbi.ts', 'src/host/worker.ts'] });
    expect(result.debtLeft).toEqual(['src/host/worker.ts']);
    expect(result.violations).toEqual([
      'src/core/hypervisor/sbi.ts: no longer imports an ISA folder: remove it from SEAM_DEBT in scripts/check-layers.mjs (the list only shrinks)',
    ]);
  });

  it('keeps the layer rule: core may not import host', async () => {
    write('src/host/service.ts', 'export const S = 1;\n');
    write('src/core/machine/bad.ts', "import { S } from '../../host/service';\nexport const B = S;\n");
    const { violations } = (await checker())(root, { seamDebt: [] });
    expect(violations).toEqual(["src/core/machine/bad.ts: layer 'core' may not import '../../host/service' (layer 'host')"]);
  });

  it('as a script, exits 1 and names the violating import', () => {
    mkdirSync(path.join(root, 'scripts'));
    copyFileSync(script, path.join(root, 'scripts/check-layers.mjs'));
    write('src/core/isa/riscv64/trap.ts', "import { M } from '../../machine/machine';\nexport const X = M;\n");
    let stderr = '';
    let status = 0;
    try {
      execFileSync(process.execPath, [path.join(root, 'scripts/check-layers.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const error = e as { status: number; stderr: string };
      status = error.status;
      stderr = error.stderr;
    }
    expect(status).toBe(1);
    expect(stderr).toContain("src/core/isa/riscv64/trap.ts: an ISA folder (core/isa/riscv64) may import only core/bus, core/cpu, core/jit, its own folder and shared, not '../../machine/machine'");
  });
});
