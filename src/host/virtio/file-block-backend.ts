/**
 * A disk image file as a virtio-blk backend. It opens exactly one existing regular file (never
 * creating or growing it), reads and writes inside its current size only, and opens it read-only
 * when asked, so a read-only disk cannot change even through a bug in the device model.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { BlockBackend } from '../../core/virtio/virtio-blk';

export class ImageRangeError extends Error {}

export class FileBlockBackend implements BlockBackend {
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly size: number,
    readonly readOnly: boolean,
  ) {}

  static async open(path: string, options: { readOnly?: boolean } = {}): Promise<FileBlockBackend> {
    const readOnly = options.readOnly === true;
    const handle = await open(path, readOnly ? 'r' : 'r+');
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new Error(`${path} is not a regular file`);
      return new FileBlockBackend(path, handle, stat.size, readOnly);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.check(offset, length);
    const buffer = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buffer, done, length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buffer;
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    if (this.readOnly) throw new ImageRangeError(`${this.path} is read-only`);
    this.check(offset, bytes.length);
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, offset + done);
      done += bytesWritten;
    }
  }

  async flush(): Promise<void> {
    if (!this.readOnly) await this.handle.datasync();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  private check(offset: number, length: number): void {
    if (this.closed) throw new Error(`${this.path} is closed`);
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new ImageRangeError(`${this.path}: ${length} bytes at ${offset} are outside the ${this.size}-byte image`);
    }
  }
}
