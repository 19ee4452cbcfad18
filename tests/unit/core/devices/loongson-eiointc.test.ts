/**
 * The 3A5000's EIOINTC through IOCSR: a vector reaches the pin IPMAP gives its group on the core COREMAP
 * gives it, only while enabled and while MISC_FUNC.EXT_IOI_EN is set; COREISR acknowledges (a level still
 * high comes back), a falling input leaves it, a pulse stays latched until acknowledged, and garbage at
 * any address never throws.
 */
import { describe, expect, it } from 'vitest';
import { EiointcReg, EXT_IOI_EN, LoongsonEiointc } from '../../../../src/core/devices/intc/loongson-eiointc';

const HWI = [1 << 2, 1 << 3, 1 << 4, 1 << 5];

function chip(cores = 4) {
  const pending = new Map<number, number>();
  const bytes = LoongsonEiointc.stateBytes();
  const eio = new LoongsonEiointc({ buffer: new SharedArrayBuffer(bytes), byteOffset: 0, byteLength: bytes }, cores, HWI, {
    setPending: (cpu, mask, level) => pending.set(cpu, level ? (pending.get(cpu) ?? 0) | mask : (pending.get(cpu) ?? 0) & ~mask),
  });
  return { eio, pending: (cpu: number) => pending.get(cpu) ?? 0 };
}

/** What Linux's eiointc_router_init does, with every vector of group 0..7 on pin INT1 and core `core`. */
function linuxLikeSetup(eio: LoongsonEiointc, core: number): void {
  eio.write(0, EiointcReg.MISC_FUNC, 8, (eio.read(0, EiointcReg.MISC_FUNC, 8) ?? 0n) | EXT_IOI_EN);
  eio.write(0, EiointcReg.IPMAP, 8, 0x0202_0202_0202_0202n);
  for (let v = 0; v < 256; v += 4) eio.write(0, EiointcReg.COREMAP + v, 4, BigInt(0x01010101 * (1 << core)));
}

describe('loongson-eiointc', () => {
  it('routes an enabled vector to the COREMAP core and the IPMAP pin, and drops it with the input', () => {
    const { eio, pending } = chip();
    linuxLikeSetup(eio, 2);
    eio.setLevel(40, true);
    expect(pending(2)).toBe(0); // not enabled
    expect(eio.read(0, EiointcReg.ISR, 8)).toBe(1n << 40n); // but its input shows
    eio.write(0, EiointcReg.ENABLE, 8, 1n << 40n);
    expect(pending(2)).toBe(HWI[1]);
    expect(pending(0)).toBe(0);
    expect(eio.read(2, EiointcReg.COREISR, 8)).toBe(1n << 40n); // core 2 reads its own
    expect(eio.read(0, EiointcReg.COREISR, 8)).toBe(0n);
    eio.setLevel(40, false);
    expect(pending(2)).toBe(0);
    expect(eio.read(2, EiointcReg.COREISR, 8)).toBe(0n);
  });

  it('does nothing at the CPUs while EXT_IOI_EN is clear; IPMAP picks the pin per group of 32', () => {
    const { eio, pending } = chip();
    eio.write(0, EiointcReg.ENABLE + 8, 4, 0xffff_ffffn); // vectors 64..95
    eio.setLevel(70, true);
    expect(pending(0)).toBe(0);
    eio.write(0, EiointcReg.MISC_FUNC + 4, 4, 1n << 16n);
    expect(pending(0)).toBe(HWI[0]); // no IPMAP bit: INT0
    eio.write(0, EiointcReg.IPMAP + 2, 1, 0b1100n); // group 2: lowest set bit = INT2
    expect(pending(0)).toBe(HWI[2]);
  });

  it('an acknowledged level comes back while high; a pulse (MSI) stays until acknowledged', () => {
    const { eio, pending } = chip();
    linuxLikeSetup(eio, 1);
    eio.write(1, EiointcReg.ENABLE, 8, 0xffff_ffff_ffff_ffffn);
    eio.setLevel(3, true);
    eio.write(1, EiointcReg.COREISR, 8, 1n << 3n);
    expect(pending(1)).toBe(HWI[1]);
    eio.setLevel(3, false);
    eio.pulse(5);
    expect(eio.read(1, EiointcReg.COREISR, 4)).toBe(1n << 5n);
    expect(eio.read(1, EiointcReg.ISR, 4)).toBe(0n);
    expect(pending(1)).toBe(HWI[1]);
    eio.write(1, EiointcReg.COREISR, 4, 1n << 5n);
    expect(pending(1)).toBe(0);
    eio.pulse(200); // not enabled: lost
    expect(pending(1)).toBe(0);
  });

  it('takes the route at the moment of latching; a route to a missing core goes nowhere', () => {
    const { eio, pending } = chip(2);
    linuxLikeSetup(eio, 0);
    eio.write(0, EiointcReg.ENABLE, 4, 0b11n);
    eio.write(0, EiointcReg.COREMAP + 1, 1, 0x8n); // vector 1 -> core 3, which this chip lacks
    eio.setLevel(1, true);
    expect(pending(0)).toBe(0);
    eio.setLevel(0, true);
    expect(pending(0)).toBe(HWI[1]);
    eio.write(0, EiointcReg.COREMAP, 1, 0x2n); // re-route while latched: stays on core 0
    expect(pending(1)).toBe(0);
    expect(eio.read(0, EiointcReg.COREMAP, 2)).toBe(0x0802n);
  });

  it('answers its own addresses only, and guest garbage at any of them never throws', () => {
    const { eio } = chip();
    expect(eio.read(0, 0x14c8, 4)).toBeUndefined();
    expect(eio.write(0, 0x1000, 4, 1n)).toBe(false);
    expect(eio.write(0, EiointcReg.ISR, 4, 0xffn)).toBe(true);
    expect(eio.read(0, EiointcReg.ISR, 4)).toBe(0n); // read only
    for (let a = 0x1400; a < 0x1d00; a++) {
      for (const size of [1, 2, 4, 8] as const) {
        for (const cpu of [0, 3, 7, -1]) {
          expect(() => { eio.write(cpu, a, size, -0x1234_5678_9abc_def0n); eio.read(cpu, a, size); }).not.toThrow();
        }
      }
    }
    expect(() => { eio.setLevel(-1, true); eio.setLevel(256, true); eio.setLevel(1.5, true); eio.pulse(999); }).not.toThrow();
  });
});
