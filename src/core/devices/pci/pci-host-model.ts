/**
 * The registry entry of a `pci-host-ecam` board device (device-registry.ts): QEMU's generic ECAM host
 * (pci-host-ecam-generic.ts) over one shared 4 KiB configuration space per function, with its ECAM,
 * I/O, 32-bit and 64-bit memory windows mapped where the board's props put them (pci-host-board.ts).
 *
 * Every thread builds the host over the same bytes. The functions built here are the ones whose whole
 * state is their configuration space: the host bridge 00:00.0. Functions with queues and host backends
 * (virtio-*-pci) are served by the management side, like every virtio backend (decision 0005); see
 * decision 0017. So this host does no DMA of its own (its DMA memory refuses everything).
 */
import type { DeviceModel } from '../device-model';
import { firstIrq } from '../device-model';
import { PCI_CONFIG_BYTES } from './pci-config-space';
import { PciHostBridgeFunction, PciHostEcamGeneric } from './pci-host-ecam-generic';
import { pciHostWindows } from './pci-host-board';

export const pciHostEcamModel: DeviceModel = {
  kind: 'pci-host-ecam',
  stateBytes: (_board, spec) => {
    pciHostWindows(spec);
    return PCI_CONFIG_BYTES;
  },
  build: (c) => {
    const w = pciHostWindows(c.spec);
    firstIrq(c.spec);
    const region = c.region();
    const host = new PciHostEcamGeneric({
      busRange: w.busRange,
      io: w.io,
      mem32: w.mem32,
      ...(w.mem64 ? { mem64: w.mem64 } : {}),
      intxLines: w.intxLines!,
      irqSink: c.irqSink(),
      dmaMemory: { bankAt: () => undefined },
      msi: c.msiSink(),
    });
    host.plug(0, 0, new PciHostBridgeFunction(new Uint8Array(region.buffer, region.byteOffset, PCI_CONFIG_BYTES)));
    const name = c.spec.name;
    const windows = [
      { name, base: c.spec.base, size: c.spec.size, device: host.ecam },
      { name: `${name}.io`, base: w.io.cpuBase, size: w.io.size, device: host.ioWindow },
      { name: `${name}.mem32`, base: w.mem32.cpuBase, size: w.mem32.size, device: host.mem32Window },
      ...(w.mem64 && host.mem64Window ? [{ name: `${name}.mem64`, base: w.mem64.cpuBase, size: w.mem64.size, device: host.mem64Window }] : []),
    ];
    return { windows };
  },
};
