/**
 * scripts/npm-deps.sh (run by the test command and the start command): `npm ci` runs on a fresh clone
 * and when package-lock.json changes, and not again when node_modules already matches the lock. A fake
 * `npm` first on PATH records what would have run.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

describe('npm dependencies are installed only when needed', () => {
  let dir: string;
  let log: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hvwb-npm-deps-'));
    mkdirSync(path.join(dir, 'scripts'));
    mkdirSync(path.join(dir, 'bin'));
    copyFileSync(path.join(repoRoot, 'scripts/npm-deps.sh'), path.join(dir, 'scripts/npm-deps.sh'));
    writeFileSync(path.join(dir, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {"": {}}}\n');
    log = path.join(dir, 'npm.log');
    // Like npm ci: records the call and creates node_modules.
    writeFileSync(path.join(dir, 'bin/npm'), `#!/bin/sh\necho "$*" >> "${log}"\nmkdir -p node_modules\n`);
    chmodSync(path.join(dir, 'bin/npm'), 0o755);
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (): string[] => {
    execFileSync('bash', ['scripts/npm-deps.sh'], { cwd: dir, env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}` } });
    return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  };

  it('runs npm ci on a fresh clone, then not again for the same lock', () => {
    expect(run()).toEqual(['ci --no-audit --no-fund']);
    expect(run()).toEqual(['ci --no-audit --no-fund']);
  });

  it('runs npm ci again when package-lock.json changes, whatever the file times say', () => {
    run();
    writeFileSync(path.join(dir, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {"": {"dependencies": {"ws": "^8"}}}}\n');
    expect(run()).toHaveLength(2);
  });

  it('runs npm ci when node_modules exists but was not installed from this lock (e.g. by hand)', () => {
    mkdirSync(path.join(dir, 'node_modules'));
    expect(run()).toEqual(['ci --no-audit --no-fund']);
  });
});
