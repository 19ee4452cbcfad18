import { describe, expect, it } from 'vitest';
import { PCI_CONFIG_BYTES, PciCommand, PciReg } from '../../../../../src/core/devices/pci/pci-config-space';
import { PciHostBridgeFunction, PciHostEcamGeneric } from '../../../../../src/core/devices/pci/pci-host-ecam-generic';
import { BOCHS_STATE_BYTES, BOCHS_VRAM_BYTES, BochsDisplay, BochsDisplayState, Dispi, DISPI_ID5, QEXT_BIG_ENDIAN, QEXT_LITTLE_ENDIAN } from '../../../../../src/core/devices/display/bochs-display';
import { RecordingSink } from '../helpers';

const MEM32 = 0x4000_0000;
const FB = 0x4000_0000;
const MMIO = 0x4100_0000;

/** A host with the display at 00:01.0, over one shared buffer (config block + state), as the board builds it. */
function makeMachine(buffer = new SharedArrayBuffer(PCI_CONFIG_BYTES * 2 + BOCHS_STATE_BYTES)) {
  const reports: string[] = [];
  const host = new PciHostEcamGeneric({
    busRange: [0, 0xff],
    io: { cpuBase: 0x0300_0000, pciBase: 0, size: 0x1_0000 },
    mem32: { cpuBase: MEM32, pciBase: MEM32, size: 0x4000_0000 },
    intxLines: [32, 33, 34, 35],
    irqSink: new RecordingSink(),
    dmaMemory: { bankAt: () => undefined },
    onReport: (m) => reports.push(m),
  });
  host.plug(0, 0, new PciHostBridgeFunction(new Uint8Array(buffer, 0, PCI_CONFIG_BYTES)));
  const display = new BochsDisplay(new Uint8Array(buffer, PCI_CONFIG_BYTES, PCI_CONFIG_BYTES), new Uint8Array(buffer, 2 * PCI_CONFIG_BYTES, BOCHS_STATE_BYTES));
  host.plug(1, 0, display);
  const cfg = 1 << 15;
  const config = {
    read: (reg: number, size: 1 | 2 | 4) => host.ecam.read(cfg + reg, size),
    write: (reg: number, size: 1 | 2 | 4, v: number) => host.ecam.write(cfg + reg, size, v),
  };
  const mem = {
    read: (addr: number, size: 1 | 2 | 4) => host.mem32Window.read(addr - MEM32, size),
    write: (addr: number, size: 1 | 2 | 4, v: number) => host.mem32Window.write(addr - MEM32, size, v),
  };
  function dispi(index: number): number;
  function dispi(index: number, value: number): void;
  function dispi(index: number, value?: number): number | void {
    if (value === undefined) return mem.read(MMIO + 0x500 + 2 * index, 2);
    mem.write(MMIO + 0x500 + 2 * index, 2, value);
  }
  return { buffer, host, display, config, mem, dispi, reports };
}

/** What Linux's PCI core and bochs-drm do before drawing: size and place the BARs, enable memory decode. */
function enumerate(m: ReturnType<typeof makeMachine>) {
  m.config.write(PciReg.bar0, 4, 0xffff_ffff);
  const bar0 = m.config.read(PciReg.bar0, 4);
  m.config.write(PciReg.bar0 + 8, 4, 0xffff_ffff);
  const bar2 = m.config.read(PciReg.bar0 + 8, 4);
  m.config.write(PciReg.bar0, 4, FB);
  m.config.write(PciReg.bar0 + 8, 4, MMIO);
  m.config.write(PciReg.command, 2, PciCommand.memorySpace);
  return { bar0, bar2 };
}

/** bochs_hw_setmode for width x height x 32. */
function setMode(m: ReturnType<typeof makeMachine>, width: number, height: number, bpp = 32) {
  m.dispi(Dispi.enable, 0);
  m.dispi(Dispi.bpp, bpp);
  m.dispi(Dispi.xres, width);
  m.dispi(Dispi.yres, height);
  m.dispi(Dispi.bank, 0);
  m.dispi(Dispi.virtWidth, width);
  m.dispi(Dispi.virtHeight, Math.floor(BOCHS_VRAM_BYTES / (width * 4)) & 0xffff);
  m.dispi(Dispi.xOffset, 0);
  m.dispi(Dispi.yOffset, 0);
  m.dispi(Dispi.enable, 0x41);
}

describe('bochs-display (QEMU hw/display/bochs-display.c, as bochs-drm drives it)', () => {
  it('enumerates as QEMU has it: 1234:1111 rev 2 class 0380, BAR0 16 MiB prefetchable, BAR2 4 KiB, no INTx', () => {
    const m = makeMachine();
    expect(m.config.read(PciReg.vendorId, 2)).toBe(0x1234);
    expect(m.config.read(PciReg.deviceId, 2)).toBe(0x1111);
    expect(m.config.read(PciReg.revision, 1)).toBe(2);
    expect(m.config.read(PciReg.classCode - 1, 4) >>> 8).toBe(0x038000);
    expect(m.config.read(PciReg.interruptPin, 1)).toBe(0);
    const { bar0, bar2 } = enumerate(m);
    expect(bar0 >>> 0).toBe((~(BOCHS_VRAM_BYTES - 1) | 0x8) >>> 0);
    expect(bar2 >>> 0).toBe(0xffff_f000);
  });

  it('answers the DISPI registers bochs_hw_init reads and keeps what bochs_hw_setmode writes', () => {
    const m = makeMachine();
    enumerate(m);
    expect(m.dispi(Dispi.id)).toBe(DISPI_ID5);
    expect(m.dispi(Dispi.videoMemory64k) * 65536).toBe(BOCHS_VRAM_BYTES);
    expect(m.mem.read(MMIO + 0x600, 4)).toBe(8);
    m.mem.write(MMIO + 0x604, 4, QEXT_BIG_ENDIAN);
    expect(m.mem.read(MMIO + 0x604, 4)).toBe(QEXT_BIG_ENDIAN);
    m.mem.write(MMIO + 0x604, 4, QEXT_LITTLE_ENDIAN);
    expect(m.mem.read(MMIO + 0x604, 4)).toBe(QEXT_LITTLE_ENDIAN);
    // The ID register and the memory size are read-only.
    m.dispi(Dispi.id, 0x1234);
    expect(m.dispi(Dispi.id)).toBe(DISPI_ID5);
    // The blank/unblank VGA writes at 0x400 are dropped, not an error.
    m.mem.write(MMIO + 0x402, 1, 1);
    expect(m.mem.read(MMIO + 0x41a, 1)).toBe(0);
    expect(m.display.state.mode().mode).toBeUndefined();
    setMode(m, 1024, 768);
    expect(m.dispi(Dispi.xres)).toBe(1024);
    expect(m.display.state.mode().mode).toEqual({ width: 1024, height: 768, bpp: 32, stride: 4096, offset: 0, bigEndian: false });
    // A pan (bochs_hw_setbase): Y_OFFSET moves the visible start.
    m.dispi(Dispi.yOffset, 768);
    expect(m.display.state.mode().mode?.offset).toBe(768 * 4096);
    expect(m.reports).toEqual([]);
  });

  it('shows what the guest writes through BAR 0: XRGB8888 pixels to RGBA rows, the pages marked dirty', () => {
    const m = makeMachine();
    enumerate(m);
    setMode(m, 640, 480);
    m.display.state.takeDirtyPages();
    // Pixel (3, 2) red, (4, 2) white, in the byte order bochs-drm uses (little-endian XRGB).
    m.mem.write(FB + 2 * 640 * 4 + 3 * 4, 4, 0x00ff_0000);
    m.mem.write(FB + 2 * 640 * 4 + 4 * 4, 4, 0x00ff_ffff);
    expect(m.mem.read(FB + 2 * 640 * 4 + 3 * 4, 4)).toBe(0x00ff_0000);
    const mode = m.display.state.mode().mode!;
    const row = m.display.state.rgbaRows(mode, 2, 1);
    expect([...row.subarray(12, 20)]).toEqual([255, 0, 0, 255, 255, 255, 255, 255]);
    expect([...row.subarray(0, 4)]).toEqual([0, 0, 0, 255]);
    const dirty = m.display.state.takeDirtyPages();
    const pages = [...dirty].flatMap((w, i) => [...Array(32).keys()].filter((b) => (w >>> b) & 1).map((b) => i * 32 + b));
    expect(pages).toEqual([(2 * 640 * 4) >> 12]);
    expect([...m.display.state.takeDirtyPages()].every((w) => w === 0)).toBe(true);
  });

  it('is shared state: a second display over the same bytes (another thread) sees the mode and the pixels', () => {
    const m = makeMachine();
    enumerate(m);
    setMode(m, 800, 600);
    m.mem.write(FB + 100, 4, 0x0012_3456);
    const other = new BochsDisplayState(new Uint8Array(m.buffer, 2 * PCI_CONFIG_BYTES, BOCHS_STATE_BYTES));
    expect(other.mode().mode?.width).toBe(800);
    expect(other.readVram(100, 4)).toBe(0x0012_3456);
  });

  it('a silly mode (65535x65535x32, 24 bpp, 16x16) is no mode with a reason, reported once, and allocates nothing', () => {
    const m = makeMachine();
    enumerate(m);
    setMode(m, 65535, 65535);
    const result = m.display.state.mode();
    expect(result.mode).toBeUndefined();
    expect(result.mode ? '' : result.reason).toMatch(/65535x65535x32 needs \d+ bytes at offset 0; the VRAM has 16777216/);
    setMode(m, 65535, 65535);
    expect(m.reports).toHaveLength(1);
    expect(m.reports[0]).toMatch(/bochs-display 00:01\.0: enabled without a mode it can show: mode 65535x65535x32/);
    setMode(m, 1024, 768, 24);
    expect(m.display.state.mode()).toEqual({ reason: '24 bits per pixel is not a mode of bochs-display (16 or 32)' });
    setMode(m, 16, 16);
    expect(m.display.state.mode()).toEqual({ reason: 'mode 16x16x32 is smaller than 64x64' });
    expect(m.reports).toHaveLength(3);
    // Garbage anywhere in BAR 2 and past the registers: no exception, the registers still answer.
    for (let i = 0; i < 2000; i++) m.mem.write(MMIO + ((i * 2654435761) % 0x1000 & ~1), 2, i * 40503);
    expect(m.dispi(Dispi.id)).toBe(DISPI_ID5);
  });
});
