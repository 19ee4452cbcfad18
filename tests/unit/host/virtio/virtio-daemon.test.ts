import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { BlkRequestType, BlkStatus } from '../../../../src/core/virtio/virtio-blk';
import { BRIDGE_ABORTED, BRIDGE_PAGE_BYTES, type BridgeResult, VirtioBridgeProducer } from '../../../../src/core/virtio/virtio-bridge';
import { Reg, type VirtioDeviceFault } from '../../../../src/core/virtio/virtio-mmio';
import { PUMP_BUDGET, REPORTS_PER_SECOND, VirtioDaemon, type VirtioDaemonOptions } from '../../../../src/host/virtio/virtio-daemon';
import type { VirtioConfigFile } from '../../../../src/shared/model/virtio-config';
import { FakeDriver, FakeGuestRam, type MmioAccessor, ROOT_RAM_BASE, ZONE_GPA, ZONE_ROOT_PA, ZONE_SIZE } from '../../core/virtio/fake-driver';
import { transpiledBridgeModule } from './bridge-module';

const CONSOLE = 0x1000_6000;
const BLK = 0x1000_6200;

function config(img: string): VirtioConfigFile {
  const device = { enabled: true, len: 0x200 };
  return {
    source: 'virtio_cfg.json',
    zones: [{
      zoneId: 1,
      path: 'zones[0]',
      memoryRegions: [{ zone0Ipa: ZONE_ROOT_PA, zonexIpa: ZONE_GPA, size: ZONE_SIZE, path: 'zones[0].memory_region[0]' }],
      devices: [
        { ...device, type: 'console', addr: CONSOLE, irq: 6, path: 'zones[0].devices[0]' },
        { ...device, type: 'blk', addr: BLK, irq: 7, img, path: 'zones[0].devices[1]' },
        { ...device, type: 'net', addr: 0x1000_6400, irq: 8, enabled: false, path: 'zones[0].devices[2]' },
      ],
    }],
  };
}

function image(sectors: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-daemon-'));
  const file = path.join(dir, 'disk.img');
  const bytes = Buffer.alloc(sectors * 512);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i >> 9) & 0xff;
  writeFileSync(file, bytes);
  return file;
}

async function setup(extra: Partial<VirtioDaemonOptions> = {}) {
  const ram = new FakeGuestRam();
  const region = { buffer: new SharedArrayBuffer(BRIDGE_PAGE_BYTES), byteOffset: 0, byteLength: BRIDGE_PAGE_BYTES };
  const console: string[] = [];
  const injected: BridgeResult[] = [];
  const img = image(16);
  const daemon: VirtioDaemon = await VirtioDaemon.create({
    config: config(img),
    bridge: region,
    ram: { base: ROOT_RAM_BASE, u8: ram.root },
    consoleOutput: (zone, bytes) => console.push(`${zone}:${String.fromCharCode(...bytes)}`),
    finishRequest: () => injected.push(...daemon.consumer.drainResults()),
    ...extra,
  });
  return { ram, region, daemon, console, injected, img };
}

/** A device window reached the way a zone's vCPU reaches it: a bridge request, then the daemon's answer. */
function bridgeAccessor(producer: VirtioBridgeProducer, daemon: VirtioDaemon, base: number): MmioAccessor {
  const access = (offset: number, size: number, value: number | undefined): number => {
    const isWrite = value !== undefined;
    const request = { cpu: 2, zone: 1, address: base + offset, size, value: BigInt(value ?? 0), isWrite, needInterrupt: isWrite && offset === Reg.queueNotify };
    const ticket = producer.submit(request);
    daemon.pump();
    if (request.needInterrupt) return 0;
    const answer = producer.waitAnswer(2, ticket, { sliceMs: 1, abort: () => true });
    if (answer.kind !== 'answered') throw new Error('no answer');
    return Number(answer.value);
  };
  return { read: (offset, size) => access(offset, size, undefined), write: (offset, size, value) => void access(offset, size, value) };
}

const daemons: VirtioDaemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
});

describe('VirtioDaemon', () => {
  it('dispatches by zone and window, answers 0 where no device is, and publishes mmio_addrs', async () => {
    const s = await setup();
    daemons.push(s.daemon);
    const producer = new VirtioBridgeProducer(s.region);
    const consoleWindow = bridgeAccessor(producer, s.daemon, CONSOLE);
    expect(consoleWindow.read(Reg.magic, 4)).toBe(0x74726976);
    expect(consoleWindow.read(Reg.deviceId, 4)).toBe(3);
    expect(bridgeAccessor(producer, s.daemon, BLK).read(Reg.deviceId, 4)).toBe(2);
    // The disabled net device and other zones' requests reach nothing.
    expect(bridgeAccessor(producer, s.daemon, 0x1000_6400).read(Reg.magic, 4)).toBe(0);
    const other = producer.submit({ cpu: 0, zone: 2, address: CONSOLE, size: 4, value: 0n, isWrite: false, needInterrupt: false });
    s.daemon.pump();
    expect(producer.waitAnswer(0, other)).toEqual({ kind: 'answered', value: 0n });
    expect(s.daemon.unmatched).toBe(2);
    expect(s.daemon.devices.map((d) => d.name)).toEqual(['virtio-console@0x10006000', 'virtio-blk@0x10006200']);
    expect(new DataView(s.region.buffer).getBigUint64(0x810 + 8, true)).toBe(BigInt(BLK));
  });

  it('serves a file-backed disk through the bridge and pushes the IRQ result on completion', async () => {
    const s = await setup();
    daemons.push(s.daemon);
    const producer = new VirtioBridgeProducer(s.region);
    const driver = new FakeDriver(s.ram, bridgeAccessor(producer, s.daemon, BLK)).init();
    expect(driver.mmio.read(Reg.config, 4)).toBe(16);
    const header = s.ram.alloc(16);
    s.ram.view(header, 16).setUint32(0, BlkRequestType.out, true);
    s.ram.view(header, 16).setBigUint64(8, 5n, true);
    const data = s.ram.alloc(512);
    s.ram.bytes(data, 512).fill(0xc3);
    const status = s.ram.alloc(1);
    driver.queue(0).submit([{ addr: header, len: 16 }, { addr: data, len: 512 }, { addr: status, len: 1, write: true }]);
    await s.daemon.whenIdle();
    expect(s.ram.bytes(status, 1)[0]).toBe(BlkStatus.ok);
    expect(s.injected).toEqual([{ zone: 1, irq: 7 }]);
    const file = readFileSync(s.img);
    expect(file.subarray(5 * 512, 6 * 512).every((x) => x === 0xc3)).toBe(true);
    expect(file.subarray(4 * 512, 5 * 512).every((x) => x === 4)).toBe(true);
    expect(file.length).toBe(16 * 512);
    expect(driver.ack()).toBe(1);
  });

  it('sends console output to the zone terminal and delivers typed input', async () => {
    const s = await setup();
    daemons.push(s.daemon);
    const producer = new VirtioBridgeProducer(s.region);
    const driver = new FakeDriver(s.ram, bridgeAccessor(producer, s.daemon, CONSOLE)).init({ queues: 2 });
    const line = s.ram.alloc(8);
    s.ram.put(line, [0x6f, 0x6b, 0x0a]);
    driver.queue(1).submit([{ addr: line, len: 3 }]);
    expect(s.console).toEqual(['1:ok\n']);
    const rx = s.ram.alloc(8);
    driver.queue(0).submit([{ addr: rx, len: 8, write: true }]);
    expect(s.daemon.consoleInput(1, Uint8Array.of(0x71))).toBe(true);
    expect(s.daemon.consoleInput(3, Uint8Array.of(0x71))).toBe(false);
    expect(s.ram.bytes(rx, 1)[0]).toBe(0x71);
    expect(s.injected.every((r) => r.zone === 1 && r.irq === 6)).toBe(true);
  });

  it('records device faults and resets a zone\'s devices on request', async () => {
    const s = await setup();
    daemons.push(s.daemon);
    const producer = new VirtioBridgeProducer(s.region);
    const driver = new FakeDriver(s.ram, bridgeAccessor(producer, s.daemon, CONSOLE)).init({ queues: 2 });
    driver.queue(1).submit([{ addr: 0x1000, len: 4 }]);
    expect(s.daemon.faults[0]).toMatchObject({ zone: 1, device: 'virtio-console@0x10006000', queue: 1, descriptor: 0, address: 0x1000 });
    s.daemon.resetZone(1);
    expect(driver.status).toBe(0);
  });

  it('refuses to start when an image is missing', async () => {
    const region = { buffer: new SharedArrayBuffer(BRIDGE_PAGE_BYTES), byteOffset: 0, byteLength: BRIDGE_PAGE_BYTES };
    await expect(VirtioDaemon.create({ config: config('/nonexistent/disk.img'), bridge: region, ram: { base: ROOT_RAM_BASE, u8: new Uint8Array(16) } })).rejects.toThrow(/ENOENT/);
  });
});

describe('VirtioDaemon under a hostile guest', () => {
  it('handles at most PUMP_BUDGET requests a turn while vCPUs keep pushing, and the rest in later turns', async () => {
    // A clock that stands still: only the request budget ends a turn, however busy the machine is.
    const s = await setup({ now: () => 0 });
    daemons.push(s.daemon);
    const producer = new VirtioBridgeProducer(s.region);
    const kick = { cpu: 1, zone: 1, address: CONSOLE + Reg.queueNotify, size: 4, value: 1n, isWrite: true, needInterrupt: true };
    const total = 20_000;
    let pushed = 0;
    const push = (): void => {
      if (pushed < total && producer.submit(kick, { sliceMs: 0, abort: () => true }) !== BRIDGE_ABORTED) pushed++;
    };
    // The guest's vCPUs run while the daemon drains: every request taken makes room for another kick.
    const handle = s.daemon.handle.bind(s.daemon);
    s.daemon.handle = (request) => {
      push();
      return handle(request);
    };
    for (let i = 0; i < 20; i++) push();
    expect(s.daemon.pump()).toBe(PUMP_BUDGET);
    expect(s.daemon.busy).toBe(true);
    let handled = PUMP_BUDGET;
    let turns = 1;
    while (s.daemon.busy) {
      const n = s.daemon.pump();
      expect(n).toBeLessThanOrEqual(PUMP_BUDGET);
      handled += n;
      turns++;
    }
    expect(handled).toBe(total);
    expect(turns).toBeGreaterThanOrEqual(total / PUMP_BUDGET);
  });

  it('keeps the event loop running while a guest kicks without pause', async () => {
    const s = await setup({ idleTimeoutMs: 5 });
    daemons.push(s.daemon);
    const producer = new VirtioBridgeProducer(s.region);
    const kick = { cpu: 1, zone: 1, address: CONSOLE + Reg.queueNotify, size: 4, value: 1n, isWrite: true, needInterrupt: true };
    let pushed = 0;
    const handle = s.daemon.handle.bind(s.daemon);
    s.daemon.handle = (request) => {
      if (pushed < 200_000 && producer.submit(kick, { sliceMs: 0, abort: () => true }) !== BRIDGE_ABORTED) pushed++;
      return handle(request);
    };
    producer.submit(kick);
    s.daemon.start();
    // A timer set now fires while the guest is still kicking: the daemon yields between turns.
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(pushed).toBeLessThan(200_000);
  });

  it('limits reports to REPORTS_PER_SECOND per device and says how many it left out', async () => {
    let now = 0;
    const reported: VirtioDeviceFault[] = [];
    const s = await setup({ now: () => now, onFault: (fault) => reported.push(fault) });
    daemons.push(s.daemon);
    const transport = s.daemon.devices[0]!.transport;
    // A guest that breaks its console and resets it, over and over.
    const breakIt = (): void => {
      const driver = new FakeDriver(s.ram, transport).init({ queues: 2 });
      driver.queue(1).submit([{ addr: 0x1000, len: 4 }]);
    };
    for (let i = 0; i < 200; i++) breakIt();
    expect(reported).toHaveLength(REPORTS_PER_SECOND);
    expect(s.daemon.suppressedReports).toBe(200 - REPORTS_PER_SECOND);
    expect(s.daemon.faults.length).toBeLessThanOrEqual(64);
    now += 1000;
    breakIt();
    expect(reported.slice(-2).map((f) => f.message)).toEqual([
      expect.stringMatching(/^zone 1 virtio-console@0x10006000: 190 more reports left out \(at most 10 a second\)$/),
      expect.stringMatching(/queue 1: descriptor 0: buffer 0x1000\+0x4 is outside the zone's memory/),
    ]);
  });
});

describe('virtio bridge across a worker thread', () => {
  it('a vCPU worker probes devices and the sleeping daemon on the main thread wakes and answers', async () => {
    const s = await setup();
    daemons.push(s.daemon);
    s.daemon.start();
    // Let the daemon reach its sleep (need_wakeup = 1) before the worker's first access.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.daemon.consumer.needWakeup).toBe(true);
    const stop = new SharedArrayBuffer(4);
    const worker = new Worker(new URL('../../../fixtures/virtio/bridge-worker.mjs', import.meta.url), {
      workerData: {
        bridgeModule: transpiledBridgeModule(),
        buffer: s.region.buffer,
        byteOffset: 0,
        cpu: 3,
        zone: 1,
        stop,
        accesses: [
          { address: CONSOLE + Reg.magic },
          { address: CONSOLE + Reg.version },
          { address: CONSOLE + Reg.deviceId },
          { address: CONSOLE + Reg.vendorId },
          { address: BLK + Reg.deviceId },
          { address: 0x1000_7000 },
          { address: CONSOLE + Reg.status, value: 3 },
          { address: CONSOLE + Reg.status },
          { address: CONSOLE + Reg.queueNotify, value: 0 },
          { address: BLK + Reg.config, size: 8 },
        ],
      },
    });
    const results = await new Promise<string[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(results).toEqual(['74726976', '2', '3', '48564953', '2', '0', '0', '3', '0', '10']);
  });

  it('a zone shutdown (the abort check) frees a vCPU whose daemon never answers', async () => {
    const region = { buffer: new SharedArrayBuffer(BRIDGE_PAGE_BYTES), byteOffset: 0, byteLength: BRIDGE_PAGE_BYTES };
    const stop = new SharedArrayBuffer(4);
    const worker = new Worker(new URL('../../../fixtures/virtio/bridge-worker.mjs', import.meta.url), {
      workerData: { bridgeModule: transpiledBridgeModule(), buffer: region.buffer, byteOffset: 0, cpu: 2, zone: 1, stop, accesses: [{ address: CONSOLE }] },
    });
    const done = new Promise<string[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    Atomics.store(new Int32Array(stop), 0, 1);
    expect(await done).toEqual(['aborted']);
    await worker.terminate();
  });
});
