/**
 * Pieces of the hypervisor's per-CPU turn that every architecture shares: parking a CPU that has no
 * zone (or whose zone stopped) until its header changes, and the test a vCPU waiting for a virtio
 * answer uses to give up when its zone goes away.
 */
import { CpuWord } from '../cpu/cpu-core';
import { HartEvent, HartStatus, HartWord, HsmState, RunRequest } from '../cpu/hart-header';
import { ControlWord, MachineExit } from '../machine/machine-control';
import type { VcpuThread } from '../vcpu/vcpu-loop';
import type { TrapHandler, TrappingCpu } from './stage2-map';

/** The usual virtio-mmio window of hvisor-tool's devices: a QueueNotify at 0x50 of each. */
export const VIRTIO_WINDOW = 0x200;

export function hypervisorWaits(header: Int32Array, thread: VcpuThread) {
  return {
    /** Parks the CPU until something changes in its header (a zone binding, a start, a request). */
    park(status: number, ms: number): void {
      Atomics.store(header, CpuWord.status, status);
      Atomics.store(header, CpuWord.wake, 0);
      thread.wait(header, CpuWord.wake, 0, ms);
    },
  };
}

/** A vCPU waiting for a virtio answer gives up when its zone goes away or the machine stops. */
export function leavingZone(header: Int32Array, control: Int32Array): boolean {
  return (
    (Atomics.load(header, HartWord.events) & (HartEvent.shutdown | HartEvent.halt)) !== 0 ||
    Atomics.load(header, CpuWord.request) === RunRequest.stop ||
    Atomics.load(control, ControlWord.exit) !== MachineExit.none
  );
}

/** A 64-bit value kept as two Int32 header words (low word first). */
export function readPair(header: Int32Array, loIndex: number): bigint {
  return (BigInt(Atomics.load(header, loIndex + 1) >>> 0) << 32n) | BigInt(Atomics.load(header, loIndex) >>> 0);
}

/**
 * The last step of every architecture's hypervisor turn: the CPU's power state as the zone's start (or
 * an SBI HSM hart_start / PSCI CPU_ON) left it. A pending start powers the CPU on at the stored entry
 * with the stored argument (RISC-V's opaque a1, Arm's x0); a stopped CPU parks. True when it can run.
 */
export function powerTurn(header: Int32Array, waits: ReturnType<typeof hypervisorWaits>, start: (entry: bigint, arg: bigint) => void): boolean {
  const state = Atomics.load(header, HartWord.hsm);
  if (state === HsmState.startPending) {
    start(readPair(header, HartWord.hsmStartAddrLo), readPair(header, HartWord.hsmOpaqueLo));
    Atomics.store(header, HartWord.hsm, HsmState.started);
    return true;
  }
  if (state !== HsmState.started) {
    waits.park(HartStatus.stopped, 500);
    return false;
  }
  return true;
}

/**
 * A trapped window whose state every thread shares (a virtual interrupt controller, an IVC control
 * table): each access takes the machine's device lock. Virtio windows are not wrapped: their access
 * waits for the daemon, which takes the same lock to inject the answer's interrupt.
 */
export function lockedHandler<C extends TrappingCpu>(handler: TrapHandler<C>, lock: { acquire(): void; release(): void }): TrapHandler<C> {
  return {
    read(cpu, offset, size) {
      lock.acquire();
      try {
        return handler.read(cpu, offset, size);
      } finally {
        lock.release();
      }
    },
    write(cpu, offset, size, value) {
      lock.acquire();
      try {
        handler.write(cpu, offset, size, value);
      } finally {
        lock.release();
      }
    },
  };
}
