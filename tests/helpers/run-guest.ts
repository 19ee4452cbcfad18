/** Runs a loaded layout on real vCPU workers until it exits, faults, prints what is expected, or times out. */
import type { LoadedLayout } from '../../src/host/layout-loader';
import { MachineHost } from '../../src/host/machine-host';

export interface GuestRun {
  readonly exit?: { kind: string; code: number };
  readonly faults: string[];
  readonly output: string;
  readonly timedOut: boolean;
  readonly retired: number;
}

export interface RunGuestOptions {
  readonly timeoutMs: number;
  /** Stop as soon as all of these were printed. */
  readonly until?: readonly string[];
  /** Typed into the console once `typeAfter` was printed. */
  readonly input?: { readonly after: string; readonly text: string };
  readonly onHost?: (host: MachineHost) => void;
}

export async function runGuest(loaded: LoadedLayout, options: RunGuestOptions): Promise<GuestRun> {
  const host = await MachineHost.create(loaded);
  options.onHost?.(host);
  let output = '';
  const faults: string[] = [];
  let exit: { kind: string; code: number } | undefined;
  let typed = false;
  const decoder = new TextDecoder();
  const timedOut = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(true), options.timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    host.on({
      output(_zone, _name, bytes) {
        output += decoder.decode(bytes, { stream: true });
        if (options.input && !typed && output.includes(options.input.after)) {
          typed = true;
          host.input(new TextEncoder().encode(options.input.text));
        }
        if (options.until && options.until.every((t) => output.includes(t))) done();
      },
      fault(fault) {
        faults.push(`hart ${fault.hart}: ${fault.message}`);
        done();
      },
      exit(kind, code) {
        exit = { kind, code };
        done();
      },
    });
    host.start().catch((error: Error) => {
      faults.push(`start: ${error.message}`);
      done();
    });
  });
  await host.stop();
  return { ...(exit ? { exit } : {}), faults, output, timedOut, retired: host.retired() };
}
