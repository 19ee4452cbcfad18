/**
 * virtio-net (device id 1) as hvisor-tool provides it (tools/virtio/devices/net): receiveq 0 and
 * transmitq 1, VIRTIO_NET_F_MAC and VIRTIO_NET_F_STATUS (link up), and the 12-byte virtio_net_hdr of
 * VERSION_1 in front of every frame (the transport insists on VERSION_1, so the legacy 10-byte
 * header never occurs). Instead of a TAP device the frames go to a NetPort, a port of the
 * workbench's virtual switch that connects the zones.
 *
 * Transmit takes every chain, strips the header and sends the frame; receive fills one posted
 * buffer per frame and sets num_buffers to 1. hvisor-tool drops a frame when no buffer is posted;
 * here up to 256 frames wait for buffers, which is what a TAP's own queue does for it. A frame larger
 * than the buffer is dropped (without MRG_RXBUF Linux posts buffers for a full 1514-byte frame).
 * hvisor-tool pads short frames to 64 bytes for the TAP; a switch needs no padding, so the capture
 * shows frames exactly as the guest sent them.
 *
 * A frame is at most 65550 bytes (Firecracker's MAX_BUFFER_SIZE, 65562, less the 12-byte header):
 * Linux lets the MTU of a virtio-net device without VIRTIO_NET_F_MTU reach 65535, and no offload that
 * would allow more is offered. A longer transmit is a device error, a longer frame from the switch
 * is dropped, so neither the daemon nor a receiving zone allocates what a guest asks for. A kick
 * takes at most one turn's worth of chains (virtqueue.ts; QEMU bounds its flush by tx_burst); the
 * rest waits for the next turn.
 *
 * Snapshots (decision 0024): the configuration (MAC, link status), the frames waiting for receive
 * buffers and the drop count are saved; a frame is never half-delivered (delivery and transmit finish
 * within one turn on the management thread), so nothing else is in flight. Frames that reach the switch
 * while the machine is paused for the save are handled as usual; a restored machine has a new capture.
 *
 * Left out: checksum and segmentation offloads, MRG_RXBUF, the control queue, multiqueue, MTU.
 */
import { readConfigBytes, type VirtioDeviceContext, type VirtioDeviceModel } from './virtio-mmio';
import { VirtqueueError, gather, scatter } from './virtqueue';

export const NetFeature = { mac: 1n << 5n, status: 1n << 16n } as const;
export const NET_HEADER_BYTES = 12;
export const NetQueue = { receive: 0, transmit: 1 } as const;
/** hvisor-tool's VIRTQUEUE_NET_MAX_SIZE. */
export const NET_QUEUE_SIZE = 256;
/** The longest Ethernet frame (without the virtio header) the device sends or delivers. */
export const NET_MAX_FRAME_BYTES = 65550;
const VIRTIO_NET_S_LINK_UP = 1;
const BACKLOG_FRAMES = 256;
const ETHERNET_HEADER_BYTES = 14;

const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const fromHex = (text: string): Uint8Array => Uint8Array.from({ length: text.length >> 1 }, (_, i) => parseInt(text.slice(2 * i, 2 * i + 2), 16) & 0xff);

/** A virtio-net as a snapshot keeps it (frames as hex). */
export interface NetState {
  readonly config: number[];
  readonly backlog: string[];
  readonly dropped: number;
}

/** Where transmitted frames go: a switch port. */
export interface NetPort {
  send(frame: Uint8Array): void;
}

export class VirtioNet implements VirtioDeviceModel {
  readonly deviceId = 1;
  readonly kind = 'virtio-net';
  readonly features = NetFeature.mac | NetFeature.status;
  readonly queueSizes = [NET_QUEUE_SIZE, NET_QUEUE_SIZE];
  readonly mac: Uint8Array;
  private context!: VirtioDeviceContext;
  private readonly config = new Uint8Array(12);
  private port: NetPort | undefined;
  private backlog: Uint8Array[] = [];
  /** Frames lost: backlog overflow, too small buffers, runt transmits. */
  dropped = 0;

  constructor(mac: ArrayLike<number>) {
    if (mac.length !== 6) throw new Error('a MAC address has 6 bytes');
    this.mac = Uint8Array.from(mac);
    this.config.set(this.mac, 0);
    new DataView(this.config.buffer).setUint16(6, VIRTIO_NET_S_LINK_UP, true);
    new DataView(this.config.buffer).setUint16(8, 1, true);
  }

  /** Plugs the device into a switch port (or unplugs it with undefined). */
  connect(port: NetPort | undefined): void {
    this.port = port;
  }

  attach(context: VirtioDeviceContext): void {
    this.context = context;
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    return readConfigBytes(this.config, offset, size);
  }

  /** Carrier up or down, seen by the driver through the status field and a config interrupt. */
  setLink(up: boolean): void {
    new DataView(this.config.buffer).setUint16(6, up ? VIRTIO_NET_S_LINK_UP : 0, true);
    this.context.configChanged();
  }

  /** A frame from the switch for this guest. */
  receive(frame: Uint8Array): void {
    if (this.backlog.length >= BACKLOG_FRAMES || frame.length > NET_MAX_FRAME_BYTES) {
      this.dropped++;
      return;
    }
    this.backlog.push(frame.slice());
    this.deliver();
  }

  get pendingFrames(): number {
    return this.backlog.length;
  }

  notify(queue: number): void {
    if (queue === NetQueue.transmit) this.transmit();
    else if (queue === NetQueue.receive) this.deliver();
  }

  start(): void {
    this.deliver();
  }

  reset(): void {
    this.backlog = [];
  }

  /** Snapshots: the configuration space (MAC, link), frames waiting for a receive buffer, frames lost. */
  saveState(): NetState {
    return { config: [...this.config], backlog: this.backlog.map(toHex), dropped: this.dropped };
  }

  /** Puts a saved state back; refused (naming both) when the snapshot's MAC is not this device's. */
  restoreState(state: unknown): void {
    const s = state as NetState;
    if (!Array.isArray(s?.config) || s.config.length !== this.config.length || !Array.isArray(s.backlog) || s.backlog.length > BACKLOG_FRAMES) {
      throw new Error(`${this.kind}: the snapshot's device state is not a virtio-net's`);
    }
    const mac = (bytes: ArrayLike<number>) => Array.from({ length: 6 }, (_, i) => bytes[i]!.toString(16).padStart(2, '0')).join(':');
    if (mac(s.config) !== mac(this.mac)) throw new Error(`${this.kind}: the snapshot's device has MAC ${mac(s.config)}, this one ${mac(this.mac)}`);
    this.config.set(s.config);
    this.backlog = s.backlog.map(fromHex).filter((f) => f.length <= NET_MAX_FRAME_BYTES);
    this.dropped = s.dropped;
  }

  private transmit(): void {
    const queue = this.context.queue(NetQueue.transmit);
    const frames: Uint8Array[] = [];
    queue.beginTurn();
    try {
      for (;;) {
        if (queue.turnOver) {
          if (queue.availableCount() > 0) this.context.more(NetQueue.transmit);
          break;
        }
        const chain = queue.pop();
        if (!chain) break;
        const length = chain.readableBytes - NET_HEADER_BYTES;
        if (length > NET_MAX_FRAME_BYTES) {
          throw new VirtqueueError(`transmit request at descriptor ${chain.head} carries a ${length}-byte frame (at most ${NET_MAX_FRAME_BYTES})`, chain.head);
        }
        if (length >= ETHERNET_HEADER_BYTES) frames.push(gather(chain.readable, NET_HEADER_BYTES, length));
        else this.dropped++;
        queue.push(chain.head, 0);
      }
    } catch (error) {
      this.context.fail(NetQueue.transmit, error);
      return;
    }
    this.context.usedBuffers(NetQueue.transmit);
    // Sent after the ring is settled: delivery may reach another device synchronously.
    for (const frame of frames) this.port?.send(frame);
  }

  private deliver(): void {
    const queue = this.context.queue(NetQueue.receive);
    if (this.backlog.length === 0 || !this.context.live || !queue.enabled) return;
    let delivered = false;
    queue.beginTurn();
    try {
      while (this.backlog.length > 0) {
        if (queue.turnOver) {
          if (queue.availableCount() > 0) this.context.more(NetQueue.receive);
          break;
        }
        const chain = queue.pop();
        if (!chain) break;
        const frame = this.backlog.shift()!;
        if (chain.writableBytes < NET_HEADER_BYTES + frame.length) {
          this.dropped++;
          queue.unpop();
          continue;
        }
        const header = new Uint8Array(NET_HEADER_BYTES);
        header[10] = 1;
        scatter(chain.writable, 0, header);
        scatter(chain.writable, NET_HEADER_BYTES, frame);
        queue.push(chain.head, NET_HEADER_BYTES + frame.length);
        delivered = true;
      }
    } catch (error) {
      this.context.fail(NetQueue.receive, error);
      return;
    }
    if (delivered) this.context.usedBuffers(NetQueue.receive);
  }
}
