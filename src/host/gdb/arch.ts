/**
 * What the GDB stub needs of an architecture, kept out of the protocol code: the target description
 * gdb reads (qXfer:features:read target.xml), how each register is read and written in a held CPU's
 * shared region, and guest-virtual translation. One module per architecture in ./arch, found by the
 * board's architecture name through gdbArch(), so that no shared code asks which ISA it runs.
 */
import type { SharedRegion } from '../../core/bus/types';
import { riscv64Gdb } from './arch/riscv64';
import { aarch64Gdb } from './arch/aarch64';

/** A held CPU as the stub reaches it: its shared state region and its debug words (hart-snapshot.ts). */
export interface GdbCpu {
  readonly region: SharedRegion;
  readonly debug: Int32Array;
  /** A register of the CPU's published inspector snapshot by its name (system registers), if there. */
  published(name: string): bigint | undefined;
}

export interface GdbRegister {
  readonly name: string;
  /** The number gdb knows it by (the target description's regnum; p/P packets use it). */
  readonly regnum: number;
  readonly bits: number;
  readonly type: string;
  readonly group?: string;
}

export interface GdbFeature {
  readonly name: string;
  readonly registers: readonly GdbRegister[];
  /** Type definitions the feature's registers use (verbatim XML), if any. */
  readonly types?: string;
}

export interface GdbArch {
  /** gdb's name of the architecture (`set architecture <this>`, <architecture> in target.xml). */
  readonly architecture: string;
  readonly features: readonly GdbFeature[];
  /** Registers in the g/G packet, in order (regnums 0..count-1). */
  readonly gRegisters: number;
  /** The register gdb's pc is (for T stop replies). */
  readonly pcRegnum: number;
  /** Breakpoints the CPU arms at once (default: the debug table's MAX_BREAKPOINTS). */
  readonly maxBreakpoints?: number;
  /** The CPU stops on data watchpoints (default true); without, Z2-Z4 are refused and gdb steps instead. */
  readonly watchpoints?: boolean;
  /** A register's value as little-endian bytes, or undefined for an unknown regnum. */
  readRegister(cpu: GdbCpu, regnum: number): Uint8Array | undefined;
  /** Writes a register of a held CPU; false when the register cannot be written. */
  writeRegister(cpu: GdbCpu, regnum: number, bytes: Uint8Array): boolean;
  /** Guest-virtual to guest-physical through the CPU's page tables; undefined when not mapped. */
  translate(cpu: GdbCpu, va: bigint, read64: (gpa: bigint) => bigint | undefined): bigint | undefined;
}

const ARCHES: Readonly<Record<string, GdbArch>> = { riscv64: riscv64Gdb, aarch64: aarch64Gdb };

/** The stub's knowledge of an architecture, or undefined when there is none yet. */
export function gdbArch(arch: string): GdbArch | undefined {
  return Object.hasOwn(ARCHES, arch) ? ARCHES[arch] : undefined;
}

/** The target description gdb asks for (qXfer:features:read:target.xml). */
export function targetXml(arch: GdbArch): string {
  const features = arch.features.map((f) => {
    const regs = f.registers.map((r) => `  <reg name="${r.name}" bitsize="${r.bits}" type="${r.type}" regnum="${r.regnum}"${r.group ? ` group="${r.group}"` : ''}/>`);
    return [`<feature name="${f.name}">`, ...(f.types ? [f.types] : []), ...regs, '</feature>'].join('\n');
  });
  return ['<?xml version="1.0"?>', '<!DOCTYPE target SYSTEM "gdb-target.dtd">', '<target version="1.0">', `<architecture>${arch.architecture}</architecture>`, ...features, '</target>', ''].join('\n');
}
