/**
 * The ls3a5000 board around the LA64 CPU: its device tree from the board data, the LIOINTC routing
 * UART0 to a core's HWI line, the IOCSR IPI block, the committed hello guest against a fresh build, and
 * the decode table against QEMU's own LoongArch decoder on the words of that guest.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ls3a5000 } from '../../../../../src/boards/loongarch64/ls3a5000';
import { buildBoardTree } from '../../../../../src/core/fdt/board-dtb';
import { printDts } from '../../../../../src/core/fdt/dts';
import { LoongsonLiointc } from '../../../../../src/core/devices/intc/loongson-liointc';
import { IsaIo } from '../../../../../src/core/devices/misc/isa-io';
import { Iocsr, Loongson3Iocsr } from '../../../../../src/core/hypervisor/arch/loongarch64/iocsr';
import { LA_STATE_BYTES } from '../../../../../src/core/isa/loongarch64/cpu';
import { decode } from '../../../../../src/core/isa/loongarch64/decoder';
import { buildProgram, programSource, PROGRAMS } from '../../../../../guest/loongarch64/build';

const root = path.resolve(__dirname, '../../../../..');

describe('ls3a5000', () => {
  it('generates its device tree from the board data: 4 LA464 CPUs, cpuintc, LIOINTC at HWI0, UART0 on LIOINTC input 10', () => {
    const dts = printDts(buildBoardTree({ board: ls3a5000, harts: [0, 1, 2, 3], memory: [ls3a5000.ram] }));
    expect(dts.match(/compatible = "loongson,la464"/g)).toHaveLength(4);
    expect(dts).toContain('cpuintc: interrupt-controller {');
    expect(dts).toMatch(/liointc: interrupt-controller@1fe01400 \{[^}]*compatible = "loongson,liointc-1.0";[^}]*interrupt-parent = <&cpuintc>;\s*interrupts = <0x2>;/);
    expect(dts).toMatch(/serial@1fe001e0 \{[^}]*interrupts = <0xa 0x4>;\s*interrupt-parent = <&liointc>;/);
    expect(dts).toContain('stdout-path = "/platform/serial@1fe001e0"');
  });

  it('describes the 7A2000 LPC port window as an isa node mapping I/O port 0 to 0x1800_0000; every port reads all ones', () => {
    const dts = printDts(buildBoardTree({ board: ls3a5000, harts: [0], memory: [ls3a5000.ram] }));
    expect(dts).toMatch(/isa@18000000 \{[^}]*compatible = "isa";\s*device_type = "isa";\s*#address-cells = <0x2>;\s*#size-cells = <0x1>;\s*ranges = <0x1 0x0 0x0 0x18000000 0x4000>;/);
    const lpc = new IsaIo();
    lpc.write();
    expect([lpc.read(0x64, 1), lpc.read(0x60, 2), lpc.read(0x3f8, 4)]).toEqual([0xff, 0xffff, 0xffff_ffff]);
  });

  it('LIOINTC: an enabled input raises the routed pin of the routed cores only, and drops with the input', () => {
    const calls: string[] = [];
    const pins = [1 << 2, 1 << 3, 1 << 4, 1 << 5];
    // Every line starts low; only changes are recorded.
    const levels = new Map<string, boolean>([0, 1, 2, 3].flatMap((cpu) => pins.map((mask): [string, boolean] => [`${cpu}:${mask}`, false])));
    const chip = new LoongsonLiointc({ buffer: new SharedArrayBuffer(LoongsonLiointc.stateBytes()), byteOffset: 0, byteLength: LoongsonLiointc.stateBytes() }, 4, pins, {
      setPending: (cpu, mask, level) => {
        if (levels.get(`${cpu}:${mask}`) !== level) calls.push(`${cpu}:${mask}:${level}`);
        levels.set(`${cpu}:${mask}`, level);
      },
    });
    chip.setLevel(10, true);
    expect(calls).toEqual([]); // not enabled, not routed
    chip.write(10, 1, 0x22); // core 1, INT1
    chip.write(0x28, 4, 1 << 10); // IEN_SET
    expect(calls).toEqual([`1:${1 << 3}:true`]);
    expect(chip.read(0x20, 4)).toBe(1 << 10);
    expect(chip.read(0x40 + 8, 4)).toBe(1 << 10); // core 1's ISR
    expect(chip.read(0x40, 4)).toBe(0);
    chip.setLevel(10, false);
    expect(calls.at(-1)).toBe(`1:${1 << 3}:false`);
  });

  it('IOCSR: identity registers, IPI_SEND sets the target core\'s status and line while enabled, MBUF_SEND writes its mailbox word', () => {
    const buffer = new SharedArrayBuffer(4 * LA_STATE_BYTES);
    const regions = [0, 1, 2, 3].map((i) => ({ buffer, byteOffset: i * LA_STATE_BYTES, byteLength: LA_STATE_BYTES }));
    const lines: string[] = [];
    const iocsr = new Loongson3Iocsr(ls3a5000.iocsr, regions, (cpu, level) => lines.push(`${cpu}:${level}`));
    const cpu0 = iocsr.busFor(0);
    const cpu2 = iocsr.busFor(2);
    expect(cpu0.read(Iocsr.VENDOR, 8)).toBe(0x6e6f73676e6f6f4cn); // "Loongson"
    expect(cpu0.read(Iocsr.CPUNAME, 8)).toBe(0x303030354133n); // "3A5000"
    expect(cpu0.write(Iocsr.IPI_SEND, 4, (2n << 16n) | 3n)).toBe(true);
    expect(cpu2.read(Iocsr.IPI_STATUS, 4)).toBe(8n);
    expect(lines.at(-1)).toBe('2:false'); // not enabled yet
    cpu2.write(Iocsr.IPI_EN, 4, 0xffff_ffffn);
    expect(lines.at(-1)).toBe('2:true');
    cpu2.write(Iocsr.IPI_CLEAR, 4, 8n);
    expect(lines.at(-1)).toBe('2:false');
    cpu0.write(Iocsr.MBUF_SEND, 8, (0x1234_5678n << 32n) | (2n << 16n) | (3n << 2n));
    expect(cpu2.read(Iocsr.MBUF0 + 8, 8)).toBe(0x1234_5678n << 32n);
    expect(cpu0.read(0x1600, 4)).toBeUndefined(); // EXTIOI: not modelled, the CPU stops there
  });

  it('the committed hello guest is what the assembler builds from its source', () => {
    const images = new Map<string, Uint8Array>();
    for (const program of PROGRAMS) {
      // Programs that carry others (the zones root) are built from the fresh builds before them.
      const source = programSource(program, (p) => readFileSync(path.join(root, p), 'utf8'), (name) => images.get(name)!);
      const built = buildProgram(program, source);
      images.set(program.name, built.bin);
      expect(Buffer.compare(Buffer.from(built.elf), readFileSync(path.join(root, 'guest/loongarch64/bin', `${program.name}.elf`))), `${program.name}.elf is stale: run node scripts/build-guests-loongarch64.mjs`).toBe(0);
    }
  });

  it('decodes every word of the hello guest to the instruction QEMU 7.2\'s LoongArch decoder names', () => {
    const fixture = JSON.parse(readFileSync(path.join(__dirname, 'qemu-decode.json'), 'utf8')) as { words: Record<string, string> };
    expect(Object.keys(fixture.words).length).toBeGreaterThan(50);
    for (const [word, mnemonic] of Object.entries(fixture.words)) {
      expect(decode(parseInt(word, 16))?.row.mnemonic, word).toBe(mnemonic.replace(/_/g, '.'));
    }
  });
});
