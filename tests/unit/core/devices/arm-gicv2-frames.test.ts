/**
 * A GIC-400 on 64 KiB-aligned frames (the ZynqMP's, zcu102 in src/boards/aarch64/zcu102.ts): each 4 KiB
 * page of the CPU interface repeats over 64 KiB, so the 128 KiB window answers GICC_IAR at +0xC and at
 * every 64 KiB copy of page 0 (+0xF00C, where hvisor's gicc_offset and Linux's gic_check_eoimode look),
 * and GICC_DIR at +0x1_0000, right after page 0's last copy. Without the stride the window is the 8 KiB
 * interface itself.
 */
import { describe, expect, it } from 'vitest';
import { ArmGicv2, GiccCtlr, GiccOffset as C, GicV2DistOffset as D } from '../../../../src/core/devices/intc/arm-gicv2';
import { RecordingSignals, sharedRegion } from './helpers';

const SPI = 53;

function setup(cpuInterfacePageStride?: number) {
  const config = { cpus: 1, lines: 192, ...(cpuInterfacePageStride ? { cpuInterfacePageStride } : {}) };
  const gic = new ArmGicv2(sharedRegion(ArmGicv2.stateBytes(config)), config, new RecordingSignals(1));
  const dist = gic.distributorFor(0);
  const cpuif = gic.cpuInterfaceFor(0);
  dist.write(D.ctlr, 4, 1);
  dist.write(D.itargetsr + SPI, 1, 1);
  dist.write(D.isenabler + 4 * (SPI >> 5), 4, 1 << (SPI & 31));
  return { gic, cpuif };
}

describe('GICv2 CPU interface on 64 KiB frames', () => {
  it('decodes every copy of page 0 and page 1 to the registers they repeat', () => {
    const { gic } = setup(0x1_0000);
    expect([0xc, 0x1_000c, 0xf00c, 0x1_f000].map((o) => gic.cpuInterfaceRegister(o))).toEqual([C.iar, C.dir + 0xc, C.iar, C.dir]);
    expect(setup().gic.cpuInterfaceRegister(0xf00c)).toBe(0xf00c);
  });

  it('acknowledges through the last copy of page 0 and deactivates through page 1 with EOImode, as Linux on the ZynqMP does', () => {
    const { gic, cpuif } = setup(0x1_0000);
    const base = 0xf000;
    cpuif.write(base + C.pmr, 4, 0xf0);
    cpuif.write(base + C.ctlr, 4, GiccCtlr.enableGrp0 | GiccCtlr.eoiMode);
    gic.setLevel(SPI, true);
    expect(cpuif.read(base + C.iar, 4) & 0x3ff).toBe(SPI);
    gic.setLevel(SPI, false);
    cpuif.write(base + C.eoir, 4, SPI);
    // Still active until GICC_DIR (page 1, at base + 0x1000 = the window's +0x1_0000).
    expect(gic.readDistributor(0, D.isactiver + 4 * (SPI >> 5), 4) & (1 << (SPI & 31))).not.toBe(0);
    cpuif.write(base + C.dir, 4, SPI);
    expect(gic.readDistributor(0, D.isactiver + 4 * (SPI >> 5), 4) & (1 << (SPI & 31))).toBe(0);
    // The first copy of page 0 is the same interface.
    expect(cpuif.read(C.ctlr, 4)).toBe(GiccCtlr.enableGrp0 | GiccCtlr.eoiMode);
  });

  it('refuses a stride that is not a multiple of 4 KiB', () => {
    expect(() => setup(0x1800)).toThrow('GICv2 cpuInterfacePageStride must be a multiple of 4 KiB, not 6144');
  });
});
