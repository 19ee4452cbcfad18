/**
 * The client half of the wire protocol, shared by the preload (Electron IPC) and the renderer's
 * WebSocket transport so that both expose an identical `WorkbenchApi`. Plain TS: no DOM, no Node.
 */
import type { CommandName, CommandParams, CommandResult, EventName, Events, WireMessage, WorkbenchApi } from './index';

export interface WireClient {
  readonly api: WorkbenchApi;
  /** Feed one message received from the services side. */
  receive(message: WireMessage): void;
  /** Reject every pending invoke, e.g. when the connection drops. */
  failPending(reason: string): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export function createWireClient(send: (message: WireMessage) => void): WireClient {
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  const api: WorkbenchApi = {
    invoke<C extends CommandName>(command: C, params: CommandParams<C>): Promise<CommandResult<C>> {
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
      return () => {
        set.delete(untyped);
      };
    },
  };

  return {
    api,
    receive(message) {
      if (message.kind === 'result') {
        const entry = pending.get(message.id);
        if (!entry) return;
        pending.delete(message.id);
        if (message.ok) entry.resolve(message.value);
        else entry.reject(new Error(message.error));
      } else if (message.kind === 'event') {
        // Copy so that a listener removing itself does not disturb the iteration.
        for (const listener of [...(listeners.get(message.event) ?? [])]) {
          try {
            listener(message.payload);
          } catch (error) {
            // Surface the listener's bug as an unhandled rejection without stopping the other listeners.
            void Promise.reject(error);
          }
        }
      }
    },
    failPending(reason) {
      const entries = [...pending.values()];
      pending.clear();
      for (const entry of entries) entry.reject(new Error(reason));
    },
  };
}

/** Structural check of an untrusted message; returns undefined when it is not a WireMessage. */
export function parseWireMessage(value: unknown): WireMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const message = value as Record<string, unknown>;
  switch (message.kind) {
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
