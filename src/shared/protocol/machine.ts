/** Commands and events of the machine domain: the running layout, its zones and their harts. */

export type MachineState = 'idle' | 'running' | 'paused' | 'faulted' | 'exited';
export type ZoneState = 'running' | 'stopped' | 'error' | 'paused';

export interface HartSnapshot {
  readonly id: number;
  readonly status: 'stopped' | 'running' | 'waiting' | 'paused' | 'faulted' | 'exited';
  /** Instructions retired since the hart's zone last started. */
  readonly retired: number;
}

export interface ZoneSnapshot {
  readonly id: number;
  readonly name: string;
  readonly state: ZoneState;
  readonly harts: readonly HartSnapshot[];
  /** Set when the zone stopped on a guest error. */
  readonly error?: string;
  /** The zone's hvisor JSON, relative to the layout folder (absent for the root zone). */
  readonly config?: string;
}

export interface LayoutSnapshot {
  readonly name: string;
  readonly path: string;
  readonly board: string;
  readonly arch: string;
  /** What the views call one CPU of this board: "hart" on RISC-V, "CPU" on Arm (the CPU model registry's word). */
  readonly cpuNoun: string;
  readonly state: MachineState;
  /** Deterministic mode (decision 0025): plain, recording its input, or replaying a recording. */
  readonly deterministic?: 'deterministic' | 'recording' | 'replaying';
  readonly zones: readonly ZoneSnapshot[];
  /**
   * Set when the layout cannot start (its findings, a missing image): the machine is idle with no
   * zones; the zone editor can fix the files, and machine.start / machine.reset read them again.
   */
  readonly problem?: string;
}

export interface MachineCommands {
  'layout.get': { params: Record<string, never>; result: LayoutSnapshot };
  'machine.start': { params: Record<string, never>; result: LayoutSnapshot };
  'machine.pause': { params: Record<string, never>; result: LayoutSnapshot };
  'machine.resume': { params: Record<string, never>; result: LayoutSnapshot };
  'machine.reset': { params: Record<string, never>; result: LayoutSnapshot };
}

export interface MachineEvents {
  'machine.state': LayoutSnapshot;
  'machine.fault': { zone: number; hart: number; message: string };
}
