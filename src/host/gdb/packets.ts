/**
 * The GDB remote serial protocol's framing, free of sockets: `$payload#cs` packets with a modulo-256
 * checksum, `+`/`-` acknowledgements, the 0x03 interrupt byte, `}` escapes (byte ^ 0x20) and `*`
 * run-length encoding. Payloads are byte strings carried as latin1 JS strings (one char per byte), so
 * binary data (the X packet) survives. A hostile peer cannot grow the reader without bound: a packet
 * longer than the limit is dropped and reported, the reader then looks for the next `$`.
 */

/** The largest packet payload accepted and announced in qSupported (PacketSize, in bytes). */
export const MAX_PACKET = 0x4000;

export type ReaderEvent =
  | { readonly kind: 'packet'; readonly data: string }
  | { readonly kind: 'interrupt' }
  | { readonly kind: 'ack' }
  | { readonly kind: 'nack' }
  /** A packet that could not be used (bad checksum, too long, bad escape): answer with `-`. */
  | { readonly kind: 'bad'; readonly reason: string };

export function checksum(data: string): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum = (sum + data.charCodeAt(i)) & 0xff;
  return sum;
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** Escapes the bytes the framing reserves ($ # } *). */
export function escapeBinary(data: string): string {
  return data.replace(/[$#}*]/g, (c) => `}${String.fromCharCode(c.charCodeAt(0) ^ 0x20)}`);
}

/**
 * Run-length encodes a payload: a run of n+1 (n >= 3) equal bytes becomes the byte, `*` and the count
 * n + 29 as one printable byte; counts that would give `#` or `$` (n = 6, 7) are shortened. Escaped
 * pairs and the reserved bytes are never compressed.
 */
export function encodeRunLength(data: string): string {
  let out = '';
  let i = 0;
  while (i < data.length) {
    const c = data[i]!;
    if (c === '}') {
      // An escape and the byte it escapes stay as they are.
      out += data.slice(i, i + 2);
      i += 2;
      continue;
    }
    let run = 1;
    while (i + run < data.length && data[i + run] === c && run < 98) run++;
    let repeats = run - 1;
    if ('$#}*'.includes(c) || repeats < 3) {
      out += c;
      i += 1;
      continue;
    }
    if (repeats === 6 || repeats === 7) repeats = 5;
    out += `${c}*${String.fromCharCode(repeats + 29)}`;
    i += repeats + 1;
  }
  return out;
}

/** A complete packet on the wire, payload escaped and checksummed (the payload is already escaped where binary). */
export function frame(payload: string, runLength = false): string {
  const body = runLength ? encodeRunLength(payload) : payload;
  return `$${body}#${hex2(checksum(body))}`;
}

/**
 * Undoes escapes and run-length encoding of a received payload (as transmitted, checksum excluded).
 * Throws on a dangling escape or a repeat with nothing before it.
 */
export function decodePayload(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '}') {
      if (i + 1 >= raw.length) throw new Error('escape at the end of the packet');
      out += String.fromCharCode(raw.charCodeAt(++i) ^ 0x20);
    } else if (c === '*') {
      if (out.length === 0 || i + 1 >= raw.length) throw new Error('run-length repeat without a byte');
      const n = raw.charCodeAt(++i) - 29;
      if (n < 3 || n > 97) throw new Error('bad run-length count');
      out += out[out.length - 1]!.repeat(n);
      if (out.length > MAX_PACKET * 2) throw new Error('run-length expansion too long');
    } else out += c;
  }
  return out;
}

/** Collects bytes from the socket into events. */
export class PacketReader {
  private state: 'idle' | 'data' | 'sum' = 'idle';
  private raw = '';
  private sum = '';

  constructor(private readonly limit = MAX_PACKET) {}

  feed(bytes: Uint8Array): ReaderEvent[] {
    const events: ReaderEvent[] = [];
    for (const b of bytes) {
      const c = String.fromCharCode(b);
      switch (this.state) {
        case 'idle':
          if (c === '$') {
            this.state = 'data';
            this.raw = '';
          } else if (b === 0x03) events.push({ kind: 'interrupt' });
          else if (c === '+') events.push({ kind: 'ack' });
          else if (c === '-') events.push({ kind: 'nack' });
          // Anything else between packets is noise and skipped.
          break;
        case 'data':
          if (c === '#') {
            this.state = 'sum';
            this.sum = '';
          } else if (c === '$') {
            // A new packet before this one ended: the earlier one is lost.
            events.push({ kind: 'bad', reason: 'packet restarted before its end' });
            this.raw = '';
          } else if (this.raw.length >= this.limit) {
            events.push({ kind: 'bad', reason: `packet longer than ${this.limit} bytes` });
            this.state = 'idle';
            this.raw = '';
          } else this.raw += c;
          break;
        case 'sum':
          this.sum += c;
          if (this.sum.length < 2) break;
          this.state = 'idle';
          if (!/^[0-9a-fA-F]{2}$/.test(this.sum) || parseInt(this.sum, 16) !== checksum(this.raw)) {
            events.push({ kind: 'bad', reason: 'checksum mismatch' });
            break;
          }
          try {
            events.push({ kind: 'packet', data: decodePayload(this.raw) });
          } catch (error) {
            events.push({ kind: 'bad', reason: (error as Error).message });
          }
          this.raw = '';
          break;
      }
    }
    return events;
  }
}

/** Bytes as lowercase hex (the m reply, register values). */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += hex2(b);
  return out;
}

/** Hex to bytes; undefined when the text is not an even number of hex digits. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Text as hex (qRcmd output, O packets). */
export function textToHex(text: string): string {
  return toHex(new TextEncoder().encode(text));
}

/** A hex number of at most 16 digits (addresses, lengths), or undefined. */
export function parseHexU64(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F]{1,16}$/.test(text)) return undefined;
  return BigInt(`0x${text}`);
}
