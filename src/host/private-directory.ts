/**
 * Owner-only folders for what the workbench keeps at run time (disk images built from host folders,
 * control sockets, captures). They usually live under the shared temporary directory, where another
 * local user could create the folder first and then read or swap what we put in it: such a folder is
 * refused, naming it, rather than used.
 */
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { HostFileError } from './layout-loader';

/** A HostFileError, so that the CLI prints it as one message. */
export class PrivateDirectoryError extends HostFileError {}

/** Creates `dir` (0700) if missing and checks it is a folder of this user that nobody else can write; returns it. */
export function ensurePrivateDirectory(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const info = lstatSync(dir);
  if (info.isSymbolicLink() || !info.isDirectory()) {
    throw new PrivateDirectoryError(`${dir} is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; refusing to keep workbench files there`);
  }
  // Windows has neither uids nor these mode bits; its temporary directory is per user already.
  if (process.platform === 'win32') return dir;
  const uid = typeof process.getuid === 'function' ? process.getuid() : info.uid;
  if (info.uid !== uid) {
    throw new PrivateDirectoryError(`${dir} belongs to another user (uid ${info.uid}, this is uid ${uid}); refusing to keep workbench files there`);
  }
  if ((info.mode & 0o022) !== 0) {
    throw new PrivateDirectoryError(
      `${dir} is writable by group or others (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}); refusing to keep workbench files there (chmod 700 it, or remove it)`,
    );
  }
  if ((info.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  return dir;
}
