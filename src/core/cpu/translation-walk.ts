/**
 * A debugger's stage-1 walk as data, for any ISA: each level the walk visited (the table, the index the
 * address selects, the entry read and its bits by their architectural names), then the output address or
 * where and why the walk stopped. Each ISA folder fills it from its own page-table format
 * (isa/riscv64/debug-walk.ts, isa/aarch64/debug-walk.ts); the memory service and the renderer show it
 * without knowing which ISA it came from.
 */

/** A bit field of a table entry: its architectural name, position, raw value and what it means. */
export interface WalkField {
  readonly name: string;
  readonly lsb: number;
  readonly width: number;
  /** Decimal for small fields, "0x..." for addresses. */
  readonly value: string;
  readonly meaning?: string;
}

export interface WalkLevel {
  /** The ISA's level number (Sv39: 2, 1, 0; VMSAv8-64: 0..3). */
  readonly level: number;
  /** The table's guest-physical base address. */
  readonly table: bigint;
  /** The index the address selects in the table. */
  readonly index: number;
  /** Guest-physical address of the entry. */
  readonly entryAddress: bigint;
  /** The entry as read (undefined: it could not be read, e.g. outside the zone's RAM). */
  readonly entry: bigint | undefined;
  /** What the entry is: a pointer to the next table, a leaf (page or block), or not valid. */
  readonly kind: 'table' | 'leaf' | 'invalid' | 'unreadable';
  /** The ISA's word for the entry ("PTE", "table descriptor", "block descriptor", "page descriptor"). */
  readonly label: string;
  readonly fields: readonly WalkField[];
  /** Leaf: bytes the entry maps (4 KiB, 2 MiB, 1 GiB...). */
  readonly pageSize?: bigint;
}

export interface Stage1Walk {
  /** The translation regime in the ISA's words ("Sv39, satp.PPN 0x80200", "TTBR1_EL1, 48-bit VA, 4 KiB granule"). */
  readonly regime: string;
  /** False: stage-1 translation is off (Bare, M-mode, SCTLR_EL1.M = 0): the output is the input. */
  readonly enabled: boolean;
  readonly levels: readonly WalkLevel[];
  /** The guest-physical output address, when the walk reached one. */
  readonly output?: bigint;
  /** Why the walk stopped without an output (what the CPU would fault with). */
  readonly fault?: string;
  /** The leaf's access rights in a short form ("r-x user global", "EL1 RW, EL0 none, UXN"). */
  readonly permissions?: string;
}

/** A field of `value` as a WalkField. */
export function walkField(value: bigint, name: string, lsb: number, width: number, meaning?: string | ((raw: bigint) => string | undefined)): WalkField {
  const raw = (value >> BigInt(lsb)) & ((1n << BigInt(width)) - 1n);
  const text = width > 8 ? `0x${raw.toString(16)}` : raw.toString();
  const said = typeof meaning === 'function' ? meaning(raw) : meaning;
  return { name, lsb, width, value: text, ...(said !== undefined ? { meaning: said } : {}) };
}

/**
 * A stage-2 walk for walkers that are not a CPU (an IOMMU's): the configuration an ISA's stage-2 format
 * reads (VTCR-style fields; isa/aarch64/stage2-walk.ts implements VMSAv8-64's), and its outcome.
 */
export interface Stage2WalkConfig {
  /** The start table's physical address (VTTBR.BADDR, an SMMU STE's S2TTB). */
  readonly ttb: number;
  /** The input range is 2^(64 - t0sz) bytes. */
  readonly t0sz: number;
  /** Start level selector (VTCR.SL0). */
  readonly sl0: number;
  /** Granule selector (VTCR.TG0; 0 = 4 KiB). */
  readonly tg0: number;
  /** Output size selector (VTCR.PS). */
  readonly ps: number;
}

export type Stage2FaultKind = 'translation' | 'addressSize' | 'accessFlag' | 'permission';

export type Stage2WalkResult =
  | { readonly physical: number; /** Bytes from `physical` to the end of the page or block. */ readonly contiguous: number; readonly level: number }
  | { readonly fault: Stage2FaultKind; readonly level: number; readonly detail: string };

/** Walks `ipa`; `read64` reads one descriptor (low, high words) or undefined when it is not memory. */
export type Stage2Walker = (config: Stage2WalkConfig, read64: (pa: number) => readonly [number, number] | undefined, ipa: number, write: boolean) => Stage2WalkResult;
