/**
 * The files of the open layout as the zone editor edits them: layout.json, the hvisor zone JSON files
 * it lists and its virtio_cfg.json, as text (the editor keeps what the user wrote, parseable or not),
 * with the board they are checked against.
 */
import type { Board } from '../model/board';

export type LayoutFileKind = 'layout' | 'zone' | 'virtio';

export interface LayoutFileText {
  /** Path relative to the layout folder, with `/` separators. */
  readonly path: string;
  readonly kind: LayoutFileKind;
  /** The file's text; empty when it could not be read (see `problems`). */
  readonly text: string;
}

export interface LayoutFilesResult {
  /** Absolute path of the layout folder. */
  readonly folder: string;
  /** The board layout.json names, with the layout's RAM size applied. */
  readonly board: Board;
  /** layout.json first, then the zone files in layout order, then virtio_cfg.json. */
  readonly files: readonly LayoutFileText[];
  /** Files the layout names that could not be read, as "path: reason". */
  readonly problems: readonly string[];
}

export interface LayoutSaveFile {
  /** Relative to the layout folder; absolute paths, `..` and symlinks leading out are refused. */
  readonly path: string;
  readonly text: string;
}

export interface LayoutFileCommands {
  'layout.files': { params: Record<string, never>; result: LayoutFilesResult };
  /** Writes every file atomically (temporary file, then rename), or none when a path is refused. */
  'layout.save': { params: { files: readonly LayoutSaveFile[] }; result: { written: string[] } };
}
