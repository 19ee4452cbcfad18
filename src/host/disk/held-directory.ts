/**
 * A folder held open by file descriptor, so that names inside it are resolved in that folder and not
 * by walking a path again. Node has no openat(): on Linux, /proc/self/fd/<fd>/<name> resolves <name>
 * inside the directory the descriptor refers to, whatever has since been renamed, removed or replaced
 * by a symbolic link along the path it was opened by. Each level is opened with O_NOFOLLOW|O_DIRECTORY,
 * so a link swapped in anywhere is refused, not followed. Paths stay short however deep the folder is.
 *
 * Elsewhere (no /proc) the base is the folder's path and only the last component of each step is
 * protected by O_NOFOLLOW; the write-back is race-free on Linux only.
 */
import { closeSync, constants, fstatSync, futimesSync, lstatSync, openSync, type Stats } from 'node:fs';
import path from 'node:path';

const PROC_FD = '/proc/self/fd';
const hasProcFd = ((): boolean => {
  try {
    closeSync(openSync(PROC_FD, constants.O_RDONLY | constants.O_DIRECTORY));
    return true;
  } catch {
    return false;
  }
})();

/** Opening a folder failed because the name is a symbolic link or not a folder. */
export class NotAFolderError extends Error {}

export class HeldDirectory {
  private closed = false;

  private constructor(
    private readonly fd: number,
    /** The folder's path when opened, for messages only. */
    readonly shownPath: string,
    private readonly fallbackPath: string,
  ) {}

  /** Opens `folder` itself (which must not be a symbolic link). */
  static open(folder: string): HeldDirectory {
    const fd = openFolder(folder, folder);
    return new HeldDirectory(fd, folder, folder);
  }

  /** The path to use with ordinary fs calls for `name` inside this folder. */
  entry(name: string): string {
    if (this.closed) throw new Error(`${this.shownPath}: folder handle already closed`);
    return path.join(hasProcFd ? `${PROC_FD}/${this.fd}` : this.fallbackPath, name);
  }

  stat(): Stats {
    return fstatSync(this.fd);
  }

  /** Sets the folder's modification time through the handle (utimes on a path would follow a link). */
  setModified(mtimeMs: number): void {
    futimesSync(this.fd, new Date(), new Date(mtimeMs));
  }

  /** Opens the folder `name` inside this one; a symbolic link or a file there is a NotAFolderError. */
  child(name: string): HeldDirectory {
    const shown = path.join(this.shownPath, name);
    return new HeldDirectory(openFolder(this.entry(name), shown), shown, path.join(this.fallbackPath, name));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

function isLink(target: string): boolean {
  try {
    return lstatSync(target).isSymbolicLink();
  } catch {
    return false;
  }
}

function openFolder(target: string, shown: string): number {
  try {
    return openSync(target, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // With O_DIRECTORY Linux answers ENOTDIR for a link too; lstat only picks the message.
    if (code === 'ELOOP' || (code === 'ENOTDIR' && isLink(target))) throw new NotAFolderError(`the path goes through the symbolic link ${shown}`);
    if (code === 'ENOTDIR') throw new NotAFolderError(`${shown} is not a folder on the host`);
    throw error;
  }
}

/**
 * Opens the folders of `parts` one by one under `root` and hands the innermost to `use`; every folder
 * opened on the way is closed afterwards.
 */
export async function withFolder<T>(root: HeldDirectory, parts: readonly string[], use: (dir: HeldDirectory) => Promise<T>): Promise<T> {
  const opened: HeldDirectory[] = [];
  try {
    let current = root;
    for (const part of parts) {
      current = current.child(part);
      opened.push(current);
    }
    return await use(current);
  } finally {
    for (const dir of opened.reverse()) dir.close();
  }
}
