/**
 * The memory and translation views: the address shown (in the gva, gpa or hpa view, for the inspector's
 * zone and vCPU), the block read there (refreshed while the zone runs and "follow" is on), the byte
 * selected and its translation walk, the last edit for undo, and the zone's live stage-2 map.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { AddressView, MemoryBlock, Stage2MapState, TranslationState } from '../../shared/protocol/index';
import { useWorkbench } from '../api/workbench-api';
import { useInspectStore } from './inspect';
import { createPolling } from '../composables/polling';

/** Bytes the view shows at once. */
export const VIEW_BYTES = 256;
const FOLLOW_MS = 500;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e)).replace(/^Error: /, '').replace(/^Error invoking remote method '[^']+': (Error: )?/, '');

export const useMemoryStore = defineStore('memory', () => {
  const api = useWorkbench();
  const inspect = useInspectStore();

  const view = ref<AddressView>('gpa');
  const address = ref<bigint>(0n);
  const block = ref<MemoryBlock | null>(null);
  /** Why the last read failed (cleared by the next read that works). */
  const readError = ref<string | null>(null);
  /** Why the last thing the user asked for was refused (an edit while running); stays until the next action. */
  const actionError = ref<string | null>(null);
  const error = computed(() => actionError.value ?? readError.value);
  const follow = ref(true);
  /** Offset of the selected byte in the block, or null. */
  const selected = ref<number | null>(null);
  const translation = ref<TranslationState | null>(null);
  const translationError = ref<string | null>(null);
  const stage2 = ref<Stage2MapState | null>(null);
  /** The last write: where, in which view, and the bytes it replaced. */
  const lastEdit = ref<{ zone: number; view: AddressView; cpu: number; address: string; previous: string } | null>(null);
  const notice = ref<string | null>(null);

  const zone = computed(() => inspect.zone);
  const cpu = computed(() => inspect.selectedCpu?.cpu ?? undefined);
  const paused = computed(() => inspect.debug?.paused ?? block.value?.paused ?? false);

  async function read(): Promise<void> {
    const z = zone.value;
    if (z === null) return;
    try {
      const params = { zone: z, view: view.value, address: `0x${address.value.toString(16)}`, length: VIEW_BYTES, ...(cpu.value !== undefined ? { cpu: cpu.value } : {}) };
      block.value = await api.invoke('memory.read', params);
      readError.value = null;
    } catch (e) {
      block.value = null;
      readError.value = message(e);
    }
  }

  async function loadStage2(): Promise<void> {
    const z = zone.value;
    if (z === null) return;
    try {
      stage2.value = await api.invoke('memory.stage2', { zone: z });
    } catch (e) {
      stage2.value = null;
      readError.value = message(e);
    }
  }

  /** Walks `at` (default: the selected byte, else the first shown) in the current view. */
  async function walk(at?: bigint): Promise<void> {
    const z = zone.value;
    if (z === null) return;
    const target = at ?? address.value + BigInt(selected.value ?? 0);
    try {
      translation.value = await api.invoke('memory.translate', { zone: z, view: view.value, address: `0x${target.toString(16)}`, ...(cpu.value !== undefined ? { cpu: cpu.value } : {}) });
      translationError.value = null;
    } catch (e) {
      translation.value = null;
      translationError.value = message(e);
    }
  }

  async function refresh(): Promise<void> {
    await read();
  }

  // Follows the zone while it runs; a paused zone's bytes change only by edits, which read again.
  const polling = createPolling(async () => {
    if (follow.value && !inspect.debug?.paused) await read();
  }, FOLLOW_MS);

  async function goTo(next: bigint, nextView?: AddressView): Promise<void> {
    if (nextView) view.value = nextView;
    address.value = next & ~0xfn;
    selected.value = Number(next & 0xfn);
    notice.value = null;
    actionError.value = null;
    await read();
    await walk(next);
  }

  function select(offset: number): void {
    selected.value = offset;
    void walk(address.value + BigInt(offset));
  }

  /** Writes one byte at `offset` of the shown block (the zone must be paused). */
  async function writeByte(offset: number, value: number): Promise<boolean> {
    const z = zone.value;
    if (z === null || !block.value) return false;
    const at = `0x${(BigInt(block.value.address) + BigInt(offset)).toString(16)}`;
    const used = { zone: z, view: block.value.view, cpu: block.value.cpu };
    try {
      const result = await api.invoke('memory.write', { ...used, address: at, bytes: value.toString(16).padStart(2, '0') });
      lastEdit.value = { ...used, address: result.address, previous: result.previous };
      notice.value = `Wrote 0x${value.toString(16).padStart(2, '0')} at ${result.address} (was 0x${result.previous})`;
      actionError.value = null;
      await read();
      return true;
    } catch (e) {
      actionError.value = message(e);
      return false;
    }
  }

  async function undo(): Promise<void> {
    const edit = lastEdit.value;
    if (!edit) return;
    try {
      await api.invoke('memory.write', { zone: edit.zone, view: edit.view, cpu: edit.cpu, address: edit.address, bytes: edit.previous });
      notice.value = `Undid the edit at ${edit.address} (0x${edit.previous} again)`;
      lastEdit.value = null;
      actionError.value = null;
      await read();
    } catch (e) {
      actionError.value = message(e);
    }
  }

  watch([zone, cpu], () => {
    translation.value = null;
    void read();
    void loadStage2();
  });
  watch(view, () => {
    translation.value = null;
  });

  return {
    view,
    address,
    block,
    error,
    actionError,
    follow,
    selected,
    translation,
    translationError,
    stage2,
    lastEdit,
    notice,
    paused,
    read,
    refresh,
    walk,
    goTo,
    select,
    writeByte,
    undo,
    loadStage2,
    startPolling: polling.start,
    stopPolling: polling.stop,
  };
});
