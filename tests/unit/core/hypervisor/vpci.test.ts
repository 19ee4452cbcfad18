/**
 * hvisor's vPCI (core/hypervisor/vpci) over the workbench's ECAM host with two virtio-blk-pci functions
 * (00:01.0 the root's, 00:02.0 zone 1's) and a PCI-PCI bridge at 00:03.0: boot enumeration and BAR
 * allocation, the zones' views of the bus, BAR sizing and remapping (64-bit BARs across two writes),
 * bridges, StandardVdev, shutdown, and a zone writing garbage.
 */
import { describe, expect, it } from 'vitest';
import { PCI_CONFIG_BYTES, PciConfigSpace } from '../../../../src/core/devices/pci/pci-config-space';
import { PciHostBridgeFunction, PciHostEcamGeneric } from '../../../../src/core/devices/pci/pci-host-ecam-generic';
import type { PciEndpoint } from '../../../../src/core/devices/pci/pci-endpoint';
import { VIRTIO_PCI_KINDS, virtioPciConfigSpace } from '../../../../src/core/virtio/virtio-pci';
import { applyStage2Change, type Stage2Change, type Stage2Region } from '../../../../src/core/hypervisor/stage2-map';
import { ZoneTable, zoneTableBytes, type ZoneSlot } from '../../../../src/core/hypervisor/zone-table';
import { Vpci, type VpciOptions } from '../../../../src/core/hypervisor/vpci/vpci';
import { VPCI_STATE_BYTES } from '../../../../src/core/hypervisor/vpci/vpci-state';
import type { PciBusConfig, PciDeviceAssignment } from '../../../../src/shared/model/zone-config';

const ECAM = 0x3000_0000;
const ROOT_PCI_CONFIG: PciBusConfig = {
  ecamBase: ECAM, ecamSize: 0x1000_0000, ioBase: 0x300_0000, ioSize: 0x1_0000, pciIoBase: 0,
  mem32Base: 0x4000_0000, mem32Size: 0x4000_0000, pciMem32Base: 0x4000_0000,
  mem64Base: 0x4_0000_0000, mem64Size: 0x4_0000_0000, pciMem64Base: 0x4_0000_0000,
  busRangeBegin: 0, busRangeEnd: 0xff, domain: 0,
};
const ZONE1_RAM: Stage2Region = { kind: 'ram', guestStart: 0xc000_0000, hostStart: 0xc000_0000, size: 0x1000_0000 };

class ConfigOnly implements PciEndpoint {
  constructor(readonly name: string, readonly config: PciConfigSpace) {}
  plug(): void {}
  barRead(): number {
    return 0;
  }
  barWrite(): void {}
  reset(): void {}
}

const dev = (device: number, devType = 0, bus = 0, fn = 0): PciDeviceAssignment => ({ domain: 0, bus, device, function: fn, vBus: bus, vDevice: device, vFunction: fn, devType });
const off = (bus: number, device: number, fn: number, reg: number) => (bus << 20) | (device << 15) | (fn << 12) | reg;

function makeMachine(options: Partial<VpciOptions> = {}) {
  const host = new PciHostEcamGeneric({
    busRange: [0, 0xff],
    io: { cpuBase: 0x300_0000, pciBase: 0, size: 0x1_0000 },
    mem32: { cpuBase: 0x4000_0000, pciBase: 0x4000_0000, size: 0x4000_0000 },
    mem64: { cpuBase: 0x4_0000_0000, pciBase: 0x4_0000_0000, size: 0x4_0000_0000 },
    intxLines: [32, 33, 34, 35],
    irqSink: { setLevel: () => {} },
    dmaMemory: { bankAt: () => undefined },
  });
  host.plug(0, 0, new PciHostBridgeFunction(new Uint8Array(PCI_CONFIG_BYTES)));
  const blk = VIRTIO_PCI_KINDS['virtio-blk-pci']!;
  const rootDisk = virtioPciConfigSpace(blk, new Uint8Array(PCI_CONFIG_BYTES));
  const zoneDisk = virtioPciConfigSpace(blk, new Uint8Array(PCI_CONFIG_BYTES));
  host.plug(1, 0, new ConfigOnly('virtio-blk-pci', rootDisk));
  host.plug(2, 0, new ConfigOnly('virtio-blk-pci', zoneDisk));
  const bridge = new PciConfigSpace({ vendorId: 0x1b36, deviceId: 0x000c, revision: 0, classCode: 0x06_04_00, headerType: 1, interruptPin: 0, bars: [] }, new Uint8Array(PCI_CONFIG_BYTES));
  host.plug(3, 0, new ConfigOnly('pci-bridge', bridge));
  const physical = {
    read: (address: number, size: 1 | 2 | 4) => host.ecam.read(address - ECAM, size),
    write: (address: number, size: 1 | 2 | 4, value: number) => host.ecam.write(address - ECAM, size, value),
  };
  const tableBytes = zoneTableBytes(0);
  const table = new ZoneTable({ buffer: new SharedArrayBuffer(tableBytes), byteOffset: 0, byteLength: tableBytes }, 0);
  const regions = new Map<number, Stage2Region[]>();
  const changes: { slot: number; change: Stage2Change }[] = [];
  const logs: string[] = [];
  const vpci = new Vpci(
    { buffer: new SharedArrayBuffer(VPCI_STATE_BYTES), byteOffset: 0, byteLength: VPCI_STATE_BYTES },
    physical,
    {
      changeStage2: (slot, change) => {
        try {
          regions.set(slot.index, applyStage2Change(regions.get(slot.index) ?? [], change));
          changes.push({ slot: slot.index, change });
          return { code: 0, message: 'ok' };
        } catch (error) {
          return { code: -22, message: (error as Error).message };
        }
      },
      regions: (slot) => regions.get(slot.index) ?? [],
      log: (m) => logs.push(m),
    },
    { rootPciConfig: [ROOT_PCI_CONFIG], ...options },
  );
  const start = (index: number, zoneId: number, devs: PciDeviceAssignment[], initial: Stage2Region[] = []): ZoneSlot => {
    const slot = table.slots[index]!;
    slot.occupy(zoneId, [index], new Uint8Array(16));
    regions.set(index, initial);
    vpci.attach(slot, { zoneId, pciConfig: [ROOT_PCI_CONFIG], allocPciDevs: devs });
    return slot;
  };
  const root = start(0, 0, [dev(0), dev(1)]);
  const zone1 = start(1, 1, [dev(0), dev(2), dev(3)], [ZONE1_RAM]);
  const read = (slot: ZoneSlot, offset: number, size: 1 | 2 | 4 | 8 = 4) => vpci.configRead(slot, slot.zoneId, ECAM, offset, size);
  const write = (slot: ZoneSlot, offset: number, value: number, size: 1 | 2 | 4 | 8 = 4) => vpci.configWrite(slot, slot.zoneId, ECAM, offset, size, value);
  return { host, vpci, physical, root, zone1, read, write, regions, changes, logs, start, rootDisk, zoneDisk, bridge };
}

describe('vPCI boot enumeration', () => {
  it('finds every function and places the BARs as hvisor BaseAllocator does, memory decode off', () => {
    const m = makeMachine();
    expect(m.vpci.globalFunctions().map((g) => g.bdf)).toEqual(['0000:00:00.0', '0000:00:01.0', '0000:00:02.0', '0000:00:03.0']);
    const bar = (device: number, index: number) => m.physical.read(ECAM + off(0, device, 0, 0x10 + 4 * index), 4);
    // 00:01.0: BAR 1 (4 KiB) at the 32-bit window's start, BAR 4 (16 KiB, 64-bit) at the 64-bit one's; 00:02.0 next.
    expect([bar(1, 1), bar(1, 4) >>> 0, bar(1, 5)]).toEqual([0x4000_0000, 0x0000_000c, 4]);
    expect([bar(2, 1), bar(2, 4) >>> 0, bar(2, 5)]).toEqual([0x4000_1000, 0x0000_400c, 4]);
    expect(m.physical.read(ECAM + off(0, 2, 0, 4), 2) & 3).toBe(0);
  });

  it('keeps firmware BARs when the board says no reallocation', () => {
    const m = makeMachine({ noBarRealloc: true });
    expect(m.physical.read(ECAM + off(0, 2, 0, 0x14), 4)).toBe(0);
    expect(m.vpci.devices(m.zone1).find((d) => d.bdf === '0000:00:02.0')!.bars.map((b) => b.physical)).toEqual([0, 0]);
  });
});

describe('vPCI zone views', () => {
  it('moves an endpoint to its zone, shares the host bridge and bridges, and shows absent functions as absent', () => {
    const m = makeMachine();
    // zone 1 sees the host bridge, its disk and the bridge; the root's disk reads as absent.
    expect(m.read(m.zone1, off(0, 0, 0, 0))).toBe(0x0008_1b36);
    expect(m.read(m.zone1, off(0, 2, 0, 0))).toBe(0x1042_1af4);
    expect(m.read(m.zone1, off(0, 1, 0, 0))).toBe(0xffff_ffff);
    expect(m.read(m.zone1, off(0, 1, 0, 0x08))).toBe(0);
    expect(m.read(m.zone1, off(0, 9, 0, 0))).toBe(0xffff_ffff);
    // The root no longer sees zone 1's disk.
    expect(m.read(m.root, off(0, 2, 0, 0))).toBe(0xffff_ffff);
    expect(m.read(m.root, off(0, 1, 0, 0))).toBe(0x1042_1af4);
    expect(m.vpci.globalFunctions().map((g) => [g.bdf, g.owner])).toEqual([
      ['0000:00:00.0', undefined], ['0000:00:01.0', 0], ['0000:00:02.0', 1], ['0000:00:03.0', undefined],
    ]);
    // A third zone naming zone 1's disk gets nothing ("can not find dev").
    const z2 = m.start(2, 2, [dev(0), dev(2)]);
    expect(m.read(z2, off(0, 2, 0, 0))).toBe(0xffff_ffff);
    expect(m.logs.some((l) => l.includes('zone 2: can not find dev 0000:00:02.0 (zone 1 holds it)'))).toBe(true);
  });

  it('computes vBDFs as guest_pci_init does and answers at the physical BDF', () => {
    const m = makeMachine();
    const z2 = m.start(2, 2, [dev(0), dev(5, 1, 2, 2)]);
    const devices = m.vpci.devices(z2);
    expect(devices.map((d) => [d.bdf, d.vbdf])).toEqual([['0000:00:00.0', '0000:00:00.0'], ['0000:02:05.2', '0000:01:05.0']]);
    expect(m.read(z2, off(2, 5, 2, 0))).toBe(0x110a_4106);
    expect(m.read(z2, off(1, 5, 0, 0))).toBe(0xffff_ffff);
  });

  it('passes bridge registers through to the bridge', () => {
    const m = makeMachine();
    expect(m.read(m.zone1, off(0, 3, 0, 0x08)) >>> 8).toBe(0x06_04_00);
    m.write(m.zone1, off(0, 3, 0, 0x18), 0x00_02_01_00);
    expect(m.physical.read(ECAM + off(0, 3, 0, 0x18), 4) & 0xff_ffff).toBe(0x02_01_00);
  });
});

describe('vPCI BARs', () => {
  it('answers sizing, remaps a 32-bit BAR and a 64-bit BAR (after its high half) over the physical BAR, leaving the hardware alone', () => {
    const m = makeMachine();
    const z = m.zone1;
    m.write(z, off(0, 2, 0, 0x14), 0xffff_ffff);
    expect(m.read(z, off(0, 2, 0, 0x14))).toBe(0xffff_f000);
    m.write(z, off(0, 2, 0, 0x14), 0x4000_0000);
    expect(m.regions.get(1)).toContainEqual({ kind: 'virtio', guestStart: 0x4000_0000, hostStart: 0x4000_1000, size: 0x1000 });
    m.write(z, off(0, 2, 0, 0x20), 0xffff_ffff);
    m.write(z, off(0, 2, 0, 0x24), 0xffff_ffff);
    expect(m.read(z, off(0, 2, 0, 0x20))).toBe(0xffff_c000);
    expect(m.read(z, off(0, 2, 0, 0x24))).toBe(0); // get_size_with_flag of Mem64High, as hvisor computes it
    const before = m.changes.length;
    m.write(z, off(0, 2, 0, 0x20), 0x0000_000c);
    expect(m.changes.length).toBe(before); // the low half alone maps nothing
    m.write(z, off(0, 2, 0, 0x24), 0x4);
    expect(m.regions.get(1)).toContainEqual({ kind: 'virtio', guestStart: 0x4_0000_0000, hostStart: 0x4_0000_4000, size: 0x4000 });
    // Moving it: the old window goes, the new one maps the same physical BAR.
    m.write(z, off(0, 2, 0, 0x20), 0x0000_800c);
    m.write(z, off(0, 2, 0, 0x24), 0x4);
    const bars = m.regions.get(1)!.filter((r) => r.kind === 'virtio');
    expect(bars).toEqual([
      { kind: 'virtio', guestStart: 0x4000_0000, hostStart: 0x4000_1000, size: 0x1000 },
      { kind: 'virtio', guestStart: 0x4_0000_8000, hostStart: 0x4_0000_4000, size: 0x4000 },
    ]);
    expect(m.read(z, off(0, 2, 0, 0x20))).toBe(0x800c);
    expect(m.physical.read(ECAM + off(0, 2, 0, 0x20), 4)).toBe(0x400c);
    // The root's map is untouched; a root BAR write maps identity.
    expect(m.regions.get(0)).toEqual([]);
    m.write(m.root, off(0, 1, 0, 0x14), 0x4000_0000);
    expect(m.regions.get(0)).toEqual([{ kind: 'virtio', guestStart: 0x4000_0000, hostStart: 0x4000_0000, size: 0x1000 }]);
  });

  it("maps a function every vCPU thread serves (the display) as an io window, moving it like the others", () => {
    const m = makeMachine({ servedInThread: [2 << 3] });
    const z = m.zone1;
    m.write(z, off(0, 2, 0, 0x14), 0x4100_0000);
    expect(m.regions.get(1)).toContainEqual({ kind: 'io', guestStart: 0x4100_0000, hostStart: 0x4000_1000, size: 0x1000 });
    m.write(z, off(0, 2, 0, 0x14), 0x4200_0000);
    expect(m.regions.get(1)!.filter((r) => r.kind !== 'ram')).toEqual([{ kind: 'io', guestStart: 0x4200_0000, hostStart: 0x4000_1000, size: 0x1000 }]);
    // The root's function is not in the list: its window stays a forwarded one.
    m.write(m.root, off(0, 1, 0, 0x14), 0x4000_0000);
    expect(m.regions.get(0)).toEqual([{ kind: 'virtio', guestStart: 0x4000_0000, hostStart: 0x4000_0000, size: 0x1000 }]);
  });

  it('reports a BAR its zone cannot map, naming the zone and the function', () => {
    const m = makeMachine();
    m.write(m.zone1, off(0, 2, 0, 0x14), 0xc000_0000);
    const report = m.vpci.reports.at(-1)!;
    expect(report).toMatchObject({ zoneId: 1, bdf: '0000:00:02.0' });
    expect(report.message).toMatch(/BAR 1 at 0xc0000000 .* is not mapped: .*overlaps/);
    expect(m.regions.get(1)).toEqual([ZONE1_RAM]);
  });
});

describe('StandardVdev (dev_type 1)', () => {
  it('answers as hvisor vpci_dev/standard.rs does and maps a BAR that does nothing', () => {
    const m = makeMachine();
    const z = m.start(2, 2, [dev(0), dev(5, 1)], []);
    const at = (reg: number) => off(0, 5, 0, reg);
    expect(m.read(z, at(0))).toBe(0x110a_4106);
    expect(m.read(z, at(0), 2)).toBe(0x110a);
    expect(m.read(z, at(0x08))).toBe(0xff00_0000);
    expect(m.read(z, at(0x06), 2) & 0x10).toBe(0x10);
    expect(m.read(z, at(0x34), 1)).toBe(0);
    expect(m.read(z, at(0x34))).toBe(0x98);
    expect(m.read(z, at(0x98), 2)).toBe(0x11);
    expect(m.read(z, at(0x9c))).toBe(1);
    m.write(z, at(0x10), 0xffff_ffff);
    expect(m.read(z, at(0x10))).toBe(0xffff_f000);
    expect(m.read(z, at(0x10))).toBe(0); // the size read is consumed
    m.write(z, at(0x10), 0x5000_0000);
    expect(m.read(z, at(0x10))).toBe(0x5000_0000);
    expect(m.vpci.vdevBarAt(z, 0x5000_0010)).toBe(true);
    m.write(z, at(0x3c), 0x20, 1);
    expect(m.vpci.reports.at(-1)).toMatchObject({ zoneId: 2, bdf: '0000:00:05.0' });
    expect(m.vpci.reports.at(-1)!.message).toMatch(/Reject/);
  });
});

describe('vPCI shutdown', () => {
  it('returns a zone\'s functions to the global list (workbench addition); strict keeps hvisor\'s behaviour', () => {
    for (const strict of [false, true]) {
      const m = makeMachine({ strict });
      m.vpci.release(m.zone1);
      m.zone1.release();
      const owner = m.vpci.globalFunctions().find((g) => g.bdf === '0000:00:02.0')!.owner;
      expect(owner).toBe(strict ? 1 : undefined);
      const again = m.start(1, 1, [dev(0), dev(2)], [ZONE1_RAM]);
      expect(m.read(again, off(0, 2, 0, 0))).toBe(strict ? 0xffff_ffff : 0x1042_1af4);
    }
  });
});

describe('vPCI bad input', () => {
  it('a zone writing garbage anywhere in its ECAM window gets reports for itself only, no exception, and the root keeps its device and map', () => {
    const m = makeMachine();
    const rootDiskBefore = Uint8Array.from(m.rootDisk.bytes);
    let seed = 12345;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 20000; i++) {
      const device = [0, 1, 2, 3, 5, 31][rand() % 6]!;
      const reg = rand() % 0x1000;
      const size = ([1, 2, 4, 8] as const)[rand() % 4]!;
      const value = rand();
      if (rand() % 2) m.write(m.zone1, off(0, device, 0, reg), value, size);
      else m.read(m.zone1, off(0, device, 0, reg), size);
    }
    expect(m.vpci.reports.length).toBeGreaterThan(0);
    expect(m.vpci.reports.every((r) => r.zoneId === 1)).toBe(true);
    expect(m.vpci.reports.some((r) => r.bdf === '0000:00:01.0' && /does not have/.test(r.message))).toBe(true);
    expect(Array.from(m.rootDisk.bytes)).toEqual(Array.from(rootDiskBefore));
    expect(m.regions.get(0)).toEqual([]);
    expect(m.regions.get(1)![0]).toEqual(ZONE1_RAM);
    expect(m.read(m.root, off(0, 1, 0, 0))).toBe(0x1042_1af4);
    // The log gets at most 50 of them and says it stopped.
    expect(m.logs.filter((l) => l.startsWith('vpci: zone 1, ')).length).toBe(50);
    expect(m.logs.some((l) => /zone 1: 50 reports from this CPU; further ones are not logged/.test(l))).toBe(true);
  });
});
