/**
 * A debugger's view of the hart's address translation: a guest-virtual address through the Sv39/Sv48
 * page tables satp names, read from another thread while the hart is held. Read-only on purpose: no
 * permission checks (a debugger reads what the kernel could map), no A/D updates and no TLB fills,
 * which is why mmu.ts's walk (which does all three on the hart's own thread) is not called here.
 * Left out: Sv57 (the hart does not implement it either).
 */
const PAGE_SHIFT = 12n;

/**
 * The guest-physical address of `va`, or undefined when it is not mapped. `satp` is the hart's satp and
 * `privilege` its mode (M-mode accesses are not translated); `read64` reads a guest-physical doubleword
 * (undefined outside RAM).
 */
export function debugWalk(va: bigint, satp: bigint, privilege: number, read64: (gpa: bigint) => bigint | undefined): bigint | undefined {
  const mode = Number((satp >> 60n) & 0xfn);
  va = BigInt.asUintN(64, va);
  if (privilege === 3 || mode === 0) return va;
  const levels = mode === 8 ? 3 : mode === 9 ? 4 : 0;
  if (levels === 0) return undefined;
  const bits = BigInt(12 + 9 * levels);
  // The address must be sign-extended from its top translated bit.
  const top = va >> (bits - 1n);
  if (top !== 0n && top !== (1n << (65n - bits)) - 1n) return undefined;
  let table = (satp & ((1n << 44n) - 1n)) << PAGE_SHIFT;
  for (let level = levels - 1; level >= 0; level--) {
    const shift = BigInt(12 + 9 * level);
    const pte = read64(table + ((va >> shift) & 511n) * 8n);
    if (pte === undefined || (pte & 1n) === 0n || (pte & 6n) === 4n) return undefined;
    const ppn = (pte >> 10n) & ((1n << 44n) - 1n);
    if ((pte & 0xan) === 0n) {
      table = ppn << PAGE_SHIFT;
      continue;
    }
    const span = 1n << shift;
    if (level > 0 && (ppn & ((1n << BigInt(9 * level)) - 1n)) !== 0n) return undefined;
    return (ppn << PAGE_SHIFT) + (va & (span - 1n));
  }
  return undefined;
}
