/**
 * The message that starts a vCPU worker and the messages it sends back. Everything else flows
 * through the shared buffer (hart header words, device state, UART rings).
 */
import type { MachinePlan } from '../core/machine/machine';
import type { FaultReport } from '../core/isa/riscv64/platform';
import type { GuestMode } from '../shared/model/layout';

export interface VcpuInit {
  readonly plan: MachinePlan;
  readonly memory: SharedArrayBuffer;
  readonly hart: number;
  readonly mode: GuestMode;
  /** Harts of the zone this hart belongs to (for SBI HSM/IPI confinement). */
  readonly zoneHarts: readonly number[];
  /** Whether this hart starts running (others wait for HSM hart_start). */
  readonly startsRunning: boolean;
  readonly entry: string;
  readonly a1: string;
  /** Guest address of HTIF `tohost`, if the image has one. */
  readonly tohost?: number;
  /** Host monotonic epoch (process.hrtime.bigint() as a decimal string) shared by all threads. */
  readonly epoch: string;
  readonly timebase: number;
  /** Instructions per slice between checks of the control words. */
  readonly slice: number;
}

export type VcpuMessage =
  | { type: 'ready'; hart: number }
  | { type: 'fault'; hart: number; report: FaultReport; region?: string }
  | { type: 'exit'; hart: number }
  | { type: 'error'; hart: number; message: string; stack?: string };
