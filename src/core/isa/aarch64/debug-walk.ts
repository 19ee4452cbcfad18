/**
 * A debugger's view of the A64 CPU's stage-1 translation at EL1&0: a guest-virtual address through the
 * tables TTBR0_EL1 / TTBR1_EL1 name, read from another thread while the CPU is held. Read-only: no
 * permission checks, no access-flag updates, no TLB fills (mmu.ts does those on the CPU's own thread).
 * 4 KiB granule only, as the CPU implements (VMSAv8-64, 39/48-bit VA); the MMU off is the identity.
 */
import { asUint } from './uint';
import { walkField, type Stage1Walk, type WalkField, type WalkLevel } from '../../cpu/translation-walk';

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

const AP_MEANINGS = ['EL1 RW, EL0 none', 'EL1 RW, EL0 RW', 'EL1 RO, EL0 none', 'EL1 RO, EL0 RO'] as const;
const SH_MEANINGS = ['non-shareable', 'reserved', 'outer shareable', 'inner shareable'] as const;
const hex = (value: bigint): string => `0x${value.toString(16)}`;

/** A table descriptor's bits by VMSAv8-64's names (the hierarchical attributes and the next table). */
function tableFields(desc: bigint): WalkField[] {
  return [
    walkField(desc, 'valid', 0, 1),
    walkField(desc, 'type', 1, 1, 'table'),
    walkField(desc, 'NLTA', 12, 36, (v) => hex(v << 12n)),
    walkField(desc, 'PXNTable', 59, 1),
    walkField(desc, 'UXNTable', 60, 1),
    walkField(desc, 'APTable', 61, 2),
    walkField(desc, 'NSTable', 63, 1),
  ];
}

/** A block or page descriptor's bits (lower attributes, output address, upper attributes). */
function leafFields(desc: bigint, shift: bigint, level: number): WalkField[] {
  return [
    walkField(desc, 'valid', 0, 1),
    walkField(desc, 'type', 1, 1, level === 3 ? 'page' : 'block'),
    walkField(desc, 'AttrIndx', 2, 3, (v) => `MAIR_EL1.Attr${v}`),
    walkField(desc, 'NS', 5, 1),
    walkField(desc, 'AP', 6, 2, (v) => AP_MEANINGS[Number(v)]),
    walkField(desc, 'SH', 8, 2, (v) => SH_MEANINGS[Number(v)]),
    walkField(desc, 'AF', 10, 1, (v) => (v === 1n ? 'accessed' : 'access flag fault on use')),
    walkField(desc, 'nG', 11, 1, (v) => (v === 1n ? 'not global (ASID)' : 'global')),
    walkField(desc, 'OA', Number(shift), 48 - Number(shift), (v) => hex(v << shift)),
    walkField(desc, 'Contiguous', 52, 1),
    walkField(desc, 'PXN', 53, 1, (v) => (v === 1n ? 'EL1 cannot execute' : undefined)),
    walkField(desc, 'UXN', 54, 1, (v) => (v === 1n ? 'EL0 cannot execute' : undefined)),
  ];
}

function leafPermissions(desc: bigint): string {
  const parts: string[] = [AP_MEANINGS[Number((desc >> 6n) & 3n)]!];
  if ((desc >> 53n) & 1n) parts.push('PXN');
  if ((desc >> 54n) & 1n) parts.push('UXN');
  if (((desc >> 10n) & 1n) === 0n) parts.push('AF clear');
  return parts.join(', ');
}

/**
 * The same walk as debugWalkA64 with every level it visits, each descriptor's bits by name and why it
 * stops: the translation view's stage 1 (EL1&0 regime, 4 KiB granule).
 */
export function debugWalkLevelsA64(va: bigint, sysreg: (name: string) => bigint | undefined, read64: (gpa: bigint) => bigint | undefined): Stage1Walk {
  va = asUint(64, va);
  const sctlr = sysreg('sctlr_el1') ?? 0n;
  if ((sctlr & 1n) === 0n) return { regime: 'SCTLR_EL1.M = 0: stage 1 off', enabled: false, levels: [], output: va };
  const tcr = sysreg('tcr_el1') ?? 0n;
  const upper = ((va >> 55n) & 1n) === 1n;
  const ttbrName = upper ? 'TTBR1_EL1' : 'TTBR0_EL1';
  const tsz = Number(upper ? (tcr >> 16n) & 0x3fn : tcr & 0x3fn);
  const inputBits = 64 - tsz;
  const tg = Number(upper ? (tcr >> 30n) & 3n : (tcr >> 14n) & 3n);
  // TG1 = 0 is reserved and treated as 4 KiB, as the CPU's walk does.
  const granule4k = upper ? tg === 2 || tg === 0 : tg === 0 || tg === 3;
  let table = (sysreg(upper ? 'ttbr1_el1' : 'ttbr0_el1') ?? 0n) & 0x0000_ffff_ffff_fffen;
  const regime = `${ttbrName} ${hex(table)}, ${inputBits}-bit VA, 4 KiB granule`;
  if (((upper ? tcr >> 23n : tcr >> 7n) & 1n) === 1n) return { regime, enabled: true, levels: [], fault: `TCR_EL1.EPD${upper ? 1 : 0} = 1: no walks through ${ttbrName} (translation fault, level 0)` };
  if (!granule4k) return { regime, enabled: true, levels: [], fault: `TCR_EL1.TG${upper ? 1 : 0} selects a 16 or 64 KiB granule, which the CPU does not implement` };
  if (tsz < 16 || tsz > 39) return { regime, enabled: true, levels: [], fault: `TCR_EL1.T${upper ? 1 : 0}SZ = ${tsz} is outside 16..39` };
  if (va >> BigInt(inputBits) !== (upper ? (1n << BigInt(tsz)) - 1n : 0n)) {
    return { regime, enabled: true, levels: [], fault: `${hex(va)} is outside the ${inputBits}-bit range of ${ttbrName} (translation fault, level 0)` };
  }
  const start = 4 - Math.ceil((inputBits - 12) / 9);
  const levels: WalkLevel[] = [];
  for (let level = start; level <= 3; level++) {
    const shift = BigInt(12 + 9 * (3 - level));
    const bits = level === start ? BigInt(inputBits) - shift : 9n;
    const index = Number((va >> shift) & ((1n << bits) - 1n));
    const entryAddress = table + BigInt(index) * 8n;
    const desc = read64(entryAddress);
    const at = { level, table, index, entryAddress };
    if (desc === undefined) {
      levels.push({ ...at, entry: undefined, kind: 'unreadable', label: 'descriptor', fields: [] });
      return { regime, enabled: true, levels, fault: `level ${level}: the descriptor at ${hex(entryAddress)} is outside the zone's RAM (external abort on walk)` };
    }
    const isTable = level < 3 && (desc & 3n) === 3n;
    const isLeaf = (level === 3 && (desc & 3n) === 3n) || ((level === 1 || level === 2) && (desc & 3n) === 1n);
    if (isTable) {
      levels.push({ ...at, entry: desc, kind: 'table', label: 'table descriptor', fields: tableFields(desc) });
      table = desc & OUTPUT_MASK;
      continue;
    }
    if (!isLeaf) {
      levels.push({ ...at, entry: desc, kind: 'invalid', label: 'descriptor', fields: [walkField(desc, 'valid', 0, 1), walkField(desc, 'type', 1, 1)] });
      const why = (desc & 1n) === 0n ? 'not valid' : level === 0 ? 'a block at level 0' : 'reserved at level 3';
      return { regime, enabled: true, levels, fault: `level ${level}: descriptor ${why} (translation fault, level ${level})` };
    }
    const span = 1n << shift;
    levels.push({ ...at, entry: desc, kind: 'leaf', label: level === 3 ? 'page descriptor' : 'block descriptor', fields: leafFields(desc, shift, level), pageSize: span });
    return { regime, enabled: true, levels, output: (desc & OUTPUT_MASK & ~(span - 1n)) | (va & (span - 1n)), permissions: leafPermissions(desc) };
  }
  return { regime, enabled: true, levels, fault: 'the walk ran past level 3' };
}
