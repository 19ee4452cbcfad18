/**
 * QEMU's `bochs-display` (hw/display/bochs-display.c): a PCI display function with a linear framebuffer
 * and the Bochs VBE "DISPI" mode registers, which Linux drives with bochs-drm
 * (drivers/gpu/drm/tiny/bochs.c). PCI 1234:1111, revision 2, class 03 80 00 (display, other), INTx none.
 *
 * - BAR 0: the framebuffer (VRAM), 16 MiB of 32-bit prefetchable memory (QEMU's vgamem default).
 * - BAR 2: 4 KiB of registers: the EDID blob at 0x000 (none here: reads 0, so the driver falls back to
 *   its own mode list with 1024x768 preferred), the VGA ports 0x3c0..0x3df at 0x400 (bochs-drm's blank
 *   and unblank writes; bochs-display has no VGA, so they read 0 and are dropped, as QEMU's unassigned
 *   region), the DISPI registers at 0x500 + 2 * index (16-bit), QEMU's extended registers at 0x600
 *   (size 8, framebuffer byte order at 0x604: 0x1e1e1e1e little, 0xbebebebe big).
 * - A PCI Express endpoint capability at 0x80, as QEMU adds on a PCIe bus.
 *
 * The mode is QEMU's bochs_display_get_mode: enabled, 16 or 32 bpp, width and height at least 64,
 * stride = max(VIRT_WIDTH, XRES) * bytes per pixel, start at X_OFFSET/Y_OFFSET, all inside the VRAM.
 * Anything else is no mode, with a reason (a guest programming 65535x65535x32 gets a report, never an
 * allocation: the framebuffer is always the VRAM, which never grows).
 *
 * State (all shared, so every thread serves the same function and the management side reads frames
 * without asking anyone): the 4 KiB configuration space (the host's block), then `BOCHS_STATE_BYTES`:
 * the DISPI registers, the byte order, a dirty bit per 4 KiB page of VRAM (set by every framebuffer
 * write with Atomics.or, taken by the frame reader with Atomics.exchange), then the VRAM itself.
 *
 * Left out: VGA (no legacy ports, no text mode, no VBE banked window), 8/15/24 bpp (QEMU's
 * bochs-display has none either), the EDID blob, the option ROM, hardware cursor.
 */
import type { RegisterDef } from '../../bus/types';
import { PCI_CONFIG_BYTES, PciConfigSpace, PcieDeviceType, pciExpressCapability, type PciFunctionSpec } from '../pci/pci-config-space';
import type { PciEndpoint, PciSlot } from '../pci/pci-endpoint';

export const BOCHS_DISPLAY_VENDOR_ID = 0x1234;
export const BOCHS_DISPLAY_DEVICE_ID = 0x1111;
export const BOCHS_DISPLAY_CLASS = 0x03_80_00;
export const BOCHS_VRAM_BYTES = 16 * 1024 * 1024;
export const BOCHS_MMIO_BYTES = 0x1000;
export const BochsBar = { framebuffer: 0, mmio: 2 } as const;

/** DISPI register indices (bochs.c VBE_DISPI_INDEX_*), each 16 bits at 0x500 + 2 * index. */
export const Dispi = {
  id: 0x0, xres: 0x1, yres: 0x2, bpp: 0x3, enable: 0x4, bank: 0x5, virtWidth: 0x6, virtHeight: 0x7, xOffset: 0x8, yOffset: 0x9, videoMemory64k: 0xa,
} as const;
export const DISPI_COUNT = 0xb;
export const DISPI_ID5 = 0xb0c5;
export const DispiEnable = { enabled: 0x01, getCaps: 0x02, dac8bit: 0x20, lfbEnabled: 0x40, noClearMem: 0x80 } as const;

export const BochsMmio = { edid: 0x000, vga: 0x400, dispi: 0x500, qextSize: 0x600, qextByteOrder: 0x604 } as const;
export const QEXT_SIZE = 8;
export const QEXT_LITTLE_ENDIAN = 0x1e1e1e1e;
export const QEXT_BIG_ENDIAN = 0xbebebebe;

/** BAR 2 as data (the inspector, the docs). */
export const BOCHS_DISPLAY_REGISTERS: readonly RegisterDef[] = [
  { name: 'DISPI_ID', offset: 0x500, width: 2, access: 'ro', reset: DISPI_ID5, description: 'VBE_DISPI_ID5' },
  { name: 'DISPI_XRES', offset: 0x502, width: 2, access: 'rw', reset: 0 },
  { name: 'DISPI_YRES', offset: 0x504, width: 2, access: 'rw', reset: 0 },
  { name: 'DISPI_BPP', offset: 0x506, width: 2, access: 'rw', reset: 0, description: '16 or 32' },
  { name: 'DISPI_ENABLE', offset: 0x508, width: 2, access: 'rw', reset: 0, description: 'bit 0 enabled, bit 6 linear framebuffer' },
  { name: 'DISPI_BANK', offset: 0x50a, width: 2, access: 'rw', reset: 0 },
  { name: 'DISPI_VIRT_WIDTH', offset: 0x50c, width: 2, access: 'rw', reset: 0 },
  { name: 'DISPI_VIRT_HEIGHT', offset: 0x50e, width: 2, access: 'rw', reset: 0 },
  { name: 'DISPI_X_OFFSET', offset: 0x510, width: 2, access: 'rw', reset: 0 },
  { name: 'DISPI_Y_OFFSET', offset: 0x512, width: 2, access: 'rw', reset: 0 },
  { name: 'DISPI_VIDEO_MEMORY_64K', offset: 0x514, width: 2, access: 'ro', reset: BOCHS_VRAM_BYTES / 0x10000 },
  { name: 'QEXT_SIZE', offset: 0x600, width: 4, access: 'ro', reset: QEXT_SIZE },
  { name: 'QEXT_BYTEORDER', offset: 0x604, width: 4, access: 'rw', reset: QEXT_LITTLE_ENDIAN },
];

const PAGE_SHIFT = 12;
const PAGES = BOCHS_VRAM_BYTES >>> PAGE_SHIFT;
/** Layout of the state after the configuration space. */
const STATE = { dispi: 0, bigEndian: 32, dirty: 64, vram: 4096 } as const;
export const BOCHS_STATE_BYTES = STATE.vram + BOCHS_VRAM_BYTES;

export interface BochsMode {
  readonly width: number;
  readonly height: number;
  readonly bpp: 16 | 32;
  /** Bytes per line. */
  readonly stride: number;
  /** Byte offset of the first visible pixel in the VRAM. */
  readonly offset: number;
  readonly bigEndian: boolean;
}

export type BochsModeResult = { readonly mode: BochsMode } | { readonly mode?: undefined; readonly reason: string };

const spec: PciFunctionSpec = {
  vendorId: BOCHS_DISPLAY_VENDOR_ID,
  deviceId: BOCHS_DISPLAY_DEVICE_ID,
  revision: 2,
  classCode: BOCHS_DISPLAY_CLASS,
  headerType: 0,
  subsystemVendorId: 0x1af4,
  subsystemId: 0x1100,
  interruptPin: 0,
  bars: [
    { index: BochsBar.framebuffer, kind: 'memory32', size: BOCHS_VRAM_BYTES, prefetchable: true },
    { index: BochsBar.mmio, kind: 'memory32', size: BOCHS_MMIO_BYTES },
  ],
};

/** The configuration space (what every thread and the assignment view build over the host's block). */
export function bochsDisplayConfigSpace(bytes: Uint8Array): PciConfigSpace {
  const config = new PciConfigSpace(spec, bytes);
  config.addCapability(pciExpressCapability(PcieDeviceType.endpoint));
  return config;
}

/** The shared state after the configuration space, read and written by every view of one display. */
export class BochsDisplayState {
  private readonly regs: DataView;
  private readonly dirty: Int32Array;
  readonly vram: Uint8Array;
  private readonly vramView: DataView;

  constructor(readonly bytes: Uint8Array) {
    if (bytes.length < BOCHS_STATE_BYTES) throw new Error(`bochs-display: ${bytes.length} bytes of state, needs ${BOCHS_STATE_BYTES}`);
    if ((bytes.byteOffset & 3) !== 0) throw new Error('bochs-display: its state must be 4-byte aligned');
    this.regs = new DataView(bytes.buffer, bytes.byteOffset + STATE.dispi, 64);
    this.dirty = new Int32Array(bytes.buffer, bytes.byteOffset + STATE.dirty, PAGES / 32);
    this.vram = new Uint8Array(bytes.buffer, bytes.byteOffset + STATE.vram, BOCHS_VRAM_BYTES);
    this.vramView = new DataView(bytes.buffer, bytes.byteOffset + STATE.vram, BOCHS_VRAM_BYTES);
  }

  dispi(index: number): number {
    if (index === Dispi.id) return DISPI_ID5;
    if (index === Dispi.videoMemory64k) return BOCHS_VRAM_BYTES / 0x10000;
    if (index >= DISPI_COUNT) return 0xffff;
    return this.regs.getUint16(2 * index, true);
  }

  setDispi(index: number, value: number): void {
    if (index >= DISPI_COUNT || index === Dispi.id || index === Dispi.videoMemory64k) return;
    this.regs.setUint16(2 * index, value & 0xffff, true);
  }

  get bigEndian(): boolean {
    return this.regs.getUint8(STATE.bigEndian) !== 0;
  }

  set bigEndian(value: boolean) {
    this.regs.setUint8(STATE.bigEndian, value ? 1 : 0);
  }

  /** The mode the registers describe now (QEMU's bochs_display_get_mode), or why there is none. */
  mode(): BochsModeResult {
    const enable = this.dispi(Dispi.enable);
    if (!(enable & DispiEnable.enabled)) return { reason: 'the display is off (DISPI ENABLE bit 0 clear)' };
    const bpp = this.dispi(Dispi.bpp);
    if (bpp !== 16 && bpp !== 32) return { reason: `${bpp} bits per pixel is not a mode of bochs-display (16 or 32)` };
    const bytesPerPixel = bpp / 8;
    const width = this.dispi(Dispi.xres);
    const height = this.dispi(Dispi.yres);
    const stride = Math.max(this.dispi(Dispi.virtWidth), width) * bytesPerPixel;
    const offset = this.dispi(Dispi.xOffset) * bytesPerPixel + this.dispi(Dispi.yOffset) * stride;
    const name = `${width}x${height}x${bpp}`;
    if (width < 64 || height < 64) return { reason: `mode ${name} is smaller than 64x64` };
    if (offset + stride * height > BOCHS_VRAM_BYTES) {
      return { reason: `mode ${name} needs ${stride * height} bytes at offset ${offset}; the VRAM has ${BOCHS_VRAM_BYTES}` };
    }
    return { mode: { width, height, bpp, stride, offset, bigEndian: this.bigEndian } };
  }

  readVram(offset: number, size: 1 | 2 | 4): number {
    if (size === 1) return this.vramView.getUint8(offset);
    if (size === 2) return this.vramView.getUint16(offset, true);
    return this.vramView.getUint32(offset, true);
  }

  writeVram(offset: number, size: 1 | 2 | 4, value: number): void {
    if (size === 1) this.vramView.setUint8(offset, value);
    else if (size === 2) this.vramView.setUint16(offset, value, true);
    else this.vramView.setUint32(offset, value >>> 0, true);
    const page = offset >>> PAGE_SHIFT;
    const bit = 1 << (page & 31);
    // Most writes land on a page already marked: a plain read first keeps the atomic off the hot path.
    if ((this.dirty[page >>> 5]! & bit) === 0) Atomics.or(this.dirty, page >>> 5, bit);
  }

  /** The pages written since the last call, as a bitmap (one bit per 4 KiB of VRAM), cleared. */
  takeDirtyPages(): Uint32Array {
    const out = new Uint32Array(this.dirty.length);
    for (let i = 0; i < this.dirty.length; i++) if (this.dirty[i] !== 0) out[i] = Atomics.exchange(this.dirty, i, 0) >>> 0;
    return out;
  }

  /** Rows `y`..`y + count - 1` of `mode` as RGBA bytes (canvas ImageData order, alpha 255). */
  rgbaRows(mode: BochsMode, y: number, count: number): Uint8Array {
    const out = new Uint8Array(mode.width * count * 4);
    if (mode.bpp === 32 && !mode.bigEndian) {
      // The common case word by word: B G R X in the VRAM to R G B A in the canvas (both read as
      // little-endian words here, which every host running this is).
      const src = new Uint32Array(this.vram.buffer, this.vram.byteOffset, BOCHS_VRAM_BYTES / 4);
      const dst = new Uint32Array(out.buffer);
      let o = 0;
      for (let row = y; row < y + count; row++) {
        let at = (mode.offset + row * mode.stride) >>> 2;
        for (let x = 0; x < mode.width; x++, at++) {
          const p = src[at]!;
          dst[o++] = (0xff00_0000 | ((p & 0xff) << 16) | (p & 0xff00) | ((p >>> 16) & 0xff)) >>> 0;
        }
      }
      return out;
    }
    const v = this.vramView;
    let o = 0;
    for (let row = y; row < y + count; row++) {
      let at = mode.offset + row * mode.stride;
      for (let x = 0; x < mode.width; x++) {
        if (mode.bpp === 32) {
          // XRGB8888: B G R X in memory little-endian, X R G B big-endian.
          const p = v.getUint32(at, !mode.bigEndian);
          out[o] = (p >>> 16) & 0xff;
          out[o + 1] = (p >>> 8) & 0xff;
          out[o + 2] = p & 0xff;
          at += 4;
        } else {
          const p = v.getUint16(at, true);
          out[o] = ((p >>> 11) & 0x1f) * 255 / 31;
          out[o + 1] = ((p >>> 5) & 0x3f) * 255 / 63;
          out[o + 2] = (p & 0x1f) * 255 / 31;
          at += 2;
        }
        out[o + 3] = 255;
        o += 4;
      }
    }
    return out;
  }

  reset(): void {
    for (let i = 0; i < STATE.vram; i++) this.bytes[i] = 0;
  }
}

/** The PCI function: the configuration space over the host's block, the BARs over the shared state. */
export class BochsDisplay implements PciEndpoint {
  readonly name = 'bochs-display';
  readonly config: PciConfigSpace;
  readonly state: BochsDisplayState;
  private slot: PciSlot | undefined;
  /** Invalid modes already reported (by their register values), so a guest looping on one is reported once. */
  private readonly reported = new Set<string>();

  constructor(configBytes: Uint8Array, stateBytes: Uint8Array) {
    if (configBytes.length < PCI_CONFIG_BYTES) throw new Error('bochs-display: needs 4 KiB of configuration space');
    this.config = bochsDisplayConfigSpace(configBytes);
    this.state = new BochsDisplayState(stateBytes);
  }

  plug(slot: PciSlot): void {
    this.slot = slot;
  }

  barRead(bar: number, offset: number, size: 1 | 2 | 4): number {
    if (bar === BochsBar.framebuffer) return this.state.readVram(offset, size);
    if (bar !== BochsBar.mmio) return size === 4 ? 0xffff_ffff : (1 << (8 * size)) - 1;
    if (offset >= BochsMmio.dispi && offset < BochsMmio.dispi + 2 * DISPI_COUNT) {
      const index = (offset - BochsMmio.dispi) >>> 1;
      const value = this.state.dispi(index);
      // A 1-byte read of the high half, a 4-byte read of two registers: little-endian, as QEMU's 2-byte impl.
      if (size === 4) return (value | (this.state.dispi(index + 1) << 16)) >>> 0;
      return size === 1 ? (offset & 1 ? value >>> 8 : value & 0xff) : value;
    }
    if (offset === BochsMmio.qextSize && size === 4) return QEXT_SIZE;
    if (offset === BochsMmio.qextByteOrder && size === 4) return this.state.bigEndian ? QEXT_BIG_ENDIAN : QEXT_LITTLE_ENDIAN;
    return 0;
  }

  barWrite(bar: number, offset: number, size: 1 | 2 | 4, value: number): void {
    if (bar === BochsBar.framebuffer) {
      this.state.writeVram(offset, size, value);
      return;
    }
    if (bar !== BochsBar.mmio) return;
    if (offset >= BochsMmio.dispi && offset < BochsMmio.dispi + 2 * DISPI_COUNT && size !== 1) {
      const index = (offset - BochsMmio.dispi) >>> 1;
      this.state.setDispi(index, value & 0xffff);
      if (size === 4) this.state.setDispi(index + 1, value >>> 16);
      if (index === Dispi.enable || (size === 4 && index + 1 === Dispi.enable)) this.checkMode();
      return;
    }
    if (offset === BochsMmio.qextByteOrder && size === 4) {
      if (value >>> 0 === QEXT_BIG_ENDIAN) this.state.bigEndian = true;
      if (value >>> 0 === QEXT_LITTLE_ENDIAN) this.state.bigEndian = false;
    }
  }

  /** Enabling a mode the device cannot show is the guest's error: one report per distinct mode. */
  private checkMode(): void {
    const result = this.state.mode();
    if (result.mode || !(this.state.dispi(Dispi.enable) & DispiEnable.enabled)) return;
    if (this.reported.has(result.reason) || this.reported.size > 64) return;
    this.reported.add(result.reason);
    this.slot?.report(`enabled without a mode it can show: ${result.reason}`);
  }

  reset(): void {
    this.state.reset();
    this.reported.clear();
  }
}
