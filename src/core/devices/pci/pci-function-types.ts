/**
 * The function types a layout's `pci` list can plug into a board's PCIe host, as data: how each builds
 * its configuration space over the host's 4 KiB block, how many bytes of shared state it has besides
 * (after all the configuration blocks), and, for a function whose whole state is shared bytes, the
 * endpoint every thread builds over them. virtio-*-pci functions have queues and host backends, which
 * the management side serves (decision 0017): here they are their configuration space only. QEMU's
 * bochs-display is registers and VRAM in shared bytes, so each vCPU thread serves its BARs itself and
 * the management side reads frames from the same bytes.
 */
import { BOCHS_STATE_BYTES, BochsDisplay, bochsDisplayConfigSpace } from '../display/bochs-display';
import { VIRTIO_PCI_KINDS, virtioPciConfigSpace } from '../../virtio/virtio-pci';
import { PCI_CONFIG_BYTES, type PciConfigSpace } from './pci-config-space';
import type { PciEndpoint } from './pci-endpoint';

export interface PciFunctionType {
  configSpace(bytes: Uint8Array): PciConfigSpace;
  /** Shared bytes besides the configuration space (0: none). */
  readonly stateBytes: number;
  /** The endpoint over the shared bytes, where any thread can serve it; absent: the management side serves it. */
  endpoint?(config: Uint8Array, state: Uint8Array): PciEndpoint;
}

export function pciFunctionType(type: string, host: string): PciFunctionType {
  if (type === 'bochs-display') {
    return { configSpace: bochsDisplayConfigSpace, stateBytes: BOCHS_STATE_BYTES, endpoint: (config, state) => new BochsDisplay(config, state) };
  }
  const kind = VIRTIO_PCI_KINDS[type];
  if (!kind) throw new Error(`PCIe host '${host}': no function type '${type}' (${[...Object.keys(VIRTIO_PCI_KINDS), 'bochs-display'].join(', ')})`);
  return { configSpace: (bytes) => virtioPciConfigSpace(kind, bytes), stateBytes: 0 };
}

/**
 * Where each function's bytes are in the host's shared state: configuration block i + 1 (block 0 the
 * bridge's), then the functions' own state in order after the last block. `total` is the host's size.
 */
export function pciHostStateLayout(types: readonly string[], host: string): { readonly total: number; readonly state: readonly { readonly offset: number; readonly bytes: number }[] } {
  let offset = PCI_CONFIG_BYTES * (1 + types.length);
  const state = types.map((t) => {
    const bytes = pciFunctionType(t, host).stateBytes;
    const at = { offset, bytes };
    offset += bytes;
    return at;
  });
  return { total: offset, state };
}
