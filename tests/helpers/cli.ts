/** Running the `hvwb` CLI in-process, and a headless `hvwb run` in a child process, for CLI tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { main } from '../../src/cli/index';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `hvwb argv...` in this process with extra environment variables, capturing its output. */
export async function hvwbWith(env: Record<string, string>, ...argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
    return { code, stdout, stderr };
  } finally {
    process.env = saved;
  }
}

export interface HeadlessRun {
  readonly child: ChildProcess;
  /** The run's control socket, as it announces it. */
  readonly control: string;
  /** Everything the run printed on stdout so far. */
  output(): string;
  stop(): void;
}

/** Starts `hvwb run <layout>` until killed and waits for its control socket. */
export async function startHeadlessRun(layout: string, timeoutMs = 60_000): Promise<HeadlessRun> {
  const child = spawn(process.execPath, ['bin/hvwb.mjs', 'run', layout, '--expect', 'root:never', '--timeout', '120'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  const control = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no control socket announced; output:\n${output}`)), timeoutMs);
    child.stderr!.on('data', (d: Buffer) => {
      const match = /HVWB_CONTROL=(\S+)/.exec(d.toString());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return { child, control, output: () => output, stop: () => void child.kill('SIGTERM') };
}
