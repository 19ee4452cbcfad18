/**
 * A loongarch64 zone's virtual interrupt state as hvisor keeps it: not a trapped controller but LVZ's
 * GINTC. hvisor passes every HWI through (GINTC.HWIP = 0xff, zone.rs:128-132), and injects an interrupt
 * into a zone with inject_irq(irq, is_hardware) (src/device/irqchip/ls7a2000/mod.rs:114-139): `irq` is an
 * ESTAT.IS bit number; 2..9 (HWI0..7) set that bit in GINTC.HWIS, the others (SWI, TI, IPI) the guest's
 * ESTAT; above 12 it is refused ("_irq > 12, not valid") and nothing happens. That is how a zone's
 * virtio devices interrupt it: hvisor's loongarch64 configs give them IRQs 4 and 5 (HWI2, HWI3). An
 * injected HWI stays raised until hvisor's next host timer interrupt clears GINTC.HWIS
 * (clear_hwi_injected_irq, trap.rs:1293-1300), which inject_irq itself enables; the timer is periodic at
 * 200 ms (trap.rs:143-153 timer_init). Here the zone's first CPU takes the injection (hvisor injects on the
 * CPU that handles the event) and its line drops at that CPU's next hypervisor turn 200 ms later, 200 ms of
 * the board's time (env.clock: the counter hvisor's timer runs on, which follows retired instructions in
 * deterministic mode, so a replay drops it at the same instruction). The daemon drops a device's line
 * sooner, when the driver acknowledges it (deassert).
 *
 * State in the zone slot, shared by every thread: per zone CPU the injected HWIs (bit n = HWIn), the
 * number of injections and the time the hold ends. Left out: TI and SWI injection (the CPU holds those
 * bits itself; they are logged and dropped), and a guest's EIOINTC route that drives the same HWI line as
 * an injection (the CPU's pending word has one level per line: whichever writes last wins).
 */
import type { ControllerInspectData } from '../../../../shared/protocol/inspect';
import type { ControllerInspectContext } from '../../../devices/intc/inspect-table';
import { Column, listCell } from '../../../devices/intc/inspect-table';
import type { VirtualIrqChip, VirtualIrqChipEnv } from '../../irqchip';
import type { TrapRegion } from '../../stage2-map';

/** ESTAT.IS bit numbers (hvisor ls7a2000/mod.rs INT_*). */
const INT_HWI0 = 2;
const INT_HWI7 = 9;
const INT_IPI = 12;
/** hvisor's host timer period: an injected HWI is cleared at its next tick. */
export const HWI_HOLD_MS = 200;

/** Bytes per zone CPU: two Int32 words (HWIS bits, injections) and a Float64 (hold end, board ticks). */
const PER_CPU = 16;

export class LoongarchVirtualGintc implements VirtualIrqChip {
  readonly kind = 'gintc';
  readonly name = 'GINTC';
  readonly traps: readonly TrapRegion[] = [];
  readonly ownedIrqs: readonly number[];
  private readonly words: Int32Array;
  private readonly holds: Float64Array;

  constructor(private readonly env: VirtualIrqChipEnv) {
    this.ownedIrqs = [...env.config.interrupts];
    const n = env.cpus.length;
    if (env.region.byteLength < n * PER_CPU) throw new Error(`GINTC state needs ${n * PER_CPU} bytes`);
    this.words = new Int32Array(env.region.buffer, env.region.byteOffset, 2 * n);
    this.holds = new Float64Array(env.region.buffer, env.region.byteOffset + 8 * n, n);
  }

  /** The board's time in timebase ticks (the host's clock in the same unit without one). */
  now(): number {
    return this.env.clock ? this.env.clock.now() : (Date.now() * this.env.board.timebaseFrequency) / 1000;
  }

  /** HWI_HOLD_MS in timebase ticks. */
  holdTicks(): number {
    return (HWI_HOLD_MS * this.env.board.timebaseFrequency) / 1000;
  }

  static stateBytes(cpus: number): number {
    return cpus * PER_CPU;
  }

  owns(irq: number): boolean {
    return this.ownedIrqs.includes(irq);
  }

  isHw(): boolean {
    return false;
  }

  inject(irq: number, _hw: boolean): boolean {
    const cpu = this.env.cpus[0];
    if (cpu === undefined) return false;
    if (irq > INT_IPI || irq < 0) {
      this.env.log(`loongarch64: inject_irq: _irq ${irq} > ${INT_IPI}, not valid (zone ${this.env.config.zoneId}); dropped as hvisor drops it`);
      return false;
    }
    if (irq >= INT_HWI0 && irq <= INT_HWI7) {
      Atomics.or(this.words, 0, 1 << (irq - INT_HWI0));
      this.holds[0] = this.now() + this.holdTicks();
    } else if (irq !== INT_IPI) {
      this.env.log(`loongarch64: inject_irq: ESTAT.IS bit ${irq} (SWI/TI/PMI) into zone ${this.env.config.zoneId} is not modelled; dropped`);
      return false;
    }
    Atomics.add(this.words, 1, 1);
    this.env.signals.setPending(cpu, 1 << irq, true);
    return true;
  }

  /**
   * The daemon's deassert when the driver's InterruptACK leaves the device's InterruptStatus 0: the
   * line's GINTC.HWIS bit drops on the zone's first CPU (the one inject sets). hvisor-tool's daemon
   * does this per line (tools/virtio/virtio.c:950-985 -> HVISOR_HC_CLEAR_INJECT_IRQ with zone and irq,
   * driver/hvisor_main.c:95-104); hvisor HEAD's own hypercall 20 (HvClearInjectIrq, hypercall/mod.rs:83-93)
   * clears every injected line of every CPU but 0 (ipi.rs:349-352 -> ls7a2000/mod.rs:142-158), which
   * could drop another device's line before its driver ran. Without either, a line stayed up until the
   * 200 ms tick and Linux's handler, finding InterruptStatus 0, took it thousands of times (decision 0029).
   */
  deassert(irq: number): void {
    if (irq < INT_HWI0 || irq > INT_HWI7) return;
    const cpu = this.env.cpus[0];
    if (cpu === undefined) return;
    const bit = 1 << (irq - INT_HWI0);
    const before = Atomics.and(this.words, 0, ~bit);
    if (before & bit) this.env.signals.setPending(cpu, 1 << irq, false);
  }

  /** hvisor's clear_hwi_injected_irq on `cpu` once the hold has passed (its host timer tick). */
  clearExpired(cpu: number, now = this.now()): void {
    const i = this.env.cpus.indexOf(cpu);
    if (i < 0) return;
    const bits = Atomics.load(this.words, 2 * i);
    if (bits === 0 || now < this.holds[i]!) return;
    Atomics.and(this.words, 2 * i, ~bits);
    for (let b = 0; b < 8; b++) if (bits & (1 << b)) this.env.signals.setPending(cpu, 1 << (INT_HWI0 + b), false);
  }

  reset(): void {
    this.env.cpus.forEach((cpu, i) => {
      const bits = Atomics.exchange(this.words, 2 * i, 0);
      for (let b = 0; b < 8; b++) if (bits & (1 << b)) this.env.signals.setPending(cpu, 1 << (INT_HWI0 + b), false);
      Atomics.store(this.words, 2 * i + 1, 0);
      this.holds[i] = 0;
    });
  }

  inspectState(_context: ControllerInspectContext = {}): ControllerInspectData {
    const injected = (i: number): number => Atomics.load(this.words, 2 * i);
    const anyInjected = (hwi: number): boolean => this.env.cpus.some((_, i) => (injected(i) >> hwi) & 1);
    const columns = [Column.text('line', 'Line', 'ESTAT.IS bit the injection sets'), Column.number('irq', 'IRQ', "inject_irq's number (zone configs and virtio use it)"), Column.pending, Column.owner];
    const rows = Array.from({ length: 8 }, (_, hwi) => {
      const irq = INT_HWI0 + hwi;
      const owner = this.owns(irq) ? this.env.config.zoneId : null;
      const pending = anyInjected(hwi);
      return { key: String(irq), cells: { line: `HWI${hwi}`, irq, pending, owner }, owner, busy: pending, used: pending || owner !== null };
    });
    return {
      name: 'GINTC',
      kind: this.kind,
      lineNoun: 'HWI lines',
      lines: { key: 'lines', title: 'Injected HWIs (GINTC.HWIS)', columns, rows },
      targets: {
        key: 'targets',
        title: 'Zone CPUs',
        columns: [Column.number('cpu', 'CPU'), Column.text('hwis', 'HWIS', 'HWI lines injected now'), Column.number('injections', 'Injections')],
        rows: this.env.cpus.map((cpu, i) => {
          const bits = injected(i);
          const lines = Array.from({ length: 8 }, (_, b) => b).filter((b) => bits & (1 << b));
          return { key: String(cpu), cells: { cpu, hwis: listCell(lines), injections: Atomics.load(this.words, 2 * i + 1) }, busy: bits !== 0 };
        }),
      },
      registers: [],
      registerMap: [],
    };
  }
}
