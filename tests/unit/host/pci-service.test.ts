/**
 * The PCIe assignment view's bus data (pci.bus) on tests/fixtures/pcie-zones: the functions as their
 * configuration spaces describe them (class names, BAR sizes, INTx line after the swizzle, MSI-X table
 * size), the owners from the root's board list and the zone files' alloc_pci_devs, BAR addresses read
 * from the shared blocks once a guest programs them, and a zone file that does not parse owning nothing.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PCI_CONFIG_BYTES, PciCommand, PciReg } from '../../../src/core/devices/pci/pci-config-space';
import { CommonCfg, VIRTIO_PCI_KINDS, VirtioPci, virtioPciConfigSpace } from '../../../src/core/virtio/virtio-pci';
import { VirtioNet } from '../../../src/core/virtio/virtio-net';
import { withPciFunctions } from '../../../src/core/devices/pci/pci-host-board';
import { loadLayout } from '../../../src/host/layout-loader';
import { pciBusState } from '../../../src/host/pci-service';

const FIXTURE = 'tests/fixtures/pcie-zones';

describe('pci.bus', () => {
  it('lists the host bridge and both virtio functions with class names, BARs, INTx, MSI-X and owners', async () => {
    const state = await pciBusState({ loaded: await loadLayout(FIXTURE) });
    expect(state.host).toEqual({ name: expect.any(String), ecamBase: '0x30000000', ecamSize: '0x10000000' });
    expect(state.live).toBe(false);
    expect(state.functions.map((f) => [f.bdf, f.className, f.vendorId.toString(16), f.deviceId.toString(16)])).toEqual([
      ['0000:00:00.0', 'Host bridge', '1b36', '8'],
      ['0000:00:01.0', 'SCSI storage controller', '1af4', '1042'],
      ['0000:00:02.0', 'Ethernet controller', '1af4', '1041'],
    ]);
    const [bridge, blk, net] = state.functions;
    expect(bridge!.bridge).toBe(true);
    expect(bridge!.bars).toEqual([]);
    expect(blk!.bars.map((b) => [b.index, b.kind, b.size, b.prefetchable, b.address, b.enabled])).toEqual([
      [1, 'memory32', '0x1000', false, '0x0', false],
      [4, 'memory64', '0x4000', true, '0x0', false],
    ]);
    // INTA of slot 1 swizzles to the second line (PLIC 33), slot 2 to the third (PLIC 34).
    expect([blk!.interruptPin, blk!.interruptLine, net!.interruptLine]).toEqual([1, 33, 34]);
    expect(blk!.capabilities).toEqual({ msi: false, msixVectors: 2, msixEnabled: false, pcie: true });
    expect(net!.capabilities.msixVectors).toBe(3);
    // The root keeps 00:00.0 and 00:01.0 (board.rs ROOT_PCI_DEVS); zone1 lists 00:00.0 and 00:02.0, zone2 00:00.0.
    expect(state.functions.map((f) => f.owners)).toEqual([[0, 1, 2], [0], [1]]);
    expect(state.zones.map((z) => [z.id, z.name, z.file])).toEqual([[0, expect.any(String), null], [1, 'zone1', 'zone1.json'], [2, 'zone2', 'zone2.json']]);
  });

  it('reads BAR addresses and MSI-X enable from the shared configuration blocks a guest programmed', async () => {
    const loaded = await loadLayout(FIXTURE);
    const board = withPciFunctions(loaded.board, loaded.layout.pci ?? []);
    const buffer = new SharedArrayBuffer(3 * PCI_CONFIG_BYTES);
    const block = (_host: string, i: number) => new Uint8Array(buffer, i * PCI_CONFIG_BYTES, PCI_CONFIG_BYTES);
    // What the root's Linux does through the ECAM: place BAR 4 at 0x4_0000_4000 and BAR 1, enable memory and MSI-X.
    const net = virtioPciConfigSpace(VIRTIO_PCI_KINDS['virtio-net-pci']!, block('', 2));
    net.write(PciReg.bar0 + 4 * 4, 4, 0x4000);
    net.write(PciReg.bar0 + 4 * 5, 4, 0x4);
    net.write(PciReg.bar0 + 4 * 1, 4, 0x4000_1000);
    net.write(PciReg.command, 2, PciCommand.memorySpace | PciCommand.busMaster);
    const msix = net.capabilities.get(0x11)!;
    net.write(msix + 2, 2, 0x8000);
    const state = await pciBusState({ loaded, machine: { board, block, live: true } });
    expect(state.live).toBe(true);
    const f = state.functions.find((x) => x.bdf === '0000:00:02.0')!;
    expect(f.bars.map((b) => [b.index, b.address, b.enabled])).toEqual([[1, '0x40001000', true], [4, '0x400004000', true]]);
    expect(f.capabilities.msixEnabled).toBe(true);
    expect(f.command & PciCommand.busMaster).toBe(PciCommand.busMaster);
    // The other function's block is untouched: power-on values.
    expect(state.functions.find((x) => x.bdf === '0000:00:01.0')!.bars.every((b) => b.address === '0x0' && !b.enabled)).toBe(true);
  });

  it("lists the MSI-X vectors a driver programmed in a served function's table, with what uses each", async () => {
    const loaded = await loadLayout(FIXTURE);
    const board = withPciFunctions(loaded.board, loaded.layout.pci ?? []);
    const buffer = new SharedArrayBuffer(3 * PCI_CONFIG_BYTES);
    const block = (_host: string, i: number) => new Uint8Array(buffer, i * PCI_CONFIG_BYTES, PCI_CONFIG_BYTES);
    const net = new VirtioPci(new VirtioNet([2, 0, 0, 0x50, 0, 2]), { name: 'net', configBytes: block('', 2) });
    // Vector 1: an IMSIC file's address, identity 0x21, unmasked; queue 1 (tx) and the config change use it; vector 2 stays masked.
    net.barWrite(1, 16, 4, 0x2800_1000);
    net.barWrite(1, 20, 4, 0);
    net.barWrite(1, 24, 4, 0x21);
    net.barWrite(1, 28, 4, 0);
    net.barWrite(4, CommonCfg.configMsixVector, 2, 1);
    net.barWrite(4, CommonCfg.queueSelect, 2, 1);
    net.barWrite(4, CommonCfg.queueMsixVector, 2, 1);
    const state = await pciBusState({ loaded, machine: { board, block, live: true, msix: () => new Map([[2, net.msixVectors()]]) } });
    const table = state.functions.find((f) => f.bdf === '0000:00:02.0')!.msixTable!;
    expect(table.map((v) => [v.vector, v.address, v.data, v.masked, v.use])).toEqual([
      [0, '0x0', '0x0', true, []],
      [1, '0x28001000', '0x21', false, ['config', 'queue 1']],
      [2, '0x0', '0x0', true, []],
    ]);
    // A function the management side does not serve has no table to show.
    expect(state.functions.find((f) => f.bdf === '0000:00:01.0')!.msixTable).toBeNull();
  });

  it('a zone file that does not parse owns nothing and does not stop the listing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hvwb-pci-'));
    try {
      await cp(FIXTURE, dir, { recursive: true });
      // The fixture's relative image paths point three folders up; give the copy absolute ones.
      const layout = JSON.parse((await import('node:fs')).readFileSync(path.join(FIXTURE, 'layout.json'), 'utf8'));
      layout.root.image = path.resolve(FIXTURE, layout.root.image);
      layout.pci[0].img = path.resolve(FIXTURE, layout.pci[0].img);
      await writeFile(path.join(dir, 'layout.json'), JSON.stringify(layout));
      await writeFile(path.join(dir, 'zone1.json'), '{ "zone_id": 1, "alloc_pci_devs": [ { "bus": 300 ');
      const state = await pciBusState({ loaded: await loadLayout(dir) });
      expect(state.functions.map((f) => f.owners)).toEqual([[0, 2], [0], []]);
      expect(state.zones.map((z) => z.id)).toEqual([0, 2]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
