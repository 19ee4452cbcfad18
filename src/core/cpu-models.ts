/**
 * The CPU model registry: what the machine must know of each architecture's CPU before any thread
 * creates one (the shared bytes of its state region, the ELF machine it executes, the word the views use
 * for it). One of the two files (with vcpu-factories.ts) allowed to import the ISA folders; a new
 * architecture adds its row here.
 */
import type { BoardArch } from '../shared/model/board';
import { HART_STATE_BYTES } from './isa/riscv64/hart';
import { warmUpInterpreter as warmUpRiscv, warmUpWriter as warmUpRiscvWriter } from './isa/riscv64/warm-up';
import { Irq } from './isa/riscv64/csr-numbers';
import { A64_STATE_BYTES } from './isa/aarch64/cpu';
import { warmUpInterpreter as warmUpA64, warmUpWriter as warmUpA64Writer } from './isa/aarch64/warm-up';
import { CpuInterruptLine } from './isa/aarch64/platform';
import { A64InterruptCause } from './isa/aarch64/exceptions';
import { LA_STATE_BYTES } from './isa/loongarch64/cpu';
import { LaInterruptLine } from './isa/loongarch64/platform';
import { LA_LINUX_PE_MAGIC, laLinuxHandoff, parseLaLinuxImage } from './isa/loongarch64/linux-image';
import { DEBUG_BYTES, DEBUG_OFFSET } from './cpu/hart-snapshot';
import { walkStage2 } from './isa/aarch64/stage2-walk';
import type { Stage2Walker } from './cpu/translation-walk';
// After the CPUs: an ISA's tier.ts and its CPU import each other, and the CPU must load first.
import { type RvModuleJob, writeRvModule } from './isa/riscv64/tier';
import { type A64ModuleJob, writeA64Module } from './isa/aarch64/tier';

export interface CpuModel {
  readonly arch: BoardArch;
  /** Bytes of one CPU's shared region (header, registers, inspector debug words). */
  readonly stateBytes: number;
  /** Byte offset of the inspector's debug words (hart-snapshot.ts DebugWord) inside that region. */
  readonly debugOffset: number;
  /** ELF e_machine of the images the CPU executes (EM_RISCV 243, EM_AARCH64 183). */
  readonly elfMachine: number;
  readonly elfMachineName: string;
  /**
   * The magic of the architecture's Linux boot `Image` header at offset 0x38 (Documentation/arch/riscv/
   * boot-image-header.rst "RSC\\x05", arm64/booting.rst "ARM\\x64"), to recognise a raw kernel built for it.
   */
  readonly imageMagic: string;
  /** What the views call one CPU ("hart" on RISC-V). */
  readonly cpuNoun: string;
  /**
   * How a raw Linux Image loaded at `loadAddress` is entered, where that is not its first byte with the
   * device tree in the boot register (the riscv64 and arm64 protocols): the CPU's entry and the
   * firmware handoff to place in RAM first. undefined: the image is entered at its first byte.
   */
  readonly linuxBoot?: (image: Uint8Array, loadAddress: number, place?: LinuxBootPlace) => LinuxBoot | undefined;
  /**
   * The CPU's interrupt inputs an interrupt controller can drive, by the name board data wires them with
   * (a controller's `cpuInputs` prop), as bits of the CPU header's pending word.
   */
  readonly interruptInputs: Readonly<Record<string, number>>;
  /**
   * The causes a CPU records when it takes an interrupt (the timeline's 'delivered' events): names, and
   * which are timer interrupts the CPU raises itself and which come from an interrupt controller.
   */
  readonly interruptCauses: InterruptCauses;
  /**
   * Runs the interpreter over a program of its own on a scratch CPU, once per thread before its guest,
   * so that V8 has type feedback for every case of it before it first optimizes it (an ISA's warm-up.ts).
   */
  readonly warmUp?: (options?: { readonly writer?: boolean }) => unknown;
  /**
   * The translation tier's module writer, for the thread that compiles its modules: a job the tier
   * handed its compiler (BackgroundCompiler.submitJob) into the module's bytes.
   */
  readonly writeBlockModule?: (job: unknown) => Uint8Array;
  /** Warms that writer on its thread before the first job, as `warmUp` warms the CPU threads' (an ISA's warm-up.ts). */
  readonly warmUpWriter?: () => unknown;
  /**
   * Instruction slots per 4 KiB page by which the translation tier names block heads in a translation
   * profile (core/jit/head-profile.ts); absent where the CPU keeps none.
   */
  readonly headSlots?: number;
  /** The architecture's stage-2 table walk for walkers that are not a CPU (an SMMU's), where it has one. */
  readonly stage2Walk?: Stage2Walker;
}

/**
 * Where a handoff goes when not at the architecture's default place, and the device tree's address when
 * the machine does not pass it in a register (the benchmark's QEMU 7.2 side, src/cli/arch/loongarch64).
 */
export interface LinuxBootPlace {
  readonly handoffAddress: number;
  readonly dtbAddress?: number;
}

export interface LinuxBoot {
  readonly entry: number;
  readonly firmware: { readonly address: number; readonly bytes: Uint8Array };
}

export interface InterruptCauses {
  readonly names: Readonly<Record<number, string>>;
  readonly timer: readonly number[];
  readonly external: readonly number[];
}

const MODELS: Partial<Record<BoardArch, CpuModel>> = {
  riscv64: {
    arch: 'riscv64', stateBytes: HART_STATE_BYTES, debugOffset: DEBUG_OFFSET, elfMachine: 243, elfMachineName: 'RISC-V', imageMagic: 'RSC\x05', cpuNoun: 'hart',
    warmUp: warmUpRiscv,
    writeBlockModule: (job) => writeRvModule(job as RvModuleJob),
    // Halfwords: a head may be any 2-byte aligned instruction (the C extension).
    headSlots: 2048,
    warmUpWriter: warmUpRiscvWriter,
    // mip's external and software interrupt-pending bits (the timer bits are the hart's own).
    interruptInputs: { MEIP: 1 << Irq.MEI, SEIP: 1 << Irq.SEI, MSIP: 1 << Irq.MSI, SSIP: 1 << Irq.SSI },
    // mcause / scause interrupt codes (trap.ts traceDelivery).
    interruptCauses: {
      names: { 1: 'supervisor software', 3: 'machine software', 5: 'supervisor timer', 7: 'machine timer', 9: 'supervisor external', 11: 'machine external' },
      timer: [Irq.STI, Irq.MTI],
      external: [Irq.SEI, Irq.MEI],
    },
  },
  // The A64 state, then the debug words (debugOffset).
  aarch64: {
    arch: 'aarch64', stateBytes: A64_STATE_BYTES + DEBUG_BYTES, debugOffset: A64_STATE_BYTES, elfMachine: 183, elfMachineName: 'AArch64', imageMagic: 'ARM\x64', cpuNoun: 'CPU',
    warmUp: warmUpA64,
    writeBlockModule: (job) => writeA64Module(job as A64ModuleJob),
    // Words: every A64 instruction is 4-byte aligned.
    headSlots: 1024,
    warmUpWriter: warmUpA64Writer,
    interruptInputs: { IRQ: CpuInterruptLine.irq, FIQ: CpuInterruptLine.fiq, SError: CpuInterruptLine.serror },
    // The exception taken (exceptions.ts checkInterrupts); the generic timer reaches the CPU as a GIC PPI.
    interruptCauses: { names: { [A64InterruptCause.irq]: 'IRQ', [A64InterruptCause.fiq]: 'FIQ' }, timer: [], external: [A64InterruptCause.irq, A64InterruptCause.fiq] },
    stage2Walk: walkStage2,
  },
  // The LA64 state, then the debug words. EM_LOONGARCH 258; the Linux `Image` (an EFI-stub PE file) has
  // LINUX_PE_MAGIC at 0x38 (arch/loongarch/kernel/head.S). Its kernel_entry wants an EFI system table in
  // a2 (linux-image.ts), so a handoff page goes 4 KiB below the kernel, in the 2 MiB the kernel reserves.
  loongarch64: {
    arch: 'loongarch64', stateBytes: LA_STATE_BYTES + DEBUG_BYTES, debugOffset: LA_STATE_BYTES, elfMachine: 258, elfMachineName: 'LoongArch',
    imageMagic: String.fromCharCode(LA_LINUX_PE_MAGIC & 0xff, (LA_LINUX_PE_MAGIC >>> 8) & 0xff, (LA_LINUX_PE_MAGIC >>> 16) & 0xff, LA_LINUX_PE_MAGIC >>> 24), cpuNoun: 'CPU',
    linuxBoot: (image, loadAddress, place) => {
      const header = parseLaLinuxImage(image);
      if (!header) return undefined;
      const handoff = laLinuxHandoff(place?.handoffAddress ?? loadAddress - 0x1000, loadAddress + header.entry - header.loadOffset, place?.dtbAddress);
      return { entry: handoff.entry, firmware: { address: handoff.address, bytes: handoff.bytes } };
    },
    // ESTAT.IS bits driven from outside the CPU: HWI0-7 (interrupt controllers) and the IOCSR IPI.
    interruptInputs: LaInterruptLine,
    // The CPU records the ESTAT.IS bit number of the interrupt it takes (11: the constant timer).
    interruptCauses: {
      names: { 2: 'HWI0', 3: 'HWI1', 4: 'HWI2', 5: 'HWI3', 6: 'HWI4', 7: 'HWI5', 8: 'HWI6', 9: 'HWI7', 11: 'timer', 12: 'IPI' },
      timer: [11],
      external: [2, 3, 4, 5, 6, 7, 8, 9],
    },
  },
};

export function cpuModel(arch: BoardArch): CpuModel {
  const model = MODELS[arch];
  if (!model) throw new Error(`no CPU model for architecture '${arch}' yet`);
  return model;
}

/** The architecture whose CPUs execute ELF machine `machine`, if any. */
export function archOfElfMachine(machine: number): CpuModel | undefined {
  return Object.values(MODELS).find((m) => m?.elfMachine === machine);
}

/** The architecture a raw Linux `Image` was built for, from its header's magic (undefined: not such an Image). */
export function archOfLinuxImage(bytes: Uint8Array): CpuModel | undefined {
  if (bytes.length < 0x3c) return undefined;
  const magic = String.fromCharCode(...bytes.subarray(0x38, 0x3c));
  return Object.values(MODELS).find((m) => m?.imageMagic === magic);
}
