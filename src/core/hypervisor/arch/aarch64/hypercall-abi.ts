/**
 * hvisor's hypercalls as an aarch64 zone makes them: HVC (any immediate) with the code in x0 and
 * arguments in x1/x2; the result, the value or -errno, comes back in x0 (hvisor 6a3fb78
 * src/arch/aarch64/trap.rs:277-302 handle_hvc). The codes themselves are the arch-neutral dispatcher's
 * (core/hypervisor/hypercall.ts).
 */
import { dispatchHypercall, type HypercallContext } from '../../hypercall';

/** The part of the A64 CPU's API the ABI needs (PsciCpu has it). */
export interface HypercallCpu {
  getX(index: number): bigint;
  setX(index: number, value: bigint): void;
}

export function handleHvcHypercall(cpu: HypercallCpu, context: HypercallContext): void {
  const result = dispatchHypercall(cpu.getX(0), cpu.getX(1), cpu.getX(2), context);
  cpu.setX(0, BigInt.asUintN(64, BigInt(result)));
}
