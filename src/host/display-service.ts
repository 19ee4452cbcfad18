/**
 * The Display view's service (decision 0028): the board's display functions (bochs-display on the
 * PCIe host, plugged by a layout's `pci` list) read straight from the machine's shared bytes, where
 * every vCPU thread's host keeps the DISPI registers and the VRAM. Nothing here asks a vCPU anything.
 *
 * Dirty tracking: each framebuffer write sets its 4 KiB page's bit (BochsDisplayState.writeVram); a
 * frame request takes the bits and stamps the pages with a new generation, so several windows can each
 * ask for "what changed since my generation" and get the rows those pages cover. A mode change (or a
 * window's first request) sends every row. The view asks at most 30 times a second, and only while it
 * is open; `maxBandBytes` bounds one answer (a guest rewriting the whole VRAM each frame costs one full
 * frame per request, 1024x768 RGBA = 3 MiB).
 */
import type { Board } from '../shared/model/board';
import type { DisplayFrame, DisplayInfo, DisplayModeData } from '../shared/protocol/display';
import { BochsDisplayState, BOCHS_VRAM_BYTES, type BochsMode } from '../core/devices/display/bochs-display';
import { pciFunctionsOf } from '../core/devices/pci/pci-host-board';
import { pciHostStateLayout } from '../core/devices/pci/pci-function-types';
import { deviceRegionName } from '../core/devices/create-devices';
import { regionOf, type SharedLayout } from '../core/machine/shared-layout';
import { formatBdf, bdfOf } from '../core/devices/pci/pci-endpoint';

const PAGE = 4096;
const PAGES = BOCHS_VRAM_BYTES / PAGE;

interface Display {
  readonly info: DisplayInfo;
  readonly state: BochsDisplayState;
  /** The generation at which each VRAM page last changed. */
  readonly pageGeneration: Uint32Array;
  generation: number;
  /** The generation of the last mode change (a window older than it gets a full frame). */
  modeGeneration: number;
  modeKey: string;
}

const modeKey = (m: BochsMode | undefined): string => (m ? `${m.width}x${m.height}x${m.bpp}/${m.stride}/${m.offset}/${m.bigEndian}` : 'none');

export function modeData(m: BochsMode): DisplayModeData {
  return { width: m.width, height: m.height, bpp: m.bpp, stride: m.stride, offset: m.offset, format: m.bpp === 16 ? 'RGB565' : `XRGB8888 ${m.bigEndian ? 'big' : 'little'}-endian` };
}

export class DisplayService {
  private readonly displays = new Map<string, Display>();

  constructor(board: Board, layout: SharedLayout, buffer: ArrayBufferLike, private readonly live: () => boolean) {
    for (const host of board.devices.filter((d) => d.kind === 'pci-host-ecam' && d.irq !== undefined)) {
      const functions = pciFunctionsOf(host);
      if (!functions.some((f) => f.type === 'bochs-display')) continue;
      const region = regionOf(layout, buffer, deviceRegionName(host));
      const placed = pciHostStateLayout(functions.map((f) => f.type), host.name);
      functions.forEach((f, i) => {
        if (f.type !== 'bochs-display') return;
        const at = placed.state[i]!;
        const bdf = formatBdf(bdfOf(0, f.slot, 0));
        const id = `${host.name}/${bdf}`;
        const state = new BochsDisplayState(new Uint8Array(region.buffer, region.byteOffset + at.offset, at.bytes));
        this.displays.set(id, { info: { id, name: f.type, bdf }, state, pageGeneration: new Uint32Array(PAGES), generation: 1, modeGeneration: 1, modeKey: 'none' });
      });
    }
  }

  list(): DisplayInfo[] {
    return [...this.displays.values()].map((d) => d.info);
  }

  /** The shared state of a display, for tests and the CLI. */
  state(id: string): BochsDisplayState | undefined {
    return this.displays.get(id)?.state;
  }

  frame(id: string, since: number): DisplayFrame {
    const d = this.displays.get(id);
    if (!d) throw new Error(`no display '${id}' (${[...this.displays.keys()].join(', ') || 'this machine has none'})`);
    const dirty = d.state.takeDirtyPages();
    if (dirty.some((w) => w !== 0)) {
      d.generation++;
      for (let w = 0; w < dirty.length; w++) {
        const word = dirty[w]!;
        if (word === 0) continue;
        for (let b = 0; b < 32; b++) if ((word >>> b) & 1) d.pageGeneration[w * 32 + b] = d.generation;
      }
    }
    const result = d.state.mode();
    const mode = result.mode;
    const key = modeKey(mode);
    if (key !== d.modeKey) {
      d.generation++;
      d.modeKey = key;
      d.modeGeneration = d.generation;
    }
    const base = { id, generation: d.generation, live: this.live() };
    if (!mode) return { ...base, mode: null, reason: result.mode ? null : result.reason, full: true, bands: [], bytes: 0 };
    const full = !(since >= d.modeGeneration) || since > d.generation;
    // Rows whose bytes lie in a page stamped after `since`.
    const rows = new Uint8Array(mode.height);
    if (full) rows.fill(1);
    else {
      const first = Math.floor(mode.offset / PAGE);
      const last = Math.min(PAGES - 1, Math.floor((mode.offset + mode.stride * mode.height - 1) / PAGE));
      for (let p = first; p <= last; p++) {
        if (d.pageGeneration[p]! <= since) continue;
        const y0 = Math.max(0, Math.floor((p * PAGE - mode.offset) / mode.stride));
        const y1 = Math.min(mode.height - 1, Math.floor(((p + 1) * PAGE - 1 - mode.offset) / mode.stride));
        rows.fill(1, y0, y1 + 1);
      }
    }
    const bands: { y: number; height: number; rgba: string }[] = [];
    let bytes = 0;
    for (let y = 0; y < mode.height; ) {
      if (!rows[y]) {
        y++;
        continue;
      }
      let end = y;
      while (end < mode.height && rows[end]) end++;
      const rgba = d.state.rgbaRows(mode, y, end - y);
      bytes += rgba.length;
      bands.push({ y, height: end - y, rgba: Buffer.from(rgba.buffer, rgba.byteOffset, rgba.length).toString('base64') });
      y = end;
    }
    return { ...base, mode: modeData(mode), reason: null, full, bands, bytes };
  }
}
