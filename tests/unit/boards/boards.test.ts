import { describe, expect, it } from 'vitest';
import { boardNames, DEFAULT_BOARD, getBoard, withRamSize } from '../../../src/boards';
import { boardOf } from '../../../src/shared/model/board';

describe('boards', () => {
  it('lists and finds the known boards', () => {
    expect(boardNames).toContain('qemu-plic');
    expect(getBoard(DEFAULT_BOARD).name).toBe(DEFAULT_BOARD);
  });

  it('names the known boards when asked for an unknown one', () => {
    expect(() => getBoard('pi')).toThrow("unknown board 'pi'; known boards: qemu-plic");
  });

  it('is plain JSON data', () => {
    const board = getBoard('qemu-plic');
    expect(JSON.parse(JSON.stringify(board))).toEqual(board);
  });

  it('describes QEMU virt with aclint=on and hvisor qemu-plic constants', () => {
    const board = getBoard('qemu-plic');
    const device = (name: string) => board.devices.find((d) => d.name === name)!;
    expect(board.harts).toBe(4);
    expect(board.timebaseFrequency).toBe(10_000_000);
    expect(board.ram).toEqual({ base: 0x8000_0000, size: 0x8000_0000 });
    expect(device('uart0')).toMatchObject({ kind: 'ns16550a', base: 0x1000_0000, irq: 10 });
    expect(device('plic')).toMatchObject({ kind: 'sifive-plic', base: 0x0c00_0000, props: { sources: 95 } });
    expect(device('mswi')).toMatchObject({ base: 0x0200_0000, size: 0x4000 });
    expect(device('mtimer')).toMatchObject({ base: 0x0200_4000, size: 0xc000 });
    expect(device('sswi')).toMatchObject({ base: 0x02f0_0000 });
    expect(device('test').base).toBe(0x0010_0000);
    expect(device('rtc')).toMatchObject({ base: 0x0010_1000, irq: 11 });
    const virtio = board.devices.filter((d) => d.kind === 'virtio-mmio');
    expect(virtio.map((d) => [d.base, d.irq])).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => [0x1000_1000 + 0x1000 * i, 1 + i]));
    expect(device('pcie')).toMatchObject({ kind: 'pci-host-ecam', base: 0x3000_0000 });
    expect(board.rootZone).toMatchObject({ cpus: [0, 1], irqs: [10, 33], entry: 0x9000_0000, dtbAddress: 0x8f00_0000, kernelAddress: 0x9000_0000 });
    expect(board.rootZone.memoryRegions[0]).toEqual({ type: 'ram', physicalStart: 0x8300_0000, virtualStart: 0x8300_0000, size: 0x7d00_0000 });
    expect(board.hwIrqs).toEqual([10, 33, 34]);
    expect(board.hypervisorReserved.base).toBe(0x8020_0000);
    // linker.ld BASE_ADDRESS + 4 x PER_CPU_SIZE (512 KiB) + HV_MEM_POOL_SIZE (64 MiB), consts.rs.
    expect(board.hypervisorReserved.base + board.hypervisorReserved.size).toBe(0x8440_0000);
    // board.rs PLIC_BASE/PLIC_SIZE and ROOT_PCI_DEVS.
    expect(boardOf(board, 'riscv64').rootZone.vplic).toEqual({ base: 0x0c00_0000, size: 0x400_0000 });
    expect(board.rootZone.pciDevices.map((d) => [d.bus, d.device, d.function, d.devType])).toEqual([[0, 0, 0, 0], [0, 1, 0, 0]]);
  });

  it('has no overlapping device windows and all of them outside RAM', () => {
    const board = getBoard('qemu-plic');
    const windows = [...board.devices].sort((a, b) => a.base - b.base);
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.base).toBeGreaterThanOrEqual(windows[i - 1]!.base + windows[i - 1]!.size);
    for (const d of windows) expect(d.base + d.size <= board.ram.base || d.base >= board.ram.base + board.ram.size).toBe(true);
  });

  it('resizes RAM without touching the original', () => {
    const board = withRamSize(getBoard('qemu-plic'), 256 * 1024 * 1024);
    expect(board.ram.size).toBe(0x1000_0000);
    expect(getBoard('qemu-plic').ram.size).toBe(0x8000_0000);
  });

  it('describes hvisor\'s aarch64 QEMU boards with QEMU virt\'s map and board.rs constants', () => {
    for (const name of ['qemu-gicv3', 'qemu-gicv2']) {
      const board = boardOf(getBoard(name), 'aarch64');
      const device = (n: string) => board.devices.find((d) => d.name === n)!;
      expect(board.harts).toBe(4);
      expect(board.mpidrs).toEqual([0, 1, 2, 3]);
      expect(board.ram).toEqual({ base: 0x4000_0000, size: 0x8000_0000 });
      expect(device('uart0')).toMatchObject({ kind: 'pl011', base: 0x0900_0000, irq: 33 });
      expect(device('gic')).toMatchObject({ kind: name === 'qemu-gicv3' ? 'arm-gicv3' : 'arm-gicv2', base: 0x0800_0000 });
      // 32 virtio-mmio transports from 0x0a000000 on SPIs 16..47 (INTIDs 48..79).
      const virtio = board.devices.filter((d) => d.kind === 'virtio-mmio');
      expect(virtio).toHaveLength(32);
      expect([virtio[0]!.base, virtio[0]!.irq, virtio[31]!.base, virtio[31]!.irq]).toEqual([0x0a00_0000, 48, 0x0a00_3e00, 79]);
      expect(board.rootZone).toMatchObject({ cpus: [0, 1], entry: 0xa040_0000, dtbAddress: 0xa000_0000, kernelAddress: 0xa040_0000 });
      expect(board.rootZone.irqs).toEqual([33, 64, 77, 79, 35, 36, 37, 38, 65]);
      expect(board.rootZone.memoryRegions[0]).toEqual({ type: 'ram', physicalStart: 0x5000_0000, virtualStart: 0x5000_0000, size: 0x7000_0000 });
      expect(board.virtioWakeupIrq).toBe(64);
      expect(board.rootZone.gic.version).toBe(name === 'qemu-gicv3' ? 3 : 2);
    }
    const v3 = boardOf(getBoard('qemu-gicv3'), 'aarch64').rootZone.gic;
    expect(v3).toMatchObject({ gicd: { base: 0x0800_0000, size: 0x1_0000 }, gicr: { base: 0x080a_0000, size: 0xf6_0000 } });
    const v2 = boardOf(getBoard('qemu-gicv2'), 'aarch64').rootZone.gic;
    expect(v2).toMatchObject({ gicc: { base: 0x0801_0000 }, gich: { base: 0x0803_0000 }, gicv: { base: 0x0804_0000 } });
  });

  it('refuses to read one architecture\'s board as another', () => {
    expect(() => boardOf(getBoard('qemu-plic'), 'aarch64')).toThrow("board 'qemu-plic' is riscv64, not aarch64");
  });
});
