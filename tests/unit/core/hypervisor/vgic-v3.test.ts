/**
 * hvisor's vGICv3 (core/hypervisor/arch/aarch64/vgic-v3.ts) on qemu-gicv3, single-threaded: what a zone's
 * guest reads and writes through its trapped distributor and redistributor windows, register by register
 * as hvisor 6a3fb78's vgicv3_dist_handler / vgicv3_redist_handler give it, what zone shutdown leaves on
 * the physical GIC (arch_irqchip_reset), and the accesses on which hvisor panics.
 */
import { describe, expect, it } from 'vitest';
import { twoZones as zonesOn } from '../../../helpers/vgic-zones';

const GICD = 0x0800_0000;
const GICR = 0x080a_0000;
const FRAME = 0x2_0000;
const SGI = 0x1_0000;
const ISENABLER = 0x100, ICENABLER = 0x180, ISPENDR = 0x200, IPRIORITYR = 0x400, IROUTER = 0x6000;

/** qemu-gicv3 with the root zone (cpus 0-1; SPIs 33, 35-38, 64, 65, 77, 79) and zone 1 on cpu 3 owning SPIs 48 and 50. */
function twoZones() {
  const r = zonesOn('qemu-gicv3');
  const gic = r.view.devices.gicv3!;
  const physical = (offset: number, size: 1 | 2 | 4 = 4) => gic.distributor.read(offset, size) >>> 0;
  return { ...r, gic, physical };
}

describe("hvisor's vGICv3: the distributor", () => {
  it("filters set/clear-enable by the zone's interrupts: a zone sees and changes only its own SPIs", () => {
    const { guest, physical } = twoZones();
    const root = guest(0, 0), zone1 = guest(1, 3);
    root.write(GICD + ISENABLER + 4, 0xffff_ffffn); // INTIDs 32-63: the root owns 33, 35-38
    zone1.write(GICD + ISENABLER + 4, 0xffff_ffffn); // zone 1 owns 48 and 50
    expect(physical(ISENABLER + 4)).toBe((1 << 1) | (0xf << 3) | (1 << 16) | (1 << 18));
    expect(zone1.read(GICD + ISENABLER + 4)).toBe(BigInt((1 << 16) | (1 << 18)));
    // Clearing everything from zone 1 leaves the root's SPIs enabled.
    zone1.write(GICD + ICENABLER + 4, 0xffff_ffffn);
    expect(physical(ISENABLER + 4)).toBe((1 << 1) | (0xf << 3));
    expect(root.read(GICD + ISENABLER + 4)).toBe(BigInt((1 << 1) | (0xf << 3)));
  });

  it('keeps the other zones\' priority fields on a word write, and reads foreign fields as 0', () => {
    const { guest, physical } = twoZones();
    const zone1 = guest(1, 3);
    // IPRIORITYR12 holds INTIDs 48-51; zone 1 owns 48 and 50.
    zone1.write(GICD + IPRIORITYR + 48, 0x1020_3040n);
    expect(physical(IPRIORITYR + 48).toString(16)).toBe((0x0020_0040).toString(16));
    expect(zone1.read(GICD + IPRIORITYR + 48)).toBe(0x0020_0040n);
    // hvisor computes the mask for the 32-bit register whatever the access size: a byte written at
    // INTID 49 (not the zone's) is masked with INTID 48's field, which the zone owns, and lands.
    zone1.write(GICD + IPRIORITYR + 49, 0x80n, 1);
    expect(physical(IPRIORITYR + 49, 1)).toBe(0x80);
  });

  it('routes only its own SPIs: IROUTER of another zone\'s SPI reads 0 and ignores writes', () => {
    const { guest, physical } = twoZones();
    const zone1 = guest(1, 3);
    zone1.write(GICD + IROUTER + 8 * 48, 0x3n, 8);
    expect(physical(IROUTER + 8 * 48)).toBe(3);
    // The route itself is not checked: zone 1 may send its SPI to cpu 0, the root's, as in hvisor.
    zone1.write(GICD + IROUTER + 8 * 50, 0x0n, 8);
    expect(physical(IROUTER + 8 * 50)).toBe(0);
    guest(0, 0).write(GICD + IROUTER + 8 * 33, 0x1n, 8);
    zone1.write(GICD + IROUTER + 8 * 33, 0x3n, 8);
    expect(physical(IROUTER + 8 * 33)).toBe(1);
    expect(zone1.read(GICD + IROUTER + 8 * 33, 8)).toBe(0n);
  });

  it('reads CTLR and TYPER through but ignores writes; the distributor is on before any guest writes it', () => {
    const { guest, physical } = twoZones();
    expect(physical(0) & 2).toBe(2); // EnableGrp1, as hvisor's enable_gic_are_ns leaves it
    guest(1, 3).write(GICD, 0n);
    expect(physical(0) & 2).toBe(2);
    expect(guest(1, 3).read(GICD + 4)).toBe(BigInt(physical(4)));
  });

  it('stops the zone with a report where hvisor panics: a GICD register its vGIC does not emulate', () => {
    const { guest, runtime } = twoZones();
    guest(1, 3).write(GICD + 0xf00, 0x1_0003n); // GICD_SGIR
    expect(runtime.table.byId(1)!.errorText()).toMatch(/zone 1 \(guest\), cpu 3: GICD offset 0xf00 \(write\) is not emulated by hvisor's vGICv3: hvisor panics here/);
  });
});

describe("hvisor's vGICv3: the redistributors", () => {
  it("lets a zone change its own CPU's SGIs and PPIs but never hvisor's SGI 7 and maintenance PPI 25, and ignores another zone's CPU", () => {
    const { guest, gic } = twoZones();
    const zone1 = guest(1, 3);
    const enabled = (cpu: number) => gic.redistributors.read(cpu * FRAME + SGI + ISENABLER, 4) >>> 0;
    zone1.write(GICR + 3 * FRAME + SGI + ISENABLER, 0xffff_ffffn);
    expect(enabled(3)).toBe(0xffff_ffff);
    zone1.write(GICR + 3 * FRAME + SGI + ICENABLER, 0xffff_ffffn);
    expect(enabled(3)).toBe((1 << 7) | (1 << 25));
    // Cpu 0 runs the root zone: zone 1's writes there are dropped and its reads give 0.
    guest(0, 0).write(GICR + SGI + ISENABLER, BigInt(1 << 27));
    zone1.write(GICR + SGI + ICENABLER, 0xffff_ffffn);
    expect(enabled(0)).toBe(1 << 27);
    expect(zone1.read(GICR + SGI + ISENABLER)).toBe(0n);
    // Every zone may read every frame's TYPER (Linux finds its redistributor that way); Last on cpu 3.
    expect(Number(zone1.read(GICR + 3 * FRAME + 8, 8)) & 0x10).toBe(0x10);
    expect(Number(zone1.read(GICR + 8, 8)) & 0x10).toBe(0);
  });

  it('has every interrupt in Group 1 (hvisor injects all as Group 1) and ignores a guest\'s GICR_IGROUPR0 write', () => {
    const { guest, gic, physical } = twoZones();
    const groups = (cpu: number) => gic.redistributors.read(cpu * FRAME + SGI + 0x80, 4) >>> 0;
    expect([0, 1, 2, 3].map(groups)).toEqual([0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff]);
    expect(physical(0x80 + 4)).toBe(0xffff_ffff);
    guest(1, 3).write(GICR + 3 * FRAME + SGI + 0x80, 0n);
    expect(groups(3)).toBe(0xffff_ffff);
  });

  it("stops the zone where hvisor's unwrap panics: the SGI frame of a CPU no zone runs on", () => {
    const { guest, runtime } = twoZones();
    guest(1, 3).write(GICR + 2 * FRAME + SGI + ISENABLER, 1n);
    expect(runtime.table.byId(1)!.errorText()).toMatch(/redistributor of cpu 2 .*while no zone runs on that cpu: hvisor panics here/);
  });
});

describe("hvisor's vGICv3 in the inspector", () => {
  it("shows the zone's own interrupts, and every write its filter dropped with the interrupt's owner and the register", () => {
    const { guest, chipOf } = twoZones();
    const zone1 = guest(1, 3);
    zone1.write(GICD + ISENABLER + 4, BigInt((1 << 1) | (1 << 16))); // 33 (the root's) and 48 (its own)
    zone1.write(GICD + ISENABLER + 4, BigInt(1 << 1));
    zone1.write(GICD + IROUTER + 8 * 64, 0x3n, 8); // the root's 64
    zone1.write(GICR + SGI + ISENABLER, 1n); // cpu 0's redistributor (the root's)
    zone1.read(GICD + ISENABLER + 8); // reads are not refusals
    const ownerOf = (irq: number) => ([33, 64].includes(irq) ? 0 : irq === 48 || irq === 50 ? 1 : null);
    const data = chipOf(1).inspectState({ ownerOf, ownerOfCpu: (cpu) => (cpu < 2 ? 0 : cpu === 3 ? 1 : null) });
    expect(data.lines.rows.map((r) => r.key)).toEqual(expect.arrayContaining(['48', '50']));
    expect(data.lines.rows.some((r) => r.key === '33')).toBe(false);
    // Its CPU's (3) own SGIs and PPIs are the zone's too; another CPU's are not. SGIs are edge-triggered.
    const privateRows = data.lines.rows.filter((r) => Number(r.cells.intid) < 32);
    expect(privateRows.length).toBe(32);
    expect(new Set(privateRows.map((r) => r.cells.target))).toEqual(new Set(['cpu 3']));
    expect(privateRows.filter((r) => Number(r.cells.intid) < 16).every((r) => r.cells.trigger === 'edge')).toBe(true);
    const refused = data.extra![0]!;
    expect(refused.rows.map((r) => [r.key, r.cells.register, r.cells.writes, r.cells.owner])).toEqual([
      ['33', 'GICD_ISENABLER1', 2, 0],
      ['64', 'GICD_IROUTER64', 1, 0],
      ['cpu0', 'GICR_ISENABLER0', 1, 0],
    ]);
  });
});

describe("hvisor's vGICv3: injection and zone shutdown", () => {
  it("disables and deactivates the zone's SPIs when it shuts down, and leaves the root's", () => {
    const { guest, physical, runtime } = twoZones();
    guest(0, 0).write(GICD + ISENABLER + 4, BigInt(1 << 1));
    guest(1, 3).write(GICD + ISENABLER + 4, BigInt((1 << 16) | (1 << 18)));
    expect(runtime.hypervisor.shutdownZone(1)).toMatchObject({ code: 0 });
    expect(physical(ISENABLER + 4)).toBe(1 << 1);
  });

  it("injects a virtual interrupt (virtio's, the root daemon's wake-up) as a pending SPI of the zone, and refuses others", () => {
    const { chipOf, physical, runtime, logs } = twoZones();
    expect(chipOf(1).inject(48, false)).toBe(true);
    expect(physical(ISPENDR + 4) & (1 << 16)).not.toBe(0);
    expect(chipOf(1).inject(33, false)).toBe(false);
    expect(logs.at(-1)).toMatch(/zone 1 \(guest\): irq 33 injected as virtual is not an SPI of the zone, dropped/);
    runtime.wakeRootDaemon(); // IRQ_WAKEUP_VIRTIO_DEVICE = 64, the root's
    expect(physical(ISPENDR + 8) & 1).toBe(1);
  });
});
