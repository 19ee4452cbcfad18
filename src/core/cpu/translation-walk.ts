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
