/**
 * The RISC-V zone supervisor: what the hart's Supervisor hook (isa/riscv64/platform.ts) gets when the
 * hypervisor runs on it, hvisor's HS-mode: the zone's stage-2 map (stage2-map.ts) plus the SBI for the
 * zone's ECALLs from VS-mode (sbi.ts). Leaves out everything arch-neutral about the map.
 */
import type { HartApi, Supervisor } from '../../../isa/riscv64/platform';
import { Stage2Map, type Stage2ChangeLog, type Stage2Region, type Stage2Trace, type TrapHandler, type TrapRegion } from '../../stage2-map';
import type { SbiHandler } from './sbi';

export class ZoneSupervisor extends Stage2Map<HartApi> implements Supervisor {
  constructor(
    regions: readonly Stage2Region[],
    traps: readonly TrapRegion<HartApi>[],
    private readonly sbi: SbiHandler,
    changes?: Stage2ChangeLog,
    trace?: Stage2Trace,
    forward?: { readonly handler: TrapHandler<HartApi>; readonly kind?: number },
  ) {
    super(regions, traps, changes, trace, forward);
  }

  ecall(hart: HartApi): void {
    this.sbi.handle(hart);
  }
}
