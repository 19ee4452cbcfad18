/**
 * SiFive test finisher (`sifive,test0`/`sifive,test1`), QEMU virt's power and reset control: a write
 * to offset 0 whose low 16 bits are 0x5555 means pass (power off), 0x3333 means fail with the exit
 * code in the upper 16 bits, 0x7777 means system reset. Linux reaches it through `syscon-poweroff`
 * and `syscon-reboot`; OpenSBI and bare-metal tests write it directly.
 *
 * The request is recorded in shared state (the host reads it from any thread) and reported to the
 * callback of the thread that made the access. Other values are ignored, as QEMU does after logging
 * a guest error. Reads return 0.
 */
import type { MmioDevice, RegisterDef, SharedRegion } from '../../bus/types';

export const FinisherCode = { fail: 0x3333, pass: 0x5555, reset: 0x7777 } as const;

export type PowerRequestKind = 'pass' | 'fail' | 'reset';

export interface PowerRequest {
  readonly kind: PowerRequestKind;
  /** Exit code (upper 16 bits of the written value) for 'fail'; 0 otherwise. */
  readonly code: number;
}

export type PowerRequestHandler = (kind: PowerRequestKind, code: number) => void;

/** Int32 words of the shared state: the last request (0 = none, 1 = pass, 2 = fail, 3 = reset). */
const REQUEST = 0;
const CODE = 1;
const KINDS: readonly PowerRequestKind[] = ['pass', 'fail', 'reset'];

const REGISTERS: readonly RegisterDef[] = [
  {
    name: 'finisher', offset: 0, width: 4, access: 'wo', reset: 0,
    description: '0x5555 = pass / power off, 0x3333 = fail (code in bits 16..31), 0x7777 = reset',
    fields: [
      { name: 'status', lsb: 0, width: 16 },
      { name: 'code', lsb: 16, width: 16 },
    ],
  },
];

export class SifiveTest implements MmioDevice {
  readonly kind = 'sifive-test';
  readonly registers = REGISTERS;
  private readonly words: Int32Array;

  static stateBytes(): number {
    return 8;
  }

  constructor(region: SharedRegion, private readonly onRequest: PowerRequestHandler) {
    this.words = new Int32Array(region.buffer, region.byteOffset, 2);
  }

  /** The last request made by the guest, or undefined. */
  request(): PowerRequest | undefined {
    const kind = Atomics.load(this.words, REQUEST);
    if (kind === 0) return undefined;
    return { kind: KINDS[kind - 1]!, code: Atomics.load(this.words, CODE) };
  }

  read(_offset: number, _size: 1 | 2 | 4): number {
    return 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset !== 0 || size === 1) return;
    let kind: PowerRequestKind;
    switch (value & 0xffff) {
      case FinisherCode.pass: kind = 'pass'; break;
      case FinisherCode.fail: kind = 'fail'; break;
      case FinisherCode.reset: kind = 'reset'; break;
      default: return;
    }
    const code = kind === 'fail' && size === 4 ? value >>> 16 : 0;
    Atomics.store(this.words, CODE, code);
    Atomics.store(this.words, REQUEST, KINDS.indexOf(kind) + 1);
    this.onRequest(kind, code);
  }

  reset(): void {
    Atomics.store(this.words, REQUEST, 0);
    Atomics.store(this.words, CODE, 0);
  }

  peek(): Record<string, number> {
    return { request: Atomics.load(this.words, REQUEST), code: Atomics.load(this.words, CODE) };
  }
}
