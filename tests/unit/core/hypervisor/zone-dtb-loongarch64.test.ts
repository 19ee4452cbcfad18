/**
 * The device tree a loongarch64 zone is given for its virtio devices, as hvisor's
 * platform/loongarch64/ls3a5000/image/dts/zone1-linux.dts:73-92 writes it: each virtio-mmio node on the
 * CPU interrupt controller with one cell, the ESTAT.IS line hvisor's inject_irq raises (irq 4 = HWI2),
 * not on the LIOINTC or the EIOINTC, whose inputs the injection never reaches.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ls3a5000 } from '../../../../src/boards/loongarch64/ls3a5000';
import { boardDtb } from '../../../../src/core/fdt/board-dtb';
import { cells, readDtb, walk, type FdtReadNode } from '../../../../src/core/fdt/fdt-reader';
import { zoneTreeInput } from '../../../../src/core/hypervisor/zone-dtb';
import { checkZoneDtb } from '../../../../src/core/hypervisor/zone-dtb-check';
import { parseZoneConfig } from '../../../../src/shared/validate/zone-config';
import { rootZoneConfig } from '../../../../src/shared/model/zone-config';

const FILE = 'examples/loongarch64-virtio/zone-v.json';
const zone = parseZoneConfig(readFileSync(FILE, 'utf8'), FILE, 'loongarch64').config!;
const root = rootZoneConfig(ls3a5000);
// hvisor's configs/virtio.json for ls3a5000 (console irq 4, blk irq 5) and the example's net (irq 6).
const virtio = [
  { addr: 0x3000_1000, len: 0x200, irq: 4 },
  { addr: 0x3000_2000, len: 0x200, irq: 5 },
  { addr: 0x3000_3000, len: 0x200, irq: 6 },
];

function node(tree: FdtReadNode, path: string): FdtReadNode {
  let found: FdtReadNode | undefined;
  walk(tree, (n) => {
    if (n.path === path) found = n;
  });
  if (!found) throw new Error(`no node ${path}`);
  return found;
}

describe('a loongarch64 zone tree with virtio devices', () => {
  const blob = boardDtb(zoneTreeInput(ls3a5000, zone, [root, zone], { virtio }));
  const tree = readDtb(blob, 'zoneV');

  it("puts each virtio device's IRQ on the CPU interrupt controller, one cell, as hvisor's zone1-linux.dts", () => {
    const cpuintc = node(tree, '/interrupt-controller');
    expect(cells(cpuintc.properties.get('#interrupt-cells'))).toEqual([1]);
    const phandle = cells(cpuintc.properties.get('phandle'))[0];
    for (const { addr, irq } of virtio) {
      const device = node(tree, `/platform/virtio_mmio@${addr.toString(16)}`);
      expect(cells(device.properties.get('interrupts'))).toEqual([irq]);
      expect(cells(device.properties.get('interrupt-parent'))).toEqual([phandle]);
    }
    // UART0, passed through, stays on the LIOINTC (two cells: line and trigger).
    const uart = node(tree, '/platform/serial@1fe001e0');
    expect(cells(uart.properties.get('interrupt-parent'))).not.toEqual([phandle]);
  });

  it("numbers zone 1's CPU (physical CPU 1) as cpu@0, reg 0: the CPUID it reads under hvisor (cpu.rs:76-78)", () => {
    expect(zone.cpus).toEqual([1]);
    const cpus: FdtReadNode[] = [];
    walk(tree, (n) => {
      if (n.path.startsWith('/cpus/cpu@')) cpus.push(n);
    });
    expect(cpus.map((c) => c.path)).toEqual(['/cpus/cpu@0']);
    expect(cells(cpus[0]!.properties.get('reg'))).toEqual([0]);
    // The header's boot_cpuid_phys (offset 28) names the same CPU.
    expect(new DataView(blob.buffer, blob.byteOffset).getUint32(28)).toBe(0);
  });

  it("keeps the LIOINTC only where the zone passes a device wired to it through; hvisor's zone trees have none", () => {
    // zoneV passes UART0 through (its io region 0x1fe0_0000): UART0's controller is in its tree.
    expect(() => node(tree, '/platform/interrupt-controller@1fe01400')).not.toThrow();
    // examples/loongarch64-linux's zone 1 has only RAM and virtio: no LIOINTC for its Linux to probe,
    // which would disable every input, the root's UART0 included.
    const linuxFile = 'examples/loongarch64-linux/zone1.json';
    const linux1 = parseZoneConfig(readFileSync(linuxFile, 'utf8'), linuxFile, 'loongarch64').config!;
    const linuxTree = readDtb(boardDtb(zoneTreeInput(ls3a5000, linux1, [root, linux1], { virtio })), 'linux1');
    expect(() => node(linuxTree, '/platform/interrupt-controller@1fe01400')).toThrow(/no node/);
    expect(() => node(linuxTree, '/platform/interrupt-controller@1fe01600')).not.toThrow();
    // The root's tree keeps it (UART0, its console, is wired there).
    const rootTree = readDtb(boardDtb(zoneTreeInput(ls3a5000, root, [root, linux1])), 'root');
    expect(() => node(rootTree, '/platform/interrupt-controller@1fe01400')).not.toThrow();
  });

  it("leaves the LPC port window's isa node out of zone trees: hvisor's root zone regions do not reach 0x1800_0000", () => {
    const rootTree = readDtb(boardDtb(zoneTreeInput(ls3a5000, root, [root, zone])), 'root');
    expect(() => node(rootTree, '/platform/isa@18000000')).toThrow(/no node/);
    expect(() => node(tree, '/platform/isa@18000000')).toThrow(/no node/);
  });

  it("passes the zone DTB check, which reads the CPU controller's cell as the line and names a disagreeing one", () => {
    expect(checkZoneDtb(blob, 'zoneV.dtb', zone, virtio)).toEqual([]);
    // Every HWI reaches the zone on hvisor (GINTC.HWIP = 0xff): a zone without interrupts [4, 5, 6] passes too.
    expect(checkZoneDtb(blob, 'zoneV.dtb', { ...zone, interrupts: [] }, virtio)).toEqual([]);
    expect(checkZoneDtb(blob, 'zoneV.dtb', zone, [virtio[0]!, { ...virtio[1]!, irq: 7 }, virtio[2]!]).map((f) => `${f.path}: ${f.message}`)).toEqual([
      '/platform/virtio_mmio@30002000: interrupts = <5> (ESTAT.IS line) but virtio_cfg.json gives this device irq 7',
    ]);
  });
});
