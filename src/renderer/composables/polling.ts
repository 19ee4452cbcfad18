/**
 * A refresh repeated while the page is visible, for views that read emulator state (inspectors,
 * timeline): one immediate refresh on start, none while the tab is hidden.
 */
export interface Polling {
  start(): void;
  stop(): void;
}

export function createPolling(refresh: () => Promise<unknown>, intervalMs: number): Polling {
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  return {
    start() {
      stop();
      void refresh();
      timer = setInterval(() => {
        if (document.visibilityState === 'visible') void refresh();
      }, intervalMs);
    },
    stop,
  };
}
