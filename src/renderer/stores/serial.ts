/**
 * Zone serial consoles. Output is not kept here (xterm holds its own scrollback): the store routes
 * serial.output events to attached terminals and tracks unseen activity for the tabs.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { useWorkbench } from '../api/workbench-api';

export interface TerminalSink {
  write(data: string): void;
  clear(): void;
}

interface Attachment {
  readonly sink: TerminalSink;
  /** Events that arrive before the backlog answer are already part of it: drop them. */
  live: boolean;
}

export const useSerialStore = defineStore('serial', () => {
  const api = useWorkbench();
  const attachments = new Map<number, Set<Attachment>>();
  const activeZone = ref<number | null>(null);
  const unseen = ref(new Set<number>());
  const inputError = ref<string | null>(null);

  api.on('serial.output', ({ zone, data }) => {
    for (const attachment of attachments.get(zone) ?? []) {
      if (attachment.live) attachment.sink.write(data);
    }
    if (zone !== activeZone.value) unseen.value.add(zone);
  });

  /**
   * Connects a terminal to a zone: first the backlog, then live output. Both transports deliver in
   * order and the services answer serial.backlog synchronously, so output emitted before the answer
   * is inside the backlog and output after it arrives after the answer.
   */
  function attach(zone: number, sink: TerminalSink): () => void {
    const attachment: Attachment = { sink, live: false };
    let set = attachments.get(zone);
    if (!set) {
      set = new Set();
      attachments.set(zone, set);
    }
    set.add(attachment);
    let detached = false;
    api
      .invoke('serial.backlog', { zone })
      .then(({ data }) => {
        if (detached) return;
        sink.clear();
        if (data) sink.write(data);
      })
      .catch((error: unknown) => {
        if (!detached) sink.write(`\r\n\x1b[31m[workbench] cannot load the backlog: ${String(error)}\x1b[0m\r\n`);
      })
      .finally(() => {
        attachment.live = true;
      });
    return () => {
      detached = true;
      set.delete(attachment);
    };
  }

  function send(zone: number, data: string): void {
    api.invoke('serial.input', { zone, data }).then(
      () => (inputError.value = null),
      (error: unknown) => (inputError.value = `zone ${zone} input: ${String(error)}`),
    );
  }

  function activate(zone: number | null): void {
    activeZone.value = zone;
    if (zone !== null) unseen.value.delete(zone);
  }

  return { activeZone, unseen, inputError, attach, send, activate };
});
