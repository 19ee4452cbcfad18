/// <reference path="../../../src/renderer/env.d.ts" />
/**
 * The zone editor reads a file as `hvwb validate` and hvisor-tool do: of repeated keys the first
 * counts, so the form shows the value the zone will start with, and a file nested too deep opens as
 * text with its finding instead of a form.
 */
import { createPinia, setActivePinia } from 'pinia';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getBoard } from '../../../src/boards/index';
import type { CommandName, WorkbenchApi } from '../../../src/shared/protocol/index';
import { parseZoneConfig } from '../../../src/shared/validate/zone-config';

const repo = path.resolve(import.meta.dirname, '../../..');
const zoneU = readFileSync(path.join(repo, 'examples/riscv64-zones/zone-u.json'), 'utf8').replace('"zone_id": 1', '"zone_id": 1, "zone_id": 3');
const deep = `{"cpus": ${'['.repeat(100)}${']'.repeat(100)}}`;

const api: WorkbenchApi = {
  invoke(command: CommandName): Promise<never> {
    if (command !== 'layout.files') return Promise.reject(new Error(`unexpected ${command}`));
    return Promise.resolve({
      folder: '/layouts/zones',
      board: getBoard('qemu-plic'),
      problems: [],
      files: [
        { path: 'layout.json', kind: 'layout', text: readFileSync(path.join(repo, 'examples/riscv64-zones/layout.json'), 'utf8') },
        { path: 'zone-u.json', kind: 'zone', text: zoneU },
        { path: 'zone-r.json', kind: 'zone', text: deep },
      ],
    } as never);
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

beforeEach(() => setActivePinia(createPinia()));

describe('editor documents', () => {
  it('shows the first of repeated keys, the value validation and hvisor-tool read', async () => {
    const editor = useEditorStore();
    await editor.load();
    const file = editor.files.find((f) => f.path === 'zone-u.json')!;
    expect(parseZoneConfig(zoneU, 'zone-u.json').config?.zoneId).toBe(1);
    expect((file.doc as Record<string, unknown>).zone_id).toBe(1);
    expect(editor.validation?.zones.get('zone-u.json')?.zoneId).toBe(1);
  });

  it('opens a file nested too deep as text, with its finding', async () => {
    const editor = useEditorStore();
    await editor.load();
    const file = editor.files.find((f) => f.path === 'zone-r.json')!;
    expect(file.doc).toBeUndefined();
    expect(editor.findingsAt('zone-r.json', '').map((f) => f.message)).toEqual([expect.stringMatching(/^not readable: nested more than 64 levels deep \(line 1, column 73, at cpus(\[0\]){63}\)/)]);
  });
});
