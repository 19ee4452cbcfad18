/**
 * ACLINT machine-level software interrupt device (MSWI), the `msip` half of the old CLINT: one
 * 32-bit MSIP register per hart at 4*hart whose bit 0 drives the hart's mip.MSIP (bit 3). Used by
 * M-mode firmware (OpenSBI) for inter-processor interrupts.
 *
 * Left out: nothing visible; bits 1..31 of each register read as zero as the spec requires.
 */
import type { HartSignals, MmioDevice, RegisterDef, SharedRegion } from '../../bus/types';

export const MIP_MSIP = 1 << 3;
/** Address space of an MSWI: 4095 harts * 4 bytes, rounded up. */
export const ACLINT_MSWI_SIZE = 0x4000;

export class AclintMswi implements MmioDevice {
  readonly kind = 'aclint-mswi';
  readonly registers: readonly RegisterDef[];
  private readonly words: Int32Array;

  static stateBytes(harts: number): number {
    return harts * 4;
  }

  constructor(region: SharedRegion, readonly harts: number, private readonly signals: HartSignals) {
    this.words = new Int32Array(region.buffer, region.byteOffset, harts);
    this.registers = [
      {
        name: 'msip', offset: 0, width: 4, access: 'rw', reset: 0, count: harts, stride: 4,
        description: 'Machine software interrupt pending of hart i (mip.MSIP)',
        fields: [{ name: 'MSIP', lsb: 0, width: 1 }],
      },
    ];
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const hart = offset >> 2;
    if (size !== 4 || (offset & 3) !== 0 || hart >= this.harts) return 0;
    return this.words[hart]!;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const hart = offset >> 2;
    if (size !== 4 || (offset & 3) !== 0 || hart >= this.harts) return;
    const bit = value & 1;
    this.words[hart] = bit;
    this.signals.setPending(hart, MIP_MSIP, bit === 1);
  }

  reset(): void {
    for (let hart = 0; hart < this.harts; hart++) {
      this.words[hart] = 0;
      this.signals.setPending(hart, MIP_MSIP, false);
    }
  }

  peek(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let hart = 0; hart < this.harts; hart++) out[`msip${hart}`] = this.words[hart]!;
    return out;
  }
}
