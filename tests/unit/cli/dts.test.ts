/**
 * `hvwb dts` prints the tree a zone gets, and dtc agrees: the blob the root guest finds in memory
 * decompiles to the same source as the printed text compiled by dtc. A user's DTB that disagrees
 * with its zone is reported node by node.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/index';
import { loadLayout } from '../../../src/host/layout-loader';
import { MachineHost } from '../../../src/host/machine-host';
import { checkZoneDtb } from '../../../src/core/hypervisor/zone-dtb-check';
import { parseZoneConfig } from '../../../src/shared/validate/zone-config';

const DTC = '/usr/bin/dtc';
const hasDtc = existsSync(DTC);

async function dts(...argv: string[]): Promise<string> {
  let stdout = '';
  const code = await main(['dts', ...argv], { stdout: (t) => void (stdout += t), stderr: () => {} });
  expect(code).toBe(0);
  return stdout;
}

function dtc(input: Buffer | string, from: 'dts' | 'dtb', to: 'dts' | 'dtb'): Buffer {
  return execFileSync(DTC, ['-q', '-I', from, '-O', to, '-'], { input });
}

describe.skipIf(!hasDtc)('hvwb dts', () => {
  it("prints the root zone's tree exactly as the guest receives it", async () => {
    const text = await dts('examples/riscv64-zones', 'root');
    const host = await MachineHost.create(await loadLayout('examples/riscv64-zones'));
    const ram = host.view.bus.ram;
    const address = 0x8f00_0000 - ram.base;
    const size = new DataView(ram.u8.buffer, ram.u8.byteOffset + address, 8).getUint32(4);
    const blob = Buffer.from(ram.u8.subarray(address, address + size));
    // Byte for byte but the rng-seed, fresh random bytes in each boot (32 of them in both).
    const seedless = (dts: string): string =>
      dts.replace(/rng-seed = (<[^>]*>|\[[^\]]*\]);/, (_, v: string) => `rng-seed = ${v.startsWith('<') ? 4 * v.slice(1, -1).trim().split(/\s+/).length : v.slice(1, -1).trim().split(/\s+/).length} bytes;`);
    const guest = seedless(dtc(blob, 'dtb', 'dts').toString());
    expect(guest).toContain('rng-seed = 32 bytes;');
    expect(guest).toBe(seedless(dtc(dtc(text, 'dts', 'dtb'), 'dtb', 'dts').toString()));
    expect(text).toContain('cpu@0');
    expect(text).not.toContain('cpu@1 ');
    expect(text).toContain('serial@10000000');
  });

  it('names the zone it describes and only its harts, RAM and virtio devices', async () => {
    const text = await dts('examples/riscv64-linux', 'linux1');
    expect(text).toContain('bootargs = "console=hvc0 earlycon=sbi hvwb.ip=10.0.0.2/24"');
    expect(text).toMatch(/cpu@2[\s\S]*cpu@3/);
    expect(text).not.toContain('cpu@0');
    expect(text).toContain('memory@c0000000');
    expect(text).toContain('virtio_mmio@10001000');
    expect(text).not.toContain('serial@10000000');
  });
});

describe.skipIf(!hasDtc)("checking a user's DTB against its zone", () => {
  it('reports memory outside the zone, harts of other zones, foreign IRQs and unknown virtio windows', () => {
    const zone = parseZoneConfig(
      JSON.stringify({
        zone_id: 1, name: 'z', cpus: [2], interrupts: [5], ivc_configs: [], pci_config: [],
        memory_regions: [{ type: 'ram', physical_start: '0x88000000', virtual_start: '0x88000000', size: '0x1000000' }],
        kernel_filepath: 'null', dtb_filepath: 'z.dtb', kernel_load_paddr: '0x88000000', dtb_load_paddr: '0x88f00000', entry_point: '0x88000000',
        arch_config: { plic_base: '0xc000000', plic_size: '0x4000000', aplic_base: '0xd000000', aplic_size: '0x8000' },
      }),
      'z.json',
    ).config!;
    const source = `/dts-v1/;
/ { #address-cells = <2>; #size-cells = <2>; interrupt-parent = <&plic>;
  cpus { #address-cells = <1>; #size-cells = <0>; cpu@3 { device_type = "cpu"; reg = <3>; }; };
  memory@80000000 { device_type = "memory"; reg = <0x0 0x80000000 0x0 0x10000000>; };
  soc { #address-cells = <2>; #size-cells = <2>;
    plic: interrupt-controller@c000000 { compatible = "riscv,plic0"; interrupt-controller; #interrupt-cells = <1>; reg = <0x0 0xc000000 0x0 0x4000000>; };
    uart@10000000 { compatible = "ns16550a"; reg = <0x0 0x10000000 0x0 0x100>; interrupts = <10>; };
    virtio_mmio@10001000 { compatible = "virtio,mmio"; reg = <0x0 0x10001000 0x0 0x200>; interrupts = <5>; };
  };
};`;
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-dtb-'));
    writeFileSync(path.join(dir, 'z.dts'), source);
    const blob = new Uint8Array(dtc(source, 'dts', 'dtb'));
    const findings = checkZoneDtb(blob, 'z.dtb', zone, []).map((f) => `${f.path}: ${f.message}`);
    expect(findings).toEqual([
      '/memory@80000000: memory 0x80000000+0x10000000 is not inside the zone\'s RAM regions (0x88000000+0x1000000)',
      '/cpus/cpu@3: hart 3 is not one of the zone\'s cpus (2)',
      '/cpus: the zone\'s cpu 2 is missing from /cpus',
      '/soc/uart@10000000: interrupts = <10>: IRQ 10 is not in the zone\'s interrupts, so the vPLIC never delivers it',
      '/soc/virtio_mmio@10001000: virtio-mmio window 0x10001000 has no device in virtio_cfg.json for zone 1 and no io region of the zone passes a device through there',
    ]);
    expect(checkZoneDtb(new Uint8Array(16), 'bad.dtb', zone, [])[0]!.message).toMatch(/bad\.dtb: too short/);
  });
});
