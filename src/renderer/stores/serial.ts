/**
 * Zone serial consoles. Output is not kept here (xterm holds its own scrollback): the store routes
 * serial.output events to attached terminals and tracks unseen activity for the tabs. A zone that
 * stops keeps its terminal; when it starts again a separator line marks where the new run begins.
 */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import type { ZoneState } from '../../shared/protocol/index';
import { useWorkbench } from '../api/workbench-api';
import { useMachineStore } from './machine';

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
  const machine = useMachineStore();
  /** Each zone's state as its terminal last knew it, and the zones that have run at least once. */
  const knownState = new Map<number, ZoneState>();
  const hasRun = ref(new Set<number>());

  function writeLive(zone: number, data: string): void {
    for (const attachment of attachments.get(zone) ?? []) {
      if (attachment.live) attachment.sink.write(data);
    }
  }

  /**
   * A stopped zone that had run is starting again. Called from whichever comes first, its first
   * output or the machine.state event that says so: the services send the two in either order.
   */
  function markRestart(zone: number): void {
    knownState.set(zone, 'running');
    const name = machine.zones.find((candidate) => candidate.id === zone)?.name ?? `zone ${zone}`;
    const time = new Date().toLocaleTimeString('en-GB');
    writeLive(zone, `\r\n\x1b[2m──── ${name} started again · ${time} ────\x1b[0m\r\n`);
  }

  api.on('serial.output', ({ zone, data }) => {
    if (knownState.get(zone) === 'stopped' && hasRun.value.has(zone)) markRestart(zone);
    writeLive(zone, data);
    if (zone !== activeZone.value) unseen.value.add(zone);
  });

  watch(
    () => machine.zones,
    (zones) => {
      for (const zone of zones) {
        const before = knownState.get(zone.id);
        if (zone.state === 'running' && before === 'stopped' && hasRun.value.has(zone.id)) markRestart(zone.id);
        if (zone.state !== 'stopped') hasRun.value.add(zone.id);
        knownState.set(zone.id, zone.state);
      }
    },
  );

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

  return { activeZone, unseen, inputError, hasRun, attach, send, activate };
});
