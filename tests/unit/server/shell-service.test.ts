/** The node-pty shell: output events, input, resize, exit, and bin/ on PATH (rc files may put their own folders before it). */
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Events } from '../../../src/shared/protocol/index';
import { ShellService } from '../../../src/host/shell-service';

let service: ShellService | undefined;
afterEach(() => service?.dispose());

function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (predicate()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('timed out'));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

describe('ShellService', () => {
  it('runs a shell in the given folder with bin/ on PATH', async () => {
    const binDir = path.resolve('bin');
    service = new ShellService({ cwd: process.cwd(), binDir, shell: '/bin/bash', env: { ...process.env, HVWB_PROBE: binDir } });
    let output = '';
    let exit: Events['shell.exit'] | undefined;
    service.onEvent((event, payload) => {
      if (event === 'shell.output') output += (payload as Events['shell.output']).data;
      if (event === 'shell.exit') exit = payload as Events['shell.exit'];
    });
    const { id } = await service.invoke('shell.open', { cols: 100, rows: 30 });
    await service.invoke('shell.resize', { id, cols: 120, rows: 40 });
    await service.invoke('shell.input', { id, data: 'echo "dir=$PWD size=$(stty size)"; case ":$PATH:" in *":$HVWB_PROBE:"*) echo "bin-on-path=yes";; esac\r' });
    await waitFor(() => output.includes('size=40 120') && output.includes('bin-on-path=yes')).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${JSON.stringify(output)}`);
    });
    expect(output).toContain(`dir=${process.cwd()}`);
    await service.invoke('shell.input', { id, data: 'exit 3\r' });
    await waitFor(() => exit !== undefined);
    expect(exit).toEqual({ id, code: 3 });
    await expect(service.invoke('shell.input', { id, data: 'x' })).rejects.toThrow(/no shell/);
  });
});
