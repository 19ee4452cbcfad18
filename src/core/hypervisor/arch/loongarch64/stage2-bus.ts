/**
 * A zone's guest-physical address space as the LA64 CPU sees it while it runs that zone's guest: LVZ's
 * second translation stage (guest physical -> host physical), which hvisor builds per zone from its
 * memory regions (src/arch/loongarch64/zone.rs:42-87 pt_init: ram RWX, io RW|IO, virtio as a trapped
 * page) and the hardware walks after the guest's own DMW/TLB translation. Here the CPU's physical
 * accesses come to this object instead of the board's AddressSpace (LaPlatform.bus): a mapped address
 * goes to the host address the zone's Stage2Map gives, a trapped window (hvisor's mmio_region_register:
 * virtio, the 0x1fe0_0000 page) is emulated, anything else is a stage-2 fault that stops the zone.
 *
 * Left out: fetch vs. read (the CPU's fetch comes as a read, so code in an `io` region runs where hvisor's
 * IO pages would fault), and the stage-2 TLB itself (GTLBC, GID-tagged entries): a map lookup per access
 * stands in for it, and run-time changes reach it through the slot's change log (stage2-map.ts).
 */
import { BusError, type AddressSpace, type RamWindow } from '../../../bus/address-space';
import type { AccessSize } from '../../../bus/types';
import type { LaBus } from '../../../isa/loongarch64/platform';
import { Stage2Outcome, type Stage2Map, type TrappingCpu } from '../../stage2-map';

/** The last access no region of the zone maps: what the fault report names. */
export interface Stage2Fault {
  readonly gpa: number;
  readonly size: number;
  readonly isWrite: boolean;
}

export class Stage2Bus<C extends TrappingCpu> implements LaBus {
  high = 0;
  lastFault: Stage2Fault | undefined;
  /** Guest-physical views of host RAM banks, one per (bank, offset) pair seen. */
  private readonly windows = new Map<string, RamWindow>();

  constructor(
    private readonly host: AddressSpace,
    /** The zone's map now (undefined while the CPU belongs to no zone: every access faults). */
    private readonly map: () => Stage2Map<C> | undefined,
    private readonly cpu: () => C,
  ) {}

  get ram(): RamWindow {
    return this.host.ram;
  }

  read(gpa: number, size: AccessSize): number {
    const map = this.map();
    const hpa = map ? map.translate(gpa, size, 'read') : Stage2Outcome.fault;
    if (hpa >= 0) {
      const value = this.host.read(hpa, size);
      this.high = this.host.high;
      return value;
    }
    if (hpa === Stage2Outcome.trap) {
      const value = map!.mmioRead(this.cpu(), gpa, size as 1 | 2 | 4 | 8);
      this.high = Number((value >> 32n) & 0xffff_ffffn) | 0;
      return Number(value & 0xffff_ffffn) | 0;
    }
    this.lastFault = { gpa, size, isWrite: false };
    throw new BusError(gpa, size, false);
  }

  write(gpa: number, size: AccessSize, value: number, high = 0): void {
    const map = this.map();
    const hpa = map ? map.translate(gpa, size, 'write') : Stage2Outcome.fault;
    if (hpa >= 0) {
      this.host.write(hpa, size, value, high);
      return;
    }
    if (hpa === Stage2Outcome.trap) {
      const v = (BigInt(high >>> 0) << 32n) | BigInt(value >>> 0);
      map!.mmioWrite(this.cpu(), gpa, size as 1 | 2 | 4 | 8, size === 8 ? v : v & ((1n << BigInt(8 * size)) - 1n));
      return;
    }
    this.lastFault = { gpa, size, isWrite: true };
    throw new BusError(gpa, size, true);
  }

  /**
   * The RAM bank behind guest-physical [gpa, gpa + size), in guest-physical terms: the CPU computes
   * `bufferOffset + (gpa - base)` for its atomics (LL/SC, AM*), so `base` is moved by the stage-2 offset.
   */
  bankAt(gpa: number, size: number): RamWindow | undefined {
    const map = this.map();
    const hpa = map ? map.translate(gpa, size, 'write') : Stage2Outcome.fault;
    if (hpa < 0) return undefined;
    const bank = this.host.bankAt(hpa, size);
    if (!bank) return undefined;
    const delta = gpa - hpa;
    if (delta === 0) return bank;
    const key = `${bank.base}:${delta}`;
    let window = this.windows.get(key);
    if (!window) {
      window = { ...bank, base: bank.base + delta };
      this.windows.set(key, window);
    }
    return window;
  }
}
