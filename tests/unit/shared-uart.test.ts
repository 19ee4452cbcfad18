/** The shared-UART interleaving check the loongarch64 zones boot test relies on. */
import { describe, expect, it } from 'vitest';
import { interleaves } from '../helpers/shared-uart';

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
