/**
 * The 3A5000's EIOINTC as hvisor's loongarch64 code treats it, behind the arch-neutral PhysicalIrqChip:
 * hvisor claims nothing on loongarch64. It sets GINTC.HWIP = 0xff (src/arch/loongarch64/zone.rs:128-132),
 * so the CPU's HWI lines go straight to the guest running on it and the guest acknowledges the EIOINTC
 * itself through its IOCSR window (zone-iocsr.ts); when an HWI reaches hvisor it only logs it
 * (trap.rs:1302-1311). So claim() answers 0, and what remains is what the facade is asked for besides:
 * the enable bits, the machine's reset and the inspector's tables. The EIOINTC has no priorities or
 * thresholds. Outputs: pin p of core c is target 4c + p, wired to that core's HWIp (the board's cpuInputs).
 */
import type { ControllerInspectData } from '../../../../shared/protocol/inspect';
import { EiointcReg, type LoongsonEiointc } from '../../../devices/intc/loongson-eiointc';
import type { ControllerInspectContext } from '../../../devices/intc/inspect-table';
import type { PhysicalIrqChip } from '../../irqchip';

const PINS = 4;

export class EiointcPhysical implements PhysicalIrqChip {
  readonly kind = 'loongson-eiointc';
  readonly name = 'EIOINTC';

  constructor(private readonly chip: LoongsonEiointc) {}

  targetOf(cpu: number, input: string): number | undefined {
    const match = /^HWI([0-3])$/.exec(input);
    return match ? cpu * PINS + Number(match[1]) : undefined;
  }

  claim(): number {
    return 0;
  }

  complete(): void {}

  setEnabled(_target: number, irq: number, enabled: boolean): void {
    const address = EiointcReg.ENABLE + 4 * (irq >> 5);
    const word = this.chip.read(0, address, 4) ?? 0n;
    const bit = 1n << BigInt(irq & 31);
    this.chip.write(0, address, 4, enabled ? word | bit : word & ~bit);
  }

  isEnabled(_target: number, irq: number): boolean {
    return (((this.chip.read(0, EiointcReg.ENABLE + 4 * (irq >> 5), 4) ?? 0n) >> BigInt(irq & 31)) & 1n) === 1n;
  }

  setPriority(): void {}

  setThreshold(): void {}

  reset(): void {
    this.chip.reset();
  }

  inspectState(context?: ControllerInspectContext): ControllerInspectData {
    return this.chip.inspectState(context);
  }
}
