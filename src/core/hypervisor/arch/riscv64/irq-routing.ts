/**
 * Physical external interrupts of harts that run under the hypervisor, routed as hvisor routes them on
 * PLIC boards (hvisor 6a3fb78 src/arch/riscv64/trap.rs:419-432 handle_external_interrupt): the physical
 * PLIC's S-mode context output of such a hart does not reach the guest. It traps into the hypervisor on
 * that CPU, which claims the source from the physical context the board wires to the hart's SEIP (2*hart+1
 * on QEMU virt) and injects it into the virtual controller of the zone running there as a hw IRQ
 * (irqchip.ts routePhysicalInterrupts); the guest's completion through the vPLIC completes it physically.
 *
 * Here the "trap" is an event bit in the hart's header plus a request to leave the run slice; the
 * hart's worker then calls handlePhysicalExternal under the device lock.
 *
 * The guest-visible SEIP bit of a virtualized hart (hvisor's hvip.VSEIP) and the physical SEIP share
 * one mip word in this machine, so the SEIP bit of a virtualized hart belongs to its zone's vPLIC:
 * physical SEIP changes for it, raising and lowering alike, never touch mip. Hence the vPLIC must be
 * built with the unrouted signals (RoutingSignals.inner), not with RoutingSignals.
 */
import type { HartSignals } from '../../../bus/types';
import { HartEvent, HartWord, RunRequest } from '../../../cpu/hart-header';
import { wakeHart } from '../../../machine/signals';
import { routePhysicalInterrupts, type PhysicalIrqChip, type VirtualIrqChip } from '../../irqchip';
import { HYPERVISOR_INPUT, MIP_SEIP } from './vplic';

/** HartEvent.externalInterrupt means: the physical PLIC asserted this hart's S-mode context. */
export { HartEvent };

/**
 * Records a physical SEI for the hart and makes its worker notice it soon: out of the current slice
 * (only a running hart is asked to yield; pause, step and stop requests stay as they are) and out of WFI.
 */
export function raiseExternalEvent(header: Int32Array): void {
  Atomics.or(header, HartWord.events, HartEvent.externalInterrupt);
  Atomics.compareExchange(header, HartWord.request, RunRequest.run, RunRequest.yield);
  wakeHart(header);
}

/** The HartSignals to build the physical PLIC with: diverts SEIP of virtualized harts into hart events. */
export class RoutingSignals implements HartSignals {
  constructor(
    /** The real signals; the zones' vPLICs drive SEIP through these. */
    readonly inner: HartSignals,
    private readonly headers: readonly Int32Array[],
    private readonly isVirtualized: (hart: number) => boolean,
  ) {}

  setPending(hart: number, mask: number, level: boolean): void {
    if ((mask & MIP_SEIP) !== 0 && this.isVirtualized(hart)) {
      const header = this.headers[hart];
      // The physical PLIC signals only level changes, so a raise is one new "trap"; a lowering only
      // means the sources were claimed or withdrawn, and must not clear the SEIP the vPLIC drives.
      if (level && header) raiseExternalEvent(header);
      mask &= ~MIP_SEIP;
      if (mask === 0) return;
    }
    this.inner.setPending(hart, mask, level);
  }

  /**
   * Call when a hart starts running under the hypervisor (after isVirtualized(hart) turns true, under
   * the device lock). A SEIP the physical PLIC set while the hart was not virtualized is withdrawn
   * (from now on the vPLIC owns that bit: `virtualSeip` is the level the zone's vPLIC drives, high when
   * a restored snapshot's hart had an interrupt waiting), and since the physical PLIC will not signal an
   * output that is already high again, one event is raised so that anything pending there is claimed
   * and routed.
   */
  takeOver(hart: number, virtualSeip: boolean): void {
    this.inner.setPending(hart, MIP_SEIP, virtualSeip);
    const header = this.headers[hart];
    if (header) raiseExternalEvent(header);
  }
}

export interface PhysicalExternalOutcome {
  /** Sources claimed and injected into the zone's vPLIC, in claim order. */
  readonly injected: number[];
  /** Sources claimed and dropped: they stay claimed on the physical PLIC (see handlePhysicalExternal). */
  readonly dropped: number[];
}

/**
 * The hypervisor's external-interrupt handler on `hart`: run by that hart's worker, under the device
 * lock, when it finds HartEvent.externalInterrupt set in its header word HartWord.events.
 *
 * The event bit must be cleared (Atomics.and) before the first claim: pass `header` and this function
 * does it, or clear it yourself before calling. Then a raise that happens meanwhile (from another
 * thread, once the lock is released) sets it again and is not lost; claiming until the physical PLIC
 * returns 0 drains everything that was pending, so one event may cover several raises. (hvisor claims
 * once per trap and relies on the SEI staying asserted; our physical PLIC signals edges of its output,
 * hence the loop.)
 *
 * Like hvisor, a source the hart's zone does not own (or that is not hw for it, or that arrives on a
 * hart with no zone) is logged and dropped WITHOUT a physical completion: it stays claimed on the
 * physical PLIC, and that source will not be delivered again to any context until someone completes
 * it. A zone normally cannot cause this, since the vPLIC only enables its own hw sources physically.
 * The loop ends because a dropped source, being claimed, cannot be pending again.
 */
export function handlePhysicalExternal(
  hart: number,
  physical: PhysicalIrqChip,
  chipOfHart: (hart: number) => VirtualIrqChip | undefined,
  log: (message: string) => void,
  header?: Int32Array,
): PhysicalExternalOutcome {
  if (header) Atomics.and(header, HartWord.events, ~HartEvent.externalInterrupt);
  const target = physical.targetOf(hart, HYPERVISOR_INPUT);
  if (target === undefined) {
    log(`hart ${hart}: the board wires no ${physical.name} output to its ${HYPERVISOR_INPUT}: no physical interrupt can reach its zone`);
    return { injected: [], dropped: [] };
  }
  return routePhysicalInterrupts(hart, physical, target, chipOfHart, log, 'hart');
}
