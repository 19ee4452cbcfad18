/**
 * hvisor's hypercalls as a loongarch64 zone makes them: HVCL (any code) with the hypercall code in a0
 * ($r4) and the arguments in a1/a2 ($r5, $r6); the result, the value or -errno, comes back in a0 and the
 * guest continues after the HVCL (hvisor 6a3fb78 src/arch/loongarch64/trap.rs:1320-1341 handle_hvc:
 * ctx.set_a0(res), ctx.sepc += 4). The codes themselves are the arch-neutral dispatcher's
 * (core/hypervisor/hypercall.ts). hvisor's loongarch64 hv_get_real_pa ORs the cached DMW prefix onto the
 * config address (src/arch/loongarch64/hypercall.rs:49-53) because hvisor itself runs in a DMW window; the
 * address the root passes is still root-physical, which is what the dispatcher reads.
 */
import { dispatchHypercall, type HypercallContext } from '../../hypercall';

const A0 = 4;
const A1 = 5;
const A2 = 6;

/** The part of the LA64 CPU's API the ABI needs. */
export interface HypercallCpu {
  getR(index: number): bigint;
  setR(index: number, value: bigint): void;
}

export function handleHvclHypercall(cpu: HypercallCpu, context: HypercallContext): void {
  const u = (i: number): bigint => BigInt.asUintN(64, cpu.getR(i));
  const result = dispatchHypercall(u(A0), u(A1), u(A2), context);
  cpu.setR(A0, BigInt(result));
}
