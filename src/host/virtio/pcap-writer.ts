/**
 * Writes Ethernet frames to a classic pcap file (LINKTYPE_ETHERNET), the format Wireshark and
 * tcpdump read without conversion. Timestamps are host wall-clock microseconds; records are written
 * in the order frames were captured.
 *
 * The file is written as fast as the disk takes it; frames that arrive while more than
 * MAX_BUFFERED_BYTES wait for the disk are left out of the capture (and counted), so a guest that
 * transmits faster than the disk writes cannot grow the workbench's memory.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

const PCAP_MAGIC = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;
const SNAPLEN = 65535;
export const MAX_BUFFERED_BYTES = 16 << 20;

export class PcapWriter {
  private readonly stream: WriteStream;
  private closing: Promise<void> | undefined;
  frames = 0;
  /** Frames left out because the disk was behind. */
  dropped = 0;

  constructor(readonly path: string, private readonly now: () => number = () => Date.now()) {
    this.stream = createWriteStream(path, { flags: 'w' });
    const header = Buffer.alloc(24);
    header.writeUInt32LE(PCAP_MAGIC, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeInt32LE(0, 8);
    header.writeUInt32LE(0, 12);
    header.writeUInt32LE(SNAPLEN, 16);
    header.writeUInt32LE(LINKTYPE_ETHERNET, 20);
    this.stream.write(header);
  }

  write(frame: Uint8Array): void {
    if (this.closing) return;
    const ms = this.now();
    const captured = Math.min(frame.length, SNAPLEN);
    if (this.stream.writableLength + 16 + captured > MAX_BUFFERED_BYTES) {
      this.dropped++;
      return;
    }
    const record = Buffer.alloc(16 + captured);
    record.writeUInt32LE(Math.floor(ms / 1000) >>> 0, 0);
    record.writeUInt32LE(Math.floor((ms % 1000) * 1000), 4);
    record.writeUInt32LE(captured, 8);
    record.writeUInt32LE(frame.length, 12);
    record.set(frame.subarray(0, captured), 16);
    this.stream.write(record);
    this.frames++;
  }

  /** Bytes handed to the stream and not yet written. */
  get buffered(): number {
    return this.stream.writableLength;
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
    return this.closing;
  }
}
