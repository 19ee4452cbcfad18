/**
 * The host shell terminal: one node-pty process per `shell.open`, with the project's bin/ folder
 * first on PATH so that `hvwb` works in it. Composed into WorkbenchServices by the host.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { spawn, type IPty } from 'node-pty';
import type { CommandParams, CommandResult, EventName, Events, ShellCommands } from '../shared/protocol/index';
import type { Disposable, EventListener } from './services';

export type ShellCommandName = keyof ShellCommands;

export interface ShellServiceOptions {
  /** Working directory of new shells: the repository or the open layout's folder. */
  readonly cwd: string;
  /** Prepended to PATH (the repository's bin/ folder, where `hvwb` lives). */
  readonly binDir: string;
  /** Defaults to $SHELL, then /bin/bash. */
  readonly shell?: string;
  readonly env?: NodeJS.ProcessEnv;
}

const SHELL_COMMANDS: readonly string[] = ['shell.open', 'shell.input', 'shell.resize', 'shell.close'];

/** Coalescing pty output for a few milliseconds turns hundreds of tiny messages into a few. */
const OUTPUT_FLUSH_MS = 4;

interface ShellProcess {
  readonly pty: IPty;
  pending: string;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class ShellService implements Disposable {
  private readonly shells = new Map<number, ShellProcess>();
  private readonly listeners = new Set<EventListener>();
  private nextId = 1;
  private disposed = false;

  constructor(private readonly options: ShellServiceOptions) {}

  handles(command: string): command is ShellCommandName {
    return SHELL_COMMANDS.includes(command);
  }

  async invoke<C extends ShellCommandName>(command: C, params: CommandParams<C>): Promise<CommandResult<C>> {
    if (this.disposed) throw new Error('shell service is disposed');
    switch (command) {
      case 'shell.open': {
        const { cols, rows } = params as CommandParams<'shell.open'>;
        return { id: this.open(cols, rows) } as CommandResult<C>;
      }
      case 'shell.input': {
        const { id, data } = params as CommandParams<'shell.input'>;
        if (typeof data !== 'string') throw new Error('shell.input: data must be a string');
        this.get(id).pty.write(data);
        return undefined as CommandResult<C>;
      }
      case 'shell.resize': {
        const { id, cols, rows } = params as CommandParams<'shell.resize'>;
        this.get(id).pty.resize(clampSize(cols, 80), clampSize(rows, 24));
        return undefined as CommandResult<C>;
      }
      case 'shell.close': {
        const { id } = params as CommandParams<'shell.close'>;
        this.close(id);
        return undefined as CommandResult<C>;
      }
      default:
        throw new Error(`unknown shell command: ${String(command)}`);
    }
  }

  onEvent(listener: EventListener): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    this.disposed = true;
    for (const id of [...this.shells.keys()]) this.close(id);
    this.listeners.clear();
  }

  private open(cols: number, rows: number): number {
    const id = this.nextId++;
    const baseEnv = this.options.env ?? process.env;
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(baseEnv)) if (value !== undefined) env[key] = value;
    env.PATH = [this.options.binDir, baseEnv.PATH].filter(Boolean).join(path.delimiter);
    env.TERM = 'xterm-256color';
    env.COLORTERM = 'truecolor';
    // Electron's own switches must not leak into child processes such as `hvwb` run from the shell.
    delete env.ELECTRON_RUN_AS_NODE;
    const pty = spawn(this.shellPath(), [], {
      name: 'xterm-256color',
      cols: clampSize(cols, 80),
      rows: clampSize(rows, 24),
      cwd: this.options.cwd,
      env,
    });
    const shell: ShellProcess = { pty, pending: '', timer: undefined };
    this.shells.set(id, shell);
    pty.onData((data) => {
      shell.pending += data;
      shell.timer ??= setTimeout(() => this.flush(id, shell), OUTPUT_FLUSH_MS);
    });
    pty.onExit(({ exitCode }) => {
      this.flush(id, shell);
      if (this.shells.get(id) === shell) this.shells.delete(id);
      this.emit('shell.exit', { id, code: exitCode });
    });
    return id;
  }

  private flush(id: number, shell: ShellProcess): void {
    if (shell.timer) clearTimeout(shell.timer);
    shell.timer = undefined;
    if (!shell.pending) return;
    const data = shell.pending;
    shell.pending = '';
    this.emit('shell.output', { id, data });
  }

  private close(id: number): void {
    const shell = this.shells.get(id);
    if (!shell) return;
    this.shells.delete(id);
    if (shell.timer) clearTimeout(shell.timer);
    try {
      shell.pty.kill();
    } catch {
      // Already exited: nothing left to kill.
    }
  }

  private get(id: number): ShellProcess {
    const shell = this.shells.get(id);
    if (!shell) throw new Error(`no shell with id ${id}`);
    return shell;
  }

  private shellPath(): string {
    const candidates = [this.options.shell, process.env.SHELL, '/bin/bash', '/bin/sh'];
    return candidates.find((candidate): candidate is string => !!candidate && existsSync(candidate)) ?? '/bin/sh';
  }

  private emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const listener of [...this.listeners]) listener(event, payload);
  }
}

function clampSize(value: number, fallback: number): number {
  return Number.isFinite(value) && value >= 1 ? Math.min(Math.floor(value), 1000) : fallback;
}
