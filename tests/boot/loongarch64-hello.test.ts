/**
 * The loongarch64 hello layout on ls3a5000: four LA64 CPUs started firmware style pass a baton with
 * IOCSR IPIs (each prints its line in turn), then CPU 0 echoes console input, woken from IDLE by UART0's
 * receive interrupt through the LIOINTC and the CPU's HWI0 line.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { layoutForImage, loadLayout } from '../../src/host/layout-loader';
import { MachineHost } from '../../src/host/machine-host';
import { buildProgram } from '../../guest/loongarch64/build';
import { runGuest } from '../helpers/run-guest';

const lines = [0, 1, 2, 3].map((n) => `Hello from loongarch64 CPU ${n}`);

describe('loongarch64 hello', () => {
  it('prints a hello line from every CPU in CPU order, then echoes typed input', async () => {
    const loaded = await loadLayout('examples/loongarch64-hello');
    const run = await runGuest(loaded, {
      timeoutMs: 20_000,
      until: [...lines, 'echo> ', 'typed words\r\necho> '],
      input: { after: 'echo> ', text: 'typed words\r' },
    });
    const detail = `output:\n${run.output}\nfaults: ${run.faults.join('; ')}`;
    expect(run.faults, detail).toEqual([]);
    // The baton makes the order deterministic: CPU n prints only after CPU n-1's IPI.
    const positions = lines.map((l) => run.output.indexOf(l));
    expect(positions.every((p) => p >= 0), detail).toBe(true);
    expect([...positions].sort((a, b) => a - b), detail).toEqual(positions);
    expect(run.output.slice(run.output.indexOf('echo> ')), detail).toContain('typed words\r\necho> ');
  }, 30_000);

  it('stops the CPU on a word it does not implement, naming the pc, the encoding and "unallocated"', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-la64-'));
    const elf = path.join(dir, 'bad.elf');
    // vadd.b $vr0, $vr0, $vr0: no LSX, so no row in the decode table.
    writeFileSync(elf, buildProgram({ name: 'bad', source: '', base: 0x20_0000 }, 'nop\nnop\n.word 0xffffffff\n').elf);
    const run = await runGuest(await layoutForImage(elf, { board: 'ls3a5000', cpus: [0] }), { timeoutMs: 10_000 });
    expect(run.faults.join('\n')).toMatch(/cpu 0, pc 0x200008: unimplemented instruction, encoding 0xffffffff \(unallocated\)/);
  }, 20_000);

  it('refuses a loongarch64 image on another architecture\'s board, naming both', async () => {
    const loaded = await layoutForImage('guest/loongarch64/bin/hello.elf', { board: 'qemu-plic' });
    await expect(MachineHost.create(loaded)).rejects.toThrow(/ELF machine 258 \(LoongArch, loongarch64\) does not run on board qemu-plic, which is riscv64/);
  });
});
