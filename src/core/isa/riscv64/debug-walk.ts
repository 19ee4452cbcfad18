/**
 * A debugger's view of the hart's address translation: a guest-virtual address through the Sv39/Sv48
 * page tables satp names, read from another thread while the hart is held. Read-only on purpose: no
 * permission checks (a debugger reads what the kernel could map), no A/D updates and no TLB fills,
 * which is why mmu.ts's walk (which does all three on the hart's own thread) is not called here.
 * Left out: Sv57 (the hart does not implement it either).
 */
import { walkField, type Stage1Walk, type WalkField, type WalkLevel } from '../../cpu/translation-walk';

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

const SV_NAMES: Readonly<Record<number, string>> = { 8: 'Sv39', 9: 'Sv48' };
const PBMT = ['PMA', 'NC', 'IO', 'reserved'] as const;

/** A PTE's bits by their privileged-spec names (V R W X U G A D, RSW, PPN, PBMT, N). */
function pteFields(pte: bigint): WalkField[] {
  const flag = (name: string, bit: number, on: string, off: string): WalkField => walkField(pte, name, bit, 1, (v) => (v === 1n ? on : off));
  return [
    flag('V', 0, 'valid', 'not valid'),
    flag('R', 1, 'readable', 'not readable'),
    flag('W', 2, 'writable', 'not writable'),
    flag('X', 3, 'executable', 'not executable'),
    flag('U', 4, 'user page', 'supervisor page'),
    flag('G', 5, 'global', 'not global'),
    flag('A', 6, 'accessed', 'not accessed'),
    flag('D', 7, 'dirty', 'clean'),
    walkField(pte, 'RSW', 8, 2),
    walkField(pte, 'PPN', 10, 44, (v) => `0x${(v << PAGE_SHIFT).toString(16)}`),
    walkField(pte, 'PBMT', 61, 2, (v) => PBMT[Number(v)]),
    walkField(pte, 'N', 63, 1, (v) => (v === 1n ? 'NAPOT' : undefined)),
  ];
}

function ptePermissions(pte: bigint): string {
  const rwx = `${pte & 2n ? 'r' : '-'}${pte & 4n ? 'w' : '-'}${pte & 8n ? 'x' : '-'}`;
  return [rwx, pte & 16n ? 'user' : 'supervisor', ...(pte & 32n ? ['global'] : []), ...(pte & 64n ? [] : ['A clear']), ...(pte & 128n ? [] : ['D clear'])].join(' ');
}

const hex = (value: bigint): string => `0x${value.toString(16)}`;

/**
 * The same walk as debugWalk with every level it visits, the PTE bits by name and why it stops: the
 * translation view's stage 1. No permission checks either: the leaf's rights are reported, not applied.
 */
export function debugWalkLevels(va: bigint, satp: bigint, privilege: number, read64: (gpa: bigint) => bigint | undefined): Stage1Walk {
  const mode = Number((satp >> 60n) & 0xfn);
  va = BigInt.asUintN(64, va);
  if (privilege === 3) return { regime: 'M-mode: not translated', enabled: false, levels: [], output: va };
  if (mode === 0) return { regime: 'satp.MODE Bare: not translated', enabled: false, levels: [], output: va };
  const name = SV_NAMES[mode];
  if (!name) return { regime: `satp.MODE ${mode}`, enabled: true, levels: [], fault: `satp.MODE ${mode} is not a mode this hart implements` };
  const levelCount = mode === 8 ? 3 : 4;
  let table = (satp & ((1n << 44n) - 1n)) << PAGE_SHIFT;
  const regime = `${name}, root table ${hex(table)} (satp.ASID ${(satp >> 44n) & 0xffffn})`;
  const bits = BigInt(12 + 9 * levelCount);
  const top = va >> (bits - 1n);
  if (top !== 0n && top !== (1n << (65n - bits)) - 1n) {
    return { regime, enabled: true, levels: [], fault: `${hex(va)} is not sign-extended from bit ${bits - 1n} (page fault)` };
  }
  const levels: WalkLevel[] = [];
  for (let level = levelCount - 1; level >= 0; level--) {
    const shift = BigInt(12 + 9 * level);
    const index = Number((va >> shift) & 511n);
    const entryAddress = table + BigInt(index) * 8n;
    const pte = read64(entryAddress);
    const at = { level, table, index, entryAddress };
    if (pte === undefined) {
      levels.push({ ...at, entry: undefined, kind: 'unreadable', label: 'PTE', fields: [] });
      return { regime, enabled: true, levels, fault: `level ${level}: the PTE at ${hex(entryAddress)} is outside the zone's RAM (access fault)` };
    }
    const fields = pteFields(pte);
    if ((pte & 1n) === 0n || (pte & 6n) === 4n) {
      levels.push({ ...at, entry: pte, kind: 'invalid', label: 'PTE', fields });
      return { regime, enabled: true, levels, fault: `level ${level}: ${(pte & 1n) === 0n ? 'V = 0' : 'W without R is reserved'} (page fault)` };
    }
    if ((pte & 0xan) === 0n) {
      levels.push({ ...at, entry: pte, kind: 'table', label: 'PTE (next table)', fields });
      table = ((pte >> 10n) & ((1n << 44n) - 1n)) << PAGE_SHIFT;
      continue;
    }
    const span = 1n << shift;
    const ppn = (pte >> 10n) & ((1n << 44n) - 1n);
    levels.push({ ...at, entry: pte, kind: 'leaf', label: level > 0 ? 'PTE (superpage)' : 'PTE (page)', fields, pageSize: span });
    if (level > 0 && (ppn & ((1n << BigInt(9 * level)) - 1n)) !== 0n) {
      return { regime, enabled: true, levels, fault: `level ${level}: misaligned superpage (PPN low bits set, page fault)`, permissions: ptePermissions(pte) };
    }
    return { regime, enabled: true, levels, output: (ppn << PAGE_SHIFT) + (va & (span - 1n)), permissions: ptePermissions(pte) };
  }
  return { regime, enabled: true, levels, fault: 'level 0 entry points to another table (page fault)' };
}
