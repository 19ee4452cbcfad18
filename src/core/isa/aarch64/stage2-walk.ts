/**
 * A VMSAv8-64 stage-2 translation table walk from a VTCR-style configuration, for walkers that are not
 * a CPU: the SMMUv3 model's stage-2 (an STE's S2TTB and S2VTCR fields, devices/iommu/arm-smmuv3.ts).
 * 4 KiB granule; the start level from SL0 (0b10 = level 0, 0b01 = level 1, 0b00 = level 2) with the
 * start table concatenated as T0SZ asks; table descriptors down to level 2, blocks at levels 1 and 2,
 * pages at level 3; S2AP (bits 7:6) read/write rights and the access flag (bit 10). Descriptor output
 * addresses are decoded by mmu.ts' outputAddress, as the CPU's stage-1 walk decodes them.
 * Left out: 16/64 KiB granules, the contiguous hint, S2 execute-never (no instruction fetch by a device),
 * hardware access-flag and dirty updates.
 */
import { outputAddress } from './mmu';
import type { Stage2WalkConfig, Stage2Walker, Stage2WalkResult } from '../../cpu/translation-walk';

const PS_BITS = [32, 36, 40, 42, 44, 48] as const;
const hex = (n: number): string => `0x${n.toString(16)}`;

/**
 * Walks `ipa` for a read or a write. `read64` reads one descriptor (low and high words) at a physical
 * address, or undefined when it is not memory (then the walk faults as a translation fault at that
 * level, the external abort on a walk being the caller's business).
 */
export const walkStage2: Stage2Walker = (config: Stage2WalkConfig, read64, ipa, write): Stage2WalkResult => {
  if (config.tg0 !== 0) return { fault: 'translation', level: 0, detail: `granule TG0=${config.tg0} is not 4 KiB (the only one modelled)` };
  const inputBits = 64 - config.t0sz;
  const startLevel = config.sl0 === 2 ? 0 : config.sl0 === 1 ? 1 : config.sl0 === 0 ? 2 : -1;
  if (startLevel < 0 || inputBits < 25 || inputBits > 48) return { fault: 'translation', level: 0, detail: `T0SZ=${config.t0sz}, SL0=${config.sl0} is not a valid stage-2 configuration` };
  // The start level must resolve at most 4 concatenated tables' worth of bits beyond its 9.
  const startShift = 12 + 9 * (3 - startLevel);
  const startBits = inputBits - startShift;
  if (startBits < 1 || startBits > 13) return { fault: 'translation', level: startLevel, detail: `T0SZ=${config.t0sz} does not fit start level ${startLevel}` };
  if (!Number.isSafeInteger(ipa) || ipa < 0 || ipa >= 2 ** inputBits) return { fault: 'translation', level: startLevel, detail: `${hex(ipa)} is outside the ${inputBits}-bit input range` };
  const outputBits = PS_BITS[Math.min(config.ps, 5)]!;
  let table = config.ttb;
  for (let level = startLevel; level <= 3; level++) {
    const shift = 12 + 9 * (3 - level);
    const bits = level === startLevel ? startBits : 9;
    const index = Math.floor(ipa / 2 ** shift) % 2 ** bits;
    const entry = read64(table + index * 8);
    if (!entry) return { fault: 'translation', level, detail: `level ${level} table entry at ${hex(table + index * 8)} is not memory` };
    const [lo, hi] = entry;
    if ((lo & 1) === 0) return { fault: 'translation', level, detail: `level ${level} descriptor at ${hex(table + index * 8)} is invalid` };
    const isTable = (lo & 2) !== 0;
    if (level < 3 && isTable) {
      table = outputAddress(lo, hi);
      if (table >= 2 ** outputBits) return { fault: 'addressSize', level, detail: `next table ${hex(table)} beyond the ${outputBits}-bit output size` };
      continue;
    }
    if (level === 0 || (level === 3 && !isTable)) return { fault: 'translation', level, detail: `level ${level} descriptor at ${hex(table + index * 8)} is reserved` };
    if ((lo & 0x400) === 0) return { fault: 'accessFlag', level, detail: `access flag clear in the level ${level} descriptor` };
    const s2ap = (lo >>> 6) & 3;
    if (write ? (s2ap & 2) === 0 : (s2ap & 1) === 0) return { fault: 'permission', level, detail: `S2AP=${s2ap} does not allow a ${write ? 'write' : 'read'}` };
    const size = 2 ** shift;
    const base = outputAddress(lo, hi);
    const blockBase = base - (base % size);
    const within = ipa % size;
    const physical = blockBase + within;
    if (physical >= 2 ** outputBits) return { fault: 'addressSize', level, detail: `output ${hex(physical)} beyond the ${outputBits}-bit output size` };
    return { physical, contiguous: size - within, level };
  }
  return { fault: 'translation', level: 3, detail: 'walk did not end' };
};

/** Stage-2 descriptor bits for a normal-memory read/write mapping (what hvisor's MemFlags READ | WRITE give). */
export const S2_DESCRIPTOR = {
  /** Valid + block (levels 1, 2). */
  block: 0b01,
  /** Valid + table (levels 0..2) or page (level 3). */
  tableOrPage: 0b11,
  /** MemAttr[5:2] = 0b1111 (normal, write-back), S2AP[7:6] = 0b11 (read/write), SH[9:8] = 0b11 (inner), AF (bit 10). */
  normalReadWrite: (0b1111 << 2) | (0b11 << 6) | (0b11 << 8) | (1 << 10),
} as const;
