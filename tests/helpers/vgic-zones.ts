/**
 * Two zones on an aarch64 board for the vGIC tests: the hypervisor's zone runtime single-threaded
 * (tests/helpers/zone-runtime.ts) and guest accesses made straight to a zone's trapped GIC windows.
 */
import { expect } from 'vitest';
import type { VirtualIrqChip } from '../../src/core/hypervisor/irqchip';
import { encodeZoneConfig } from '../../src/core/hypervisor/zone-config-binary';
import type { ArmCpuApi } from '../../src/core/isa/aarch64/platform';
import { rootedRuntime } from './zone-runtime';

/**
 * `board` (qemu-gicv3 or qemu-gicv2) with the root zone (cpus 0-1; SPIs 33, 35-38, 64, 65, 77, 79) and zone 1
 * on cpu 3 owning SPIs 48 and 50; `guest(zone, cpu)` makes that zone's guest accesses to its trapped windows.
 */
export function twoZones(board: 'qemu-gicv3' | 'qemu-gicv2') {
  const r = rootedRuntime(board);
  const zone1 = {
    ...r.root, root: false, zoneId: 1, name: 'guest', cpus: [3], interrupts: [48, 50], allocPciDevs: [],
    memoryRegions: [{ type: 'ram' as const, physicalStart: 0x5800_0000, virtualStart: 0x5800_0000, size: 0x0100_0000 }],
  };
  expect(r.runtime.hypervisor.startZone(zone1, encodeZoneConfig(zone1))).toMatchObject({ code: 0 });
  const chipOf = (id: number) => r.runtime.virtualIrqChipOf(r.runtime.table.byId(id)!)! as VirtualIrqChip<ArmCpuApi>;
  /** A guest access from `cpu` of zone `id` to guest-physical `address`. */
  const guest = (id: number, cpu: number) => {
    const chip = chipOf(id);
    const at = (address: number) => {
      const trap = chip.traps.find((t) => address >= t.start && address < t.start + t.size);
      if (!trap) throw new Error(`0x${address.toString(16)} is not trapped for zone ${id}`);
      return { trap, offset: address - trap.start };
    };
    const who = { cpuId: cpu, getPc: () => 0x5800_0000n } as unknown as ArmCpuApi;
    return {
      read: (address: number, size: 1 | 2 | 4 | 8 = 4) => { const { trap, offset } = at(address); return trap.handler.read(who, offset, size); },
      write: (address: number, value: bigint, size: 1 | 2 | 4 | 8 = 4) => { const { trap, offset } = at(address); trap.handler.write(who, offset, size, value); },
    };
  };
  return { ...r, zone1, chipOf, guest };
}
