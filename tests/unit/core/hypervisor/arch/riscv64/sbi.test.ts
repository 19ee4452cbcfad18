import { describe, expect, it } from 'vitest';
import { SbiExtension, SbiHandler, type SbiZone } from '../../../../../../src/core/hypervisor/arch/riscv64/sbi';
import { HartWord, HsmState } from '../../../../../../src/core/cpu/hart-header';
import type { HartApi } from '../../../../../../src/core/isa/riscv64/platform';

class FakeHart implements HartApi {
  readonly x = new Array<bigint>(32).fill(0n);
  pc = 0n;
  constructor(readonly hartId: number) {}
  get cpuId(): number {
    return this.hartId;
  }
  getX(i: number): bigint { return this.x[i]!; }
  setX(i: number, v: bigint): void { if (i !== 0) this.x[i] = BigInt.asIntN(64, v); }
  getPc(): bigint { return this.pc; }
  setPc(v: bigint): void { this.pc = v; }
  getPrivilege(): number { return 1; }
}

function zone(harts: number[], workbenchExtensions = false) {
  const headers = [0, 1, 2, 3].map(() => new Int32Array(new SharedArrayBuffer(256)));
  for (const h of headers) Atomics.store(h, HartWord.hsm, HsmState.stopped);
  const written: number[] = [];
  const pending: string[] = [];
  const resets: string[] = [];
  const memory = new Uint8Array(0x1000);
  const z: SbiZone = {
    harts,
    headerOf: (h) => headers[h]!,
    signals: { setPending: (h, mask, level) => pending.push(`${h}:${mask}:${level}`) },
    now: () => 1234,
    consoleWrite: (b) => written.push(...b),
    consoleRead: () => -1,
    readGuest: (gpa, len) => (gpa >= 0x1000 && gpa + len <= 0x2000 ? memory.slice(gpa - 0x1000, gpa - 0x1000 + len) : undefined),
    writeGuest: () => true,
    reset: (kind, reason, hart) => resets.push(`${kind}:${reason}:${hart}`),
    wake: () => {},
    yieldHart: () => {},
    workbenchExtensions,
  };
  return { z, headers, written, pending, resets, memory };
}

function call(sbi: SbiHandler, hart: FakeHart, eid: number, fid: number, ...args: bigint[]) {
  hart.setX(17, BigInt(eid));
  hart.setX(16, BigInt(fid));
  args.forEach((a, i) => hart.setX(10 + i, a));
  sbi.handle(hart);
  return { error: hart.getX(10), value: hart.getX(11) };
}

describe('SBI for zone guests', () => {
  it('reports spec version 2.0 and probes exactly hvisor\'s extension table, answering the id', () => {
    const { z } = zone([0, 1]);
    const sbi = new SbiHandler(z);
    const hart = new FakeHart(0);
    expect(call(sbi, hart, SbiExtension.base, 0)).toEqual({ error: 0n, value: 0x2000000n });
    for (const eid of [SbiExtension.base, SbiExtension.time, SbiExtension.hsm, SbiExtension.ipi, SbiExtension.rfence]) {
      expect(call(sbi, hart, SbiExtension.base, 3, BigInt(eid)).value).toBe(BigInt(eid));
    }
    for (const eid of [SbiExtension.srst, SbiExtension.dbcn, 0x504d55, 0x00]) {
      expect(call(sbi, hart, SbiExtension.base, 3, BigInt(eid)).value).toBe(0n);
    }
    expect(call(sbi, hart, 0x12345678, 0).error).toBe(-2n);
    // EIDs and FIDs are whole registers: 2^32 + BASE is not BASE, and FID 2^32 + 0 is not get_spec_version.
    expect(call(sbi, hart, Number((1n << 32n) + 0x10n), 0).error).toBe(-2n);
    hart.setX(17, BigInt(SbiExtension.base));
    hart.setX(16, 1n << 32n);
    sbi.handle(hart);
    expect(hart.getX(10)).toBe(-2n);
  });

  it('answers NOT_SUPPORTED where hvisor does: SRST, DBCN, HSM stop/status/suspend, legacy IPI and shutdown', () => {
    const { z, written, resets, memory, pending } = zone([0, 1]);
    memory.set(new TextEncoder().encode('hi!'), 0x10);
    const sbi = new SbiHandler(z);
    const hart = new FakeHart(0);
    expect(call(sbi, hart, SbiExtension.srst, 0, 0n, 0n).error).toBe(-2n);
    expect(call(sbi, hart, SbiExtension.dbcn, 0, 3n, 0x1010n, 0n).error).toBe(-2n);
    for (const fid of [1, 2, 3]) expect(call(sbi, hart, SbiExtension.hsm, fid, 0n).error).toBe(-2n);
    expect(call(sbi, hart, SbiExtension.legacyShutdown, 0).error).toBe(-2n);
    expect(call(sbi, hart, SbiExtension.legacyClearIpi, 0).error).toBe(-2n);
    expect(call(sbi, hart, SbiExtension.legacySendIpi, 0, 0x1000n).error).toBe(-2n);
    expect(call(sbi, hart, 0x0f, 0).error).toBe(-2n);
    expect([written, resets, pending]).toEqual([[], [], []]);
    // What hvisor forwards: legacy putchar, and its set_timer.
    expect(call(sbi, hart, SbiExtension.legacyPutchar, 0, 0x41n).error).toBe(0n);
    expect(String.fromCharCode(...written)).toBe('A');
  });

  it('hart_start answers as hvisor: ALREADY_AVAILABLE for the caller, FAILED for a hart already on', () => {
    const { z, headers } = zone([0, 1]);
    const sbi = new SbiHandler(z);
    const hart = new FakeHart(0);
    expect(call(sbi, hart, SbiExtension.hsm, 0, 0n, 0x80200000n, 0n).error).toBe(-6n);
    expect(call(sbi, hart, SbiExtension.hsm, 0, 1n, 0x80200000n, 0n).error).toBe(0n);
    expect(Atomics.load(headers[1]!, HartWord.hsm)).toBe(HsmState.startPending);
    expect(call(sbi, hart, SbiExtension.hsm, 0, 1n, 0x80200000n, 0n).error).toBe(-1n);
  });

  it('offers SRST, DBCN and all of HSM with the workbench extensions, and probes them', () => {
    const { z } = zone([0, 1], true);
    const sbi = new SbiHandler(z);
    const hart = new FakeHart(0);
    expect(call(sbi, hart, SbiExtension.base, 3, BigInt(SbiExtension.srst)).value).toBe(BigInt(SbiExtension.srst));
    expect(call(sbi, hart, SbiExtension.base, 3, BigInt(SbiExtension.dbcn)).value).toBe(BigInt(SbiExtension.dbcn));
  });

  it('starts only harts of the calling zone with HSM', () => {
    const { z, headers } = zone([0, 1], true);
    const sbi = new SbiHandler(z);
    const hart = new FakeHart(0);
    expect(call(sbi, hart, SbiExtension.hsm, 0, 1n, 0x80200000n, 42n).error).toBe(0n);
    expect(Atomics.load(headers[1]!, HartWord.hsm)).toBe(HsmState.startPending);
    expect(Atomics.load(headers[1]!, HartWord.hsmStartAddrLo) >>> 0).toBe(0x80200000);
    expect(Atomics.load(headers[1]!, HartWord.hsmOpaqueLo)).toBe(42);
    expect(call(sbi, hart, SbiExtension.hsm, 0, 1n, 0x80200000n, 0n).error).toBe(-6n);
    // hart 2 exists on the board but belongs to another zone
    expect(call(sbi, hart, SbiExtension.hsm, 0, 2n, 0x80200000n, 0n).error).toBe(-3n);
    expect(Atomics.load(headers[2]!, HartWord.hsm)).toBe(HsmState.stopped);
    expect(call(sbi, hart, SbiExtension.hsm, 2, 1n)).toEqual({ error: 0n, value: BigInt(HsmState.startPending) });
  });

  it('sets the supervisor timer and clears STIP', () => {
    const { z, headers, pending } = zone([0]);
    const sbi = new SbiHandler(z);
    const hart = new FakeHart(0);
    call(sbi, hart, SbiExtension.time, 0, 0x1_0000_0005n);
    expect(Atomics.load(headers[0]!, HartWord.sbiTimerLo)).toBe(5);
    expect(Atomics.load(headers[0]!, HartWord.sbiTimerHi)).toBe(1);
    expect(pending).toContain('0:32:false');
  });

  it('sends IPIs within the zone and refuses harts outside it', () => {
    const { z, pending } = zone([2, 3]);
    const sbi = new SbiHandler(z);
    const hart = new FakeHart(2);
    expect(call(sbi, hart, SbiExtension.ipi, 0, 0b10n, 2n).error).toBe(0n);
    expect(pending).toEqual(['3:2:true']);
    expect(call(sbi, hart, SbiExtension.ipi, 0, 0b1n, 0n).error).toBe(-3n);
  });

  it('writes debug-console strings from guest memory and rejects bad addresses', () => {
    const { z, written, memory } = zone([0], true);
    memory.set(new TextEncoder().encode('hi!'), 0x10);
    const sbi = new SbiHandler(z);
    const hart = new FakeHart(0);
    expect(call(sbi, hart, SbiExtension.dbcn, 0, 3n, 0x1010n, 0n)).toEqual({ error: 0n, value: 3n });
    expect(String.fromCharCode(...written)).toBe('hi!');
    expect(call(sbi, hart, SbiExtension.dbcn, 0, 3n, 0x9000n, 0n).error).toBe(-3n);
    call(sbi, hart, SbiExtension.legacyPutchar, 0, 0x41n);
    expect(String.fromCharCode(...written)).toBe('hi!A');
  });

  it('system reset stops the zone with the reason', () => {
    const { z, resets } = zone([0], true);
    const sbi = new SbiHandler(z);
    call(sbi, new FakeHart(0), SbiExtension.srst, 0, 0n, 1n);
    expect(resets).toEqual(['shutdown:1:0']);
    expect(call(sbi, new FakeHart(0), SbiExtension.srst, 0, 7n, 0n).error).toBe(-3n);
  });
});
