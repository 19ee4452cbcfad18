/**
 * The device trees of hvisor's aarch64 QEMU boards, read back from the blob as Linux reads it: CPUs by
 * MPIDR brought up through PSCI, the generic timer's four PPIs, the GIC's register windows, and every
 * device's interrupt written by the GIC as <type number flags>. A device whose interrupt controller is
 * of the wrong kind for the board's CPUs is refused.
 */
import { describe, expect, it } from 'vitest';
import { qemuGicv2 } from '../../../../src/boards/aarch64/qemu-gicv2';
import { qemuGicv3 } from '../../../../src/boards/aarch64/qemu-gicv3';
import { qemuPlic } from '../../../../src/boards/riscv64/qemu-plic';
import { boardDtb, boardDts, buildBoardTree, wholeBoardInput, type BoardTreeInput } from '../../../../src/core/fdt/board-dtb';
import { cells, readDtb, stringList, stringProperty, walk, type FdtReadNode } from '../../../../src/core/fdt/fdt-reader';
import type { Aarch64Board, Board, BoardDevice } from '../../../../src/shared/model/board';
import { dtbToDts, dtsToDtb, dtsWarnings, hasDtc } from './dtc';

function parse(input: BoardTreeInput): FdtReadNode {
  return readDtb(boardDtb(input), input.board.name);
}

function node(root: FdtReadNode, path: string): FdtReadNode {
  let found: FdtReadNode | undefined;
  walk(root, (n) => {
    if (n.path === path) found = n;
  });
  if (!found) throw new Error(`no node ${path}`);
  return found;
}

const prop = (n: FdtReadNode, name: string): number[] => cells(n.properties.get(name));

/** The node an `interrupt-parent` phandle names. */
function interruptParent(root: FdtReadNode, n: FdtReadNode): FdtReadNode | undefined {
  const phandle = prop(n, 'interrupt-parent')[0];
  let found: FdtReadNode | undefined;
  walk(root, (c) => {
    if (prop(c, 'phandle')[0] === phandle) found = c;
  });
  return found;
}

const withDevices = (board: Aarch64Board, devices: BoardDevice[]): Board => ({ ...board, devices });

describe('aarch64 board device tree (qemu-gicv3)', () => {
  const root = parse(wholeBoardInput(qemuGicv3, { bootargs: 'console=ttyAMA0' }));

  it('is a linux,dummy-virt machine with every CPU named by its MPIDR and started through PSCI by SMC', () => {
    expect(stringList(root.properties.get('compatible'))).toEqual(['linux,dummy-virt']);
    const cpus = node(root, '/cpus');
    expect(prop(cpus, '#address-cells')).toEqual([1]);
    expect(cpus.children.map((c) => c.name)).toEqual(['cpu@0', 'cpu@1', 'cpu@2', 'cpu@3']);
    for (const [i, cpu] of cpus.children.entries()) {
      expect(prop(cpu, 'reg')).toEqual([qemuGicv3.mpidrs[i]]);
      expect(stringProperty(cpu.properties.get('device_type'))).toBe('cpu');
      expect(stringProperty(cpu.properties.get('enable-method'))).toBe('psci');
      expect(stringProperty(cpu.properties.get('compatible'))).toBe('arm,cortex-a72');
    }
    const psci = node(root, '/psci');
    expect(stringList(psci.properties.get('compatible'))).toEqual(['arm,psci-1.0', 'arm,psci-0.2']);
    expect(stringProperty(psci.properties.get('method'))).toBe('smc');
  });

  it("writes the CPU's MPIDR, not its number, as reg (two cells once Aff3 is set)", () => {
    const clustered: Aarch64Board = { ...qemuGicv3, mpidrs: [0x0, 0x1, 0x100, 0x101] };
    const cpus = node(parse(wholeBoardInput(clustered)), '/cpus');
    expect(cpus.children.map((c) => [c.name, prop(c, 'reg')[0]])).toEqual([['cpu@0', 0], ['cpu@1', 1], ['cpu@100', 0x100], ['cpu@101', 0x101]]);
    const aff3: Aarch64Board = { ...qemuGicv3, mpidrs: [0x1_0000_0000, 0x1_0000_0001, 2, 3] };
    const wide = node(parse(wholeBoardInput(aff3)), '/cpus');
    expect(prop(wide, '#address-cells')).toEqual([2]);
    expect(prop(wide.children[1]!, 'reg')).toEqual([1, 1]);
    expect(() => buildBoardTree(wholeBoardInput({ ...qemuGicv3, mpidrs: [0x100_0000, 1, 2, 3] }))).toThrow(/mpidrs\[0\] = 0x1000000 has bits outside/);
  });

  it('gives the generic timer its four PPIs (secure, non-secure, virtual, hypervisor) through the GIC', () => {
    const timer = node(root, '/timer');
    expect(stringList(timer.properties.get('compatible'))).toContain('arm,armv8-timer');
    // INTIDs 29, 30, 27, 26 = PPIs 13, 14, 11, 10, level high; a GICv3 has no CPU mask.
    expect(prop(timer, 'interrupts')).toEqual([1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4]);
    expect(interruptParent(root, timer)?.path).toBe('/intc@8000000');
  });

  it('describes the GICv3 distributor and redistributor windows, and the ITS child at QEMU virt\'s 0x08080000', () => {
    const gic = node(root, '/intc@8000000');
    expect(stringList(gic.properties.get('compatible'))).toEqual(['arm,gic-v3']);
    expect(gic.properties.has('interrupt-controller')).toBe(true);
    expect(prop(gic, '#interrupt-cells')).toEqual([3]);
    expect(prop(gic, 'reg')).toEqual([0, 0x0800_0000, 0, 0x1_0000, 0, 0x080a_0000, 0, 0xf6_0000]);
    expect(prop(gic, '#redistributor-regions')).toEqual([1]);
    // The maintenance interrupt (PPI 9) a hypervisor in the guest would use.
    expect(prop(gic, 'interrupts')).toEqual([1, 9, 4]);
    expect(gic.children.map((c) => c.name)).toEqual(['its@8080000']);
    const its = node(root, '/intc@8000000/its@8080000');
    expect(stringList(its.properties.get('compatible'))).toEqual(['arm,gic-v3-its']);
    expect(its.properties.has('msi-controller')).toBe(true);
    expect(prop(its, '#msi-cells')).toEqual([1]);
    expect(prop(its, 'reg')).toEqual([0, 0x0808_0000, 0, 0x2_0000]);
    expect(prop(its, 'phandle')).toHaveLength(1);
  });

  it('wires the PL011 to SPI 1 level-high with QEMU\'s 24 MHz apb-pclk, and makes it the console', () => {
    const uart = node(root, '/pl011@9000000');
    expect(stringList(uart.properties.get('compatible'))).toEqual(['arm,pl011', 'arm,primecell']);
    expect(prop(uart, 'interrupts')).toEqual([0, 1, 4]);
    expect(interruptParent(root, uart)?.path).toBe('/intc@8000000');
    expect(stringList(uart.properties.get('clock-names'))).toEqual(['uartclk', 'apb_pclk']);
    const clock = node(root, '/apb-pclk');
    expect(prop(uart, 'clocks')).toEqual([prop(clock, 'phandle')[0], prop(clock, 'phandle')[0]]);
    expect(prop(clock, 'clock-frequency')).toEqual([24_000_000]);
    expect(stringProperty(node(root, '/chosen').properties.get('stdout-path'))).toBe('/pl011@9000000');
  });

  it('wires the virtio-mmio slots to SPIs 16..47 edge-rising and marks them DMA-coherent', () => {
    const first = node(root, '/virtio_mmio@a000000');
    const last = node(root, '/virtio_mmio@a003e00');
    expect(prop(first, 'interrupts')).toEqual([0, 16, 1]);
    expect(prop(last, 'interrupts')).toEqual([0, 47, 1]);
    expect(first.properties.has('dma-coherent')).toBe(true);
    expect(interruptParent(root, last)?.path).toBe('/intc@8000000');
  });
});

describe('aarch64 board device tree (qemu-gicv2)', () => {
  it('describes distributor, CPU interface, GICH and GICV, and masks PPIs to the tree\'s CPUs', () => {
    const whole = parse(wholeBoardInput(qemuGicv2));
    const gic = node(whole, '/intc@8000000');
    expect(stringList(gic.properties.get('compatible'))).toEqual(['arm,cortex-a15-gic']);
    expect(prop(gic, 'reg')).toEqual([
      0, 0x0800_0000, 0, 0x1_0000, 0, 0x0801_0000, 0, 0x1_0000, 0, 0x0803_0000, 0, 0x1_0000, 0, 0x0804_0000, 0, 0x1_0000,
    ]);
    // Four CPUs: CPU mask 0xf in flags bits [15:8], as QEMU writes it.
    expect(prop(node(whole, '/timer'), 'interrupts')).toEqual([1, 13, 0xf04, 1, 14, 0xf04, 1, 11, 0xf04, 1, 10, 0xf04]);
    const zone = parse({ board: qemuGicv2, harts: [0, 1], memory: [{ base: 0x5000_0000, size: 0x1000_0000 }], devices: ['gic', 'uart0'] });
    expect(prop(node(zone, '/timer'), 'interrupts')).toEqual([1, 13, 0x304, 1, 14, 0x304, 1, 11, 0x304, 1, 10, 0x304]);
    expect(prop(node(zone, '/pl011@9000000'), 'interrupts')).toEqual([0, 1, 4]);
  });

  it('leaves GICH/GICV and the maintenance interrupt out on a GICv2 without virtualization extensions', () => {
    const gic = qemuGicv2.devices.find((d) => d.name === 'gic')!;
    const plain: BoardDevice = { ...gic, props: { lines: 288, cpuInterfaceBase: 0x0801_0000, cpuInterfaceSize: 0x1_0000 } };
    const board = withDevices(qemuGicv2, qemuGicv2.devices.map((d) => (d === gic ? plain : d)));
    const tree = node(parse(wholeBoardInput(board)), '/intc@8000000');
    expect(prop(tree, 'reg')).toEqual([0, 0x0800_0000, 0, 0x1_0000, 0, 0x0801_0000, 0, 0x1_0000]);
    expect(tree.properties.has('interrupts')).toBe(false);
  });
});

describe('interrupt controllers of the wrong kind', () => {
  const plic: BoardDevice = { name: 'plic', kind: 'sifive-plic', base: 0x0c00_0000, size: 0x60_0000, props: { sources: 95 } };

  it('refuses a PLIC on an aarch64 board, naming the device and the CPUs it needs', () => {
    const board = withDevices(qemuGicv3, [plic, ...qemuGicv3.devices.filter((d) => d.kind !== 'arm-gicv3')]);
    expect(() => buildBoardTree(wholeBoardInput(board))).toThrow("board 'qemu-gicv3' is aarch64, but its device 'plic' (sifive-plic) only works with riscv64 CPUs");
  });

  it('refuses a GIC on a riscv64 board', () => {
    const gic = qemuGicv3.devices.find((d) => d.kind === 'arm-gicv3')!;
    const board: Board = { ...qemuPlic, devices: [...qemuPlic.devices, gic] };
    expect(() => buildBoardTree(wholeBoardInput(board))).toThrow(/device 'gic' \(arm-gicv3\) only works with aarch64 CPUs/);
  });

  it('refuses a device interrupt the GIC cannot deliver, and a tree that leaves the GIC out', () => {
    const sgi = withDevices(qemuGicv3, qemuGicv3.devices.map((d) => (d.name === 'uart0' ? { ...d, irq: 5 } : d)));
    expect(() => buildBoardTree(wholeBoardInput(sgi))).toThrow("device 'uart0': interrupt 5 is not an INTID GICv3 'gic' can deliver to a device (PPIs 16..31, SPIs 32..287)");
    const beyond = withDevices(qemuGicv3, qemuGicv3.devices.map((d) => (d.name === 'uart0' ? { ...d, irq: 288 } : d)));
    expect(() => buildBoardTree(wholeBoardInput(beyond))).toThrow(/interrupt 288 is not an INTID/);
    expect(() => buildBoardTree({ board: qemuGicv3, harts: [0], memory: [qemuGicv3.ram], devices: ['uart0'] })).toThrow(
      /the generic timer has an interrupt but the tree has no GICv3 \('gic'/,
    );
  });

  it('refuses timer PPIs that are not PPIs', () => {
    const board: Aarch64Board = { ...qemuGicv3, timerPpis: { ...qemuGicv3.timerPpis, virtual: 40 } };
    expect(() => buildBoardTree(wholeBoardInput(board))).toThrow(/the generic timer: interrupt 40 is not a PPI of GICv3 'gic'/);
  });
});

describe.skipIf(!hasDtc)('aarch64 trees checked with dtc (requires /usr/bin/dtc)', () => {
  for (const board of [qemuGicv3, qemuGicv2]) {
    const input = wholeBoardInput(board, { bootargs: 'console=ttyAMA0', initrd: { start: 0x4800_0000, end: 0x4810_0000 } });
    it(`${board.name}: dtc decompiles the blob without errors or warnings, and our DTS gives the same tree`, () => {
      const fromBlob = dtbToDts(boardDtb(input));
      expect(fromBlob.status).toBe(0);
      expect(fromBlob.stderr).toBe('');
      expect(dtbToDts(dtsToDtb(boardDts(input))).output).toBe(fromBlob.output);
      const compiled = dtsWarnings(boardDts(input));
      expect(compiled.status).toBe(0);
      expect(compiled.stderr).toBe('');
    });
  }
});
