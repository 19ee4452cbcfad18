/**
 * Zone device trees on qemu-aia: the vAPLIC at the zone's aplic_base with msi-parent to a compact IMSIC
 * that starts at the page hvisor maps the zone's first CPU's guest file at (imsic_base + 4 KiB * cpu),
 * one interrupts-extended entry per zone CPU; the whole board's tree has the S files with their guest bits.
 */
import { describe, expect, it } from 'vitest';
import { qemuAia } from '../../../../src/boards/riscv64/qemu-aia';
import { boardDts, wholeBoardInput } from '../../../../src/core/fdt/board-dtb';
import { zoneTreeInput } from '../../../../src/core/hypervisor/zone-dtb';
import { rootZoneConfig, type ZoneConfig } from '../../../../src/shared/model/zone-config';

describe('qemu-aia device trees', () => {
  const root = rootZoneConfig(qemuAia);
  const zone1: ZoneConfig = {
    ...root, root: false, zoneId: 1, name: 'linux2', source: 'zone1.json', cpus: [3], interrupts: [6], allocPciDevs: [],
    memoryRegions: [{ type: 'ram', physicalStart: 0x8300_0000, virtualStart: 0x8300_0000, size: 0xb00_0000 }],
  };

  it("gives zone 1 (CPU 3) its IMSIC page at 0x28003000 and the vAPLIC with the UART's two cells out of the root's", () => {
    const dts = boardDts(zoneTreeInput(qemuAia, zone1, [root, zone1]));
    expect(dts).toMatch(/imsics: imsics@28003000 \{[^}]*interrupts-extended = <&cpu3_intc 0x9>;[^}]*reg = <0x0 0x28003000 0x0 0x1000>;/);
    expect(dts).not.toMatch(/riscv,guest-index-bits/);
    expect(dts).toMatch(/aplic: aplic@d000000 \{[^}]*msi-parent = <&imsics>;[^}]*riscv,num-sources = <0x60>;/);
    const rootDts = boardDts(zoneTreeInput(qemuAia, root, [root, zone1]));
    expect(rootDts).toMatch(/imsics@28000000 \{[^}]*interrupts-extended = <&cpu0_intc 0x9 &cpu1_intc 0x9 &cpu2_intc 0x9>;[^}]*reg = <0x0 0x28000000 0x0 0x3000>;/);
    expect(rootDts).toMatch(/serial@10000000 \{[^}]*interrupts = <0xa 0x4>;[^}]*interrupt-parent = <&aplic>;/);
  });

  it("describes the whole board's S files with one guest file per hart", () => {
    const dts = boardDts(wholeBoardInput(qemuAia));
    expect(dts).toMatch(/imsics@28000000 \{[^}]*reg = <0x0 0x28000000 0x0 0x8000>;[^}]*riscv,guest-index-bits = <0x1>;/);
  });
});
