import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtioMmio } from '../../../../src/core/virtio/virtio-mmio';
import { NET_HEADER_BYTES, NetQueue, VirtioNet } from '../../../../src/core/virtio/virtio-net';
import { EthernetSwitch, MAC_TABLE_ENTRIES } from '../../../../src/host/virtio/ethernet-switch';
import { MAX_BUFFERED_BYTES, PcapWriter } from '../../../../src/host/virtio/pcap-writer';
import { FakeDriver, FakeGuestRam } from '../../core/virtio/fake-driver';

const MAC_A = [0x02, 0x00, 0x00, 0x00, 0x01, 0x01];
const MAC_B = [0x02, 0x00, 0x00, 0x00, 0x02, 0x01];
const IP_A = [10, 0, 0, 1];
const IP_B = [10, 0, 0, 2];

function checksum(bytes: number[]): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

function arp(op: 1 | 2, senderMac: number[], senderIp: number[], targetMac: number[], targetIp: number[]): Uint8Array {
  const dst = op === 1 ? [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] : targetMac;
  return Uint8Array.from([...dst, ...senderMac, 0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, op, ...senderMac, ...senderIp, ...targetMac, ...targetIp]);
}

function icmpEcho(srcMac: number[], dstMac: number[], srcIp: number[], dstIp: number[]): Uint8Array {
  const payload = [...'hvisor!!'].map((c) => c.charCodeAt(0));
  const icmp = [8, 0, 0, 0, 0x12, 0x34, 0, 1, ...payload];
  const c = checksum(icmp);
  icmp[2] = c >> 8;
  icmp[3] = c & 0xff;
  const total = 20 + icmp.length;
  const ip = [0x45, 0, total >> 8, total & 0xff, 0, 1, 0x40, 0, 64, 1, 0, 0, ...srcIp, ...dstIp];
  const ic = checksum(ip);
  ip[10] = ic >> 8;
  ip[11] = ic & 0xff;
  return Uint8Array.from([...dstMac, ...srcMac, 0x08, 0x00, ...ip, ...icmp]);
}

/** A zone with a virtio-net device whose driver has posted receive buffers. */
function zone(mac: number[], sw: EthernetSwitch, name: string) {
  const ram = new FakeGuestRam();
  const net = new VirtioNet(mac);
  const mmio = new VirtioMmio(net, { zone: 1, name, memory: ram.memory, raiseIrq: () => undefined });
  net.connect(sw.connect(name, net));
  const driver = new FakeDriver(ram, mmio).init({ queues: 2 });
  const rxBuffers = [0, 1, 2, 3].map(() => {
    const at = ram.alloc(1526);
    driver.queue(NetQueue.receive).submit([{ addr: at, len: 1526, write: true }]);
    return at;
  });
  const send = (frame: Uint8Array): void => {
    const header = ram.alloc(NET_HEADER_BYTES);
    const data = ram.alloc(frame.length);
    ram.put(data, frame);
    driver.queue(NetQueue.transmit).submit([{ addr: header, len: NET_HEADER_BYTES }, { addr: data, len: frame.length }]);
  };
  const received = (): Uint8Array[] =>
    driver.queue(NetQueue.receive).takeUsed().map((u) => ram.bytes(rxBuffers[u.id]! + NET_HEADER_BYTES, u.len - NET_HEADER_BYTES).slice());
  return { net, send, received };
}

function hasTool(name: string): boolean {
  try {
    execFileSync('which', [name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('virtual Ethernet switch', () => {
  it('carries an ARP exchange and a ping between two zones, and the pcap file holds the frames', async () => {
    const sw = new EthernetSwitch();
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'hvwb-pcap-')), 'zones.pcap');
    const pcap = new PcapWriter(file, () => 1_700_000_000_123);
    sw.tap((frame) => pcap.write(frame));
    const a = zone(MAC_A, sw, 'tap0');
    const b = zone(MAC_B, sw, 'tap1');
    const third = zone([0x02, 0, 0, 0, 3, 1], sw, 'tap2');

    const request = arp(1, MAC_A, IP_A, [0, 0, 0, 0, 0, 0], IP_B);
    a.send(request);
    expect(b.received().map((f) => [...f])).toEqual([[...request]]);
    expect(third.received()).toHaveLength(1);

    const reply = arp(2, MAC_B, IP_B, MAC_A, IP_A);
    b.send(reply);
    expect(a.received().map((f) => [...f])).toEqual([[...reply]]);
    expect(third.received()).toHaveLength(0);
    expect(sw.lookup('02:00:00:00:02:01')).toBe('tap1');

    const ping = icmpEcho(MAC_A, MAC_B, IP_A, IP_B);
    a.send(ping);
    expect(b.received().map((f) => [...f])).toEqual([[...ping]]);
    expect(third.received()).toHaveLength(0);
    expect(sw.flooded).toBe(1);
    expect(sw.forwarded).toBe(2);

    await pcap.close();
    const bytes = readFileSync(file);
    expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(bytes.readUInt32LE(20)).toBe(1);
    const records: Buffer[] = [];
    for (let at = 24; at < bytes.length; ) {
      const length = bytes.readUInt32LE(at + 8);
      expect(bytes.readUInt32LE(at)).toBe(1_700_000_000);
      expect(bytes.readUInt32LE(at + 4)).toBe(123_000);
      records.push(bytes.subarray(at + 16, at + 16 + length));
      at += 16 + length;
    }
    expect(records.map((r) => [...r])).toEqual([[...request], [...reply], [...ping]]);

    if (hasTool('tshark')) {
      const fields = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'eth.src', '-e', 'arp.opcode', '-e', 'icmp.type', '-e', 'ip.dst'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(fields.trim().split('\n').map((l) => l.split('\t'))).toEqual([
        ['02:00:00:00:01:01', '1', '', ''],
        ['02:00:00:00:02:01', '2', '', ''],
        ['02:00:00:00:01:01', '', '8', '10.0.0.2'],
      ]);
    }
  });

  it('floods unknown unicast, never sends a frame back to its port, and forgets a disconnected port', () => {
    const sw = new EthernetSwitch();
    const seen: string[] = [];
    const portA = sw.connect('a', { receive: () => seen.push('a') });
    sw.connect('b', { receive: () => seen.push('b') });
    expect(() => sw.connect('a', { receive: () => undefined })).toThrow(/already connected/);
    const toB = Uint8Array.from([...MAC_B, ...MAC_A, 0x08, 0x00]);
    portA.send(toB);
    expect(seen).toEqual(['b']);
    expect(sw.lookup('02:00:00:00:01:01')).toBe('a');
    // A frame to its own source port is not reflected.
    portA.send(Uint8Array.from([...MAC_A, ...MAC_A, 0x08, 0x00]));
    expect(seen).toEqual(['b']);
    portA.disconnect();
    expect(sw.lookup('02:00:00:00:01:01')).toBeUndefined();
    portA.send(toB);
    expect(seen).toEqual(['b']);
  });
});

describe('virtual Ethernet switch under a hostile guest', () => {
  it('remembers at most MAC_TABLE_ENTRIES addresses when a guest sends from a hundred thousand made-up ones', () => {
    const sw = new EthernetSwitch();
    const seen: number[] = [];
    const attacker = sw.connect('a', { receive: () => undefined });
    sw.connect('b', { receive: (frame) => seen.push(frame.length) });
    const frame = Uint8Array.from([...MAC_B, ...MAC_A, 0x08, 0x00]);
    frame[7] = 0x99;
    for (let i = 0; i < 100_000; i++) {
      frame[8] = i >> 16;
      frame[9] = (i >> 8) & 0xff;
      frame[10] = i & 0xff;
      attacker.send(frame);
    }
    expect(sw.learned).toBe(MAC_TABLE_ENTRIES);
    // The most recent sources are the ones kept; the switch still delivers (by flooding).
    expect(sw.lookup('02:99:01:86:9f:01')).toBe('a');
    expect(sw.lookup('02:99:00:00:00:01')).toBeUndefined();
    expect(seen).toHaveLength(100_000);
  });

  it('leaves frames out of the capture instead of buffering without bound when the disk is behind', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-pcap-'));
    const writer = new PcapWriter(path.join(dir, 'flood.pcap'));
    const frame = new Uint8Array(65535);
    // Far more than the disk can take before the event loop runs again.
    for (let i = 0; i < 2000; i++) writer.write(frame);
    expect(writer.buffered).toBeLessThanOrEqual(MAX_BUFFERED_BYTES);
    expect(writer.dropped).toBeGreaterThan(0);
    expect(writer.frames + writer.dropped).toBe(2000);
    await writer.close();
    expect(readFileSync(path.join(dir, 'flood.pcap')).length).toBe(24 + writer.frames * (16 + 65535));
  });
});
