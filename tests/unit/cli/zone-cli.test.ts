/**
 * hvisor-tool's zone commands through `hvwb`, against a headless run of the zones demo, and
 * `hvwb validate` on good and broken layouts.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hvwbWith as hvwb, startHeadlessRun, type HeadlessRun } from '../../helpers/cli';

describe('hvwb zone against a headless run', () => {
  let run: HeadlessRun;
  let control = '';

  beforeAll(async () => {
    run = await startHeadlessRun('examples/riscv64-zones');
    control = run.control;
    const deadline = Date.now() + 60_000;
    while (!run.output().includes('[zoneU] zoneU: hart 2 up') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  }, 90_000);

  afterAll(() => {
    run?.stop();
  });

  it('lists zones with the exact table hvisor-tool prints, and its exit status 1', async () => {
    const r = await hvwb({ HVWB_CONTROL: control }, 'zone', 'list');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        '|     zone_id     |       cpus        |      name       |     status |',
        '|               0 |                 0 |      root-linux |    running |',
        '|               2 |                 3 |           zoneR |    running |',
        '|               1 |              1, 2 |           zoneU |    running |',
        '',
      ].join('\n'),
    );
  });

  it('shuts a zone down with -id and refuses what hvisor refuses, with perror text', async () => {
    expect((await hvwb({ HVWB_CONTROL: control }, 'zone', 'shutdown', '-id', '1')).code).toBe(0);
    const list = await hvwb({ HVWB_CONTROL: control }, 'zone', 'list');
    expect(list.stdout).not.toContain('zoneU');
    const again = await hvwb({ HVWB_CONTROL: control }, 'zone', 'shutdown', '-id', '1');
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('zone_shutdown: ioctl failed: Invalid argument\n');
    const usage = await hvwb({ HVWB_CONTROL: control }, 'zone', 'shutdown', '1');
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('hvwb zone shutdown -id <zone_id>');
  });

  it('starts a zone from its JSON, and refuses one whose CPUs are taken', async () => {
    const started = await hvwb({ HVWB_CONTROL: control }, 'zone', 'start', 'examples/riscv64-zones/zone-u.json');
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain('zone 1 (zoneU) started on cpus 1, 2');
    const clash = await hvwb({ HVWB_CONTROL: control }, 'zone', 'start', 'examples/riscv64-zones/zone-u.json');
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('zone_start: ioctl failed: Invalid argument');
    const deadline = Date.now() + 20_000;
    while ((run.output().match(/\[zoneU\] zoneU: hart 1 up/g) ?? []).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((run.output().match(/\[zoneU\] zoneU: hart 1 up/g) ?? []).length).toBe(2);
  });
});

describe('hvwb validate', () => {
  it('accepts the zones demo with the expected warnings', async () => {
    const r = await hvwb({}, 'validate', 'examples/riscv64-zones');
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/0 errors, \d+ warnings?/);
  });

  it('names the file, field and both zones of a conflict, and exits 1', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-validate-'));
    cpSync('examples/riscv64-zones', dir, { recursive: true });
    const zoneR = JSON.parse(readFileSync(path.join(dir, 'zone-r.json'), 'utf8'));
    zoneR.cpus = [2];
    writeFileSync(path.join(dir, 'zone-r.json'), JSON.stringify(zoneR, null, 2));
    const layout = JSON.parse(readFileSync(path.join(dir, 'layout.json'), 'utf8'));
    for (const key of ['image']) layout.root[key] = path.resolve('examples/riscv64-zones', layout.root[key]);
    writeFileSync(path.join(dir, 'layout.json'), JSON.stringify(layout));
    const r = await hvwb({}, 'validate', dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(path.join(dir, 'zone-r.json'));
    expect(r.stdout).toMatch(/error: cpus.*2.*zoneU/);
  });
});
