/** The host shell terminal (node-pty) with the project's CLI on PATH. */

export interface ShellCommands {
  'shell.open': { params: { cols: number; rows: number }; result: { id: number } };
  'shell.input': { params: { id: number; data: string }; result: void };
  'shell.resize': { params: { id: number; cols: number; rows: number }; result: void };
  'shell.close': { params: { id: number }; result: void };
}

export interface ShellEvents {
  'shell.output': { id: number; data: string };
  'shell.exit': { id: number; code: number };
}
