/**
 * Snapshots from the command line: `hvwb run --snapshot FILE --snapshot-on ZONE:TEXT` saves once the zone
 * printed the text, `hvwb snapshot info` says what the file is of, `hvwb snapshot save` reaches a
 * headless run through its control socket, and `hvwb run --restore FILE` continues it (zoneR reports
 * again without the zones booting) or refuses another layout's snapshot with one message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hvwbWith, startHeadlessRun } from '../../helpers/cli';

const hvwb = (...argv: string[]) => hvwbWith({}, ...argv);
const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-snapshot-cli-'));
const file = path.join(dir, 'zones.hvsnap');

describe('hvwb snapshots', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saves once the zone printed the text, and says what the file is of', async () => {
    const r = await hvwb('run', 'examples/riscv64-zones', '--snapshot', file, '--snapshot-on', 'zoneR:latency min=', '--expect', 'zoneR:latency min=', '--expect', 'zoneR:deadline(s) missed', '--quiet', '--timeout', '120');
    expect(r.stdout).toMatch(/hvwb: snapshot saved to .*zones\.hvsnap: \d+\.\d MiB \(RAM 2048\.0 MiB, \d+\.\d MiB in non-zero pages\); the guest stood still \d+ ms/);
    const info = await hvwb('snapshot', 'info', file);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/layout riscv64-zones .*board qemu-plic \(riscv64\), 4 CPUs, RAM 2048\.0 MiB/);
    expect(info.stdout).toMatch(/zones\[1\] kernel_filepath: \.\.\/\.\.\/guest\/riscv64\/bin\/zones-r\.bin/);
  }, 180_000);

  it('continues the saved machine with --restore', async () => {
    const r = await hvwb('run', 'examples/riscv64-zones', '--restore', file, '--expect', 'zoneR:latency min=', '--timeout', '120');
    expect(r.stderr + r.stdout).toContain('all 1 expected text(s) seen');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('zoneR: hart 3 up');
  }, 180_000);

  it('refuses another layout\'s snapshot with one message', async () => {
    const r = await hvwb('run', 'examples/riscv64-hello', '--restore', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hvwb: .*zones\.hvsnap: the snapshot is of another layout \(riscv64-zones in .*\): it is of layout 'riscv64-zones', this is layout '[^']+'\n$/);
  }, 60_000);

  it('saves a headless run through its control socket', async () => {
    const run = await startHeadlessRun('examples/riscv64-zones');
    try {
      const target = path.join(dir, 'control.hvsnap');
      const r = await hvwbWith({ HVWB_CONTROL: run.control }, 'snapshot', 'save', target);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`snapshot saved to ${target}`);
      const refused = await hvwbWith({ HVWB_CONTROL: run.control }, 'snapshot', 'save', path.join(dir, 'notes.txt'));
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/notes\.txt: a snapshot file's name ends in \.hvsnap/);
    } finally {
      run.stop();
    }
  }, 120_000);
});
