/// <reference path="../../../src/renderer/env.d.ts" />
/**
 * The editor store against a scripted WorkbenchApi (no DOM): typing into one field is one undo step,
 * Save is refused with the errors listed and nothing written, allowed with warnings, and writes only
 * the files whose text changes, in hvisor's layout.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getBoard } from '../../../src/boards/index';
import type { CommandName, LayoutSaveFile, WorkbenchApi } from '../../../src/shared/protocol/index';

const repo = path.resolve(import.meta.dirname, '../../..');
const example = (name: string): string => readFileSync(path.join(repo, 'examples/riscv64-zones', name), 'utf8');
const saved: LayoutSaveFile[][] = [];

const api: WorkbenchApi = {
  invoke(command: CommandName, params: unknown): Promise<never> {
    if (command === 'layout.files') {
      return Promise.resolve({
        folder: '/layouts/zones',
        board: getBoard('qemu-plic'),
        problems: [],
        files: [
          { path: 'layout.json', kind: 'layout', text: example('layout.json') },
          { path: 'zone-u.json', kind: 'zone', text: example('zone-u.json') },
          { path: 'zone-r.json', kind: 'zone', text: example('zone-r.json') },
        ],
      } as never);
    }
    if (command === 'layout.save') {
      const files = (params as { files: LayoutSaveFile[] }).files;
      saved.push(files);
      return Promise.resolve({ written: files.map((f) => f.path) } as never);
    }
    return Promise.reject(new Error(`unexpected ${command}`));
  },
  on: () => () => undefined,
};

let useEditorStore: typeof import('../../../src/renderer/stores/editor').useEditorStore;

beforeAll(async () => {
  Object.assign(globalThis, { window: { workbench: api } });
  const { connectWorkbench } = await import('../../../src/renderer/api/workbench-api');
  connectWorkbench();
  ({ useEditorStore } = await import('../../../src/renderer/stores/editor'));
});

beforeEach(() => {
  saved.length = 0;
  setActivePinia(createPinia());
});

describe('editor store', () => {
  it('makes one undo step of typing into one field, and redoes it', async () => {
    const editor = useEditorStore();
    await editor.load();
    editor.edit('zone-u.json', 'name', 'z');
    editor.edit('zone-u.json', 'name', 'zo');
    editor.edit('zone-u.json', 'name', 'zon');
    editor.edit('zone-u.json', 'cpus', [1]);
    expect(editor.undoStack.length).toBe(2);
    editor.undo();
    expect(editor.files[1]!.doc).toMatchObject({ name: 'zon', cpus: [1, 2] });
    editor.undo();
    expect(editor.files[1]!.doc).toMatchObject({ name: 'zoneU' });
    expect(editor.dirty).toBe(false);
    editor.redo();
    editor.redo();
    expect(editor.files[1]!.doc).toMatchObject({ name: 'zon', cpus: [1] });
  });

  it('refuses to save with errors, listing them, and writes nothing', async () => {
    const editor = useEditorStore();
    await editor.load();
    editor.newZone();
    editor.edit('zone3.json', 'cpus', [3]);
    await editor.save();
    expect(saved).toEqual([]);
    expect(editor.report?.severity).toBe('error');
    expect(editor.report?.title).toMatch(/^Not saved: 1 error must be fixed first/);
    expect(editor.report?.findings[0]).toMatchObject({ file: 'zone3.json', path: 'cpus' });
  });

  it('saves with warnings: the new zone, the layout that lists it, and only the changed line of zoneU', async () => {
    const editor = useEditorStore();
    await editor.load();
    editor.newZone();
    editor.edit('zone3.json', 'cpus', [2]);
    editor.edit('zone-u.json', 'cpus', [1]);
    editor.edit('zone3.json', 'entry_point', '2315255808');
    await editor.save();
    expect(editor.report?.severity).toBe('warning');
    const files = new Map(saved[0]!.map((f) => [f.path, f.text]));
    expect([...files.keys()]).toEqual(['layout.json', 'zone-u.json', 'zone3.json']);
    expect(files.get('zone-u.json')).toBe(example('zone-u.json').replace('"cpus": [1, 2]', '"cpus": [1]'));
    expect(files.get('zone3.json')).toContain('  "entry_point": "0x8a000000",\n');
    expect(files.get('layout.json')).toContain('{ "config": "zone3.json", "autostart": false }');
    expect(editor.dirty).toBe(false);
    // A second save has nothing to write.
    await editor.save();
    expect(saved.length).toBe(1);
    expect(editor.report?.title).toMatch(/Nothing to save/);
  });

  it('keeps a zone file that is not JSON as text until it parses', async () => {
    const editor = useEditorStore();
    await editor.load();
    editor.editText('zone-r.json', '{ "zone_id": 2,');
    expect(editor.files[2]).toMatchObject({ doc: undefined, rawText: '{ "zone_id": 2,' });
    expect(editor.validateNow()?.findings.find((f) => f.file === 'zone-r.json')?.message).toMatch(/not valid JSON/);
    editor.editText('zone-r.json', example('zone-r.json'));
    expect(editor.files[2]!.doc).toMatchObject({ zone_id: 2 });
    expect(editor.dirty).toBe(false);
  });

  it('deletes a zone from the layout and undoes the deletion', async () => {
    const editor = useEditorStore();
    await editor.load();
    editor.remove('zone-u.json');
    expect(editor.files.map((f) => f.path)).toEqual(['layout.json', 'zone-r.json']);
    expect(editor.files[0]!.doc).toMatchObject({ zones: [{ config: 'zone-r.json' }] });
    editor.undo();
    expect(editor.files.map((f) => f.path)).toEqual(['layout.json', 'zone-u.json', 'zone-r.json']);
  });
});
