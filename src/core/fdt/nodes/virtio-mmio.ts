/**
 * The device-tree node of a virtio-mmio transport (virtio/mmio.yaml). Its interrupt is edge-rising
 * where the controller distinguishes (QEMU's virt machines write it so on a GIC); a PLIC source has no
 * trigger type. `dma-coherent` is added where the architecture does not assume coherent DMA (arm64).
 */
import { deviceIrqs, reg, unitName, type DeviceNodeWriter } from '../tree-context';

export const virtioMmioNode: DeviceNodeWriter = {
  write(ctx, bus, device) {
    const node = bus.addChild(unitName('virtio_mmio', device.base));
    node.string('compatible', 'virtio,mmio');
    reg(node, [device.base, device.size]);
    ctx.wireInterrupts(node, `device '${device.name}'`, deviceIrqs(device, 'edge-rising'));
    node.string('status', 'okay');
    ctx.dmaCoherent(node);
    return node;
  },
};
