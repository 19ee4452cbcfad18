/**
 * virtio-blk (device id 2) as hvisor-tool's daemon provides it (tools/virtio/devices/blk): one
 * request queue of 512, SEG_MAX, SIZE_MAX and FLUSH, capacity in 512-byte sectors, and the request
 * types IN, OUT, FLUSH and GET_ID ("hvisor-virblk"), each ending in a status byte. Added here: RO
 * (a read-only backend or option; writes then fail with IOERR and nothing is written) and, when asked
 * for, DISCARD (the backend's discard, or zeros).
 *
 * Requests are taken from the ring when the driver kicks and executed one after another on the
 * backend, as hvisor-tool's per-device worker thread does, so a FLUSH covers every write before it.
 * The backend is asynchronous (a host file); a reset cancels every request taken before it: one
 * still waiting does not run, one on the backend drops its completion, so a reused buffer is never
 * written after the driver reset the device. At most a queue of requests is in flight (the
 * virtqueue refuses more), and requests cancelled by resets but still queued behind a slow backend
 * count against a second bound, so resets cannot pile work up either.
 *
 * Bounds a guest cannot move: data of at most 32 MiB per request, one discard segment of at most
 * max_discard_sectors (both advertised in the configuration space). A request the device cannot
 * frame (no header, no status byte, a discard payload that is not one segment) is a device error;
 * a well-framed request outside the disk or over a limit is answered IOERR and reported, as
 * QEMU's virtio_blk_handle_request does (UNSUPP for a discard with the unmap flag or unknown flags,
 * virtio 1.2 section 5.2.6.2), so the device keeps working and the guest sees an I/O error.
 *
 * A request is read without assuming its framing (VERSION_1 implies ANY_LAYOUT): the first 16
 * readable bytes are the header, the last writable byte is the status. Left out: multiqueue,
 * WRITE_ZEROES, SECURE_ERASE, CONFIG_WCE, zoned devices, geometry and topology.
 */
import { utf8Bytes } from '../../shared/model/zone-config';
import { readConfigBytes, type VirtioDeviceContext, type VirtioDeviceModel, VIRT_QUEUE_SIZE } from './virtio-mmio';
import { type DescriptorChain, VirtqueueError, gather, scatter } from './virtqueue';

/** What a disk image looks like to the device. Offsets and lengths are in bytes. */
export interface BlockBackend {
  readonly size: number;
  readonly readOnly: boolean;
  read(offset: number, length: number): Promise<Uint8Array>;
  write(offset: number, bytes: Uint8Array): Promise<void>;
  flush(): Promise<void>;
  /** Optional: give the range back (a sparse file punches a hole). Without it, discard writes zeros. */
  discard?(offset: number, length: number): Promise<void>;
}

export const BlkFeature = {
  sizeMax: 1n << 1n,
  segMax: 1n << 2n,
  ro: 1n << 5n,
  flush: 1n << 9n,
  discard: 1n << 13n,
} as const;
export const BlkRequestType = { in: 0, out: 1, flush: 4, getId: 8, discard: 11 } as const;
export const BlkStatus = { ok: 0, ioError: 1, unsupported: 2 } as const;

export const SECTOR_BYTES = 512;
const HEADER_BYTES = 16;
const ID_BYTES = 20;
/** Data segments per request: the queue minus the header and status descriptors. */
export const BLK_SEG_MAX = VIRT_QUEUE_SIZE - 2;
/** Largest single segment the driver may use; Linux requests rarely exceed 1280 KiB in total. */
export const BLK_SIZE_MAX = 1 << 20;
/** Bound on the data of one request, so a guest cannot make the daemon allocate without limit. */
const MAX_REQUEST_BYTES = 32 << 20;
const DISCARD_SEGMENT_BYTES = 16;
/** max_discard_sectors and max_discard_seg of the configuration space. */
export const BLK_MAX_DISCARD_SECTORS = MAX_REQUEST_BYTES / SECTOR_BYTES;
export const BLK_MAX_DISCARD_SEG = 1;
/** Requests taken and not yet finished, including ones a reset cancelled that wait behind the backend. */
const PENDING_LIMIT = 2 * VIRT_QUEUE_SIZE;
const ZERO_CHUNK = 1 << 20;

export interface VirtioBlkOptions {
  /** Offer RO and refuse writes even if the backend could write. */
  readonly readOnly?: boolean;
  /** Offer VIRTIO_BLK_F_DISCARD. */
  readonly discard?: boolean;
  /** GET_ID answer (at most 20 bytes); hvisor-tool's is "hvisor-virblk". */
  readonly serial?: string;
}

export class VirtioBlk implements VirtioDeviceModel {
  readonly deviceId = 2;
  readonly kind = 'virtio-blk';
  readonly features: bigint;
  readonly queueSizes = [VIRT_QUEUE_SIZE];
  readonly readOnly: boolean;
  private context!: VirtioDeviceContext;
  private readonly config = new Uint8Array(60);
  private tail: Promise<void> = Promise.resolve();
  private inFlight = 0;
  /** notify() stopped at PENDING_LIMIT: take more when requests finish. */
  private starved = false;
  private readonly serial: Uint8Array;
  /** A failure of our own code while completing a request; kept so the queue goes on with the next one. */
  lastError: unknown;

  constructor(
    private readonly backend: BlockBackend,
    private readonly options: VirtioBlkOptions = {},
  ) {
    this.readOnly = backend.readOnly || options.readOnly === true;
    this.features = BlkFeature.sizeMax | BlkFeature.segMax | BlkFeature.flush |
      (this.readOnly ? BlkFeature.ro : 0n) | (options.discard ? BlkFeature.discard : 0n);
    const view = new DataView(this.config.buffer);
    view.setBigUint64(0, BigInt(Math.floor(backend.size / SECTOR_BYTES)), true);
    view.setUint32(8, BLK_SIZE_MAX, true);
    view.setUint32(12, BLK_SEG_MAX, true);
    view.setUint32(20, SECTOR_BYTES, true);
    if (options.discard) {
      view.setUint32(36, BLK_MAX_DISCARD_SECTORS, true);
      view.setUint32(40, BLK_MAX_DISCARD_SEG, true);
      view.setUint32(44, 1, true);
    }
    this.serial = Uint8Array.from(utf8Bytes(options.serial ?? 'hvisor-virblk')).subarray(0, ID_BYTES);
  }

  attach(context: VirtioDeviceContext): void {
    this.context = context;
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    return readConfigBytes(this.config, offset, size);
  }

  /** Resolves when every request taken so far has completed (tests, shutdown). */
  whenIdle(): Promise<void> {
    return this.tail;
  }

  get pendingRequests(): number {
    return this.inFlight;
  }

  /** Snapshots: nothing beyond the queue's position once idle (the image file is checked by the snapshot). */
  saveState(): { starved: boolean } {
    if (this.inFlight > 0) throw new Error(`${this.kind}: ${this.inFlight} request(s) still in flight`);
    return { starved: this.starved };
  }

  restoreState(state: unknown): void {
    this.starved = (state as { starved: boolean }).starved;
  }

  notify(): void {
    const queue = this.context.queue(0);
    const epoch = this.context.epoch;
    queue.beginTurn();
    try {
      while (this.inFlight < PENDING_LIMIT) {
        if (queue.turnOver) {
          if (queue.availableCount() > 0) this.context.more(0);
          return;
        }
        const chain = queue.pop();
        if (!chain) return;
        const request = this.frame(chain);
        this.inFlight++;
        this.tail = this.tail
          .then(() => this.execute(request, epoch))
          .catch((error: unknown) => void (this.lastError = error))
          .finally(() => this.finished());
      }
      this.starved = true;
    } catch (error) {
      this.context.fail(0, error);
    }
  }

  reset(): void {
    // Requests taken earlier see the new epoch: they do not run, or drop their completion.
  }

  private finished(): void {
    this.inFlight--;
    if (!this.starved || this.inFlight >= PENDING_LIMIT) return;
    this.starved = false;
    if (this.context.live && this.context.queue(0).enabled) this.notify();
  }

  /** Reads what the request is when it is taken; a chain that is no request is a device error. */
  private frame(chain: DescriptorChain): BlkRequest {
    const where = `request at descriptor ${chain.head}`;
    if (chain.readableBytes < HEADER_BYTES) throw new VirtqueueError(`${where} has a ${chain.readableBytes}-byte header (16 needed)`, chain.head);
    if (chain.writableBytes < 1) throw new VirtqueueError(`${where} has no writable status byte`, chain.head);
    const header = new DataView(gather(chain.readable, 0, HEADER_BYTES).buffer);
    const type = header.getUint32(0, true);
    const sector = header.getBigUint64(8, true);
    if (type !== BlkRequestType.discard || !this.options.discard) return { chain, type, sector };
    const payload = chain.readableBytes - HEADER_BYTES;
    if (payload === 0 || payload % DISCARD_SEGMENT_BYTES !== 0 || payload / DISCARD_SEGMENT_BYTES > BLK_MAX_DISCARD_SEG) {
      throw new VirtqueueError(`${where}: a discard carries ${payload} bytes of segments (${BLK_MAX_DISCARD_SEG} segment of ${DISCARD_SEGMENT_BYTES} bytes allowed, max_discard_seg)`, chain.head);
    }
    const segment = new DataView(gather(chain.readable, HEADER_BYTES, DISCARD_SEGMENT_BYTES).buffer);
    return {
      chain, type, sector,
      discard: { sector: segment.getBigUint64(0, true), sectors: segment.getUint32(8, true), flags: segment.getUint32(12, true) },
    };
  }

  /** A well-framed request the device answers with an error status: tell the user why. */
  private refuse(request: BlkRequest, epoch: number, why: string): void {
    if (this.context.epoch === epoch) this.context.refused(0, new VirtqueueError(`request at descriptor ${request.chain.head}: ${why}`, request.chain.head));
  }

  private async execute(request: BlkRequest, epoch: number): Promise<void> {
    // Cancelled by a reset while it waited: its buffers may belong to the driver's next request.
    if (this.context.epoch !== epoch) return;
    const { chain, type, sector } = request;
    const dataIn = chain.writableBytes - 1;
    let status: number = BlkStatus.ok;
    let written = 0;
    try {
      switch (type) {
        case BlkRequestType.in: {
          const offset = this.range(sector, dataIn);
          if (offset === undefined) {
            status = BlkStatus.ioError;
            this.refuse(request, epoch, `read of ${dataIn} bytes at sector ${sector} ${this.rangeProblem(dataIn)} (answered IOERR)`);
          } else {
            const data = await this.backend.read(offset, dataIn);
            if (this.context.epoch !== epoch) return;
            written = scatter(chain.writable, 0, data.subarray(0, dataIn));
          }
          break;
        }
        case BlkRequestType.out: {
          const length = chain.readableBytes - HEADER_BYTES;
          const offset = this.range(sector, length);
          if (offset === undefined) this.refuse(request, epoch, `write of ${length} bytes at sector ${sector} ${this.rangeProblem(length)} (answered IOERR)`);
          if (offset === undefined || this.readOnly) status = BlkStatus.ioError;
          else await this.backend.write(offset, gather(chain.readable, HEADER_BYTES, length));
          break;
        }
        case BlkRequestType.flush:
          if (!this.readOnly) await this.backend.flush();
          break;
        case BlkRequestType.getId: {
          const id = new Uint8Array(Math.min(ID_BYTES, dataIn));
          id.set(this.serial.subarray(0, id.length));
          written = scatter(chain.writable, 0, id);
          break;
        }
        case BlkRequestType.discard:
          status = request.discard ? await this.discard(request, epoch) : BlkStatus.unsupported;
          break;
        default:
          status = BlkStatus.unsupported;
      }
    } catch {
      status = BlkStatus.ioError;
    }
    if (this.context.epoch !== epoch) return;
    scatter(chain.writable, chain.writableBytes - 1, Uint8Array.of(status));
    const queue = this.context.queue(0);
    queue.push(chain.head, written + 1);
    this.context.usedBuffers(0);
  }

  /** Byte offset of an I/O of `length` bytes at `sector`, or undefined if it is not whole sectors of the disk. */
  private range(sector: bigint, length: number): number | undefined {
    if (length % SECTOR_BYTES !== 0 || length > MAX_REQUEST_BYTES) return undefined;
    const offset = sector * BigInt(SECTOR_BYTES);
    if (offset + BigInt(length) > BigInt(this.backend.size)) return undefined;
    return Number(offset);
  }

  /** Why range() refused, for the report. */
  private rangeProblem(length: number): string {
    if (length % SECTOR_BYTES !== 0) return 'is not whole sectors';
    if (length > MAX_REQUEST_BYTES) return `is over the ${MAX_REQUEST_BYTES}-byte request limit`;
    return `is past the end of the disk (${this.backend.size / SECTOR_BYTES} sectors)`;
  }

  private async discard(request: BlkRequest, epoch: number): Promise<number> {
    const { sector, sectors, flags } = request.discard!;
    // Bit 0 is unmap, which a discard must not set; no other bit is defined.
    if (flags !== 0) return BlkStatus.unsupported;
    if (this.readOnly) return BlkStatus.ioError;
    if (sectors > BLK_MAX_DISCARD_SECTORS) {
      this.refuse(request, epoch, `discard of ${sectors} sectors at sector ${sector} is over max_discard_sectors (${BLK_MAX_DISCARD_SECTORS}) (answered IOERR)`);
      return BlkStatus.ioError;
    }
    const bytes = sectors * SECTOR_BYTES;
    const offset = this.range(sector, bytes);
    if (offset === undefined) {
      this.refuse(request, epoch, `discard of ${sectors} sectors at sector ${sector} ${this.rangeProblem(bytes)} (answered IOERR)`);
      return BlkStatus.ioError;
    }
    if (this.backend.discard) await this.backend.discard(offset, bytes);
    else {
      for (let done = 0; done < bytes; done += ZERO_CHUNK) {
        if (this.context.epoch !== epoch) return BlkStatus.ioError;
        await this.backend.write(offset + done, new Uint8Array(Math.min(ZERO_CHUNK, bytes - done)));
      }
    }
    return BlkStatus.ok;
  }
}

/** A request as framed when it was taken from the ring. */
interface BlkRequest {
  readonly chain: DescriptorChain;
  readonly type: number;
  readonly sector: bigint;
  /** The one segment of a discard (only when DISCARD is offered). */
  readonly discard?: { readonly sector: bigint; readonly sectors: number; readonly flags: number };
}
