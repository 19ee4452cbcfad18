/**
 * The PCIe assignment view's state: the bus as the host reads it (pci.bus) and the assignments as the
 * layout editor's documents have them now, so an assignment shows, and is checked, as soon as it is
 * made; saving is the editor's (hvisor's JSON, the rest of each file kept). The root zone's list is the
 * board's and is shown, not edited.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { PciBusState, PciFunctionData } from '../../shared/protocol/index';
import type { ZoneFinding } from '../../shared/model/zone-config';
import { parseConfigNumber } from '../../shared/validate/json-number';
import { useWorkbench } from '../api/workbench-api';
import { useEditorStore } from './editor';
import type { Json, JsonObject } from '../views/editor/model/json-format';

export interface PciZone {
  /** '' for the root zone. */
  readonly file: string;
  readonly zoneId: number | undefined;
  readonly name: string;
  readonly root: boolean;
  readonly color: number;
}

type Bdf = Pick<PciFunctionData, 'domain' | 'bus' | 'device' | 'function'>;
const hex = (n: number): string => `0x${n.toString(16)}`;
const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: Bdf, b: Bdf): boolean => a.domain === b.domain && a.bus === b.bus && a.device === b.device && a.function === b.function;

/** An alloc_pci_devs entry's BDF as hvisor-tool reads it, or undefined while a field does not read as a number. */
function entryBdf(entry: Json): Bdf | undefined {
  if (!isObject(entry)) return undefined;
  const n = (key: string): number | undefined => {
    const v = entry[key];
    return typeof v === 'number' || typeof v === 'string' ? parseConfigNumber(v) : undefined;
  };
  const [domain, bus, device, fn] = [n('domain'), n('bus'), n('device'), n('function')];
  return domain === undefined || bus === undefined || device === undefined || fn === undefined ? undefined : { domain, bus, device, function: fn };
}

export const usePciStore = defineStore('pci', () => {
  const api = useWorkbench();
  const editor = useEditorStore();
  const bus = shallowRef<PciBusState | null>(null);
  const error = ref<string | null>(null);
  const selected = ref<string | null>(null);
  const note = ref<string | null>(null);

  async function refresh(): Promise<void> {
    try {
      bus.value = await api.invoke('pci.bus', {});
      error.value = null;
    } catch (e) {
      error.value = e instanceof Error ? e.message.replace(/^Error: /, '') : String(e);
    }
    if (editor.files.length === 0 && !editor.loading) await editor.load();
  }

  const zones = computed<PciZone[]>(() => editor.zones.map((z) => ({ file: z.file, zoneId: z.zoneId, name: z.name, root: z.root, color: z.color })));

  function listOf(file: string): Json[] {
    const doc = editor.files.find((f) => f.path === file)?.doc;
    const list = isObject(doc) ? doc['alloc_pci_devs'] : undefined;
    return Array.isArray(list) ? list : [];
  }

  /** The zones that list a function now (the root's from the board, the others' from the editor's documents). */
  function ownersOf(fn: Bdf): PciZone[] {
    return zones.value.filter((z) =>
      z.root ? (editor.root?.allocPciDevs ?? []).some((d) => same(d, fn)) : listOf(z.file).some((e) => { const b = entryBdf(e); return b !== undefined && same(b, fn); }),
    );
  }

  /** Findings on alloc_pci_devs and pci_config, and those of one function (its entries in every zone file). */
  const findings = computed<ZoneFinding[]>(() => (editor.validation?.findings ?? []).filter((f) => /^(alloc_pci_devs|pci_config)/.test(f.path)));
  function findingsOf(fn: Bdf): ZoneFinding[] {
    return findings.value.filter((f) => {
      const match = /^alloc_pci_devs\[(\d+)\]/.exec(f.path);
      if (!match) return false;
      const b = entryBdf(listOf(f.file)[Number(match[1])] ?? null);
      return b !== undefined && same(b, fn);
    });
  }

  function entry(fn: Bdf, virtual: boolean): JsonObject {
    // hvisor-tool's form (tools/hvisor.c parse_pci_config), numbers as hvisor's configs write them.
    const out: JsonObject = { domain: hex(fn.domain), bus: hex(fn.bus), device: hex(fn.device), function: hex(fn.function) };
    if (virtual) Object.assign(out, { v_bus: hex(fn.bus), v_device: hex(fn.device), v_function: hex(fn.function) });
    out['dev_type'] = '0';
    return out;
  }

  /** Adds a function to a zone file's alloc_pci_devs (with the host bridge and the board's pci_config when the zone has none). */
  function assign(fn: PciFunctionData, file: string): void {
    const zone = zones.value.find((z) => z.file === file);
    if (!zone || zone.root) return;
    const doc = editor.files.find((f) => f.path === file)?.doc;
    if (!isObject(doc)) {
      note.value = `${file} is not JSON now; fix it in the editor first`;
      return;
    }
    const list = listOf(file);
    if (list.some((e) => { const b = entryBdf(e); return b !== undefined && same(b, fn); })) {
      note.value = `${fn.bdf} is already in ${zone.name}`;
      return;
    }
    const virtual = list.some((e) => isObject(e) && 'v_bus' in e);
    const added: Json[] = [];
    const bridge = bus.value?.functions.find((f) => f.bridge && f.device === 0 && f.bus === fn.bus);
    if (bridge && !same(bridge, fn) && !list.some((e) => { const b = entryBdf(e); return b !== undefined && same(b, bridge); })) added.push(entry(bridge, virtual));
    added.push(entry(fn, virtual));
    const next = [...list, ...added].sort((a, b) => {
      const x = entryBdf(a), y = entryBdf(b);
      return x && y ? x.bus - y.bus || x.device - y.device || x.function - y.function : 0;
    });
    editor.edit(file, 'alloc_pci_devs', next);
    const pciConfig = doc['pci_config'];
    const rootBus = editor.root?.pciConfig[0];
    if ((!Array.isArray(pciConfig) || pciConfig.length === 0) && rootBus) {
      editor.edit(file, 'pci_config', [{
        ecam_base: hex(rootBus.ecamBase), ecam_size: hex(rootBus.ecamSize), io_base: hex(rootBus.ioBase), io_size: hex(rootBus.ioSize),
        pci_io_base: hex(rootBus.pciIoBase), mem32_base: hex(rootBus.mem32Base), mem32_size: hex(rootBus.mem32Size),
        pci_mem32_base: hex(rootBus.pciMem32Base), mem64_base: hex(rootBus.mem64Base), mem64_size: hex(rootBus.mem64Size),
        pci_mem64_base: hex(rootBus.pciMem64Base), bus_range_begin: hex(rootBus.busRangeBegin), bus_range_end: hex(rootBus.busRangeEnd),
        domain: hex(rootBus.domain),
      }]);
    }
    note.value = `${fn.bdf} (${fn.className}) assigned to ${zone.name}${added.length > 1 ? ' with the host bridge' : ''}`;
  }

  function unassign(fn: PciFunctionData, file: string): void {
    const list = listOf(file);
    const next = list.filter((e) => { const b = entryBdf(e); return !(b !== undefined && same(b, fn)); });
    if (next.length === list.length) return;
    editor.edit(file, 'alloc_pci_devs', next);
    note.value = `${fn.bdf} removed from ${zones.value.find((z) => z.file === file)?.name ?? file}`;
  }

  return { bus, error, selected, note, zones, refresh, ownersOf, findings, findingsOf, assign, unassign };
});
