/**
 * hvisor's IVC (core/hypervisor/ivc.ts) as hvisor 6a3fb78's src/arch/aarch64/ivc.rs sets it up at zone
 * creation on qemu-gicv3: one shared region per ivc_id mapped into every peer (its own out section
 * writable, the others' read-only), the control table's registers, the doorbell that sets the peer's
 * SPI pending on the physical GIC, HvIvcInfo, and hvisor's refusals (conflicting configs, sections not
 * page multiples, no room for a restarted peer).
 */
import { describe, expect, it } from 'vitest';
import { dispatchHypercall, HypercallCode } from '../../../../src/core/hypervisor/hypercall';
import { leaveZone } from '../../../../src/core/hypervisor/hypervisor';
import { encodeZoneConfig } from '../../../../src/core/hypervisor/zone-config-binary';
import type { IvcConfig, ZoneConfig } from '../../../../src/shared/model/zone-config';
import { rootedRuntime } from '../../../helpers/zone-runtime';

const CT = 0xd000_0000;
const SHMEM = 0xd000_1000;
const ISPENDR = 0x200;

const ivc = (peerId: number, irq: number, extra: Partial<IvcConfig> = {}): IvcConfig => ({
  ivcId: 0, peerId, controlTableIpa: CT, sharedMemIpa: SHMEM, rwSecSize: 0x1000, outSecSize: 0x1000, interruptNum: irq, maxPeers: 2, ...extra,
});

function zones() {
  const r = rootedRuntime('qemu-gicv3');
  const zone = (zoneId: number, cpu: number, ivcConfigs: IvcConfig[]): ZoneConfig => ({
    ...r.root, root: false, zoneId, name: `z${zoneId}`, cpus: [cpu], interrupts: ivcConfigs.map((c) => c.interruptNum), allocPciDevs: [], ivcConfigs,
    memoryRegions: [{ type: 'ram', physicalStart: 0x5800_0000 + zoneId * 0x100_0000, virtualStart: 0x5800_0000, size: 0x0100_0000 }],
  });
  const start = (config: ZoneConfig) => expect(r.runtime.hypervisor.startZone(config, encodeZoneConfig(config))).toMatchObject({ code: 0 });
  const pending = (irq: number) => ((r.view.devices.gicv3!.distributor.read(ISPENDR + 4 * (irq >>> 5), 4) >>> (irq & 31)) & 1) === 1;
  return { ...r, zone, start, pending, table: r.runtime.ivc! };
}

describe("hvisor's IVC on aarch64", () => {
  it('maps one shared region into both peers: the read-write section, its own out section writable, the other\'s read-only', () => {
    const { zone, start, table } = zones();
    const z1 = zone(1, 2, [ivc(0, 66)]);
    const z2 = zone(2, 3, [ivc(1, 67)]);
    start(z1);
    start(z2);
    const m1 = table.mappingsOf(1, z1.ivcConfigs);
    const m2 = table.mappingsOf(2, z2.ivcConfigs);
    expect(m1.regions.map((m) => [m.ipa, m.size, m.readOnly])).toEqual([[SHMEM, 0x1000, false], [SHMEM + 0x1000, 0x1000, false], [SHMEM + 0x2000, 0x1000, true]]);
    expect(m2.regions.map((m) => m.readOnly)).toEqual([false, true, false]);
    // The same frames behind both, from hvisor's own memory (the top of hypervisorReserved), not a zone's RAM.
    expect(m1.regions.map((m) => m.pa)).toEqual(m2.regions.map((m) => m.pa));
    expect(m1.regions[0]!.pa).toBe(0x4460_0000 - 0x3000);
    expect(m1.controlTables).toEqual([CT]);
  });

  it('answers the control table and rings the peer: ipi_invoke sets the peer\'s SPI pending on the GIC', () => {
    const { zone, start, table, pending, runtime } = zones();
    start(zone(1, 2, [ivc(0, 66)]));
    start(zone(2, 3, [ivc(1, 67)]));
    const read = (zoneId: number, offset: number) => table.control(zoneId, CT, offset, false, 0);
    expect([0x0, 0x4, 0x8, 0xc, 0x10].map((o) => read(2, o))).toEqual([{ value: 0 }, { value: 2 }, { value: 0x1000 }, { value: 0x1000 }, { value: 1 }]);
    const ring = table.control(1, CT, 0x14, true, 1);
    expect(ring).toEqual({ raise: 67, zone: 2 });
    // The same write through zone 1's trapped control table rings it on the physical GIC.
    const z1 = zone(1, 2, [ivc(0, 66)]);
    const slot = runtime.table.byId(1)!;
    const { traps, regions } = runtime.ivcStage2(z1, slot);
    expect(regions.map((m) => [m.guestStart, m.data])).toEqual([[SHMEM, 'rw'], [SHMEM + 0x1000, 'rw'], [SHMEM + 0x2000, 'ro']]);
    expect(pending(67)).toBe(false);
    traps[0]!.handler.write({ cpuId: 2, getPc: () => 0n }, 0x14, 4, 1n);
    expect(pending(67)).toBe(true);
    expect(table.control(1, CT, 0x14, true, 5)).toMatchObject({ error: 'EINVAL', message: 'zone 1 has no peer 5 in ivc_id 0' });
    expect(table.control(1, CT, 0x14, false, 0)).toMatchObject({ error: 'EFAULT' });
    expect(table.control(1, CT, 0x18, false, 0)).toMatchObject({ error: 'EFAULT' });
  });

  it('hands HvIvcInfo to every zone: its IVC regions, or none (len 0: hvisor runs ivc_init for every zone it creates)', () => {
    const { zone, start, runtime, logs } = zones();
    start(zone(1, 2, [ivc(0, 66)]));
    start(zone(2, 3, []));
    let written: Uint8Array | undefined;
    const call = (zoneId: number) => dispatchHypercall(BigInt(HypercallCode.ivcInfo), 0x5800_0000n, 0n, {
      hypervisor: runtime.hypervisor, zoneId, hart: 2, log: (l) => logs.push(l),
      readGuest: () => undefined, writeGuest: (_a, bytes) => ((written = bytes), true),
      ivcInfo: (id) => runtime.ivc!.infoBytes(id),
    });
    expect(call(1)).toBe(0);
    const v = new DataView(written!.buffer);
    expect([v.getBigUint64(0, true), v.getBigUint64(8, true), v.getBigUint64(24, true), v.getUint32(40, true), v.getUint32(48, true)])
      .toEqual([1n, BigInt(CT), BigInt(SHMEM), 0, 66]);
    expect(call(2)).toBe(0);
    expect(new DataView(written!.buffer).getBigUint64(0, true)).toBe(0n);
  });

  it("refuses as hvisor does: a restarted peer finds no room (hvisor keeps stopped zones' peers), conflicting sizes, sections not page multiples", () => {
    const { zone, start, table, runtime, logs, view } = zones();
    const z2 = zone(2, 3, [ivc(1, 67)]);
    start(zone(1, 2, [ivc(0, 66)]));
    start(z2);
    expect(runtime.hypervisor.shutdownZone(2)).toMatchObject({ code: 0 });
    leaveZone(view.headers[3]!); // what cpu 3's vCPU does when it sees the shutdown
    start(z2);
    expect(logs.join('\n')).toMatch(/zone 2: IVC: ivc_configs\[0\] \(ivc_id 0\): can't add more peers to ivc_id 0 .*the zone runs without it/);
    expect(table.mappingsOf(2, z2.ivcConfigs).regions).toEqual([]);
    // Cpu 3 again, for zones that name the region differently.
    const replace = (id: number, config: ZoneConfig) => {
      expect(runtime.hypervisor.shutdownZone(id)).toMatchObject({ code: 0 });
      leaveZone(view.headers[3]!);
      start(config);
    };
    replace(2, zone(3, 3, [ivc(2, 68, { maxPeers: 3 })]));
    expect(logs.at(-1)).toMatch(/zone 3: IVC: .*ivc config conflicts/);
    replace(3, zone(4, 3, [ivc(0, 69, { ivcId: 7, rwSecSize: 0x800 })]));
    expect(logs.at(-1)).toMatch(/ivc_id 7\): section size must be page aligned/);
  });
});
