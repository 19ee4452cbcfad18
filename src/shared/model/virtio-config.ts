/**
 * virtio_cfg.json, the file `hvisor virtio start` reads (hvisor-tool tools/virtio/virtio.c,
 * virtio_start_from_json): for each zone, the memory the daemon maps to reach the zone's rings and
 * buffers, and the virtio-mmio devices it emulates there.
 */

export type VirtioDeviceType = 'blk' | 'net' | 'console' | 'gpu' | 'scmi';

/** virtio device ids (hvisor-tool VirtioDeviceType; virtio 1.2 section 5). */
export const VIRTIO_DEVICE_IDS: Readonly<Record<VirtioDeviceType, number>> = { net: 1, blk: 2, console: 3, gpu: 16, scmi: 32 };

/** hvisor-tool's limits. */
export const VIRTIO_CFG_LIMITS = {
  /** MAX_ZONES: zone ids are below it. */
  zones: 32,
  /** CONFIG_MAX_MEMORY_REGIONS. */
  memoryRegions: 64,
  /** MAX_DEVS: enabled devices in one daemon, over all zones. */
  devices: 8,
  /** PATH_MAX for `img`. */
  pathBytes: 4096,
  /** IFNAMSIZ for `tap` (including the NUL). */
  tapBytes: 16,
} as const;

export interface VirtioCfgMemoryRegion {
  /** Root-physical address the daemon maps. */
  readonly zone0Ipa: number;
  /** The same memory's guest-physical address in the zone. */
  readonly zonexIpa: number;
  readonly size: number;
  /** JSON path, e.g. "zones[0].memory_region[1]". */
  readonly path: string;
}

export interface VirtioCfgDevice {
  readonly type: VirtioDeviceType;
  /** `status: "enable"`; hvisor-tool skips a disabled device without reading its other keys. */
  readonly enabled: boolean;
  /** Guest-physical base of the virtio-mmio window. */
  readonly addr: number;
  readonly len: number;
  /** The zone's interrupt id the device raises. */
  readonly irq: number;
  /** blk: image path as written (relative paths are relative to the daemon's working directory). */
  readonly img?: string;
  /** blk, workbench extensions hvisor-tool ignores: expose the image read-only; offer DISCARD. */
  readonly readOnly?: boolean;
  readonly discard?: boolean;
  /** net: TAP name (the workbench's switch uses it as the port name) and MAC address. */
  readonly tap?: string;
  readonly mac?: readonly number[];
  /** gpu: framebuffer size. */
  readonly width?: number;
  readonly height?: number;
  readonly path: string;
}

export interface VirtioCfgZone {
  readonly zoneId: number;
  readonly memoryRegions: readonly VirtioCfgMemoryRegion[];
  readonly devices: readonly VirtioCfgDevice[];
  readonly path: string;
}

export interface VirtioConfigFile {
  readonly source: string;
  readonly zones: readonly VirtioCfgZone[];
}
