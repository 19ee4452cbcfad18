/** Zone lifecycle as hvisor-tool offers it (`hvisor zone start|shutdown|list`), for the workbench UI. */

export interface ZoneListEntry {
  readonly zoneId: number;
  readonly cpus: readonly number[];
  readonly name: string;
  readonly status: 'running' | 'error';
}

export interface ZoneCommandResult {
  /** hvisor's return value: 0 or -errno. */
  readonly code: number;
  /** What hvisor-tool would print, or the validation report that refused the start. */
  readonly message: string;
}

export interface ZoneCommands {
  /** Start a zone from an hvisor zone JSON (a path on the host, relative to the layout folder). */
  'zone.start': { params: { config: string }; result: ZoneCommandResult };
  'zone.shutdown': { params: { id: number }; result: ZoneCommandResult };
  /** The zone list and the exact table `hvisor zone list` prints. */
  'zone.list': { params: Record<string, never>; result: { zones: ZoneListEntry[]; table: string } };
  /** `hvisor virtio start <virtio_cfg.json>`: serve the file's devices from zone0. */
  'virtio.start': { params: { config: string }; result: { messages: string[] } };
  /** The hypervisor log so far (bounded), for a view that opens after the lines were written. */
  'hypervisor.backlog': { params: Record<string, never>; result: { lines: HypervisorLogLine[] } };
}

/** A line of the hypervisor's own log (zone starts, shutdowns, dropped IRQs, guest errors). */
export interface HypervisorLogLine {
  /** Increasing per workbench: a line seen in the backlog and as an event is the same line. */
  readonly seq: number;
  /** Host time in milliseconds since the epoch. */
  readonly time: number;
  readonly line: string;
}

export interface ZoneEvents {
  'hypervisor.log': HypervisorLogLine;
}
