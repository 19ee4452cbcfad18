/**
 * HTIF, the Berkeley host-target interface the ISA test programs use (riscv-tests, spike, QEMU's
 * `hw/char/riscv_htif.c`): the guest writes a command word to its `tohost` symbol, the host clears it
 * and answers console commands in the `fromhost` symbol. Both addresses come from the image's ELF
 * symbol table, never from each other (`fromhost` is not always `tohost + 8`).
 *
 * Command word: device (bits 63:56), command (55:48), payload (47:0). Device 0 command 0 with payload
 * bit 0 set is an exit with code payload >> 1; device 1 command 1 writes the payload's low byte to the
 * console and is answered with (device, command, 0x100 | byte) as QEMU does.
 * Left out: console reads (device 1 command 0), syscall proxying (device 0 with a pointer payload).
 */
import type { RamWindow } from '../../../bus/address-space';

export interface HtifSymbols {
  readonly tohost: number;
  /** Where answers go; without it (QEMU needs both symbols) commands are still taken but never answered. */
  readonly fromhost?: number;
}

export interface HtifActions {
  exit(code: number): void;
  consoleWrite(bytes: Uint8Array): void;
}

export class Htif {
  private readonly tohost: number | undefined;
  private readonly fromhost: number | undefined;

  constructor(
    private readonly ram: Pick<RamWindow, 'base' | 'size' | 'view'>,
    symbols: HtifSymbols,
    private readonly actions: HtifActions,
  ) {
    this.tohost = this.offsetOf(symbols.tohost);
    this.fromhost = symbols.fromhost === undefined ? undefined : this.offsetOf(symbols.fromhost);
  }

  /** The RAM offset of an 8-byte HTIF word, or undefined when it is not in RAM (the guest just gets no HTIF). */
  private offsetOf(address: number): number | undefined {
    const offset = address - this.ram.base;
    return offset >= 0 && offset + 8 <= this.ram.size ? offset : undefined;
  }

  /** Takes a pending command, if any. */
  poll(): void {
    if (this.tohost === undefined) return;
    const view = this.ram.view;
    const command = view.getBigUint64(this.tohost, true);
    if (command === 0n) return;
    const device = Number(command >> 56n);
    const cmd = Number((command >> 48n) & 0xffn);
    const payload = command & 0xffff_ffff_ffffn;
    view.setBigUint64(this.tohost, 0n, true);
    if (device === 0 && cmd === 0 && (payload & 1n) === 1n) {
      this.actions.exit(Number(payload >> 1n));
    } else if (device === 1 && cmd === 1) {
      const byte = Number(payload & 0xffn);
      this.actions.consoleWrite(Uint8Array.of(byte));
      if (this.fromhost !== undefined) view.setBigUint64(this.fromhost, (command >> 48n << 48n) | 0x100n | BigInt(byte), true);
    }
  }
}
