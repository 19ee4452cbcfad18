/**
 * The device-tree node of a generic ECAM PCIe host (Linux bindings pci/host-generic-pci.yaml,
 * compatible `pci-host-ecam-generic`), written as QEMU's virt machines write it (hw/riscv/virt.c
 * create_fdt_pcie, create_pcie_irq_map): the ECAM window as `reg`, `bus-range`, `ranges` for the I/O,
 * 32-bit and 64-bit memory windows (phys.hi 0x01000000 I/O, 0x02000000 32-bit memory, 0x03000000
 * 64-bit memory), and an `interrupt-map` with the INTx swizzle of bus 0: slot s, pin p (1..4) to line
 * (s + p - 1) mod 4 of the four the board wires, masked by `interrupt-map-mask` <0x1800 0 0 7> so that
 * four slots cover every device number. `msi-parent` is written only when the board names an MSI
 * controller for the host (prop `msiParent`, the label of its node); qemu-plic has none, so Linux uses INTx.
 * `msi-map` (prop `msiMap`, the label of a GICv3 ITS node) maps requester IDs 0..0xffff to the same
 * DeviceIDs, as QEMU virt writes it for its ITS.
 *
 * Board props: busRange [first, last], pioBase/pioSize (CPU address of PCI I/O 0), mmio32Base/Size and
 * mmio64Base/Size (identity-mapped), `irq`: the four lines of INTA..INTD at slot 0.
 */
import { u64Cells } from '../fdt-writer';
import { irqsOf, numberProp, unitName, type DeviceNodeWriter } from '../tree-context';
import { pciHostWindows } from '../../devices/pci/pci-host-board';

const INTX_SLOTS = 4;

export const pciHostEcamGenericNode: DeviceNodeWriter = {
  write(ctx, bus, device) {
    const owner = `device '${device.name}'`;
    const w = pciHostWindows(device);
    const node = bus.addChild(unitName('pci', device.base));
    node.string('compatible', 'pci-host-ecam-generic').string('device_type', 'pci');
    node.u32('#address-cells', 3).u32('#size-cells', 2).u32('#interrupt-cells', 1);
    node.u32('linux,pci-domain', numberProp(device, 'domain', 0));
    node.u32('bus-range', w.busRange[0], w.busRange[1]);
    node.cells('reg', [...u64Cells(device.base), ...u64Cells(device.size)]);
    const range = (space: number, pci: number, cpu: number, size: number) => [space, ...u64Cells(pci), ...u64Cells(cpu), ...u64Cells(size)];
    node.cells('ranges', [
      ...range(0x0100_0000, w.io.pciBase, w.io.cpuBase, w.io.size),
      ...range(0x0200_0000, w.mem32.pciBase, w.mem32.cpuBase, w.mem32.size),
      ...(w.mem64 ? range(0x0300_0000, w.mem64.pciBase, w.mem64.cpuBase, w.mem64.size) : []),
    ]);
    const lines = irqsOf(device);
    if (lines.length > 0) {
      if (lines.length !== 4) throw new Error(`${owner} (pci-host-ecam) needs 4 interrupts (INTA..INTD), has ${lines.length}`);
      const map = [];
      for (let slot = 0; slot < INTX_SLOTS; slot++) {
        for (let pin = 1; pin <= 4; pin++) {
          const line = lines[(slot + pin - 1) % 4]!;
          map.push(slot << 11, 0, 0, pin, ...ctx.interruptMapParent(owner, { irq: line, trigger: 'level-high' }));
        }
      }
      node.cells('interrupt-map', map);
      node.cells('interrupt-map-mask', [0x1800, 0, 0, 7]);
    }
    const msiParent = device.props?.['msiParent'];
    if (typeof msiParent === 'string') node.reference('msi-parent', msiParent);
    // An ITS names the function by its requester ID: QEMU virt's identity msi-map over all 65536 RIDs.
    const msiMap = device.props?.['msiMap'];
    if (typeof msiMap === 'string') node.cells('msi-map', [0, { ref: msiMap }, 0, 0x1_0000]);
    ctx.dmaCoherent(node);
    return node;
  },
};

