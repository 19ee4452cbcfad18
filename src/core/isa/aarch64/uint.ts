/**
 * asUint(bits, v): v's low `bits` bits as an unsigned BigInt, what BigInt.asUintN computes, written as a
 * mask (BigInt & treats negative values as infinite two's complement, so the results are equal).
 *
 * Why not BigInt.asUintN: Node 20's TurboFan types its result UnsignedBigInt64, and when such a value
 * meets another BigInt in a Phi that a 64-bit use then truncates (BigInt.asIntN, typed-array stores),
 * simplified lowering has no conversion for it and aborts the whole process ("RepresentationChangerError:
 * Phi of kRepTagged (UnsignedBigInt64) cannot be changed to kRepWord64"). Debian's arm64 kernel reached
 * three such functions during boot. The A64 CPU uses this helper instead, everywhere.
 */
const MASKS: readonly bigint[] = Array.from({ length: 65 }, (_, bits) => (1n << BigInt(bits)) - 1n);

export function asUint(bits: number, v: bigint): bigint {
  return v & MASKS[bits]!;
}
