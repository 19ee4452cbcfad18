/**
 * The services half of the wire protocol: one session per connected renderer (an Electron
 * webContents or a WebSocket). Both transports use it so they cannot drift apart.
 */
import { PROTOCOL_VERSION, type CommandName, type CommandParams, type WireMessage } from '../../shared/protocol/index';
import { parseWireMessage, protocolMismatch } from '../../shared/protocol/wire-client';
import type { Disposable, WorkbenchServices } from '../services';

export class WireSession implements Disposable {
  private readonly subscription: Disposable;
  /** Shells this renderer opened: a closed window must not leave ptys running behind it. */
  private readonly openShells = new Set<number>();
  private disposed = false;
  /** Set when the window said hello with another protocol version: it is answered with this, and sent no events. */
  private mismatch: string | undefined;

  constructor(
    private readonly services: WorkbenchServices,
    private readonly send: (message: WireMessage) => void,
  ) {
    this.subscription = services.onEvent((event, payload) => {
      if (event === 'shell.exit') this.openShells.delete((payload as { id: number }).id);
      if (this.mismatch !== undefined) return;
      this.post({ kind: 'event', event, payload });
    });
  }

  /** Handles one message from the renderer; anything that is not a well-formed invoke is ignored. */
  handle(raw: unknown): void {
    const message = parseWireMessage(raw);
    if (!message || this.disposed) return;
    if (message.kind === 'hello') {
      // Versions are checked per connection: a window without hello (older than the check) is served as before.
      this.mismatch = message.protocol === PROTOCOL_VERSION ? undefined : protocolMismatch(PROTOCOL_VERSION, message.protocol);
      this.post({ kind: 'hello', protocol: PROTOCOL_VERSION });
      return;
    }
    if (message.kind !== 'invoke') return;
    if (this.mismatch !== undefined) {
      this.post({ kind: 'result', id: message.id, ok: false, error: this.mismatch });
      return;
    }
    void this.run(message.id, message.command, message.params);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.subscription.dispose();
    for (const id of this.openShells) {
      this.services.invoke('shell.close', { id }).catch(() => undefined);
    }
    this.openShells.clear();
  }

  private async run(id: number, command: CommandName, params: unknown): Promise<void> {
    try {
      const value = await this.services.invoke(command, (params ?? {}) as CommandParams<CommandName>);
      if (command === 'shell.open') {
        const shellId = (value as { id: number }).id;
        if (this.disposed) this.services.invoke('shell.close', { id: shellId }).catch(() => undefined);
        else this.openShells.add(shellId);
      }
      this.post({ kind: 'result', id, ok: true, value: value ?? null });
    } catch (error) {
      this.post({ kind: 'result', id, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private post(message: WireMessage): void {
    if (this.disposed) return;
    try {
      this.send(message);
    } catch {
      // The peer went away between the check and the send; its close handler disposes us.
    }
  }
}
