/**
 * A debugger's view of the A64 CPU's stage-1 translation at EL1&0: a guest-virtual address through the
 * tables TTBR0_EL1 / TTBR1_EL1 name, read from another thread while the CPU is held. Read-only: no
 * permission checks, no access-flag updates, no TLB fills (mmu.ts does those on the CPU's own thread).
 * 4 KiB granule only, as the CPU implements (VMSAv8-64, 39/48-bit VA); the MMU off is the identity.
 */
import { asUint } from './uint';

const OUTPUT_MASK = 0x0000_ffff_ffff_f000n;

/**
 * The guest-physical address of `va`, or undefined when it is not mapped. `sysreg` gives the CPU's
 * published system registers by their lower-case names; `read64` a guest-physical doubleword.
 */
export function debugWalkA64(va: bigint, sysreg: (name: string) => bigint | undefined, read64: (gpa: bigint) => bigint | undefined): bigint | undefined {
  va = asUint(64, va);
  const sctlr = sysreg('sctlr_el1') ?? 0n;
  if ((sctlr & 1n) === 0n) return va;
  const tcr = sysreg('tcr_el1') ?? 0n;
  const upper = ((va >> 55n) & 1n) === 1n;
  const tsz = Number(upper ? (tcr >> 16n) & 0x3fn : tcr & 0x3fn);
  const disabled = upper ? (tcr >> 23n) & 1n : (tcr >> 7n) & 1n;
  if (disabled === 1n || tsz < 16 || tsz > 39) return undefined;
  const inputBits = 64 - tsz;
  const top = va >> BigInt(inputBits);
  if (top !== (upper ? (1n << BigInt(tsz)) - 1n : 0n)) return undefined;
  let table = (sysreg(upper ? 'ttbr1_el1' : 'ttbr0_el1') ?? 0n) & 0x0000_ffff_ffff_fffen;
  const start = 4 - Math.ceil((inputBits - 12) / 9);
  for (let level = start; level <= 3; level++) {
    const shift = BigInt(12 + 9 * (3 - level));
    const bits = level === start ? BigInt(inputBits) - shift : 9n;
    const desc = read64(table + ((va >> shift) & ((1n << bits) - 1n)) * 8n);
    if (desc === undefined || (desc & 1n) === 0n) return undefined;
    if (level === 3) return (desc & 2n) === 0n ? undefined : (desc & OUTPUT_MASK) | (va & 0xfffn);
    if ((desc & 2n) === 0n) {
      // A block (level 1 or 2).
      if (level === 0) return undefined;
      const span = 1n << shift;
      return (desc & OUTPUT_MASK & ~(span - 1n)) | (va & (span - 1n));
    }
    table = desc & OUTPUT_MASK;
  }
  return undefined;
}
