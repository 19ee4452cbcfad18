/**
 * The hypervisor as one hart of a zone sees it: stage-2 translation over the zone's memory regions,
 * trapped regions, and the SBI. Runs in the vCPU's own thread, as hvisor runs on the trapping CPU.
 */
import type { AddressSpace } from '../bus/address-space';
import type { AccessKind, HartApi, Supervisor } from '../isa/riscv64/platform';
import { Stage2 } from '../isa/riscv64/platform';
import type { SbiHandler } from './sbi';

export interface Stage2Region {
  readonly kind: 'ram' | 'io' | 'virtio';
  /** Guest-physical start. */
  readonly guestStart: number;
  /** Host-physical start. */
  readonly hostStart: number;
  readonly size: number;
}

/** The CPU that trapped, as every architecture's CPU API offers it (RISC-V HartApi, Arm ArmCpuApi). */
export interface TrappingCpu {
  readonly cpuId: number;
  getPc(): bigint;
}

export interface TrapHandler<C extends TrappingCpu = TrappingCpu> {
  read(cpu: C, offset: number, size: 1 | 2 | 4 | 8): bigint;
  write(cpu: C, offset: number, size: 1 | 2 | 4 | 8, value: bigint): void;
}

export interface TrapRegion<C extends TrappingCpu = TrappingCpu> {
  readonly start: number;
  readonly size: number;
  readonly handler: TrapHandler<C>;
}

/**
 * A zone's stage-2 map as every architecture's hypervisor uses it: its memory regions (guest-physical to
 * host-physical, I/O never executable) and the regions it traps and emulates.
 */
export class Stage2Map<C extends TrappingCpu = TrappingCpu> {
  private readonly regions: Stage2Region[];
  private last: Stage2Region | undefined;

  constructor(
    regions: readonly Stage2Region[],
    private readonly traps: readonly TrapRegion<C>[],
  ) {
    this.regions = [...regions].sort((a, b) => a.guestStart - b.guestStart);
  }

  translate(gpa: number, size: number, access: AccessKind): number {
    const region = this.lookup(gpa, size);
    if (region) {
      if (region.kind === 'io' && access === 'fetch') return Stage2.fault;
      return gpa - region.guestStart + region.hostStart;
    }
    if (this.trapAt(gpa, size)) return Stage2.trap;
    return Stage2.fault;
  }

  mmioRead(hart: C, gpa: number, size: 1 | 2 | 4 | 8): bigint {
    const trap = this.trapAt(gpa, size);
    return trap ? trap.handler.read(hart, gpa - trap.start, size) : 0n;
  }

  mmioWrite(hart: C, gpa: number, size: 1 | 2 | 4 | 8, value: bigint): void {
    const trap = this.trapAt(gpa, size);
    trap?.handler.write(hart, gpa - trap.start, size, value);
  }

  /** The region nearest to an address, for fault reports. */
  nearest(gpa: number): Stage2Region | undefined {
    let best: Stage2Region | undefined;
    let distance = Infinity;
    for (const r of this.regions) {
      const d = gpa < r.guestStart ? r.guestStart - gpa : Math.max(0, gpa - (r.guestStart + r.size - 1));
      if (d < distance) {
        distance = d;
        best = r;
      }
    }
    return best;
  }

  private lookup(gpa: number, size: number): Stage2Region | undefined {
    const last = this.last;
    if (last && gpa >= last.guestStart && gpa + size <= last.guestStart + last.size) return last;
    for (const r of this.regions) {
      if (gpa >= r.guestStart && gpa + size <= r.guestStart + r.size) {
        this.last = r;
        return r;
      }
    }
    return undefined;
  }

  /** The trapped region an access falls in, if any. */
  trapAt(gpa: number, size: number): TrapRegion<C> | undefined {
    for (const t of this.traps) if (gpa >= t.start && gpa + size <= t.start + t.size) return t;
    return undefined;
  }
}

/** The RISC-V zone supervisor: the stage-2 map plus the SBI (ECALLs from S-mode). */
export class ZoneSupervisor extends Stage2Map<HartApi> implements Supervisor {
  constructor(
    regions: readonly Stage2Region[],
    traps: readonly TrapRegion<HartApi>[],
    private readonly sbi: SbiHandler,
  ) {
    super(regions, traps);
  }

  /** A supervisor that maps the whole board one to one (a guest that owns the machine). */
  static identity(bus: AddressSpace, sbi: SbiHandler): ZoneSupervisor {
    const regions: Stage2Region[] = [
      { kind: 'ram', guestStart: bus.ram.base, hostStart: bus.ram.base, size: bus.ram.size },
      ...bus.mappings.map((m) => ({ kind: 'io' as const, guestStart: m.base, hostStart: m.base, size: m.size })),
    ];
    return new ZoneSupervisor(regions, [], sbi);
  }

  ecall(hart: HartApi): void {
    this.sbi.handle(hart);
  }
}
