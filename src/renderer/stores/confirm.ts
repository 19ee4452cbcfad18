/**
 * Confirmation before an action that cannot be undone (reset the machine, shut a zone down, detach
 * a folder): one question at a time, answered in ConfirmDialog.vue. `ask` resolves true only when
 * the user chose the action.
 */
import { defineStore } from 'pinia';
import { shallowRef } from 'vue';

export interface ConfirmQuestion {
  readonly title: string;
  readonly detail: string;
  /** The action's own name on the button ("Reset", "Shut down"), never a bare "OK". */
  readonly action: string;
}

interface Pending extends ConfirmQuestion {
  readonly answer: (confirmed: boolean) => void;
}

export const useConfirmStore = defineStore('confirm', () => {
  const pending = shallowRef<Pending | null>(null);

  function ask(question: ConfirmQuestion): Promise<boolean> {
    // A second question while one is open declines the first: only one dialog is on screen.
    pending.value?.answer(false);
    return new Promise((resolve) => {
      pending.value = {
        ...question,
        answer: (confirmed) => {
          pending.value = null;
          resolve(confirmed);
        },
      };
    });
  }

  function answer(confirmed: boolean): void {
    pending.value?.answer(confirmed);
  }

  return { pending, ask, answer };
});
