/**
 * The GICv3 Interrupt Translation Service (ITS, `arm,gic-v3-its`) as QEMU's virt machine has it at
 * 0x0808_0000 (hw/intc/arm_gicv3_its.c) and Linux's irq-gic-v3-its driver drives it: a 128 KiB window,
 * the control frame (GITS_CTLR, IIDR, TYPER, CBASER, CWRITER, CREADR, BASER0..7, the ID registers) and
 * the translation frame at +64 KiB whose GITS_TRANSLATER takes the MSI writes of devices. A write there
 * names a DeviceID (the PCI requester ID, bus << 8 | device << 3 | function) and carries an EventID; the
 * ITS looks the device up in the device table, the event in that device's interrupt translation table
 * (ITT), the ITT entry's collection in the collection table, and makes the LPI pending at the
 * collection's redistributor (lpis.ts), which signals it to that CPU's CPU interface.
 *
 * Tables (their formats are IMPLEMENTATION DEFINED; these follow QEMU's where it has 8-byte entries):
 * all in guest memory, read and written by the ITS. BASER0 is the device table (Type 1, 8-byte
 * entries: Valid bit 0, Size bits 5:1 = EventID bits - 1, ITT address bits 51:8 in bits 49:6), BASER1
 * the collection table (Type 4, 8-byte entries: Valid bit 0, RDbase = processor number in bits 16:1,
 * GITS_TYPER.PTA = 0), BASER2..7 unimplemented (Type 0, RAZ/WI). Either may be flat or two-level
 * (Indirect: 8-byte level-1 entries, Valid bit 63, each naming one page of entries), as in QEMU;
 * Linux makes its device table two-level. ITT entries are 8 bytes: Valid bit 0, ICID bits 31:16, pINTID in the
 * upper word. GITS_TYPER: Physical, ITT_entry_size 8, IDbits 16 (EventIDs), Devbits 16, PTA 0, HCC 0,
 * CIL 0 (16-bit ICIDs).
 *
 * The command queue (GITS_CBASER, 4 KiB pages) is read from CREADR to CWRITER when CWRITER is written
 * and the ITS is enabled: MAPD, MAPC, MAPTI, MAPI, INT, CLEAR, DISCARD, INV, INVALL, MOVI, MOVALL and
 * SYNC (VSYNC and the other GICv4 commands are unknown). Errors follow QEMU's choice among the spec's
 * CONSTRAINED UNPREDICTABLE options: a bad parameter (unmapped device, EventID out of range, an
 * unmapped collection...) ignores the command and goes on, recorded with the spec's error encoding
 * (E_ITS_MAPTI_UNMAPPED_DEVICE 0x010a04...); a command or table that cannot be read or written (an
 * address outside RAM) stalls the queue: GITS_CREADR.Stalled = 1 until software writes CWRITER with
 * Retry. Every error is also told to `onError` (the workbench's report); nothing a guest writes throws.
 * Commands complete at once, so GITS_CTLR.Quiescent reads 1 and SYNC has nothing to wait for.
 *
 * Left out: GITS_TYPER.PTA = 1 (RDbase as an address), GICv4 (vPEs,
 * doorbells, VMAPP...), GITS_SGIR, the ITS's own SError/LPI on errors (nothing is signalled to the
 * guest: it sees the stall in CREADR), caching of table entries (every translation reads memory, which
 * is the most coherent choice, as QEMU makes it), MSI writes from a CPU carrying a DeviceID (a CPU's
 * TRANSLATER write uses DeviceID 0).
 */
import type { MmioDevice, RegisterDef } from '../../../bus/types';
import type { DmaMemory } from '../../../bus/dma';
import type { MsiRefusal, MsiRequester, MsiSink } from '../../../bus/msi';
import { idRegister } from '../arm-gic-state';
import { LPI_FIRST, LPI_ID_BITS, type Gicv3Lpis } from './lpis';

export const ITS_WINDOW_BYTES = 0x2_0000;
export const GitsOffset = {
  ctlr: 0x0, iidr: 0x4, typer: 0x8, cbaser: 0x80, cwriter: 0x88, creadr: 0x90, baser: 0x100,
  pidr2: 0xffe8, translater: 0x1_0040,
} as const;
export const GitsCtlr = { enabled: 1, quiescent: 1 << 31 } as const;

export const ItsCommand = {
  MOVI: 0x01, INT: 0x03, CLEAR: 0x04, SYNC: 0x05, MAPD: 0x08, MAPC: 0x09, MAPTI: 0x0a, MAPI: 0x0b,
  INV: 0x0c, INVALL: 0x0d, MOVALL: 0x0e, DISCARD: 0x0f,
} as const;
const COMMAND_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ItsCommand).map(([name, code]) => [code, name]));

/** The GICv3 specification's ITS command error encodings (as Linux's KVM vgic-its.h lists them). */
export const ItsError = {
  MOVI_UNMAPPED_INTERRUPT: 0x01_0107,
  MOVI_UNMAPPED_COLLECTION: 0x01_0109,
  INT_UNMAPPED_INTERRUPT: 0x01_0307,
  CLEAR_UNMAPPED_INTERRUPT: 0x01_0507,
  MAPD_DEVICE_OOR: 0x01_0801,
  MAPD_ITTSIZE_OOR: 0x01_0802,
  MAPC_PROCNUM_OOR: 0x01_0902,
  MAPC_COLLECTION_OOR: 0x01_0903,
  MAPTI_UNMAPPED_DEVICE: 0x01_0a04,
  MAPTI_ID_OOR: 0x01_0a05,
  MAPTI_PHYSICALID_OOR: 0x01_0a06,
  INV_UNMAPPED_INTERRUPT: 0x01_0c07,
  INVALL_UNMAPPED_COLLECTION: 0x01_0d09,
  MOVALL_PROCNUM_OOR: 0x01_0e01,
  DISCARD_UNMAPPED_INTERRUPT: 0x01_0f07,
} as const;
/** Not an architected encoding: a command or table access outside RAM, which stalls the queue. */
export const ITS_STALL_MEMORY = 0xff_0000;
/** Not architected either: an opcode the ITS does not know (ignored, as QEMU does). */
export const ITS_UNKNOWN_COMMAND = 0xff_0001;

/** What went wrong, for the workbench's report (the guest only sees a stall). */
export interface ItsErrorReport {
  readonly code: number;
  readonly command: string;
  readonly stalled: boolean;
  readonly detail: string;
}

const DEVICE_ID_BITS = 16;
const EVENT_ID_BITS = 16;
const ICID_BITS = 16;
const DTE_BYTES = 8;
const CTE_BYTES = 8;
const ITE_BYTES = 8;
const COMMAND_BYTES = 32;
const BASER_TYPE_DEVICE = 1;
const BASER_TYPE_COLLECTION = 4;

/**
 * GITS_TYPER: Physical (0), ITT_entry_size - 1 (7:4), IDbits - 1 (12:8), Devbits - 1 (17:13); high
 * word: CIDbits 0 and CIL 0 (ICIDs have 16 bits), HCC 0, PTA 0.
 */
const TYPER_LOW = (1 | ((ITE_BYTES - 1) << 4) | ((EVENT_ID_BITS - 1) << 8) | ((DEVICE_ID_BITS - 1) << 13)) >>> 0;
/** PIDR4..7, PIDR0..3, CIDR0..3: QEMU's GITS IDs (PIDR2 = 0x3B: ArchRev 3). */
const GITS_IDS = [0x04, 0, 0, 0, 0x94, 0xb4, 0x3b, 0, 0x0d, 0xf0, 0x05, 0xb1] as const;
const GITS_IIDR = 0x43b;

/** Shared words of the ITS state. */
const W = { ctlr: 0, cbaserLow: 1, cbaserHigh: 2, cwriter: 3, creadr: 4, baser: 5, errors: 21, lastError: 22, translations: 23, lastDevice: 24, lastEvent: 25, refused: 26 } as const;
export const ITS_STATE_BYTES = 32 * 4;

/** The writable bits of GITS_BASER<n> (low, high): PA, Shareability, Page_Size, Size; Valid and the cache fields. */
const BASER_LOW_WRITABLE = 0xffff_ffff;
const BASER_INDIRECT_HIGH = 1 << 30;
const BASER_HIGH_WRITABLE = (1 << 31) | BASER_INDIRECT_HIGH | (7 << 27) | (7 << 21) | 0xffff;
const CBASER_LOW_WRITABLE = 0xffff_fcff;
const CBASER_HIGH_WRITABLE = (1 << 31) | (7 << 27) | (7 << 21) | 0x000f_ffff;

function baserFixedHigh(n: number): number {
  if (n === 0) return (BASER_TYPE_DEVICE << 24) | ((DTE_BYTES - 1) << 16);
  if (n === 1) return (BASER_TYPE_COLLECTION << 24) | ((CTE_BYTES - 1) << 16);
  return 0;
}

export const GITS_REGISTERS: readonly RegisterDef[] = [
  {
    name: 'GITS_CTLR', offset: GitsOffset.ctlr, width: 4, access: 'rw', reset: GitsCtlr.quiescent, description: 'ITS control',
    fields: [{ name: 'Enabled', lsb: 0, width: 1 }, { name: 'Quiescent', lsb: 31, width: 1, description: 'reads 1: commands complete at once' }],
  },
  { name: 'GITS_IIDR', offset: GitsOffset.iidr, width: 4, access: 'ro', reset: GITS_IIDR },
  {
    name: 'GITS_TYPER', offset: GitsOffset.typer, width: 8, access: 'ro', reset: TYPER_LOW, description: 'ITS features',
    fields: [
      { name: 'Physical', lsb: 0, width: 1 }, { name: 'ITT_entry_size', lsb: 4, width: 4, description: 'bytes - 1 (8-byte ITT entries)' },
      { name: 'IDbits', lsb: 8, width: 5, description: 'EventID bits - 1' }, { name: 'Devbits', lsb: 13, width: 5, description: 'DeviceID bits - 1' },
      { name: 'PTA', lsb: 19, width: 1, description: '0: RDbase is a processor number' }, { name: 'HCC', lsb: 24, width: 8 },
      { name: 'CIDbits', lsb: 32, width: 4 }, { name: 'CIL', lsb: 36, width: 1, description: '0: 16-bit ICIDs' },
    ],
  },
  {
    name: 'GITS_CBASER', offset: GitsOffset.cbaser, width: 8, access: 'rw', reset: 0, description: 'Command queue base',
    fields: [
      { name: 'Size', lsb: 0, width: 8, description: '4 KiB pages - 1' }, { name: 'Shareability', lsb: 10, width: 2 },
      { name: 'Physical_Address', lsb: 12, width: 40 }, { name: 'OuterCache', lsb: 53, width: 3 }, { name: 'InnerCache', lsb: 59, width: 3 }, { name: 'Valid', lsb: 63, width: 1 },
    ],
  },
  { name: 'GITS_CWRITER', offset: GitsOffset.cwriter, width: 8, access: 'rw', reset: 0, fields: [{ name: 'Retry', lsb: 0, width: 1 }, { name: 'Offset', lsb: 5, width: 15 }] },
  { name: 'GITS_CREADR', offset: GitsOffset.creadr, width: 8, access: 'ro', reset: 0, fields: [{ name: 'Stalled', lsb: 0, width: 1 }, { name: 'Offset', lsb: 5, width: 15 }] },
  {
    name: 'GITS_BASER', offset: GitsOffset.baser, width: 8, access: 'rw', reset: 0, count: 8, stride: 8, description: 'BASER0: device table, BASER1: collection table, others unimplemented',
    fields: [
      { name: 'Size', lsb: 0, width: 8, description: 'pages - 1' }, { name: 'Page_Size', lsb: 8, width: 2, description: '0 4K, 1 16K, 2 64K' },
      { name: 'Shareability', lsb: 10, width: 2 }, { name: 'Physical_Address', lsb: 12, width: 36 },
      { name: 'Entry_Size', lsb: 48, width: 5, description: 'bytes - 1' }, { name: 'OuterCache', lsb: 53, width: 3 },
      { name: 'Type', lsb: 56, width: 3, description: '1 device, 4 collection' }, { name: 'InnerCache', lsb: 59, width: 3 },
      { name: 'Indirect', lsb: 62, width: 1, description: 'two-level table' }, { name: 'Valid', lsb: 63, width: 1 },
    ],
  },
  { name: 'GITS_PIDR2', offset: GitsOffset.pidr2, width: 4, access: 'ro', reset: 0x3b, fields: [{ name: 'ArchRev', lsb: 4, width: 4 }] },
  { name: 'GITS_TRANSLATER', offset: GitsOffset.translater, width: 4, access: 'wo', reset: 0, description: 'EventID written by a device (DeviceID = its requester ID)' },
];

/** A table's geometry from its BASER: base address, entries it holds; undefined when not Valid. */
interface Table {
  readonly base: number;
  readonly entries: number;
  readonly pageSize: number;
  readonly indirect: boolean;
}

type Result = { ok: true } | { ok: false; code: number; detail: string; stall: boolean };
const OK: Result = { ok: true };

export interface Gicv3ItsOptions {
  /** Shared words (ITS_STATE_BYTES). */
  readonly words: Uint32Array;
  readonly lpis: Gicv3Lpis;
  /** Physical address of the ITS window (GITS_TRANSLATER is at +0x10040). */
  readonly base: number;
  /** Recomputes every CPU's interrupt outputs (the GIC's update). */
  readonly update: () => void;
}

export class Gicv3Its implements MmioDevice, MsiSink {
  readonly kind = 'arm-gicv3-its';
  readonly registers = GITS_REGISTERS;
  readonly size = ITS_WINDOW_BYTES;
  readonly translaterAddress: number;
  private readonly words: Uint32Array;
  private readonly lpis: Gicv3Lpis;
  private readonly update: () => void;
  private memory: DmaMemory = { bankAt: () => undefined };
  private readonly listeners: ((error: ItsErrorReport) => void)[] = [];

  constructor(options: Gicv3ItsOptions) {
    if (options.words.length * 4 < ITS_STATE_BYTES) throw new Error('GICv3 ITS state too small');
    this.words = options.words;
    this.lpis = options.lpis;
    this.update = options.update;
    this.translaterAddress = options.base + GitsOffset.translater;
  }

  /** Guest memory the queue and tables live in (the machine attaches its bus). */
  attachMemory(memory: DmaMemory): void {
    this.memory = memory;
  }

  /** Told about every command error and refused translation (this thread's instance only). */
  listen(listener: (error: ItsErrorReport) => void): void {
    this.listeners.push(listener);
  }

  // ---- MMIO ----

  read(offset: number, size: 1 | 2 | 4): number {
    if (size !== 4 || (offset & 3) !== 0) return 0;
    const w = this.words;
    switch (offset) {
      case GitsOffset.ctlr: return ((w[W.ctlr]! & GitsCtlr.enabled) | GitsCtlr.quiescent) >>> 0;
      case GitsOffset.iidr: return GITS_IIDR;
      case GitsOffset.typer: return TYPER_LOW;
      case GitsOffset.typer + 4: return 0;
      case GitsOffset.cbaser: return w[W.cbaserLow]! >>> 0;
      case GitsOffset.cbaser + 4: return w[W.cbaserHigh]! >>> 0;
      case GitsOffset.cwriter: return w[W.cwriter]! >>> 0;
      case GitsOffset.creadr: return w[W.creadr]! >>> 0;
      case GitsOffset.cwriter + 4: case GitsOffset.creadr + 4: return 0;
      default: break;
    }
    if (offset >= GitsOffset.baser && offset < GitsOffset.baser + 64) {
      const n = (offset - GitsOffset.baser) >>> 3;
      const high = (offset & 4) !== 0;
      if (n > 1) return 0;
      return high ? (w[W.baser + 2 * n + 1]! | baserFixedHigh(n)) >>> 0 : w[W.baser + 2 * n]! >>> 0;
    }
    if (offset >= 0xffd0 && offset < 0x1_0000) return idRegister(GITS_IDS, offset - 0xffd0);
    return 0;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset === GitsOffset.translater && (size === 4 || size === 2)) {
      // A CPU's write: DeviceID 0 (QEMU takes the requester ID of the bus transaction, 0 for a CPU).
      this.translate(0, value >>> 0, 'a CPU write to GITS_TRANSLATER');
      return;
    }
    if (size !== 4 || (offset & 3) !== 0) return;
    const w = this.words;
    const enabled = (w[W.ctlr]! & GitsCtlr.enabled) !== 0;
    switch (offset) {
      case GitsOffset.ctlr:
        w[W.ctlr] = value & GitsCtlr.enabled;
        if (!enabled && (value & GitsCtlr.enabled) !== 0) this.processQueue();
        return;
      case GitsOffset.cbaser: case GitsOffset.cbaser + 4:
        // Writes while enabled are UNPREDICTABLE; ignored as QEMU does. Writing CBASER resets CREADR.
        if (enabled) return;
        if (offset === GitsOffset.cbaser) w[W.cbaserLow] = (value & CBASER_LOW_WRITABLE) >>> 0;
        else w[W.cbaserHigh] = (value & CBASER_HIGH_WRITABLE) >>> 0;
        w[W.creadr] = 0;
        return;
      case GitsOffset.cwriter: {
        const retry = (value & 1) !== 0;
        w[W.cwriter] = (value & 0x000f_ffe0) >>> 0;
        if (retry) w[W.creadr] = w[W.creadr]! & ~1;
        this.processQueue();
        return;
      }
      default: break;
    }
    if (offset >= GitsOffset.baser && offset < GitsOffset.baser + 16 && !enabled) {
      const n = (offset - GitsOffset.baser) >>> 3;
      if ((offset & 4) === 0) w[W.baser + 2 * n] = (value & BASER_LOW_WRITABLE) >>> 0;
      else w[W.baser + 2 * n + 1] = (value & BASER_HIGH_WRITABLE) >>> 0;
    }
  }

  reset(): void {
    this.words.fill(0, 0, ITS_STATE_BYTES / 4);
  }

  peek(): Record<string, number> {
    const out: Record<string, number> = {
      GITS_CTLR: this.read(GitsOffset.ctlr, 4), GITS_TYPER: TYPER_LOW, GITS_IIDR: GITS_IIDR,
      GITS_CBASER: this.read(GitsOffset.cbaser, 4), GITS_CBASER_HI: this.read(GitsOffset.cbaser + 4, 4),
      GITS_CWRITER: this.read(GitsOffset.cwriter, 4), GITS_CREADR: this.read(GitsOffset.creadr, 4),
      GITS_BASER0: this.read(GitsOffset.baser, 4), GITS_BASER0_HI: this.read(GitsOffset.baser + 4, 4),
      GITS_BASER1: this.read(GitsOffset.baser + 8, 4), GITS_BASER1_HI: this.read(GitsOffset.baser + 12, 4),
    };
    return out;
  }

  /** Counters for the inspector: translations done, refused, command errors, the last error's code. */
  stats(): { translations: number; refused: number; errors: number; lastError: number; lastDevice: number; lastEvent: number } {
    const w = this.words;
    return { translations: w[W.translations]!, refused: w[W.refused]!, errors: w[W.errors]!, lastError: w[W.lastError]!, lastDevice: w[W.lastDevice]!, lastEvent: w[W.lastEvent]! };
  }

  // ---- MSI ----

  /** A device's MSI: `data` written to GITS_TRANSLATER by requester ID `requesterId`. */
  deliver(requester: MsiRequester, address: number, data: number): MsiRefusal | undefined {
    if (address !== this.translaterAddress) return { refused: `0x${address.toString(16)} is not the ITS's GITS_TRANSLATER (0x${this.translaterAddress.toString(16)})` };
    if (requester.requesterId < 0 || requester.requesterId >= 2 ** DEVICE_ID_BITS) return { refused: `${requester.device} has no PCI requester ID for a DeviceID` };
    const why = this.translate(requester.requesterId, data >>> 0, requester.device);
    return why === undefined ? undefined : { refused: why };
  }

  /**
   * DeviceID + EventID -> LPI at a redistributor. Returns why nothing was made pending, or undefined.
   * A translation with the ITS disabled is dropped (GITS_CTLR.Enabled = 0), as the spec says.
   */
  translate(deviceId: number, eventId: number, who: string): string | undefined {
    const w = this.words;
    w[W.lastDevice] = deviceId;
    w[W.lastEvent] = eventId;
    const refuse = (why: string): string => {
      w[W.refused] = w[W.refused]! + 1;
      const detail = `${who}: MSI DeviceID 0x${deviceId.toString(16)} EventID ${eventId} dropped: ${why}`;
      for (const l of this.listeners) l({ code: 0, command: 'TRANSLATER', stalled: false, detail });
      return detail;
    };
    if ((w[W.ctlr]! & GitsCtlr.enabled) === 0) return refuse('the ITS is disabled (GITS_CTLR.Enabled = 0)');
    const found = this.lookup(deviceId, eventId);
    if ('why' in found) return refuse(found.why);
    if (!this.lpis.setPending(found.cpu, found.intid, true)) {
      const why = this.lpis.refusal(found.cpu, found.intid);
      if (why !== undefined) return refuse(`LPI ${found.intid}: ${why}`);
    }
    w[W.translations] = w[W.translations]! + 1;
    this.update();
    return undefined;
  }

  /** Device -> ITT entry -> collection -> CPU, every step read from guest memory. */
  private lookup(deviceId: number, eventId: number): { intid: number; cpu: number; icid: number; itt: number } | { why: string; memory?: boolean } {
    const at = this.entry(0, deviceId);
    if ('why' in at) return at;
    const dte = this.read64(at.address);
    if (dte === undefined) return { why: `device table entry at 0x${at.address.toString(16)} is outside RAM`, memory: true };
    if ((dte.low & 1) === 0) return { why: 'the device is not mapped (no MAPD)' };
    const eventBits = ((dte.low >>> 1) & 0x1f) + 1;
    if (eventId >= 2 ** eventBits) return { why: `EventID beyond the device's ${2 ** eventBits} events (MAPD Size)` };
    const itt = this.dteItt(dte);
    const ite = this.read64(itt + eventId * ITE_BYTES);
    if (ite === undefined) return { why: `ITT entry at 0x${(itt + eventId * ITE_BYTES).toString(16)} is outside RAM`, memory: true };
    if ((ite.low & 1) === 0) return { why: 'the event is not mapped (no MAPTI/MAPI)' };
    const icid = ite.low >>> 16;
    const cpu = this.collectionCpu(icid);
    if (typeof cpu === 'string') return { why: cpu, memory: cpu.includes('outside RAM') };
    return { intid: ite.high >>> 0, cpu, icid, itt };
  }

  /** The processor number collection `icid` is mapped to, or why not. */
  private collectionCpu(icid: number): number | string {
    const at = this.entry(1, icid);
    if ('why' in at) return at.why;
    const cte = this.read64(at.address);
    if (cte === undefined) return `collection table entry at 0x${at.address.toString(16)} is outside RAM`;
    if ((cte.low & 1) === 0) return `collection ${icid} is not mapped (no MAPC)`;
    return (cte.low >>> 1) & 0xffff;
  }

  private dteItt(dte: { low: number; high: number }): number {
    // ITT address bits 51:8 are stored in DTE bits 49:6 (address >> 8 << 6).
    return ((dte.high & 0x3_ffff) * 0x1_0000_0000 + ((dte.low & 0xffff_ffc0) >>> 0)) * 4;
  }

  /** BASER<n> as a flat table, or undefined when not Valid. */
  private table(n: 0 | 1): Table | undefined {
    const low = this.words[W.baser + 2 * n]!;
    const high = this.words[W.baser + 2 * n + 1]!;
    if ((high & (1 << 31)) === 0) return undefined;
    const pageSize = [0x1000, 0x4000, 0x1_0000, 0x1_0000][(low >>> 8) & 3]!;
    // PA bits 47:12 (4K/16K; 64K pages use bits 47:16, the high PA bits 51:48 are left out).
    const base = (high & 0xffff) * 0x1_0000_0000 + ((low & 0xffff_f000) >>> 0) - ((low & 0xffff_f000) >>> 0) % pageSize;
    const pages = (low & 0xff) + 1;
    const indirect = (high & BASER_INDIRECT_HIGH) !== 0;
    // Two levels: each 8-byte level-1 entry names one page of entries (QEMU's L1TABLE_ENTRY_SIZE).
    const perPage = pageSize / (n === 0 ? DTE_BYTES : CTE_BYTES);
    const entries = indirect ? ((pages * pageSize) / 8) * perPage : pages * perPage;
    return { base, entries: Math.min(entries, 2 ** (n === 0 ? DEVICE_ID_BITS : ICID_BITS)), pageSize, indirect };
  }

  /**
   * The address of entry `id` of BASER<n>'s table (through the level-1 entry when Indirect), or why
   * there is none; `memory` when a table access fell outside RAM.
   */
  private entry(n: 0 | 1, id: number): { address: number } | { why: string; memory: boolean } {
    const what = n === 0 ? 'device' : 'collection';
    const name = n === 0 ? `DeviceID 0x${id.toString(16)}` : `ICID ${id}`;
    const t = this.table(n);
    if (!t) return { why: `no ${what} table (GITS_BASER${n} not Valid)`, memory: false };
    if (id >= t.entries) return { why: `${name} is beyond the ${what} table's ${t.entries} entries`, memory: false };
    const size = n === 0 ? DTE_BYTES : CTE_BYTES;
    if (!t.indirect) return { address: t.base + id * size };
    const perPage = t.pageSize / size;
    const l1 = t.base + Math.floor(id / perPage) * 8;
    const e = this.read64(l1);
    if (!e) return { why: `${what} table level-1 entry at 0x${l1.toString(16)} is outside RAM`, memory: true };
    if ((e.high & 0x8000_0000) === 0) return { why: `${name}: the ${what} table's level-1 entry at 0x${l1.toString(16)} is not Valid (no level-2 page)`, memory: false };
    const l2 = (e.high & 0x7_ffff) * 0x1_0000_0000 + ((e.low & 0xffff_f000) >>> 0);
    return { address: l2 + (id % perPage) * size };
  }

  private read64(address: number): { low: number; high: number } | undefined {
    const bank = this.memory.bankAt(address, 8);
    if (!bank) return undefined;
    const at = address - bank.base;
    return { low: bank.view.getUint32(at, true), high: bank.view.getUint32(at + 4, true) };
  }

  private write64(address: number, low: number, high: number): boolean {
    const bank = this.memory.bankAt(address, 8);
    if (!bank) return false;
    const at = address - bank.base;
    bank.view.setUint32(at, low >>> 0, true);
    bank.view.setUint32(at + 4, high >>> 0, true);
    return true;
  }

  // ---- the command queue ----

  private queue(): { base: number; bytes: number } | undefined {
    const high = this.words[W.cbaserHigh]!;
    if ((high & (1 << 31)) === 0) return undefined;
    const base = (high & 0xf_ffff) * 0x1_0000_0000 + ((this.words[W.cbaserLow]! & 0xffff_f000) >>> 0);
    return { base, bytes: ((this.words[W.cbaserLow]! & 0xff) + 1) * 0x1000 };
  }

  /** Runs commands from CREADR up to CWRITER (ITS enabled, CBASER valid, not stalled). */
  private processQueue(): void {
    const w = this.words;
    if ((w[W.ctlr]! & GitsCtlr.enabled) === 0) return;
    const q = this.queue();
    if (!q) return;
    if ((w[W.creadr]! & 1) !== 0) return;
    const writer = w[W.cwriter]! & 0x000f_ffe0;
    if (writer >= q.bytes) {
      // CWRITER beyond the queue is UNPREDICTABLE; stall so the guest sees it.
      this.error({ code: ITS_STALL_MEMORY, command: 'CWRITER', stalled: true, detail: `GITS_CWRITER 0x${writer.toString(16)} is beyond the ${q.bytes}-byte command queue` });
      w[W.creadr] = w[W.creadr]! | 1;
      return;
    }
    let reader = w[W.creadr]! & 0x000f_ffe0;
    let changed = false;
    // At most one lap of the ring per write.
    for (let n = 0; reader !== writer && n < q.bytes / COMMAND_BYTES; n++) {
      const at = q.base + reader;
      const d0 = this.read64(at);
      const d1 = this.read64(at + 8);
      const d2 = this.read64(at + 16);
      const d3 = this.read64(at + 24);
      if (!d0 || !d1 || !d2 || !d3) {
        this.error({ code: ITS_STALL_MEMORY, command: 'fetch', stalled: true, detail: `command at 0x${at.toString(16)} (CBASER + 0x${reader.toString(16)}) is outside RAM` });
        w[W.creadr] = reader | 1;
        if (changed) this.update();
        return;
      }
      const result = this.execute([d0, d1, d2, d3]);
      changed = true;
      if (!result.ok) {
        const name = COMMAND_NAMES[d0.low & 0xff] ?? `0x${(d0.low & 0xff).toString(16)}`;
        this.error({ code: result.code, command: name, stalled: result.stall, detail: `${name} at CBASER + 0x${reader.toString(16)}: ${result.detail}` });
        if (result.stall) {
          w[W.creadr] = reader | 1;
          this.update();
          return;
        }
      }
      reader = (reader + COMMAND_BYTES) % q.bytes;
      w[W.creadr] = reader;
    }
    if (changed) this.update();
  }

  private error(report: ItsErrorReport): void {
    const w = this.words;
    w[W.errors] = w[W.errors]! + 1;
    w[W.lastError] = report.code;
    for (const l of this.listeners) l(report);
  }

  /** One command (four little-endian doublewords as low/high words). */
  private execute(d: { low: number; high: number }[]): Result {
    const op = d[0]!.low & 0xff;
    const deviceId = d[0]!.high >>> 0;
    const eventId = d[1]!.low >>> 0;
    const icid = d[2]!.low & 0xffff;
    switch (op) {
      case ItsCommand.MAPD: return this.mapd(deviceId, d[1]!.low & 0x1f, d[2]!);
      case ItsCommand.MAPC: return this.mapc(icid, d[2]!);
      case ItsCommand.MAPTI: return this.mapti(deviceId, eventId, d[1]!.high >>> 0, icid, ItsError.MAPTI_UNMAPPED_DEVICE);
      case ItsCommand.MAPI: return this.mapti(deviceId, eventId, eventId, icid, ItsError.MAPTI_UNMAPPED_DEVICE);
      case ItsCommand.INT: return this.pend(deviceId, eventId, true, ItsError.INT_UNMAPPED_INTERRUPT);
      case ItsCommand.CLEAR: return this.pend(deviceId, eventId, false, ItsError.CLEAR_UNMAPPED_INTERRUPT);
      case ItsCommand.DISCARD: return this.discard(deviceId, eventId);
      case ItsCommand.INV: {
        // The configuration is read from memory at every scan: a new scan is all INV needs.
        const found = this.lookup(deviceId, eventId);
        if ('why' in found) return { ok: false, code: ItsError.INV_UNMAPPED_INTERRUPT, detail: found.why, stall: found.memory === true };
        return OK;
      }
      case ItsCommand.INVALL: {
        const cpu = this.collectionCpu(icid);
        if (typeof cpu === 'string') return { ok: false, code: ItsError.INVALL_UNMAPPED_COLLECTION, detail: cpu, stall: cpu.includes('outside RAM') };
        return OK;
      }
      case ItsCommand.MOVI: return this.movi(deviceId, eventId, icid);
      case ItsCommand.MOVALL: {
        const from = (d[2]!.low >>> 16) & 0xffff;
        const to = (d[3]!.low >>> 16) & 0xffff;
        if (from >= this.lpis.cpus || to >= this.lpis.cpus) return { ok: false, code: ItsError.MOVALL_PROCNUM_OOR, detail: `RDbase ${from} -> ${to}: no such redistributor`, stall: false };
        this.lpis.moveAll(from, to);
        return OK;
      }
      case ItsCommand.SYNC: return OK;
      default: return { ok: false, code: ITS_UNKNOWN_COMMAND, detail: `unknown command 0x${op.toString(16)} (ignored)`, stall: false };
    }
  }

  private mapd(deviceId: number, size: number, d2: { low: number; high: number }): Result {
    const entry = this.entry(0, deviceId);
    if ('why' in entry) return { ok: false, code: entry.memory ? ITS_STALL_MEMORY : ItsError.MAPD_DEVICE_OOR, detail: entry.why, stall: entry.memory };
    if (size + 1 > EVENT_ID_BITS) return { ok: false, code: ItsError.MAPD_ITTSIZE_OOR, detail: `Size ${size} gives ${size + 1} EventID bits; GITS_TYPER.IDbits allows ${EVENT_ID_BITS}`, stall: false };
    const valid = (d2.high & (1 << 31)) !== 0;
    // ITT_addr is bits 51:8 of doubleword 2.
    const itt = (d2.high & 0xf_ffff) * 0x1_0000_0000 + ((d2.low & 0xffff_ff00) >>> 0);
    const low = valid ? (1 | (size << 1) | (((itt / 4) % 0x1_0000_0000) & 0xffff_ffc0)) >>> 0 : 0;
    const high = valid ? Math.floor(itt / 4 / 0x1_0000_0000) & 0x3_ffff : 0;
    if (!this.write64(entry.address, low, high)) {
      return { ok: false, code: ITS_STALL_MEMORY, detail: `device table entry at 0x${entry.address.toString(16)} is outside RAM`, stall: true };
    }
    return OK;
  }

  private mapc(icid: number, d2: { low: number; high: number }): Result {
    const valid = (d2.high & (1 << 31)) !== 0;
    // RDbase is bits 50:16; with PTA = 0 it is the processor number.
    const rd = ((d2.low >>> 16) | ((d2.high & 0x7_ffff) << 16)) >>> 0;
    const entry = this.entry(1, icid);
    if ('why' in entry) return { ok: false, code: entry.memory ? ITS_STALL_MEMORY : ItsError.MAPC_COLLECTION_OOR, detail: entry.why, stall: entry.memory };
    if (valid && rd >= this.lpis.cpus) return { ok: false, code: ItsError.MAPC_PROCNUM_OOR, detail: `RDbase ${rd} names no redistributor (${this.lpis.cpus} CPUs)`, stall: false };
    if (!this.write64(entry.address, valid ? (1 | (rd << 1)) >>> 0 : 0, 0)) {
      return { ok: false, code: ITS_STALL_MEMORY, detail: `collection table entry at 0x${entry.address.toString(16)} is outside RAM`, stall: true };
    }
    return OK;
  }

  /** The DTE of a device for commands that name an event: its ITT and event count, or the error. */
  private device(deviceId: number, unmapped: number): { itt: number; events: number } | Extract<Result, { ok: false }> {
    const entry = this.entry(0, deviceId);
    if ('why' in entry) return { ok: false, code: entry.memory ? ITS_STALL_MEMORY : unmapped, detail: entry.why, stall: entry.memory };
    const dte = this.read64(entry.address);
    if (!dte) return { ok: false, code: ITS_STALL_MEMORY, detail: `device table entry at 0x${entry.address.toString(16)} is outside RAM`, stall: true };
    if ((dte.low & 1) === 0) return { ok: false, code: unmapped, detail: `DeviceID 0x${deviceId.toString(16)} is not mapped (no MAPD)`, stall: false };
    return { itt: this.dteItt(dte), events: 2 ** (((dte.low >>> 1) & 0x1f) + 1) };
  }

  private mapti(deviceId: number, eventId: number, intid: number, icid: number, unmapped: number): Result {
    const dev = this.device(deviceId, unmapped);
    if ('ok' in dev) return dev;
    if (eventId >= dev.events) return { ok: false, code: ItsError.MAPTI_ID_OOR, detail: `EventID ${eventId} is beyond device 0x${deviceId.toString(16)}'s ${dev.events} events`, stall: false };
    if (intid < LPI_FIRST || intid >= 2 ** LPI_ID_BITS) return { ok: false, code: ItsError.MAPTI_PHYSICALID_OOR, detail: `pINTID ${intid} is not an LPI (${LPI_FIRST}..${2 ** LPI_ID_BITS - 1})`, stall: false };
    if (icid >= 2 ** ICID_BITS) return { ok: false, code: ItsError.MAPC_COLLECTION_OOR, detail: `ICID ${icid}`, stall: false };
    const at = dev.itt + eventId * ITE_BYTES;
    if (!this.write64(at, (1 | (icid << 16)) >>> 0, intid)) return { ok: false, code: ITS_STALL_MEMORY, detail: `ITT entry at 0x${at.toString(16)} is outside RAM`, stall: true };
    return OK;
  }

  /** INT (pending) and CLEAR (not pending). */
  private pend(deviceId: number, eventId: number, pending: boolean, unmapped: number): Result {
    const found = this.lookup(deviceId, eventId);
    if ('why' in found) return { ok: false, code: unmapped, detail: found.why, stall: found.memory === true };
    this.lpis.setPending(found.cpu, found.intid, pending);
    return OK;
  }

  private discard(deviceId: number, eventId: number): Result {
    const found = this.lookup(deviceId, eventId);
    if ('why' in found) return { ok: false, code: ItsError.DISCARD_UNMAPPED_INTERRUPT, detail: found.why, stall: found.memory === true };
    this.lpis.setPending(found.cpu, found.intid, false);
    const at = found.itt + eventId * ITE_BYTES;
    if (!this.write64(at, 0, 0)) return { ok: false, code: ITS_STALL_MEMORY, detail: `ITT entry at 0x${at.toString(16)} is outside RAM`, stall: true };
    return OK;
  }

  private movi(deviceId: number, eventId: number, icid: number): Result {
    const found = this.lookup(deviceId, eventId);
    if ('why' in found) return { ok: false, code: ItsError.MOVI_UNMAPPED_INTERRUPT, detail: found.why, stall: found.memory === true };
    const to = this.collectionCpu(icid);
    if (typeof to === 'string') return { ok: false, code: ItsError.MOVI_UNMAPPED_COLLECTION, detail: to, stall: to.includes('outside RAM') };
    // A pending LPI moves with its mapping (the spec lets it be delivered at either; QEMU moves it).
    if (this.lpis.isPending(found.cpu, found.intid) && found.cpu !== to) {
      this.lpis.acknowledge(found.cpu, found.intid);
      this.lpis.setPending(to, found.intid, true);
    }
    const at = found.itt + eventId * ITE_BYTES;
    if (!this.write64(at, (1 | (icid << 16)) >>> 0, found.intid)) return { ok: false, code: ITS_STALL_MEMORY, detail: `ITT entry at 0x${at.toString(16)} is outside RAM`, stall: true };
    return OK;
  }
}
