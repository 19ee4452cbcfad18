/** The host shell (node-pty behind shell.*): one session at a time, restartable after it exits. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { useWorkbench } from '../api/workbench-api';
import type { TerminalSink } from './serial';

export type ShellStatus = 'closed' | 'opening' | 'open' | 'exited' | 'error';

export const useShellStore = defineStore('shell', () => {
  const api = useWorkbench();
  const id = ref<number | null>(null);
  const status = ref<ShellStatus>('closed');
  const exitCode = ref<number | null>(null);
  const error = ref<string | null>(null);
  const panelOpen = ref(true);
  let sink: TerminalSink | null = null;

  api.on('shell.output', (event) => {
    if (event.id === id.value) sink?.write(event.data);
  });
  api.on('shell.exit', (event) => {
    if (event.id !== id.value) return;
    status.value = 'exited';
    exitCode.value = event.code;
    sink?.write(`\r\n\x1b[2m[process exited with code ${event.code}]\x1b[0m\r\n`);
  });

  function bind(target: TerminalSink | null): void {
    sink = target;
  }

  async function open(cols: number, rows: number): Promise<void> {
    if (status.value === 'opening' || status.value === 'open') return;
    status.value = 'opening';
    error.value = null;
    exitCode.value = null;
    try {
      const result = await api.invoke('shell.open', { cols, rows });
      id.value = result.id;
      status.value = 'open';
    } catch (cause) {
      status.value = 'error';
      error.value = cause instanceof Error ? cause.message : String(cause);
      sink?.write(`\x1b[31m[workbench] cannot start a shell: ${error.value}\x1b[0m\r\n`);
    }
  }

  async function restart(cols: number, rows: number): Promise<void> {
    await close();
    sink?.clear();
    await open(cols, rows);
  }

  async function close(): Promise<void> {
    const current = id.value;
    id.value = null;
    status.value = 'closed';
    if (current !== null) await api.invoke('shell.close', { id: current }).catch(() => undefined);
  }

  function input(data: string): void {
    if (id.value !== null && status.value === 'open') void api.invoke('shell.input', { id: id.value, data }).catch(() => undefined);
  }

  function resize(cols: number, rows: number): void {
    if (id.value !== null && status.value === 'open') {
      void api.invoke('shell.resize', { id: id.value, cols, rows }).catch(() => undefined);
    }
  }

  /** After a reconnect the server has closed our old pty: forget it so the panel can start a new one. */
  function forget(): void {
    id.value = null;
    status.value = 'closed';
  }

  return { id, status, exitCode, error, panelOpen, bind, open, restart, close, input, resize, forget };
});
