/**
 * The per-arch HvZoneConfig tables against hvisor-tool's own C header, compiled for each arch.
 *
 * The targets cannot run here, so the generated C puts sizeof/offsetof of every member into a const
 * array, the cross compiler emits assembly (-S), and the test reads the array's .dword/.xword values.
 * The compiled figures must equal the table and also the figures recorded in
 * tests/fixtures/zone-config-layouts/recorded.json; where a compiler or the hvisor-tool mirror is
 * missing, the table is still checked against that record, and the skipped test's title says what to
 * install. HVWB_RECORD_ZONE_LAYOUTS=1 rewrites the record from the compilers found.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZONE_CONFIG_OFFSETS, ZONE_CONFIG_SIZE } from '../../../../src/core/hypervisor/zone-config-binary';
import {
  type LayoutField,
  type ZoneConfigArch,
  type ZoneConfigLayout,
  GIC_VERSION_TAG,
  ZONE_CONFIG_ARCHES,
  ZONE_CONFIG_LAYOUTS,
  ZONE_CONFIG_LAYOUT_SOURCE,
  flattenLayout,
  resolveField,
} from '../../../../src/core/hypervisor/zone-config-layouts';

const MIRROR = process.env.HVISOR_TOOL_MIRROR ?? '/work/.mirror/syswonder+hvisor-tool/repo';
const RECORD_FILE = join(__dirname, '../../../fixtures/zone-config-layouts/recorded.json');
const RECORDING = process.env.HVWB_RECORD_ZONE_LAYOUTS === '1';
const COMMIT = ZONE_CONFIG_LAYOUT_SOURCE.hvisorTool.commit;

/** Per member: [offset, sizeof the whole member, sizeof one element]; plus "sizeof" and "alignof" as [n]. */
type Figures = Record<string, number[]>;
interface Recorded {
  readonly hvisorTool: string;
  readonly arches: Record<ZoneConfigArch, { compiler: string; figures: Figures }>;
}

/** What the table says, in the shape a compiler's figures take. */
function tableFigures(layout: ZoneConfigLayout): Figures {
  const figures: Figures = { sizeof: [layout.size], alignof: [layout.align] };
  for (const f of flattenLayout(layout)) figures[f.path] = [f.offset, f.size * f.count, f.size];
  return figures;
}

// ---- toolchains -----------------------------------------------------------------------------

interface Compiler {
  readonly cmd: string;
  readonly args: readonly string[];
}

/**
 * Compilers to try per arch, first usable wins, with the Debian packages that provide one. Debian 12
 * has no LoongArch GCC; its default clang (14) has no LoongArch backend, clang-16 and later do.
 */
const CANDIDATES: Record<ZoneConfigArch, { compilers: Compiler[]; packages: string }> = {
  riscv64: {
    compilers: [
      { cmd: 'riscv64-unknown-elf-gcc', args: ['-march=rv64gc', '-mabi=lp64d'] },
      { cmd: 'riscv64-linux-gnu-gcc', args: [] },
    ],
    packages: 'gcc-riscv64-unknown-elf or gcc-riscv64-linux-gnu',
  },
  aarch64: {
    compilers: [{ cmd: 'aarch64-linux-gnu-gcc', args: [] }],
    packages: 'gcc-aarch64-linux-gnu',
  },
  loongarch64: {
    compilers: [
      { cmd: 'loongarch64-linux-gnu-gcc', args: [] },
      ...['clang', 'clang-19', 'clang-18', 'clang-17', 'clang-16'].map((cmd) => ({ cmd, args: ['--target=loongarch64-unknown-linux-gnu'] })),
    ],
    packages: 'gcc-loongarch64-linux-gnu (not in Debian 12) or clang-16 or newer (Debian 12: clang-16, clang-19)',
  },
};

/** The first compiler that builds a trivial file for the arch: a clang without the backend fails here. */
function findCompiler(arch: ZoneConfigArch): (Compiler & { version: string }) | undefined {
  for (const c of CANDIDATES[arch].compilers) {
    const probe = spawnSync(c.cmd, [...c.args, '-x', 'c', '-S', '-o', '-', '-'], { input: 'int hvwb_probe;\n', encoding: 'utf8', timeout: 30_000 });
    if (probe.status !== 0) continue;
    const version = spawnSync(c.cmd, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim() ?? c.cmd;
    return { ...c, version: `${[c.cmd, ...c.args].join(' ')} (${version})` };
  }
  return undefined;
}

function gitShow(path: string): string {
  return execFileSync('git', ['-C', MIRROR, 'show', `${COMMIT}:${path}`], { encoding: 'utf8', maxBuffer: 1 << 20 });
}

const mirrorProblem = ((): string | undefined => {
  if (!existsSync(MIRROR)) return `the hvisor-tool mirror ${MIRROR} is absent (set HVISOR_TOOL_MIRROR)`;
  const found = spawnSync('git', ['-C', MIRROR, 'cat-file', '-e', `${COMMIT}^{commit}`]);
  return found.status === 0 ? undefined : `the hvisor-tool mirror ${MIRROR} lacks commit ${COMMIT}`;
})();
const compilers = Object.fromEntries(ZONE_CONFIG_ARCHES.map((arch) => [arch, findCompiler(arch)])) as Record<ZoneConfigArch, ReturnType<typeof findCompiler>>;

let workDir: string | undefined;
/** The headers at the cited commit, plus stand-ins for the two Linux UAPI headers ivc.h includes. */
function headerDir(): string {
  if (workDir) return workDir;
  workDir = mkdtempSync(join(tmpdir(), 'hvwb-zone-layout-'));
  for (const path of ZONE_CONFIG_LAYOUT_SOURCE.hvisorTool.headers) writeFileSync(join(workDir, path.split('/').pop()!), gitShow(path));
  mkdirSync(join(workDir, 'linux'));
  // The cross compilers here have no Linux headers (riscv64-unknown-elf is bare metal). The __uN
  // types are what asm-generic/int-ll64.h, used by all three arches, defines; ioctl.h's macros are only
  // named in #defines that nothing here expands.
  writeFileSync(join(workDir, 'linux/types.h'), [
    'typedef unsigned char __u8;', 'typedef unsigned short __u16;', 'typedef unsigned int __u32;',
    'typedef unsigned long long __u64;', '',
  ].join('\n'));
  writeFileSync(join(workDir, 'linux/ioctl.h'), '');
  return workDir;
}
afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Keys in the order the C array emits their numbers. */
function probeProgram(layout: ZoneConfigLayout): { source: string; keys: [string, number][] } {
  const keys: [string, number][] = [['sizeof', 1], ['alignof', 1]];
  const lines = ['sizeof(zone_config_t)', '_Alignof(zone_config_t)'];
  for (const f of flattenLayout(layout)) {
    keys.push([f.path, 3]);
    // The element size comes from the C side too, so an array the table calls a scalar shows up.
    const element = f.count > 1 ? `${f.path}[0]` : f.path;
    lines.push(`__builtin_offsetof(zone_config_t, ${f.path}), sizeof(((zone_config_t *)0)->${f.path}), sizeof(((zone_config_t *)0)->${element})`);
  }
  const source = [
    '#include <linux/types.h>',
    '#include "zone_config.h"',
    'const unsigned long long hvwb_layout[] = {',
    ...lines.map((l) => `  ${l},`),
    '};',
    '',
  ].join('\n');
  return { source, keys };
}

/** The 64-bit values of `label` in GCC or Clang assembly: .dword/.xword/.quad/.8byte N, and .zero N for runs of zeros. */
function readQuads(asm: string, label: string): number[] {
  const lines = asm.split('\n');
  const start = lines.findIndex((l) => l.trim() === `${label}:`);
  if (start < 0) throw new Error(`no ${label}: in the assembly`);
  const values: number[] = [];
  for (const raw of lines.slice(start + 1)) {
    // Clang and RISC-V GCC comment with #, AArch64 GCC with //.
    const line = raw.replace(/\s(#|\/\/).*$/, '').trim();
    const data = /^\.(?:dword|xword|quad|8byte)\s+(\S+)$/.exec(line);
    const zero = /^\.(?:zero|space)\s+(\d+)$/.exec(line);
    if (data) values.push(Number(BigInt(data[1]!)));
    else if (zero) values.push(...new Array<number>(Number(zero[1]) / 8).fill(0));
    else break; // .size, .ident or the next label: the array is over
  }
  return values;
}

function compiledFigures(arch: ZoneConfigArch): Figures {
  const compiler = compilers[arch]!;
  const dir = headerDir();
  const { source, keys } = probeProgram(ZONE_CONFIG_LAYOUTS[arch]);
  const file = join(dir, `probe-${arch}.c`);
  writeFileSync(file, source);
  const defines = ZONE_CONFIG_LAYOUT_SOURCE.defines[arch].map((d) => `-D${d}`);
  const asm = execFileSync(compiler.cmd, [...compiler.args, ...defines, '-I', dir, '-O2', '-S', '-o', '-', file], { encoding: 'utf8', timeout: 60_000 });
  const values = readQuads(asm, 'hvwb_layout');
  expect(values.length, 'numbers in the compiled array').toBe(keys.reduce((n, [, k]) => n + k, 0));
  const figures: Figures = {};
  let at = 0;
  for (const [key, n] of keys) {
    figures[key] = values.slice(at, at + n);
    at += n;
  }
  return figures;
}

const recorded = JSON.parse(readFileSync(RECORD_FILE, 'utf8')) as Recorded;

/** One member per line, so a changed figure shows as a one-line diff. */
function formatRecord(record: Recorded): string {
  const arches = ZONE_CONFIG_ARCHES.filter((a) => record.arches[a]).map((a) => {
    const { compiler, figures } = record.arches[a];
    const rows = Object.entries(figures).map(([k, v]) => `        ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
    return `    ${JSON.stringify(a)}: {\n      "compiler": ${JSON.stringify(compiler)},\n      "figures": {\n${rows.join(',\n')}\n      }\n    }`;
  });
  return `{\n  "hvisorTool": ${JSON.stringify(record.hvisorTool)},\n  "arches": {\n${arches.join(',\n')}\n  }\n}\n`;
}
const compiledForRecord: Partial<Recorded['arches']> = {};

// ---- the tables on their own --------------------------------------------------------------------

/** Members inside their parent, in order, not overlapping (except in a union) and naturally aligned. */
function layoutProblems(fields: readonly LayoutField[], parentSize: number, union: boolean, where: string): string[] {
  const problems: string[] = [];
  let end = 0;
  for (const f of fields) {
    const at = `${where}${f.name}`;
    if (f.offset + f.size * f.count > parentSize) problems.push(`${at} runs past its parent (${parentSize} bytes)`);
    if (!union && f.offset < end) problems.push(`${at} at ${f.offset} overlaps the member before it (ends at ${end})`);
    if (union && f.offset !== 0) problems.push(`${at}: a union member must start at 0`);
    if (!f.fields && ![1, 2, 4, 8].includes(f.size)) problems.push(`${at}: ${f.size}-byte scalar`);
    if (!f.fields && f.offset % f.size !== 0) problems.push(`${at} at ${f.offset} is not aligned to its size`);
    if (f.fields) problems.push(...layoutProblems(f.fields, f.size, f.union === true, `${at}.`));
    end = f.offset + f.size * f.count;
  }
  return problems;
}

describe('HvZoneConfig layout tables', () => {
  it.each(ZONE_CONFIG_ARCHES)('%s: members fit, in order, naturally aligned', (arch) => {
    const layout = ZONE_CONFIG_LAYOUTS[arch];
    expect(layoutProblems(layout.fields, layout.size, false, '')).toEqual([]);
    expect(layout.size % layout.align).toBe(0);
    expect(layout.magic).toBe(0x05);
  });

  it('sizes are those of issue 9: riscv64 3080, aarch64 3136, loongarch64 3056', () => {
    expect(Object.fromEntries(ZONE_CONFIG_ARCHES.map((a) => [a, ZONE_CONFIG_LAYOUTS[a].size]))).toEqual({ riscv64: 3080, aarch64: 3136, loongarch64: 3056 });
  });

  it('riscv64 agrees with the offsets zone-config-binary.ts encodes today', () => {
    const riscv = ZONE_CONFIG_LAYOUTS.riscv64;
    expect(riscv.size).toBe(ZONE_CONFIG_SIZE);
    const names: Record<keyof typeof ZONE_CONFIG_OFFSETS, string> = {
      zoneId: 'zone_id', cpus: 'cpus', numMemoryRegions: 'num_memory_regions', memoryRegions: 'memory_regions',
      interruptsBitmap: 'interrupts_bitmap', numIvcConfigs: 'num_ivc_configs', ivcConfigs: 'ivc_configs',
      entryPoint: 'entry_point', kernelLoadPaddr: 'kernel_load_paddr', kernelSize: 'kernel_size',
      dtbLoadPaddr: 'dtb_load_paddr', dtbSize: 'dtb_size', name: 'name', archConfig: 'arch_config',
      numPciBus: 'num_pci_bus', pciConfig: 'pci_config', numPciDevs: 'num_pci_devs', allocPciDevs: 'alloc_pci_devs',
    };
    for (const [key, cName] of Object.entries(names)) {
      expect(resolveField(riscv, cName).offset, cName).toBe(ZONE_CONFIG_OFFSETS[key as keyof typeof ZONE_CONFIG_OFFSETS]);
    }
    // The encoder's element strides and member offsets are literals there (REGION_SIZE = 32, at + 8, ...).
    const at = (path: string): number[] => [resolveField(riscv, path).offset, resolveField(riscv, path).size];
    expect(at('memory_regions[1]')[0]! - at('memory_regions[0]')[0]!).toBe(32);
    expect(at('ivc_configs[1]')[0]! - at('ivc_configs[0]')[0]!).toBe(40);
    expect(at('pci_config[1]')[0]! - at('pci_config[0]')[0]!).toBe(104);
    expect(at('alloc_pci_devs[1]')[0]! - at('alloc_pci_devs[0]')[0]!).toBe(8);
    expect(['physical_start', 'virtual_start', 'size'].map((m) => at(`memory_regions[0].${m}`)[0]! - 24)).toEqual([8, 16, 24]);
    expect(['control_table_ipa', 'shared_mem_ipa', 'rw_sec_size', 'out_sec_size', 'interrupt_num', 'max_peers']
      .map((m) => at(`ivc_configs[0].${m}`)[0]! - 2208)).toEqual([8, 16, 24, 28, 32, 36]);
    expect(['bus_range_begin', 'bus_range_end', 'domain'].map((m) => at(`pci_config[0].${m}`)[0]! - 2400)).toEqual([88, 92, 96]);
    expect(at('alloc_pci_devs[0].dev_type')[0]! - 2824).toBe(4);
    expect(['plic_base', 'plic_size', 'aplic_base', 'aplic_size'].map((m) => at(`arch_config.${m}`)[0]! - 2360)).toEqual([0, 8, 16, 24]);
  });

  it('resolves designators to struct offsets and refuses members the arch lacks', () => {
    const { aarch64, loongarch64, riscv64 } = ZONE_CONFIG_LAYOUTS;
    expect(resolveField(riscv64, 'memory_regions[3].size')).toMatchObject({ offset: 24 + 3 * 32 + 24, size: 8, count: 1 });
    expect(resolveField(riscv64, 'memory_regions')).toMatchObject({ offset: 24, size: 32, count: 64 });
    expect(resolveField(aarch64, 'arch_config.is_aarch32').offset).toBe(2360);
    // The tag sits at the same place in both union members; gicr_base (v3) shares its bytes with gicc_base (v2).
    expect(resolveField(aarch64, 'arch_config.gic_config.gicv2.gic_version_tag').offset).toBe(2368);
    expect(resolveField(aarch64, 'arch_config.gic_config.gicv3.gic_version_tag').offset).toBe(2368);
    expect(resolveField(aarch64, 'arch_config.gic_config.gicv3.gicv3_config.gicr_base').offset).toBe(2392);
    expect(resolveField(aarch64, 'arch_config.gic_config.gicv2.gicv2_config.gicc_base').offset).toBe(2392);
    expect(resolveField(aarch64, 'arch_config.gic_config.gicv2.gicv2_config.gicv_size').offset).toBe(2440);
    expect(GIC_VERSION_TAG).toEqual({ v2: 0, v3: 1 });
    expect(resolveField(loongarch64, 'num_pci_bus').offset).toBe(2368);
    expect(() => resolveField(aarch64, 'arch_config.plic_base')).toThrow(/no member "plic_base"/);
    expect(() => resolveField(riscv64, 'pci_config[4]')).toThrow(/past its 4 elements/);
    expect(() => resolveField(riscv64, 'name + 1')).toThrow(/not a member designator/);
  });
});

// ---- against the C header -------------------------------------------------------------------------

describe(`HvZoneConfig tables against hvisor-tool ${COMMIT.slice(0, 7)} include/zone_config.h`, () => {
  it('the record names the same hvisor-tool commit', () => {
    expect(recorded.hvisorTool).toBe(COMMIT);
  });

  for (const arch of ZONE_CONFIG_ARCHES) {
    const compiler = compilers[arch];
    const missing = mirrorProblem ?? (compiler ? undefined : `no ${arch} C compiler found; install ${CANDIDATES[arch].packages}`);

    it(`${arch}: the table equals the figures recorded from ${recorded.arches[arch]?.compiler ?? 'no compiler yet'}`, () => {
      // Runs with or without a toolchain, so the table stays checked on a machine that cannot compile.
      expect(recorded.arches[arch], `no ${arch} figures in ${RECORD_FILE}`).toBeDefined();
      expect(tableFigures(ZONE_CONFIG_LAYOUTS[arch])).toEqual(recorded.arches[arch].figures);
    });

    it.skipIf(missing !== undefined)(
      `${arch}: sizeof/offsetof from ${compiler?.version ?? 'the cross compiler'} equal the table and the record${missing ? ` (skipped: ${missing}; the recorded figures were checked instead)` : ''}`,
      () => {
        const figures = compiledFigures(arch);
        expect(figures).toEqual(tableFigures(ZONE_CONFIG_LAYOUTS[arch]));
        if (RECORDING) compiledForRecord[arch] = { compiler: compiler!.version, figures };
        else expect(figures).toEqual(recorded.arches[arch].figures);
      },
    );
  }

  it.skipIf(!RECORDING)('HVWB_RECORD_ZONE_LAYOUTS=1: rewrites the record from every compiler found', () => {
    const arches = { ...recorded.arches, ...compiledForRecord };
    writeFileSync(RECORD_FILE, formatRecord({ hvisorTool: COMMIT, arches: arches as Recorded['arches'] }));
  });
});
