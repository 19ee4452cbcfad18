/**
 * Builds the loongarch64 guests from their sources with the workbench's own LA64 assembler
 * (src/core/isa/loongarch64/assembler.ts), so the build needs no cross toolchain: one ELF64 executable
 * per program (EM_LOONGARCH, one PT_LOAD segment at the load address, physical = virtual, a symbol table
 * of the program's labels) and its flat image. Reproducible: the output depends only on the source.
 * Used by scripts/build-guests-loongarch64.mjs and by the test that checks the committed images.
 */
import { assemble } from '../../src/core/isa/loongarch64/assembler';
import { encodeZoneConfig } from '../../src/core/hypervisor/zone-config-binary';
import { parseZoneConfig } from '../../src/shared/validate/zone-config';

export interface GuestProgram {
  readonly name: string;
  /** Source path relative to guest/loongarch64; more than one are assembled as one text, in order. */
  readonly source: string | readonly string[];
  /** Load (and link) address. */
  readonly base: number;
  /** Zones whose flat image and binary HvZoneConfig the program carries (labels zone_<z>_image, _image_end, _config). */
  readonly carries?: readonly { readonly zone: string; readonly program: string; readonly config: string }[];
  /** A 4 KiB stack below the label stack_top, after everything else. */
  readonly stack?: boolean;
}

const ZONES = 'examples/loongarch64-zones';
const VIRTIO = 'examples/loongarch64-virtio';
const zoneProgram = (name: string, base: number): GuestProgram => ({ name, source: ['zones/' + name.slice('zones-'.length) + '.S', 'zones/common.S'], base, stack: true });

/**
 * The programs and where they load: the hello layout's image at 2 MiB (board.rs ROOT_ZONE_KERNEL_ADDR);
 * the zones example's root at 2 MiB too and its zones at the start of their RAM (their configs in
 * examples/loongarch64-zones); the virtio example's root at 2 MiB and zoneV at 0xc000_0000
 * (examples/loongarch64-virtio). Zones before the root, which carries them.
 */
export const PROGRAMS: readonly GuestProgram[] = [
  { name: 'hello', source: 'hello/hello.S', base: 0x20_0000 },
  zoneProgram('zones-zone-u', 0xc000_0000),
  zoneProgram('zones-zone-x', 0xc100_0000),
  zoneProgram('zones-zone-y', 0xc200_0000),
  {
    name: 'zones-root',
    source: ['zones/root.S', 'zones/zone-list.S', 'zones/common.S'],
    base: 0x20_0000,
    stack: true,
    carries: [
      { zone: 'u', program: 'zones-zone-u', config: `${ZONES}/zone-u.json` },
      { zone: 'x', program: 'zones-zone-x', config: `${ZONES}/zone-x.json` },
      { zone: 'y', program: 'zones-zone-y', config: `${ZONES}/zone-y.json` },
    ],
  },
  { name: 'virtio-zone-v', source: 'virtio/zone-v.S', base: 0xc000_0000, stack: true },
  {
    name: 'virtio-root',
    source: ['virtio/root.S', 'zones/zone-list.S', 'zones/common.S'],
    base: 0x20_0000,
    stack: true,
    carries: [{ zone: 'v', program: 'virtio-zone-v', config: `${VIRTIO}/zone-v.json` }],
  },
];

/** `.dword` lines holding `bytes` (zero-padded to 8). */
function dwords(bytes: Uint8Array): string {
  const padded = new Uint8Array(Math.ceil(bytes.length / 8) * 8);
  padded.set(bytes);
  const view = new DataView(padded.buffer);
  const lines: string[] = [];
  for (let i = 0; i < padded.length; i += 64) {
    const words: string[] = [];
    for (let j = i; j < Math.min(i + 64, padded.length); j += 8) words.push(`0x${view.getBigUint64(j, true).toString(16)}`);
    lines.push(`    .dword ${words.join(', ')}`);
  }
  return lines.join('\n');
}

/**
 * The program's whole source text: its files, then what it carries (each zone's flat image, its end
 * label, and its HvZoneConfig as encodeZoneConfig makes it from the zone's JSON), then its stack.
 * `read` reads a path relative to the repository; `built` gives an already built program's flat image.
 */
export function programSource(program: GuestProgram, read: (path: string) => string, built: (name: string) => Uint8Array): string {
  const sources = typeof program.source === 'string' ? [program.source] : program.source;
  const parts = sources.map((s) => read(`guest/loongarch64/${s}`));
  for (const c of program.carries ?? []) {
    const file = c.config;
    const parsed = parseZoneConfig(read(file), file, 'loongarch64');
    if (!parsed.config) throw new Error(`${file}: ${parsed.findings.map((f) => f.message).join('; ')}`);
    const image = built(c.program);
    parts.push(`    .align 3\nzone_${c.zone}_image:\n${dwords(image)}\nzone_${c.zone}_image_end:\n    .align 3\nzone_${c.zone}_config:\n${dwords(encodeZoneConfig(parsed.config))}\n`);
  }
  if (program.stack) parts.push('    .align 12\n    .space 0x1000\nstack_top:\n');
  return parts.join('\n');
}

const EM_LOONGARCH = 258;

/** An ELF64 little-endian executable holding `bytes` at `base`, entry at `base`, with `labels` as symbols. */
export function elfImage(bytes: Uint8Array, base: number, labels: ReadonlyMap<string, bigint>): Uint8Array {
  const EH = 64;
  const PH = 56;
  const SH = 64;
  const names = [...labels.keys()].filter((n) => !n.startsWith('.'));
  const strtab = [0];
  const nameOff = new Map<string, number>();
  for (const n of names) {
    nameOff.set(n, strtab.length);
    for (const c of n) strtab.push(c.charCodeAt(0) & 0x7f);
    strtab.push(0);
  }
  const shstr = '\0.text\0.symtab\0.strtab\0.shstrtab\0';
  const textOff = 0x1000;
  const symOff = align(textOff + bytes.length, 8);
  const symSize = 24 * (names.length + 1);
  const strOff = symOff + symSize;
  const shstrOff = strOff + strtab.length;
  const shOff = align(shstrOff + shstr.length, 8);
  const total = shOff + 5 * SH;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, EM_LOONGARCH, true);
  v.setUint32(20, 1, true);
  v.setBigUint64(24, BigInt(base), true);
  v.setBigUint64(32, BigInt(EH), true);
  v.setBigUint64(40, BigInt(shOff), true);
  // e_flags: LP64D soft? The guest uses no FP: EF_LOONGARCH_ABI_SOFT_FLOAT (1) | OBJABI_V1 (0x40).
  v.setUint32(48, 0x41, true);
  v.setUint16(52, EH, true);
  v.setUint16(54, PH, true);
  v.setUint16(56, 1, true);
  v.setUint16(58, SH, true);
  v.setUint16(60, 5, true);
  v.setUint16(62, 4, true);
  // PT_LOAD, RWX.
  v.setUint32(EH, 1, true);
  v.setUint32(EH + 4, 7, true);
  v.setBigUint64(EH + 8, BigInt(textOff), true);
  v.setBigUint64(EH + 16, BigInt(base), true);
  v.setBigUint64(EH + 24, BigInt(base), true);
  v.setBigUint64(EH + 32, BigInt(bytes.length), true);
  v.setBigUint64(EH + 40, BigInt(bytes.length), true);
  v.setBigUint64(EH + 48, 0x1000n, true);
  out.set(bytes, textOff);
  names.forEach((n, i) => {
    const s = symOff + 24 * (i + 1);
    v.setUint32(s, nameOff.get(n)!, true);
    out[s + 4] = 0; // STB_LOCAL, STT_NOTYPE: labels only (e_entry names the entry)
    const value = labels.get(n)!;
    // Labels are in .text; .equ constants are absolute (SHN_ABS).
    v.setUint16(s + 6, value >= BigInt(base) && value <= BigInt(base + bytes.length) ? 1 : 0xfff1, true);
    v.setBigUint64(s + 8, value, true);
  });
  out.set(strtab, strOff);
  out.set(Array.from(shstr, (c) => c.charCodeAt(0)), shstrOff);
  const section = (i: number, name: number, type: number, flags: number, addr: number, off: number, size: number, link: number, info: number, alignTo: number, entsize: number) => {
    const s = shOff + SH * i;
    v.setUint32(s, name, true);
    v.setUint32(s + 4, type, true);
    v.setBigUint64(s + 8, BigInt(flags), true);
    v.setBigUint64(s + 16, BigInt(addr), true);
    v.setBigUint64(s + 24, BigInt(off), true);
    v.setBigUint64(s + 32, BigInt(size), true);
    v.setUint32(s + 40, link, true);
    v.setUint32(s + 44, info, true);
    v.setBigUint64(s + 48, BigInt(alignTo), true);
    v.setBigUint64(s + 56, BigInt(entsize), true);
  };
  section(1, 1, 1, 7, base, textOff, bytes.length, 0, 0, 4096, 0); // .text PROGBITS WAX
  section(2, 7, 2, 0, 0, symOff, symSize, 3, names.length + 1, 8, 24); // .symtab, all local: sh_info = one past the last local
  section(3, 15, 3, 0, 0, strOff, strtab.length, 0, 0, 1, 0); // .strtab
  section(4, 23, 3, 0, 0, shstrOff, shstr.length, 0, 0, 1, 0); // .shstrtab
  return out;
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Assembles one program: its ELF and flat image. */
export function buildProgram(program: GuestProgram, source: string): { elf: Uint8Array; bin: Uint8Array } {
  const assembled = assemble(source, BigInt(program.base));
  return { elf: elfImage(assembled.bytes, program.base, assembled.labels), bin: assembled.bytes };
}
