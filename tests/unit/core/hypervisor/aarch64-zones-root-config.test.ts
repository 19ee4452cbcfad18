/**
 * The aarch64 Zones demo's root program (guest/aarch64/zones/root/root.c) builds zoneU's HvZoneConfig
 * in C and hands it to hypercall 2. The bytes it carries must be the ones hvisor-tool would pass for
 * examples/aarch64-zones/zone-u.json (the workbench's encoder, itself checked against hvisor-tool's
 * header by zone-config-arch-binary.test.ts), with kernel_size 0 until the root has copied the image.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../../../src/core/machine/elf';
import { decodeZoneConfig, encodeZoneConfig, zoneConfigSize } from '../../../../src/core/hypervisor/zone-config-binary';
import { parseZoneConfig } from '../../../../src/shared/validate/zone-config';

const ELF = 'guest/aarch64/bin/zones-root.elf';
const ZONE_U = 'examples/aarch64-zones/zone-u.json';

/** The initial bytes of the object at `symbol` in the ELF's load segments. */
function objectBytes(file: string, symbol: string, size: number): Uint8Array {
  const bytes = new Uint8Array(readFileSync(file));
  const elf = parseElf(bytes, file);
  const address = elf.symbols.get(symbol);
  if (address === undefined) throw new Error(`${file} has no symbol ${symbol}`);
  const segment = elf.segments.find((s) => address >= s.vaddr && address + size <= s.vaddr + s.fileSize);
  if (!segment) throw new Error(`${symbol} at 0x${address.toString(16)} is not in a loaded segment of ${file}`);
  const at = segment.fileOffset + address - segment.vaddr;
  return bytes.subarray(at, at + size);
}

describe("the aarch64 Zones root's zoneU config", () => {
  it('is zone-u.json encoded as hvisor-tool does, 3136 bytes, with kernel_size left for run time', () => {
    const parsed = parseZoneConfig(readFileSync(ZONE_U, 'utf8'), ZONE_U, 'aarch64');
    expect(parsed.config, JSON.stringify(parsed.findings)).toBeDefined();
    const expected = encodeZoneConfig({ ...parsed.config!, kernelSize: 0, dtbSize: 0 });
    const size = zoneConfigSize('aarch64');
    expect(expected.length).toBe(size);
    const carried = objectBytes(ELF, 'zone_u_config', size);
    expect(Buffer.from(carried).equals(Buffer.from(expected))).toBe(true);
    // Read back as hvisor would: zone 1 on CPUs 1-2 with its RAM, its virtio window and SPI 76.
    const decoded = decodeZoneConfig(carried, ELF, 'aarch64');
    expect(decoded).toMatchObject({ zoneId: 1, name: 'zoneU', cpus: [1, 2], interrupts: [76], entryPoint: 0x7000_0000 });
    expect(decoded.memoryRegions.map((r) => [r.type, r.physicalStart, r.size])).toEqual([
      ['ram', 0x7000_0000, 0x100_0000],
      ['virtio', 0x0a00_3800, 0x200],
    ]);
  });
});
