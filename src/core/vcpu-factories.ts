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

/** Warms this thread's interpreter for `arch` (CpuModel.warmUp; once, later calls do nothing). */
export function warmUpVcpu(arch: BoardArch): void {
  if (warmed) return;
  warmed = true;
  // A warm-up's tier compiles its few blocks here: it must not wait for the compiling thread.
  compilingHere(() => cpuModel(arch).warmUp?.());
}

export function prepareVcpu(arch: BoardArch, zoned: boolean): VcpuPreparation {
  const prepare = FACTORIES[arch];
  if (!prepare) throw new Error(`no vCPU model for architecture '${arch}' yet`);
  return prepare(zoned);
}
