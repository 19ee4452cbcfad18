/**
 * Cost of interrupt-timeline recording (core/cpu/irq-trace.ts): runs the zones demo
 * (examples/riscv64-zones: zoneR's 1 kHz timer, zoneU's 100 Hz timers and IPIs, zoneU hart 2 busy)
 * and compares the instructions retired per second by all harts with recording off and on, in
 * alternating windows so that host noise falls on both. Prints the figures and the slowdown.
 * Run: node scripts/build-node.mjs && npx rolldown bench/irq-trace.ts -o out/bench/irq-trace.mjs --platform node \
 *        && node out/bench/irq-trace.mjs [seconds-per-window=2] [rounds=4]
 */
import { loadLayout } from '../src/host/layout-loader';
import { MachineHost } from '../src/host/machine-host';
import { TimelineService } from '../src/host/timeline-service';

const windowSeconds = Number(process.argv[2] ?? 2);
const rounds = Number(process.argv[3] ?? 4);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const host = await MachineHost.create(await loadLayout('examples/riscv64-zones'));
  const timeline = new TimelineService(host, () => {});
  await host.start();
  // Warm-up: zoneU starts (by the root) and its hart 2 reaches its busy loop after ~3 s.
  await sleep(5000);
  const rates: Record<'off' | 'on', number[]> = { off: [], on: [] };
  let events = 0;
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      await timeline.invoke('timeline.record', { on: mode === 'on' });
      const before = host.retired();
      const start = performance.now();
      await sleep(windowSeconds * 1000);
      const rate = ((host.retired() - before) * 1000) / (performance.now() - start);
      rates[mode].push(rate);
      if (mode === 'on') {
        timeline.drain();
        events += timeline.history.events.length;
        await timeline.invoke('timeline.clear', {});
      }
      console.log(`round ${round + 1} recording ${mode.padEnd(3)} ${(rate / 1e6).toFixed(2)} MIPS`);
    }
  }
  await timeline.invoke('timeline.record', { on: false });
  const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / list.length;
  const off = mean(rates.off);
  const on = mean(rates.on);
  console.log(`recording off: ${(off / 1e6).toFixed(2)} MIPS (mean of ${rates.off.length} x ${windowSeconds} s)`);
  console.log(`recording on:  ${(on / 1e6).toFixed(2)} MIPS (mean of ${rates.on.length} x ${windowSeconds} s), ${Math.round(events / (rates.on.length * windowSeconds))} events/s`);
  console.log(`slowdown: ${(((off - on) / off) * 100).toFixed(1)} %`);
  timeline.dispose();
  await host.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
