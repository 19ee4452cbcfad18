/**
 * Builds the Node entry points (CLI, vCPU worker, server) once, so tests run the real worker code; and
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
  return () => rmSync(home, { recursive: true, force: true });
}
