/**
 * What hvisor-tool does in zone0 for `hvisor zone start <config.json>`: read and check the zone JSON,
 * copy the kernel and DTB into root-physical memory at their load addresses, and build the binary
 * HvZoneConfig for the hypercall. An ELF kernel is also accepted (hvisor-tool would copy the file as
 * is): its segments land where the zone's memory regions put their guest-physical addresses.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Board } from '../shared/model/board';
import type { ZoneConfig, ZoneFinding } from '../shared/model/zone-config';
import { layoutRootZone } from '../shared/model/layout-root-zone';
import { parseZoneConfig } from '../shared/validate/zone-config';
import { checkZone, checkZones, formatZoneReport } from '../shared/validate/zone-checks';
import { encodeZoneConfig } from '../core/hypervisor/zone-config-binary';
import { ImageError, isElf, loadRaw, parseElf, type LoadTarget } from '../core/machine/elf';
import { HostFileError } from './layout-loader';
import { boardDtb } from '../core/fdt/board-dtb';
import { zoneTreeInput } from '../core/hypervisor/zone-dtb';
import { checkZoneDtb } from '../core/hypervisor/zone-dtb-check';
import { guestAddressOf } from '../core/hypervisor/hypervisor';

export interface ZoneFile {
  readonly file: string;
  readonly config: ZoneConfig;
  readonly findings: readonly ZoneFinding[];
}

/** Reads and parses a zone JSON; a file that cannot be parsed is a HostFileError with every finding. */
export async function readZoneFile(file: string, board: Board): Promise<ZoneFile> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new HostFileError(`${file}: cannot read the zone config (${error.code ?? error.message})`);
  });
  const parsed = parseZoneConfig(text, file);
  if (!parsed.config) throw new HostFileError(formatZoneReport(parsed.findings));
  return { file, config: parsed.config, findings: [...parsed.findings, ...checkZone(parsed.config, board)] };
}

/** The root zone of a layout: board.rs constants with the layout's cpus, extra regions and IRQs. */
export const rootZoneForLayout = layoutRootZone;

/** Cross-zone findings for a set of zones (the root first); errors block a start. */
export function crossCheck(zones: readonly ZoneConfig[], board: Board): ZoneFinding[] {
  return checkZones(zones, board);
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
  const bytes = await readImage(dtbPath, `${zone.file}: dtb_filepath`);
  return checkZoneDtb(bytes, dtbPath, zone.config, virtio);
}

/** Copies the zone's images into RAM and returns the config with the image sizes hvisor-tool records. */
export async function loadZoneImages(zone: ZoneFile, ram: LoadTarget, generate?: GeneratedDtb): Promise<ZoneConfig> {
  const { config, file } = zone;
  const folder = path.dirname(file);
  let kernelSize = 0;
  let dtbSize = 0;
  let initrd: { start: number; end: number } | undefined;
  for (const [i, module] of config.modules.entries()) {
    const modulePath = path.resolve(folder, module.filepath);
    const bytes = await readImage(modulePath, `${file}: modules[${i}].filepath`);
    loadRaw(bytes, module.loadPaddr, ram, modulePath);
    if (isInitrdModule(module)) {
      const start = guestAddressOf(config, module.loadPaddr);
      if (start === undefined) throw new ImageError(`${file}: modules[${i}]: load_paddr 0x${module.loadPaddr.toString(16)} is not in the zone's RAM`);
      initrd = { start, end: start + bytes.length };
    }
  }
  if (config.kernelFilepath) {
    const kernelPath = path.resolve(folder, config.kernelFilepath);
    const bytes = await readImage(kernelPath, `${file}: kernel_filepath`);
    if (isElf(bytes)) kernelSize = loadZoneElf(bytes, kernelPath, config, ram);
    else {
      loadRaw(bytes, config.kernelLoadPaddr, ram, kernelPath);
      kernelSize = bytes.length;
    }
  }
  if (generate) {
    const tree = zoneTreeInput(generate.board, config, generate.others, {
      ...(generate.bootargs ? { bootargs: generate.bootargs } : {}),
      ...(initrd ? { initrd } : {}),
      virtio: generate.virtio,
    });
    const bytes = boardDtb(tree);
    loadRaw(bytes, config.dtbLoadPaddr, ram, `${file}: generated device tree at dtb_load_paddr`);
    dtbSize = bytes.length;
  } else if (config.dtbFilepath) {
    const dtbPath = path.resolve(folder, config.dtbFilepath);
    const bytes = await readImage(dtbPath, `${file}: dtb_filepath`);
    loadRaw(bytes, config.dtbLoadPaddr, ram, dtbPath);
    dtbSize = bytes.length;
  }
  return { ...config, kernelSize: roundPage(kernelSize), dtbSize: roundPage(dtbSize) };
}

export function zoneConfigBytes(config: ZoneConfig): Uint8Array {
  return encodeZoneConfig(config);
}

async function readImage(file: string, what: string): Promise<Uint8Array> {
  try {
    const bytes = new Uint8Array(await readFile(file));
    if (bytes.length === 0) throw new ImageError(`${file}: the image is empty`);
    return bytes;
  } catch (error) {
    if (error instanceof ImageError) throw error;
    throw new HostFileError(`${what}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** Places ELF segments through the zone's RAM regions (guest-physical to root-physical). */
function loadZoneElf(bytes: Uint8Array, name: string, config: ZoneConfig, ram: LoadTarget): number {
  const elf = parseElf(bytes, name);
  let end = 0;
  for (const seg of elf.segments) {
    const region = config.memoryRegions.find(
      (r) => r.type === 'ram' && seg.paddr >= r.virtualStart && seg.paddr + seg.memSize <= r.virtualStart + r.size,
    );
    if (!region) {
      throw new ImageError(`${name}: segment at guest address 0x${seg.paddr.toString(16)} is outside the zone's RAM regions`);
    }
    const hostAddress = seg.paddr - region.virtualStart + region.physicalStart;
    const data = new Uint8Array(seg.memSize);
    data.set(bytes.subarray(seg.fileOffset, seg.fileOffset + seg.fileSize));
    loadRaw(data, hostAddress, ram, name);
    end = Math.max(end, hostAddress + seg.memSize - config.kernelLoadPaddr);
  }
  return end;
}

function roundPage(size: number): number {
  return Math.ceil(size / PAGE) * PAGE;
}
