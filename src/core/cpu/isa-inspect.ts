/**
 * The inspector's registry of ISAs, keyed by the board's architecture: how long an instruction is
 * and its disassembler (one per ISA, driven by that ISA's decode table). The
 * register inspector disassembles guest RAM around a CPU's pc through it, so neither the host nor the
 * renderer names an ISA. Left out: decoding registers, which each CPU does itself (CpuCore.inspect()).
 */
import { disassemble as disassembleA64 } from '../isa/aarch64/disassembler';
import { disassemble as disassembleRiscv } from '../isa/riscv64/disassembler';
import { ABI_NAMES, FP_ABI_NAMES } from '../isa/riscv64/instructions';
import { debugWalk, debugWalkLevels } from '../isa/riscv64/debug-walk';
import { debugWalkA64, debugWalkLevelsA64 } from '../isa/aarch64/debug-walk';
import type { Stage1Walk } from './translation-walk';
import { A64_V_OFFSET, A64_X_OFFSET, Slot } from '../isa/aarch64/cpu';
import { disassemble as disassembleLa64 } from '../isa/loongarch64/disassembler';
import { GPR_NAMES as LA64_GPR_NAMES } from '../isa/loongarch64/registers';
import { LA_GPR_OFFSET, LA_PC_SLOT } from '../isa/loongarch64/cpu';

export interface IsaInspect {
  /** Every instruction starts at a multiple of this many bytes. */
  readonly alignment: 2 | 4;
  /** Length in bytes of the instruction whose first 16 bits (little-endian) are `firstHalf`. */
  instructionBytes(firstHalf: number): number;
  /** One instruction (`bits` holds instructionBytes() bytes, little-endian) at guest-virtual `pc`. */
  disassemble(bits: number, pc: bigint): string;
  /** Names of the integer and FP registers in number order, for snapshots that store them by number. */
  readonly registerNames?: { readonly general: readonly string[]; readonly float: readonly string[] };
  /**
   * A debugger's guest-virtual to guest-physical translation through the CPU's own page tables, read-only
   * (no permission checks, no accessed/dirty updates). `register` gives the CPU's published registers by
   * name ('satp', 'priv' on RISC-V); `read64` a guest-physical doubleword. Undefined: not mapped.
   */
  translate?(va: bigint, register: (name: string) => bigint | undefined, read64: (gpa: bigint) => bigint | undefined): bigint | undefined;
  /** The same translation with every level of the walk as data (the translation view), same arguments. */
  walk?(va: bigint, register: (name: string) => bigint | undefined, read64: (gpa: bigint) => bigint | undefined): Stage1Walk;
  /**
   * Byte offsets in the CPU's shared state region of registers a debugger reads and writes while the CPU
   * is held, by name (for ISAs whose own snapshot does not say; RISC-V's are in hart-snapshot.ts).
   */
  readonly registerOffsets?: Readonly<Record<string, number>>;
}

const hexWord = (bits: number): string => `0x${(bits >>> 0).toString(16).padStart(8, '0')}`;

const ISAS: Readonly<Record<string, IsaInspect>> = {
  riscv64: {
    alignment: 2,
    // The C extension: a 16-bit instruction unless the low two bits are 11.
    instructionBytes: (firstHalf) => ((firstHalf & 3) === 3 ? 4 : 2),
    disassemble: (bits, pc) => disassembleRiscv(bits, pc),
    registerNames: { general: ABI_NAMES, float: FP_ABI_NAMES },
    translate: (va, register, read64) => debugWalk(va, register('satp') ?? 0n, Number(register('priv') ?? 3n), read64),
    walk: (va, register, read64) => debugWalkLevels(va, register('satp') ?? 0n, Number(register('priv') ?? 3n), read64),
  },
  aarch64: {
    alignment: 4,
    instructionBytes: () => 4,
    disassemble: (bits, pc) => disassembleA64(bits, pc)?.replace('\t', ' ') ?? `.inst ${hexWord(bits)} (unallocated)`,
    translate: (va, register, read64) => debugWalkA64(va, register, read64),
    walk: (va, register, read64) => debugWalkLevelsA64(va, register, read64),
    // X0..X30 (8 bytes each from x), the pc, SP_EL0/SP_EL1 and PSTATE slots, V0..V31 (16 bytes each from v).
    registerOffsets: {
      x: A64_X_OFFSET,
      pc: A64_X_OFFSET + 8 * Slot.pc,
      sp_el0: A64_X_OFFSET + 8 * Slot.spEl0,
      sp_el1: A64_X_OFFSET + 8 * Slot.spEl1,
      pstate: A64_X_OFFSET + 8 * Slot.pstate,
      v: A64_V_OFFSET,
    },
  },
  loongarch64: {
    alignment: 4,
    instructionBytes: () => 4,
    disassemble: (bits, pc) => disassembleLa64(bits, pc)?.replace('\t', ' ') ?? `.word ${hexWord(bits)} (unallocated)`,
    registerNames: { general: LA64_GPR_NAMES, float: [] },
    // r0..r31 (8 bytes each from r), then the pc.
    registerOffsets: { r: LA_GPR_OFFSET, pc: LA_GPR_OFFSET + 8 * LA_PC_SLOT },
  },
};

/** The ISA's inspector facts, or undefined for an architecture the inspector does not know. */
export function isaInspect(arch: string): IsaInspect | undefined {
  return Object.hasOwn(ISAS, arch) ? ISAS[arch] : undefined;
}
