/**
 * `hvwb run` against guests that misbehave on the console: one printing megabytes must not grow the
 * runner's memory with everything it printed (only a tail is kept for --expect), and a zone that
 * faults ends the run at once with the fault, even while other zones still owe expected text.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/index';
import { hvwbWith } from '../../helpers/cli';

function words(...instructions: number[]): Uint8Array {
  const bytes = new Uint8Array(instructions.length * 4);
  const view = new DataView(bytes.buffer);
  instructions.forEach((w, i) => view.setUint32(i * 4, w, true));
  return bytes;
}

const SB_T1_T0 = 0x00628023; // sb t1, 0(t0): UART0 THR
const li_t1 = (c: number): number => ((c << 20) | 0x313) >>> 0; // addi t1, zero, c
/** Waits for LSR.THRE as a real driver does (the UART drops bytes written into a full FIFO). */
const WAIT_THRE = [
  0x0052ce03, // lbu t3, 5(t0)
  0x020e7e13, // andi t3, t3, 0x20
  0xfe0e0ce3, // beqz t3, -8
];

/**
 * M-mode root: prints `count` characters on UART0 (count a multiple of 4096) as lines of 63 x 'A',
 * then "END\n", then spins.
 */
function chattyGuest(count: number): Uint8Array {
  return words(
    0x100002b7, // lui t0, 0x10000
    0x00000013, // nop
    ((count >>> 12) << 12) | 0x3b7, // lui t2, count >> 12
    ...WAIT_THRE,
    0x03f3fe93, // andi t4, t2, 63
    li_t1(0x41),
    0x000e9463, // bnez t4, +8
    li_t1(0x0a),
    SB_T1_T0,
    0xfff38393, // addi t2, t2, -1
    0xfc039ee3, // bnez t2, -36 (back to the THRE wait)
    ...[...'END\n'].flatMap((c) => [...WAIT_THRE, li_t1(c.charCodeAt(0)), SB_T1_T0]),
    0x0000006f, // j .
  );
}

function folder(files: Record<string, Uint8Array | string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-run-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

/** The heap in use after a full collection: what the process really holds. */
function liveHeap(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

describe('hvwb run: console memory and faults', () => {
  it('keeps a bounded tail of a guest printing megabytes, and still finds the text after them', async () => {
    const dir = folder({
      'chatty.bin': chattyGuest(3 << 19),
      'layout.json': JSON.stringify({ name: 'chatty', board: 'qemu-plic', root: { image: 'chatty.bin', mode: 'machine', cpus: [0] } }),
    });
    let printed = 0;
    let first: { heap: number; printed: number } | undefined;
    let last: { heap: number; printed: number } | undefined;
    let stderr = '';
    let lastStdout = '';
    // Counts what is printed without keeping it, so the heap shows what the runner itself holds.
    const out = {
      stdout: (text: string) => {
        printed += text.length;
        lastStdout = text;
        if (!first && printed >= 1 << 18) first = { heap: liveHeap(), printed };
        else if (first && !last && printed >= 5 << 18) last = { heap: liveHeap(), printed };
      },
      stderr: (text: string) => void (stderr += text),
    };
    const code = await main(['run', dir, '--expect', 'root:AAAAEND', '--timeout', '110'], out);
    expect(lastStdout, `code ${code}, printed ${printed}, stderr: ${stderr}`).toContain('all 1 expected text(s) seen');
    expect(code, stderr).toBe(0);
    expect(first && last).toBeTruthy();
    const grew = last!.heap - first!.heap;
    const seen = last!.printed - first!.printed;
    // Keeping every character printed would grow the heap by at least what was printed in between (1 MiB).
    expect(grew, `heap grew ${grew} bytes while ${seen} characters were printed`).toBeLessThan(seen / 4);
  }, 120_000);

  it('ends at once with the fault when a zone faults, even with --quiet and text still expected elsewhere', async () => {
    const root = path.resolve('examples/riscv64-zones');
    const zone = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(path.join(root, 'zone-r.json'), 'utf8'))) as Record<string, unknown>;
    const dir = folder({
      'bad.bin': words(0x00000013, 0xffffffff),
      'zone-r.json': JSON.stringify({ ...zone, kernel_filepath: 'bad.bin' }),
      'layout.json': JSON.stringify({
        name: 'faulting',
        board: 'qemu-plic',
        root: { image: path.join(root, '../../guest/riscv64/bin/zones-root.elf'), mode: 'supervisor', cpus: [0] },
        zones: [{ config: 'zone-r.json', autostart: true }],
      }),
    });
    for (const quiet of [true, false]) {
      const started = performance.now();
      const r = await hvwbWith({}, 'run', dir, '--expect', 'root:never printed', '--timeout', '40', ...(quiet ? ['--quiet'] : []));
      const seconds = (performance.now() - started) / 1000;
      expect(r.code, r.stderr).toBe(2);
      // The vCPU's own report or the zone table's (whichever the run sees first) names zone, hart and pc.
      expect(r.stderr).toMatch(/hvwb: zoneR(:| hart 3:) .*hart 3.*illegal instruction 0xffffffff at pc 0x89000004|hvwb: zoneR hart 3: .*illegal instruction 0xffffffff at pc 0x89000004/);
      expect(r.stderr).not.toContain('timeout');
      // Well before the 40 s timeout, which is where the run used to end.
      expect(seconds).toBeLessThan(30);
    }
  }, 120_000);
});
