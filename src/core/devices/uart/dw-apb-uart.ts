/**
 * The Synopsys DesignWare APB UART (`snps,dw-apb-uart`, the RK3588's UARTs as `rockchip,rk3588-uart`):
 * a 16550 whose eight registers sit on 32-bit boundaries (the binding's `reg-shift = <2>`,
 * `reg-io-width = <4>`, Linux's `earlycon=uart8250,mmio32,...`), driven by Linux's 8250_dw.c. The 16550
 * part (FIFOs, IER/IIR/FCR/LCR/MCR/LSR/MSR, divisor latch, loopback, interrupts) is the NS16550A model
 * (ns16550a.ts) behind the shifted offsets; this file adds the DesignWare registers around it: USR at
 * 0x7c (BUSY, TFNF, TFE, RFNE, RFF), the FIFO levels TFL/RFL at 0x80/0x84 and the software reset SRR at
 * 0x88 (UR, RFR, XFR).
 *
 * Left out: the component's ADDITIONAL_FEATURES registers (CPR, UCV and CTR at 0xf4-0xfc read 0, which
 * is what Linux's dw8250_setup_port takes as "no additional features" and then keeps the 16550 FIFO
 * size), the shadow registers (0x30-0x3c, 0x90-0xa4) and the LCR busy-detect interrupt (IIR 0x7): bytes
 * leave the FIFO at once, so the UART is never busy when LCR is written. The NS16550A model's omissions
 * (baud timing, line errors, modem lines) apply.
 */
import type { IrqSink, MmioDevice, RegisterDef, SharedRegion } from '../../bus/types';
import type { ByteRing } from '../byte-ring';
import { Ns16550a, NS16550A_REGISTERS } from './ns16550a';

/** The binding's reg-shift: register n of the 16550 is at n << 2. */
export const DW_APB_UART_REG_SHIFT = 2;
export const DwApbUartOffset = { usr: 0x7c, tfl: 0x80, rfl: 0x84, srr: 0x88, cpr: 0xf4, ucv: 0xf8, ctr: 0xfc } as const;
export const DwUsr = { busy: 0x1, tfnf: 0x2, tfe: 0x4, rfne: 0x8, rff: 0x10 } as const;
const SRR = { ur: 0x1, rfr: 0x2, xfr: 0x4 } as const;
/** 16550 register numbers (before the shift) and FCR bits the software reset uses. */
const Reg16550 = { ier: 1, fcr: 2, lcr: 3, mcr: 4, scr: 7 } as const;
const FCR_ENABLE = 0x01;
const FCR_CLEAR_RX = 0x02;
const FCR_CLEAR_TX = 0x04;

export const DW_APB_UART_REGISTERS: readonly RegisterDef[] = [
  ...NS16550A_REGISTERS.map((reg) => ({ ...reg, offset: reg.offset << DW_APB_UART_REG_SHIFT, width: 4 as const })),
  { name: 'USR', offset: DwApbUartOffset.usr, width: 4, access: 'ro', reset: DwUsr.tfnf | DwUsr.tfe, description: 'UART status', fields: [
    { name: 'BUSY', lsb: 0, width: 1 }, { name: 'TFNF', lsb: 1, width: 1, description: 'TX FIFO not full' }, { name: 'TFE', lsb: 2, width: 1, description: 'TX FIFO empty' },
    { name: 'RFNE', lsb: 3, width: 1, description: 'RX FIFO not empty' }, { name: 'RFF', lsb: 4, width: 1, description: 'RX FIFO full' },
  ] },
  { name: 'TFL', offset: DwApbUartOffset.tfl, width: 4, access: 'ro', reset: 0, description: 'TX FIFO level' },
  { name: 'RFL', offset: DwApbUartOffset.rfl, width: 4, access: 'ro', reset: 0, description: 'RX FIFO level' },
  { name: 'SRR', offset: DwApbUartOffset.srr, width: 4, access: 'wo', reset: 0, description: 'Software reset: UR (whole UART), RFR (RX FIFO), XFR (TX FIFO)' },
  { name: 'CPR', offset: DwApbUartOffset.cpr, width: 4, access: 'ro', reset: 0, description: 'Component parameters: 0, no additional features' },
  { name: 'UCV', offset: DwApbUartOffset.ucv, width: 4, access: 'ro', reset: 0, description: 'Component version: 0, no additional features' },
];

export interface DwApbUartOptions {
  readonly sink: IrqSink;
  readonly line: number;
}

export class DwApbUart implements MmioDevice {
  readonly kind = 'dw-apb-uart';
  readonly registers = DW_APB_UART_REGISTERS;
  readonly outputRing: ByteRing;
  readonly inputRing: ByteRing;
  private readonly uart: Ns16550a;

  static stateBytes(ringCapacity = 4096): number {
    return Ns16550a.stateBytes(ringCapacity);
  }

  constructor(region: SharedRegion, options: DwApbUartOptions) {
    this.uart = Ns16550a.create(region, options);
    this.outputRing = this.uart.outputRing;
    this.inputRing = this.uart.inputRing;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    if (offset < 8 << DW_APB_UART_REG_SHIFT) {
      return (offset & ((1 << DW_APB_UART_REG_SHIFT) - 1)) === 0 ? this.uart.read(offset >> DW_APB_UART_REG_SHIFT, size) : 0;
    }
    const levels = this.uart.fifoLevels();
    switch (offset) {
      case DwApbUartOffset.usr: return this.usr(levels);
      case DwApbUartOffset.tfl: return levels.tx;
      case DwApbUartOffset.rfl: return levels.rx;
      default: return 0;
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset < 8 << DW_APB_UART_REG_SHIFT) {
      if ((offset & ((1 << DW_APB_UART_REG_SHIFT) - 1)) === 0) this.uart.write(offset >> DW_APB_UART_REG_SHIFT, size, value & 0xff);
      return;
    }
    if (offset === DwApbUartOffset.srr) this.softwareReset(value);
  }

  reset(): void {
    this.uart.reset();
  }

  poll(): void {
    this.uart.poll();
  }

  peek(): Record<string, number> {
    const levels = this.uart.fifoLevels();
    return { ...this.uart.peek(), USR: this.usr(levels), TFL: levels.tx, RFL: levels.rx, CPR: 0, UCV: 0 };
  }

  get irqLevel(): boolean {
    return this.uart.irqLevel;
  }

  private usr(levels: { rx: number; tx: number; depth: number }): number {
    let usr = 0;
    if (levels.tx < levels.depth) usr |= DwUsr.tfnf;
    if (levels.tx === 0) usr |= DwUsr.tfe;
    if (levels.rx > 0) usr |= DwUsr.rfne;
    if (levels.rx >= levels.depth) usr |= DwUsr.rff;
    // BUSY: a byte is being shifted out; here bytes leave at once, so only a stalled TX FIFO is busy.
    if (levels.tx > 0) usr |= DwUsr.busy;
    return usr;
  }

  /**
   * SRR: UR resets the UART's registers and FIFOs (the host rings keep what the host has not taken yet);
   * RFR and XFR flush one FIFO as FCR's clear bits do.
   */
  private softwareReset(value: number): void {
    const u = this.uart;
    if ((value & SRR.ur) !== 0) {
      u.write(Reg16550.lcr, 1, 0);
      u.write(Reg16550.ier, 1, 0);
      u.write(Reg16550.mcr, 1, 0);
      u.write(Reg16550.scr, 1, 0);
      u.write(Reg16550.fcr, 1, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX);
      u.write(Reg16550.fcr, 1, 0);
      return;
    }
    const fcr = u.peek().FCR!;
    const clear = ((value & SRR.rfr) !== 0 ? FCR_CLEAR_RX : 0) | ((value & SRR.xfr) !== 0 ? FCR_CLEAR_TX : 0);
    if (clear !== 0) u.write(Reg16550.fcr, 1, (fcr & (0xc0 | FCR_ENABLE)) | clear);
  }
}
