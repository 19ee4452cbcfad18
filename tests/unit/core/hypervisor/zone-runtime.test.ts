/**
 * The vPLIC a running zone gets (issue 8 item 2): hvisor builds every zone's vPLIC with
 * BOARD_PLIC_INTERRUPTS_NUM = 1023 sources (plic/mod.rs vplic_init), not the physical PLIC's 95, and
 * delivers virtio completions whether or not the zone lists their IRQ.
 */
import { describe, expect, it } from 'vitest';
import { PlicOffset } from '../../../../src/core/devices/intc/sifive-plic';
import { encodeZoneConfig } from '../../../../src/core/hypervisor/zone-config-binary';
import type { HartApi } from '../../../../src/core/isa/riscv64/platform';
import type { ZoneConfig } from '../../../../src/shared/model/zone-config';
import { rootedRuntime } from '../../../helpers/zone-runtime';
import { VirtualPlic } from '../../../../src/core/hypervisor/arch/riscv64/vplic';

const guest: HartApi = {
  hartId: 2,
  cpuId: 2,
  getX: () => 0n,
  setX: () => {},
  getPc: () => 0x8800_0000n,
  setPc: () => {},
  getPrivilege: () => 1,
};

function runningZone(interrupts: number[]) {
  const { view, logs, runtime, root } = rootedRuntime();
  const zone: ZoneConfig = {
    ...root, source: 'test', root: false, zoneId: 1, name: 'linux1', cpus: [2], interrupts, allocPciDevs: [],
    memoryRegions: [{ type: 'ram', physicalStart: 0x8800_0000, virtualStart: 0x8800_0000, size: 0x0100_0000 }],
    entryPoint: 0x8800_0000, kernelLoadPaddr: 0x8800_0000, dtbLoadPaddr: 0x8880_0000,
  };
  expect(runtime.hypervisor.startZone(zone, encodeZoneConfig(zone)).code).toBe(0);
  const vplic = runtime.virtualIrqChipOf(runtime.table.byId(1)!);
  // The irqchip registry's choice on a riscv64 PLIC board.
  if (!(vplic instanceof VirtualPlic)) throw new Error(`expected a vPLIC, got ${vplic?.kind}`);
  return { vplic, logs, physicalSources: view.devices.plic!.sources };
}

describe("a running zone's vPLIC", () => {
  it('has 1023 sources on a board whose PLIC has 95, so a zone may own IRQs above 95', () => {
    const { vplic, physicalSources } = runningZone([7, 200]);
    expect(physicalSources).toBe(95);
    expect(vplic.sources).toBe(1023);
    expect(vplic.owns(200)).toBe(true);
  });

  it('delivers a virtio completion for an IRQ the zone does not list', () => {
    const { vplic, logs } = runningZone([7]);
    vplic.write(guest, 4 * 300, 4, 1n);
    vplic.write(guest, PlicOffset.enable + PlicOffset.enableStride + 4 * (300 >> 5), 4, BigInt(1 << (300 & 31)));
    expect(vplic.inject(300, false)).toBe(true);
    expect(Number(vplic.read(guest, PlicOffset.context + PlicOffset.contextStride + 4, 4))).toBe(300);
    expect(logs.filter((l) => l.includes('dropped'))).toEqual([]);
  });
});
