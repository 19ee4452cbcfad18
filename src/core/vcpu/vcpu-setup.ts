/**
 * What an architecture's vCPU factory receives and returns: the arch-neutral half of creating one
 * physical CPU in a thread (the machine view, the mode, the boot entry) and the VcpuArch the loop runs.
 * The factories are in src/core/hypervisor/arch/<arch>/vcpu.ts, chosen by the registry (vcpu-factories.ts).
 */
import type { MachineView } from '../machine/machine';
import type { RamHints } from '../bus/ram-hints';
import type { HeadProfile } from '../jit/head-profile';
import type { HypervisorOptions } from '../hypervisor/hypervisor';
import type { GuestMode } from '../../shared/model/layout';
import type { VcpuArch, VcpuThread } from './vcpu-loop';

/** A guest error reported to the host (the worker posts it). */
export interface VcpuFault {
  readonly cpu: number;
  readonly pc: bigint;
  readonly kind: string;
  readonly message: string;
  readonly address?: bigint;
  readonly size?: number;
  readonly isWrite?: boolean;
  /** Zone id when the CPU ran a zone. */
  readonly zone?: number;
  /** The line shown to the user (zone, CPU, pc, what happened, nearest region). */
  readonly text: string;
}

export interface VcpuSetup {
  readonly view: MachineView;
  readonly cpu: number;
  /** 'machine': bare CPU started at the firmware entry; 'supervisor': the hypervisor runs zones on it. */
  readonly mode: GuestMode;
  /** Machine mode: whether this CPU starts at the entry (others stay off). */
  readonly startsRunning: boolean;
  readonly entry: bigint;
  /** Boot arguments (RISC-V a1; Arm x0 = device tree). */
  readonly args: readonly bigint[];
  /** Guest addresses of HTIF tohost/fromhost, if the image has them (RISC-V test programs). */
  readonly tohost?: number;
  readonly fromhost?: number;
  readonly hypervisor: HypervisorOptions;
  /**
   * Where the CPU's stores first reach RAM pages, for the host's RAM prefaulter (core/bus/ram-hints.ts);
   * absent where the host has none.
   */
  readonly ramHints?: RamHints;
  /**
   * The block heads a previous boot translated, and where this one notes its own (core/jit/head-profile.ts);
   * absent where the host keeps no translation profile (deterministic runs, `--tier interp`).
   */
  readonly headProfile?: HeadProfile;
  /** The thread's sleep (parking a CPU without a zone). */
  readonly thread: VcpuThread;
  log(message: string): void;
  fault(fault: VcpuFault): void;
}

export type VcpuFactory = (setup: VcpuSetup) => VcpuArch;
