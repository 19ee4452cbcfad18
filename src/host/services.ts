/**
 * The services behind the protocol, independent of transport. Electron's main process and the
 * browser-mode server each create one `WorkbenchServices` and forward commands and events.
 */
import type { CommandName, CommandParams, CommandResult, EventName, Events } from '../shared/protocol/index';

export interface Disposable {
  dispose(): void;
}

export type EventListener = <E extends EventName>(event: E, payload: Events[E]) => void;

export interface WorkbenchServices {
  invoke<C extends CommandName>(command: C, params: CommandParams<C>): Promise<CommandResult<C>>;
  onEvent(listener: EventListener): Disposable;
  dispose(): Promise<void>;
}

export interface WorkbenchOptions {
  /** Layout folder to open (a folder with layout.json). */
  readonly layoutPath: string;
  /** Start the machine as soon as the layout is loaded. */
  readonly autoStart?: boolean;
}
