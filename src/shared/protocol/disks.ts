/** Host folders attached to zones as virtio-blk disks, and the explicit write-back of guest changes. */

export interface FolderDiskInfo {
  readonly zone: number;
  /** Guest address of the virtio-blk window. */
  readonly addr: number;
  readonly folder: string;
  readonly readOnly: boolean;
  readonly files: number;
}

export interface FolderChangeEntry {
  readonly kind: 'directory-created' | 'file-created' | 'file-changed' | 'file-deleted' | 'directory-deleted';
  /** Path inside the folder, with `/` separators. */
  readonly path: string;
  readonly size?: number;
}

export interface DiskCommands {
  'disk.list': { params: Record<string, never>; result: { disks: FolderDiskInfo[] } };
  /** What the guest created, changed or deleted; nothing is written. */
  'disk.changes': { params: { zone: number; addr: number }; result: { changes: FolderChangeEntry[]; refused: string[] } };
  /** Writes the changes listed by the last `disk.changes` back to the folder. */
  'disk.sync': { params: { zone: number; addr: number }; result: { applied: FolderChangeEntry[]; problems: string[] } };
}
