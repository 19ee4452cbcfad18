/**
 * hvisor's inter-VM communication (src/arch/aarch64/ivc.rs at 6a3fb78), its global state in shared
 * memory so that every thread sees one: IVC_RECORDS (per ivc_id: max_peers, section sizes, the shared
 * frames, the peers by peer_id) and IVC_INFOS (per zone id: what HvIvcInfo hands the zone).
 *
 * What hvisor does, and so this:
 * - At zone creation (ivc_init, :152-197), per ivc_configs entry: the first zone naming an ivc_id
 *   allocates rw_sec_size + out_sec_size * max_peers bytes of frames (sizes must be page multiples); a
 *   later one must give the same max_peers and sizes and finds room among max_peers peers (a peer_id
 *   already there is replaced). The zone's stage-2 then maps the read-write section at shared_mem_ipa
 *   and every peer's out section after it, its own read-write and the others read-only, and traps one
 *   page at control_table_ipa. The first failure stops ivc_init silently (error! in hvisor's log): the
 *   zone runs without that entry and the ones after it, and keeps the HvIvcInfo of its previous life.
 * - Nothing is removed when a zone stops (no code does): a zone restarted into a region whose max_peers
 *   peers are all known fails with "can't add more peers", as on hvisor. The workbench says so.
 * - The control table (mmio_ivc_handler, :200-248): 0x00 ivc_id, 0x04 max_peers, 0x08 rw_sec_size,
 *   0x0c out_sec_size, 0x10 the caller's peer_id (reads; writes there are ignored), 0x14 ipi_invoke:
 *   writing a peer_id sets that peer's interrupt_num pending on the physical interrupt controller. An
 *   unknown peer is EINVAL, reading 0x14 or another offset EFAULT: the access fails, which stops the zone.
 *
 * Workbench limits (hvisor has none): 16 IVC regions, 8 peers per region, 16 zone ids with IVC.
 * Frames come from the top of the board's hypervisorReserved range downwards, zeroed, and are never
 * freed (as hvisor's records are never removed).
 */
import type { AddressRange } from '../../shared/model/board';
import type { IvcConfig } from '../../shared/model/zone-config';
import type { SharedRegion } from '../bus/types';

const PAGE = 0x1000;
const RECORDS = 16;
const PEERS = 8;
const INFOS = 16;
/** CONFIG_MAX_IVC_CONFIGS */
const MAX_CONFIGS = 2;
const RECORD_WORDS = 8 + PEERS * 5;
const INFO_WORDS = 20;
const HEADER_WORDS = 4;
const RECORDS_AT = HEADER_WORDS;
const INFOS_AT = RECORDS_AT + RECORDS * RECORD_WORDS;
export const IVC_TABLE_BYTES = 4 * (INFOS_AT + INFOS * INFO_WORDS);
/** sizeof(IvcInfo): u64 len, u64 ivc_ct_ipas[2], u64 ivc_shmem_ipas[2], u32 ivc_ids[2], u32 ivc_irqs[2], packed. */
export const IVC_INFO_SIZE = 56;

/** Control table registers (CT_*). */
export const IvcCt = { ivcId: 0x00, maxPeers: 0x04, rwSecSize: 0x08, outSecSize: 0x0c, peerId: 0x10, ipiInvoke: 0x14 } as const;

/** One stage-2 mapping IVC gives a zone: data only (never executed), read-only for other peers' sections. */
export interface IvcMapping {
  readonly ipa: number;
  readonly pa: number;
  readonly size: number;
  readonly readOnly: boolean;
}

/** The outcome of a control-table access: the value read, a doorbell to ring, or hvisor's error. */
export type IvcAccess = { readonly value: number } | { readonly raise: number; readonly zone: number } | { readonly error: 'EINVAL' | 'EFAULT'; readonly message: string };

/** Record fields (word offsets in a record). */
const R = { used: 0, ivcId: 1, maxPeers: 2, rwSize: 3, outSize: 4, paLo: 5, paHi: 6, peers: 7, peer0: 8 } as const;
/** Info fields: the zone's last ivc_init (mapped entries) and its HvIvcInfo (valid once an init succeeded whole). */
const I = { used: 0, zoneId: 1, mapped: 2, infoValid: 3, len: 4, ct: 5, shmem: 9, ids: 13, irqs: 15 } as const;

export class IvcTable {
  private readonly w: Uint32Array;

  constructor(region: SharedRegion, private readonly pool: AddressRange, private readonly ram: { readonly base: number; readonly u8: Uint8Array }) {
    this.w = new Uint32Array(region.buffer, region.byteOffset, IVC_TABLE_BYTES / 4);
  }

  /**
   * ivc_init for zone `zoneId` with its ivc_configs: records and frames, the zone's mappings and its
   * HvIvcInfo. Returns hvisor's error lines (empty when every entry was set up).
   */
  init(zoneId: number, configs: readonly IvcConfig[]): string[] {
    const info = this.infoSlot(zoneId, true);
    if (info < 0) return [`zone ${zoneId}: IVC: the workbench keeps IVC state for at most ${INFOS} zone ids`];
    this.w[info + I.mapped] = 0;
    for (const [i, c] of configs.slice(0, MAX_CONFIGS).entries()) {
      const failed = this.insert(zoneId, c);
      if (failed) return [`zone ${zoneId}: IVC: ivc_configs[${i}] (ivc_id ${c.ivcId}): ${failed}; hvisor's ivc_init stops here, the zone runs without it`];
      this.w[info + I.mapped] = i + 1;
    }
    // IVC_INFOS.insert(zone_id, IvcInfo::from(ivc_configs)): only after every entry went in.
    this.w[info + I.infoValid] = 1;
    this.w[info + I.len] = Math.min(configs.length, MAX_CONFIGS);
    for (let i = 0; i < MAX_CONFIGS; i++) {
      const c = configs[i];
      this.setU64(info + I.ct + 2 * i, c ? c.controlTableIpa : 0);
      this.setU64(info + I.shmem + 2 * i, c ? c.sharedMemIpa : 0);
      this.w[info + I.ids + i] = c ? c.ivcId : 0;
      this.w[info + I.irqs + i] = c ? c.interruptNum : 0;
    }
    return [];
  }

  /** The stage-2 mappings and control-table pages of the entries the zone's last ivc_init set up. */
  mappingsOf(zoneId: number, configs: readonly IvcConfig[]): { regions: IvcMapping[]; controlTables: number[] } {
    const info = this.infoSlot(zoneId, false);
    const regions: IvcMapping[] = [];
    const controlTables: number[] = [];
    const mapped = info < 0 ? 0 : this.w[info + I.mapped]!;
    for (const c of configs.slice(0, mapped)) {
      const rec = this.record(c.ivcId);
      if (rec < 0) continue;
      const pa = this.u64(rec + R.paLo);
      const rw = this.w[rec + R.rwSize]!, out = this.w[rec + R.outSize]!;
      if (rw > 0) regions.push({ ipa: c.sharedMemIpa, pa, size: rw, readOnly: false });
      for (let i = 0; i < this.w[rec + R.maxPeers]!; i++) {
        if (out > 0) regions.push({ ipa: c.sharedMemIpa + rw + i * out, pa: pa + rw + i * out, size: out, readOnly: i !== c.peerId });
      }
      controlTables.push(c.controlTableIpa);
    }
    return { regions, controlTables };
  }

  /** HvIvcInfo's bytes for the zone, or undefined (hvisor: ENODEV, "Zone N has no ivc config!"). */
  infoBytes(zoneId: number): Uint8Array | undefined {
    const info = this.infoSlot(zoneId, false);
    if (info < 0 || this.w[info + I.infoValid] !== 1) return undefined;
    const bytes = new Uint8Array(IVC_INFO_SIZE);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, BigInt(this.w[info + I.len]!), true);
    for (let i = 0; i < MAX_CONFIGS; i++) {
      view.setBigUint64(8 + 8 * i, BigInt(this.u64(info + I.ct + 2 * i)), true);
      view.setBigUint64(24 + 8 * i, BigInt(this.u64(info + I.shmem + 2 * i)), true);
      view.setUint32(40 + 4 * i, this.w[info + I.ids + i]!, true);
      view.setUint32(48 + 4 * i, this.w[info + I.irqs + i]!, true);
    }
    return bytes;
  }

  /** mmio_ivc_handler: an access by zone `zoneId` to its control table at `base` (IPA). */
  control(zoneId: number, base: number, offset: number, write: boolean, value: number): IvcAccess {
    const info = this.infoSlot(zoneId, false);
    let ivcId: number | undefined;
    if (info >= 0 && this.w[info + I.infoValid] === 1) {
      for (let i = 0; i < this.w[info + I.len]!; i++) if (this.u64(info + I.ct + 2 * i) === base) ivcId = this.w[info + I.ids + i];
    }
    const rec = ivcId === undefined ? -1 : this.record(ivcId);
    if (ivcId === undefined || rec < 0) return { error: 'EFAULT', message: `no IVC region of zone ${zoneId} has its control table at 0x${base.toString(16)} (hvisor unwraps None here and panics)` };
    switch (offset) {
      case IvcCt.ivcId: return { value: ivcId };
      case IvcCt.maxPeers: return { value: this.w[rec + R.maxPeers]! };
      case IvcCt.rwSecSize: return { value: this.w[rec + R.rwSize]! };
      case IvcCt.outSecSize: return { value: this.w[rec + R.outSize]! };
      case IvcCt.peerId: {
        const peer = this.peers(rec).find((p) => p.zoneId === zoneId);
        if (!peer) return { error: 'EFAULT', message: `zone ${zoneId} is no peer of ivc_id ${ivcId} (hvisor unwraps None here and panics)` };
        return { value: peer.peerId };
      }
      case IvcCt.ipiInvoke: {
        if (!write) return { error: 'EFAULT', message: `ivc_id ${ivcId}: ipi_invoke (0x14) is write-only` };
        const peer = this.peers(rec).find((p) => p.peerId === value >>> 0);
        if (!peer) return { error: 'EINVAL', message: `zone ${zoneId} has no peer ${value >>> 0} in ivc_id ${ivcId}` };
        return { raise: peer.irq, zone: peer.zoneId };
      }
      default:
        return { error: 'EFAULT', message: `ivc_id ${ivcId}: no control-table register at offset 0x${offset.toString(16)}` };
    }
  }

  /** insert_ivc_record; an error message, or undefined when the zone is now a peer of the region. */
  private insert(zoneId: number, c: IvcConfig): string | undefined {
    let rec = this.record(c.ivcId);
    if (rec >= 0) {
      if (this.w[rec + R.maxPeers] !== c.maxPeers || this.w[rec + R.rwSize] !== c.rwSecSize || this.w[rec + R.outSize] !== c.outSecSize) {
        return `ivc config conflicts (max_peers, rw_sec_size and out_sec_size must equal the first zone's: ${this.w[rec + R.maxPeers]}, 0x${this.w[rec + R.rwSize]!.toString(16)}, 0x${this.w[rec + R.outSize]!.toString(16)})`;
      }
      if (this.w[rec + R.peers] === c.maxPeers) {
        return `can't add more peers to ivc_id ${c.ivcId} (all ${c.maxPeers} are known: hvisor keeps the peers of zones that stopped)`;
      }
    } else {
      if (c.rwSecSize % PAGE !== 0 || c.outSecSize % PAGE !== 0) return 'section size must be page aligned';
      if (c.maxPeers > PEERS) return `max_peers ${c.maxPeers}: the workbench keeps at most ${PEERS} peers per IVC region`;
      rec = this.freeRecord();
      if (rec < 0) return `the workbench keeps at most ${RECORDS} IVC regions`;
      const bytes = c.rwSecSize + c.outSecSize * c.maxPeers;
      const used = this.w[0]!;
      if (used + bytes > this.pool.size) return `hvisor's frame allocator has no ${bytes} bytes left (Frame::new_contiguous(...).unwrap() panics)`;
      const pa = this.pool.base + this.pool.size - used - bytes;
      const offset = pa - this.ram.base;
      if (offset < 0 || offset + bytes > this.ram.u8.length) return `the frames at 0x${pa.toString(16)} are not in RAM`;
      this.ram.u8.fill(0, offset, offset + bytes);
      this.w[0] = used + bytes;
      this.w[rec + R.ivcId] = c.ivcId;
      this.w[rec + R.maxPeers] = c.maxPeers;
      this.w[rec + R.rwSize] = c.rwSecSize;
      this.w[rec + R.outSize] = c.outSecSize;
      this.setU64(rec + R.paLo, pa);
      this.w[rec + R.peers] = 0;
      this.w[rec + R.used] = 1;
    }
    // peer_infos.insert(peer_id, ...): a known peer_id is replaced.
    const peers = this.peers(rec);
    let index = peers.findIndex((p) => p.peerId === c.peerId);
    if (index < 0) {
      index = peers.length;
      this.w[rec + R.peers] = index + 1;
    }
    const p = rec + R.peer0 + 5 * index;
    this.w[p] = c.peerId;
    this.w[p + 1] = zoneId;
    this.w[p + 2] = c.interruptNum;
    this.setU64(p + 3, c.sharedMemIpa);
    return undefined;
  }

  private peers(rec: number): { peerId: number; zoneId: number; irq: number }[] {
    const out: { peerId: number; zoneId: number; irq: number }[] = [];
    for (let i = 0; i < this.w[rec + R.peers]!; i++) {
      const p = rec + R.peer0 + 5 * i;
      out.push({ peerId: this.w[p]!, zoneId: this.w[p + 1]!, irq: this.w[p + 2]! });
    }
    return out;
  }

  private record(ivcId: number): number {
    for (let i = 0; i < RECORDS; i++) {
      const at = RECORDS_AT + i * RECORD_WORDS;
      if (this.w[at + R.used] === 1 && this.w[at + R.ivcId] === ivcId) return at;
    }
    return -1;
  }

  private freeRecord(): number {
    for (let i = 0; i < RECORDS; i++) {
      const at = RECORDS_AT + i * RECORD_WORDS;
      if (this.w[at + R.used] !== 1) return at;
    }
    return -1;
  }

  private infoSlot(zoneId: number, create: boolean): number {
    let free = -1;
    for (let i = 0; i < INFOS; i++) {
      const at = INFOS_AT + i * INFO_WORDS;
      if (this.w[at + I.used] === 1 && this.w[at + I.zoneId] === zoneId) return at;
      if (free < 0 && this.w[at + I.used] !== 1) free = at;
    }
    if (!create || free < 0) return -1;
    this.w.fill(0, free, free + INFO_WORDS);
    this.w[free + I.used] = 1;
    this.w[free + I.zoneId] = zoneId;
    return free;
  }

  private u64(at: number): number {
    return this.w[at + 1]! * 0x1_0000_0000 + this.w[at]!;
  }

  private setU64(at: number, value: number): void {
    this.w[at] = value >>> 0;
    this.w[at + 1] = Math.floor(value / 0x1_0000_0000) >>> 0;
  }
}
