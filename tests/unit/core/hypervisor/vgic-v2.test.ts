/**
 * hvisor's vGICv2 (core/hypervisor/arch/aarch64/vgic-v2.ts) on qemu-gicv2, single-threaded: where it
 * differs from the GICv3 one as hvisor 6a3fb78's gicv2/vgic.rs does: SGIs through GICD_SGIR unfiltered,
 * masks for byte accesses by the bytes touched, every SGI and PPI the zone's own, its identification
 * range, the CPU interface window as the accessing CPU's own, and hvisor's panic on zone shutdown.
 */
import { describe, expect, it } from 'vitest';
import { twoZones } from '../../../helpers/vgic-zones';

const GICD = 0x0800_0000;
const GICC = 0x0801_0000;
const ISENABLER = 0x100, ICENABLER = 0x180, ISPENDR = 0x200, ITARGETSR = 0x800, SGIR = 0xf00;

function gicv2Zones() {
  const r = twoZones('qemu-gicv2');
  const gic = r.view.devices.gicv2!;
  /** The physical distributor as `cpu` sees it. */
  const physical = (offset: number, size: 1 | 2 | 4 = 4, cpu = 0) => gic.readDistributor(cpu, offset, size) >>> 0;
  return { ...r, gic, physical };
}

describe("hvisor's vGICv2", () => {
  it('masks a byte access with the fields of the bytes it touches: an owned SPI\'s target lands, its neighbour\'s does not', () => {
    const { guest, physical, chipOf } = gicv2Zones();
    const zone1 = guest(1, 3);
    zone1.write(GICD + ITARGETSR + 48, 0x08n, 1); // SPI 48 (zone 1's) to cpu 3
    zone1.write(GICD + ITARGETSR + 49, 0x08n, 1); // SPI 49: no zone's
    expect(physical(ITARGETSR + 48, 1)).toBe(0x08);
    expect(physical(ITARGETSR + 49, 1)).toBe(0);
    expect(zone1.read(GICD + ITARGETSR + 48, 4)).toBe(0x08n);
    const refused = chipOf(1).inspectState({ ownerOf: () => null }).extra![0]!;
    expect(refused.rows.map((r) => [r.key, r.cells.register])).toEqual([['49', 'GICD_ITARGETSR12']]);
  });

  it("treats every SGI and PPI as the zone's own: a zone can disable hvisor's SGI 7 on its CPU", () => {
    const { guest, physical } = gicv2Zones();
    guest(1, 3).write(GICD + ISENABLER, 0xffff_ffffn);
    expect(physical(ISENABLER, 4, 3) & (1 << 7)).not.toBe(0);
    guest(1, 3).write(GICD + ICENABLER, BigInt(1 << 7));
    expect(physical(ISENABLER, 4, 3) & (1 << 7)).toBe(0);
  });

  it('passes GICD_SGIR writes through unfiltered (an SGI reaches the root\'s cpu 0) and reads it as 0', () => {
    const { guest, physical } = gicv2Zones();
    guest(0, 0).write(GICD + ISENABLER, 0xffffn);
    guest(1, 3).write(GICD + SGIR, BigInt((1 << 16) | 5)); // SGI 5 to CPU interface 0
    expect(physical(ISPENDR, 4, 0) & (1 << 5)).not.toBe(0);
    expect(guest(1, 3).read(GICD + SGIR)).toBe(0n);
  });

  it("reads the identification registers from 0xFE0 as hvisor's range has them, and stops the zone at PIDR4 (0xFD0) where hvisor panics", () => {
    const { guest, physical, runtime } = gicv2Zones();
    expect(guest(1, 3).read(GICD + 0xfe8)).toBe(BigInt(physical(0xfe8)));
    guest(1, 3).read(GICD + 0xfd0);
    expect(runtime.table.byId(1)!.errorText()).toMatch(/GICD offset 0xfd0 \(read\) is not emulated by hvisor's vGICv2: hvisor panics here/);
  });

  it("gives the guest its own CPU's interface at the zone's GICC address", () => {
    const { guest, gic } = gicv2Zones();
    guest(1, 3).write(GICC + 0x4, 0xa0n); // GICC_PMR
    expect(gic.readCpuInterface(3, 0x4, 4)).toBe(0xa0);
    expect(gic.readCpuInterface(0, 0x4, 4)).not.toBe(0xa0);
  });

  it('says that hvisor panics when a zone shuts down on GICv2, and disables the zone\'s SPIs', () => {
    const { guest, physical, runtime, logs } = gicv2Zones();
    guest(1, 3).write(GICD + ISENABLER + 4, BigInt(1 << 16));
    expect(runtime.hypervisor.shutdownZone(1)).toMatchObject({ code: 0 });
    expect(physical(ISENABLER + 4) & (1 << 16)).toBe(0);
    expect(logs.join('\n')).toMatch(/hvisor panics when a zone shuts down on a GICv2 board \(arch_irqchip_reset is todo!\(\)/);
  });
});
