/**
 * hvisor's ZONE_LIST, in shared memory so that every vCPU worker and the host see the same zones:
 * a fixed number of slots, each holding the zone's state words, its binary HvZoneConfig (the
 * hypervisor rebuilds its view of the zone from these bytes in whichever thread needs it), the
 * zone's firmware console rings, its error report, the log of its stage-2 changes (stage2-map.ts) and
 * its virtual interrupt controller's state (as much room as the architecture's irqchip asks for,
 * irqchips.ts virtualIrqChipBytes).
 */
import type { SharedRegion } from '../bus/types';
import { ByteRing } from '../devices/byte-ring';
import { STAGE2_LOG_BYTES, Stage2ChangeLog } from './stage2-map';

/** hvisor's riscv MAX_ZONE_NUM is 4 (vAPLIC); the PLIC path has no limit, so allow a few more. */
export const MAX_ZONES = 8;

export const ZoneState = {
  free: 0,
  /** Harts bound, boot hart released. */
  running: 1,
  /** A guest error stopped the zone; it stays listed until shut down. */
  error: 2,
  /** Shutdown in progress: harts are leaving. */
  stopping: 3,
} as const;

const Word = {
  state: 0,
  zoneId: 1,
  cpus: 2,
  /** Incremented at every start, so a vCPU can tell that its cached view of the slot is stale. */
  generation: 3,
  errorLength: 4,
  /** Monotonic count of state changes, for hosts polling the table. */
  changes: 5,
  /** Bytes of the zone's HvZoneConfig (sizeof differs per architecture: 3080, 3136, 3056). */
  configLength: 6,
} as const;

const HEADER_BYTES = 64;
const CONFIG_OFFSET = HEADER_BYTES;
/** Room for the largest HvZoneConfig of any architecture (aarch64's 3136 bytes). */
const CONFIG_BYTES = 3136;
const ERROR_OFFSET = CONFIG_OFFSET + CONFIG_BYTES;
const ERROR_BYTES = 1024;
const CONSOLE_OUT_OFFSET = ERROR_OFFSET + ERROR_BYTES;
const CONSOLE_OUT_CAPACITY = 16384;
const CONSOLE_IN_OFFSET = CONSOLE_OUT_OFFSET + ByteRing.stateBytes(CONSOLE_OUT_CAPACITY);
const CONSOLE_IN_CAPACITY = 4096;
const STAGE2_LOG_OFFSET = Math.ceil((CONSOLE_IN_OFFSET + ByteRing.stateBytes(CONSOLE_IN_CAPACITY)) / 8) * 8;
const IRQCHIP_OFFSET = STAGE2_LOG_OFFSET + STAGE2_LOG_BYTES;

/** Shared bytes for the whole table, given the room one zone's virtual interrupt controller needs. */
export function zoneTableBytes(irqChipBytes: number): number {
  return MAX_ZONES * slotBytes(irqChipBytes);
}

function slotBytes(irqChipBytes: number): number {
  return Math.ceil((IRQCHIP_OFFSET + irqChipBytes) / 64) * 64;
}

export class ZoneSlot {
  readonly words: Int32Array;
  readonly consoleOut: ByteRing;
  readonly consoleIn: ByteRing;
  /** The zone's run-time stage-2 changes, replayed by every vCPU's map. */
  readonly stage2Log: Stage2ChangeLog;
  /** The state of the zone's virtual interrupt controller. */
  readonly irqChipRegion: SharedRegion;
  private readonly bytes: Uint8Array;

  constructor(
    readonly index: number,
    buffer: ArrayBufferLike,
    offset: number,
    irqChipBytes: number,
  ) {
    this.words = new Int32Array(buffer, offset, HEADER_BYTES / 4);
    this.bytes = new Uint8Array(buffer, offset, slotBytes(irqChipBytes));
    this.consoleOut = new ByteRing({ buffer, byteOffset: offset + CONSOLE_OUT_OFFSET, byteLength: ByteRing.stateBytes(CONSOLE_OUT_CAPACITY) });
    this.consoleIn = new ByteRing({ buffer, byteOffset: offset + CONSOLE_IN_OFFSET, byteLength: ByteRing.stateBytes(CONSOLE_IN_CAPACITY) });
    this.stage2Log = new Stage2ChangeLog({ buffer, byteOffset: offset + STAGE2_LOG_OFFSET, byteLength: STAGE2_LOG_BYTES });
    this.irqChipRegion = { buffer, byteOffset: offset + IRQCHIP_OFFSET, byteLength: irqChipBytes };
  }

  get state(): number {
    return Atomics.load(this.words, Word.state);
  }

  setState(state: number): void {
    Atomics.store(this.words, Word.state, state);
    Atomics.add(this.words, Word.changes, 1);
    Atomics.notify(this.words, Word.state);
  }

  get zoneId(): number {
    return Atomics.load(this.words, Word.zoneId);
  }

  /** Physical harts of the zone as a bitmap (the board has at most 32). */
  get cpus(): number {
    return Atomics.load(this.words, Word.cpus) >>> 0;
  }

  get generation(): number {
    return Atomics.load(this.words, Word.generation);
  }

  get changes(): number {
    return Atomics.load(this.words, Word.changes);
  }

  cpuList(): number[] {
    const mask = this.cpus;
    const list: number[] = [];
    for (let cpu = 0; cpu < 32; cpu++) if ((mask >>> cpu) & 1) list.push(cpu);
    return list;
  }

  /** Claims the slot for a zone: config bytes first, then the words that make it visible. */
  occupy(zoneId: number, cpus: readonly number[], config: Uint8Array): void {
    if (config.length === 0 || config.length > CONFIG_BYTES) throw new Error(`zone config of ${config.length} bytes does not fit a zone slot (${CONFIG_BYTES})`);
    this.bytes.set(config, CONFIG_OFFSET);
    Atomics.store(this.words, Word.configLength, config.length);
    this.bytes.fill(0, ERROR_OFFSET, ERROR_OFFSET + ERROR_BYTES);
    Atomics.store(this.words, Word.errorLength, 0);
    Atomics.store(this.words, Word.zoneId, zoneId);
    Atomics.store(this.words, Word.cpus, cpus.reduce((mask, cpu) => mask | (1 << cpu), 0));
    this.stage2Log.clear();
    Atomics.add(this.words, Word.generation, 1);
  }

  config(): Uint8Array {
    return this.bytes.slice(CONFIG_OFFSET, CONFIG_OFFSET + Atomics.load(this.words, Word.configLength));
  }

  /** Records why the zone stopped (the first report wins; later ones would only repeat it). */
  setError(text: string): void {
    if (Atomics.load(this.words, Word.errorLength) !== 0) return;
    const encoded = encodeAscii(text, ERROR_BYTES);
    this.bytes.set(encoded, ERROR_OFFSET);
    Atomics.store(this.words, Word.errorLength, encoded.length);
  }

  errorText(): string | undefined {
    const length = Atomics.load(this.words, Word.errorLength);
    if (length === 0) return undefined;
    return String.fromCharCode(...this.bytes.subarray(ERROR_OFFSET, ERROR_OFFSET + length));
  }

  release(): void {
    Atomics.store(this.words, Word.cpus, 0);
    Atomics.store(this.words, Word.zoneId, 0);
    this.consoleIn.clear();
    this.setState(ZoneState.free);
  }
}

export class ZoneTable {
  readonly slots: readonly ZoneSlot[];

  constructor(region: SharedRegion, irqChipBytes: number) {
    const size = slotBytes(irqChipBytes);
    if (region.byteLength < MAX_ZONES * size) throw new Error('zone table region too small');
    this.slots = Array.from({ length: MAX_ZONES }, (_, i) => new ZoneSlot(i, region.buffer, region.byteOffset + i * size, irqChipBytes));
  }

  /** Slots of zones that exist (running, in error or stopping), in slot order. */
  live(): ZoneSlot[] {
    return this.slots.filter((s) => s.state !== ZoneState.free);
  }

  byId(zoneId: number): ZoneSlot | undefined {
    return this.live().find((s) => s.zoneId === zoneId);
  }

  free(): ZoneSlot | undefined {
    return this.slots.find((s) => s.state === ZoneState.free);
  }

  /**
   * version() with plain reads instead of atomic ones (about 10x cheaper), for a hot path that only
   * needs to notice a change soon and then rereads the table (the DMA isolation hook, per access).
   */
  versionHint(): number {
    let sum = 0;
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) sum = (sum + slots[i]!.words[Word.changes]! * (i + 1)) | 0;
    return sum;
  }

  /** A fingerprint of the table that changes whenever any zone changes state. */
  version(): number {
    return this.slots.reduce((sum, s) => (sum + s.changes * (s.index + 1)) | 0, 0);
  }
}

function encodeAscii(text: string, max: number): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    if (out.length >= max) break;
    const code = ch.charCodeAt(0);
    out.push(code < 0x80 ? code : 0x3f);
  }
  return Uint8Array.from(out);
}
