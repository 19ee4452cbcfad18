/** Snapshots of the running machine (snapshot.save / snapshot.restore / snapshot.list): the files, the last result, the last refusal. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { SnapshotFileInfo, SnapshotRestored, SnapshotSaved } from '../../shared/protocol/index';
import { useWorkbench } from '../api/workbench-api';

export const useSnapshotStore = defineStore('snapshots', () => {
  const api = useWorkbench();
  const files = ref<SnapshotFileInfo[]>([]);
  const busy = ref<'save' | 'restore' | null>(null);
  const saved = ref<SnapshotSaved | null>(null);
  const restored = ref<SnapshotRestored | null>(null);
  const error = ref<string | null>(null);

  async function refresh(): Promise<void> {
    try {
      files.value = (await api.invoke('snapshot.list', {})).files;
    } catch (e) {
      error.value = (e as Error).message;
    }
  }

  async function save(): Promise<void> {
    if (busy.value) return;
    busy.value = 'save';
    error.value = null;
    restored.value = null;
    try {
      saved.value = await api.invoke('snapshot.save', {});
      await refresh();
    } catch (e) {
      error.value = `Save failed: ${(e as Error).message}`;
    } finally {
      busy.value = null;
    }
  }

  async function restore(file: string): Promise<void> {
    if (busy.value) return;
    busy.value = 'restore';
    error.value = null;
    saved.value = null;
    try {
      restored.value = await api.invoke('snapshot.restore', { file });
    } catch (e) {
      error.value = `Restore refused: ${(e as Error).message}`;
    } finally {
      busy.value = null;
    }
  }

  return { files, busy, saved, restored, error, refresh, save, restore };
});
