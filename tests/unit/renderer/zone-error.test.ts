import { describe, expect, it } from 'vitest';
import { parseZoneError } from '../../../src/renderer/components/zone-error';

describe('parseZoneError', () => {
  it("reads zone, hart, pc, access and nearest region out of the hypervisor's report", () => {
    const report = parseZoneError(
      'zone 1 (zoneU), hart 2, pc 0x88000104: store guest-page fault; 4-byte write at guest address 0x90001000; nearest region: ram 0x88000000-0x88ffffff',
    );
    expect(report).toEqual({
      zone: '1 (zoneU)',
      hart: 2,
      pc: '0x88000104',
      message: 'store guest-page fault',
      access: '4-byte write at guest address 0x90001000',
      address: '0x90001000',
      region: 'ram 0x88000000-0x88ffffff',
    });
  });

  it('works without an address or a region', () => {
    expect(parseZoneError('zone 2 (zoneR), hart 3, pc 0x89000010: illegal instruction')).toEqual({
      zone: '2 (zoneR)',
      hart: 3,
      pc: '0x89000010',
      message: 'illegal instruction',
    });
  });

  it('keeps any other text whole', () => {
    const text = 'hart 0: internal error: worker exited';
    expect(parseZoneError(text)).toEqual({ message: text });
  });
});
