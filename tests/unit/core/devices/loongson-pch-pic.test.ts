/**
 * The 7A2000 PCH-PIC in front of the EIOINTC: an input raises its HTMSI_VEC vector only while unmasked and
 * HT-enabled; a level input follows its line (and polarity), an edge input stays latched until CLEAR;
 * re-vectoring moves the request; garbage at any offset never throws.
 */
import { describe, expect, it } from 'vitest';
import { LoongsonPchPic, PchPicReg } from '../../../../src/core/devices/intc/loongson-pch-pic';

function chip() {
  const vectors = new Map<number, boolean>();
  const bytes = LoongsonPchPic.stateBytes();
  const pic = new LoongsonPchPic({ buffer: new SharedArrayBuffer(bytes), byteOffset: 0, byteLength: bytes }, { setLevel: (v, level) => vectors.set(v, level) });
  const high = () => [...vectors].filter(([, l]) => l).map(([v]) => v);
  return { pic, high };
}

/** Linux's pch_pic_reset: vector = base + input, everything masked, HT messages on. */
function linuxLikeSetup(pic: LoongsonPchPic, base: number): void {
  for (let i = 0; i < 64; i++) pic.write(PchPicReg.HTMSI_VEC + i, 1, base + i);
  for (const w of [0, 4]) {
    pic.write(PchPicReg.MASK + w, 4, 0xffff_ffff);
    pic.write(PchPicReg.CLEAR + w, 4, 0xffff_ffff);
    pic.write(PchPicReg.HTMSI_EN + w, 4, 0xffff_ffff);
  }
}

describe('loongson-pch-pic', () => {
  it('identifies itself with 64 inputs and starts with every input masked', () => {
    const { pic } = chip();
    expect(pic.read(PchPicReg.ID, 4)).toBe(0x0700_0000);
    expect((pic.read(PchPicReg.ID + 4, 4) >> 16) & 0xff).toBe(63);
    expect(pic.read(PchPicReg.MASK, 4)).toBe(0xffff_ffff);
    expect(pic.read(PchPicReg.MASK + 4, 4)).toBe(0xffff_ffff);
  });

  it('a level input raises its vector while unmasked and HT-enabled, and drops with the line', () => {
    const { pic, high } = chip();
    linuxLikeSetup(pic, 0);
    pic.setLevel(8, true);
    expect(high()).toEqual([]);
    expect(pic.read(PchPicReg.INT_IRR, 4)).toBe(1 << 8);
    expect(pic.read(PchPicReg.INT_ISR, 4)).toBe(0);
    pic.write(PchPicReg.MASK, 4, ~(1 << 8) >>> 0);
    expect(high()).toEqual([8]);
    expect(pic.read(PchPicReg.INT_ISR, 4)).toBe(1 << 8);
    pic.write(PchPicReg.HTMSI_EN, 4, 0);
    expect(high()).toEqual([]);
    pic.write(PchPicReg.HTMSI_EN, 4, 0xffff_ffff);
    expect(high()).toEqual([8]);
    pic.setLevel(8, false);
    expect(high()).toEqual([]);
    pic.write(PchPicReg.POL + 1, 1, 1); // input 8 active low: a low line requests
    expect(high()).toEqual([8]);
  });

  it('an edge input latches on the rising edge until CLEAR, not while the line stays high', () => {
    const { pic, high } = chip();
    linuxLikeSetup(pic, 64);
    pic.write(PchPicReg.EDGE + 4, 4, 1 << 20); // input 52
    pic.write(PchPicReg.MASK + 4, 4, ~(1 << 20) >>> 0);
    pic.setLevel(52, true);
    pic.setLevel(52, false);
    expect(high()).toEqual([116]);
    pic.write(PchPicReg.CLEAR + 4, 4, 1 << 20);
    expect(high()).toEqual([]);
    pic.setLevel(52, true);
    pic.write(PchPicReg.CLEAR + 4, 4, 1 << 20);
    expect(high()).toEqual([]); // still high, no new edge
    expect(pic.read(PchPicReg.INT_IRR + 4, 4)).toBe(0);
  });

  it('re-vectoring an active input moves it; two inputs on one vector hold it together', () => {
    const { pic, high } = chip();
    linuxLikeSetup(pic, 0);
    pic.write(PchPicReg.MASK, 4, 0);
    pic.setLevel(3, true);
    pic.write(PchPicReg.HTMSI_VEC + 3, 1, 200);
    expect(high()).toEqual([200]);
    pic.write(PchPicReg.HTMSI_VEC + 4, 1, 200);
    pic.setLevel(4, true);
    pic.setLevel(3, false);
    expect(high()).toEqual([200]);
    pic.setLevel(4, false);
    expect(high()).toEqual([]);
  });

  it('never throws on guest garbage at any offset and size; read-only registers stay as they are', () => {
    const { pic } = chip();
    for (let o = 0; o < 0x400; o++) {
      for (const size of [1, 2, 4] as const) expect(() => { pic.write(o, size, 0xdead_beef); pic.read(o, size); }).not.toThrow();
    }
    expect(pic.read(PchPicReg.ID, 4)).toBe(0x0700_0000);
    expect(() => { pic.setLevel(64, true); pic.setLevel(-1, true); pic.setLevel(NaN, true); pic.reset(); }).not.toThrow();
    expect(pic.read(PchPicReg.MASK, 4)).toBe(0xffff_ffff);
  });
});
