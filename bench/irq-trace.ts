/**
 * Cost of timeline recording (the interrupt trace core/cpu/irq-trace.ts and, on zones, the hypervisor
 * trace core/hypervisor/hv-trace.ts, with the service draining both): runs the zones demo
 * (examples/riscv64-zones: zoneR's 1 kHz timer, zoneU's 100 Hz timers and IPIs, zoneU hart 2 busy)
 * and compares the instructions retired per second by all harts with recording off and on, in
 * alternating windows so that host noise falls on both. Prints the figures and the slowdown.
 * Run: node scripts/build-node.mjs && npx rolldown bench/irq-trace.ts -o out/bench/irq-trace.mjs --platform node \
 *        && node out/bench/irq-trace.mjs [seconds-per-window=2] [rounds=4]
 */
import { loadLayout } from '../src/host/layout-loader';
import { MachineHost } from '../src/host/machine-host';
import { TimelineService } from '../src/host/timeline-service';
import { alternate, report } from './lib/alternate';

const windowSeconds = Number(process.argv[2] ?? 2);
const rounds = Number(process.argv[3] ?? 4);

async function main(): Promise<void> {
  const host = await MachineHost.create(await loadLayout('examples/riscv64-zones'));
  const timeline = new TimelineService(host, () => {});
  await host.start();
  // Warm-up: zoneU starts (by the root) and its hart 2 reaches its busy loop after ~3 s.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const result = await alternate(
    host,
    {
      set: async (on) => void (await timeline.invoke('timeline.record', { on })),
      events: () => {
        timeline.drain();
        const count = timeline.history.events.length;
        void timeline.invoke('timeline.clear', {});
        return count;
      },
    },
    windowSeconds,
    rounds,
  );
  report('recording', result, windowSeconds, rounds);
  timeline.dispose();
  await host.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
