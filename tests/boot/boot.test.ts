/**
 * The boot table: each layout and the console lines it must print, then a line typed into the
 * console and the echo that must come back.
 */
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { runGuest } from '../helpers/run-guest';

interface BootCase {
  readonly layout: string;
  readonly lines: readonly string[];
  readonly echo?: { readonly type: string; readonly expect: string };
  readonly timeoutMs: number;
}

const hellos = [0, 1, 2, 3].map((n) => `Hello from riscv64 hart ${n}`);
const armHellos = [0, 1, 2, 3].map((n) => `Hello from aarch64 CPU ${n}`);

const table: readonly BootCase[] = [
  { layout: 'examples/riscv64-hello', lines: [...hellos, 'echo> '], echo: { type: 'typed words\r', expect: 'typed words\r\n' }, timeoutMs: 20_000 },
  // The aarch64 root zone: PSCI CPU_ON for the other CPUs, then the PL011's receive interrupt through the GICv3.
  { layout: 'examples/aarch64-hello', lines: [...armHellos, 'echo> '], echo: { type: 'typed words\r', expect: 'typed words\r\necho> ' }, timeoutMs: 20_000 },
  // Two aarch64 zones through hvisor's IVC: zone 1 has no console; the root prints what it sends.
  {
    layout: 'examples/aarch64-ivc',
    lines: [
      'ivc: HvIvcInfo -> 0: 1 region, ivc_id 0, control table 0xd0000000, shared memory 0xd0001000, irq 65',
      'ivc: control table: ivc_id 0, max_peers 2, rw_sec_size 0x1000, out_sec_size 0x1000, peer_id 0',
      ...[1, 2, 3].map((n) => `ivc: zone 1 says: ping ${n} from zone 1, peer 1 (shared counter ${n})`),
      'ivc: zone 1 says: done: 3 pongs received (shared counter 3)',
    ],
    timeoutMs: 20_000,
  },
  { layout: 'tests/boot/layouts/riscv64-hello-m', lines: [...hellos, 'echo> '], echo: { type: 'firmware\r', expect: 'firmware\r\n' }, timeoutMs: 20_000 },
];

describe('boot table', () => {
  for (const row of table) {
    it(`${row.layout} prints ${row.lines.length} expected line(s)${row.echo ? ' and echoes input' : ''}`, async () => {
      const loaded = await loadLayout(row.layout);
      const lastLine = row.lines.at(-1)!;
      const run = await runGuest(loaded, {
        timeoutMs: row.timeoutMs,
        until: [...row.lines, ...(row.echo ? [row.echo.expect] : [])],
        ...(row.echo ? { input: { after: lastLine, text: row.echo.type } } : {}),
      });
      const detail = `output:\n${run.output}\nfaults: ${run.faults.join('; ')}`;
      expect(run.faults, detail).toEqual([]);
      for (const line of row.lines) expect(run.output, detail).toContain(line);
      if (row.echo) expect(run.output.slice(run.output.indexOf(lastLine)), detail).toContain(row.echo.expect);
    }, row.timeoutMs + 10_000);
  }
});
