/**
 * scripts/guest-images.mjs (behind scripts/fetch-guest-images.sh): which Debian package holds the
 * kernel for each architecture, and how the package's vmlinuz becomes the raw Image the boot protocol
 * loads. No network: the package index is a small Map, the kernels are synthetic headers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module without type declarations
import { ARCHES, kernelPackage, parseArch, rawImage } from '../../../scripts/guest-images.mjs';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const script = path.join(repoRoot, 'scripts/guest-images.mjs');

type Stanza = { Depends?: string };
const index = (entries: Record<string, Stanza>): Map<string, Stanza> => new Map(Object.entries(entries));

/** A raw kernel of `size` bytes with the architecture's magic where its boot protocol puts it. */
function kernel(arch: 'riscv64' | 'aarch64' | 'loongarch64', size = 0x1000): Buffer {
  const bytes = Buffer.alloc(size, 0x5a);
  const magic = ARCHES[arch].imageMagic as { offset: number; bytes: string };
  bytes.write(magic.bytes, magic.offset, 'latin1');
  return bytes;
}

/** An EFI zboot executable around `payload`: "MZ", "zimg", offset and size, the compression's name. */
function zboot(payload: Buffer, compression: string): Buffer {
  const head = Buffer.alloc(0x200);
  head.write('MZ', 0, 'latin1');
  head.write('zimg', 4, 'latin1');
  head.writeUInt32LE(head.length, 8);
  head.writeUInt32LE(payload.length, 12);
  head.write(`${compression}\0`, 24, 'latin1');
  return Buffer.concat([head, payload, Buffer.alloc(64)]);
}

const haveZstd = spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0;

describe('guest images: the kernel package', () => {
  it('riscv64: follows linux-image-riscv64 to the linux-binary-<abi> holding the image (Debian 7.x)', () => {
    const packages = index({
      'linux-image-riscv64': { Depends: 'linux-base-riscv64 (= 7.2.13-1), linux-image-7.2.13+deb14-riscv64 (= 7.2.13-1)' },
      'linux-image-7.2.13+deb14-riscv64': { Depends: 'dracut | initramfs-tools, linux-binary-7.2.13+deb14-riscv64 (= 7.2.13-1)' },
      'linux-binary-7.2.13+deb14-riscv64': {},
    });
    expect(kernelPackage(packages)).toEqual({ name: 'linux-binary-7.2.13+deb14-riscv64', abi: '7.2.13+deb14-riscv64' });
  });

  it('arm64: takes the unsigned build of the signed kernel, in both of Debian\'s namings', () => {
    const signed7 = index({
      'linux-image-arm64': { Depends: 'linux-base-arm64 (= 7.2.13-1), linux-image-7.2.13+deb14-arm64 (= 7.2.13-1)' },
      'linux-image-7.2.13+deb14-arm64': { Depends: 'linux-binary-7.2.13+deb14-arm64 (= 7.2.13-1), linux-modules-7.2.13+deb14-arm64' },
      'linux-binary-7.2.13+deb14-arm64': {},
      'linux-binary-unsigned-7.2.13+deb14-arm64': {},
      // Another flavour whose name also ends in -arm64 must not be picked.
      'linux-binary-unsigned-7.2.13+deb14-arm64-16k': {},
    });
    expect(kernelPackage(signed7, 'arm64')).toEqual({ name: 'linux-binary-unsigned-7.2.13+deb14-arm64', abi: '7.2.13+deb14-arm64' });
    const signed6 = index({
      'linux-image-arm64': { Depends: 'linux-image-6.12.9-arm64 (= 6.12.9-1)' },
      'linux-image-6.12.9-arm64': {},
      'linux-image-6.12.9-arm64-unsigned': {},
    });
    expect(kernelPackage(signed6, 'arm64')).toEqual({ name: 'linux-image-6.12.9-arm64-unsigned', abi: '6.12.9-arm64' });
  });

  it('names the metapackage when the index does not have it', () => {
    expect(() => kernelPackage(index({}), 'arm64')).toThrow(/linux-image-arm64 is not in unstable\/arm64/);
  });
});

describe('guest images: the raw Image', () => {
  it('keeps an uncompressed Image and gunzips a gzip\'d one, for each architecture', () => {
    for (const arch of ['riscv64', 'aarch64', 'loongarch64'] as const) {
      const raw = kernel(arch);
      expect(Buffer.compare(rawImage(raw, ARCHES[arch].imageMagic), raw)).toBe(0);
      expect(Buffer.compare(rawImage(gzipSync(raw), ARCHES[arch].imageMagic), raw)).toBe(0);
    }
  });

  it('extracts the payload of an arm64 EFI zboot kernel (gzip)', () => {
    const raw = kernel('aarch64', 0x3000);
    expect(Buffer.compare(rawImage(zboot(gzipSync(raw), 'gzip'), ARCHES.aarch64.imageMagic), raw)).toBe(0);
  });

  it.skipIf(!haveZstd)('extracts the payload of an arm64 EFI zboot kernel (zstd)', () => {
    const raw = kernel('aarch64', 0x3000);
    const compressed = execFileSync('zstd', ['-q', '-c'], { input: raw });
    expect(Buffer.compare(rawImage(zboot(compressed, 'zstd'), ARCHES.aarch64.imageMagic), raw)).toBe(0);
  });

  it('refuses a kernel of the other architecture and a zboot compression it cannot undo', () => {
    expect(() => rawImage(kernel('riscv64'), ARCHES.aarch64.imageMagic)).toThrow(/not an arm64 Image \(no "ARM\\x64" magic at 0x38\)/);
    expect(() => rawImage(kernel('aarch64'))).toThrow(/not a RISC-V Image \(no "RISCV" magic at 0x30\)/);
    expect(() => rawImage(zboot(Buffer.alloc(16), 'lzma'), ARCHES.aarch64.imageMagic)).toThrow(/compressed with "lzma"/);
    // arm64 and LoongArch both put their magic at 0x38; neither passes for the other.
    expect(() => rawImage(kernel('aarch64'), ARCHES.loongarch64.imageMagic)).toThrow(/not a LoongArch EFI-stub Image \(no LINUX_PE_MAGIC at 0x38\)/);
  });
});

describe('guest images: the command line', () => {
  it('takes --arch, riscv64 by default, and names the known ones for an unknown one', () => {
    expect(parseArch([])).toBe('riscv64');
    expect(parseArch(['--cached-only', '--arch', 'aarch64'])).toBe('aarch64');
    expect(parseArch(['--arch=aarch64'])).toBe('aarch64');
    const r = spawnSync(process.execPath, [script, '--arch', 'sparc', '--cached-only'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown architecture "sparc" \(known: riscv64, aarch64, loongarch64\)/);
  });

  it('--cached-only says "not cached" (status 3) for an empty cache without fetching anything', () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'hvwb-guest-images-'));
    try {
      for (const arch of ['riscv64', 'aarch64', 'loongarch64']) {
        const r = spawnSync(process.execPath, [script, '--arch', arch, '--cached-only'], { encoding: 'utf8', env: { ...process.env, HVWB_CACHE: cache } });
        expect(r.status).toBe(3);
        expect(r.stdout + r.stderr).toBe('');
      }
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
