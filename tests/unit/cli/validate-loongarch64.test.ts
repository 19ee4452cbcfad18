/**
 * `hvwb validate` over every zone config hvisor ships for its loongarch64 ls3a5000 board
 * (tests/fixtures/hvisor-arch-configs/loongarch64/ls3a5000, hvisor 6a3fb78): with the root program of
 * examples/loongarch64-zones as the root image, the only errors are the board's own files that are not on
 * this machine (hvisor-tool refuses a kernel, DTB or disk image it cannot open); with those files present
 * there are none. What hvisor's loongarch64 configs share on purpose (the same device pages, identical
 * firmware RAM ranges, DMW-style entry points) is a warning, and a real overlap is still an error.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hvwbWith } from '../../helpers/cli';

const hvwb = (...argv: string[]) => hvwbWith({}, ...argv);
const SHIPPED = path.resolve('tests/fixtures/hvisor-arch-configs/loongarch64/ls3a5000');
const ZONES = ['zone1-linux.json', 'zone2-linux.json', 'zone3-linux.json'];
type Json = Record<string, any>;

/** hvisor's ls3a5000 configs in a layout; `onBoard` puts files where their paths point (the board's /tool). */
function shipped(edit: (files: Record<string, Json>, dir: string) => void = () => {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-la64-validate-'));
  cpSync(SHIPPED, dir, { recursive: true });
  const files: Record<string, Json> = {};
  for (const name of [...ZONES, 'virtio.json']) files[name] = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
  files['layout.json'] = {
    name: 'hvisor-ls3a5000-configs',
    board: 'ls3a5000',
    root: { image: path.resolve('guest/loongarch64/bin/zones-root.elf'), mode: 'supervisor' },
    zones: ZONES.map((config) => ({ config, autostart: false })),
    virtio: 'virtio.json',
  };
  edit(files, dir);
  for (const [name, doc] of Object.entries(files)) writeFileSync(path.join(dir, name), JSON.stringify(doc, null, 2));
  return dir;
}

/** An empty but well-formed device tree blob (version 17: header, empty reservation map, a root node). */
function emptyDtb(): Uint8Array {
  const out = new Uint8Array(0x48);
  const v = new DataView(out.buffer);
  [0xd00dfeed, 0x48, 0x38, 0x48, 0x28, 17, 16, 0, 0, 0x10].forEach((word, i) => v.setUint32(4 * i, word));
  [1, 0, 2, 9].forEach((token, i) => v.setUint32(0x38 + 4 * i, token)); // BEGIN_NODE "", END_NODE, END
  return out;
}

/** The board's files as small local files at the same fields. */
function onBoard(files: Record<string, Json>, dir: string): void {
  const local = (name: string, bytes: Uint8Array = new Uint8Array(4096)): string => {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    return file;
  };
  for (const name of ZONES) {
    files[name]!.kernel_filepath = local(`${name}.kernel`);
    files[name]!.dtb_filepath = local(`${name}.dtb`, emptyDtb());
  }
  for (const zone of files['virtio.json']!.zones) for (const device of zone.devices) if (device.img) device.img = local(`disk-${zone.id}.img`);
}

const errors = (stdout: string): string[] => stdout.split('\n').filter((l) => l.startsWith('  error: '));

describe("hvwb validate: hvisor's loongarch64 ls3a5000 configs", () => {
  it("finds errors only in the board's files that are not here (hvisor-tool refuses those too)", async () => {
    const r = await hvwb('validate', shipped());
    expect(r.code).toBe(1);
    const found = errors(r.stdout);
    expect(found).toHaveLength(9);
    for (const line of found) expect(line).toMatch(/(file not found: \/tool\/|image "\/tool\/linux[123]-disk\.ext4" does not exist)/);
    // What hvisor's configs share on purpose is said, not refused.
    expect(r.stdout).toContain("hvisor's loongarch64 configs pass the same 3A5000/7A2000 device pages to every zone");
    expect(r.stdout).toContain("the same RAM range in both zones, as hvisor's loongarch64 configs share firmware pages");
    expect(r.stdout).not.toContain('entry_point');
  }, 120_000);

  it('with those files on the machine, every file validates (exit 0, no errors)', async () => {
    const r = await hvwb('validate', shipped(onBoard));
    expect(r.stdout).toMatch(/\n0 errors, \d+ warnings\n/);
    expect(r.code).toBe(0);
  }, 120_000);

  it('still refuses what no hvisor config does: RAM partly over another zone, an entry point outside the zone', async () => {
    const r = await hvwb('validate', shipped((files, dir) => {
      onBoard(files, dir);
      // zone2's first RAM region moved to overlap half of zone1's 0xc0000000+0x10000000.
      files['zone2-linux.json']!.memory_regions[0] = { type: 'ram', physical_start: '0xc8000000', virtual_start: '0xa0000000', size: '0x10000000' };
      files['zone3-linux.json']!.entry_point = '0x9000000080000000';
    }));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error: memory_regions\[0\]: ram region 0xc8000000\+0x10000000 overlaps ram region 0xc0000000\+0x10000000 of zone 1 "linux1".*both guests would write the same memory/);
    expect(r.stdout).toMatch(/error: entry_point: 0x9000000080000000 is not inside any ram region's guest-physical range/);
  }, 120_000);
});
