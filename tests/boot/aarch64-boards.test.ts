/**
 * hvisor's other aarch64 boards boot their bare-metal hello (examples/aarch64-<board>-hello): the root
 * zone's CPU 0 starts every other CPU of the layout with PSCI CPU_ON (on rk3588 by MPIDRs in Aff1), each
 * prints its hello through the board's own UART (i.MX UART, PL011, Cadence UART, DesignWare APB UART),
 * then a line typed into the console comes back from the UART's receive interrupt through the board's
 * GIC (GICv3 on imx8mp and rk3588, the GIC-400 on rpi4b and zcu102, through hvisor's vGIC).
 */
import { describe, expect, it } from 'vitest';
import { loadLayout } from '../../src/host/layout-loader';
import { runGuest } from '../helpers/run-guest';

const boards = [
  { board: 'imx8mp', cpus: 4 },
  { board: 'rpi4b', cpus: 4 },
  { board: 'zcu102', cpus: 4 },
  { board: 'rk3588', cpus: 8 },
] as const;
const TIMEOUT_MS = 30_000;

describe("hvisor's other aarch64 boards", () => {
  it.each(boards)('$board: hello from each of its $cpus root CPUs, then an echo through its UART interrupt', async ({ board, cpus }) => {
    const loaded = await loadLayout(`examples/aarch64-${board}-hello`);
    expect(loaded.board.name).toBe(board);
    const lines = Array.from({ length: cpus }, (_, n) => `Hello from ${board} CPU ${n}`);
    const echo = 'typed on ' + board + '\r';
    const run = await runGuest(loaded, { timeoutMs: TIMEOUT_MS, until: [...lines, 'echo> ', `${echo}\necho> `], input: { after: 'echo> ', text: echo } });
    const detail = `output:\n${run.output}\nfaults: ${run.faults.join('; ')}`;
    expect(run.faults, detail).toEqual([]);
    expect(run.timedOut, detail).toBe(false);
    for (const line of lines) expect(run.output, detail).toContain(`${line}\n`);
    // The echo comes after the prompt, byte by byte from the receive interrupt, with a new prompt after the CR.
    expect(run.output.slice(run.output.indexOf('echo> ')), detail).toContain(`echo> ${echo}\necho> `);
  }, TIMEOUT_MS + 20_000);
});
