/**
 * The memory service on a real machine (examples/riscv64-ivc on the vCPU workers): the live stage-2 map
 * with what ivc_init added (the shared sections, the control table) next to the config's RAM and the
 * vPLIC window; the IVC peer's ping read by both zones at the same guest-physical address and found at
 * the same host-physical one; writes refused while running, into a peer's read-only out section and
 * outside the zone; one clear message for each kind of hostile request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLayout } from '../../../src/host/layout-loader';
import { MemoryService } from '../../../src/host/memory-service';
import type { MemoryBlock, Stage2MapState, TranslationState } from '../../../src/shared/protocol/index';
import { startMachine, type LiveMachine } from '../../helpers/live-machine';

const ROOT = 0;
const PEER = 1;
/** ivc_id 0: the control table, the rw section, then one out section per peer (peer 0's, peer 1's). */
const CONTROL = 0x2000_0000;
const PEER1_OUT = 0x2000_3000;
const PEER0_OUT = 0x2000_2000;

const text = (block: MemoryBlock): string => Buffer.from(block.bytes, 'hex').toString('latin1');

describe('memory service on the IVC example', () => {
  let machine: LiveMachine;
  let memory: MemoryService;
  const invoke = <T>(command: string, params: unknown): T => memory.invoke(command, params) as T;

  beforeAll(async () => {
    machine = await startMachine(await loadLayout('examples/riscv64-ivc'));
    memory = new MemoryService(machine.host);
    await machine.waitFor('root-linux', 'ivc: zone 1 says: done', 30_000);
  }, 60_000);

  afterAll(async () => {
    await machine?.stop();
  });

  it("lists the IVC sections and control table ivc_init added to the zone's stage 2", () => {
    const map = invoke<Stage2MapState>('memory.stage2', { zone: PEER });
    const at = (gpa: number): Stage2MapState['regions'][number] | undefined => map.regions.find((r) => r.guestStart === `0x${gpa.toString(16)}`);
    expect(at(0x8800_0000)).toMatchObject({ kind: 'ram', source: 'zone config', access: 'rwx' });
    expect(at(CONTROL)).toMatchObject({ kind: 'trapped', source: 'IVC control table', hostStart: null });
    expect(at(0x2000_1000)).toMatchObject({ kind: 'ram', source: 'IVC section', access: 'rw-' });
    expect(at(PEER0_OUT)).toMatchObject({ kind: 'ram', source: "IVC section (a peer's out, read-only)", access: 'r--' });
    expect(at(PEER1_OUT)).toMatchObject({ kind: 'ram', source: 'IVC section', access: 'rw-' });
    expect(at(0xc00_0000)).toMatchObject({ kind: 'trapped', source: 'vPLIC' });
    expect(map.changes).toBe(0);
  });

  it("reads the peer's ping in its out section from both zones, at one host address", () => {
    const fromPeer = invoke<MemoryBlock>('memory.read', { zone: PEER, view: 'gpa', address: `0x${PEER1_OUT.toString(16)}`, length: 64 });
    const fromRoot = invoke<MemoryBlock>('memory.read', { zone: ROOT, view: 'gpa', address: `0x${PEER1_OUT.toString(16)}`, length: 64 });
    expect(text(fromPeer)).toContain('done: 3 pongs received');
    expect(fromRoot.bytes).toBe(fromPeer.bytes);
    const walkPeer = invoke<TranslationState>('memory.translate', { zone: PEER, view: 'gpa', address: `0x${PEER1_OUT.toString(16)}` });
    const walkRoot = invoke<TranslationState>('memory.translate', { zone: ROOT, view: 'gpa', address: `0x${PEER1_OUT.toString(16)}` });
    expect(walkPeer.stage2?.hostPhysical).toBe(walkRoot.stage2?.hostPhysical);
    expect(walkRoot.stage2?.region?.access).toBe('r--');
    // The control table is emulated: reported, never read.
    const control = invoke<MemoryBlock>('memory.read', { zone: PEER, view: 'gpa', address: `0x${CONTROL.toString(16)}`, length: 16 });
    expect(control.unreadable).toEqual([{ offset: 0, length: 16, reason: '0x20000000 is emulated by IVC control table (not read: accesses are trapped)' }]);
  });

  it('refuses writes while the zone runs, into a read-only section and outside the zone; writes when paused', () => {
    const own = `0x${(0x88f0_0000).toString(16)}`;
    expect(() => invoke('memory.write', { zone: PEER, view: 'gpa', address: own, bytes: 'aa' })).toThrow('zone 1 is running: pause it before editing its memory (0x88f00000)');
    machine.host.holdHarts([1]);
    try {
      const before = invoke<MemoryBlock>('memory.read', { zone: PEER, view: 'gpa', address: own, length: 2 });
      const result = invoke<{ previous: string }>('memory.write', { zone: PEER, view: 'gpa', address: own, bytes: 'a55a' });
      expect(result.previous).toBe(before.bytes);
      expect(invoke<MemoryBlock>('memory.read', { zone: PEER, view: 'hpa', address: own, length: 2 }).bytes).toBe('a55a');
      invoke('memory.write', { zone: PEER, view: 'gpa', address: own, bytes: result.previous });
      expect(() => invoke('memory.write', { zone: PEER, view: 'gpa', address: `0x${PEER0_OUT.toString(16)}`, bytes: '00' })).toThrow('0x20002000 is a read-only IVC section');
      // The root's RAM, by host-physical address, is not zone 1's.
      expect(() => invoke('memory.write', { zone: PEER, view: 'hpa', address: '0x80200000', bytes: '00' })).toThrow('host-physical 0x80200000 is not memory of zone 1 (zone1-ivc)');
    } finally {
      machine.host.releaseHarts([1]);
    }
  });

  it('answers hostile requests with one message naming the zone', () => {
    const read = (params: Record<string, unknown>): unknown => invoke('memory.read', { zone: PEER, view: 'gpa', address: '0x88000000', length: 16, ...params });
    expect(() => read({ address: 'main+4' })).toThrow('zone 1: not an address: "main+4"');
    expect(() => read({ address: '0x1_0000_0000_0000_0000' })).toThrow('zone 1: not an address');
    expect(() => read({ view: 'phys' })).toThrow('zone 1: unknown address view "phys" (gva, gpa or hpa)');
    expect(() => read({ length: 1 << 20 })).toThrow('at most 4096 bytes per request');
    expect(() => read({ length: -1 })).toThrow('at most 4096 bytes per request');
    expect(() => read({ cpu: 0 })).toThrow('hart 0 does not belong to zone 1 (zone1-ivc)');
    expect(() => read({ zone: 7 })).toThrow('there is no zone 7');
    expect(() => invoke('memory.write', { zone: PEER, view: 'gpa', address: '0x88000000', bytes: 'xyz' })).toThrow('zone 1: bytes must be hex digits, two per byte');
    expect(() => invoke('memory.write', { zone: PEER, view: 'gpa', address: '0x88000000', bytes: '' })).toThrow('write 1 to 4096 bytes');
  });
});
