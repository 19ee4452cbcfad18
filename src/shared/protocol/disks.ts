/**
 * Host folders attached to zones as virtio-blk disks, and the explicit write-back of guest changes.
 *
 * virtio-mmio has no hotplug: a zone finds its devices in the device tree it boots with. Attaching
 * or detaching a folder therefore edits the layout's virtio_cfg.json and takes effect when the zone
 * (re)starts; the image is built right away so that the start is quick and problems show at once.
 */

/**
 * - `attached`: in virtio_cfg.json and served by the daemon;
 * - `next-start`: in virtio_cfg.json, not served yet (the zone sees it when it next starts);
 * - `detached`: still served, but removed from virtio_cfg.json (gone at the zone's next start).
 */
export type FolderDiskStatus = 'attached' | 'next-start' | 'detached';

export interface FolderDiskInfo {
  readonly zone: number;
  /** Guest address of the virtio-blk window. */
  readonly addr: number;
  readonly folder: string;
  readonly readOnly: boolean;
  readonly files: number;
  readonly zoneName?: string;
  readonly irq?: number;
  readonly status?: FolderDiskStatus;
}

export interface FolderChangeEntry {
  readonly kind: 'directory-created' | 'file-created' | 'file-changed' | 'file-deleted' | 'directory-deleted';
  /** Path inside the folder, with `/` separators. */
  readonly path: string;
  readonly size?: number;
}

export interface BrowseEntry {
  readonly name: string;
  /** Absolute host path. */
  readonly path: string;
}

export interface BrowseResult {
  /** The absolute folder listed. */
  readonly path: string;
  /** Its parent, or null at the file system root. */
  readonly parent: string | null;
  /** Subfolders, sorted by name (hidden ones last). */
  readonly folders: BrowseEntry[];
  /** Places to start from: the layout folder and the user's home. */
  readonly places: BrowseEntry[];
}

/** A non-root zone of the layout that can take a folder disk, or why it cannot. */
export interface DiskTargetZone {
  readonly id: number;
  readonly name: string;
  /** Its zone JSON, relative to the layout folder (what zone.start takes). */
  readonly config: string;
  /** Its virtio regions, e.g. "0x10001000-0x10001fff". */
  readonly regions: string[];
  readonly interrupts: number[];
  /** Why a new disk cannot be attached to this zone; absent when it can. */
  readonly problem?: string;
}

export interface DiskAttachParams {
  /** Host folder: absolute, or relative to the layout folder. */
  readonly folder: string;
  readonly zone: number;
  /** false: write-back on explicit sync. */
  readonly readOnly: boolean;
}

export interface DiskAttachStarted {
  readonly job: number;
  readonly addr: number;
  readonly irq: number;
  /** The folder as resolved on the host. */
  readonly folder: string;
  /** The device entry replaced an existing one for the same folder (a mode change). */
  readonly updated: boolean;
  /** virtio_cfg.json, relative to the layout folder. */
  readonly configFile: string;
}

export interface DiskCommands {
  'disk.list': { params: Record<string, never>; result: { disks: FolderDiskInfo[] } };
  /** What the guest created, changed or deleted; nothing is written. */
  'disk.changes': { params: { zone: number; addr: number }; result: { changes: FolderChangeEntry[]; refused: string[] } };
  /** Writes the changes listed by the last `disk.changes` back to the folder. */
  'disk.sync': { params: { zone: number; addr: number }; result: { applied: FolderChangeEntry[]; problems: string[] } };
  /** Subfolders of a host folder (browser mode has no native folder picker). Empty path: the layout folder. */
  'disk.browse': { params: { path: string }; result: BrowseResult };
  /** The non-root zones of the layout, and whether each can take a folder disk. */
  'disk.targets': { params: Record<string, never>; result: { zones: DiskTargetZone[] } };
  /**
   * Chooses a free window and IRQ (or refuses, saying which region or IRQ list is full), then builds
   * the image in the background (`disk.progress`, then `disk.attached`); virtio_cfg.json is written
   * only once the image is built.
   */
  'disk.attach': { params: DiskAttachParams; result: DiskAttachStarted };
  /** Removes the device from virtio_cfg.json; the zone loses the disk at its next start. */
  'disk.detach': { params: { zone: number; addr: number }; result: { message: string } };
}

export interface DiskEvents {
  /** Imaging progress of a `disk.attach` job; `file` is the host file being copied. */
  'disk.progress': { job: number; percent: number; file?: string };
  /** The end of a `disk.attach` job. */
  'disk.attached': { job: number; ok: boolean; message: string; disk?: FolderDiskInfo };
}
