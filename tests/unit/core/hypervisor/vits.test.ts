/**
 * hvisor's virtual ITS (core/hypervisor/arch/aarch64/vits.ts) on qemu-gicv3, single-threaded: the root
 * programs the ITS window hvisor traps as Linux's driver does; hvisor's copy of its commands reaches the
 * real ITS with the collection numbers and ITT addresses hvisor rewrites, MAPTI enables the LPI in
 * hvisor's own property table (the one every GICR_PROPBASER names), and a device's MSI then interrupts
 * the CPU the collection names. A zone naming a collection beyond its CPUs stops where hvisor panics.
 */
import { describe, expect, it } from 'vitest';
import { GitsOffset } from '../../../../src/core/devices/intc/arm-gicv3/its';
import { GICR_FRAME_BYTES, GicrOffset } from '../../../../src/core/devices/intc/arm-gicv3/redistributor';
import { Icc } from '../../../../src/core/devices/intc/arm-gicv3/cpu-interface';
import { VITS_FRAMES_OFFSET } from '../../../../src/core/hypervisor/arch/aarch64/vits';
import { twoZones } from '../../../helpers/vgic-zones';

const GITS = 0x0808_0000;
const GICR = 0x080a_0000;
const QUEUE = 0x5100_0000; // in the root's RAM (identity)
const DT = 0x5101_0000;
const CT = 0x5103_0000;
const ITT = 0x5104_0000;
const PEND = 0x5110_0000;
const DEV = 0x0008;

describe("hvisor's vITS", () => {
  it('copies the root\'s MAPC/MAPD/MAPTI into its own queue, enables the LPI in its property table, and the MSI reaches the collection\'s CPU', () => {
    const z = twoZones('qemu-gicv3');
    const gic = z.view.devices.gicv3!;
    const its = gic.its!;
    const ram = z.view.bus;
    const hv = z.board.hypervisorReserved.base;
    const w64 = (address: number, value: bigint) => { const b = ram.bankAt(address, 8)!; b.view.setBigUint64(address - b.base, value, true); };
    const root = z.guest(0, 0);
    // init_lpi_prop and gits_init ran at the root's vGIC: PROPBASER names hvisor's table, the real CBASER its queue.
    const propTable = hv + VITS_FRAMES_OFFSET;
    expect(gic.redistributors.read(GICR_FRAME_BYTES + GicrOffset.propbaser, 4)).toBe((propTable | 0x78f) >>> 0);
    expect(its.read(GitsOffset.cbaser, 4)).toBe(((propTable + 0x1_0000) | 0x400 | 15) >>> 0);
    expect(its.read(GitsOffset.ctlr, 4) & 1).toBe(0);
    // The root's own PROPBASER is its own (vgic-v3.ts), not the hardware's.
    root.write(GICR + GICR_FRAME_BYTES + GicrOffset.propbaser, 0x5200_078fn, 8);
    expect(root.read(GICR + GICR_FRAME_BYTES + GicrOffset.propbaser, 8)).toBe(0x5200_078fn);
    expect(gic.redistributors.read(GICR_FRAME_BYTES + GicrOffset.propbaser, 4)).toBe((propTable | 0x78f) >>> 0);
    // PENDBASER and GICR_CTLR (the root's CPU 1) go through.
    root.write(GICR + GICR_FRAME_BYTES + GicrOffset.pendbaser, BigInt(PEND), 8);
    root.write(GICR + GICR_FRAME_BYTES + GicrOffset.ctlr, 1n);
    expect(gic.lpis!.enabled(1)).toBe(true);

    // its_alloc_tables and its_init: BASER0 (two levels), BASER1, CBASER, CWRITER, CTLR.
    const baser0 = root.read(GITS + 0x100, 8);
    expect(Number((baser0 >> 56n) & 7n)).toBe(1);
    root.write(GITS + 0x100, (1n << 63n) | (1n << 62n) | (baser0 & 0x071f_0000_0000_0000n) | BigInt(DT), 8);
    w64(DT, (1n << 63n) | BigInt(DT + 0x1000));
    root.write(GITS + 0x108, (1n << 63n) | (4n << 56n) | (7n << 48n) | BigInt(CT), 8);
    expect(root.read(GITS + 0x100, 8) & 0xffff_f000n).toBe(BigInt(DT));
    expect(its.read(GitsOffset.baser, 4) >>> 0).toBe(DT); // the root's is written to the ITS (identity)
    root.write(GITS + 0x80, (1n << 63n) | BigInt(QUEUE) | 15n, 8);
    expect(root.read(GITS + 0x80, 8)).toBe((1n << 63n) | BigInt(QUEUE) | 15n);
    root.write(GITS + 0x88, 0n, 8); // "ignore first write"
    root.write(GITS, 1n);
    expect(its.read(GitsOffset.ctlr, 4) & 1).toBe(1);

    // Commands in the root's queue: MAPC collection 1 -> redistributor 1, MAPD, MAPTI event 0 -> LPI 8192 in collection 1.
    const cmds = [
      [0x09n, 0n, (1n << 63n) | (1n << 16n) | 1n, 0n],
      [(BigInt(DEV) << 32n) | 0x08n, 1n, (1n << 63n) | BigInt(ITT), 0n],
      [(BigInt(DEV) << 32n) | 0x0an, (8192n << 32n) | 0n, 1n, 0n],
      [0x05n, 0n, 1n << 16n, 0n],
    ];
    cmds.forEach((c, i) => c.forEach((v, j) => w64(QUEUE + 32 * i + 8 * j, v)));
    root.write(GITS + 0x88, BigInt(32 * cmds.length), 8);
    expect(root.read(GITS + 0x90, 8)).toBe(BigInt(32 * cmds.length));
    expect(its.read(GitsOffset.creadr, 4)).toBe(32 * cmds.length);
    expect(its.stats().errors).toBe(0);
    // enable_one_lpi: byte 0 of hvisor's table is 1 (enabled, priority 0).
    expect(ram.bankAt(propTable, 1)!.u8[propTable - ram.bankAt(propTable, 1)!.base]).toBe(1);

    // The device's MSI: LPI 8192 at CPU 1.
    expect(its.deliver({ device: 'virtio-blk-pci 00:01.0', requesterId: DEV }, GITS + 0x1_0040, 0)).toBeUndefined();
    gic.cpuInterface(1).access(Icc.PMR, true, 0xf0n);
    gic.cpuInterface(1).access(Icc.IGRPEN1, true, 1n);
    expect(gic.cpuInterface(1).access(Icc.IAR1, false, 0n)).toBe(8192n);
  });

  it("rewrites zone 1's collection 0 to its physical CPU, and stops the zone where hvisor's vicid_to_icid panics", () => {
    const z = twoZones('qemu-gicv3');
    const gic = z.view.devices.gicv3!;
    const ram = z.view.bus;
    const w64 = (address: number, value: bigint) => { const b = ram.bankAt(address, 8)!; b.view.setBigUint64(address - b.base, value, true); };
    const zone1 = z.guest(1, 3);
    const root = z.guest(0, 0);
    // The root's collection table (hvisor writes only the root's BASER to the ITS).
    root.write(GITS + 0x108, (1n << 63n) | BigInt(CT), 8);
    root.write(GITS, 1n);
    const queue = 0x5800_0000; // zone 1's RAM
    zone1.write(GITS + 0x80, (1n << 63n) | BigInt(queue), 8);
    w64(queue, 0x09n);
    w64(queue + 16, (1n << 63n) | (3n << 16n) | 0n); // MAPC vICID 0 -> RDbase 3
    zone1.write(GITS + 0x88, 32n, 8);
    // hvisor's real queue got ICID 3 (zone 1's only CPU): the collection table entry 3 says CPU 3.
    const cte = ram.bankAt(CT + 3 * 8, 8)!;
    expect(cte.view.getUint32(CT + 24 - cte.base, true)).toBe(1 | (3 << 1));
    expect(zone1.read(GITS + 0x90, 8)).toBe(32n);
    // vICID 1: zone 1 has one CPU.
    w64(queue + 32, 0x09n);
    w64(queue + 48, (1n << 63n) | (3n << 16n) | 1n);
    zone1.write(GITS + 0x88, 64n, 8);
    expect(z.runtime.table.byId(1)!.errorText()).toMatch(/names collection 1, but the zone has 1 CPU\(s\): hvisor panics here/);
    expect(gic.its!.stats().errors).toBe(0);
  });
});
