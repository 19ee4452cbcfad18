/**
 * A zone's start never writes another zone's memory (issue 8 item 8): hvisor-tool copies images
 * wherever the JSON says, so an image larger than the zone's RAM lands in the next zone. The workbench
 * refuses such a zone in `hvwb validate` and at start, before writing a single byte.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageError } from '../../../src/core/machine/elf';
import { loadLayout } from '../../../src/host/layout-loader';
import { MachineHost } from '../../../src/host/machine-host';
import { loadZoneImages, readZoneFile } from '../../../src/host/zone-loader';
import { qemuPlic } from '../../../src/boards/riscv64/qemu-plic';
import { ls3a5000 } from '../../../src/boards/loongarch64/ls3a5000';
import { LA_LINUX_PE_MAGIC, laLinuxHandoff } from '../../../src/core/isa/loongarch64/linux-image';
import { hvwbWith as hvwb } from '../../helpers/cli';

const hex = (n: number): string => `0x${n.toString(16)}`;
const ARCH = { plic_base: '0xc000000', plic_size: '0x4000000', aplic_base: '0xd000000', aplic_size: '0x8000' };

/** A zone JSON on hart `cpu` with one ram region, a kernel and optional modules, written to `dir`. */
function writeZone(dir: string, name: string, spec: { id: number; cpu: number; ram: number; ramSize: number; kernel: { file: string; bytes: number; at: number }; modules?: { file: string; bytes: number; at: number }[] }): string {
  const fill = (file: string, bytes: number, value: number): void => writeFileSync(path.join(dir, file), new Uint8Array(bytes).fill(value));
  fill(spec.kernel.file, spec.kernel.bytes, 0x11);
  for (const m of spec.modules ?? []) fill(m.file, m.bytes, 0x22);
  const json = {
    zone_id: spec.id, name, cpus: [spec.cpu], interrupts: [], ivc_configs: [], pci_config: [],
    memory_regions: [{ type: 'ram', physical_start: hex(spec.ram), virtual_start: hex(spec.ram), size: hex(spec.ramSize) }],
    kernel_filepath: `./${spec.kernel.file}`, dtb_filepath: 'null',
    kernel_load_paddr: hex(spec.kernel.at), dtb_load_paddr: hex(spec.ram + spec.ramSize - 0x1000), entry_point: hex(spec.kernel.at),
    modules: (spec.modules ?? []).map((m) => ({ name: 'initrd', filepath: `./${m.file}`, load_paddr: hex(m.at) })),
    arch_config: ARCH,
  };
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(json, null, 2));
  return file;
}

describe('loading a zone that does not fit its RAM', () => {
  it("refuses before writing a byte, naming the zone, the image and the range, and leaves the next zone's RAM alone", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-fit-'));
    // Zone 1 owns 0x88000000+0x100000; zone 2's RAM starts right after. The initrd runs 512 KiB into it.
    const file = writeZone(dir, 'za', {
      id: 1, cpu: 2, ram: 0x8800_0000, ramSize: 0x10_0000,
      kernel: { file: 'Image', bytes: 0x8000, at: 0x8800_0000 },
      modules: [{ file: 'initrd.img', bytes: 0x10_0000, at: 0x8808_0000 }],
    });
    const ram = { base: 0x8800_0000, size: 0x40_0000, u8: new Uint8Array(0x40_0000).fill(0xaa) };
    const zone = { file, config: (await readZoneFile(file, qemuPlic)).config, findings: [] };
    const refused = loadZoneImages(zone, ram);
    await expect(refused).rejects.toBeInstanceOf(ImageError);
    await expect(loadZoneImages(zone, ram)).rejects.toThrow(
      `zone 1 "za": ${path.join(dir, 'initrd.img')} (1048576 bytes) would be written at root-physical 0x88080000..0x88180000, which is not inside the zone's ram regions (root-physical 0x88000000+0x100000)`,
    );
    // Not the kernel (loaded first by hvisor-tool), not the initrd's first half, not zone 2's RAM.
    expect(ram.u8.every((b) => b === 0xaa)).toBe(true);
  });

  it('loads images that fit in hvisor-tool order and records page-rounded sizes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-fit-'));
    const file = writeZone(dir, 'zb', {
      id: 1, cpu: 2, ram: 0x8800_0000, ramSize: 0x10_0000,
      kernel: { file: 'Image', bytes: 0x1800, at: 0x8800_0000 },
      modules: [{ file: 'initrd.img', bytes: 0x800, at: 0x8808_0000 }],
    });
    const ram = { base: 0x8800_0000, size: 0x40_0000, u8: new Uint8Array(0x40_0000) };
    const loaded = await loadZoneImages({ file, config: (await readZoneFile(file, qemuPlic)).config, findings: [] }, ram);
    expect(loaded.kernelSize).toBe(0x2000);
    expect([ram.u8[0x17ff], ram.u8[0x1800], ram.u8[0x8_0000], ram.u8[0x8_07ff], ram.u8[0x8_0800]]).toEqual([0x11, 0, 0x22, 0x22, 0]);
  });

  it('is an error finding of the zone file, so `hvwb validate` and a layout start refuse it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-fit-'));
    const file = writeZone(dir, 'zc', { id: 1, cpu: 2, ram: 0x8800_0000, ramSize: 0x10_0000, kernel: { file: 'Image', bytes: 0x10_1000, at: 0x8800_0000 } });
    const findings = (await readZoneFile(file, qemuPlic)).findings.filter((f) => f.severity === 'error');
    expect(findings).toEqual([
      expect.objectContaining({ file, path: 'kernel_filepath', message: expect.stringMatching(/^zone 1 "zc": .*Image \(1052672 bytes\) would be written at root-physical 0x88000000\.\.0x88101000/) }),
    ]);
    writeFileSync(path.join(dir, 'layout.json'), JSON.stringify({
      name: 'fit', board: 'qemu-plic',
      root: { image: path.resolve('guest/riscv64/bin/zones-root.elf'), mode: 'supervisor', cpus: [0] },
      zones: [{ config: 'zc.json', autostart: false }],
    }));
    const r = await hvwb({}, 'validate', dir);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stdout).toContain(file);
    expect(r.stdout).toMatch(/error: kernel_filepath: zone 1 "zc": .*Image \(1052672 bytes\) would be written at root-physical 0x88000000\.\.0x88101000/);
  });
});

describe("a zone start next to a running zone's memory", () => {
  it("refuses the zone whose kernel would spill into the next zone's RAM, which keeps its bytes", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-fit-'));
    // zoneV's RAM is 0x87000000+0x1000000: its 16 MiB + 4 KiB kernel ends 4 KiB into 0x88000000, where the other zone lives.
    const other = writeZone(dir, 'zoneU', { id: 1, cpu: 1, ram: 0x8800_0000, ramSize: 0x100_0000, kernel: { file: 'u.bin', bytes: 0x1000, at: 0x8800_0000 } });
    writeFileSync(path.join(dir, 'layout.json'), JSON.stringify({
      name: 'spill', board: 'qemu-plic',
      root: { image: path.resolve('guest/riscv64/bin/zones-root.elf'), mode: 'supervisor', cpus: [0] },
      zones: [{ config: path.basename(other), autostart: false }],
    }));
    const host = await MachineHost.create(await loadLayout(dir));
    const ram = host.view.bus.ram;
    const otherRam = ram.u8.subarray(0x8800_0000 - ram.base, 0x8800_0000 - ram.base + 0x2000);
    otherRam.fill(0x5a);
    const big = writeZone(dir, 'zoneV', { id: 3, cpu: 3, ram: 0x8700_0000, ramSize: 0x100_0000, kernel: { file: 'v.bin', bytes: 0x100_1000, at: 0x8700_0000 } });
    const result = await host.startZone(big);
    expect(otherRam.every((b) => b === 0x5a), "zoneU's RAM was overwritten by zoneV's start").toBe(true);
    expect(result.code).toBe(-22);
    expect(result.message).toMatch(/kernel_filepath: zone 3 "zoneV": .*v\.bin \(16781312 bytes\) would be written at root-physical 0x87000000\.\.0x88001000/);
    expect(ram.u8[0x8700_0000 - ram.base]).toBe(0);
  });
});

describe('a loongarch64 zone whose kernel is a Linux Image', () => {
  /** A LoongArch EFI-stub Image header (arch/loongarch/kernel/head.S): MZ, kernel_entry, size, load offset, LINUX_PE_MAGIC. */
  function laImage(): Uint8Array {
    const bytes = new Uint8Array(0x2000);
    const view = new DataView(bytes.buffer);
    view.setUint16(0, 0x5a4d, true);
    view.setBigUint64(0x8, 0x1000n + 0x20_0000n, true);
    view.setBigUint64(0x10, 0x2000n, true);
    view.setBigUint64(0x18, 0x20_0000n, true);
    view.setUint32(0x38, LA_LINUX_PE_MAGIC, true);
    return bytes;
  }

  function writeLaZone(dir: string, entry: string): string {
    writeFileSync(path.join(dir, 'Image'), laImage());
    const json = {
      arch: 'loongarch64', zone_id: 1, name: 'linux1', cpus: [1], interrupts: [], ivc_configs: [], pci_config: [],
      memory_regions: [{ type: 'ram', physical_start: '0xc0000000', virtual_start: '0xc0000000', size: '0x1000000' }],
      kernel_filepath: './Image', dtb_filepath: 'null', kernel_load_paddr: '0xc0200000', dtb_load_paddr: '0xc0000000', entry_point: entry,
      arch_config: {},
    };
    const file = path.join(dir, 'zone1.json');
    writeFileSync(file, JSON.stringify(json));
    return file;
  }

  it('places the firmware handoff one page below the kernel and enters the kernel from it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-la-'));
    const file = writeLaZone(dir, '0x90000000c01ff000');
    const ram = { base: 0xc000_0000, size: 0x100_0000, u8: new Uint8Array(0x100_0000) };
    await loadZoneImages({ file, config: (await readZoneFile(file, ls3a5000)).config, findings: [] }, ram);
    const handoff = laLinuxHandoff(0xc01f_f000, 0xc020_1000);
    expect([...ram.u8.subarray(0x1f_f000, 0x1f_f000 + handoff.bytes.length)]).toEqual([...handoff.bytes]);
    expect(ram.u8[0x20_0000]).toBe(0x4d);
  });

  it('refuses a zone whose entry_point is not the handoff, naming the address, before writing a byte', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-la-'));
    const file = writeLaZone(dir, '0xc0200000');
    const ram = { base: 0xc000_0000, size: 0x100_0000, u8: new Uint8Array(0x100_0000).fill(0xaa) };
    await expect(loadZoneImages({ file, config: (await readZoneFile(file, ls3a5000)).config, findings: [] }, ram)).rejects.toThrow(
      /entry_point 0xc0200000: the kernel is a Linux Image entered through the firmware handoff the workbench places at guest-physical 0xc01ff000/,
    );
    expect(ram.u8.every((b) => b === 0xaa)).toBe(true);
  });
});
