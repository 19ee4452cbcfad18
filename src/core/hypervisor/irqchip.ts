/**
 * The hypervisor's interrupt-controller facade, as hvisor's src/device/irqchip/mod.rs gives one to the
 * rest of hvisor whatever the board's controller (PLIC, AIA, GICv2, GICv3): the physical controller the
 * hypervisor drives for itself (hvisor's host_plic()/GICD+GICR and the arch trap code's claim and
 * completion), and per zone a virtual controller (hvisor's vplic/vgic: trapped windows registered by
 * mmio_init, inject_irq, arch_irqchip_reset). Arch-neutral: which classes implement them for a board
 * is the registry's business (irqchips.ts), so that nothing else names a PLIC or a GIC.
 *
 * Threads: both are views over shared state; every call is made under the machine's device lock, from
 * any thread (a vCPU's trap, the host's virtio daemon, the inspector).
 *
 * Left out: MSIs through the facade (AIA's go from the APLIC or a vAPLIC straight to the IMSIC's files,
 * arch/riscv64/vaplic.ts; the GICv3 ITS is not modelled) and inter-processor events (hvisor's gic_send_event).
 */
import type { ControllerInspectData } from '../../shared/protocol/inspect';
import type { ControllerInspectContext } from '../devices/intc/inspect-table';
import type { DeviceLock } from '../bus/address-space';
import type { Clock, HartSignals, SharedRegion } from '../bus/types';
import type { Board } from '../../shared/model/board';
import type { ZoneConfig } from '../../shared/model/zone-config';
import type { MachineDevices } from '../devices/create-devices';
import type { TrapRegion, TrappingCpu } from './stage2-map';

/**
 * The board's interrupt controller as the hypervisor drives it. Interrupts are delivered at a target,
 * one output of the controller wired to one CPU input (a PLIC context; a GIC CPU interface's IRQ or FIQ);
 * which output drives which input is board data (the controller's `cpuInputs` prop), so the hypervisor
 * asks for "the output wired to this CPU's input X" instead of computing context numbers.
 */
export interface PhysicalIrqChip {
  /** The controller's kind (the board device kind, e.g. 'sifive-plic'). */
  readonly kind: string;
  /** Its name for people ('PLIC'). */
  readonly name: string;
  /**
   * The output wired to `cpu`'s interrupt input `input` (a name of the CPU model's inputs, e.g. RISC-V
   * 'SEIP'), or undefined when the controller drives no such input of that CPU. hvisor computes it as
   * cpuid * NUM_CONTEXTS_PER_HART + 1 (plic/mod.rs:80-83).
   */
  targetOf(cpu: number, input: string): number | undefined;
  /** Claims the best interrupt pending at `target` (0 = none): plic_get_hwirq (plic/mod.rs:80-83), a GIC IAR read. */
  claim(target: number): number;
  /** Completes a claimed interrupt at `target` (PLIC complete; GIC EOI). The controller may ignore a bad one. */
  complete(target: number, irq: number): void;
  /** Whether `irq` is delivered at `target` (PLIC enable bit: hvisor's set_enable_num). */
  setEnabled(target: number, irq: number, enabled: boolean): void;
  isEnabled(target: number, irq: number): boolean;
  /** An interrupt's priority (0 never interrupts on a PLIC): set_priority. */
  setPriority(irq: number, priority: number): void;
  /** The priority an interrupt must exceed to be delivered at `target`: set_threshold. */
  setThreshold(target: number, threshold: number): void;
  /** The machine's reset: every source, enable and output back to its reset state. */
  reset(): void;
  /** Makes `irq` pending as software can (hvisor's set_ispender: the IVC doorbell); absent where hvisor has no such call. */
  setPending?(irq: number): void;
  /** The inspector's tables, without side effects. */
  inspectState(context?: ControllerInspectContext): ControllerInspectData;
}

/**
 * One zone's virtual interrupt controller. Its state lives in the zone slot's shared memory, so every
 * thread builds its own object over it (ZoneRuntime.virtualIrqChipOf) and they all agree.
 */
export interface VirtualIrqChip<C extends TrappingCpu = TrappingCpu> {
  /** Its kind as the inspector keys it ('vplic'). */
  readonly kind: string;
  /** Its name for people ('vPLIC'). */
  readonly name: string;
  /**
   * The windows of the zone's guest-physical space this controller emulates (hvisor registers them in
   * mmio_init, irqchip/mod.rs:87-117). The zone's binding traps them in its stage-2 map; their handlers
   * expect the device lock held.
   */
  readonly traps: readonly TrapRegion<C>[];
  /** The zone's interrupts (its irq_bitmap, zone.rs irq_bitmap_init). */
  readonly ownedIrqs: readonly number[];
  owns(irq: number): boolean;
  /** Owned and one of the board's physical (HW_IRQS) lines: delivered by the physical controller. */
  isHw(irq: number): boolean;
  /**
   * hvisor's inject_irq(irq, is_hardware) (plic/mod.rs:85-102, gicv3/mod.rs:280): makes `irq` pending in
   * the zone, raising the interrupt input of the zone's CPU that should take it and waking that CPU.
   * `hw`: claimed from the physical controller (routed), else from a virtual device. False when dropped
   * (the reason is logged). Any thread, under the device lock.
   */
  inject(irq: number, hw: boolean): boolean;
  /**
   * Drops an injected interrupt the controller holds as a level until told (loongarch64's GINTC.HWIS),
   * when the device's driver has acknowledged it. Absent where the guest's claim or acknowledge ends
   * the interrupt itself (PLIC, GIC). Any thread, under the device lock.
   */
  deassert?(irq: number): void;
  /**
   * arch_irqchip_reset (plic/mod.rs:226-267, gicv3/mod.rs:480-491): the zone's physical interrupts are
   * disabled on the physical controller and the virtual state is cleared, its outputs lowered.
   */
  reset(): void;
  /** The inspector's tables, without side effects. */
  inspectState(context?: ControllerInspectContext): ControllerInspectData;
}

/** What an architecture's irqchip code needs to build a zone's virtual controller in any thread. */
export interface VirtualIrqChipEnv {
  readonly board: Board;
  /** The zone's state room in its slot (virtualStateBytes long). */
  readonly region: SharedRegion;
  readonly config: ZoneConfig;
  /** Physical CPUs of the zone, ascending. */
  readonly cpus: readonly number[];
  /** The machine's physical controller (physicalOf). */
  readonly physical: PhysicalIrqChip;
  /** The CPUs' interrupt inputs, unrouted: what the virtual controller raises for the zone's guest. */
  readonly signals: HartSignals;
  /**
   * The board's time in timebase ticks (what the CPUs' counters read; it follows retired instructions in
   * deterministic mode), for a controller that holds a line for a while (loongarch64's GINTC). Absent:
   * the host's clock.
   */
  readonly clock?: Clock;
  /** A guest access the controller refuses. */
  onGuestError(message: string): void;
  /** Hypervisor events (a dropped injection). */
  log(message: string): void;
  /** The id of the zone CPU `cpu` runs now, if any (hvisor's get_cpu_data(cpu).zone). */
  zoneOfCpu?(cpu: number): number | undefined;
  /**
   * A guest access on which hvisor itself panics (a todo!() or unwrap() in its emulation): the zone stops
   * with the report (the machine, with `strict`), where hvisor would take the whole board down.
   */
  panic?(message: string): void;
}

/** How an architecture rings an IVC peer's doorbell, and whether hvisor itself has IVC there. */
export interface IvcDoorbell {
  /** hvisor sets ivc_configs up on this architecture; otherwise only the layout's opt-in `workbenchIvc` does. */
  readonly byHvisor: boolean;
  /**
   * Makes `irq` pending for the peer zone (the control table's ipi_invoke), under the device lock.
   * Returns why it could not, or undefined.
   */
  ring(irq: number, target: { readonly physical: PhysicalIrqChip | undefined; readonly peer: VirtualIrqChip | undefined }): string | undefined;
}

/** One architecture's row of the irqchip registry (irqchips.ts): hvisor's cfg(feature) choice, as data. */
export interface IrqChipArch {
  /** Inter-VM communication (ivc.ts: ivc_configs at zone creation, the control table, HvIvcInfo) on this architecture. */
  readonly ivc: IvcDoorbell;
  /**
   * A physical interrupt is claimed by the hypervisor and injected into the zone's virtual controller,
   * where the guest claims it (riscv64: the vPLIC); false where the guest acknowledges the physical
   * controller itself (aarch64: hvisor hands it over through a HW-linked list register).
   */
  readonly hypervisorClaims: boolean;
  /** INTIDs below this are each CPU's own (a GIC's 16 SGIs and 16 PPIs); 0 where every source is shared (a PLIC). */
  readonly privateIrqs: number;
  /** The machine's physical controller as a PhysicalIrqChip, if the board has one this code drives. */
  physicalOf(devices: MachineDevices): PhysicalIrqChip | undefined;
  /** Shared bytes one zone's virtual controller keeps in its zone slot, for the largest zone of `board` (0: none). */
  virtualStateBytes(board: Board): number;
  /** The zone's virtual controller (hvisor virqc_init + mmio_init), or undefined where the arch has none yet. */
  createVirtual(env: VirtualIrqChipEnv): VirtualIrqChip | undefined;
  /**
   * Where a PCI function's MSI write to `address`, programmed by a zone running on `zoneCpus`, lands
   * physically, when the zone's view of its MSI controller is not the physical one (riscv64 AIA: the
   * zone's IMSIC page of a cpu is that cpu's guest interrupt file, as hvisor's vIMSIC forwards the
   * guest's own writes); undefined: the address as it is.
   */
  zoneMsiAddress?(board: Board, zoneCpus: readonly number[], address: number): number | undefined;
}

/** A virtual (non-hw) injection from a thread that does not hold the device lock (virtio completions, wake-ups). */
export function injectVirtual(chip: VirtualIrqChip, lock: DeviceLock, irq: number): boolean {
  lock.acquire();
  try {
    return chip.inject(irq, false);
  } finally {
    lock.release();
  }
}

/**
 * hvisor's physical interrupt path on a CPU that runs a zone (riscv64 trap.rs handle_external_interrupt,
 * gicv3/mod.rs gicv3_handle_irq_el1): claim everything pending at the hypervisor's output of `cpu` and
 * inject each as a hw interrupt into the zone running there. Like hvisor, an interrupt no zone takes is
 * logged and left claimed (it will not be delivered again until completed). Under the device lock.
 * Claiming until the controller answers 0 drains everything pending, so one call covers several raises.
 */
export function routePhysicalInterrupts(
  cpu: number,
  physical: PhysicalIrqChip,
  target: number,
  zoneChipOf: (cpu: number) => VirtualIrqChip | undefined,
  log: (message: string) => void,
  noun = 'cpu',
): { injected: number[]; dropped: number[] } {
  const injected: number[] = [];
  const dropped: number[] = [];
  for (;;) {
    const irq = physical.claim(target);
    if (irq === 0) break;
    const chip = zoneChipOf(cpu);
    if (!chip) {
      log(`${noun} ${cpu}: physical irq ${irq} but no zone runs here, dropped (left claimed on the physical ${physical.name})`);
      dropped.push(irq);
    } else if (chip.inject(irq, true)) {
      injected.push(irq);
    } else {
      log(`${noun} ${cpu}: physical irq ${irq} refused by the zone's ${chip.name}, left claimed on the physical ${physical.name}`);
      dropped.push(irq);
    }
  }
  return { injected, dropped };
}
