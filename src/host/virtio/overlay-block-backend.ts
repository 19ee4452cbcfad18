/**
 * A copy-on-write overlay in memory over a disk image opened read-only: the guest reads the image where
 * it has not written, and every write goes to the overlay instead, one 4 KiB page at a time (a page
 * written for the first time and not covered whole is first copied from below). The image file never
 * changes. Used where a run must leave its images as they are:
 *
 * - deterministic mode (decision 0025): the run's writes live in memory, so a replay starts from the same
 *   disk;
 * - machines restored from a snapshot (decision 0024): the image keeps the SHA-256 the snapshot recorded,
 *   so the same snapshot can be restored again; the pages written so far are what a further snapshot of
 *   the machine saves (`writtenPages`) and a restore of that one puts back (`loadPages`).
 *
 * Memory: the written pages only, at most the image's size (a 4 KiB page per page written; a Map entry
 * each). The writes last as long as the machine, or as a snapshot of it.
 *
 * Left out: discard (the device writes zeros instead, into the overlay), merging the overlay back into
 * the image.
 */
import type { BlockBackend } from '../../core/virtio/virtio-blk';
import { ImageRangeError } from './file-block-backend';

export const OVERLAY_PAGE = 4096;

export class OverlayBlockBackend implements BlockBackend {
  private readonly pages = new Map<number, Uint8Array>();
  readonly size: number;

  /** `base`: the image (opened read-only); `readOnly`: the device's own read-only flag. */
  constructor(
    private readonly base: BlockBackend & { readonly path?: string; close?(): Promise<void> },
    readonly readOnly: boolean,
  ) {
    this.size = base.size;
  }

  private get name(): string {
    return this.base.path ?? 'the disk image';
  }

  /** Pages in the overlay. */
  get writtenCount(): number {
    return this.pages.size;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.check(offset, length);
    const out = new Uint8Array(length);
    let at = 0;
    while (at < length) {
      // A run of pages the overlay does not have comes from the image in one read.
      const page = Math.floor((offset + at) / OVERLAY_PAGE);
      const pageEnd = Math.min(length, (page + 1) * OVERLAY_PAGE - offset);
      const own = this.pages.get(page);
      if (own) {
        const from = offset + at - page * OVERLAY_PAGE;
        out.set(own.subarray(from, from + (pageEnd - at)), at);
        at = pageEnd;
        continue;
      }
      let end = pageEnd;
      for (let p = page + 1; end < length && !this.pages.has(p); p++) end = Math.min(length, (p + 1) * OVERLAY_PAGE - offset);
      out.set(await this.base.read(offset + at, end - at), at);
      at = end;
    }
    return out;
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    if (this.readOnly) throw new ImageRangeError(`${this.name} is read-only`);
    this.check(offset, bytes.length);
    let at = 0;
    while (at < bytes.length) {
      const page = Math.floor((offset + at) / OVERLAY_PAGE);
      const start = page * OVERLAY_PAGE;
      const from = offset + at - start;
      const take = Math.min(bytes.length - at, OVERLAY_PAGE - from);
      let own = this.pages.get(page);
      if (!own) {
        own = new Uint8Array(OVERLAY_PAGE);
        const pageBytes = Math.min(OVERLAY_PAGE, this.size - start);
        if (from > 0 || take < pageBytes) own.set(await this.base.read(start, pageBytes));
        this.pages.set(page, own);
      }
      own.set(bytes.subarray(at, at + take), from);
      at += take;
    }
  }

  async flush(): Promise<void> {
    // Nothing reaches the image: the overlay is the machine's own.
  }

  /** The overlay's pages (index and OVERLAY_PAGE bytes, ascending), for a snapshot of the machine. */
  writtenPages(): [number, Uint8Array][] {
    return [...this.pages].sort((a, b) => a[0] - b[0]).map(([page, bytes]) => [page, bytes.slice()]);
  }

  /** Puts a snapshot's overlay pages back (before the guest runs); refused naming the image for a page outside it. */
  loadPages(pages: Iterable<[number, Uint8Array]>): void {
    const count = Math.ceil(this.size / OVERLAY_PAGE);
    for (const [page, bytes] of pages) {
      if (!Number.isInteger(page) || page < 0 || page >= count) throw new ImageRangeError(`${this.name}: the snapshot's overlay has page ${page}, the ${this.size}-byte image has ${count}`);
      const own = new Uint8Array(OVERLAY_PAGE);
      own.set(bytes.subarray(0, Math.min(OVERLAY_PAGE, this.size - page * OVERLAY_PAGE)));
      this.pages.set(page, own);
    }
  }

  async close(): Promise<void> {
    this.pages.clear();
    await this.base.close?.();
  }

  private check(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new ImageRangeError(`${this.name}: ${length} bytes at ${offset} are outside the ${this.size}-byte image`);
    }
  }
}
