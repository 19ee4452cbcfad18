/**
 * `hvwb dts --board <board> [root]` prints a board's tree, or its root zone's as board.rs defines it,
 * without a layout; dtc compiles the text without a warning.
 */
import { boardNames } from '../../../src/boards/index';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/index';

const DTC = '/usr/bin/dtc';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['dts', ...argv], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

describe('hvwb dts --board', () => {
  it("prints qemu-gicv3's root zone: its two CPUs, its RAM, the GIC, the PL011 console", async () => {
    const { code, stdout } = await run('--board', 'qemu-gicv3', 'root');
    expect(code).toBe(0);
    expect(stdout).toMatch(/cpu@0 \{[\s\S]*cpu@1 \{/);
    expect(stdout).not.toContain('cpu@2');
    expect(stdout).toContain('memory@50000000');
    expect(stdout).toContain('compatible = "arm,gic-v3";');
    expect(stdout).toContain('stdout-path = "/pl011@9000000";');
  });

  it('prints the whole board without a zone, and names the boards it knows otherwise', async () => {
    expect((await run('--board', 'qemu-gicv2')).stdout).toMatch(/cpu@3[\s\S]*compatible = "arm,cortex-a15-gic";/);
    const unknown = await run('--board', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`unknown board "nope" (boards: ${boardNames.join(', ')})`);
    expect(boardNames).toEqual(expect.arrayContaining(['qemu-plic', 'qemu-aia', 'qemu-gicv3', 'ls3a5000']));
  });

  it.skipIf(!existsSync(DTC))('gives dtc text it compiles without warnings', async () => {
    for (const argv of [['qemu-gicv3', 'root'], ['qemu-gicv2', 'root'], ['qemu-gicv3'], ['qemu-plic', 'root']]) {
      const { stdout } = await run('--board', ...argv);
      const result = spawnSync(DTC, ['-I', 'dts', '-O', 'dtb', '-o', '/dev/null', '-'], { input: stdout, encoding: 'utf8' });
      expect(result.status, argv.join(' ')).toBe(0);
      expect(result.stderr, argv.join(' ')).toBe('');
    }
  });
});
