/** The hypervisor's own log (hypervisor.log events): a bounded list of lines, newest last. */
import { defineStore } from 'pinia';
import { ref, shallowRef, triggerRef } from 'vue';
import { useWorkbench } from '../api/workbench-api';

export interface LogLine {
  readonly seq: number;
  readonly time: number;
  readonly text: string;
}

/** Enough for a long session of zone starts and errors; the oldest lines go first. */
export const LOG_LIMIT = 2000;

export const useHypervisorLogStore = defineStore('hypervisorLog', () => {
  const api = useWorkbench();
  // A shallow ref mutated in place: the log can be long and events come in bursts.
  const lines = shallowRef<LogLine[]>([]);
  const unseen = ref(0);
  let seq = 0;

  api.on('hypervisor.log', ({ line }) => {
    const list = lines.value;
    list.push({ seq: seq++, time: Date.now(), text: line });
    if (list.length > LOG_LIMIT) list.splice(0, list.length - LOG_LIMIT);
    unseen.value++;
    triggerRef(lines);
  });

  function clear(): void {
    lines.value = [];
    unseen.value = 0;
  }

  function markSeen(): void {
    unseen.value = 0;
  }

  return { lines, unseen, clear, markSeen };
});
