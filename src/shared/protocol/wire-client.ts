/**
 * The client half of the wire protocol, shared by the preload (Electron IPC) and the renderer's
 * WebSocket transport so that both expose an identical `WorkbenchApi`. Plain TS: no DOM, no Node.
 */
import { PROTOCOL_VERSION, type CommandName, type CommandParams, type CommandResult, type EventName, type Events, type WireMessage, type WorkbenchApi } from './index';

/** What a window of another protocol version is told, by the services and by its own transport. */
export function protocolMismatch(services: number, window: number): string {
  return `the workbench was updated (it speaks protocol ${services}, this window ${window}): reload this window`;
}

export interface WireClient {
  readonly api: WorkbenchApi;
  /** Feed one message received from the services side. */
  receive(message: WireMessage): void;
  /** Reject every pending invoke, e.g. when the connection drops. */
  failPending(reason: string): void;
  /** Say hello with this side's protocol version; a transport calls it first on every connection. */
  hello(): void;
  /** Set when the services answered with another protocol version: every invoke fails with it. */
  readonly mismatch: string | undefined;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export function createWireClient(send: (message: WireMessage) => void, protocol = PROTOCOL_VERSION): WireClient {
  let nextId = 1;
  let mismatch: string | undefined;
  let lastHello: Events['connection.hello'] | undefined;
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  const api: WorkbenchApi = {
    invoke<C extends CommandName>(command: C, params: CommandParams<C>): Promise<CommandResult<C>> {
      if (mismatch !== undefined) return Promise.reject(new Error(mismatch));
      const id = nextId++;
      return new Promise<CommandResult<C>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        try {
          send({ kind: 'invoke', id, command, params });
        } catch (error) {
          pending.delete(id);
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    },
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      const untyped = listener as (payload: unknown) => void;
      set.add(untyped);
      // The services' hello may come before the window listens (Electron: the preload says hello first).
      if (event === 'connection.hello' && lastHello !== undefined) {
        const hello = lastHello;
        void Promise.resolve().then(() => {
          if (set.has(untyped)) untyped(hello);
        });
      }
      return () => {
        set.delete(untyped);
      };
    },
  };

  const deliver = (event: EventName, payload: unknown): void => {
    // Copy so that a listener removing itself does not disturb the iteration.
    for (const listener of [...(listeners.get(event) ?? [])]) {
      try {
        listener(payload);
      } catch (error) {
        // Surface the listener's bug as an unhandled rejection without stopping the other listeners.
        void Promise.reject(error);
      }
    }
  };

  const failPending = (reason: string): void => {
    const entries = [...pending.values()];
    pending.clear();
    for (const entry of entries) entry.reject(new Error(reason));
  };

  return {
    api,
    get mismatch() {
      return mismatch;
    },
    hello() {
      send({ kind: 'hello', protocol });
    },
    receive(message) {
      if (message.kind === 'hello') {
        mismatch = message.protocol === protocol ? undefined : protocolMismatch(message.protocol, protocol);
        if (mismatch !== undefined) failPending(mismatch);
        lastHello = { protocol: message.protocol };
        deliver('connection.hello', lastHello);
        return;
      }
      // A window of another version must not act on what it would misread.
      if (mismatch !== undefined) return;
      if (message.kind === 'result') {
        const entry = pending.get(message.id);
        if (!entry) return;
        pending.delete(message.id);
        if (message.ok) entry.resolve(message.value);
        else entry.reject(new Error(message.error));
      } else if (message.kind === 'event') {
        deliver(message.event, message.payload);
      }
    },
    failPending,
  };
}

/** Structural check of an untrusted message; returns undefined when it is not a WireMessage. */
export function parseWireMessage(value: unknown): WireMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const message = value as Record<string, unknown>;
  switch (message.kind) {
    case 'hello':
      return Number.isSafeInteger(message.protocol) ? (message as unknown as WireMessage) : undefined;
    case 'invoke':
      return Number.isSafeInteger(message.id) && typeof message.command === 'string'
        ? (message as unknown as WireMessage)
        : undefined;
    case 'result':
      return Number.isSafeInteger(message.id) && typeof message.ok === 'boolean'
        ? (message as unknown as WireMessage)
        : undefined;
    case 'event':
      return typeof message.event === 'string' ? (message as unknown as WireMessage) : undefined;
    default:
      return undefined;
  }
}

/** The single Electron IPC channel that carries WireMessages between the preload and main. */
export const WIRE_CHANNEL = 'workbench:wire';
