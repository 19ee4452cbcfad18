/**
 * A legacy ISA/LPC I/O port window with nothing behind it: the 7A2000's LPC I/O space as a board without
 * legacy devices has it (the i8042 keyboard controller, the 8259s, a parallel port absent). On the real
 * bus an access no device claims ends in a master abort, which returns all ones and drops writes; Linux's
 * probes (i8042's status port reading 0xff: "no controller") rely on that. Board data maps the window and
 * the device tree describes it as an `isa` node whose ranges map I/O port 0 here, which is what makes
 * Linux on LoongArch map its legacy port range at all (arch_reserve_pio_range: a port access without that
 * mapping is a kernel paging fault, as it was in i8042_flush).
 *
 * Left out: every device a real LPC bus may carry (no port answers), DMA and the ISA interrupts.
 */
import type { MmioDevice, RegisterDef } from '../../bus/types';

const REGISTERS: readonly RegisterDef[] = [];

export class IsaIo implements MmioDevice {
  readonly kind = 'isa-io';
  readonly registers = REGISTERS;

  read(_offset: number, size: 1 | 2 | 4): number {
    return size === 4 ? 0xffff_ffff : size === 2 ? 0xffff : 0xff;
  }

  write(): void {
    // Nothing claims the cycle: the write is dropped.
  }

  reset(): void {}

  peek(): Record<string, number> {
    return {};
  }
}
