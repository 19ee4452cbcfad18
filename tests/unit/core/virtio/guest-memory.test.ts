/**
 * ZoneGuestMemory over a board with more than one RAM bank: hvisor's ls3a5000 zones run at 0xc000_0000,
 * in the board's second bank, so the daemon must find a zone address in whichever bank holds it and
 * still refuse a range that leaves the zone's regions or the banks.
 */
import { describe, expect, it } from 'vitest';
import { ZoneGuestMemory } from '../../../../src/core/virtio/guest-memory';

describe('ZoneGuestMemory', () => {
  const low = { base: 0, u8: new Uint8Array(0x1000) };
  const high = { base: 0xc000_0000, u8: new Uint8Array(0x2000) };
  const memory = new ZoneGuestMemory([{ zone0Ipa: 0xc000_0000, zonexIpa: 0xc000_0000, size: 0x2000 }], [low, high]);

  it('reaches a zone region in the second bank, at the right byte', () => {
    high.u8[0x123] = 0x5a;
    const view = memory.view(0xc000_0120, 8);
    expect(view?.length).toBe(8);
    expect(view?.[3]).toBe(0x5a);
    view![0] = 7;
    expect(high.u8[0x120]).toBe(7);
  });

  it('refuses ranges outside the zone or running past the bank', () => {
    expect(memory.view(0x8000_0000, 0x200)).toBeUndefined();
    expect(memory.view(0xc000_1f00, 0x200)).toBeUndefined();
    // A region that maps past the end of every bank.
    const past = new ZoneGuestMemory([{ zone0Ipa: 0xc000_0000, zonexIpa: 0x1000, size: 0x4000 }], [low, high]);
    expect(past.view(0x1000 + 0x1ff0, 0x10)?.length).toBe(0x10);
    expect(past.view(0x1000 + 0x2000, 0x10)).toBeUndefined();
  });

  it('still takes a single bank, as before', () => {
    const single = new ZoneGuestMemory([{ zone0Ipa: 0xc000_0000, zonexIpa: 0xc000_0000, size: 0x2000 }], high);
    expect(single.view(0xc000_0120, 8)?.[0]).toBe(7);
    expect(new ZoneGuestMemory([{ zone0Ipa: 0xc000_0000, zonexIpa: 0xc000_0000, size: 0x2000 }], low).view(0xc000_0000, 4)).toBeUndefined();
  });
});
