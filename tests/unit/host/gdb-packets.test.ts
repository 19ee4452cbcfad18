/**
 * The GDB stub's packet layer (checksums, escapes, run-length encoding, malformed input) and its
 * protocol session against a fake zone: replies to well-formed and hostile packets, breakpoint and
 * watchpoint tables, threads, the target description, stop replies and detach.
 */
import { describe, expect, it } from 'vitest';
import { checksum, decodePayload, encodeRunLength, escapeBinary, frame, MAX_PACKET, PacketReader, type ReaderEvent } from '../../../src/host/gdb/packets';
import { GdbSession } from '../../../src/host/gdb/session';
import { gdbArch, targetXml } from '../../../src/host/gdb/arch';
import type { GdbTarget, StopEvent } from '../../../src/host/gdb/zone-target';
import { DEBUG_OFFSET, DEBUG_WORDS, SNAPSHOT_PC_OFFSET, SNAPSHOT_X_OFFSET, WatchKind, type Watchpoint } from '../../../src/core/cpu/hart-snapshot';

const bytes = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

describe('GDB packet framing', () => {
  it('checksums modulo 256 and frames a payload', () => {
    expect(checksum('')).toBe(0);
    expect(checksum('OK')).toBe(0x9a);
    expect(frame('OK')).toBe('$OK#9a');
    expect(frame('qSupported')).toBe(`$qSupported#${checksum('qSupported').toString(16).padStart(2, '0')}`);
  });

  it('escapes $ # } * and decodes escapes back', () => {
    const binary = 'a$b#c}d*e';
    const escaped = escapeBinary(binary);
    expect(escaped).toBe('a}\x04b}\x03c}]d}\x0ae');
    expect(decodePayload(escaped)).toBe(binary);
  });

  it('run-length encodes long runs (never with # or $ as the count) and decodes them', () => {
    expect(encodeRunLength('0000000000')).toBe(`0*${String.fromCharCode(9 + 29)}`);
    expect(decodePayload(encodeRunLength('0000000000'))).toBe('0000000000');
    // 7 and 8 equal bytes would need count bytes '#' and '$': a shorter run is sent instead.
    for (let n = 1; n < 120; n++) {
      const run = 'f'.repeat(n) + '12' + 'a'.repeat(n);
      const encoded = encodeRunLength(run);
      expect(encoded).not.toMatch(/\*[#$]/);
      expect(decodePayload(encoded)).toBe(run);
    }
    // Escaped bytes are left alone.
    expect(encodeRunLength('}]]]]]]')).toMatch(/^\}\]/);
    expect(decodePayload(encodeRunLength('}]]]]]]'))).toBe('}]]]]]');
  });

  it('reads packets, acks and the interrupt byte from arbitrary chunks', () => {
    const reader = new PacketReader();
    const wire = `+${frame('g')}\x03-${frame('m1000,4')}`;
    const events: ReaderEvent[] = [];
    for (const c of wire) events.push(...reader.feed(bytes(c)));
    expect(events).toEqual([{ kind: 'ack' }, { kind: 'packet', data: 'g' }, { kind: 'interrupt' }, { kind: 'nack' }, { kind: 'packet', data: 'm1000,4' }]);
  });

  it('reports malformed packets and recovers at the next one', () => {
    const reader = new PacketReader();
    expect(reader.feed(bytes('$g#00'))).toEqual([{ kind: 'bad', reason: 'checksum mismatch' }]);
    expect(reader.feed(bytes('$g#zz'))).toEqual([{ kind: 'bad', reason: 'checksum mismatch' }]);
    const dangling = `$a}#${checksum('a}').toString(16)}`;
    expect(reader.feed(bytes(dangling))[0]).toMatchObject({ kind: 'bad' });
    const repeat = `$*!#${checksum('*!').toString(16)}`;
    expect(reader.feed(bytes(repeat))[0]).toMatchObject({ kind: 'bad' });
    expect(reader.feed(bytes('$ab$g#67'))).toEqual([{ kind: 'bad', reason: 'packet restarted before its end' }, { kind: 'packet', data: 'g' }]);
    expect(reader.feed(bytes(frame('?')))).toEqual([{ kind: 'packet', data: '?' }]);
  });

  it('drops a packet longer than the limit without growing, then reads the next', () => {
    const reader = new PacketReader();
    const events = reader.feed(bytes(`$${'x'.repeat(MAX_PACKET + 100)}#00${frame('g')}`));
    expect(events[0]).toMatchObject({ kind: 'bad', reason: `packet longer than ${MAX_PACKET} bytes` });
    expect(events.at(-1)).toEqual({ kind: 'packet', data: 'g' });
  });
});

/** A zone of two vCPUs over plain memory: RAM at 0x8000_0000, 64 KiB. */
class FakeZone implements GdbTarget {
  constructor(readonly arch = gdbArch('riscv64')!) {}
  readonly regions = [0, 1].map(() => ({ buffer: new SharedArrayBuffer(4096), byteOffset: 0, byteLength: 4096 }));
  readonly ram = new Uint8Array(0x10000);
  paused = 0;
  resumed = 0;
  steps: number[] = [];
  table: { breakpoints: readonly bigint[]; watchpoints: readonly Watchpoint[] } = { breakpoints: [], watchpoints: [] };
  pending: StopEvent | undefined;

  cpus(): readonly number[] {
    return [4, 5];
  }
  cpu(index: number) {
    const region = this.regions[index]!;
    return { region, debug: new Int32Array(region.buffer, DEBUG_OFFSET, DEBUG_WORDS), published: () => undefined };
  }
  async pause() {
    this.paused++;
  }
  resume() {
    this.resumed++;
  }
  async step(index: number) {
    this.steps.push(index);
  }
  pollStop() {
    const stop = this.pending;
    this.pending = undefined;
    return stop;
  }
  readMemory(_index: number, address: bigint, length: number) {
    const at = Number(address - 0x8000_0000n);
    return at >= 0 && at + length <= this.ram.length ? this.ram.slice(at, at + length) : undefined;
  }
  writeMemory(_index: number, address: bigint, data: Uint8Array) {
    const at = Number(address - 0x8000_0000n);
    if (at < 0 || at + data.length > this.ram.length) return false;
    this.ram.set(data, at);
    return true;
  }
  setTable(breakpoints: readonly bigint[], watchpoints: readonly Watchpoint[]) {
    this.table = { breakpoints: [...breakpoints], watchpoints: [...watchpoints] };
  }
}

async function session(arch = 'riscv64') {
  const zone = new FakeZone(gdbArch(arch)!);
  const sent: string[] = [];
  let closed = false;
  const s = new GdbSession(zone, (t) => sent.push(t), () => (closed = true));
  await s.start();
  /** Sends one packet; resolves with the payload of the reply that follows (acks dropped). */
  const ask = async (payload: string): Promise<string> => {
    const before = sent.length;
    s.data(bytes(frame(payload)));
    for (let i = 0; i < 200 && !sent.slice(before).some((t) => t.startsWith('$')); i++) await new Promise((r) => setTimeout(r, 1));
    const reply = sent.slice(before).find((t) => t.startsWith('$'));
    return reply === undefined ? '<none>' : decodePayload(reply.slice(1, reply.lastIndexOf('#')));
  };
  return { zone, sent, ask, s, closed: () => closed };
}

describe('GDB session on a fake zone', () => {
  it('answers the connection handshake: features, threads, target description', async () => {
    const { ask, zone } = await session();
    expect(zone.paused).toBe(1);
    expect(await ask('qSupported:multiprocess+;swbreak+')).toContain('qXfer:features:read+');
    expect(await ask('?')).toBe('T05thread:1;');
    expect(await ask('qfThreadInfo')).toBe('m1,2');
    expect(await ask('qsThreadInfo')).toBe('l');
    expect(await ask('qAttached')).toBe('1');
    const xml = await ask('qXfer:features:read:target.xml:0,3fff');
    expect(xml[0]).toBe('l');
    expect(xml.slice(1)).toBe(targetXml(zone.arch));
    expect(xml).toContain('<feature name="org.gnu.gdb.riscv.cpu">');
    expect(xml).toContain('<feature name="org.gnu.gdb.riscv.fpu">');
    expect(xml).toContain('<reg name="fcsr" bitsize="32" type="int" regnum="68" group="float"/>');
    // In pieces: 'm' until the last.
    expect((await ask('qXfer:features:read:target.xml:0,10'))[0]).toBe('m');
    expect(await ask('qXfer:features:read:other.xml:0,10')).toBe('E00');
  });

  it('reads and writes registers of the selected thread', async () => {
    const { ask, zone } = await session();
    const view = new DataView(zone.regions[1]!.buffer);
    view.setBigUint64(SNAPSHOT_X_OFFSET + 8 * 10, 0x1122_3344_5566_7788n, true);
    view.setBigUint64(SNAPSHOT_PC_OFFSET, 0x8000_0010n, true);
    expect(await ask('Hg2')).toBe('OK');
    expect(await ask('pa')).toBe('8877665544332211');
    expect(await ask('p20')).toBe('1000008000000000');
    const g = await ask('g');
    expect(g).toHaveLength(65 * 16);
    expect(g.slice(10 * 16, 11 * 16)).toBe('8877665544332211');
    expect(await ask('Pb=0100000000000000')).toBe('OK');
    expect(view.getBigUint64(SNAPSHOT_X_OFFSET + 8 * 11, true)).toBe(1n);
    // pc writes are handed to the CPU through the debug words and read back from there.
    expect(await ask('P20=2000008000000000')).toBe('OK');
    expect(await ask('p20')).toBe('2000008000000000');
    expect(await ask('Hg9')).toBe('E01');
    expect(await ask('p44')).toMatch(/^[0-9a-f]{8}$/);
    expect(await ask('p999')).toMatch(/^E/);
    expect(await ask('Pzz=00')).toMatch(/^E/);
    expect(await ask('P1=123')).toMatch(/^E/);
    expect(await ask('Gabcd')).toMatch(/^E/);
  });

  it('reads and writes memory, and refuses addresses outside the zone and hostile lengths', async () => {
    const { ask, zone } = await session();
    zone.ram.set([1, 2, 3, 4], 0x100);
    expect(await ask('m80000100,4')).toBe('01020304');
    expect(await ask('M80000100,2:aabb')).toBe('OK');
    expect(zone.ram.slice(0x100, 0x102)).toEqual(Uint8Array.from([0xaa, 0xbb]));
    expect(await ask('X80000200,3:a}]b')).toBe('OK');
    expect(String.fromCharCode(...zone.ram.slice(0x200, 0x203))).toBe('a}b');
    expect(await ask('X80000200,0:')).toBe('OK');
    expect(await ask('m10,4')).toBe('E0e');
    expect(await ask('mffffffffffffffff,ffffffffffffffff')).toBe('E0e');
    expect(await ask('m80000000,ffffffffffffffffff')).toBe('E16');
    expect(await ask('mzz,4')).toBe('E16');
    expect(await ask('M80000100,4:aabb')).toBe('E16');
    expect(await ask('M80000100,2')).toBe('E16');
    expect(await ask('M10,1:00')).toBe('E0e');
  });

  it('keeps breakpoint and watchpoint tables, refusing more than the CPU holds', async () => {
    const { ask, zone } = await session();
    expect(await ask('Z0,80000010,2')).toBe('OK');
    expect(await ask('Z1,80000020,4')).toBe('OK');
    expect(zone.table.breakpoints).toEqual([0x8000_0010n, 0x8000_0020n]);
    expect(await ask('z0,80000010,2')).toBe('OK');
    expect(zone.table.breakpoints).toEqual([0x8000_0020n]);
    expect(await ask('Z2,80001000,8')).toBe('OK');
    expect(await ask('Z3,80001008,4')).toBe('OK');
    expect(await ask('Z4,80001010,1')).toBe('OK');
    expect(zone.table.watchpoints.map((w) => w.kind)).toEqual([WatchKind.write, WatchKind.read, WatchKind.access]);
    expect(await ask('Z2,80002000,1')).toBe('OK');
    expect(await ask('Z2,80003000,1')).toBe('E1c');
    expect(await ask('z2,80001000,8')).toBe('OK');
    expect(zone.table.watchpoints).toHaveLength(3);
    for (let i = 0; i < 15; i++) await ask(`Z0,${(0x9000_0000 + 4 * i).toString(16)},4`);
    expect(await ask('Z0,a0000000,4')).toBe('E1c');
    expect(await ask('Z2,80000000,0')).toBe('E16');
    expect(await ask('Z9,80000000,4')).toBe('');
    expect(await ask('Z0,,')).toBe('E16');
  });

  it('continues, reports a breakpoint or watchpoint stop, steps and handles Ctrl-C', async () => {
    const { ask, zone, s, sent } = await session();
    expect(await ask('vCont?')).toBe('vCont;c;C;s;S;t');
    const before = sent.length;
    s.data(bytes(frame('vCont;c')));
    await new Promise((r) => setTimeout(r, 20));
    expect(zone.resumed).toBe(1);
    expect(sent.slice(before).filter((t) => t.startsWith('$'))).toEqual([]);
    zone.pending = { index: 1 };
    for (let i = 0; i < 100 && !sent.slice(before).some((t) => t.startsWith('$')); i++) await new Promise((r) => setTimeout(r, 2));
    expect(sent.slice(before).find((t) => t.startsWith('$'))).toBe(frame('T05thread:2;swbreak:;'));
    expect(await ask('vCont;s:2;c')).toBe('T05thread:2;');
    expect(zone.steps).toEqual([1]);
    await ask('Z2,80001000,8');
    expect(await ask('c')).toBe('<none>');
    zone.pending = { index: 0, watch: { kind: WatchKind.write, address: 0x8000_1004n } };
    await new Promise((r) => setTimeout(r, 30));
    expect(sent.at(-1)).toBe(frame('T05thread:1;watch:80001004;'));
    // Ctrl-C while running: SIGINT.
    expect(await ask('c')).toBe('<none>');
    const mark = sent.length;
    s.data(Uint8Array.of(3));
    for (let i = 0; i < 100 && sent.length === mark; i++) await new Promise((r) => setTimeout(r, 2));
    expect(sent.at(-1)).toBe(frame('T02thread:1;'));
    expect(await ask('vCont;x')).toBe('E16');
    expect(await ask('vCont;s:9')).toBe('E16');
  });

  it('on aarch64: the A64 target description, breakpoints and watchpoints', async () => {
    const { ask, zone } = await session('aarch64');
    const xml = await ask('qXfer:features:read:target.xml:0,3fff');
    expect(xml).toContain('<feature name="org.gnu.gdb.aarch64.core">');
    expect(xml).toContain('<reg name="cpsr" bitsize="32" type="int" regnum="33"/>');
    expect(xml).toContain('<reg name="v31" bitsize="128" type="aarch64v" regnum="65" group="vector"/>');
    expect(xml).toContain('<reg name="fpcr" bitsize="32" type="int" regnum="67" group="float"/>');
    expect(await ask('g')).toHaveLength(33 * 16 + 8);
    expect(await ask('p22')).toHaveLength(32);
    expect(await ask('Z0,80000010,4')).toBe('OK');
    expect(await ask('Z0,80000020,4')).toBe('OK');
    expect(zone.table.breakpoints).toEqual([0x8000_0010n, 0x8000_0020n]);
    expect(await ask('Z2,80001000,8')).toBe('OK');
    expect(zone.table.watchpoints).toEqual([{ address: 0x8000_1000n, length: 8, kind: WatchKind.write }]);
  });

  it('answers unknown and garbage packets without closing, and detaches leaving the zone running', async () => {
    const { ask, zone, s, sent, closed } = await session();
    expect(await ask('qTStatus')).toBe('');
    expect(await ask('vMustReplyEmpty')).toBe('');
    expect(await ask('\x01\x02\xff')).toBe('');
    s.data(bytes('$g#00'));
    expect(sent.at(-1)).toBe('-');
    expect(await ask('qRcmd,' + Buffer.from('view physical').toString('hex'))).toBe(Buffer.from('memory view: guest-physical\n').toString('hex'));
    expect(await ask('QStartNoAckMode')).toBe('OK');
    await ask('Z0,80000010,2');
    const resumed = zone.resumed;
    expect(await ask('D')).toBe('OK');
    expect(closed()).toBe(true);
    expect(zone.table).toEqual({ breakpoints: [], watchpoints: [] });
    expect(zone.resumed).toBe(resumed + 1);
  });
});
