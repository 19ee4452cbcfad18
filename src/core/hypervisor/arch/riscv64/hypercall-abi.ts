/**
 * hvisor's hypercalls as a riscv64 zone makes them: `ecall` with a7 = 0x114514 (EID_HVISOR), the code in
 * a0 and arguments in a1/a2; the result comes back as an SBI return, a0 = 0 or -1 (FAILED) and a1 = the
 * value or -errno (hvisor src/arch/riscv64/sbi.rs sbi_hvisor_handler). The codes themselves are the
 * arch-neutral dispatcher's (core/hypervisor/hypercall.ts).
 */
import type { HartApi } from '../../../isa/riscv64/platform';
import { dispatchHypercall, type HypercallContext } from '../../hypercall';

const A0 = 10;
const A1 = 11;
const A2 = 12;

export function handleHypercall(hart: HartApi, context: HypercallContext): void {
  const result = dispatchHypercall(hart.getX(A0), hart.getX(A1), hart.getX(A2), context);
  hart.setX(A0, result < 0 ? -1n : 0n);
  hart.setX(A1, BigInt(result));
}
