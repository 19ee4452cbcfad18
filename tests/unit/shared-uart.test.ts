/** The shared-UART interleaving check the loongarch64 zones boot test relies on. */
import { describe, expect, it } from 'vitest';
import { interleaves, la64ZoneURestarted } from '../helpers/shared-uart';

const root = '0\r\nroot> ';
const zoneU = 'zoneU: CPU 0 up at pc 0x90000000c00000??\r\n';

describe('interleaves', () => {
  it('accepts the two streams one after the other and mixed character by character, as the full suite saw them', () => {
    expect(interleaves('0\r\nroot> zoneU: CPU 0 up at pc 0x90000000c000002c\r\n', root, zoneU)).toBe(true);
    expect(interleaves('zoneU: CPU 0\r\n0 up at pc 0x90000000c000002c\r\nroot> ', root, zoneU)).toBe(true);
  });
  it('rejects a wrong result, a non-hex pc digit, a missing or an extra character', () => {
    expect(interleaves('zoneU: CPU 0\r\n1 up at pc 0x90000000c000002c\r\nroot> ', root, zoneU)).toBe(false);
    expect(interleaves('zoneU: CPU 0\r\n0 up at pc 0x90000000c00000zc\r\nroot> ', root, zoneU)).toBe(false);
    expect(interleaves('zoneU: CPU 0\r\n0 up at pc 0x90000000c000002c\r\nroot>', root, zoneU)).toBe(false);
    expect(interleaves('zoneU: CPU 0\r\n0 up at pc 0x90000000c000002c\r\nroot> !', root, zoneU)).toBe(false);
  });
});

describe('la64ZoneURestarted', () => {
  const start = "root: zone start zoneU (id 1): image 8192 bytes, hypercall 2 (config 0x2a1000, 3056 bytes) -> ";
  const boot = ['zoneU: CPU 0 up at pc 0x90000000c000002c, CRMD 0x8', 'zoneU: IOCSR CPU name: 3A5000', 'zoneU: IPI to CPU 0 (itself) -> IPI_STATUS 0x1', 'zoneU: done, idle', ''].join('\r\n');
  it("accepts zoneU's restart lines wherever the root's result and prompt fall among them", () => {
    expect(la64ZoneURestarted(`s${start}0\r\nroot> ${boot}`)).toBe(true);
    expect(la64ZoneURestarted(`${start}${boot.slice(0, 20)}0\r\n${boot.slice(20, 90)}root> ${boot.slice(90)}`)).toBe(true);
  });
  it('rejects a restart without zoneU\'s last line, with a failed hypercall, or with zoneU\'s lines missing', () => {
    expect(la64ZoneURestarted(`${start}0\r\nroot> ${boot.slice(0, -20)}`)).toBe(false);
    expect(la64ZoneURestarted(`${start}-22\r\nroot> ${boot}`)).toBe(false);
    expect(la64ZoneURestarted(`${start}0\r\nroot> `)).toBe(false);
  });
});
