/**
 * What hvisor-tool does in zone0 for `hvisor zone start <config.json>`: read and check the zone JSON,
 * copy the kernel, the DTB and the modules into root-physical memory at their load addresses (in that
 * order, as tools/hvisor.c zone_start_from_json), and build the binary HvZoneConfig for the hypercall.
 * An ELF kernel is also accepted (hvisor-tool would copy the file as is): its segments land where the
 * zone's memory regions put their guest-physical addresses.
 *
 * Unlike hvisor-tool, which copies wherever the JSON says, nothing is written until every image is
 * known to fit in the zone's own RAM (checkImageFit): a zone's start never writes another zone's memory.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Board } from '../shared/model/board';
import type { ZoneConfig, ZoneFinding } from '../shared/model/zone-config';
import { layoutRootZone } from '../shared/model/layout-root-zone';
import { parseZoneConfig } from '../shared/validate/zone-config';
import { checkImageFit, checkZone, checkZones, formatZoneReport, type ImagePlacement, type ZoneCheckOptions } from '../shared/validate/zone-checks';
import { encodeZoneConfig } from '../core/hypervisor/zone-config-binary';
import { ImageError, isElf, loadRaw, parseElf, type ElfImage, type LoadTarget } from '../core/machine/elf';
import { HostFileError } from './layout-loader';
import { isElfFile, MAX_IMAGE_BYTES, readImageFile } from './image-file';
import { boardDtb } from '../core/fdt/board-dtb';
import { zoneTreeInput } from '../core/hypervisor/zone-dtb';
import { checkZoneDtb } from '../core/hypervisor/zone-dtb-check';
import { guestAddressOf } from '../core/hypervisor/hypervisor';
import { archOfLinuxImage } from '../core/cpu-models';
import { ARCH_CONFIG_VALIDATORS } from '../shared/validate/arch/registry';

export interface ZoneFile {
  readonly file: string;
  readonly config: ZoneConfig;
  readonly findings: readonly ZoneFinding[];
}

/** Reads and parses a zone JSON; a file that cannot be parsed is a HostFileError with every finding. */
export async function readZoneFile(file: string, board: Board, options: ZoneCheckOptions = {}): Promise<ZoneFile> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new HostFileError(`${file}: cannot read the zone config (${error.code ?? error.message})`);
  });
  const parsed = parseZoneConfig(text, file, board.arch);
  if (!parsed.config) throw new HostFileError(formatZoneReport(parsed.findings));
  const zone = { file, config: parsed.config };
  return { ...zone, findings: [...parsed.findings, ...checkZone(parsed.config, board, options), ...(await imageFitFindings(zone))] };
}

/** The root zone of a layout: board.rs constants with the layout's cpus, extra regions and IRQs. */
export const rootZoneForLayout = layoutRootZone;

/** Cross-zone findings for a set of zones (the root first); errors block a start. */
export function crossCheck(zones: readonly ZoneConfig[], board: Board, options: ZoneCheckOptions = {}): ZoneFinding[] {
  return checkZones(zones, board, options);
}

export function errorsOf(findings: readonly ZoneFinding[]): ZoneFinding[] {
  return findings.filter((f) => f.severity === 'error');
}

const PAGE = 0x1000;

/** A device tree the workbench generates for the zone instead of loading dtb_filepath. */
export interface GeneratedDtb {
  readonly board: Board;
  readonly others: readonly ZoneConfig[];
  readonly bootargs?: string;
  readonly virtio: readonly { readonly addr: number; readonly len: number; readonly irq: number }[];
  /** /chosen/rng-seed (root-dtb.ts rngSeed). */
  readonly rngSeed?: Uint8Array;
}

/** Module names whose blob is the initial ramdisk (hvisor-tool's `modules` carry no type). */
const INITRD_MODULES = ['initrd', 'initramfs', 'ramdisk'];

export function isInitrdModule(module: ZoneConfig['modules'][number]): boolean {
  return INITRD_MODULES.includes(module.name.toLowerCase());
}

/** The user's DTB of a zone checked against its config (and its virtio devices); nothing is loaded. */
export async function checkUserDtb(zone: ZoneFile, virtio: GeneratedDtb['virtio']): Promise<ZoneFinding[]> {
  if (!zone.config.dtbFilepath) return [];
  const dtbPath = path.resolve(path.dirname(zone.file), zone.config.dtbFilepath);
  const bytes = await readImage(dtbPath, `${zone.file}: dtb_filepath`, zone.config);
  return checkZoneDtb(bytes, dtbPath, zone.config, virtio);
}

/** One file hvisor-tool copies for the zone: its JSON field, resolved path and root-physical load address. */
interface ZoneImage {
  readonly path: string;
  readonly file: string;
  readonly address: number;
}

/** The zone's files in hvisor-tool's loading order: kernel, DTB, then modules. */
function zoneImages(zone: Pick<ZoneFile, 'file' | 'config'>): { kernel?: ZoneImage; dtb?: ZoneImage; modules: ZoneImage[] } {
  const { config } = zone;
  const resolve = (relative: string): string => path.resolve(path.dirname(zone.file), relative);
  return {
    ...(config.kernelFilepath ? { kernel: { path: 'kernel_filepath', file: resolve(config.kernelFilepath), address: config.kernelLoadPaddr } } : {}),
    ...(config.dtbFilepath ? { dtb: { path: 'dtb_filepath', file: resolve(config.dtbFilepath), address: config.dtbLoadPaddr } } : {}),
    modules: config.modules.map((m, i) => ({ path: `modules[${i}].filepath`, file: resolve(m.filepath), address: m.loadPaddr })),
  };
}

/** Where an ELF kernel's segments go (guest-physical, through the zone's RAM regions). */
function elfPlacements(elf: ElfImage, image: ZoneImage): ImagePlacement[] {
  return elf.segments.map((seg) => ({ path: image.path, file: image.file, space: 'guest-physical', start: seg.paddr, size: seg.memSize }));
}

const rawPlacement = (image: ZoneImage, size: number): ImagePlacement => ({ path: image.path, file: image.file, space: 'root-physical', start: image.address, size });

/**
 * For `hvwb validate` and before a start: whether the zone's image files fit in its RAM, from their
 * sizes on disk (an ELF kernel is read for its segments). A file that cannot be read is left to
 * whoever reads it (layout-loader's zoneImageFiles reports it); a generated DTB (`generatedDtb`) is
 * checked when it is generated.
 */
export async function imageFitFindings(zone: Pick<ZoneFile, 'file' | 'config'>, options: { readonly generatedDtb?: boolean } = {}): Promise<ZoneFinding[]> {
  const { kernel, modules } = zoneImages(zone);
  const dtb = options.generatedDtb ? undefined : zoneImages(zone).dtb;
  const placements: ImagePlacement[] = [];
  const findings: ZoneFinding[] = [];
  for (const image of [kernel, dtb, ...modules]) {
    if (!image) continue;
    const size = await stat(image.file).then((s) => (s.isFile() ? s.size : 0), () => 0);
    if (size === 0) continue;
    if (image === kernel && (await isElfFile(image.file))) {
      try {
        placements.push(...elfPlacements(parseElf(await readImage(image.file, `${zone.file}: ${image.path}`), image.file), image));
      } catch (error) {
        const reason = error instanceof ImageError ? error.message : `${image.file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
        findings.push({ severity: 'error', file: zone.file, path: image.path, message: reason });
      }
    } else {
      placements.push(rawPlacement(image, size));
    }
  }
  return [...findings, ...checkImageFit(zone.config, placements)];
}

/** Bytes to write at a placement, made only once every placement is accepted (an ELF segment's memsz is the file's word). */
interface PlannedWrite {
  readonly placement: ImagePlacement;
  readonly bytes: () => Uint8Array;
}

/**
 * Copies the zone's images into RAM and returns the config with the image sizes hvisor-tool records
 * (page-rounded, as load_buffer_to_memory returns them). Every image is read and placed first; if any
 * would land outside the zone's RAM, or on another image, an ImageError names the zone, the file and
 * the range, and not a byte is written.
 */
export async function loadZoneImages(zone: ZoneFile, ram: LoadTarget, generate?: GeneratedDtb): Promise<ZoneConfig> {
  const { config, file } = zone;
  const images = zoneImages(zone);
  const writes: PlannedWrite[] = [];
  let kernelSize = 0;
  let dtbSize = 0;
  if (images.kernel) {
    const image = images.kernel;
    const bytes = await readImage(image.file, `${file}: kernel_filepath`, (await isElfFile(image.file)) ? undefined : config);
    if (isElf(bytes)) {
      const elf = parseElf(bytes, image.file);
      elfPlacements(elf, image).forEach((placement, i) => {
        const seg = elf.segments[i]!;
        writes.push({ placement, bytes: () => {
          const data = new Uint8Array(seg.memSize);
          data.set(bytes.subarray(seg.fileOffset, seg.fileOffset + seg.fileSize));
          return data;
        } });
      });
    } else {
      writes.push({ placement: rawPlacement(image, bytes.length), bytes: () => bytes });
      kernelSize = bytes.length;
      const handoff = firmwareHandoff(zone, bytes, image.address);
      if (handoff) writes.push(handoff);
    }
  }
  const modules: PlannedWrite[] = [];
  let initrd: { start: number; end: number } | undefined;
  for (const [i, image] of images.modules.entries()) {
    const bytes = await readImage(image.file, `${file}: modules[${i}].filepath`, config);
    modules.push({ placement: rawPlacement(image, bytes.length), bytes: () => bytes });
    const start = guestAddressOf(config, image.address);
    if (isInitrdModule(config.modules[i]!) && start !== undefined) initrd = { start, end: start + bytes.length };
  }
  if (generate) {
    const tree = zoneTreeInput(generate.board, config, generate.others, {
      ...(generate.bootargs ? { bootargs: generate.bootargs } : {}),
      ...(initrd ? { initrd } : {}),
      virtio: generate.virtio,
      ...(generate.rngSeed ? { rngSeed: generate.rngSeed } : {}),
    });
    const bytes = boardDtb(tree);
    writes.push({ placement: { path: 'dtb_load_paddr', file: 'the generated device tree', space: 'root-physical', start: config.dtbLoadPaddr, size: bytes.length }, bytes: () => bytes });
    dtbSize = bytes.length;
  } else if (images.dtb) {
    const bytes = await readImage(images.dtb.file, `${file}: dtb_filepath`, config);
    writes.push({ placement: rawPlacement(images.dtb, bytes.length), bytes: () => bytes });
    dtbSize = bytes.length;
  }
  writes.push(...modules);
  const refused = checkImageFit(config, writes.map((w) => w.placement));
  if (refused.length > 0) throw new ImageError(`zone ${config.zoneId} was not started, nothing was loaded:\n${formatZoneReport(refused)}`);
  for (const { placement, bytes } of writes) {
    const host = placement.space === 'root-physical' ? placement.start : rootAddressOf(config, placement.start);
    loadRaw(bytes(), host, ram, placement.file);
    if (placement.space === 'guest-physical') kernelSize = Math.max(kernelSize, host + placement.size - config.kernelLoadPaddr);
  }
  return { ...config, kernelSize: roundPage(kernelSize), dtbSize: roundPage(dtbSize) };
}

/**
 * The firmware handoff of a raw Linux Image whose architecture does not enter it at its first byte
 * (loongarch64: kernel_entry wants an EFI system table in a2, cpu-models.ts linuxBoot), placed where
 * the CPU model puts it for the kernel's guest-physical address, as the host does for the root zone.
 * hvisor-tool copies the files and nothing else (its loongarch64 zones boot a vmlinux.bin with a
 * built-in device tree); the zone's entry_point must name the handoff, or the zone is not started.
 */
function firmwareHandoff(zone: Pick<ZoneFile, 'file' | 'config'>, kernel: Uint8Array, loadPaddr: number): PlannedWrite | undefined {
  const { config } = zone;
  const guest = guestAddressOf(config, loadPaddr);
  const boot = guest === undefined ? undefined : archOfLinuxImage(kernel)?.linuxBoot?.(kernel, guest);
  if (!boot) return undefined;
  const entry = ARCH_CONFIG_VALIDATORS[config.archConfig.arch].entryGuestPhysical?.(config.entryPoint) ?? config.entryPoint;
  if (entry !== boot.entry) {
    throw new ImageError(
      `${zone.file}: entry_point 0x${config.entryPoint.toString(16)}: the kernel is a Linux Image entered through the firmware handoff ` +
        `the workbench places at guest-physical 0x${boot.entry.toString(16)}; set entry_point to that address`,
    );
  }
  const { address, bytes } = boot.firmware;
  return { placement: { path: 'entry_point', file: `${zone.file}: firmware handoff`, space: 'guest-physical', start: address, size: bytes.length }, bytes: () => bytes };
}

/** Root-physical address of a guest-physical one in the zone's RAM (checkImageFit has placed it there). */
function rootAddressOf(config: ZoneConfig, guest: number): number {
  const region = config.memoryRegions.find((r) => r.type === 'ram' && guest >= r.virtualStart && guest < r.virtualStart + r.size)!;
  return guest - region.virtualStart + region.physicalStart;
}

export function zoneConfigBytes(config: ZoneConfig): Uint8Array {
  return encodeZoneConfig(config);
}

/**
 * An image file, refused before it is read when it could not fit: a raw image (DTB, module, binary
 * kernel) beyond the zone's RAM, an ELF beyond what Node reads in one piece (its symbols and debug
 * sections need not fit RAM; its segments are checked when placed).
 */
function readImage(file: string, what: string, config?: ZoneConfig): Promise<Uint8Array> {
  const ram = config ? config.memoryRegions.filter((r) => r.type === 'ram').reduce((sum, r) => sum + r.size, 0) : MAX_IMAGE_BYTES;
  return readImageFile(file, what, ram > 0 ? ram : MAX_IMAGE_BYTES);
}

function roundPage(size: number): number {
  return Math.ceil(size / PAGE) * PAGE;
}
