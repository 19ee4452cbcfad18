/**
 * Worst kick time under a malicious guest, behind docs/decisions/0004-virtio-hostile-guest-bounds.md.
 * A guest drives the virtio devices through its memory the way the daemon serves them (a write of
 * QueueNotify to the transport, on the daemon's thread) with the most expensive rings the bounds
 * still allow: maximum-length chains, 64 KiB console writes, 65550-byte frames, loops, huge indirect
 * tables, a ring refilled while the device works, and a whole daemon turn of such kicks. It prints,
 * per attack, the median and worst time the daemon's thread spent in one kick (or one turn).
 * Run: npx rolldown bench/virtio-hostile.ts -o /tmp/virtio-hostile.mjs --platform node && node /tmp/virtio-hostile.mjs [rounds=30]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { ZoneGuestMemory } from '../src/core/virtio/guest-memory';
import { type BlockBackend, BlkRequestType, VirtioBlk } from '../src/core/virtio/virtio-blk';
import { BRIDGE_PAGE_BYTES, VirtioBridgeProducer } from '../src/core/virtio/virtio-bridge';
import { CONSOLE_MAX_REQUEST_BYTES, ConsoleQueue, VirtioConsole } from '../src/core/virtio/virtio-console';
import { Reg, Status, type VirtioDeviceModel, VirtioMmio } from '../src/core/virtio/virtio-mmio';
import { NET_HEADER_BYTES, NET_MAX_FRAME_BYTES, VirtioNet } from '../src/core/virtio/virtio-net';
import { DescFlag } from '../src/core/virtio/virtqueue';
import { EthernetSwitch } from '../src/host/virtio/ethernet-switch';
import { PcapWriter } from '../src/host/virtio/pcap-writer';
import { VirtioDaemon } from '../src/host/virtio/virtio-daemon';

const rounds = Number(process.argv[2] ?? 30);
const GPA = 0x4000_0000;
const ZONE_BYTES = 64 << 20;

/** A zone's RAM, identity-placed at the start of root RAM, and a bump allocator over it. */
class Ram {
  readonly u8 = new Uint8Array(ZONE_BYTES);
  readonly memory = new ZoneGuestMemory([{ zone0Ipa: GPA, zonexIpa: GPA, size: ZONE_BYTES }], { base: GPA, u8: this.u8 });
  private next = GPA + 0x1000;
  alloc(bytes: number, align = 16): number {
    this.next = Math.ceil(this.next / align) * align;
    const at = this.next;
    this.next += bytes;
    if (this.next > GPA + ZONE_BYTES) throw new Error('bench zone out of memory');
    return at;
  }
  view(gpa: number, bytes: number): DataView {
    return new DataView(this.u8.buffer, gpa - GPA, bytes);
  }
}

/** One split queue as a driver lays it out. */
class Ring {
  readonly desc: number;
  readonly avail: number;
  private availIdx = 0;
  constructor(private readonly ram: Ram, readonly index: number, readonly size: number, readonly mmio: { write(o: number, s: 4, v: number): void }) {
    this.desc = ram.alloc(16 * size);
    this.avail = ram.alloc(6 + 2 * size, 2);
    const used = ram.alloc(6 + 8 * size, 4);
    mmio.write(Reg.queueSel, 4, index);
    mmio.write(Reg.queueNum, 4, size);
    mmio.write(Reg.queueDescLow, 4, this.desc);
    mmio.write(Reg.queueDriverLow, 4, this.avail);
    mmio.write(Reg.queueDeviceLow, 4, used);
    mmio.write(Reg.queueReady, 4, 1);
  }
  write(table: number, i: number, addr: number, len: number, flags: number, next = 0): void {
    const v = this.ram.view(table + 16 * i, 16);
    v.setBigUint64(0, BigInt(addr), true);
    v.setUint32(8, len, true);
    v.setUint16(12, flags, true);
    v.setUint16(14, next, true);
  }
  /** A chain through an indirect table at head `head`: readable lengths, then writable ones. */
  indirect(head: number, readable: readonly number[], writable: readonly number[], buffer: number): void {
    const lengths = [...readable, ...writable];
    const table = this.ram.alloc(16 * lengths.length);
    lengths.forEach((len, i) => this.write(table, i, buffer, len, (i >= readable.length ? DescFlag.write : 0) | (i + 1 < lengths.length ? DescFlag.next : 0), i + 1));
    this.write(this.desc, head, table, 16 * lengths.length, DescFlag.indirect);
  }
  offer(heads: Iterable<number>): void {
    const v = this.ram.view(this.avail, 4 + 2 * this.size);
    for (const head of heads) {
      v.setUint16(4 + 2 * (this.availIdx % this.size), head, true);
      this.availIdx = (this.availIdx + 1) & 0xffff;
    }
    v.setUint16(2, this.availIdx, true);
  }
  kick(): Timing {
    return timed(() => this.mmio.write(Reg.queueNotify, 4, this.index));
  }
}

function device(model: VirtioDeviceModel, ram: Ram, sizes: readonly number[]): { mmio: VirtioMmio; rings: Ring[] } {
  const mmio = new VirtioMmio(model, { zone: 1, name: `${model.kind}@bench`, memory: ram.memory, raiseIrq: () => undefined });
  mmio.write(Reg.status, 4, Status.acknowledge | Status.driver);
  mmio.write(Reg.driverFeaturesSel, 4, 1);
  mmio.write(Reg.driverFeatures, 4, Number(mmio.offered >> 32n));
  mmio.write(Reg.driverFeaturesSel, 4, 0);
  mmio.write(Reg.driverFeatures, 4, Number(mmio.offered & 0xffff_ffffn));
  mmio.write(Reg.status, 4, Status.acknowledge | Status.driver | Status.featuresOk);
  const rings = sizes.map((size, i) => new Ring(ram, i, size, mmio));
  mmio.write(Reg.status, 4, Status.acknowledge | Status.driver | Status.featuresOk | Status.driverOk);
  return { mmio, rings };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Wall-clock and CPU milliseconds of one call: on a loaded machine the wall clock includes time descheduled. */
interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

function timed(run: () => unknown): Timing {
  const cpu = process.cpuUsage();
  const start = performance.now();
  run();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

/** A kick and the turns it deferred, each timed: what the daemon's thread spends before it can yield. */
function kickAndTurns(ring: Ring, mmio: VirtioMmio, times: Timing[]): void {
  times.push(ring.kick());
  while (mmio.hasDeferredWork) times.push(timed(() => mmio.serviceDeferred()));
}
const results: { attack: string; median: number; p95: number; worst: number; cpuWorst: number; note: string }[] = [];

function record(attack: string, times: Timing[], note: string): void {
  const wall = times.map((t) => t.wall).sort((a, b) => a - b);
  const at = (q: number): number => wall[Math.min(wall.length - 1, Math.floor(q * wall.length))]!;
  results.push({ attack, median: at(0.5), p95: at(0.95), worst: wall.at(-1)!, cpuWorst: Math.max(...times.map((t) => t.cpu)), note });
}

class MemoryDisk implements BlockBackend {
  readonly readOnly = false;
  readonly data = new Uint8Array(1 << 20);
  get size(): number {
    return this.data.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.data.subarray(offset, offset + length);
  }
  async write(): Promise<void> {}
  async flush(): Promise<void> {}
}

async function blkLongestChains(): Promise<void> {
  const ram = new Ram();
  const blk = new VirtioBlk(new MemoryDisk());
  const { mmio, rings: [q] } = device(blk, ram, [512]);
  // Every descriptor points at one zeroed buffer, whose first 16 bytes read as "IN, sector 0".
  const buffer = ram.alloc(512);
  ram.view(buffer, 16).setUint32(0, BlkRequestType.in, true);
  // 512 heads, each an indirect table of 512 entries: header, 510 data segments, status.
  for (const head of range(512)) q!.indirect(head, [16], [...range(510).map(() => 512), 1], buffer);
  const times: Timing[] = [];
  for (let r = 0; r < rounds; r++) {
    q!.offer(range(512));
    kickAndTurns(q!, mmio, times);
    await blk.whenIdle();
  }
  if (mmio.fault) throw new Error(mmio.fault.message);
  record('blk: 512 chains x 512 descriptors (262,144 descriptors)', times, `per turn (${(times.length / rounds).toFixed(0)} turns a queue); the I/O runs later, off the turn`);
}

function blkLoop(): void {
  const times: Timing[] = [];
  for (let r = 0; r < rounds; r++) {
    const ram = new Ram();
    const { rings: [q] } = device(new VirtioBlk(new MemoryDisk()), ram, [512]);
    const buffer = ram.alloc(16);
    for (const i of range(512)) q!.write(q!.desc, i, buffer, 16, DescFlag.next, (i + 1) % 512);
    q!.offer([0]);
    times.push(q!.kick());
  }
  record('blk: a chain looping through all 512 descriptors', times, 'device error after 512 steps');
}

/** Before the bound, HEAD walked such a table entry by entry: 1.1-1.4 s for the 48 MiB one here. */
function hugeIndirect(bytes: number, label: string): void {
  const times: Timing[] = [];
  const ram = new Ram();
  const table = ram.alloc(48 << 20);
  for (let r = 0; r < rounds; r++) {
    const { mmio, rings: [, tx] } = device(new VirtioConsole({ output: () => undefined }), ram, [64, 64]);
    tx!.write(tx!.desc, 0, table, bytes, DescFlag.indirect);
    tx!.offer([0]);
    times.push(tx!.kick());
    if (!mmio.fault) throw new Error('the table was taken');
  }
  record(`console: an indirect table of ${label}`, times, 'device error from the length alone');
}

function consoleLargest(split: boolean): void {
  const ram = new Ram();
  let bytes = 0;
  const { mmio, rings: [, tx] } = device(new VirtioConsole({ output: (b) => void (bytes += b.length) }), ram, [64, 64]);
  const buffer = ram.alloc(CONSOLE_MAX_REQUEST_BYTES);
  for (const head of range(64)) {
    if (split) tx!.indirect(head, range(64).map(() => CONSOLE_MAX_REQUEST_BYTES / 64), [], buffer);
    else tx!.write(tx!.desc, head, buffer, CONSOLE_MAX_REQUEST_BYTES, 0);
  }
  const times: Timing[] = [];
  for (let r = 0; r < rounds; r++) {
    tx!.offer(range(64));
    kickAndTurns(tx!, mmio, times);
  }
  if (mmio.fault) throw new Error(mmio.fault.message);
  record(`console: 64 writes of 64 KiB${split ? ', each in 64 descriptors' : ''}`, times, `${(bytes / rounds / 1048576).toFixed(0)} MiB to the terminal per kick`);
}

function consoleRefilled(): void {
  const ram = new Ram();
  let tx: Ring | undefined;
  const model = new VirtioConsole({ output: () => tx!.offer([0]) });
  const { mmio, rings } = device(model, ram, [64, 64]);
  tx = rings[1]!;
  tx.write(tx.desc, 0, ram.alloc(CONSOLE_MAX_REQUEST_BYTES), CONSOLE_MAX_REQUEST_BYTES, 0);
  const times: Timing[] = [];
  tx.offer([0]);
  for (let r = 0; r < rounds; r++) times.push(r === 0 ? tx.kick() : timed(() => mmio.serviceDeferred()));
  record('console: ring refilled while the device works', times, 'one queue (64 x 64 KiB) per turn, the rest deferred');
}

function netLargest(): void {
  const ram = new Ram();
  const sw = new EthernetSwitch();
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-bench-'));
  const capture = new PcapWriter(path.join(dir, 'bench.pcap'));
  sw.tap((frame) => capture.write(frame));
  const attacker = new VirtioNet([2, 0, 0, 0, 1, 1]);
  const victim = new VirtioNet([2, 0, 0, 0, 2, 1]);
  sw.connect('victim', victim);
  attacker.connect(sw.connect('attacker', attacker));
  const { mmio, rings: [, tx] } = device(attacker, ram, [256, 256]);
  device(victim, new Ram(), [256, 256]);
  const buffer = ram.alloc(1024);
  // Every descriptor points at this buffer, so each frame starts with its first bytes: broadcast.
  ram.u8.fill(0xff, buffer - GPA, buffer - GPA + 6);
  // 12-byte header, then 65550 bytes in 255 descriptors: 254 x 257 + 272.
  for (const head of range(256)) tx!.indirect(head, [NET_HEADER_BYTES, ...range(254).map(() => 257), NET_MAX_FRAME_BYTES - 254 * 257], [], buffer);
  const times: Timing[] = [];
  for (let r = 0; r < rounds; r++) {
    tx!.offer(range(256));
    kickAndTurns(tx!, mmio, times);
  }
  if (mmio.fault) throw new Error(mmio.fault.message);
  record('net: 256 broadcast frames of 65550 bytes, each in 256 descriptors', times, `per turn (${(times.length / rounds).toFixed(0)} turns a queue), into a switch, a second zone's backlog and a pcap file (${capture.dropped} frames left out of the capture)`);
  void capture.close().then(() => rmSync(dir, { recursive: true, force: true }));
}

/** A whole daemon turn: vCPUs keep the bridge full of kicks and refill the console ring before each. */
async function daemonTurn(): Promise<void> {
  const ram = new Ram();
  const region = { buffer: new SharedArrayBuffer(BRIDGE_PAGE_BYTES), byteOffset: 0, byteLength: BRIDGE_PAGE_BYTES };
  const base = 0x1000_6000;
  const daemon = await VirtioDaemon.create({
    config: {
      source: 'bench',
      zones: [{
        zoneId: 1, path: 'zones[0]',
        memoryRegions: [{ zone0Ipa: GPA, zonexIpa: GPA, size: ZONE_BYTES, path: 'zones[0].memory_region[0]' }],
        devices: [{ type: 'console', enabled: true, addr: base, len: 0x200, irq: 6, path: 'zones[0].devices[0]' }],
      }],
    },
    bridge: region,
    ram: { base: GPA, u8: ram.u8 },
  });
  const transport = daemon.devices[0]!.transport;
  const access = { write: (offset: number, _size: 4, value: number) => transport.write(offset, 4, value) };
  transport.write(Reg.status, 4, Status.acknowledge | Status.driver);
  transport.write(Reg.driverFeaturesSel, 4, 1);
  transport.write(Reg.driverFeatures, 4, 1);
  transport.write(Reg.status, 4, Status.acknowledge | Status.driver | Status.featuresOk);
  new Ring(ram, ConsoleQueue.receive, 64, access);
  const tx = new Ring(ram, ConsoleQueue.transmit, 64, access);
  transport.write(Reg.status, 4, Status.acknowledge | Status.driver | Status.featuresOk | Status.driverOk);
  const buffer = ram.alloc(CONSOLE_MAX_REQUEST_BYTES);
  for (const head of range(64)) tx.write(tx.desc, head, buffer, CONSOLE_MAX_REQUEST_BYTES, 0);
  const producer = new VirtioBridgeProducer(region);
  const kick = { cpu: 1, zone: 1, address: base + Reg.queueNotify, size: 4, value: BigInt(ConsoleQueue.transmit), isWrite: true, needInterrupt: true };
  const handle = daemon.handle.bind(daemon);
  daemon.handle = (request) => {
    tx.offer(range(64));
    producer.submit(kick, { sliceMs: 0, abort: () => true });
    return handle(request);
  };
  for (let i = 0; i < 31; i++) producer.submit(kick);
  const times: Timing[] = [];
  let requests = 0;
  for (let r = 0; r < rounds; r++) times.push(timed(() => (requests += daemon.pump())));
  record('daemon: one turn, bridge always full of such console kicks', times, `${(requests / rounds).toFixed(1)} kicks per turn before the time budget ends it`);
  await daemon.stop();
}

async function main(): Promise<void> {
  console.log(`virtio under a hostile guest: ${rounds} rounds each, Node ${process.versions.node}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
  console.log('times are per kick or per deferred turn: wall-clock median / 95th percentile / worst, and the worst CPU time');
  await blkLongestChains();
  blkLoop();
  hugeIndirect(0xffff_fff0, '2^32 - 16 bytes');
  hugeIndirect(48 << 20, '48 MiB inside the zone');
  consoleLargest(false);
  consoleLargest(true);
  consoleRefilled();
  netLargest();
  await daemonTurn();
  const width = Math.max(...results.map((r) => r.attack.length));
  for (const r of results) {
    const ms = (n: number): string => n.toFixed(2).padStart(7);
    console.log(`${r.attack.padEnd(width)}  ${ms(r.median)} /${ms(r.p95)} /${ms(r.worst)} ms  cpu ${ms(r.cpuWorst)} ms  ${r.note}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
