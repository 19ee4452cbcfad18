/**
 * Loongson 7A2000 PCH-MSI ("loongson,pch-msi-1.0"): the doorbell a PCI function's MSI writes to. The
 * message data is the EIOINTC vector itself (Linux's irq-loongson-pch-msi.c hands out vectors
 * msi-base-vec .. msi-base-vec + msi-num-vecs - 1 and writes that number to the doorbell), so a write
 * raises that vector once, as a message: the EIOINTC latches it if enabled and nothing stays high. A
 * number outside the board's range is refused (a report for the sender, no vector raised).
 *
 * As an MMIO device: a 32-bit write at offset 0 (the doorbell; reads give 0). Left out: the doorbell's
 * upper word and any vector remapping (there is none on the chip).
 */
import type { MmioDevice, RegisterDef } from '../../bus/types';
import type { MsiRefusal, MsiRequester, MsiSink } from '../../bus/msi';

/** Where the vectors go: the EIOINTC's message input. */
export interface VectorPulseSink {
  pulse(vector: number): void;
}

export const PCH_MSI_REGISTERS: readonly RegisterDef[] = [
  { name: 'DOORBELL', offset: 0, width: 4, access: 'wo', reset: 0, description: 'Writing vector v (msi-base-vec <= v < msi-base-vec + msi-num-vecs) raises EIOINTC vector v once' },
];

export class LoongsonPchMsi implements MmioDevice, MsiSink {
  readonly kind = 'loongson-pch-msi';
  readonly registers = PCH_MSI_REGISTERS;

  constructor(
    private readonly base: number,
    private readonly firstVector: number,
    private readonly vectors: number,
    private readonly eiointc: VectorPulseSink,
  ) {}

  /** Raises `vector` if it is one of this frame's; otherwise says why not. */
  private ring(vector: number): MsiRefusal | undefined {
    if (!Number.isInteger(vector) || vector < this.firstVector || vector >= this.firstVector + this.vectors) {
      return { refused: `vector ${vector} is not one of PCH-MSI's (${this.firstVector}..${this.firstVector + this.vectors - 1})` };
    }
    this.eiointc.pulse(vector);
    return undefined;
  }

  deliver(_requester: MsiRequester, address: number, data: number): MsiRefusal | undefined {
    if (address !== this.base) return { refused: `address 0x${address.toString(16)} is not PCH-MSI's doorbell (0x${this.base.toString(16)})` };
    return this.ring(data >>> 0);
  }

  read(): number {
    return 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset === 0 && size === 4) this.ring(value >>> 0);
  }

  reset(): void {}

  peek(): Record<string, number> {
    return { FIRST_VECTOR: this.firstVector, VECTORS: this.vectors };
  }
}
