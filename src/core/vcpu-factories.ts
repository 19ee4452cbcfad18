/**
 * The vCPU factory registry: how a thread creates one physical CPU of each architecture, with the
 * hypervisor's per-arch part around it (src/core/hypervisor/arch/<arch>/vcpu.ts). With cpu-models.ts,
 * the only place outside the ISA folders that reaches them; a new architecture adds its row here.
 */
import type { HartSignals } from './bus/types';
import type { BoardArch } from '../shared/model/board';
import type { SharedHartSignals } from './machine/signals';
import type { VcpuArch } from './vcpu/vcpu-loop';
import type { VcpuSetup } from './vcpu/vcpu-setup';
import { cpuModel } from './cpu-models';
import { compilingHere } from './jit/block-cache';
import { createRiscvVcpu, riscvDeviceSignals } from './hypervisor/arch/riscv64/vcpu';
import { createAarch64Vcpu } from './hypervisor/arch/aarch64/vcpu';
import { createLoongarchVcpu } from './hypervisor/arch/loongarch64/vcpu';

/** One thread's preparation: how its machine view's devices signal CPUs, then the vCPU itself. */
export interface VcpuPreparation {
  /** Wraps the CPU signals the devices drive (RISC-V routes physical external interrupts through the hypervisor). */
  readonly wrapSignals?: (signals: SharedHartSignals) => HartSignals;
  create(setup: VcpuSetup): VcpuArch;
}

type Prepare = (zoned: boolean) => VcpuPreparation;

const FACTORIES: Partial<Record<BoardArch, Prepare>> = {
  riscv64: (zoned) => {
    const signals = riscvDeviceSignals(zoned);
    return { wrapSignals: signals.wrap, create: (setup) => createRiscvVcpu(setup, signals.routing()) };
  },
  aarch64: () => ({ create: createAarch64Vcpu }),
  loongarch64: () => ({ create: createLoongarchVcpu }),
};

let warmed = false;
let writerWarmed = false;

/**
 * Warms this thread's interpreter for `arch` (CpuModel.warmUp; once). `writer`: whether this thread will
 * write block modules itself; false leaves the translator's emitting out of the warm-up (a compiling
 * thread writes them), and a later call with true, from a thread that writes them after all, warms it
 * then (CpuModel.warmUpWriter).
 */
export function warmUpVcpu(arch: BoardArch, writer = true): void {
  // A warm-up's tier compiles its few blocks here: it must not wait for the compiling thread.
  if (!warmed) {
    warmed = true;
    writerWarmed = writer;
    compilingHere(() => cpuModel(arch).warmUp?.({ writer }));
  } else if (writer && !writerWarmed) {
    writerWarmed = true;
    cpuModel(arch).warmUpWriter?.();
  }
}

export function prepareVcpu(arch: BoardArch, zoned: boolean): VcpuPreparation {
  const prepare = FACTORIES[arch];
  if (!prepare) throw new Error(`no vCPU model for architecture '${arch}' yet`);
  return prepare(zoned);
}
