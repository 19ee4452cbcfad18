import { describe, expect, it } from 'vitest';
import { AddressSpace } from '../../../../src/core/bus/address-space';
import { AclintMswi, MIP_MSIP } from '../../../../src/core/devices/intc/aclint-mswi';
import { AclintMtimer, MTIME_OFFSET } from '../../../../src/core/devices/intc/aclint-mtimer';
import { AclintSswi, MIP_SSIP } from '../../../../src/core/devices/intc/aclint-sswi';
import { ManualClock, RecordingSignals, sharedRegion } from './helpers';

function bus() {
  const ram = new SharedArrayBuffer(4096);
  return new AddressSpace(0x8000_0000, { buffer: ram, byteOffset: 0, byteLength: 4096 });
}

describe('AclintMswi', () => {
  it('sets and clears MSIP of the addressed hart', () => {
    const signals = new RecordingSignals(4);
    const mswi = new AclintMswi(sharedRegion(AclintMswi.stateBytes(4)), 4, signals);
    const space = bus();
    space.map('mswi', 0x0200_0000, 0x4000, mswi);
    space.write(0x0200_0008, 4, 0xffff_ffff);
    expect(signals.mip).toEqual([0, 0, MIP_MSIP, 0]);
    expect(space.read(0x0200_0008, 4)).toBe(1);
    space.write(0x0200_0008, 4, 0);
    expect(signals.mip[2]).toBe(0);
    expect(space.read(0x0200_0010, 4)).toBe(0); // no hart 4
  });
});

describe('AclintSswi', () => {
  it('sets SSIP on writes of 1, ignores 0 and reads as 0', () => {
    const signals = new RecordingSignals(4);
    const sswi = new AclintSswi(4, signals);
    sswi.write(4, 4, 1);
    expect(signals.mip).toEqual([0, MIP_SSIP, 0, 0]);
    sswi.write(4, 4, 0);
    expect(signals.mip[1]).toBe(MIP_SSIP);
    expect(sswi.read(4, 4)).toBe(0);
  });
});

describe('AclintMtimer', () => {
  function setup() {
    const clock = new ManualClock();
    const region = sharedRegion(AclintMtimer.stateBytes(4));
    const mtimer = new AclintMtimer(region, 4, clock);
    const space = bus();
    space.map('mtimer', 0x0200_4000, 0xc000, mtimer);
    return { clock, mtimer, space, region };
  }

  it('starts with no deadline from zeroed shared memory', () => {
    const { mtimer, space } = setup();
    expect(mtimer.compare(0)).toBe(Infinity);
    expect(space.read(0x0200_4000, 8)).toBe(0xffff_ffff);
    expect(space.high).toBe(0xffff_ffff);
  });

  it('reads mtime from the clock at 0x0200_bff8', () => {
    const { clock, space } = setup();
    clock.ticks = 0x1_2345_6789;
    expect(space.read(0x0200_bff8, 8)).toBe(0x2345_6789);
    expect(space.high).toBe(1);
  });

  it('latches the high word on a low read', () => {
    const { clock, mtimer } = setup();
    clock.ticks = 0xffff_ffff;
    expect(mtimer.read(MTIME_OFFSET, 4)).toBe(0xffff_ffff);
    clock.ticks = 0x1_0000_0001;
    expect(mtimer.read(MTIME_OFFSET + 4, 4)).toBe(0);
    expect(mtimer.read(MTIME_OFFSET + 4, 4)).toBe(1);
  });

  it('stores 64-bit mtimecmp per hart written as two words', () => {
    const { mtimer, space } = setup();
    space.write(0x0200_4000 + 8 * 3, 8, 0x89ab_cdef, 0x12);
    expect(mtimer.compare(3)).toBe(0x12_89ab_cdef);
    expect(space.read(0x0200_4000 + 8 * 3, 8)).toBe(0x89ab_cdef);
    expect(space.high).toBe(0x12);
    expect(mtimer.compare(0)).toBe(Infinity);
    space.write(0x0200_4000 + 8 * 3, 8, 0xffff_ffff, 0xffff_ffff);
    expect(mtimer.compare(3)).toBe(Infinity);
  });

  it('turns mtime writes into an offset and gives deadlines in clock ticks', () => {
    const { clock, mtimer, space, region } = setup();
    clock.ticks = 1000;
    space.write(0x0200_bff8, 8, 5000, 0);
    expect(mtimer.mtime()).toBe(5000);
    expect(mtimer.timeOffset()).toBe(4000);
    clock.ticks = 1500;
    expect(space.read(0x0200_bff8, 4)).toBe(5500);
    space.write(0x0200_4000, 8, 6000, 0);
    // The hart compares the clock with the deadline: mtime 6000 = clock 2000.
    expect(mtimer.compare(0)).toBe(2000);
    const other = new AclintMtimer(region, 4, clock);
    expect(other.compare(0)).toBe(2000);
    mtimer.reset();
    expect(other.compare(0)).toBe(Infinity);
    expect(other.mtime()).toBe(1500);
  });
});
