/**
 * Cost of hvisor's vPCI handler alone (core/hypervisor/vpci): hvisor_pci_init over QEMU virt's host with
 * two virtio-blk-pci functions, and one configuration access of a zone through its trapped ECAM window
 * (an emulated register, a register passed to the function, an absent function), a BAR write that
 * remaps the zone's stage-2 (the change checked and logged, no CPUs to flush). The trap itself (the
 * guest's load, the stage-2 lookup that says trap, the device lock) is not in these figures.
 * Run: npx rolldown bench/vpci.ts -o out/bench/vpci.mjs --platform node && node out/bench/vpci.mjs
 */
import { PCI_CONFIG_BYTES, type PciConfigSpace } from '../src/core/devices/pci/pci-config-space';
import { PciHostBridgeFunction, PciHostEcamGeneric } from '../src/core/devices/pci/pci-host-ecam-generic';
import type { PciEndpoint } from '../src/core/devices/pci/pci-endpoint';
import { VIRTIO_PCI_KINDS, virtioPciConfigSpace } from '../src/core/virtio/virtio-pci';
import { applyStage2Change, type Stage2Region } from '../src/core/hypervisor/stage2-map';
import { ZoneTable, zoneTableBytes } from '../src/core/hypervisor/zone-table';
import { Vpci } from '../src/core/hypervisor/vpci/vpci';
import { VPCI_STATE_BYTES } from '../src/core/hypervisor/vpci/vpci-state';
import type { PciBusConfig } from '../src/shared/model/zone-config';

const ECAM = 0x3000_0000;
const CONFIG: PciBusConfig = {
  ecamBase: ECAM, ecamSize: 0x1000_0000, ioBase: 0x300_0000, ioSize: 0x1_0000, pciIoBase: 0,
  mem32Base: 0x4000_0000, mem32Size: 0x4000_0000, pciMem32Base: 0x4000_0000,
  mem64Base: 0x4_0000_0000, mem64Size: 0x4_0000_0000, pciMem64Base: 0x4_0000_0000,
  busRangeBegin: 0, busRangeEnd: 0xff, domain: 0,
};

class ConfigOnly implements PciEndpoint {
  constructor(readonly name: string, readonly config: PciConfigSpace) {}
  plug(): void {}
  barRead(): number {
    return 0;
  }
  barWrite(): void {}
  reset(): void {}
}

function build() {
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
  for (const slot of [1, 2]) host.plug(slot, 0, new ConfigOnly('virtio-blk-pci', virtioPciConfigSpace(VIRTIO_PCI_KINDS['virtio-blk-pci']!, new Uint8Array(PCI_CONFIG_BYTES))));
  const bytes = zoneTableBytes(0);
  const table = new ZoneTable({ buffer: new SharedArrayBuffer(bytes), byteOffset: 0, byteLength: bytes }, 0);
  let regions: Stage2Region[] = [];
  const vpci = new Vpci(
    { buffer: new SharedArrayBuffer(VPCI_STATE_BYTES), byteOffset: 0, byteLength: VPCI_STATE_BYTES },
    { read: (a, s) => host.ecam.read(a - ECAM, s), write: (a, s, v) => host.ecam.write(a - ECAM, s, v) },
    {
      changeStage2: (_slot, change) => {
        regions = applyStage2Change(regions, change);
        return { code: 0, message: '' };
      },
      regions: () => regions,
      log: () => {},
    },
    { rootPciConfig: [CONFIG] },
  );
  const slot = table.slots[1]!;
  slot.occupy(1, [2], new Uint8Array(16));
  return { vpci, slot, reset: () => (regions = []) };
}

const perCall = (n: number, fn: (i: number) => void): number => {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  return ((performance.now() - t0) * 1e6) / n;
};

let t0 = performance.now();
const rounds = 200;
for (let i = 0; i < rounds; i++) build().vpci.ensureEnumerated();
console.log(`hvisor_pci_init (3 functions, BARs sized and placed) + setup: ${(((performance.now() - t0) * 1000) / rounds).toFixed(1)} us`);
const { vpci, slot } = build();
t0 = performance.now();
vpci.attach(slot, { zoneId: 1, pciConfig: [CONFIG], allocPciDevs: [0, 2].map((device) => ({ domain: 0, bus: 0, device, function: 0, vBus: 0, vDevice: device, vFunction: 0, devType: 0 })) });
console.log(`enumeration + guest_pci_init of zone 1: ${(performance.now() - t0).toFixed(2)} ms (first call, cold)`);
const n = 1_000_000;
const off = (device: number, reg: number) => (device << 15) | reg;
let sink = 0;
console.log(`config read, emulated ID:          ${perCall(n, () => (sink += vpci.configRead(slot, 1, ECAM, off(2, 0), 4))).toFixed(0)} ns`);
console.log(`config read, passed to the function: ${perCall(n, () => (sink += vpci.configRead(slot, 1, ECAM, off(2, 0x40), 4))).toFixed(0)} ns`);
console.log(`config read, absent function:      ${perCall(n, () => (sink += vpci.configRead(slot, 1, ECAM, off(9, 0), 4))).toFixed(0)} ns`);
console.log(`BAR 1 write remapping stage-2:     ${perCall(20_000, (i) => vpci.configWrite(slot, 1, ECAM, off(2, 0x14), 4, 0x4000_0000 + (i % 2) * 0x1000)).toFixed(0)} ns`);
if (sink === 42) console.log('');
