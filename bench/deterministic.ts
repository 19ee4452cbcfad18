/**
 * Deterministic mode's cost (docs/decisions/0025): the instruction rate of a layout in the normal mode
 * and in deterministic mode, alternating the two so that host load drifts hit both alike.
 * - the benchmark guest (bench/layouts/riscv64-mips, one hart, runs to power-off): MIPS = retired / time;
 * - the zones demo (examples/riscv64-zones, four harts): host seconds until zoneU prints ticks=400 (4 s of
 *   guest time; from 3 s on zoneU's second hart busy-loops, which deterministic mode must execute at its
 *   rate of 100 M instructions per guest second, while the normal mode's guest time is the host's).
 * - with virtio (`virtio` as the second argument, instead of the two above): examples/aarch64-zones (zoneU and
 *   zoneR print on virtio consoles the daemon serves), host seconds until zoneU prints `CPU 2 ticks=200`
 *   (2 s of guest time), and with `linux` examples/riscv64-linux (two Linux zones, zone 1 on a virtio
 *   console, a virtio-blk disk and virtio-net) until zone 1's init says ready.
 * Run: node scripts/build-node.mjs && npx rolldown bench/deterministic.ts -o out/bench/deterministic.mjs --platform node \
 *        && node out/bench/deterministic.mjs [runs=3] [virtio|linux]
 */
import { loadLayout } from '../src/host/layout-loader';
import { MachineHost } from '../src/host/machine-host';

const runs = Number(process.argv[2] ?? 3);
const workload = process.argv[3];

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

/** Host seconds from start until `zone`'s console shows `text`. */
async function until(layout: string, zone: string, text: string, deterministic: boolean): Promise<{ seconds: number; mips: number }> {
  const host = await MachineHost.create(await loadLayout(layout), deterministic ? { deterministic: {} } : {});
  let out = '';
  host.on({ output: (_zone, name, bytes) => void (name === zone && (out += Buffer.from(bytes).toString('latin1'))) });
  const t0 = performance.now();
  await host.start();
  while (!out.includes(text)) await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - t0) / 1000;
  const retired = host.deterministic ? host.deterministic.state.retired : host.retired();
  await host.stop();
  return { seconds, mips: retired / seconds / 1e6 };
}

if (workload === 'virtio' || workload === 'linux') {
  const [layout, zone, text] = workload === 'virtio' ? ['examples/aarch64-zones', 'zoneU', 'zoneU: CPU 2 ticks=200'] : ['examples/riscv64-linux', 'linux1', 'hvwb-init: ready'];
  const normal: number[] = [];
  const det: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = await until(layout, zone, text, false);
    const b = await until(layout, zone, text, true);
    normal.push(a.seconds);
    det.push(b.seconds);
    console.log(`${layout} run ${i + 1} (to ${zone}'s "${text}"): normal ${a.seconds.toFixed(2)} s (${fmt(a.mips)} MIPS), deterministic ${b.seconds.toFixed(2)} s (${fmt(b.mips)} MIPS)`);
  }
  console.log(`${layout} median: normal ${median(normal).toFixed(2)} s, deterministic ${median(det).toFixed(2)} s, slowdown ${(median(det) / median(normal)).toFixed(2)}x`);
  process.exit(0);
}

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
