import { describe, expect, it } from 'vitest';
import { qemuPlic } from '../../../../src/boards/riscv64/qemu-plic';
import { boardDtb, boardDts, buildBoardTree, wholeBoardInput, type BoardTreeInput } from '../../../../src/core/fdt/board-dtb';
import { dtbToDts, dtsToDtb, hasDtc } from './dtc';

const whole = wholeBoardInput(qemuPlic, {
  bootargs: 'earlycon=sbi console=ttyS0',
  initrd: { start: 0x8800_0000, end: 0x8840_0000 },
  reservations: [qemuPlic.hypervisorReserved],
});

const zone: BoardTreeInput = {
  board: qemuPlic,
  harts: [2, 3],
  memory: [{ base: 0x8500_0000, size: 0x0a00_0000 }],
  devices: ['plic', 'virtio6'],
  bootargs: 'console=hvc0',
};

describe('board device tree', () => {
  it('describes the harts, memory and chosen node', () => {
    const tree = buildBoardTree(whole);
    const cpu = tree.find('/cpus/cpu@3')!;
    expect(cpu.property('riscv,isa')!.value).toEqual({ type: 'strings', strings: [qemuPlic.isa] });
    expect(cpu.property('mmu-type')!.value).toEqual({ type: 'strings', strings: ['riscv,sv39'] });
    expect(tree.find('/cpus')!.property('timebase-frequency')!.value).toEqual({ type: 'cells', cells: [10_000_000] });
    expect(tree.find('/cpus/cpu@3/interrupt-controller')!.label).toBe('cpu3_intc');
    expect(tree.find('/memory@80000000')!.property('reg')!.value).toEqual({ type: 'cells', cells: [0, 0x8000_0000, 0, 0x8000_0000] });
    const chosen = tree.find('/chosen')!;
    expect(chosen.property('stdout-path')!.value).toEqual({ type: 'strings', strings: ['/soc/serial@10000000'] });
    expect(chosen.property('linux,initrd-start')!.value).toEqual({ type: 'cells', cells: [0, 0x8800_0000] });
    expect(tree.find('/soc/virtio_mmio@10008000')!.property('interrupts')!.value).toEqual({ type: 'cells', cells: [8] });
    expect(tree.find('/poweroff')).toBeDefined();
    expect(tree.reservations).toEqual([{ address: 0x8020_0000, size: 0x420_0000 }]);
  });

  it('puts the seed it is given in /chosen/rng-seed, as QEMU\'s virt does, and none without one', () => {
    const seed = new Uint8Array(32).map((_, i) => i * 7 + 1);
    const chosen = buildBoardTree({ ...whole, rngSeed: seed }).find('/chosen')!;
    expect(chosen.property('rng-seed')!.value).toEqual({ type: 'bytes', bytes: seed });
    expect(buildBoardTree(whole).find('/chosen')!.property('rng-seed')).toBeUndefined();
  });

  it('names the M and S contexts of every hart in the PLIC node', () => {
    const plic = buildBoardTree(whole).find('/soc/plic@c000000')!;
    expect(plic.property('interrupts-extended')!.value).toEqual({
      type: 'cells',
      cells: [0, 1, 2, 3].flatMap((h) => [{ ref: `cpu${h}_intc` }, 11, { ref: `cpu${h}_intc` }, 9]),
    });
    expect(plic.property('riscv,ndev')!.value).toEqual({ type: 'cells', cells: [95] });
  });

  it('builds a zone tree with only the zone harts and devices', () => {
    const tree = buildBoardTree(zone);
    expect(tree.find('/cpus')!.children.map((c) => c.name)).toEqual(['cpu@2', 'cpu@3']);
    expect(tree.find('/soc')!.children.map((c) => c.name)).toEqual(['plic@c000000', 'virtio_mmio@10007000']);
    expect(tree.find('/soc/plic@c000000')!.property('interrupts-extended')!.value).toEqual({
      type: 'cells',
      cells: [2, 3].flatMap((h) => [{ ref: `cpu${h}_intc` }, 11, { ref: `cpu${h}_intc` }, 9]),
    });
    expect(tree.find('/chosen')!.property('stdout-path')).toBeUndefined();
    expect(tree.bootCpuId).toBe(2);
  });

  it('rejects unknown devices and harts, and interrupts without a PLIC', () => {
    expect(() => buildBoardTree({ ...zone, devices: ['nothing'] })).toThrow(/no device 'nothing'/);
    expect(() => buildBoardTree({ ...zone, harts: [4] })).toThrow(/no hart 4/);
    expect(() => buildBoardTree({ ...zone, devices: ['uart0'] })).toThrow(/no PLIC/);
  });

  describe.skipIf(!hasDtc)('checked with dtc (requires /usr/bin/dtc)', () => {
    for (const [name, input] of [['whole board', whole], ['zone', zone]] as const) {
      it(`${name}: dtc decompiles the blob without errors or warnings`, () => {
        const result = dtbToDts(boardDtb(input));
        expect(result.status).toBe(0);
        expect(result.stderr).toBe('');
        expect(result.output).toContain('compatible = "sifive,plic-1.0.0\\0riscv,plic0";');
      });

      it(`${name}: our DTS compiles to the same tree as our DTB`, () => {
        const fromBlob = dtbToDts(boardDtb(input)).output;
        const fromText = dtbToDts(dtsToDtb(boardDts(input))).output;
        expect(fromText).toBe(fromBlob);
      });
    }
  });
});
