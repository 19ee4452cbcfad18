/**
 * The hypervisor's handler for a zone's `virtio` memory region (hvisor mmio_virtio_handler): every
 * trapped access becomes a bridge request stamped with the trapping hart (the physical CPU) and the
 * zone; the vCPU then waits for the daemon's answer, except for a QueueNotify write, which hvisor
 * sends with need_interrupt = 1 and does not wait for.
 *
 * hvisor recognises QueueNotify by the offset from the start of the trapped region (0x50), so in a
 * region that holds several devices only the first one's notify is fire-and-forget; the others wait
 * for their (immediate) answer, which is slower but correct. This handler does the same unless told
 * the device window size. hvisor also flags a *read* of 0x50 this way; here only writes are.
 */
import type { TrapHandler, TrapRegion, TrappingCpu } from '../hypervisor/stage2-map';
import type { ZoneConfig } from '../../shared/model/zone-config';
import { QUEUE_NOTIFY_OFFSET, type BridgeAccess, type WaitOptions } from './virtio-bridge';

/**
 * The trap regions of a zone's `virtio` memory regions, for ZoneSupervisor. hvisor traps the window
 * at physical_start and ignores virtual_start (hvisor-reference.md 1.4).
 */
export function virtioTrapRegions(zone: Pick<ZoneConfig, 'zoneId' | 'memoryRegions'>, options: Omit<VirtioTrapOptions, 'zone' | 'regionBase'>): TrapRegion[] {
  return zone.memoryRegions
    .filter((r) => r.type === 'virtio')
    .map((r) => ({ start: r.physicalStart, size: r.size, handler: new VirtioTrapHandler({ ...options, zone: zone.zoneId, regionBase: r.physicalStart }) }));
}

export interface VirtioTrapOptions extends WaitOptions {
  /** The bridge requests go to: one page, or a VirtioBridgeRouter that follows hypercall 0. */
  readonly bridge: BridgeAccess;
  readonly zone: number;
  /** Guest-physical start of the trapped `virtio` region. */
  readonly regionBase: number;
  /** Set to the device window length (e.g. 0x200) to treat every device's 0x50 as QueueNotify. */
  readonly deviceStride?: number;
  /** Value a read returns when the wait was aborted (the zone is going away). */
  readonly abortedValue?: bigint;
}

export class VirtioTrapHandler implements TrapHandler {
  constructor(private readonly options: VirtioTrapOptions) {}

  read(hart: TrappingCpu, offset: number, size: 1 | 2 | 4 | 8): bigint {
    const value = this.options.bridge.access(this.request(hart, offset, size, 0n, false), this.options);
    if (value === undefined) return this.options.abortedValue ?? 0n;
    return size === 8 ? value : value & ((1n << BigInt(size * 8)) - 1n);
  }

  write(hart: TrappingCpu, offset: number, size: 1 | 2 | 4 | 8, value: bigint): void {
    this.options.bridge.access(this.request(hart, offset, size, value, true), this.options);
  }

  private request(hart: TrappingCpu, offset: number, size: number, value: bigint, isWrite: boolean) {
    const stride = this.options.deviceStride;
    const notifyOffset = stride ? offset % stride : offset;
    return {
      cpu: hart.cpuId,
      zone: this.options.zone,
      address: this.options.regionBase + offset,
      size,
      value,
      isWrite,
      needInterrupt: isWrite && notifyOffset === QUEUE_NOTIFY_OFFSET,
    };
  }
}
