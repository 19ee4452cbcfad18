/**
 * `hvwb run <layout> --gdb ZONE=PORT`: the zone by name or id, a stub on 127.0.0.1 per flag with the
 * gdb-multiarch command line printed, and one message for a bad flag or an unknown zone.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/index';
import { parseGdb } from '../../../src/cli/run';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['run', ...argv], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

describe('hvwb run --gdb', () => {
  it('parses ZONE=PORT and refuses anything else', () => {
    expect(parseGdb('zoneR=1234')).toEqual({ zone: 'zoneR', port: 1234 });
    expect(parseGdb('2=0')).toEqual({ zone: '2', port: 0 });
    for (const bad of ['zoneR', '=12', 'zoneR=', 'zoneR=70000', 'zoneR=-1', 'zoneR=12x']) expect(() => parseGdb(bad)).toThrow(/--gdb takes ZONE=PORT/);
  });

  it('starts a stub per zone on loopback and prints the command line', async () => {
    let stdout = '';
    let connected: Promise<string> | undefined;
    const code = await main(['run', 'examples/riscv64-zones', '--gdb', 'zoneR=0', '--gdb', '1=0', '--expect', 'zoneR:latency min=', '--quiet'], {
      stdout: (t) => {
        stdout += t;
        const port = /zoneR \(zone 2\) on 127\.0\.0\.1:(\d+)/.exec(t)?.[1];
        // While the run goes on, the stub answers on 127.0.0.1 (and the zone runs on once the client leaves).
        if (port) {
          connected = new Promise((resolve, reject) => {
            const socket = net.connect(Number(port), '127.0.0.1', () => socket.write('$?#3f'));
            let got = '';
            socket.on('data', (d) => {
              got += d.toString('latin1');
              if (got.includes('#')) {
                socket.end();
                resolve(got);
              }
            });
            socket.on('error', reject);
          });
        }
      },
      stderr: () => {},
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/hvwb: gdb stub for zoneR \(zone 2\) on 127\.0\.0\.1:\d+: gdb-multiarch -ex 'set architecture riscv:rv64' -ex 'target remote 127\.0\.0\.1:\d+' guest\/riscv64\/bin\/zones-r\.elf/);
    expect(stdout).toMatch(/hvwb: gdb stub for zoneU \(zone 1\) on 127\.0\.0\.1:\d+: .* guest\/riscv64\/bin\/zones-u\.elf/);
    expect(await connected).toMatch(/^\+\$T05thread:1;#[0-9a-f]{2}$/);
  });

  it('names the zones when the one asked for does not exist', async () => {
    const result = await run('examples/riscv64-zones', '--gdb', 'nozone=0');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("hvwb: --gdb: there is no zone 'nozone' (zones: ");
    expect((await run('examples/riscv64-zones', '--gdb', 'zoneR')).stderr).toContain('--gdb takes ZONE=PORT');
  });
});
