/**
 * Loaded through Vite's SSR module loader by render-views.ts (so the .vue files compile as the app's
 * build compiles them): mounts one inspector view over a scripted WorkbenchApi and a store filled by the
 * test, and renders it to HTML with Vue's server renderer. No DOM, no browser.
 */
import { createPinia, setActivePinia } from 'pinia';
import { createSSRApp, h, type Component } from 'vue';
import { renderToString } from 'vue/server-renderer';
import type { EventName, WorkbenchApi } from '../../../src/shared/protocol/index';
import { connectWorkbench } from '../../../src/renderer/api/workbench-api';
import { useInspectStore } from '../../../src/renderer/stores/inspect';
import RegistersView from '../../../src/renderer/views/inspect/RegistersView.vue';
import InterruptsView from '../../../src/renderer/views/inspect/InterruptsView.vue';
import ConnectionBanner from '../../../src/renderer/components/ConnectionBanner.vue';

const listeners = new Map<string, Set<(payload: unknown) => void>>();

const api: WorkbenchApi = {
  invoke: () => new Promise(() => undefined),
  on(event, listener) {
    const set = listeners.get(event) ?? new Set();
    set.add(listener as (payload: unknown) => void);
    listeners.set(event, set);
    return () => set.delete(listener as (payload: unknown) => void);
  },
};

Object.assign(globalThis, { window: { workbench: api, location: { href: 'http://127.0.0.1/' } } });
connectWorkbench();

/** Delivers an event as the transport would (e.g. the services' hello). */
export function emit(event: EventName, payload: unknown): void {
  for (const listener of listeners.get(event) ?? []) listener(payload);
}

const VIEWS: Record<string, Component> = { registers: RegistersView, interrupts: InterruptsView, banner: ConnectionBanner };

export async function render(view: 'registers' | 'interrupts' | 'banner', fill: (store: ReturnType<typeof useInspectStore>) => void = () => undefined): Promise<string> {
  const pinia = createPinia();
  setActivePinia(pinia);
  const store = useInspectStore();
  fill(store);
  const app = createSSRApp({ render: () => h(VIEWS[view]!) }).use(pinia);
  return renderToString(app);
}
