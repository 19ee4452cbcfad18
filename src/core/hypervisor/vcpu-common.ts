/**
 * Pieces of the hypervisor's per-CPU turn that every architecture shares: parking a CPU that has no
 * zone (or whose zone stopped) until its header changes, and the test a vCPU waiting for a virtio
 * answer uses to give up when its zone goes away.
 */
import { CpuWord } from '../cpu/cpu-core';
import { HartEvent, HartWord, RunRequest } from '../cpu/hart-header';
import { ControlWord, MachineExit } from '../machine/machine-control';
import type { VcpuThread } from '../vcpu/vcpu-loop';

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
