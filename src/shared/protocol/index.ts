/**
 * The one protocol between the renderer and the services. Electron IPC and the browser-mode
 * WebSocket are two transports of it; the preload exposes exactly `WorkbenchApi` as `window.workbench`.
 */
import type { MachineCommands, MachineEvents } from './machine';
import type { SerialCommands, SerialEvents } from './serial';
import type { ShellCommands, ShellEvents } from './shell';
import type { ZoneCommands, ZoneEvents } from './zones';
import type { DiskCommands, DiskEvents } from './disks';
import type { InspectCommands, InspectEvents } from './inspect';
import type { LayoutFileCommands } from './layout-files';
import type { TimelineCommands, TimelineEvents } from './timeline';
import type { MemoryCommands } from './memory';
import type { PciCommands } from './pci';
import type { DisplayCommands } from './display';
import type { SnapshotCommands } from './snapshot';

export type * from './machine';
export type * from './serial';
export type * from './shell';
export type * from './zones';
export type * from './disks';
export type * from './inspect';
export type * from './layout-files';
export type * from './timeline';
export type * from './memory';
export type * from './pci';
export type * from './display';
export type * from './snapshot';

/** Events the window's own transport raises (not sent by the services). */
export interface ConnectionEvents {
  /** The services answered the window's hello: their protocol version. */
  'connection.hello': { protocol: number };
}

export type Commands = MachineCommands & SerialCommands & ShellCommands & ZoneCommands & DiskCommands & LayoutFileCommands & InspectCommands & TimelineCommands & MemoryCommands & PciCommands & DisplayCommands & SnapshotCommands;
export type Events = ConnectionEvents & MachineEvents & SerialEvents & ShellEvents & ZoneEvents & InspectEvents & TimelineEvents & DiskEvents;

export type CommandName = keyof Commands;
export type EventName = keyof Events;
export type CommandParams<C extends CommandName> = Commands[C]['params'];
export type CommandResult<C extends CommandName> = Commands[C]['result'];

/** What the renderer sees, whatever the transport. */
export interface WorkbenchApi {
  invoke<C extends CommandName>(command: C, params: CommandParams<C>): Promise<CommandResult<C>>;
  /** Returns a function that removes the listener. */
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

/**
 * Wire format shared by both transports. A window says `hello` with its protocol version when it
 * connects and the services answer with theirs; a window whose version differs is refused (its
 * invokes fail, it gets no events) and tells the user to reload, instead of misreading the messages.
 */
export type WireMessage =
  | { kind: 'hello'; protocol: number }
  | { kind: 'invoke'; id: number; command: CommandName; params: unknown }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: string }
  | { kind: 'event'; event: EventName; payload: unknown };

/** Bump on every change of a command, an event or a payload's shape. 2: inspectors as data (groups, tables). 3: memory.* (memory and translation views). 4: symbols and the breakpoint/watchpoint list (zone.point.*, zone.symbols). 5: pci.bus (the PCIe assignment view). 6: display.list and display.frame (the Display view). 7: snapshot.save, snapshot.restore, snapshot.list. */
export const PROTOCOL_VERSION = 7;
