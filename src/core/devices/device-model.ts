/**
 * What the machine needs to know about a kind of board device, as one registry entry (device-registry.ts)
 * instead of a case in a switch: the shared bytes its state takes, how to build it over that state in any
 * thread, and which machine-wide role it plays (the console UART, the interrupt controller, the RISC-V
 * timer...). Interrupt controllers are built first, so that every other device finds the controller its
 * `irq` is wired to. Device-tree nodes are written by src/core/fdt from the same board data.
 */
import type { ArmSmmuV3 } from './iommu/arm-smmuv3';
import type { Clock, HartSignals, IrqSink, MmioDevice, SharedRegion } from '../bus/types';
import type { Board, BoardDevice, DeviceKind } from '../../shared/model/board';
import type { ByteRing } from './byte-ring';
import type { PowerRequestHandler } from './misc/sifive-test';
import type { WallClockNs } from './misc/goldfish-rtc';
import type { AclintMswi } from './intc/aclint-mswi';
import type { AclintMtimer } from './intc/aclint-mtimer';
import type { AclintSswi } from './intc/aclint-sswi';
import type { SifivePlic } from './intc/sifive-plic';
import type { RiscvAplic } from './intc/riscv-aplic';
import type { RiscvImsic } from './intc/riscv-imsic';
import type { MsiSink } from '../bus/msi';
import type { SifiveTest } from './misc/sifive-test';
import type { GoldfishRtc } from './misc/goldfish-rtc';
import type { ArmGicv3 } from './intc/arm-gicv3/gicv3';
import type { ArmGicv2 } from './intc/arm-gicv2';

/** A UART the workbench connects to a terminal: bytes out of the guest, bytes into it. */
export interface ConsoleUart extends MmioDevice {
  readonly outputRing: ByteRing;
  readonly inputRing: ByteRing;
  /** Moves bytes between the host rings and the FIFOs and updates the interrupt (under the machine lock). */
  poll(): void;
}

/** An interrupt controller a CPU-private source (an Arm generic timer's PPI) can drive. */
export interface PrivateIrqSink {
  setPrivateLevel(cpu: number, intid: number, level: boolean): void;
}

/** The machine-wide roles a device can take; MachineDevices exposes them by name. */
export interface DeviceRoles {
  /** The board's physical interrupt controller (the IRQ sink of the other devices). */
  readonly irqChip: IrqSink & MmioDeviceLike;
  readonly plic: SifivePlic;
  readonly aplic: RiscvAplic;
  readonly imsic: RiscvImsic;
  /** The board's MSI controller (an IMSIC): where MSI writes of devices and of an APLIC in MSI mode go. */
  readonly msi: MsiSink;
  readonly gicv3: ArmGicv3;
  readonly gicv2: ArmGicv2;
  readonly privateIrqs: PrivateIrqSink;
  readonly uart: ConsoleUart;
  readonly mswi: AclintMswi;
  readonly mtimer: AclintMtimer;
  readonly sswi: AclintSswi;
  readonly test: SifiveTest;
  readonly rtc: GoldfishRtc;
  /**
   * A second-level interrupt controller (a Loongson PCH-PIC or EIOINTC): devices reach it by naming it
   * in their `interruptParent` prop instead of wiring to the board's irqChip.
   */
  readonly cascadedIrqChip: IrqSink & MmioDeviceLike;
  /** What answers part of a LoongArch board's IOCSR space (the EIOINTC). */
  readonly iocsr: IocsrResponder;
  /** The board's IOMMU (an SMMUv3): the hypervisor programs it, the PCIe functions' DMA goes through it. */
  readonly iommu: ArmSmmuV3;
}

/** A device in a LoongArch CPU's IOCSR space: undefined / false where it does not answer. */
export interface IocsrResponder {
  read(cpu: number, address: number, size: 1 | 2 | 4 | 8): bigint | undefined;
  write(cpu: number, address: number, size: 1 | 2 | 4 | 8, value: bigint): boolean;
  /** Machine reset (it has no window, so the walk over the mappings does not reach it). */
  reset(): void;
}

/** What a controller needs for a machine reset. */
export interface MmioDeviceLike {
  reset(): void;
}

export interface PlanOptions {
  /** Size of each UART host ring (a power of two). */
  readonly uartRingCapacity?: number;
}

export interface DeviceContext {
  readonly signals: HartSignals;
  readonly clock: Clock;
  readonly onPowerRequest: PowerRequestHandler;
  /** Host wall clock for the RTC; defaults to Date.now() in ns. */
  readonly wallClockNs?: WallClockNs;
  /**
   * The CPU whose accesses go through this thread's machine view (a vCPU worker's own CPU; 0 for the
   * host thread, which only inspects). Devices with banked registers (GICv2's distributor and CPU
   * interface) answer as that CPU sees them.
   */
  readonly requester?: number;
}

export interface BuildContext extends DeviceContext {
  readonly board: Board;
  readonly spec: BoardDevice;
  readonly options: PlanOptions;
  /** The device's shared state region (only for kinds whose stateBytes is defined). */
  region(): SharedRegion;
  /**
   * The interrupt controller the device's interrupts go to (the one its `interruptParent` prop names,
   * else the board's irqChip); throws naming the device if there is none.
   */
  irqSink(): IrqSink;
  /** The board's MSI controller once built (ask when delivering), or a sink that refuses everything. */
  msiSink(): MsiSink;
}

export interface DeviceWindow {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  readonly device: MmioDevice;
}

export interface BuiltDevice {
  readonly windows: readonly DeviceWindow[];
  readonly roles?: Partial<DeviceRoles>;
}

export interface DeviceModel {
  readonly kind: DeviceKind;
  /** Built before the other devices, which take it as their IRQ sink. */
  readonly interruptController?: boolean;
  /** Shared bytes the device needs; undefined when the kind has no model yet (left unmapped). */
  stateBytes(board: Board, spec: BoardDevice, options: PlanOptions): number | undefined;
  build(context: BuildContext): BuiltDevice;
}

/** A numeric `props` entry of a board device, or an error naming the device and the property. */
export function numericProp(spec: BoardDevice, name: string): number {
  const value = spec.props?.[name];
  if (typeof value !== 'number') throw new Error(`device '${spec.name}' (${spec.kind}) has no numeric '${name}' property`);
  return value;
}

/** The first interrupt of a board device, or an error naming it. */
export function firstIrq(spec: BoardDevice): number {
  const irq = Array.isArray(spec.irq) ? spec.irq[0] : spec.irq;
  if (typeof irq !== 'number') throw new Error(`device '${spec.name}' has no interrupt`);
  return irq;
}
