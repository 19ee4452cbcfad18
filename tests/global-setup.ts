/**
 * Builds the Node entry points (CLI, vCPU worker, server) once, so tests run the real worker code, and
 * the renderer once for every browser test (HVWB_RENDERER_DIR; each browser session used to build its
 * own, 5-7 s of two cores each, about 25 times a run); and
 * gives every test process an empty home directory, so the shells the tests open (node-pty) read no rc
 * files of the machine's user. A real ~/.bashrc ran `pyenv init`, which waits for a lock file that a
 * shell killed mid-rehash (by an earlier test) leaves behind: every later shell then hung for a minute.
 * The guest-image cache stays where the scripts put it (HVWB_CACHE, taken before HOME changes).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';

export default function setup(): () => void {
  process.env.HVWB_CACHE ??= path.join(homedir(), '.cache/hvwb');
  const home = mkdtempSync(path.join(tmpdir(), 'hvwb-test-home-'));
  process.env.HOME = home;
  if (process.env.HVWB_SKIP_BUILD !== '1') execFileSync(process.execPath, ['scripts/build-node.mjs'], { stdio: 'inherit' });
  let renderer: string | undefined;
  if (!process.env.HVWB_RENDERER_DIR && process.env.HVWB_SKIP_RENDERER_BUILD !== '1' && runsBrowserTests()) {
    renderer = mkdtempSync(path.join(tmpdir(), 'hvwb-renderer-'));
    const vite = path.resolve('node_modules/vite/bin/vite.js');
    execFileSync(process.execPath, [vite, 'build', '--config', 'src/renderer/vite.config.ts', '--outDir', renderer, '--logLevel', 'warn'], { stdio: 'inherit' });
    process.env.HVWB_RENDERER_DIR = renderer;
  }
  return () => {
    rmSync(home, { recursive: true, force: true });
    if (renderer) rmSync(renderer, { recursive: true, force: true });
  };
}

/** Whether this run may include a browser test: all files, or named ones under tests/e2e. */
function runsBrowserTests(): boolean {
  const named = process.argv.slice(2).filter((a) => a.startsWith('tests/') || a.endsWith('.test.ts'));
  return named.length === 0 || named.some((a) => a.includes('e2e'));
}
