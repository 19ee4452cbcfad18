/**
 * Cost of the hypervisor trace alone (core/hypervisor/hv-trace.ts: hypercalls, SBI/PSCI calls, trapped
 * MMIO, faults, IPIs, zone lifecycle) on a running layout: the instructions all CPUs retire per second
 * with the ring recording and not, in alternating windows; the ring is drained after each window
 * (the timeline service's work is not counted; bench/irq-trace.ts measures the whole timeline).
 * Issue 12's target: under 10 % when on; when off, each record site reads one word.
 * Run: node scripts/build-node.mjs && npx rolldown bench/hv-trace.ts -o out/bench/hv-trace.mjs --platform node \
 *        && node out/bench/hv-trace.mjs [layout=examples/riscv64-zones] [seconds-per-window=2] [rounds=4] [warm-up-seconds=5]
 */
import { HvEventKind, HvTrace, hvTraceBytes } from '../src/core/hypervisor/hv-trace';
import { loadLayout } from '../src/host/layout-loader';
import { MachineHost } from '../src/host/machine-host';
import { alternate, report } from './lib/alternate';

const layout = process.argv[2] ?? 'examples/riscv64-zones';
const windowSeconds = Number(process.argv[3] ?? 2);
const rounds = Number(process.argv[4] ?? 4);
const warmUp = Number(process.argv[5] ?? 5);

/** What one record costs the recording vCPU, in a tight loop (no other thread), and a read of the switch when off. */
function recordCost(): void {
  const buffer = new SharedArrayBuffer(hvTraceBytes());
  const trace = new HvTrace({ buffer, byteOffset: 0, byteLength: buffer.byteLength }, { now: () => performance.now() });
  const n = 1_000_000;
  let t0 = performance.now();
  let seen = 0;
  for (let i = 0; i < n; i++) if (trace.on) seen++;
  const offNs = ((performance.now() - t0) * 1e6) / n;
  trace.setEnabled(true);
  t0 = performance.now();
  for (let i = 0; i < n; i++) if (trace.on) trace.record(HvEventKind.sbi, 1, 2, 0x735049, i & 0xffff, BigInt(i), 2n, 0n, 0n);
  const onNs = ((performance.now() - t0) * 1e6) / n;
  console.log(`record cost: ${onNs.toFixed(0)} ns per record when on, ${offNs.toFixed(1)} ns per site when off (${n} x, ${seen} seen off)`);
}

async function main(): Promise<void> {
  recordCost();
  const host = await MachineHost.create(await loadLayout(layout));
  const trace = host.view.hvTrace;
  if (!trace) throw new Error('this machine has no hypervisor trace ring');
  await host.start();
  await new Promise((resolve) => setTimeout(resolve, warmUp * 1000));
  let lastCount = 0;
  const result = await alternate(
    host,
    {
      set(on) {
        trace.skipAll();
        trace.setEnabled(on);
      },
      events() {
        const { records, lost } = trace.drain();
        lastCount = records.length + lost;
        return lastCount;
      },
    },
    windowSeconds,
    rounds,
  );
  console.log(`layout ${layout}`);
  report('hypervisor trace', result, windowSeconds, rounds);
  await host.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
