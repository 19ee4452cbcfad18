/**
 * A zone fault's report names the faulting pc by its function: zoneR of examples/riscv64-zones, paused,
 * gets a store to address 0 (not in its stage-2 map) written over the instruction at its pc; continued,
 * it faults, and the workbench's fault event and the zone's error text say `pc 0x… <function+0x…>`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchServices } from '../../../src/host/services';
import { createWorkbenchServices } from '../../../src/host/workbench';
import type { Events, ZoneDebugState } from '../../../src/shared/protocol/index';

/** `sd zero, 0(zero)`: a store to guest-physical 0. */
const STORE_TO_ZERO = '23300000';

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('fault reports with symbols', () => {
  let services: WorkbenchServices;
  const faults: Events['machine.fault'][] = [];

  beforeAll(async () => {
    services = await createWorkbenchServices({ layoutPath: 'examples/riscv64-zones', autoStart: true });
    services.onEvent((event, payload) => {
      if (event === 'machine.fault') faults.push(payload as Events['machine.fault']);
    });
  });

  afterAll(async () => {
    await services?.dispose();
  });

  it("names zoneR's faulting pc in the fault event and in its error", async () => {
    await until('zoneR running code', async () => ((await services.invoke('inspect.cpus', { zone: 2 })) as ZoneDebugState).cpus[0]!.snapshot > 0 || undefined);
    const paused = (await services.invoke('zone.pause', { zone: 2 })) as ZoneDebugState;
    const cpu = paused.cpus[0]!;
    expect(cpu.pcSymbol).toMatch(/^\w+(\+0x[0-9a-f]+)?$/);
    await services.invoke('memory.write', { zone: 2, view: 'gva', address: cpu.pc, bytes: STORE_TO_ZERO, cpu: cpu.cpu });
    await services.invoke('zone.resume', { zone: 2 });
    const fault = await until('the fault', () => faults.find((f) => f.zone === 2));
    const pc = `0x${BigInt(cpu.pc).toString(16)}`;
    expect(fault.message).toContain(`pc ${pc} <${cpu.pcSymbol}>`);
    const layout = (await services.invoke('layout.get', {})) as { zones: readonly { id: number; error?: string }[] };
    expect(layout.zones.find((z) => z.id === 2)?.error).toContain(`pc ${pc} <${cpu.pcSymbol}>`);
  });
});
