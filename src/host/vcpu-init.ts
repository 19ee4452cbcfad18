/**
 * The message that starts a vCPU worker and the messages it sends back. Everything else flows
 * through the shared buffer (hart header words, zone table, device state, console rings).
 */
import type { BoardArch } from '../shared/model/board';
import type { TierStats } from '../core/cpu/cpu-core';
import type { MachinePlan } from '../core/machine/machine';
import type { HypervisorOptions } from '../core/hypervisor/hypervisor';
import type { GuestMode } from '../shared/model/layout';
import type { DeterministicParams } from '../core/vcpu/deterministic-turns';
import type { CompilerWorkerData } from './wasm-compiler';

export interface VcpuInit {
  readonly plan: MachinePlan;
  /** The machine's memory itself (shared), so that a WebAssembly tier can run over guest RAM. */
  readonly memory: WebAssembly.Memory;
  readonly hart: number;
  /**
   * Whether this CPU's block modules compile on a thread of their own (host/wasm-compiler.ts): when the
   * host has a core to spare beyond the CPUs the layout's zones run, and the run is not deterministic.
   */
  readonly backgroundCompile: boolean;
  /** 'machine': bare hart started at the firmware entry; 'supervisor': the hypervisor runs zones on it. */
  readonly mode: GuestMode;
  /** Machine mode: whether this hart starts at the entry (others stay off). */
  readonly startsRunning: boolean;
  readonly entry: string;
  /** Boot argument (RISC-V a1 / Arm x0: the device tree address), a decimal string. */
  readonly a1: string;
  /** Guest address of HTIF `tohost`, if the image has one. */
  readonly tohost?: number;
  /** Guest address of HTIF `fromhost` (where answers go), if the image has one. */
  readonly fromhost?: number;
  /** Host monotonic epoch (process.hrtime.bigint() as a decimal string) shared by all threads. */
  readonly epoch: string;
  readonly timebase: number;
  /** Instructions per slice between checks of the control words. */
  readonly slice: number;
  readonly hypervisor: HypervisorOptions;
  /** Deterministic mode (decision 0025): the scheduler's shared buffer and parameters. */
  readonly deterministic?: { readonly buffer: SharedArrayBuffer; readonly params: DeterministicParams };
  /** A snapshot's private CPU state (CpuCore.saveState) to start from instead of powering on. */
  readonly restoreState?: Uint8Array;
  /** The file of this CPU's RAM profile (ram-profile.ts), for its prefaulter to replay and write again. */
  readonly ramProfile?: string;
  /** The file of this CPU's translation profile (translation-profile.ts), read before it runs and written when its thread ends. */
  readonly translationProfile?: string;
}

/**
 * A vCPU thread's workerData: its setup, or (`early`) none yet: it comes in a VcpuStart message; or the
 * entry runs a vCPU's compiling thread (wasm-compiler.ts).
 */
export type VcpuWorkerData = { readonly init: VcpuInit } | { readonly early: true; readonly arch: BoardArch } | { readonly compiler: CompilerWorkerData };

/** What the host sends a thread spawned early: its setup, or that the machine never starts. */
export type VcpuStart = { readonly type: 'init'; readonly init: VcpuInit } | { readonly type: 'cancel' };

export type VcpuMessage =
  | { type: 'ready'; hart: number }
  | { type: 'fault'; hart: number; zone?: number; text: string }
  | { type: 'log'; hart: number; message: string }
  | { type: 'exit'; hart: number; tier?: TierStats }
  | { type: 'error'; hart: number; message: string; stack?: string }
  /** The CPU's private state for a snapshot (RunRequest.save), or why it has none. */
  | { type: 'state'; hart: number; state?: Uint8Array; error?: string };
