/**
 * The notification area (bottom right, as in VS Code): results of zone commands and zone errors.
 * Information fades after a while; errors stay until dismissed because they carry a report.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';

export type Severity = 'info' | 'warning' | 'error';

export interface NotificationAction {
  readonly label: string;
  run(): void;
}

export interface Notification {
  readonly id: number;
  readonly severity: Severity;
  readonly title: string;
  /** Multi-line text shown as is in monospace (an hvisor message, a validation report). */
  readonly detail?: string;
  /** Where it came from, e.g. `hvisor zone shutdown 1`. */
  readonly source?: string;
  readonly actions: readonly NotificationAction[];
}

export type NotificationInput = Omit<Notification, 'id' | 'actions'> & { actions?: readonly NotificationAction[] };

const INFO_TIMEOUT_MS = 8000;
/** More than this many at once is noise; the oldest go first. */
const MAX_SHOWN = 5;

export const useNotificationsStore = defineStore('notifications', () => {
  const items = ref<Notification[]>([]);
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  let nextId = 1;

  function notify(input: NotificationInput): number {
    const id = nextId++;
    items.value.push({ ...input, id, actions: input.actions ?? [] });
    while (items.value.length > MAX_SHOWN) dismiss(items.value[0]!.id);
    if (input.severity === 'info') timers.set(id, setTimeout(() => dismiss(id), INFO_TIMEOUT_MS));
    return id;
  }

  function dismiss(id: number): void {
    clearTimeout(timers.get(id));
    timers.delete(id);
    items.value = items.value.filter((item) => item.id !== id);
  }

  /** Hovering or focusing a notification keeps it: the user is reading it. */
  function hold(id: number): void {
    clearTimeout(timers.get(id));
    timers.delete(id);
  }

  return { items, notify, dismiss, hold };
});
