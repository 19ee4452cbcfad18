/**
 * The registry entry of a `pci-host-ecam` board device (device-registry.ts): QEMU's generic ECAM host
 * (pci-host-ecam-generic.ts) over one shared 4 KiB configuration space per function, with its ECAM,
 * I/O, 32-bit and 64-bit memory windows mapped where the board's props put them (pci-host-board.ts).
 *
 * Every thread builds the host over the same bytes: the host bridge 00:00.0 and the configuration
 * spaces of the functions the board's `functions` prop plugs in (a layout's `pci` list). Their queues
 * and host backends (virtio-*-pci) are served by the management side, like every virtio backend
 * (decision 0005), over these same shared configuration bytes; here their BARs read all-ones (a zone
 * reaches them through `virtio` regions over the windows, decision 0017). So this host does no DMA of
 * its own (its DMA memory refuses everything).
 */
import type { DeviceModel } from '../device-model';
import { firstIrq } from '../device-model';
import { PCI_CONFIG_BYTES } from './pci-config-space';
import { PciHostBridgeFunction, PciHostEcamGeneric } from './pci-host-ecam-generic';
import { pciFunctionsOf, pciHostWindows } from './pci-host-board';
import type { PciConfigSpace } from './pci-config-space';
import type { PciEndpoint } from './pci-endpoint';
import { pciFunctionType, pciHostStateLayout } from './pci-function-types';

/** A function whose BARs another thread serves: its configuration space only. */
class PciConfigOnlyFunction implements PciEndpoint {
  constructor(
    readonly name: string,
    readonly config: PciConfigSpace,
  ) {}
  plug(): void {}
  barRead(_bar: number, _offset: number, size: 1 | 2 | 4): number {
    return size === 4 ? 0xffff_ffff : (1 << (8 * size)) - 1;
  }
  barWrite(): void {}
  reset(): void {}
}

export const pciHostEcamModel: DeviceModel = {
  kind: 'pci-host-ecam',
  stateBytes: (_board, spec) => {
    // A host without interrupts is data only: hvisor's ROOT_PCI_CONFIG on a board whose PCIe the workbench
    // does not model (rk3588 ships QEMU virt's windows, which lie over its RAM).
    if (spec.irq === undefined) return undefined;
    pciHostWindows(spec);
    return pciHostStateLayout(pciFunctionsOf(spec).map((f) => f.type), spec.name).total;
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
    const block = (i: number) => new Uint8Array(region.buffer, region.byteOffset + i * PCI_CONFIG_BYTES, PCI_CONFIG_BYTES);
    host.plug(0, 0, new PciHostBridgeFunction(block(0)));
    const functions = pciFunctionsOf(c.spec);
    const layout = pciHostStateLayout(functions.map((f) => f.type), c.spec.name);
    functions.forEach((f, i) => {
      const type = pciFunctionType(f.type, c.spec.name);
      const state = new Uint8Array(region.buffer, region.byteOffset + layout.state[i]!.offset, layout.state[i]!.bytes);
      host.plug(f.slot, 0, type.endpoint ? type.endpoint(block(i + 1), state) : new PciConfigOnlyFunction(f.type, type.configSpace(block(i + 1))));
    });
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
