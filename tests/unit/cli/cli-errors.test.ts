import { mkdtempSync, truncateSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hvwbWith } from '../../helpers/cli';

const hvwb = (...argv: string[]) => hvwbWith({}, ...argv);

function layout(root: Record<string, unknown>, files: Record<string, Uint8Array | string> = {}, board = 'qemu-plic'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-cli-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  writeFileSync(path.join(dir, 'layout.json'), JSON.stringify({ name: 'case', board, root }));
  return dir;
}

function words(...instructions: number[]): Uint8Array {
  const bytes = new Uint8Array(instructions.length * 4);
  const view = new DataView(bytes.buffer);
  instructions.forEach((w, i) => view.setUint32(i * 4, w, true));
  return bytes;
}

/** A file of `size` bytes that takes no disk space (a hole). */
function sparse(file: string, size: number): void {
  writeFileSync(file, '');
  truncateSync(file, size);
}

describe('hvwb run: bad input ends with one clear message', () => {
  it('names an unknown board and lists the known ones', async () => {
    const r = await hvwb('run', layout({ image: 'a.bin' }, { 'a.bin': words(0x13) }, 'pdp-11'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/layout\.json: board: .*pdp-11.*qemu-plic/);
  });

  it('names a missing image file', async () => {
    const r = await hvwb('run', layout({ image: 'nope.elf' }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/root\.image: image file not found: .*nope\.elf/);
  });

  it('refuses an ELF for another architecture or a truncated one', async () => {
    const elf = new Uint8Array(64);
    elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    new DataView(elf.buffer).setUint16(18, 62, true);
    const r = await hvwb('run', layout({ image: 'x86.elf' }, { 'x86.elf': elf }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/x86\.elf: (no loadable segments|ELF machine 62 is not RISC-V)/);
  });

  it('refuses an image that does not fit in RAM', async () => {
    const r = await hvwb('run', layout({ image: 'big.bin', loadAddress: '0xfffff000' }, { 'big.bin': new Uint8Array(8192) }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/big\.bin: 8192 bytes at 0xfffff000 do not fit in RAM 0x80000000\.\.0x100000000/);
  });

  it('refuses a root image, initrd or DTB over 2 GiB (a sparse file) before reading it, naming the field', async () => {
    for (const field of ['image', 'initrd', 'dtb'] as const) {
      const dir = layout(field === 'image' ? { image: 'huge.bin' } : { image: 'a.bin', [field]: 'huge.bin' }, { 'a.bin': words(0x13) });
      sparse(path.join(dir, 'huge.bin'), 3 * 2 ** 30);
      const r = await hvwb('run', dir, '--timeout', '20');
      expect(r.code, field).toBe(2);
      expect(r.stderr.trim().split('\n'), field).toHaveLength(1);
      expect(r.stderr, field).toMatch(new RegExp(`layout\\.json: root\\.${field}: .*huge\\.bin is 3221225472 bytes \\(0xc0000000\\), larger than the 0x[0-9a-f]+ bytes it can occupy`));
    }
  });

  it('stops on an illegal instruction with the PC', async () => {
    const r = await hvwb('run', layout({ image: 'ill.bin', mode: 'machine', cpus: [0] }, { 'ill.bin': words(0x00000013, 0xffffffff) }), '--timeout', '20');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/illegal instruction.*0xffffffff.*pc 0x90000004|pc 0x90000004.*illegal instruction/i);
  });

  it('stops on an access to no device with the PC and the address', async () => {
    // lui t0, 0x20000 ; lw t1, 0(t0)
    const r = await hvwb('run', layout({ image: 'bad.bin', mode: 'supervisor', cpus: [0] }, { 'bad.bin': words(0x200002b7, 0x0002a303) }), '--timeout', '20');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/0x20000000/);
    expect(r.stderr).toMatch(/pc 0x90000004/);
  });

  it('times out with the texts it was still waiting for', async () => {
    // a tight loop: j .
    const r = await hvwb('run', layout({ image: 'loop.bin', mode: 'machine', cpus: [0] }, { 'loop.bin': words(0x0000006f) }), '--expect', 'root:never printed', '--timeout', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('timeout after 1 s waiting for root: "never printed"');
  });

  it('rejects unknown commands and options without a stack trace', async () => {
    expect((await hvwb('frobnicate')).stderr).toMatch(/unknown command "frobnicate"/);
    expect((await hvwb('run', 'x', '--bogus')).stderr).toMatch(/unknown option --bogus/);
  });
});
