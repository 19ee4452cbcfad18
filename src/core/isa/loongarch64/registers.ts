/** LA64 general-purpose register names as the ABI (and binutils) write them. */
export const GPR_NAMES: readonly string[] = [
  'zero', 'ra', 'tp', 'sp', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7',
  't0', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 'r21', 'fp', 's0',
  's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8',
];

/** Register number of a name: ABI name, 'rN', or the aliases binutils accepts ($s9 = $fp, $v0/$v1 = $a0/$a1). */
export function gprNumber(name: string): number | undefined {
  const n = name.startsWith('$') ? name.slice(1) : name;
  const abi = GPR_NAMES.indexOf(n);
  if (abi >= 0) return abi;
  const m = /^r(\d+)$/.exec(n);
  if (m && Number(m[1]) < 32) return Number(m[1]);
  const aliases: Record<string, number> = { s9: 22, v0: 4, v1: 5, x: 21 };
  return aliases[n];
}

/** FP register names as the ABI (and binutils) write them: fa0-fa7, ft0-ft15, fs0-fs7. */
export const FPR_NAMES: readonly string[] = [
  ...Array.from({ length: 8 }, (_, i) => `fa${i}`),
  ...Array.from({ length: 16 }, (_, i) => `ft${i}`),
  ...Array.from({ length: 8 }, (_, i) => `fs${i}`),
];

/** FP register number of a name: ABI name or 'fN'. */
export function fprNumber(name: string): number | undefined {
  const n = name.startsWith('$') ? name.slice(1) : name;
  const abi = FPR_NAMES.indexOf(n);
  if (abi >= 0) return abi;
  const m = /^f(\d+)$/.exec(n);
  return m && Number(m[1]) < 32 ? Number(m[1]) : undefined;
}

/** $fccN / $fcsrN / $vrN operands. */
export function numberedOperand(prefix: 'fcc' | 'fcsr' | 'vr', name: string, count: number): number | undefined {
  const m = new RegExp(`^\\$?${prefix}(\\d+)$`).exec(name);
  return m && Number(m[1]) < count ? Number(m[1]) : undefined;
}
