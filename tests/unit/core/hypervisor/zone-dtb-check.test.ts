/**
 * A user's device tree checked against its zone (issue 8 item 3): a `virtio,mmio` node that an `io`
 * region passes through is a real device, not a missing virtio_cfg.json entry, and interrupt
 * specifiers are split with the interrupt parent's #interrupt-cells (as Linux's of_irq_parse_one
 * does), so a flags cell is never mistaken for an IRQ.
 */
import { describe, expect, it } from 'vitest';
import { FdtTree, u64Cells, writeDtb, type FdtNode } from '../../../../src/core/fdt/fdt-writer';
import { checkZoneDtb } from '../../../../src/core/hypervisor/zone-dtb-check';
import { parseZoneConfig } from '../../../../src/shared/validate/zone-config';

/** A zone on hart 2 with RAM, a virtio region at slot 6 and the virtio slot 7 passed through (IRQ 8). */
function zone(interrupts: number[]) {
  const parsed = parseZoneConfig(
    JSON.stringify({
      zone_id: 1, name: 'z', cpus: [2], interrupts, ivc_configs: [], pci_config: [],
      memory_regions: [
        { type: 'ram', physical_start: '0x88000000', virtual_start: '0x88000000', size: '0x1000000' },
        { type: 'virtio', physical_start: '0x10007000', virtual_start: '0x10007000', size: '0x1000' },
        { type: 'io', physical_start: '0x10008000', virtual_start: '0x10008000', size: '0x1000' },
      ],
      kernel_filepath: 'null', dtb_filepath: 'z.dtb', kernel_load_paddr: '0x88000000', dtb_load_paddr: '0x88f00000', entry_point: '0x88000000',
      arch_config: { plic_base: '0xc000000', plic_size: '0x4000000', aplic_base: '0xd000000', aplic_size: '0x8000' },
    }),
    'z.json',
  );
  if (!parsed.config) throw new Error(JSON.stringify(parsed.findings));
  return parsed.config;
}

/** The zone's tree: hart 2, its RAM, and a PLIC whose compatible and #interrupt-cells the test picks. */
function tree(plic: { compatible: string; cells: number }): { tree: FdtTree; soc: FdtNode } {
  const t = new FdtTree();
  t.root.u32('#address-cells', 2).u32('#size-cells', 2).reference('interrupt-parent', 'plic');
  const cpus = t.root.addChild('cpus').u32('#address-cells', 1).u32('#size-cells', 0);
  const cpu = cpus.addChild('cpu@2').string('device_type', 'cpu').u32('reg', 2);
  cpu.addChild('interrupt-controller', 'intc2').empty('interrupt-controller').u32('#interrupt-cells', 1).string('compatible', 'riscv,cpu-intc');
  t.root.addChild('memory@88000000').string('device_type', 'memory').cells('reg', [...u64Cells(0x8800_0000), ...u64Cells(0x100_0000)]);
  const soc = t.root.addChild('soc').u32('#address-cells', 2).u32('#size-cells', 2);
  soc.addChild('interrupt-controller@c000000', 'plic')
    .string('compatible', plic.compatible)
    .empty('interrupt-controller')
    .u32('#interrupt-cells', plic.cells)
    .cells('interrupts-extended', [{ ref: 'intc2' }, 9])
    .cells('reg', [...u64Cells(0xc00_0000), ...u64Cells(0x400_0000)]);
  return { tree: t, soc };
}

const device = (soc: FdtNode, name: string, compatible: string, base: number): FdtNode =>
  soc.addChild(`${name}@${base.toString(16)}`).string('compatible', compatible).cells('reg', [...u64Cells(base), ...u64Cells(0x1000)]);

const findings = (t: FdtTree, interrupts: number[], virtio: { addr: number; len: number; irq: number }[] = []): string[] =>
  checkZoneDtb(writeDtb(t), 'z.dtb', zone(interrupts), virtio).map((f) => `${f.path}: ${f.message}`);

describe("a user's DTB against its zone", () => {
  it('accepts a virtio,mmio node an io region passes through, with its hardware IRQ', () => {
    const { tree: t, soc } = tree({ compatible: 'riscv,plic0', cells: 1 });
    device(soc, 'virtio_mmio', 'virtio,mmio', 0x1000_8000).u32('interrupts', 8);
    expect(findings(t, [8])).toEqual([]);
    // Passed through, its IRQ is a physical one: the zone must own it.
    expect(findings(t, [])).toEqual(['/soc/virtio_mmio@10008000: interrupts = <8>: IRQ 8 is not in the zone\'s interrupts, so the vPLIC never delivers it']);
  });

  it('still refuses a virtio,mmio node that neither virtio_cfg.json nor an io region backs', () => {
    const { tree: t, soc } = tree({ compatible: 'riscv,plic0', cells: 1 });
    device(soc, 'virtio_mmio', 'virtio,mmio', 0x1000_7000).u32('interrupts', 7);
    expect(findings(t, [])).toEqual([
      '/soc/virtio_mmio@10007000: virtio-mmio window 0x10007000 has no device in virtio_cfg.json for zone 1 and no io region of the zone passes a device through there',
    ]);
    // Served by the daemon, its IRQ is injected virtually: hvisor delivers it even when `interrupts` does not list it.
    expect(findings(t, [], [{ addr: 0x1000_7000, len: 0x200, irq: 7 }])).toEqual([]);
    expect(findings(t, [], [{ addr: 0x1000_7000, len: 0x200, irq: 6 }])).toEqual([
      '/soc/virtio_mmio@10007000: interrupts = <7> but virtio_cfg.json gives this device irq 6',
    ]);
  });

  it("splits interrupts with the parent's #interrupt-cells: the flags cell of a two-cell PLIC is not an IRQ", () => {
    const { tree: t, soc } = tree({ compatible: 'thead,c900-plic', cells: 2 });
    // Level-high flags (4) after each source: with one cell per specifier, 4 would read as IRQ 4.
    device(soc, 'serial', 'ns16550a', 0x1000_0000).cells('interrupts', [10, 4]);
    device(soc, 'rtc', 'google,goldfish-rtc', 0x10_1000).cells('interrupts', [11, 4]);
    expect(findings(t, [10])).toEqual(['/soc/rtc@101000: interrupts = <11>: IRQ 11 is not in the zone\'s interrupts, so the vPLIC never delivers it']);
  });

  it('follows interrupt-parent and interrupts-extended, and checks only PLIC sources', () => {
    const { tree: t, soc } = tree({ compatible: 'riscv,plic0', cells: 1 });
    const gpio = soc.addChild('gpio@10060000', 'gpio').string('compatible', 'sifive,gpio0').empty('interrupt-controller').u32('#interrupt-cells', 2).u32('interrupts', 10);
    gpio.cells('reg', [...u64Cells(0x1006_0000), ...u64Cells(0x1000)]);
    // Numbers of another controller are its own lines, not PLIC sources.
    device(soc, 'button', 'gpio-keys', 0x1007_0000).reference('interrupt-parent', 'gpio').cells('interrupts', [3, 1]);
    device(soc, 'serial', 'ns16550a', 0x1000_0000).cells('interrupts-extended', [{ ref: 'gpio' }, 5, 1, { ref: 'plic' }, 12]);
    expect(findings(t, [10])).toEqual(['/soc/serial@10000000: interrupts = <12>: IRQ 12 is not in the zone\'s interrupts, so the vPLIC never delivers it']);
  });

  it('says so when a specifier cannot be read, instead of guessing a cell count', () => {
    const { tree: t, soc } = tree({ compatible: 'thead,c900-plic', cells: 2 });
    device(soc, 'serial', 'ns16550a', 0x1000_0000).cells('interrupts', [10, 4, 11]);
    expect(findings(t, [10, 11])).toEqual([
      "/soc/serial@10000000: its interrupts cannot be read: interrupts has 3 cell(s), not a multiple of /soc/interrupt-controller@c000000's #interrupt-cells = <2>",
    ]);
  });
});
