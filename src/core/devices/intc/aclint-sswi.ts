/**
 * ACLINT supervisor software interrupt device (SSWI): one SETSSIP register per hart at 4*hart.
 * Writing 1 to bit 0 sets the hart's mip.SSIP (bit 1); writing 0 does nothing, and the register
 * always reads as zero (the spec makes it edge-like: S-mode software clears SSIP in sip itself).
 *
 * Left out: nothing visible. The device holds no state of its own: the pending bit lives in the
 * hart's mip word.
 */
import type { HartSignals, MmioDevice, RegisterDef } from '../../bus/types';

export const MIP_SSIP = 1 << 1;
export const ACLINT_SSWI_SIZE = 0x4000;

export class AclintSswi implements MmioDevice {
  readonly kind = 'aclint-sswi';
  readonly registers: readonly RegisterDef[];

  /** No shared state: writes go straight to the harts' mip words. */
  static stateBytes(): number {
    return 0;
  }

  constructor(readonly harts: number, private readonly signals: HartSignals) {
    this.registers = [
      {
        name: 'setssip', offset: 0, width: 4, access: 'wo', reset: 0, count: harts, stride: 4,
        description: 'Write 1 to set mip.SSIP of hart i; reads as 0',
        fields: [{ name: 'SETSSIP', lsb: 0, width: 1 }],
      },
    ];
  }

  read(_offset: number, _size: 1 | 2 | 4): number {
    return 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const hart = offset >> 2;
    if (size !== 4 || (offset & 3) !== 0 || hart >= this.harts) return;
    if ((value & 1) !== 0) this.signals.setPending(hart, MIP_SSIP, true);
  }

  reset(): void {}

  peek(): Record<string, number> {
    return {};
  }
}
