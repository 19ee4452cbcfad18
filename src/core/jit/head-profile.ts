/**
 * Translation profiles: the block heads a CPU's translation tier translated in a previous boot of the
 * same machine, by RAM page and slot (the instruction's index in its page: halfwords on riscv64), so that
 * the next boot translates each of them the first time it runs there instead of after HOT interpreted
 * runs. A host-side cache like a RAM profile (host/ram-profile.ts): the guest sees nothing of it. A head
 * is translated from the bytes in RAM when it is reached, as any other, and a stale head (other code at
 * that place this boot, or code not yet in its final form) costs one block compiled early, or dropped as
 * stale and translated again. Decision 0014: a riscv64 boot interpreted ~39 M instructions, ~70 % of them
 * under heads translated later; with the previous boot's heads ~24 M.
 *
 * The file is written by the host (host/translation-profile.ts): a header naming the RAM size, then
 * (page, slot) pairs in the order this boot translated them. Only this boot's heads are kept: a head of
 * the previous profile that this boot never reached is forgotten.
 */

export const HEAD_PROFILE_MAGIC = 'HVWBHDS1';
/** Magic (8 bytes), RAM pages (u32), pair count (u32). */
export const HEAD_PROFILE_HEADER_BYTES = 16;
/** At most this many heads are kept (a Linux boot translates ~4-9 K). */
export const HEAD_PROFILE_MAX = 1 << 16;

export class HeadProfile {
  /** The previous boot's heads by RAM page. */
  private readonly seeds = new Map<number, number[]>();
  /** This boot's heads, as page, slot pairs. */
  private readonly noted: number[] = [];
  private readonly seen = new Set<number>();
  /** How many heads the previous boot's profile gave. */
  readonly replayed: number;

  /**
   * `ramPages`: the machine's RAM span in 4 KiB pages; `slots`: slots per page on this ISA. `previous`:
   * a profile file's bytes (undefined: none), replayed only if its header matches and it is whole.
   */
  constructor(private readonly ramPages: number, private readonly slots: number, previous?: Uint8Array) {
    this.replayed = previous ? this.read(previous) : 0;
  }

  /** Whether `bytes` is a whole profile of a machine with this RAM size. */
  static valid(bytes: Uint8Array, ramPages: number): boolean {
    if (bytes.length < HEAD_PROFILE_HEADER_BYTES) return false;
    const magic = String.fromCharCode(...bytes.subarray(0, 8));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = view.getUint32(12, true);
    return magic === HEAD_PROFILE_MAGIC && view.getUint32(8, true) === ramPages && count <= HEAD_PROFILE_MAX && bytes.length === HEAD_PROFILE_HEADER_BYTES + 8 * count;
  }

  private read(bytes: Uint8Array): number {
    if (!HeadProfile.valid(bytes, this.ramPages)) return 0;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = view.getUint32(12, true);
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const page = view.getUint32(HEAD_PROFILE_HEADER_BYTES + 8 * i, true);
      const slot = view.getUint32(HEAD_PROFILE_HEADER_BYTES + 8 * i + 4, true);
      // A pair outside this machine's RAM or page is skipped, never used as an index.
      if (page >= this.ramPages || slot >= this.slots) continue;
      const list = this.seeds.get(page);
      if (list) list.push(slot);
      else this.seeds.set(page, [slot]);
      kept++;
    }
    return kept;
  }

  /** The previous boot's heads in RAM page `page` (each below the slot count), or undefined. */
  headsIn(page: number): readonly number[] | undefined {
    return this.seeds.get(page);
  }

  /** This boot translated the head at `slot` of RAM page `page`. */
  note(page: number, slot: number): void {
    if (this.noted.length >= 2 * HEAD_PROFILE_MAX) return;
    const key = page * this.slots + slot;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.noted.push(page, slot);
  }

  /** How many heads this boot noted. */
  get heads(): number {
    return this.noted.length / 2;
  }

  /** This boot's profile, as the file holds it. */
  encode(): Uint8Array {
    const count = this.noted.length / 2;
    const bytes = new Uint8Array(HEAD_PROFILE_HEADER_BYTES + 8 * count);
    for (let i = 0; i < 8; i++) bytes[i] = HEAD_PROFILE_MAGIC.charCodeAt(i);
    const view = new DataView(bytes.buffer);
    view.setUint32(8, this.ramPages, true);
    view.setUint32(12, count, true);
    for (let i = 0; i < this.noted.length; i++) view.setUint32(HEAD_PROFILE_HEADER_BYTES + 4 * i, this.noted[i]!, true);
    return bytes;
  }
}
