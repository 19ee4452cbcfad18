/**
 * The arm64 Linux `Image` format (Linux Documentation/arch/arm64/booting.rst, "Call the kernel
 * image"): a 64-byte little-endian header at the start of the raw kernel — code0/code1, text_offset,
 * image_size, flags, three reserved words, the magic "ARM\x64" at 0x38 and the PE header offset (the
 * EFI stub's; unused here). This file recognises such an image and says where it goes: text_offset
 * bytes above a 2 MiB aligned base in RAM, needing image_size bytes from there (the file plus BSS and
 * early page tables), entered at its first byte with x0 = the device tree's address and x1..x3 = 0.
 *
 * Pure data in, data out: the host reads the file. Compressed kernels are refused, not decompressed:
 * Debian's and most distributions' vmlinuz is gzip'd or an EFI zboot executable (a PE file whose
 * payload is gzip or zstd), and the core has no decompressor (it runs in the browser too, and a zstd
 * decoder would be a dependency for one file format). The message says how to get the raw Image;
 * scripts/fetch-guest-images.sh --arch aarch64 caches it decompressed.
 *
 * Left out: big-endian kernels (refused), pre-3.17 kernels' header guesses beyond what booting.rst
 * prescribes (image_size 0: text_offset 0x80000, size = the file's), the EFI entry point.
 */
import { ImageError } from './elf';

/** The header's size and the magic's place (booting.rst). */
export const ARM64_IMAGE_HEADER_BYTES = 64;
export const ARM64_IMAGE_MAGIC_OFFSET = 0x38;
/** "ARM\x64" read as a little-endian word. */
const ARM64_IMAGE_MAGIC = 0x644d_5241;
/** The Image goes text_offset bytes above a base aligned to this. */
export const ARM64_IMAGE_BASE_ALIGN = 0x20_0000;
/** text_offset of kernels older than v3.17, whose header has image_size 0. */
const LEGACY_TEXT_OFFSET = 0x8_0000;

/** Header fields at their byte offsets, as data. */
const FIELD = { code0: 0x00, textOffset: 0x08, imageSize: 0x10, flags: 0x18 } as const;

/** flags: bit 0 endianness, bits 1-2 page size, bit 3 physical placement; 4-63 reserved. */
const FLAG_BIG_ENDIAN = 1n << 0n;
const FLAG_PAGE_SIZE_SHIFT = 1n;
const FLAG_PAGE_SIZE_MASK = 3n;
const FLAG_PLACEMENT_ANYWHERE = 1n << 3n;
/** Page size field values 0..3: unspecified, 4 KiB, 16 KiB, 64 KiB. */
const PAGE_SIZES = [undefined, 0x1000, 0x4000, 0x1_0000] as const;

export interface Arm64Image {
  /** Bytes from the 2 MiB aligned base to the image's first byte. */
  readonly textOffset: number;
  /**
   * Bytes of memory the kernel needs from its first byte on: image_size (which includes BSS), or
   * the file's size where that is larger or the header is pre-3.17 (image_size 0).
   */
  readonly memorySize: number;
  /** The file's bytes, copied to the load address as they are. */
  readonly fileSize: number;
  /** The kernel's page size, when the header says (flags bits 1-2). */
  readonly pageSize?: 4096 | 16384 | 65536;
  /**
   * flags bit 3: 'near-dram-base' (0) wants the base as low in RAM as possible (memory below it is
   * lost to the kernel's linear map); 'anywhere' (1) lets it sit anywhere in RAM.
   */
  readonly placement: 'near-dram-base' | 'anywhere';
  /** image_size was 0: a kernel older than v3.17, whose text_offset and size are guesses. */
  readonly legacy: boolean;
}

export interface Arm64Placement {
  /** The 2 MiB aligned base. */
  readonly base: number;
  /** Where the file's first byte goes: base + text_offset. Also the entry point. */
  readonly loadAddress: number;
  readonly entry: number;
  /** First byte past what the kernel needs (loadAddress + memorySize). */
  readonly end: number;
}

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** An EFI zboot image: "MZ", then "zimg", payload offset and size (le32), compression name at 24. */
function zbootInfo(b: Uint8Array): { offset: number; size: number; compression: string } | undefined {
  if (b.length < 0x20 || b[0] !== 0x4d || b[1] !== 0x5a || String.fromCharCode(b[4]!, b[5]!, b[6]!, b[7]!) !== 'zimg') return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let compression = '';
  for (let i = 24; i < Math.min(b.length, 56) && b[i] !== 0; i++) compression += String.fromCharCode(b[i]!);
  return { offset: view.getUint32(8, true), size: view.getUint32(12, true), compression };
}

/** Whether the bytes start with an arm64 Image header (the magic at 0x38). */
export function isArm64Image(bytes: Uint8Array): boolean {
  if (bytes.length < ARM64_IMAGE_HEADER_BYTES) return false;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(ARM64_IMAGE_MAGIC_OFFSET, true) === ARM64_IMAGE_MAGIC;
}

/**
 * Reads the header of an arm64 `Image`. `name` names the file in messages. Refuses, with one
 * ImageError saying what to do: a compressed kernel (gzip, EFI zboot), a truncated header, a file
 * without the magic, a big-endian kernel, and sizes past 2^53.
 */
export function parseArm64Image(bytes: Uint8Array, name: string): Arm64Image {
  const zboot = zbootInfo(bytes);
  if (zboot) {
    const tool = zboot.compression === 'gzip' ? 'gunzip' : zboot.compression === 'zstd' ? 'zstd -d' : `a ${zboot.compression || 'matching'} decompressor`;
    throw new ImageError(
      `${name}: an EFI zboot kernel (a compressed vmlinuz, payload ${zboot.compression || 'of unknown compression'}), not a raw arm64 Image; ` +
        `decompress it first: tail -c +${zboot.offset + 1} ${name} | head -c ${zboot.size} | ${tool} > Image ` +
        `(scripts/fetch-guest-images.sh --arch aarch64 does this for Debian's kernel)`,
    );
  }
  if (isGzip(bytes)) {
    throw new ImageError(`${name}: a gzip-compressed kernel (vmlinuz), not a raw arm64 Image; decompress it first: gunzip -c ${name} > Image`);
  }
  if (bytes.length < ARM64_IMAGE_HEADER_BYTES) {
    throw new ImageError(`${name}: truncated arm64 Image header (${bytes.length} bytes; the header is ${ARM64_IMAGE_HEADER_BYTES})`);
  }
  if (!isArm64Image(bytes)) throw new ImageError(`${name}: not an arm64 Linux Image (no "ARM\\x64" magic at ${hex(ARM64_IMAGE_MAGIC_OFFSET)})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u64 = (field: keyof typeof FIELD): bigint => view.getBigUint64(FIELD[field], true);
  const safe = (field: string, value: bigint): number => {
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ImageError(`${name}: ${field} ${hex(value)} is out of range`);
    return Number(value);
  };
  const imageSize = safe('image_size', u64('imageSize'));
  if (imageSize === 0) {
    // Before v3.17: no flags, text_offset in the kernel's endianness (0x80000), the size unknown.
    return { textOffset: LEGACY_TEXT_OFFSET, memorySize: bytes.length, fileSize: bytes.length, placement: 'near-dram-base', legacy: true };
  }
  const flags = u64('flags');
  if (flags & FLAG_BIG_ENDIAN) throw new ImageError(`${name}: a big-endian arm64 kernel (flags bit 0); only little-endian kernels are supported`);
  const textOffset = safe('text_offset', u64('textOffset'));
  const pageSize = PAGE_SIZES[Number((flags >> FLAG_PAGE_SIZE_SHIFT) & FLAG_PAGE_SIZE_MASK)];
  return {
    textOffset,
    memorySize: Math.max(imageSize, bytes.length),
    fileSize: bytes.length,
    ...(pageSize ? { pageSize } : {}),
    placement: flags & FLAG_PLACEMENT_ANYWHERE ? 'anywhere' : 'near-dram-base',
    legacy: false,
  };
}

/**
 * Where the image goes in RAM [ramBase, ramBase + ramSize): the lowest 2 MiB aligned base in RAM (what
 * 'near-dram-base' asks for, and fine for 'anywhere'), or `base` when the caller picks one (it must be
 * 2 MiB aligned). Refuses an image whose memorySize does not fit between there and the end of RAM.
 */
export function placeArm64Image(image: Arm64Image, name: string, ramBase: number, ramSize: number, base?: number): Arm64Placement {
  const ramEnd = ramBase + ramSize;
  const chosen = base ?? Math.ceil(ramBase / ARM64_IMAGE_BASE_ALIGN) * ARM64_IMAGE_BASE_ALIGN;
  if (chosen % ARM64_IMAGE_BASE_ALIGN !== 0) throw new ImageError(`${name}: base ${hex(chosen)} is not 2 MiB aligned (the arm64 boot protocol needs it)`);
  if (chosen < ramBase || chosen >= ramEnd) throw new ImageError(`${name}: base ${hex(chosen)} is outside RAM ${hex(ramBase)}..${hex(ramEnd)}`);
  const loadAddress = chosen + image.textOffset;
  const end = loadAddress + image.memorySize;
  if (end > ramEnd) {
    throw new ImageError(
      `${name}: the kernel needs ${hex(image.memorySize)} bytes (image_size, BSS included) at ${hex(loadAddress)}, ` +
        `past the end of RAM ${hex(ramBase)}..${hex(ramEnd)} (${hex(ramSize)} bytes)`,
    );
  }
  return { base: chosen, loadAddress, entry: loadAddress, end };
}
