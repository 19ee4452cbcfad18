/**
 * The services half of the wire protocol: one session per connected renderer (an Electron
 * webContents or a WebSocket). Both transports use it so they cannot drift apart.
 */
import type { CommandName, CommandParams, WireMessage } from '../../shared/protocol/index';
import { parseWireMessage } from '../../shared/protocol/wire-client';
import type { Disposable, WorkbenchServices } from '../services';

export class WireSession implements Disposable {
  private readonly subscription: Disposable;
  /** Shells this renderer opened: a closed window must not leave ptys running behind it. */
  private readonly openShells = new Set<number>();
  private disposed = false;

  constructor(
    private readonly services: WorkbenchServices,
    private readonly send: (message: WireMessage) => void,
  ) {
    this.subscription = services.onEvent((event, payload) => {
      if (event === 'shell.exit') this.openShells.delete((payload as { id: number }).id);
      this.post({ kind: 'event', event, payload });
    });
  }

  /** Handles one message from the renderer; anything that is not a well-formed invoke is ignored. */
  handle(raw: unknown): void {
    const message = parseWireMessage(raw);
    if (!message || message.kind !== 'invoke' || this.disposed) return;
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
