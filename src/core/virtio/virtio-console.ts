/**
 * virtio-console (device id 3) as hvisor-tool provides it: one port (no MULTIPORT), receiveq 0 and
 * transmitq 1 of 64 entries each, and VIRTIO_CONSOLE_F_SIZE with an 80x25 default, the size
 * hvisor-tool reports. The zone's hvc0: transmitted bytes go to an output callback (the zone's
 * terminal), keyboard input is queued and copied into receive buffers as the driver posts them.
 *
 * hvisor-tool drops input that arrives before the driver kicked the receive queue; here it waits in
 * a bounded backlog (64 KiB, oldest bytes dropped first), so text typed during boot is not lost.
 * A transmit request carries at most 64 KiB: Linux's hvc driver writes at most one page per request
 * (64 KiB pages on some arm64 kernels) and a port write at most 32 KiB, so a longer one is a device
 * error rather than an allocation the guest chooses the size of.
 * Left out: MULTIPORT and its control queues, EMERG_WRITE.
 */
import { readConfigBytes, type VirtioDeviceContext, type VirtioDeviceModel } from './virtio-mmio';
import { VirtqueueError, gather, scatter } from './virtqueue';

export const CONSOLE_F_SIZE = 1n << 0n;
export const ConsoleQueue = { receive: 0, transmit: 1 } as const;
/** hvisor-tool's VIRTQUEUE_CONSOLE_MAX_SIZE (tools/virtio/include/virtio_console.h:20), not virtio.h's 512. */
export const CONSOLE_QUEUE_SIZE = 64;
/** Bytes one transmit request may carry. */
export const CONSOLE_MAX_REQUEST_BYTES = 64 * 1024;
const BACKLOG_LIMIT = 64 * 1024;

export interface VirtioConsoleOptions {
  /** Bytes the guest wrote to hvc0. */
  readonly output: (bytes: Uint8Array) => void;
  readonly cols?: number;
  readonly rows?: number;
}

export class VirtioConsole implements VirtioDeviceModel {
  readonly deviceId = 3;
  readonly kind = 'virtio-console';
  readonly features = CONSOLE_F_SIZE;
  readonly queueSizes = [CONSOLE_QUEUE_SIZE, CONSOLE_QUEUE_SIZE];
  private context!: VirtioDeviceContext;
  private readonly config = new Uint8Array(12);
  private backlog: Uint8Array[] = [];
  private backlogBytes = 0;
  /** Input bytes dropped because the backlog was full. */
  dropped = 0;

  constructor(private readonly options: VirtioConsoleOptions) {
    this.setSize(options.cols ?? 80, options.rows ?? 25);
  }

  attach(context: VirtioDeviceContext): void {
    this.context = context;
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    return readConfigBytes(this.config, offset, size);
  }

  /** The terminal was resized: new cols/rows and a configuration-change interrupt. */
  resize(cols: number, rows: number): void {
    this.setSize(cols, rows);
    this.context.configChanged();
  }

  /** Keyboard input for the guest. */
  input(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.backlog.push(bytes.slice());
    this.backlogBytes += bytes.length;
    while (this.backlogBytes > BACKLOG_LIMIT) {
      const oldest = this.backlog[0]!;
      const excess = this.backlogBytes - BACKLOG_LIMIT;
      if (oldest.length <= excess) {
        this.backlog.shift();
        this.backlogBytes -= oldest.length;
        this.dropped += oldest.length;
      } else {
        this.backlog[0] = oldest.subarray(excess);
        this.backlogBytes -= excess;
        this.dropped += excess;
      }
    }
    this.deliver();
  }

  get pendingInput(): number {
    return this.backlogBytes;
  }

  notify(queue: number): void {
    if (queue === ConsoleQueue.transmit) this.transmit();
    else if (queue === ConsoleQueue.receive) this.deliver();
  }

  start(): void {
    this.deliver();
  }

  reset(): void {
    // The backlog is the terminal's, not the device's: it survives a driver reset.
  }

  /** Snapshots: the window size and the typed bytes not delivered yet. */
  saveState(): { config: number[]; backlog: number[] } {
    return { config: [...this.config], backlog: this.backlog.flatMap((b) => [...b]) };
  }

  restoreState(state: unknown): void {
    const s = state as { config: number[]; backlog: number[] };
    this.config.set(s.config);
    this.backlog = s.backlog.length > 0 ? [Uint8Array.from(s.backlog)] : [];
    this.backlogBytes = s.backlog.length;
  }

  private transmit(): void {
    const queue = this.context.queue(ConsoleQueue.transmit);
    queue.beginTurn();
    try {
      for (;;) {
        if (queue.turnOver) {
          if (queue.availableCount() > 0) this.context.more(ConsoleQueue.transmit);
          break;
        }
        const chain = queue.pop();
        if (!chain) break;
        if (chain.readableBytes > CONSOLE_MAX_REQUEST_BYTES) {
          throw new VirtqueueError(`transmit request at descriptor ${chain.head} carries ${chain.readableBytes} bytes (at most ${CONSOLE_MAX_REQUEST_BYTES})`, chain.head);
        }
        this.options.output(gather(chain.readable, 0, chain.readableBytes));
        queue.push(chain.head, 0);
      }
    } catch (error) {
      this.context.fail(ConsoleQueue.transmit, error);
      return;
    }
    this.context.usedBuffers(ConsoleQueue.transmit);
  }

  private deliver(): void {
    const queue = this.context.queue(ConsoleQueue.receive);
    if (this.backlogBytes === 0 || !this.context.live || !queue.enabled) return;
    queue.beginTurn();
    try {
      while (this.backlogBytes > 0) {
        // Buffers without room take nothing from the backlog: the turn's bound ends the loop instead.
        if (queue.turnOver) {
          if (queue.availableCount() > 0) this.context.more(ConsoleQueue.receive);
          break;
        }
        const chain = queue.pop();
        if (!chain) break;
        const data = this.take(chain.writableBytes);
        queue.push(chain.head, scatter(chain.writable, 0, data));
      }
    } catch (error) {
      this.context.fail(ConsoleQueue.receive, error);
      return;
    }
    this.context.usedBuffers(ConsoleQueue.receive);
  }

  /** Removes up to `limit` bytes from the front of the backlog. */
  private take(limit: number): Uint8Array {
    const out = new Uint8Array(Math.min(limit, this.backlogBytes));
    let filled = 0;
    while (filled < out.length) {
      const head = this.backlog[0]!;
      const n = Math.min(head.length, out.length - filled);
      out.set(head.subarray(0, n), filled);
      filled += n;
      if (n === head.length) this.backlog.shift();
      else this.backlog[0] = head.subarray(n);
    }
    this.backlogBytes -= filled;
    return out;
  }

  private setSize(cols: number, rows: number): void {
    const view = new DataView(this.config.buffer);
    view.setUint16(0, cols, true);
    view.setUint16(2, rows, true);
  }
}
