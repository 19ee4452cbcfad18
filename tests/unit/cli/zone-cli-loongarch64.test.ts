/**
 * hvisor-tool's zone commands through `hvwb`, unchanged, against a headless run of the loongarch64 zones
 * demo (examples/loongarch64-zones on ls3a5000): the list in hvisor-tool's table, shutdown by -id, and a
 * start from the zone's JSON (hvwb loads the image at kernel_load_paddr and passes the 3056-byte
 * loongarch64 HvZoneConfig), after which zoneU runs from its entry again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hvwbWith as hvwb, startHeadlessRun, type HeadlessRun } from '../../helpers/cli';

const UP = /zoneU: CPU 0 up at pc/g;

describe('hvwb zone against a headless loongarch64 run', () => {
  let run: HeadlessRun;
  let control = '';

  beforeAll(async () => {
    run = await startHeadlessRun('examples/loongarch64-zones');
    control = run.control;
    // Booted once the root has started zoneU and both have gone quiet (the root waits for a key, zoneU
    // idles). Their lines share UART0 and may interleave, and the run prints whole lines only (the
    // prompt 'root> ' ends none), so no single text marks the end.
    const deadline = Date.now() + 60_000;
    let length = -1;
    let since = Date.now();
    for (;;) {
      const text = run.output();
      if (text.length !== length) [length, since] = [text.length, Date.now()];
      else if (text.includes('zone start zoneU') && Date.now() - since >= 1500) break;
      if (Date.now() > deadline) throw new Error(`the loongarch64 zones demo did not boot and go quiet in 60 s:\n${text.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 90_000);

  afterAll(() => {
    run?.stop();
  });

  it('lists, shuts down and starts loongarch64 zones as on the other architectures', async () => {
    const list = await hvwb({ HVWB_CONTROL: control }, 'zone', 'list');
    expect(list.stdout).toBe(
      [
        '|     zone_id     |       cpus        |      name       |     status |',
        '|               0 |                 0 | root-linux-la64 |    running |',
        '|               1 |                 1 |           zoneU |    running |',
        '',
      ].join('\n'),
    );
    expect((await hvwb({ HVWB_CONTROL: control }, 'zone', 'shutdown', '-id', '1')).code).toBe(0);
    expect((await hvwb({ HVWB_CONTROL: control }, 'zone', 'list')).stdout).not.toContain('zoneU');
    // Counted from here: at boot zoneU's first line may be interleaved with the root's (one UART); the
    // restart comes while the root waits for a key, so it prints alone.
    const from = run.output().length;
    const started = await hvwb({ HVWB_CONTROL: control }, 'zone', 'start', 'examples/loongarch64-zones/zone-u.json');
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain('zone 1 (zoneU) started on cpu 1');
    const deadline = Date.now() + 30_000;
    while ((run.output().slice(from).match(UP) ?? []).length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((run.output().slice(from).match(UP) ?? []).length).toBe(1);
    expect((await hvwb({ HVWB_CONTROL: control }, 'zone', 'list')).stdout).toContain('|               1 |                 1 |           zoneU |    running |');
  }, 120_000);
});
