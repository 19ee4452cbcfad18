/**
 * hvisor's SMMUv3 programming on the qemu-gicv3 board through the zone lifecycle (no vCPU workers): the
 * root's start runs iommu_init and gives the root's listed functions its stage-2 (VMID 0); zone 1's
 * start gives 00:03.0 zone 1's table (VMID 1). The board's SMMU then translates 00:03.0's DMA into zone
 * 1's RAM, refuses it elsewhere with F_TRANSLATION naming the StreamID, VMID and address, and lets a
 * function no zone lists bypass, as hvisor's bypass STEs do.
 */
import { describe, expect, it } from 'vitest';
import { DmaFault, DmaPort } from '../../../../src/core/bus/dma';
import { SmmuReg, type SmmuEventRecord } from '../../../../src/core/devices/iommu/arm-smmuv3';
import { encodeZoneConfig } from '../../../../src/core/hypervisor/zone-config-binary';
import type { ZoneConfig } from '../../../../src/shared/model/zone-config';
import { rootedRuntime } from '../../../helpers/zone-runtime';
import { VirtioService } from '../../../../src/host/virtio-service';
import { getBoard } from '../../../../src/boards/index';
import type { Board } from '../../../../src/shared/model/board';

function zoneOne(root: ZoneConfig): ZoneConfig {
  return {
    ...root, source: 'test', root: false, zoneId: 1, name: 'zone1', cpus: [1], interrupts: [],
    memoryRegions: [{ type: 'ram', physicalStart: 0x5000_0000, virtualStart: 0x5000_0000, size: 0x100_0000 }],
    entryPoint: 0x5000_0000, kernelLoadPaddr: 0x5000_0000, dtbLoadPaddr: 0x50f0_0000,
    allocPciDevs: [0, 3].map((device) => ({ domain: 0, bus: 0, device, function: 0, vBus: 0, vDevice: device, vFunction: 0, devType: 0 })),
  };
}

describe('SMMUv3 on qemu-gicv3, programmed at zone start', () => {
  it("passes a function's MSI to the ITS through its zone's table, which maps the ITS window (zone.rs:93-107); a zone without gits refuses it", () => {
    const board = getBoard('qemu-gicv3');
    const { view, runtime, root, logs } = rootedRuntime({ ...board, rootZone: { ...board.rootZone, cpus: [0] } } as Board);
    expect(logs).toContain('iommu map: vaddr:134742016 - paddr:134742016'); // 0x08080000, hvisor's log line
    const msi = view.devices.msi!;
    const translater = 0x0808_0000 + 0x1_0040;
    // The root's 00:01.0 (VMID 0): the SMMU lets the write through; the ITS is still off, so the ITS refuses it.
    expect(msi.deliver({ device: 'virtio-blk-pci 00:01.0', requesterId: 0x08 }, translater, 0)?.refused).toMatch(/^virtio-blk-pci 00:01\.0: MSI DeviceID 0x8 EventID 0 dropped: the ITS is disabled/);
    // Zone 1 without a gits window: its table has no ITS mapping, so the SMMU stops 00:03.0's MSI.
    const arch = root.archConfig as Extract<ZoneConfig['archConfig'], { arch: 'aarch64' }>;
    const noIts = { ...zoneOne(root), archConfig: { ...arch, gic: { ...arch.gic, gitsBase: 0, gitsSize: 0 } } } as ZoneConfig;
    expect(runtime.hypervisor.startZone(noIts, encodeZoneConfig(noIts)).code).toBe(0);
    expect(msi.deliver({ device: 'virtio-blk-pci 00:03.0', requesterId: 0x18 }, translater, 0)?.refused).toMatch(/^the IOMMU refused the MSI write at 0x8090040: .*F_TRANSLATION/);
  });

  it("the management side's PCIe functions go through the SMMU and its events make the DMA report (zone = VMID)", () => {
    const board = getBoard('qemu-gicv3');
    const { view, runtime, root } = rootedRuntime({ ...board, rootZone: { ...board.rootZone, cpus: [0] } } as Board);
    const lines: string[] = [];
    const service = new VirtioService(view, runtime, { output: () => {}, log: (l) => lines.push(l), deviceError: () => {} });
    expect(service.dmaIommu).toBe(view.devices.iommu);
    expect(service.dmaGuard).toContain('SMMUv3');
    expect(runtime.hypervisor.startZone(zoneOne(root), encodeZoneConfig(zoneOne(root))).code).toBe(0);
    const port = new DmaPort(view.bus, { zone: 1, device: '00:03.0', streamId: 0x18 }, { iommu: service.dmaIommu });
    expect(() => port.read(0x4800_0000, 64)).toThrow(/F_TRANSLATION/);
    expect(service.dmaReport.list()).toMatchObject([{ bdf: 0x18, zone: 1, access: 'read', count: 1, firstAddress: 0x4800_0000 }]);
    expect(lines.some((l) => l.startsWith('DMA blocked: 00:03.0 StreamID 0x18 of zone 1 read at 0x48000000: SMMUv3 F_TRANSLATION'))).toBe(true);
  });

  it("confines zone 1's function to zone 1's RAM with VMID 1; an unlisted function bypasses", () => {
    // The root on CPU 0 only, so that zone 1 can have CPU 1.
    const board = getBoard('qemu-gicv3');
    const { view, logs, runtime, root } = rootedRuntime({ ...board, rootZone: { ...board.rootZone, cpus: [0] } } as Board);
    const smmu = view.devices.iommu!;
    expect(smmu).toBeDefined();
    expect(logs).toContain('Smmuv3 init...');
    expect(smmu.read(SmmuReg.CR0ACK, 4)).toBe(0b1001);
    expect(logs.some((l) => /^write ste, sid: 0x0, vmid: 0x0,/.test(l))).toBe(true);

    const zone = zoneOne(root);
    expect(runtime.hypervisor.startZone(zone, encodeZoneConfig(zone)).code).toBe(0);
    expect(logs.some((l) => /^write ste, sid: 0x18, vmid: 0x1,/.test(l))).toBe(true);

    const events: SmmuEventRecord[] = [];
    smmu.listen((e) => events.push(e));
    const ram = view.bus.ram;
    const port = (sid: number) => new DmaPort(view.bus, { zone: 1, device: `00:${(sid >> 3).toString(16).padStart(2, '0')}.0`, streamId: sid }, { iommu: smmu });
    port(0x18).write(0x5000_1000, new Uint8Array([0x11, 0x22]));
    expect([...ram.u8.subarray(0x5000_1000 - ram.base, 0x5000_1002 - ram.base)]).toEqual([0x11, 0x22]);
    const rootByte = ram.u8[0x4800_0000 - ram.base];
    expect(() => port(0x18).write(0x4800_0000, new Uint8Array([0x33]))).toThrow(DmaFault);
    expect(ram.u8[0x4800_0000 - ram.base]).toBe(rootByte);
    expect(events).toHaveLength(1);
    // The SMMU names a stream's zone by its STE's VMID (DMA faults name it); a bypassing stream has none.
    expect(smmu.zoneOf(0x18)).toBe(1);
    expect(smmu.zoneOf(0x8)).toBe(0);
    expect(smmu.zoneOf(0x20)).toBeUndefined();
    expect(events[0]).toMatchObject({ name: 'F_TRANSLATION', streamId: 0x18, vmid: 1, inputAddress: 0x4800_0000, read: false, stage2: true });
    // 00:04.0 is in no zone's list: its STE stays hvisor's bypass STE.
    port(0x20).write(0x4800_0000, new Uint8Array([0x44]));
    expect(ram.u8[0x4800_0000 - ram.base]).toBe(0x44);
  });
});
