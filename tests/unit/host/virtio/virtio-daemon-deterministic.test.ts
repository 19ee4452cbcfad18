/**
 * The virtio daemon in deterministic mode (decision 0025): a disk request kicked by a vCPU worker is
 * read from the image, written to the guest's buffers, marked used and its interrupt pushed before the
 * kick returns to the vCPU, so the guest finds the completion at the instruction after its kick on
 * every run (the normal daemon answers nothing to a kick, hvisor's need_interrupt, and completes the
 * reads whenever the host's file system answers).
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { BlkRequestType, BlkStatus } from '../../../../src/core/virtio/virtio-blk';
import { BRIDGE_PAGE_BYTES, type BridgeResult, VirtioBridgeProducer } from '../../../../src/core/virtio/virtio-bridge';
import { Reg } from '../../../../src/core/virtio/virtio-mmio';
import { VirtioDaemon } from '../../../../src/host/virtio/virtio-daemon';
import { FakeDriver, FakeGuestRam, type MmioAccessor, ROOT_RAM_BASE, ZONE_GPA, ZONE_ROOT_PA, ZONE_SIZE } from '../../core/virtio/fake-driver';
import { transpiledBridgeModule } from './bridge-module';

const BLK = 0x1000_6200;
const daemons: VirtioDaemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
});

async function setup() {
  const ram = new FakeGuestRam();
  const region = { buffer: new SharedArrayBuffer(BRIDGE_PAGE_BYTES), byteOffset: 0, byteLength: BRIDGE_PAGE_BYTES };
  const injected: BridgeResult[] = [];
  const img = path.join(mkdtempSync(path.join(tmpdir(), 'hvwb-det-daemon-')), 'disk.img');
  const bytes = Buffer.alloc(64 * 512);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i >> 9) & 0xff;
  writeFileSync(img, bytes);
  const daemon: VirtioDaemon = await VirtioDaemon.create({
    config: {
      source: 'virtio_cfg.json',
      zones: [{
        zoneId: 1,
        path: 'zones[0]',
        memoryRegions: [{ zone0Ipa: ZONE_ROOT_PA, zonexIpa: ZONE_GPA, size: ZONE_SIZE, path: 'zones[0].memory_region[0]' }],
        devices: [{ type: 'blk', addr: BLK, len: 0x200, irq: 7, img, enabled: true, path: 'zones[0].devices[0]' }],
      }],
    },
    bridge: region,
    ram: { base: ROOT_RAM_BASE, u8: ram.root },
    // A result stays in res_list (the worker reads res_rear); the test drains them itself.
    finishRequest: () => undefined,
  });
  daemons.push(daemon);
  // The driver sets the device up from this thread (the normal daemon's synchronous pump).
  const producer = new VirtioBridgeProducer(region);
  const accessor: MmioAccessor = {
    read: (offset, size) => {
      const ticket = producer.submit({ cpu: 2, zone: 1, address: BLK + offset, size, value: 0n, isWrite: false, needInterrupt: false });
      daemon.pump();
      const answer = producer.waitAnswer(2, ticket, { sliceMs: 1, abort: () => true });
      if (answer.kind !== 'answered') throw new Error('no answer');
      return Number(answer.value);
    },
    write: (offset, size, value) => {
      const ticket = producer.submit({ cpu: 2, zone: 1, address: BLK + offset, size, value: BigInt(value), isWrite: true, needInterrupt: false });
      daemon.pump();
      producer.waitAnswer(2, ticket, { sliceMs: 1, abort: () => true });
    },
  };
  const driver = new FakeDriver(ram, accessor).init({ queueSize: 128 });
  return { ram, region, daemon, injected, driver };
}

/** Offers `reads` one-sector reads (sectors 1..reads) without kicking; returns where their data and status bytes are. */
function offerReads(s: Awaited<ReturnType<typeof setup>>, reads: number): { data: number[]; status: number[] } {
  const data: number[] = [];
  const status: number[] = [];
  for (let i = 0; i < reads; i++) {
    const header = s.ram.alloc(16);
    s.ram.view(header, 16).setUint32(0, BlkRequestType.in, true);
    s.ram.view(header, 16).setBigUint64(8, BigInt(i + 1), true);
    data.push(s.ram.alloc(512));
    status.push(s.ram.alloc(1));
    s.ram.bytes(status[i]!, 1)[0] = 0xff;
    s.driver.queue(0).offer(s.driver.queue(0).addChain([{ addr: header, len: 16 }, { addr: data[i]!, len: 512, write: true }, { addr: status[i]!, len: 1, write: true }]));
  }
  return { data, status };
}

async function kickFromWorker(region: { buffer: SharedArrayBuffer }, answerEveryRequest: boolean): Promise<{ answered: boolean; resRear: number }> {
  const worker = new Worker(new URL('../../../fixtures/virtio/kick-worker.mjs', import.meta.url), {
    workerData: { bridgeModule: transpiledBridgeModule(), buffer: region.buffer, byteOffset: 0, cpu: 2, zone: 1, address: BLK + Reg.queueNotify, answerEveryRequest },
  });
  try {
    return await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  } finally {
    await worker.terminate();
  }
}

describe('VirtioDaemon in deterministic mode', () => {
  it('completes every disk read of a kick, data, used ring and interrupt, before the kick returns to the vCPU', async () => {
    const s = await setup();
    const { data, status } = offerReads(s, 20);
    s.daemon.startDeterministic();
    const kick = await kickFromWorker(s.region, true);
    expect(kick.answered).toBe(true);
    // The interrupt was in res_list when the vCPU went on: one result for the whole batch of completions.
    expect(kick.resRear).toBe(1);
    expect(status.map((at) => s.ram.bytes(at, 1)[0])).toEqual(status.map(() => BlkStatus.ok));
    data.forEach((at, i) => expect(s.ram.bytes(at, 512).every((b) => b === i + 1)).toBe(true));
    expect(s.driver.queue(0).takeUsed().length).toBe(20);
    expect(s.daemon.consumer.drainResults()).toEqual([{ zone: 1, irq: 7 }]);
  });
});
