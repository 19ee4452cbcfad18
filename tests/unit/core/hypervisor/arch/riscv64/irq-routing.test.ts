import { describe, expect, it } from 'vitest';
import { MIP_MEIP, MIP_SEIP, PlicOffset, SifivePlic } from '../../../../../../src/core/devices/intc/sifive-plic';
import type { HartApi } from '../../../../../../src/core/isa/riscv64/platform';
import { HART_HEADER_BYTES, HartWord, RunRequest } from '../../../../../../src/core/cpu/hart-header';
import { SharedHartSignals } from '../../../../../../src/core/machine/signals';
import { HartEvent, RoutingSignals, handlePhysicalExternal } from '../../../../../../src/core/hypervisor/arch/riscv64/irq-routing';
import { VirtualPlic, type VirtualPlicConfig } from '../../../../../../src/core/hypervisor/arch/riscv64/vplic';
import { sharedRegion } from '../../../devices/helpers';

class FakeHart implements HartApi {
  constructor(readonly hartId: number) {}
  get cpuId(): number {
    return this.hartId;
  }
  getX(): bigint { return 0n; }
  setX(): void {}
  getPc(): bigint { return 0n; }
  setPc(): void {}
  getPrivilege(): number { return 1; }
}

const HARTS = 4;
const SOURCES = 95;
const HW_IRQS = [10, 33, 34];
const UART = 10;

/**
 * A qemu-plic board: harts 0,1 run the root zone (UART 10, PCIe INTx 33) under the hypervisor; harts
 * 2,3 are virtualized too unless `plain` lists them (a guest that owns the hart, no hypervisor).
 */
function board(plain: number[] = []) {
  const headers = Array.from({ length: HARTS }, () => new Int32Array(new SharedArrayBuffer(HART_HEADER_BYTES)));
  const virtualized = new Set([0, 1, 2, 3].filter((h) => !plain.includes(h)));
  const inner = new SharedHartSignals(headers);
  const routing = new RoutingSignals(inner, headers, (hart) => virtualized.has(hart));
  const physical = new SifivePlic(sharedRegion(SifivePlic.stateBytes({ sources: SOURCES, harts: HARTS })), { sources: SOURCES, harts: HARTS }, routing);
  const logs: string[] = [];
  const zone = (zoneId: number, zoneCpus: number[], ownedIrqs: number[]) => {
    const config: VirtualPlicConfig = { zoneId, zoneCpus, sources: 1023, ownedIrqs, hwIrqs: HW_IRQS, log: (m) => logs.push(m) };
    return new VirtualPlic(sharedRegion(VirtualPlic.stateBytes(config)), config, physical, inner);
  };
  const root = zone(0, [0, 1], [UART, 33]);
  const guest = zone(1, [2, 3], [7, 34]);
  const vplicOfHart = (hart: number) => (hart < 2 ? root : virtualized.has(hart) ? guest : undefined);
  const mip = (hart: number) => Atomics.load(headers[hart]!, HartWord.mip);
  const events = (hart: number) => Atomics.load(headers[hart]!, HartWord.events);
  const request = (hart: number) => Atomics.load(headers[hart]!, HartWord.request);
  const handle = (hart: number) => handlePhysicalExternal(hart, physical, vplicOfHart, (m) => logs.push(m), headers[hart]!);
  /** The guest's access to its own vPLIC from `hart`. */
  const guestWrite = (vplic: VirtualPlic, hart: number, offset: number, value: number) => vplic.write(new FakeHart(hart), offset, 4, BigInt(value));
  const guestRead = (vplic: VirtualPlic, hart: number, offset: number) => Number(vplic.read(new FakeHart(hart), offset, 4));
  const claimOffset = (vctx: number) => PlicOffset.context + PlicOffset.contextStride * vctx + 4;
  /** The guest on the zone's first hart takes `irq` with priority 1 on vcontext 1. */
  const guestEnable = (vplic: VirtualPlic, hart: number, irq: number, vctx = 1) => {
    guestWrite(vplic, hart, 4 * irq, 1);
    const at = PlicOffset.enable + PlicOffset.enableStride * vctx + 4 * (irq >> 5);
    guestWrite(vplic, hart, at, guestRead(vplic, hart, at) | (1 << (irq & 31)));
  };
  return { headers, virtualized, inner, routing, physical, logs, root, guest, mip, events, request, handle, guestWrite, guestRead, claimOffset, guestEnable };
}

describe('physical interrupt routing', () => {
  it('turns a physical SEI of a virtualized hart into a hypervisor event, then into the zone vPLIC', () => {
    const { physical, root, mip, events, request, handle, headers, guestRead, guestWrite, claimOffset, guestEnable } = board();
    guestEnable(root, 0, UART);
    Atomics.store(headers[0]!, HartWord.wake, 0);
    physical.setLevel(UART, true);
    // Not the guest's SEIP: an event for the hypervisor on hart 0, which must leave its slice and wake.
    expect(mip(0) & MIP_SEIP).toBe(0);
    expect(events(0)).toBe(HartEvent.externalInterrupt);
    expect(request(0)).toBe(RunRequest.yield);
    expect(Atomics.load(headers[0]!, HartWord.wake)).toBe(1);
    expect(handle(0)).toEqual({ injected: [UART], dropped: [] });
    expect(events(0)).toBe(0);
    expect(mip(0) & MIP_SEIP).toBe(MIP_SEIP);
    expect(physical.inspect().sources[UART - 1]!.claimed).toBe(true);
    // The guest claims and completes through its vPLIC; the completion reaches the physical PLIC.
    expect(guestRead(root, 0, claimOffset(1))).toBe(UART);
    expect(mip(0) & MIP_SEIP).toBe(0);
    physical.setLevel(UART, false);
    guestWrite(root, 0, claimOffset(1), UART);
    expect(physical.inspect().sources[UART - 1]!.claimed).toBe(false);
    expect(events(0)).toBe(0);
  });

  it('delivers again after the completion when the line is still high', () => {
    const { physical, root, mip, events, handle, guestRead, guestWrite, claimOffset, guestEnable } = board();
    guestEnable(root, 0, UART);
    physical.setLevel(UART, true);
    handle(0);
    expect(guestRead(root, 0, claimOffset(1))).toBe(UART);
    guestWrite(root, 0, claimOffset(1), UART);
    expect(events(0)).toBe(HartEvent.externalInterrupt);
    expect(mip(0) & MIP_SEIP).toBe(0);
    expect(handle(0).injected).toEqual([UART]);
    expect(mip(0) & MIP_SEIP).toBe(MIP_SEIP);
  });

  it('routes to the hart whose context the zone enabled (vcontext 3 of the guest zone is hart 3)', () => {
    const { physical, guest, mip, events, handle, guestRead, claimOffset, guestEnable } = board();
    guestEnable(guest, 2, 34, 3);
    physical.setLevel(34, true);
    expect([events(2), events(3)]).toEqual([0, HartEvent.externalInterrupt]);
    expect(handle(3).injected).toEqual([34]);
    expect([mip(2) & MIP_SEIP, mip(3) & MIP_SEIP]).toEqual([0, MIP_SEIP]);
    expect(guestRead(guest, 3, claimOffset(3))).toBe(34);
  });

  it('passes SEIP through for a hart that does not run under the hypervisor', () => {
    const { physical, mip, events, request } = board([2]);
    physical.write(4 * 34, 4, 1);
    physical.write(PlicOffset.enable + 5 * PlicOffset.enableStride + 4, 4, 1 << 2);
    physical.setLevel(34, true);
    expect(mip(2) & MIP_SEIP).toBe(MIP_SEIP);
    expect(events(2)).toBe(0);
    expect(request(2)).toBe(RunRequest.run);
    expect(physical.read(PlicOffset.context + 5 * PlicOffset.contextStride + 4, 4)).toBe(34);
    expect(mip(2) & MIP_SEIP).toBe(0);
  });

  it('passes every other bit through, also for virtualized harts', () => {
    const { routing, mip, events } = board();
    routing.setPending(1, MIP_MEIP | (1 << 1) | (1 << 5) | (1 << 3) | (1 << 7), true);
    expect(mip(1)).toBe(MIP_MEIP | 0b1010_1010);
    routing.setPending(1, (1 << 5) | MIP_SEIP, false);
    expect(mip(1)).toBe(MIP_MEIP | 0b1000_1010);
    routing.setPending(1, MIP_SEIP | (1 << 1), true);
    expect(mip(1)).toBe(MIP_MEIP | 0b1000_1010);
    expect(events(1)).toBe(HartEvent.externalInterrupt);
  });

  it('never lets a physical SEIP lowering clear the SEIP a vPLIC drives', () => {
    const { physical, root, mip, handle, guestEnable } = board();
    guestEnable(root, 0, UART);
    // 33 was routed earlier and is pending in the vPLIC; the guest enables it now.
    expect(root.inject(33, true)).toBe(true);
    expect(mip(0) & MIP_SEIP).toBe(0);
    guestEnable(root, 0, 33);
    expect(mip(0) & MIP_SEIP).toBe(MIP_SEIP);
    // The physical context of hart 0 rises for the UART and falls when the hypervisor claims it.
    physical.setLevel(UART, true);
    handle(0);
    expect(mip(0) & MIP_SEIP).toBe(MIP_SEIP);
  });

  it('claims until the physical context is empty, in priority order', () => {
    const { physical, root, handle, guestWrite, guestRead, claimOffset, guestEnable } = board();
    guestEnable(root, 0, UART);
    guestEnable(root, 0, 33);
    guestWrite(root, 0, 4 * 33, 2);
    physical.setLevel(UART, true);
    physical.setLevel(33, true);
    expect(handle(0).injected).toEqual([33, UART]);
    expect(guestRead(root, 0, claimOffset(1))).toBe(33);
    expect(guestRead(root, 0, claimOffset(1))).toBe(UART);
    expect(handle(0).injected).toEqual([]);
  });

  it('does not lose a raise that happens while the event is being handled', () => {
    const { physical, root, headers, events, logs, guestEnable } = board();
    guestEnable(root, 0, UART);
    guestEnable(root, 0, 33);
    physical.setLevel(UART, true);
    let raised = false;
    const outcome = handlePhysicalExternal(0, physical, () => {
      // Another device fires between the hypervisor's claims.
      if (!raised) {
        raised = true;
        physical.setLevel(33, true);
      }
      return root;
    }, (m) => logs.push(m), headers[0]!);
    expect(outcome.injected).toEqual([UART, 33]);
    // The bit was cleared before claiming, so the new raise left it set: a later pass finds nothing.
    expect(events(0)).toBe(HartEvent.externalInterrupt);
    expect(handlePhysicalExternal(0, physical, () => root, (m) => logs.push(m), headers[0]!).injected).toEqual([]);
    expect(events(0)).toBe(0);
  });

  it('drops a source the zone does not own without completing it, leaving it claimed (hvisor behaviour)', () => {
    const { physical, mip, events, logs, handle } = board();
    // Something programmed the physical PLIC behind the hypervisor's back: the guest zone's irq 34 on hart 0.
    physical.write(4 * 34, 4, 1);
    physical.write(PlicOffset.enable + 1 * PlicOffset.enableStride + 4, 4, 1 << 2);
    physical.setLevel(34, true);
    expect(handle(0)).toEqual({ injected: [], dropped: [34] });
    expect(logs).toEqual([
      "zone 0: irq 34 injected as hw is not one of the zone's hw IRQs (interrupts and HW_IRQS), dropped",
      'hart 0: physical irq 34 refused by the zone\'s vPLIC, left claimed on the physical PLIC',
    ]);
    expect(mip(0) & MIP_SEIP).toBe(0);
    expect(physical.inspect().sources[33]).toMatchObject({ claimed: true, pending: false });
    // Still claimed: lowering and raising the line again delivers nothing anywhere.
    physical.setLevel(34, false);
    physical.setLevel(34, true);
    expect(events(0)).toBe(0);
    expect(handle(0).dropped).toEqual([]);
  });

  it('drops a physical source on a hart where no zone runs', () => {
    const { physical, virtualized, logs, headers } = board();
    physical.write(4 * 34, 4, 1);
    physical.write(PlicOffset.enable + 5 * PlicOffset.enableStride + 4, 4, 1 << 2);
    physical.setLevel(34, true);
    expect(Atomics.load(headers[2]!, HartWord.events)).toBe(HartEvent.externalInterrupt);
    expect(virtualized.has(2)).toBe(true);
    // As the worker does it: clear the event itself, then handle under the lock.
    Atomics.and(headers[2]!, HartWord.events, ~HartEvent.externalInterrupt);
    const outcome = handlePhysicalExternal(2, physical, () => undefined, (m) => logs.push(m));
    expect(outcome).toEqual({ injected: [], dropped: [34] });
    expect(logs[0]).toMatch(/hart 2: physical irq 34 but no zone runs here, dropped/);
  });

  it('asks only a running hart to yield', () => {
    const { physical, root, headers, request, events, guestEnable } = board();
    guestEnable(root, 0, UART);
    Atomics.store(headers[0]!, HartWord.request, RunRequest.pause);
    physical.setLevel(UART, true);
    expect(request(0)).toBe(RunRequest.pause);
    expect(events(0)).toBe(HartEvent.externalInterrupt);
  });

  it('takeOver() withdraws a stale physical SEIP and routes what is already pending', () => {
    const { physical, root, virtualized, routing, mip, events, handle, headers } = board([0]);
    physical.write(4 * UART, 4, 1);
    physical.write(PlicOffset.enable + 1 * PlicOffset.enableStride, 4, 1 << UART);
    physical.setLevel(UART, true);
    expect(mip(0) & MIP_SEIP).toBe(MIP_SEIP);
    virtualized.add(0);
    Atomics.store(headers[0]!, HartWord.wake, 0);
    routing.takeOver(0, root.drivesSeip(0));
    expect(mip(0) & MIP_SEIP).toBe(0);
    expect(events(0)).toBe(HartEvent.externalInterrupt);
    expect(Atomics.load(headers[0]!, HartWord.wake)).toBe(1);
    // The root zone's guest has not enabled the UART in its vPLIC yet: injected, pending, no SEIP.
    expect(handle(0).injected).toEqual([UART]);
    expect(root.inspect().sources[UART - 1]!.pending).toBe(true);
    expect(mip(0) & MIP_SEIP).toBe(0);
  });

  it("takeOver() keeps the SEIP the zone's vPLIC drives: a hart bound again in a new thread (a restored snapshot) still takes the interrupt waiting for it", () => {
    const { guest, routing, mip, guestEnable, guestRead, claimOffset } = board();
    // zone 1's guest on hart 2 takes virtual irq 7; the virtio daemon injects it before the snapshot.
    guestEnable(guest, 2, 7);
    expect(guest.inject(7, false)).toBe(true);
    expect(mip(2) & MIP_SEIP).toBe(MIP_SEIP);
    expect(guest.drivesSeip(2)).toBe(true);
    expect(guest.drivesSeip(3)).toBe(false);
    // The restored worker binds hart 2 to zone 1 again: the vPLIC's output is already high and will not
    // be signalled again, so withdrawing SEIP here would lose the interrupt.
    routing.takeOver(2, guest.drivesSeip(2));
    expect(mip(2) & MIP_SEIP).toBe(MIP_SEIP);
    routing.takeOver(3, guest.drivesSeip(3));
    expect(mip(3) & MIP_SEIP).toBe(0);
    expect(guestRead(guest, 2, claimOffset(1))).toBe(7);
    expect(mip(2) & MIP_SEIP).toBe(0);
  });
});
