/** Commands of the snapshot domain: save the running machine to a file, restore one (docs/decisions/0024). */

export interface SnapshotSaved {
  /** The file written, and its path relative to the layout folder when it lies inside it. */
  readonly file: string;
  readonly relative?: string;
  /** Bytes of the file; guest RAM and the part of it in non-zero pages. */
  readonly bytes: number;
  readonly ramBytes: number;
  readonly ramUsedBytes: number;
  /** Milliseconds: the guest stood still for pauseMs + copyMs; compressing and writing ran after. */
  readonly pauseMs: number;
  readonly copyMs: number;
  readonly writeMs: number;
  readonly totalMs: number;
}

export interface SnapshotRestored {
  readonly file: string;
  readonly bytes: number;
  /** Reading, checking and decoding the file, then the whole restore until the machine ran again. */
  readonly readMs: number;
  readonly totalMs: number;
}

export interface SnapshotFileInfo {
  /** Relative to the layout folder. */
  readonly file: string;
  readonly bytes: number;
  /** ISO time the file was written. */
  readonly modified: string;
}

export interface SnapshotCommands {
  /** `file`: where to write (relative to the layout folder); default snapshots/<layout>-<time>.hvsnap. */
  'snapshot.save': { params: { file?: string }; result: SnapshotSaved };
  /** Checks the file against the layout first; on any difference the running machine is left as it was. */
  'snapshot.restore': { params: { file: string }; result: SnapshotRestored };
  /** The snapshots in the layout folder's snapshots/ directory, newest first. */
  'snapshot.list': { params: Record<string, never>; result: { files: SnapshotFileInfo[] } };
}
