/**
 * Deterministic mode's cost (docs/decisions/0025): the instruction rate of a layout in the normal mode
 * and in deterministic mode, alternating the two so that host load drifts hit both alike.
 * - the benchmark guest (bench/layouts/riscv64-mips, one hart, runs to power-off): MIPS = retired / time;
 * - the zones demo (examples/riscv64-zones, four harts): host seconds until zoneU prints ticks=400 (4 s of
 *   guest time; from 3 s on zoneU's second hart busy-loops, which deterministic mode must execute at its
 *   rate of 100 M instructions per guest second, while the normal mode's guest time is the host's).
 * Run: node scripts/build-node.mjs && npx rolldown bench/deterministic.ts -o out/bench/deterministic.mjs --platform node \
 *        && node out/bench/deterministic.mjs [runs=3]
 */
import { loadLayout } from '../src/host/layout-loader';
import { MachineHost } from '../src/host/machine-host';

const runs = Number(process.argv[2] ?? 3);

async function toPowerOff(deterministic: boolean): Promise<{ mips: number; seconds: number }> {
  console.error(`mips guest: ${deterministic ? 'deterministic' : 'normal'} run starts`);
  const host = await MachineHost.create(await loadLayout('bench/layouts/riscv64-mips'), deterministic ? { deterministic: {} } : {});
  const done = new Promise<void>((resolve) => host.on({ exit: () => resolve() }));
  const t0 = performance.now();
  await host.start();
  const timeout = new Promise<void>((_, reject) =>
    setTimeout(() => reject(new Error(`no power-off within 120 s (${deterministic ? `deterministic, round ${host.deterministic!.state.round}, turn ${host.deterministic!.state.turn()}` : 'normal'}, retired ${host.retired()})`)), 120_000).unref(),
  );
  await Promise.race([done, timeout]);
  const seconds = (performance.now() - t0) / 1000;
  const retired = host.retired();
  await host.stop();
  return { mips: retired / seconds / 1e6, seconds };
}

/** Host seconds from start until the zones demo prints `zoneU: hart 1 ticks=400` (4 s of guest time). */
async function zones(deterministic: boolean): Promise<{ seconds: number; mips: number }> {
  const host = await MachineHost.create(await loadLayout('examples/riscv64-zones'), deterministic ? { deterministic: {} } : {});
  let text = '';
  host.on({ output: (_zone, _name, bytes) => (text += Buffer.from(bytes).toString('latin1')) });
  const t0 = performance.now();
  await host.start();
  while (!text.includes('zoneU: hart 1 ticks=400')) await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - t0) / 1000;
  const retired = host.deterministic ? host.deterministic.state.retired : host.retired();
  await host.stop();
  return { seconds, mips: retired / seconds / 1e6 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number): string => n.toFixed(1);

const mipsNormal: number[] = [];
const mipsDet: number[] = [];
for (let i = 0; i < runs; i++) {
  const a = await toPowerOff(false);
  const b = await toPowerOff(true);
  mipsNormal.push(a.mips);
  mipsDet.push(b.mips);
  console.log(`mips guest run ${i + 1}: normal ${fmt(a.mips)} MIPS (${a.seconds.toFixed(2)} s), deterministic ${fmt(b.mips)} MIPS (${b.seconds.toFixed(2)} s)`);
}
console.log(`mips guest median: normal ${fmt(median(mipsNormal))} MIPS, deterministic ${fmt(median(mipsDet))} MIPS, slowdown ${(median(mipsNormal) / median(mipsDet)).toFixed(2)}x`);

const zNormal: number[] = [];
const zDet: number[] = [];
for (let i = 0; i < runs; i++) {
  const a = await zones(false);
  const b = await zones(true);
  zNormal.push(a.seconds);
  zDet.push(b.seconds);
  console.log(`zones run ${i + 1} (to zoneU's ticks=400, 4 s of guest time): normal ${a.seconds.toFixed(2)} s (${fmt(a.mips)} MIPS, 4 harts), deterministic ${b.seconds.toFixed(2)} s (${fmt(b.mips)} MIPS)`);
}
console.log(`zones median: normal ${median(zNormal).toFixed(2)} s, deterministic ${median(zDet).toFixed(2)} s, slowdown ${(median(zDet) / median(zNormal)).toFixed(2)}x`);
process.exit(0);
