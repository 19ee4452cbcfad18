/**
 * The zone editor: the layout's files as documents (from 'layout.files'), edits with undo/redo (a
 * history of snapshots; typing into one field is one step), validation a moment after the last edit,
 * and Save through 'layout.save' (blocked by errors, allowed with warnings).
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { Board } from '../../shared/model/board';
import { rootZoneConfig, type ZoneFinding } from '../../shared/model/zone-config';
import { readJson } from '../../shared/validate/json-reader';
import { useWorkbench } from '../api/workbench-api';
import { appendAt, getAt, normalizeNumbers, setAt, type EditorFile } from '../views/editor/model/documents';
import { deepEqual, formatJson, type Json } from '../views/editor/model/json-format';
import { hartRows, irqRows, ivcLinks, mapZones, memoryLanes } from '../views/editor/model/partition';
import { duplicateZone, layoutWithZone, newZonePath, nextZoneId, zoneTemplate } from '../views/editor/model/templates';
import { fieldKey, findingsByField, validateFiles, type EditorValidation } from '../views/editor/model/validation';

export interface SaveReport {
  readonly severity: 'error' | 'warning' | 'info';
  readonly title: string;
  readonly findings: readonly ZoneFinding[];
}

/** How long after the last keystroke the checks run. */
export const VALIDATION_DELAY_MS = 250;
/** Edits of one field closer together than this are one undo step. */
const COALESCE_MS = 1000;
const HISTORY_LIMIT = 200;

/** The shared reader, as validation and hvisor-tool read the file: the first of repeated keys counts. */
function parseJson(text: string): Json | undefined {
  const read = readJson(text);
  return read.ok ? read.value : undefined;
}

const savedDocs = new Map<string, Json | undefined>();
function savedDoc(text: string): Json | undefined {
  if (!savedDocs.has(text)) savedDocs.set(text, parseJson(text));
  return savedDocs.get(text);
}

export function isDirty(file: EditorFile): boolean {
  if (file.savedText === undefined) return true;
  if (file.doc === undefined) return file.rawText !== file.savedText;
  return !deepEqual(file.doc, savedDoc(file.savedText));
}

export const useEditorStore = defineStore('editor', () => {
  const api = useWorkbench();
  const board = shallowRef<Board | null>(null);
  const folder = ref('');
  const problems = ref<readonly string[]>([]);
  const files = shallowRef<readonly EditorFile[]>([]);
  const selected = ref<string>('');
  const loading = ref(false);
  const loadError = ref<string | null>(null);
  const saving = ref(false);
  const report = ref<SaveReport | null>(null);
  const undoStack = shallowRef<(readonly EditorFile[])[]>([]);
  const redoStack = shallowRef<(readonly EditorFile[])[]>([]);
  let lastEdit = { key: '', time: 0 };

  const validation = shallowRef<EditorValidation | null>(null);
  const validating = ref(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The files the current validation describes, so that a change already checked is not checked again. */
  let validated: readonly EditorFile[] | undefined;

  function validateNow(): EditorValidation | null {
    clearTimeout(timer);
    validating.value = false;
    if (!board.value) return null;
    validated = files.value;
    validation.value = validateFiles(files.value, board.value, problems.value);
    return validation.value;
  }

  watch(files, () => {
    if (files.value === validated) return;
    clearTimeout(timer);
    validating.value = true;
    timer = setTimeout(validateNow, VALIDATION_DELAY_MS);
  });

  const kinds = computed(() => new Map(files.value.map((f) => [f.path, f.kind])));
  const byField = computed(() => findingsByField(validation.value?.findings ?? [], kinds.value, board.value?.arch));
  const findingsAt = (file: string, path: string): readonly ZoneFinding[] => byField.value.get(fieldKey(file, path)) ?? [];

  const root = computed(() => validation.value?.root ?? (board.value ? rootZoneConfig(board.value) : null));
  const zones = computed(() => (root.value ? mapZones(root.value, files.value) : []));
  const harts = computed(() => (board.value ? hartRows(board.value, zones.value) : []));
  const lanes = computed(() => (board.value ? memoryLanes(board.value, zones.value) : []));
  const ivc = computed(() => (root.value ? ivcLinks(root.value, zones.value[0]?.name ?? 'root', files.value) : []));
  const irqs = computed(() => (board.value ? irqRows(board.value, zones.value, files.value.filter((f) => f.kind === 'virtio'), ivc.value) : []));
  const current = computed(() => files.value.find((f) => f.path === selected.value));
  /** Deleting a zone changes layout.json, so the file list alone tells. */
  const dirty = computed(() => files.value.some(isDirty));

  async function load(): Promise<void> {
    loading.value = true;
    loadError.value = null;
    try {
      const result = await api.invoke('layout.files', {});
      board.value = result.board;
      folder.value = result.folder;
      problems.value = result.problems;
      files.value = result.files.map((f) => {
        const doc = parseJson(f.text);
        return { path: f.path, kind: f.kind, savedText: f.text, doc, ...(doc === undefined ? { rawText: f.text } : {}) };
      });
      undoStack.value = [];
      redoStack.value = [];
      report.value = null;
      if (!files.value.some((f) => f.path === selected.value)) {
        selected.value = (files.value.find((f) => f.kind === 'zone') ?? files.value[0])?.path ?? '';
      }
      validateNow();
    } catch (error) {
      loadError.value = error instanceof Error ? error.message : String(error);
    } finally {
      loading.value = false;
    }
  }

  /** Replaces the files, recording an undo step unless it continues the same field's typing. */
  function commit(next: readonly EditorFile[], coalesceKey = ''): void {
    const now = Date.now();
    const continues = coalesceKey !== '' && coalesceKey === lastEdit.key && now - lastEdit.time < COALESCE_MS;
    if (!continues) undoStack.value = [...undoStack.value, files.value].slice(-HISTORY_LIMIT);
    lastEdit = { key: coalesceKey, time: now };
    redoStack.value = [];
    files.value = next;
    report.value = report.value?.severity === 'error' ? report.value : null;
  }

  function update(path: string, change: (file: EditorFile) => EditorFile, coalesceKey = ''): void {
    commit(files.value.map((f) => (f.path === path ? change(f) : f)), coalesceKey);
  }

  /** Sets the value at a JSON path of a file (undefined removes it). */
  function edit(file: string, path: string, value: Json | undefined): void {
    update(file, (f) => ({ ...f, doc: setAt(f.doc ?? {}, path, value) }), fieldKey(file, path));
  }

  function addRow(file: string, path: string, item: Json): void {
    update(file, (f) => ({ ...f, doc: appendAt(f.doc ?? {}, path, item) }));
  }

  function removeRow(file: string, path: string): void {
    update(file, (f) => ({ ...f, doc: setAt(f.doc ?? {}, path, undefined) }));
  }

  /** Text of a file that is not JSON (yet): it becomes a document as soon as it parses. */
  function editText(file: string, text: string): void {
    const doc = parseJson(text);
    update(file, (f) => (doc === undefined ? { path: f.path, kind: f.kind, savedText: f.savedText, doc: undefined, rawText: text } : { path: f.path, kind: f.kind, savedText: f.savedText, doc }), fieldKey(file, ''));
  }

  function addZone(doc: Json): void {
    if (!board.value) return;
    const id = getAt(doc, 'zone_id');
    const path = newZonePath(typeof id === 'number' ? id : nextZoneId(zones.value), files.value);
    const file: EditorFile = { path, kind: 'zone', savedText: undefined, doc };
    const next = files.value.map((f) => (f.kind === 'layout' && f.doc !== undefined ? { ...f, doc: layoutWithZone(f.doc, path, true) } : f));
    const lastZone = next.reduce((at, f, i) => (f.kind === 'zone' || f.kind === 'layout' ? i : at), -1);
    commit([...next.slice(0, lastZone + 1), file, ...next.slice(lastZone + 1)]);
    selected.value = path;
  }

  function newZone(): void {
    if (board.value) addZone(zoneTemplate(board.value, zones.value, files.value));
  }

  function duplicate(path: string): void {
    const source = files.value.find((f) => f.path === path);
    if (board.value && source?.kind === 'zone' && source.doc !== undefined) addZone(duplicateZone(source.doc, board.value, zones.value));
  }

  /** Removes a zone from the layout; its file stays on disk. */
  function remove(path: string): void {
    const index = files.value.findIndex((f) => f.path === path && f.kind === 'zone');
    if (index < 0) return;
    const next = files.value
      .filter((f) => f.path !== path)
      .map((f) => (f.kind === 'layout' && f.doc !== undefined ? { ...f, doc: layoutWithZone(f.doc, path, false) } : f));
    commit(next);
    if (selected.value === path) selected.value = (next.filter((f) => f.kind === 'zone')[Math.max(0, index - 2)] ?? next[0])?.path ?? '';
  }

  function undo(): void {
    const previous = undoStack.value.at(-1);
    if (!previous) return;
    undoStack.value = undoStack.value.slice(0, -1);
    redoStack.value = [...redoStack.value, files.value];
    files.value = previous;
    lastEdit = { key: '', time: 0 };
    if (!previous.some((f) => f.path === selected.value)) selected.value = previous[0]?.path ?? '';
  }

  function redo(): void {
    const next = redoStack.value.at(-1);
    if (!next) return;
    redoStack.value = redoStack.value.slice(0, -1);
    undoStack.value = [...undoStack.value, files.value];
    files.value = next;
    lastEdit = { key: '', time: 0 };
    if (!next.some((f) => f.path === selected.value)) selected.value = next[0]?.path ?? '';
  }

  /** The files whose text on disk would change, in hvisor's layout. */
  function pendingWrites(): { file: EditorFile; text: string; doc: Json }[] {
    const out: { file: EditorFile; text: string; doc: Json }[] = [];
    for (const file of files.value) {
      if (file.doc === undefined) continue;
      const doc = normalizeNumbers(file.doc, file.kind);
      const text = formatJson(doc, file.savedText);
      if (text !== file.savedText) out.push({ file, text, doc });
    }
    return out;
  }

  async function save(): Promise<void> {
    if (saving.value) return;
    const result = validateNow();
    if (!result) return;
    const errors = result.findings.filter((f) => f.severity === 'error');
    const warnings = result.findings.filter((f) => f.severity === 'warning');
    const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
    if (errors.length > 0) {
      report.value = { severity: 'error', title: `Not saved: ${plural(errors.length, 'error')} must be fixed first`, findings: errors };
      return;
    }
    const writes = pendingWrites();
    if (writes.length === 0) {
      report.value = { severity: 'info', title: 'Nothing to save: the files on disk are up to date', findings: [] };
      return;
    }
    saving.value = true;
    try {
      const { written } = await api.invoke('layout.save', { files: writes.map((w) => ({ path: w.file.path, text: w.text })) });
      const saved = new Map(writes.map((w) => [w.file.path, w]));
      files.value = files.value.map((f) => {
        const w = saved.get(f.path);
        return w ? { path: f.path, kind: f.kind, savedText: w.text, doc: w.doc } : f;
      });
      validateNow();
      const title = `Saved ${written.join(', ')}`;
      report.value = warnings.length > 0
        ? { severity: 'warning', title: `${title} with ${plural(warnings.length, 'warning')}`, findings: warnings }
        : { severity: 'info', title, findings: [] };
    } catch (error) {
      report.value = { severity: 'error', title: `Not saved: ${error instanceof Error ? error.message : String(error)}`, findings: [] };
    } finally {
      saving.value = false;
    }
  }

  return {
    board, folder, problems, files, selected, loading, loadError, saving, report, validation, validating,
    undoStack, redoStack, current, dirty, root, zones, harts, lanes, irqs, ivc,
    load, validateNow, findingsAt, edit, addRow, removeRow, editText, newZone, duplicate, remove, undo, redo, save, pendingWrites,
  };
});
