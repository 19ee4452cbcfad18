/**
 * scripts/build-node.mjs when builds overlap (two test runs, `hvwb` rebuilding while tests run): each
 * build completes, and out/node is always one whole build, never a half-emptied folder that makes a
 * vCPU worker "not built" in another process.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const link = path.join(repoRoot, 'out/node');

function build(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/build-node.mjs'], { cwd: repoRoot, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

describe('building the Node entry points while others use them', () => {
  it('two overlapping builds both succeed, and out/node holds a whole build throughout', async () => {
    let missing = 0;
    let looks = 0;
    let done = false;
    const watcher = (async () => {
      while (!done) {
        looks++;
        if (!existsSync(path.join(link, 'vcpu-worker.js')) || !existsSync(path.join(link, 'cli.js'))) missing++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const codes = await Promise.all([build(), build()]);
    done = true;
    await watcher;
    expect(codes).toEqual([0, 0]);
    expect(looks).toBeGreaterThan(10);
    expect(missing).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toMatch(/^node-builds\//);
  }, 120_000);
});
