/**
 * Deterministic mode and record/replay (decision 0025) on the zones demo: four vCPU threads taking turns,
 * time from retired instructions. Two runs paused at the same round must have printed the same bytes in
 * every console (zoneR's latency lines included, which in the normal mode follow the host's load), with
 * the same instruction counts per CPU; a run with typed console input, recorded and replayed, must end
 * with the same consoles and the same registers on every CPU; a replay file of another layout is
 * refused before a machine exists.
 */
import { mkdtempSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { MachineHost } from '../../src/host/machine-host';
import { current, expectSameRun, roundsFor, runUntilPaused, stopCurrent, waitFor } from '../helpers/deterministic-run';

const ZONES = 'examples/riscv64-zones';
/** 2.2 s of guest time: zoneR reports twice. */
const ROUNDS = roundsFor(2.2);

afterEach(stopCurrent);

describe('deterministic mode', () => {
  it('two runs of the zones demo print byte-identical consoles, latency lines included, with the same instruction counts', async () => {
    const first = await runUntilPaused(ZONES, { pauseAtRound: ROUNDS });
    const second = await runUntilPaused(ZONES, { pauseAtRound: ROUNDS });
    expect(first.consoles.zoneR?.match(/latency min=\d+ mean=\d+ max=\d+ ticks\r*\n/g)?.length).toBe(2);
    expect(first.consoles['root-linux']).toContain('zoneU |    running |');
    expect(first.consoles.zoneU).toMatch(/zoneU: hart 1 ticks=200 ipis=\d+/);
    expect(first.retired.every((n) => n > 0)).toBe(true);
    expectSameRun(first, second);
  }, 600_000);

  it('a run with typed console input, recorded and replayed, ends with the same consoles and registers on every CPU', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-replay-'));
    const file = path.join(dir, 'zones.replay');
    const recorded = await runUntilPaused(ZONES, { record: file }, async (host, consoles) => {
      await waitFor(consoles, 'root-linux', 'root> ', 300_000);
      host.input(Buffer.from('l'));
      await waitFor(consoles, 'root-linux', 'root> l', 300_000);
      await waitFor(consoles, 'zoneR', 'latency min=', 300_000);
      host.input(Buffer.from('h'));
      await waitFor(consoles, 'root-linux', 'root> h', 300_000);
      host.pause();
    });
    const events = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
    expect(events.filter((e) => e.kind === 'input').length).toBe(2);
    expect(events.some((e) => e.kind === 'pause')).toBe(true);
    const replayed = await runUntilPaused(ZONES, { replay: file }, async (host) => {
      host.input(Buffer.from('x')); // live input is ignored while replaying
    });
    expect(replayed.logs.filter((l) => l.includes('diverged'))).toEqual([]);
    expect(replayed.round).toBe(recorded.round);
    expect(replayed.retired).toEqual(recorded.retired);
    expect(replayed.consoles).toEqual(recorded.consoles);
    expect(replayed.registers).toEqual(recorded.registers);
    expect(recorded.registers.length).toBe(3);
  }, 600_000);

  // The other ISAs: four CPUs started by PSCI / IPI that print concurrently, then an echo of typed input.
  for (const [layout, cpuWord, root] of [['examples/aarch64-hello', 'aarch64', 'root-linux'], ['examples/loongarch64-hello', 'loongarch64', 'root']] as const) {
    it(`${layout}: two runs print the same, and typed input recorded and replayed ends with the same registers`, async () => {
      const first = await runUntilPaused(layout, { pauseAtRound: roundsFor(0.4) });
      const second = await runUntilPaused(layout, { pauseAtRound: roundsFor(0.4) });
      expect(first.consoles[root]).toContain(`Hello from ${cpuWord} CPU 3`);
      expect(second.consoles).toEqual(first.consoles);
      expect(second.retired).toEqual(first.retired);
      expect(second.registers).toEqual(first.registers);
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'hvwb-replay-')), 'echo.replay');
      const recorded = await runUntilPaused(layout, { record: file }, async (host, consoles) => {
        await waitFor(consoles, root, 'echo> ', 120_000);
        host.input(Buffer.from('deterministic\r'));
        await waitFor(consoles, root, 'deterministic', 120_000);
        host.pause();
      });
      const replayed = await runUntilPaused(layout, { replay: file });
      expect(replayed.logs.filter((l) => l.includes('diverged'))).toEqual([]);
      expect(replayed.consoles).toEqual(recorded.consoles);
      expect(replayed.retired).toEqual(recorded.retired);
      expect(replayed.registers).toEqual(recorded.registers);
    }, 300_000);
  }

  it('machine mode with one firmware CPU on a four-hart board (isa-interrupts: timer interrupts on time) runs to its power-off, the same twice', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-det-m-'));
    writeFileSync(path.join(dir, 'layout.json'), JSON.stringify({ name: 'det-m', board: 'qemu-plic', root: { image: path.resolve('guest/riscv64/bin/isa-interrupts.elf'), mode: 'machine', cpus: [0] } }));
    const run = async (): Promise<{ text: string; retired: number; ticks: number }> => {
      const host = await MachineHost.create(await loadLayout(dir), { deterministic: {} });
      current.host = host;
      let text = '';
      const exited = new Promise<string>((resolve) => host.on({ output: (_z, _n, b) => (text += Buffer.from(b).toString('latin1')), exit: (kind) => resolve(kind) }));
      await host.start();
      expect(await exited).toBe('poweroff');
      // The count and the clock once the CPU has left: the exit is noticed by the management thread's
      // pump, which may run before the CPU has published its last slice's count (4,506 against 4,665
      // once under load) or closed the round of its power-off (one round, 4,000 ticks, apart).
      await host.stop();
      current.host = undefined;
      return { text, retired: host.retired(), ticks: host.deterministic!.state.roundTicks };
    };
    const first = await run();
    const second = await run();
    expect(first.text).toContain('PASS');
    expect(first.retired).toBeGreaterThan(0);
    expect(second).toEqual(first);
  }, 120_000);

  it('a replay file recorded on another layout is refused with one message naming the file and what differs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-replay-bad-'));
    cpSync(ZONES, dir, { recursive: true });
    const layoutFile = path.join(dir, 'layout.json');
    const doc = JSON.parse(readFileSync(layoutFile, 'utf8')) as { root: { image: string } };
    doc.root.image = path.resolve(ZONES, doc.root.image);
    writeFileSync(layoutFile, JSON.stringify(doc, null, 2));
    const file = path.join(dir, 'run.replay');
    const host = await MachineHost.create(await loadLayout(dir), { deterministic: { record: file } });
    await host.stop();
    const zoneR = path.join(dir, 'zone-r.json');
    writeFileSync(zoneR, readFileSync(zoneR, 'utf8').replace('"zoneR"', '"zoneQ"'));
    const attempt = loadLayout(dir).then((loaded) => MachineHost.create(loaded, { deterministic: { replay: file } }));
    await expect(attempt).rejects.toThrow(`${file}: recorded for layout 'riscv64-zones'`);
    await expect(attempt).rejects.toThrow(/zone-r\.json differs \(recorded [0-9a-f]{12}, now [0-9a-f]{12}\)/);
    writeFileSync(file, '{"format":"hvwb-replay","version":7}\n');
    await expect(loadLayout(dir).then((loaded) => MachineHost.create(loaded, { deterministic: { replay: file } }))).rejects.toThrow(`${file}: replay format version 7, this workbench reads version 1`);
  }, 120_000);
});
