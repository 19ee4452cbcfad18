/**
 * The hypervisor's own log: the service's backlog (lines written before this window connected),
 * then hypervisor.log events; a bounded list of lines, newest last. Lines carry the service's
 * sequence number, so a line that is both in the backlog and an event is kept once.
 */
import { defineStore } from 'pinia';
import { ref, shallowRef, triggerRef, watch } from 'vue';
import type { HypervisorLogLine } from '../../shared/protocol/index';
import { useConnection, useWorkbench } from '../api/workbench-api';

export interface LogLine {
  readonly seq: number;
  readonly time: number;
  readonly text: string;
}

/** Enough for a long session of zone starts and errors; the oldest lines go first. */
export const LOG_LIMIT = 2000;

export const useHypervisorLogStore = defineStore('hypervisorLog', () => {
  const api = useWorkbench();
  const connection = useConnection();
  // A shallow ref mutated in place: the log can be long and events come in bursts.
  const lines = shallowRef<LogLine[]>([]);
  const unseen = ref(0);
  /** Lines up to this sequence number were cleared by the user. */
  let clearedUpTo = 0;

  function add(incoming: readonly HypervisorLogLine[], counts: boolean): void {
    const list = lines.value;
    const last = list.length > 0 ? list[list.length - 1]!.seq : clearedUpTo;
    let added = 0;
    for (const line of incoming) {
      if (line.seq <= last) continue;
      list.push({ seq: line.seq, time: line.time, text: line.line });
      added++;
    }
    if (added === 0) return;
    if (list.length > LOG_LIMIT) list.splice(0, list.length - LOG_LIMIT);
    if (counts) unseen.value += added;
    triggerRef(lines);
  }

  /** The backlog, merged in front of whatever events arrived while it was on its way. */
  async function loadBacklog(): Promise<void> {
    try {
      const { lines: backlog } = await api.invoke('hypervisor.backlog', {});
      const live = lines.value;
      const firstLive = live.length > 0 ? live[0]!.seq : Infinity;
      const older = backlog.filter((line) => line.seq > clearedUpTo && line.seq < firstLive).map((line) => ({ seq: line.seq, time: line.time, text: line.line }));
      if (older.length === 0) return;
      lines.value = older.concat(live).slice(-LOG_LIMIT);
      unseen.value += older.length;
    } catch {
      // A service without a backlog: the view shows the lines from now on.
    }
  }

  api.on('hypervisor.log', (line) => add([line], true));
  void loadBacklog();
  // A new connection may be a new workbench (new sequence numbers): start over from its backlog.
  watch(connection.epoch, () => {
    lines.value = [];
    clearedUpTo = 0;
    void loadBacklog();
  });

  function clear(): void {
    const list = lines.value;
    if (list.length > 0) clearedUpTo = list[list.length - 1]!.seq;
    lines.value = [];
    unseen.value = 0;
  }

  function markSeen(): void {
    unseen.value = 0;
  }

  return { lines, unseen, clear, markSeen };
});
