/** Runs the system dtc on blobs and sources for the FDT tests. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DTC = '/usr/bin/dtc';
export const hasDtc = existsSync(DTC);

export interface DtcResult {
  readonly output: string;
  readonly stderr: string;
  readonly status: number | null;
}

function run(args: string[], input: Buffer | string, ext: string): DtcResult {
  const dir = mkdtempSync(join(tmpdir(), 'hvwb-dtc-'));
  const file = join(dir, `input.${ext}`);
  writeFileSync(file, input);
  const result = spawnSync(DTC, [...args, file], { encoding: 'utf8' });
  return { output: result.stdout, stderr: result.stderr, status: result.status };
}

export function dtbToDts(blob: Uint8Array): DtcResult {
  return run(['-I', 'dtb', '-O', 'dts'], Buffer.from(blob), 'dtb');
}

export function dtsToDtb(source: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'hvwb-dtc-'));
  const file = join(dir, 'input.dts');
  writeFileSync(file, source);
  return execFileSync(DTC, ['-q', '-I', 'dts', '-O', 'dtb', file]);
}

/** Compiles a source to a blob with every dtc check on; what dtc says on stderr. */
export function dtsWarnings(source: string): DtcResult {
  return run(['-I', 'dts', '-O', 'dtb', '-o', '/dev/null'], source, 'dts');
}
