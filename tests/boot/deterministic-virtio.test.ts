/**
 * Deterministic mode with virtio devices (decision 0025): examples/aarch64-zones, where zoneU and zoneR
 * print on virtio consoles served by the management side's daemon (every character a QueueNotify, every
 * line a completion interrupt through hvisor's res_list). Two runs paused at the same round print the
 * same bytes on every console, zoneR's latency lines included, with the same instructions per CPU and
 * the same registers; a run with input to the root's PL011 and to zoneU's virtio console, recorded and
 * replayed, ends the same; a replay file whose virtio console input names a device the layout does not
 * have is refused before a machine exists. With the Linux images fetched: examples/riscv64-linux (two
 * Linux zones; zone 1 boots from a virtio console, a virtio-blk disk built from share/ and a virtio-net
 * port on the switch to the root) twice to the same round after zone 1's init is up: the same consoles,
 * instruction counts and registers, so every disk completion and frame landed at the same instruction.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { MachineHost } from '../../src/host/machine-host';
import { expectSameRun, roundsFor, runUntilPaused, stopCurrent, waitFor } from '../helpers/deterministic-run';

const ZONES = 'examples/aarch64-zones';
/** 2.2 s of guest time: zoneR reports twice, zoneU's CPUs tick 200 times. */
const ROUNDS = roundsFor(2.2);
const ZONE_U = 1;

afterEach(stopCurrent);

describe('deterministic mode with virtio consoles (aarch64-zones)', () => {
  it('two runs print byte-identical consoles through the virtio daemon, with the same instructions per CPU and registers', async () => {
    const first = await runUntilPaused(ZONES, { pauseAtRound: ROUNDS });
    const second = await runUntilPaused(ZONES, { pauseAtRound: ROUNDS });
    console.log(`aarch64-zones deterministic to round ${first.round}: ${first.hostMs} ms and ${second.hostMs} ms of host time; retired ${first.retired.join(', ')}`);
    expect(first.logs.some((l) => l.startsWith('virtio daemon serving 2 devices'))).toBe(true);
    expect(first.consoles.zoneR?.match(/latency min=\d+ mean=\d+ max=\d+ ticks\r*\n/g)?.length).toBe(2);
    expect(first.consoles.zoneU).toContain('zoneU: CPU 2 ticks=200 sgis=200');
    expect(first.retired.every((n) => n > 0)).toBe(true);
    expectSameRun(first, second);
  }, 600_000);

  it('input to the PL011 and to a virtio console, recorded and replayed, ends with the same consoles, counts and registers', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'hvwb-replay-virtio-')), 'zones.replay');
    const recorded = await runUntilPaused(ZONES, { record: file }, async (host, consoles) => {
      await waitFor(consoles, 'root-linux', 'root> ', 300_000);
      host.input(Buffer.from('l'));
      await waitFor(consoles, 'root-linux', 'root> l', 300_000);
      host.input(Buffer.from('virtio\r'), ZONE_U);
      await waitFor(consoles, 'zoneR', 'latency min=', 300_000);
      host.pause();
    });
    const events = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { kind: string; zone?: number; device?: string });
    const inputs = events.filter((e) => e.kind === 'input');
    expect(inputs.map((e) => [e.zone, e.device])).toEqual([[0, undefined], [ZONE_U, 'virtio-console@0xa003800']]);
    const replayed = await runUntilPaused(ZONES, { replay: file }, async (host) => {
      host.input(Buffer.from('x')); // live input is ignored while replaying
    });
    expect(replayed.logs.filter((l) => l.includes('diverged'))).toEqual([]);
    expect(replayed.round).toBe(recorded.round);
    expect(replayed.retired).toEqual(recorded.retired);
    expect(replayed.consoles).toEqual(recorded.consoles);
    expect(replayed.registers).toEqual(recorded.registers);
    expect(recorded.consoles['root-linux']).toContain('root> l');

    // The same recording with zoneU's console input aimed at a device the layout does not have.
    const edited = path.join(path.dirname(file), 'edited.replay');
    writeFileSync(edited, readFileSync(file, 'utf8').replace('virtio-console@0xa003800', 'virtio-console@0xa003a00'));
    const line = readFileSync(edited, 'utf8').split('\n').findIndex((l) => l.includes('0xa003a00')) + 1;
    const attempt = loadLayout(ZONES).then((loaded) => MachineHost.create(loaded, { deterministic: { replay: edited } }));
    await expect(attempt).rejects.toThrow(
      `${edited}:${line}: the recording typed into zone 1's virtio-console@0xa003a00, but ${path.resolve(ZONES, 'virtio_cfg.json')} gives no such device (zone 1 has virtio-console@0xa003800)`,
    );
  }, 600_000);

  it('zone shutdown and start from outside are applied in the management turn, recorded and replayed', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'hvwb-replay-zones-')), 'zones.replay');
    const results: string[] = [];
    const recorded = await runUntilPaused(ZONES, { record: file }, async (host, consoles) => {
      await waitFor(consoles, 'zoneU', 'zoneU: CPU 1 ticks=100', 300_000);
      const down = await host.requestShutdown(ZONE_U);
      results.push(down.message);
      const up = await host.startZone(path.resolve(ZONES, 'zone-u.json'));
      results.push(up.message);
      // The restarted zoneU brings its second CPU up again (PSCI CPU_ON) and prints from both.
      const end = Date.now() + 300_000;
      while ((consoles.zoneU ?? '').split('zoneU: CPU 2 up').length < 3) {
        if (Date.now() > end) throw new Error(`zoneU did not come up again:\n${consoles.zoneU ?? ''}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      host.pause();
    });
    // The shutdown took zoneU's two CPUs out at once (they wait between turns), not after hvisor's 2 s wait.
    expect(results[0]).toBe('zone 1 shut down');
    expect(results[1]).toMatch(/zone 1 \(zoneU\) started/);
    expect(recorded.consoles.zoneU!.split('zoneU: CPU 1 up').length).toBe(3);
    const kinds = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => (JSON.parse(l) as { kind: string }).kind);
    expect(kinds.filter((k) => k.startsWith('zone-'))).toEqual(['zone-shutdown', 'zone-start']);
    const replayed = await runUntilPaused(ZONES, { replay: file });
    expect(replayed.logs.filter((l) => l.includes('diverged'))).toEqual([]);
    expect(replayed.logs.some((l) => l.includes(': zone shutdown 1 -> 0 (zone 1 shut down)'))).toBe(true);
    expect(replayed.round).toBe(recorded.round);
    expect(replayed.retired).toEqual(recorded.retired);
    expect(replayed.consoles).toEqual(recorded.consoles);
    expect(replayed.registers).toEqual(recorded.registers);
  }, 600_000);

  const linuxImages = 'examples/riscv64-linux-root/images';
  const haveLinux = existsSync(path.join(linuxImages, 'Image')) && existsSync(path.join(linuxImages, 'initramfs.cpio.gz'));
  if (!haveLinux) console.warn(`riscv64-linux deterministic test skipped: no Linux images in ${linuxImages}; run bash scripts/fetch-guest-images.sh`);
  // Zone 1's init reports ready between 13 and 17 s of guest time (16.6 s with turns of 10,000
  // instructions, 5.4 G instructions). The pause compares the runs there; every disk request of zone
  // 1's boot (the partition scan, init's look at vda) and the frames of eth0's setup came before it.
  it.skipIf(!haveLinux)('riscv64-linux (virtio-blk, -console, -net between two Linux zones) twice to 17 s of guest time: the same consoles, counts and registers', async () => {
    const first = await runUntilPaused('examples/riscv64-linux', { pauseAtRound: roundsFor(17) });
    const second = await runUntilPaused('examples/riscv64-linux', { pauseAtRound: roundsFor(17) });
    console.log(`riscv64-linux deterministic to round ${first.round}: ${first.hostMs} ms and ${second.hostMs} ms of host time; retired ${first.retired.join(', ')}`);
    expect(first.consoles.linux1).toContain('vda');
    expect(first.consoles.linux1).toContain('hvwb-init: ready');
    expect(first.consoles.linux1).toContain('hvwb-init: disk vda');
    // The root is still loading its modules there (its init reports ready later).
    expect(first.consoles['root-linux']).toContain('hvwb-init: starting');
    expectSameRun(first, second);
  }, 1_800_000);
});
