import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ImageError } from '../../../../src/core/machine/elf';
import { isArm64Image, parseArm64Image, placeArm64Image } from '../../../../src/core/machine/arm64-image';

const MiB = 0x10_0000;

/** An arm64 Image: the 64-byte header (booting.rst layout) and `body` bytes of "code" after it. */
function image(fields: { textOffset?: bigint; imageSize?: bigint; flags?: bigint; magic?: string }, body = 4096): Uint8Array {
  const bytes = new Uint8Array(64 + body);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x9100_0000 | 0x1a5, true); // code0: any instruction (the kernel's is add x13, x18, #0x16)
  view.setBigUint64(0x08, fields.textOffset ?? 0n, true);
  view.setBigUint64(0x10, fields.imageSize ?? 0x30_0000n, true);
  view.setBigUint64(0x18, fields.flags ?? 0b1010n, true); // LE, 4K pages, anywhere: Debian's
  const magic = fields.magic ?? 'ARM\x64';
  for (let i = 0; i < 4; i++) bytes[0x38 + i] = magic.charCodeAt(i);
  return bytes;
}

describe('arm64 Image header', () => {
  it('reads text_offset, the memory size (image_size, BSS included), page size and placement', () => {
    const img = parseArm64Image(image({ textOffset: 0x8_0000n, imageSize: 0x123_4000n, flags: 0b0110n }), 'Image');
    expect(img).toMatchObject({ textOffset: 0x8_0000, memorySize: 0x123_4000, pageSize: 0x1_0000, placement: 'near-dram-base', legacy: false });
    expect(parseArm64Image(image({ flags: 0b1010n }), 'Image')).toMatchObject({ pageSize: 4096, placement: 'anywhere' });
    expect(parseArm64Image(image({ flags: 0b0100n }), 'Image').pageSize).toBe(16384);
    expect(parseArm64Image(image({ flags: 0n }), 'Image').pageSize).toBeUndefined();
  });

  it('needs at least the whole file when image_size is smaller than the file', () => {
    const img = parseArm64Image(image({ imageSize: 0x100n }, 0x2000), 'Image');
    expect(img.memorySize).toBe(64 + 0x2000);
  });

  it('treats image_size 0 as a pre-3.17 kernel: text_offset 0x80000, the file as its size', () => {
    const img = parseArm64Image(image({ textOffset: 0x1234n, imageSize: 0n, flags: 1n }), 'old.Image');
    expect(img).toMatchObject({ textOffset: 0x8_0000, memorySize: 64 + 4096, legacy: true });
  });

  it('places the image text_offset above the lowest 2 MiB aligned base of RAM and enters at its first byte', () => {
    const img = parseArm64Image(image({ textOffset: 0x8_0000n, imageSize: 0x200_0000n }), 'Image');
    const p = placeArm64Image(img, 'Image', 0x4000_0000, 1 << 30);
    expect(p).toEqual({ base: 0x4000_0000, loadAddress: 0x4008_0000, entry: 0x4008_0000, end: 0x4208_0000 });
    // RAM that does not start on a 2 MiB boundary: the base moves up to the next one.
    expect(placeArm64Image(img, 'Image', 0x4010_0000, 64 * MiB).base).toBe(0x4020_0000);
    // A base chosen by the caller must be 2 MiB aligned and inside RAM.
    expect(placeArm64Image(img, 'Image', 0x4000_0000, 1 << 30, 0x4800_0000).loadAddress).toBe(0x4808_0000);
    expect(() => placeArm64Image(img, 'Image', 0x4000_0000, 1 << 30, 0x4010_0000)).toThrow(/base 0x40100000 is not 2 MiB aligned/);
    expect(() => placeArm64Image(img, 'Image', 0x4000_0000, 1 << 30, 0x8000_0000)).toThrow(/outside RAM/);
  });

  it('refuses an image that needs more memory than the RAM it is given, naming the sizes', () => {
    const img = parseArm64Image(image({ imageSize: 0x300_0000n }), 'Image');
    expect(() => placeArm64Image(img, 'Image', 0x4000_0000, 0x300_0000)).not.toThrow();
    expect(() => placeArm64Image(img, 'Image', 0x4000_0000, 0x2ff_f000)).toThrow(ImageError);
    expect(() => placeArm64Image(img, 'Image', 0x4000_0000, 0x2ff_f000)).toThrow(/Image: the kernel needs 0x3000000 bytes .* past the end of RAM 0x40000000\.\.0x42fff000/);
    // The alignment gap counts: RAM that fits the kernel from 0x4000_0000 does not when it starts 1 MiB later.
    expect(() => placeArm64Image(img, 'Image', 0x4000_0000, 0x308_0000)).not.toThrow();
    expect(() => placeArm64Image(img, 'Image', 0x4010_0000, 0x308_0000)).toThrow(/past the end of RAM/);
  });

  it('refuses a big-endian kernel', () => {
    expect(() => parseArm64Image(image({ flags: 0b1011n }), 'be.Image')).toThrow(/be\.Image: a big-endian arm64 kernel/);
  });

  it('refuses a truncated header and a file without the magic', () => {
    expect(() => parseArm64Image(image({}).subarray(0, 60), 'short')).toThrow(/short: truncated arm64 Image header \(60 bytes; the header is 64\)/);
    expect(() => parseArm64Image(image({ magic: 'RISC' }), 'rv.Image')).toThrow(/rv\.Image: not an arm64 Linux Image \(no "ARM\\x64" magic at 0x38\)/);
    expect(isArm64Image(image({ magic: 'RISC' }))).toBe(false);
    expect(isArm64Image(image({}))).toBe(true);
  });

  it('refuses a gzip-compressed kernel, saying how to decompress it', () => {
    const gz = new Uint8Array(gzipSync(image({})));
    expect(isArm64Image(gz)).toBe(false);
    expect(() => parseArm64Image(gz, 'vmlinuz')).toThrow(/vmlinuz: a gzip-compressed kernel .*decompress it first: gunzip -c vmlinuz > Image/);
  });

  it('refuses an EFI zboot kernel, naming the payload and the command that extracts it', () => {
    const zboot = new Uint8Array(0x1000);
    const view = new DataView(zboot.buffer);
    zboot.set([0x4d, 0x5a], 0);
    zboot.set([...'zimg'].map((c) => c.charCodeAt(0)), 4);
    view.setUint32(8, 0x200, true);
    view.setUint32(12, 0x800, true);
    zboot.set([...'zstd\0'].map((c) => c.charCodeAt(0)), 24);
    expect(() => parseArm64Image(zboot, 'vmlinuz-7.2')).toThrow(
      /vmlinuz-7\.2: an EFI zboot kernel .*payload zstd.*decompress it first: tail -c \+513 vmlinuz-7\.2 \| head -c 2048 \| zstd -d > Image/,
    );
  });

  it('refuses header fields past 2^53 instead of rounding them', () => {
    expect(() => parseArm64Image(image({ imageSize: 1n << 60n }), 'huge')).toThrow(/huge: image_size 0x1000000000000000 is out of range/);
    expect(() => parseArm64Image(image({ textOffset: 1n << 60n }), 'huge')).toThrow(/huge: text_offset .* out of range/);
  });

  // Debian's kernel, when scripts/fetch-guest-images.sh --arch aarch64 has cached it.
  const debian = path.join(process.env.HVWB_CACHE || path.join(homedir(), '.cache/hvwb'), 'guest-images/aarch64/Image');
  it.skipIf(!existsSync(debian))('reads Debian\'s arm64 kernel and places it in the 1 GiB of RAM QEMU virt boots it with', () => {
    const bytes = new Uint8Array(readFileSync(debian));
    const img = parseArm64Image(bytes, 'Image');
    expect(img.legacy).toBe(false);
    expect(img.pageSize).toBe(4096);
    expect(img.memorySize).toBeGreaterThanOrEqual(bytes.length);
    const p = placeArm64Image(img, 'Image', 0x4000_0000, 1 << 30);
    expect(p.loadAddress).toBe(0x4000_0000 + img.textOffset);
    expect(() => placeArm64Image(img, 'Image', 0x4000_0000, 16 * MiB)).toThrow(/past the end of RAM/);
  });
});
