/**
 * Compiles C against hvisor-tool's own zone_config.h for one architecture and reads back the bytes of
 * an initialised global from the assembly (-S), since the targets cannot run here. Used by the binary
 * HvZoneConfig tests; the header is taken from the hvisor-tool mirror at the commit the layout tables
 * cite. Where a compiler or the mirror is missing, `toolchainProblem` says what to install.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ZoneConfigArch, ZONE_CONFIG_LAYOUT_SOURCE } from '../../../../src/core/hypervisor/zone-config-layouts';

const MIRROR = process.env.HVISOR_TOOL_MIRROR ?? '/work/.mirror/syswonder+hvisor-tool/repo';
const COMMIT = ZONE_CONFIG_LAYOUT_SOURCE.hvisorTool.commit;

interface Compiler {
  readonly cmd: string;
  readonly args: readonly string[];
}

/** First usable wins; Debian 12 has no LoongArch GCC, and clang 16 or later has the backend. */
const CANDIDATES: Record<ZoneConfigArch, { compilers: Compiler[]; packages: string }> = {
  riscv64: {
    compilers: [{ cmd: 'riscv64-unknown-elf-gcc', args: ['-march=rv64gc', '-mabi=lp64d'] }, { cmd: 'riscv64-linux-gnu-gcc', args: [] }],
    packages: 'gcc-riscv64-unknown-elf or gcc-riscv64-linux-gnu',
  },
  aarch64: { compilers: [{ cmd: 'aarch64-linux-gnu-gcc', args: [] }], packages: 'gcc-aarch64-linux-gnu' },
  loongarch64: {
    compilers: [
      { cmd: 'loongarch64-linux-gnu-gcc', args: [] },
      ...['clang', 'clang-19', 'clang-18', 'clang-17', 'clang-16'].map((cmd) => ({ cmd, args: ['--target=loongarch64-unknown-linux-gnu'] })),
    ],
    packages: 'clang-16 or newer',
  },
};

function findCompiler(arch: ZoneConfigArch): Compiler | undefined {
  return CANDIDATES[arch].compilers.find((c) => spawnSync(c.cmd, [...c.args, '-x', 'c', '-S', '-o', '-', '-'], { input: 'int hvwb_probe;\n', timeout: 30_000 }).status === 0);
}

const mirrorProblem = ((): string | undefined => {
  if (!existsSync(MIRROR)) return `the hvisor-tool mirror ${MIRROR} is absent (set HVISOR_TOOL_MIRROR)`;
  return spawnSync('git', ['-C', MIRROR, 'cat-file', '-e', `${COMMIT}^{commit}`]).status === 0 ? undefined : `the hvisor-tool mirror lacks ${COMMIT}`;
})();
const compilers = new Map<ZoneConfigArch, Compiler | undefined>();

/** Why `arch` cannot be compiled here, or undefined when it can. */
export function toolchainProblem(arch: ZoneConfigArch): string | undefined {
  if (mirrorProblem) return mirrorProblem;
  if (!compilers.has(arch)) compilers.set(arch, findCompiler(arch));
  return compilers.get(arch) ? undefined : `no ${arch} C compiler (install ${CANDIDATES[arch].packages})`;
}

let dir: string | undefined;
function headerDir(): string {
  if (dir) return dir;
  dir = mkdtempSync(join(tmpdir(), 'hvwb-zone-bytes-'));
  for (const path of ZONE_CONFIG_LAYOUT_SOURCE.hvisorTool.headers) {
    writeFileSync(join(dir, path.split('/').pop()!), execFileSync('git', ['-C', MIRROR, 'show', `${COMMIT}:${path}`], { encoding: 'utf8' }));
  }
  mkdirSync(join(dir, 'linux'));
  // Stand-ins for the UAPI headers ivc.h includes: the __uN types of asm-generic/int-ll64.h, no ioctl macro expanded.
  writeFileSync(join(dir, 'linux/types.h'), 'typedef unsigned char __u8;\ntypedef unsigned short __u16;\ntypedef unsigned int __u32;\ntypedef unsigned long long __u64;\n');
  writeFileSync(join(dir, 'linux/ioctl.h'), '');
  return dir;
}

export function removeHeaderDir(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

const DATA_SIZES: Record<string, number> = {
  byte: 1, half: 2, short: 2, '2byte': 2, hword: 2, word: 4, long: 4, '4byte': 4, int: 4, dword: 8, xword: 8, quad: 8, '8byte': 8,
};

/** The bytes of a C string literal as an assembler writes it (\", \\, \n and friends, octal \NNN). */
function stringBytes(literal: string): number[] {
  const out: number[] = [];
  const named: Record<string, number> = { n: 10, t: 9, r: 13, b: 8, f: 12, '"': 34, '\\': 92, "'": 39 };
  for (let i = 0; i < literal.length; i++) {
    const c = literal[i]!;
    if (c !== '\\') {
      out.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(literal.slice(i + 1));
    if (octal) {
      out.push(parseInt(octal[0], 8));
      i += octal[0].length;
    } else {
      out.push(named[literal[i + 1]!] ?? literal.charCodeAt(i + 1));
      i += 1;
    }
  }
  return out;
}

/** Little-endian bytes of the data directives after `label:` up to the next non-data line. */
export function readLabelBytes(asm: string, label: string): Uint8Array {
  const lines = asm.split('\n');
  const start = lines.findIndex((l) => l.trim() === `${label}:`);
  if (start < 0) throw new Error(`no ${label}: in the assembly`);
  const bytes: number[] = [];
  for (const raw of lines.slice(start + 1)) {
    const line = raw.trim();
    const str = /^\.(string|asciz|ascii)\s+"((?:[^"\\]|\\.)*)"/.exec(line);
    if (str) {
      bytes.push(...stringBytes(str[2]!), ...(str[1] === 'ascii' ? [] : [0]));
      continue;
    }
    // Clang and RISC-V GCC comment with #, AArch64 GCC with //.
    const code = line.replace(/\s(#|\/\/).*$/, '').trim();
    const zero = /^\.(?:zero|space)\s+(\d+)$/.exec(code);
    const data = /^\.(\w+)\s+(-?\w+)$/.exec(code);
    if (zero) bytes.push(...new Array<number>(Number(zero[1])).fill(0));
    else if (data && DATA_SIZES[data[1]!] !== undefined) {
      const size = DATA_SIZES[data[1]!]!;
      let value = BigInt.asUintN(size * 8, BigInt(data[2]!));
      for (let k = 0; k < size; k++, value >>= 8n) bytes.push(Number(value & 0xffn));
    } else break;
  }
  return Uint8Array.from(bytes);
}

/** Compiles `source` (after the header's includes) for `arch` and returns the bytes of the global `label`. */
export function compiledBytes(arch: ZoneConfigArch, source: string, label: string): Uint8Array {
  const problem = toolchainProblem(arch);
  if (problem) throw new Error(problem);
  const compiler = compilers.get(arch)!;
  const file = join(headerDir(), `bytes-${arch}.c`);
  writeFileSync(file, ['#include <linux/types.h>', '#include "zone_config.h"', source, ''].join('\n'));
  const defines = ZONE_CONFIG_LAYOUT_SOURCE.defines[arch].map((d) => `-D${d}`);
  const asm = execFileSync(compiler.cmd, [...compiler.args, ...defines, '-I', headerDir(), '-O2', '-S', '-o', '-', file], { encoding: 'utf8', timeout: 60_000 });
  return readLabelBytes(asm, label);
}
