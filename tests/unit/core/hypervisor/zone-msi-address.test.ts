/**
 * A PCI function's MSI programmed by a zone on qemu-aia: the zone's IMSIC page of cpu c (what hvisor's
 * vIMSIC traps and forwards) is cpu c's guest interrupt file IMSIC_GUEST_INDEX (1), so the message goes
 * there; other addresses and boards without an IMSIC are left alone.
 */
import { describe, expect, it } from 'vitest';
import { irqChipsOf } from '../../../../src/core/hypervisor/irqchips';
import { qemuAia } from '../../../../src/boards/riscv64/qemu-aia';
import { qemuPlic } from '../../../../src/boards/riscv64/qemu-plic';

describe('zoneMsiAddress (riscv64 AIA)', () => {
  const arch = irqChipsOf('riscv64');

  it("maps the zone's IMSIC page of each of its cpus to that cpu's guest file 1", () => {
    // qemu-aia: S files at 0x28000000, 2 pages per hart (S file, guest file 1).
    expect(arch.zoneMsiAddress!(qemuAia, [0], 0x2800_0000)).toBe(0x2800_1000);
    expect(arch.zoneMsiAddress!(qemuAia, [0, 1, 2], 0x2800_2000)).toBe(0x2800_5000);
    expect(arch.zoneMsiAddress!(qemuAia, [3], 0x2800_3000)).toBe(0x2800_7000);
  });

  it('leaves alone what is not the zone’s IMSIC page: another zone’s cpu, other addresses, a PLIC board', () => {
    expect(arch.zoneMsiAddress!(qemuAia, [3], 0x2800_0000)).toBeUndefined();
    expect(arch.zoneMsiAddress!(qemuAia, [0], 0x8000_0000)).toBeUndefined();
    expect(arch.zoneMsiAddress!(qemuAia, [], 0x2800_0000)).toBeUndefined();
    expect(arch.zoneMsiAddress!(qemuPlic, [0], 0x2800_0000)).toBeUndefined();
  });

  it('aarch64 has no translation (no ITS yet): the address as it is', () => {
    expect(irqChipsOf('aarch64').zoneMsiAddress).toBeUndefined();
  });
});
