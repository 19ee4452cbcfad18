/**
 * `hvwb virtio start <virtio_cfg.json>` against a headless run: the daemon starts for a zone whose
 * config has a virtio region, a second start is refused (hvisor-tool runs one daemon), and a device
 * outside the zone's virtio regions is refused with the file and field.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hvwbWith as hvwb, startHeadlessRun, type HeadlessRun } from '../../helpers/cli';

function device(addr: string): object {
  return { type: 'console', addr, len: '0x200', irq: 1, status: 'enable' };
}

describe('hvwb virtio start', () => {
  let run: HeadlessRun;
  let control = '';
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hvwb-virtio-'));
    cpSync('examples/riscv64-zones', dir, { recursive: true });
    const zoneR = JSON.parse(readFileSync(path.join(dir, 'zone-r.json'), 'utf8'));
    zoneR.memory_regions.push({ type: 'virtio', physical_start: '0x10001000', virtual_start: '0x10001000', size: '0x1000' });
    zoneR.interrupts = [1];
    zoneR.kernel_filepath = path.resolve('examples/riscv64-zones', zoneR.kernel_filepath);
    writeFileSync(path.join(dir, 'zone-r.json'), JSON.stringify(zoneR));
    const zoneU = JSON.parse(readFileSync(path.join(dir, 'zone-u.json'), 'utf8'));
    zoneU.kernel_filepath = path.resolve('examples/riscv64-zones', zoneU.kernel_filepath);
    writeFileSync(path.join(dir, 'zone-u.json'), JSON.stringify(zoneU));
    const layout = JSON.parse(readFileSync(path.join(dir, 'layout.json'), 'utf8'));
    layout.root.image = path.resolve('examples/riscv64-zones', layout.root.image);
    writeFileSync(path.join(dir, 'layout.json'), JSON.stringify(layout));
    const cfg = (addr: string) => JSON.stringify({ zones: [{ id: 2, memory_region: [{ zone0_ipa: '0x89000000', zonex_ipa: '0x89000000', size: '0x1000000' }], devices: [device(addr)] }] });
    writeFileSync(path.join(dir, 'virtio_cfg.json'), cfg('0x10001000'));
    writeFileSync(path.join(dir, 'virtio_bad.json'), cfg('0x10005000'));
    run = await startHeadlessRun(dir);
    control = run.control;
  }, 90_000);

  afterAll(() => {
    run?.stop();
  });

  it('refuses a device window outside the zone, naming the file and field', async () => {
    const r = await hvwb({ HVWB_CONTROL: control }, 'virtio', 'start', path.join(dir, 'virtio_bad.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('virtio_bad.json');
    expect(r.stderr).toContain('zones[0].devices[0]');
  });

  it('starts the daemon for the zone, and refuses a second one', async () => {
    const first = await hvwb({ HVWB_CONTROL: control }, 'virtio', 'start', path.join(dir, 'virtio_cfg.json'));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('virtio daemon serving 1 device');
    const second = await hvwb({ HVWB_CONTROL: control }, 'virtio', 'start', path.join(dir, 'virtio_cfg.json'));
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('already running');
  });
});
