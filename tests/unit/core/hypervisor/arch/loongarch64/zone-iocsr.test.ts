/**
 * A zone's IOCSR space (zone-iocsr.ts) as hvisor's emulate_iocsr and its 0x1fe0_0000 MMIO handler make it:
 * the window 0..0x2fff reaches the board, outside it is refused with a reason; a non-root zone's writes to
 * the EIOINTC's enable/bounce/node-select and route registers are dropped; the root's route writes are
 * rewritten to its CPU (vectors < 64) or to CPU (v - 64) / 48 (MSI vectors); IPIs name CPUs by their
 * index in the zone.
 */
import { describe, expect, it } from 'vitest';
import { zoneIocsrBus, zoneMmioWindow } from '../../../../../../src/core/hypervisor/arch/loongarch64/zone-iocsr';
import type { IocsrBus } from '../../../../../../src/core/isa/loongarch64/platform';

function board() {
  const writes: [number, number, bigint][] = [];
  const bus: IocsrBus = {
    read: (address) => (address === 0x20 ? 0x3030_3035_4133n : 0n),
    write: (address, size, value) => {
      writes.push([address, size, value]);
      return true;
    },
  };
  return { bus, writes };
}

describe('a zone IOCSR window', () => {
  it('answers inside hvisor\'s window and refuses outside it, saying why', () => {
    const { bus } = board();
    const reasons: string[] = [];
    const zone = zoneIocsrBus(bus, { root: false, cpu: 2, cpus: [2], refused: (r) => reasons.push(r) });
    expect(zone.read(0x20, 8)).toBe(0x3030_3035_4133n);
    expect(zone.read(0x4000, 4)).toBeUndefined();
    expect(zone.write(0x2ffc, 8, 0n)).toBe(false); // crosses the window's end
    expect(reasons).toHaveLength(2);
    expect(reasons[0]).toContain('IOCSR read of 4 bytes at 0x4000 is outside the zone\'s IOCSR window 0x0-0x2fff');
  });

  it("drops a non-root zone's EIOINTC enable and route writes, and rewrites the root's routes as hvisor does", () => {
    const { bus, writes } = board();
    const zone = zoneIocsrBus(bus, { root: false, cpu: 2, cpus: [2], refused: () => {} });
    expect(zone.write(0x1600, 4, 0xffn)).toBe(true);
    expect(zone.write(0x1c08, 1, 0x01n)).toBe(true);
    expect(writes).toEqual([]);
    const root = zoneIocsrBus(bus, { root: true, cpu: 1, cpus: [0, 1], refused: () => {} });
    // Vectors 0..3: to the writing CPU (1), node bits kept; 64..67 and 112: MSI vectors to CPU (v - 64) / 48.
    root.write(0x1c00, 4, 0x1408_0201n);
    root.write(0x1c40, 4, 0x0808_0808n);
    root.write(0x1c70, 1, 0x01n);
    expect(writes).toEqual([
      [0x1c00, 4, 0x1202_0202n],
      [0x1c40, 4, 0x0101_0101n],
      [0x1c70, 1, 0x02n],
    ]);
  });

  it('sends IPIs to the zone CPU the index names, and refuses an index the zone lacks', () => {
    const { bus, writes } = board();
    const reasons: string[] = [];
    const zone = zoneIocsrBus(bus, { root: false, cpu: 2, cpus: [2, 3], refused: (r) => reasons.push(r) });
    expect(zone.write(0x1040, 4, (1n << 16n) | 3n)).toBe(true);
    expect(writes).toEqual([[0x1040, 4, (3n << 16n) | 3n]]);
    expect(zone.write(0x1040, 4, 2n << 16n)).toBe(false);
    expect(reasons[0]).toContain('IPI_SEND to CPU 2 of a zone with 2 (physical CPUs 2, 3)');
  });

  it("is also the zone's MMIO window 0x1fe0_0000 + 0x3000, reaching the board's bus with the same filters", () => {
    const accesses: string[] = [];
    const bus = {
      high: 0,
      read: (address: number, size: number) => {
        accesses.push(`r${size}@${address.toString(16)}`);
        return 0x11;
      },
      write: (address: number, size: number, value: number) => {
        accesses.push(`w${size}@${address.toString(16)}=${value.toString(16)}`);
      },
    };
    const window = zoneMmioWindow(bus, { root: false, cpu: 2, cpus: [2], refused: () => {} });
    expect([window.start, window.size]).toEqual([0x1fe0_0000, 0x3000]);
    const cpu = { cpuId: 2, getPc: () => 0n };
    expect(window.handler.read(cpu, 0x1400, 4)).toBe(0x11n); // the LIOINTC, outside the zone's io page
    window.handler.write(cpu, 0x1600, 4, 0xffn); // the EIOINTC's enable: root only, dropped
    window.handler.write(cpu, 0x1e0, 1, 0x41n); // UART0's THR
    expect(accesses).toEqual(['r4@1fe01400', 'w1@1fe001e0=41']);
  });
});
