/**
 * PSCI and SMCCC as an aarch64 zone guest sees them: answered by the hypervisor, confined to the zone.
 * By default exactly hvisor's table; the references are to syswonder/hvisor at 6a3fb78 (2026-01-29),
 * where all of it lives in src/arch/aarch64/trap.rs (there is no psci.rs):
 *
 * - SMC from EL1 (HCR_EL2.TSC, cpu.rs:125) is routed by the owning-entity bits, x0 & 0x3F000000
 *   (trap.rs:51-59, 310-325): 0x00 Arm architecture (SMCCC) -> handle_arch_smc, 0x04 standard secure
 *   service (PSCI) -> handle_psci_smc, 0x02 SiP and 0x32..0x3F trusted OS -> forwarded to the firmware
 *   (smc_call with x1..x17, results in x0..x3), anything else -> x0 = 0 ("unsupported smc").
 * - HVC from EL1 is always an hvisor hypercall (trap.rs:277-302): code x0, args x1 and x2, result in
 *   x0; the HVC immediate is not looked at (the ISS check is commented out, trap.rs:278-282;
 *   hvisor-tool issues `hvc #0x4856`, include/def.h:57). The codes are HyperCallCode
 *   (src/hypercall/mod.rs:36-46): 0 VirtioInit, 1 VirtioInjectIrq, 2 ZoneStart, 3 ZoneShutdown,
 *   4 ZoneList, 5 IvcInfo, 6 ConfigCheck, 20 ClearInjectIrq, 86 VirtioGetIrq; any other code answers 0
 *   (mod.rs:62-67). So PSCI over HVC never reaches PSCI in hvisor (PSCI_VERSION would read 0): every
 *   hvisor device tree says method = "smc".
 * - PSCI (trap.rs:368-419): VERSION = 1.1; CPU_SUSPEND = WFI at EL2 then SUCCESS (every power state is
 *   standby; entry and context id ignored); CPU_OFF = todo!(), i.e. hvisor panics; CPU_ON = wake the
 *   CPU whose MPIDR is x1 at entry x2, ALREADY_ON if it is on, SUCCESS otherwise (no check that the
 *   CPU is the zone's, trap.rs:348; the context id x3 is dropped: the CPU starts with x0 = the zone's
 *   DTB address, cpu.rs:101 and 187); AFFINITY_INFO = 0 ON / 1 OFF of cpu_data[x1] (x1 taken as a CPU
 *   index, not an MPIDR; level ignored; never ON_PENDING, power_on is set at CPU_ON, trap.rs:357);
 *   MIGRATE_INFO_TYPE = 2; FEATURES = 0 for a fixed list, -1 otherwise (trap.rs:331-345); SYSTEM_OFF =
 *   remove the zone and park all its CPUs, and from the root zone also power the board off through the
 *   firmware (trap.rs:391-412); SYSTEM_RESET and every other standard-service id answer 0 (trap.rs:414).
 * - SMCCC (trap.rs:421-436): SMCCC_VERSION = 1.1, SMCCC_ARCH_FEATURES and any other arch id = -1.
 *
 * Where hvisor would reach outside the zone or crash the board, the workbench confines instead (as the
 * RISC-V SBI does): CPU_ON and AFFINITY_INFO name a CPU by MPIDR (masked with hvisor's MPIDR_MASK,
 * cpu.rs:37) and a CPU outside the zone, or an MPIDR of no CPU (hvisor: unwrap panic, cpu.rs:250-252),
 * answers INVALID_PARAMETERS. For an SMC32/HVC32 function id (bit 30 clear) the arguments are W1..W3
 * (SMCCC: the upper halves are ignored; hvisor uses the whole registers).
 *
 * A layout may opt in to `workbenchExtensions`, PSCI as the spec (Arm DEN0022) has it where hvisor
 * differs: CPU_OFF stops the calling CPU, SYSTEM_RESET resets the zone (the board from the root zone),
 * CPU_ON passes the context id in x0 and answers ON_PENDING for a CPU still starting, AFFINITY_INFO
 * reports ON_PENDING and rejects a lowest affinity level above 0, unknown ids answer NOT_SUPPORTED,
 * FEATURES lists what is implemented, and PSCI/SMCCC fast calls also work over HVC.
 *
 * This file imports no ISA folder (layer rule): PsciCpu is the part of the A64 CPU's ArmCpuApi it needs.
 */
import { HvEventKind, type HvTrace } from '../../hv-trace';

/** PSCI return codes (DEN0022, table "Return error codes"); SMCCC's NOT_SUPPORTED is also -1. */
export const PsciReturn = {
  success: 0n,
  notSupported: -1n,
  invalidParameters: -2n,
  denied: -3n,
  alreadyOn: -4n,
  onPending: -5n,
  internalFailure: -6n,
  notPresent: -7n,
  disabled: -8n,
  invalidAddress: -9n,
} as const;

/** AFFINITY_INFO results. */
export const AffinityState = { on: 0n, off: 1n, onPending: 2n } as const;

/** Function ids: hvisor's PsciFnId and SMCccFnId (trap.rs:79-99) plus the spec ids it lacks. */
export const PsciFunction = {
  version: 0x84000000,
  cpuSuspend32: 0x84000001,
  cpuOff32: 0x84000002,
  cpuOn32: 0x84000003,
  affinityInfo32: 0x84000004,
  migrate32: 0x84000005,
  migrateInfoType: 0x84000006,
  migrateInfoUpCpu32: 0x84000007,
  systemOff: 0x84000008,
  systemReset: 0x84000009,
  features: 0x8400000a,
  cpuSuspend64: 0xc4000001,
  /** Not a spec id (CPU_OFF is 32-bit only) but in hvisor's table. */
  cpuOff64: 0xc4000002,
  cpuOn64: 0xc4000003,
  affinityInfo64: 0xc4000004,
  migrate64: 0xc4000005,
  migrateInfoUpCpu64: 0xc4000007,
  smcccVersion: 0x80000000,
  smcccArchFeatures: 0x80000001,
} as const;

/** PSCI 1.1 (trap.rs:61) and SMCCC 1.1 (trap.rs:63), major << 16 | minor. */
export const PSCI_VERSION = 0x10001n;
export const SMCCC_VERSION = 0x10001n;
/** "Trusted OS not present or does not require migration" (trap.rs:62). */
export const MIGRATE_INFO_TYPE = 2n;

/** hvisor's SMC_TYPE_MASK and SmcType (trap.rs:51-59). */
const SMC_TYPE_MASK = 0x3f000000n;
const SMC_ARCH = 0x00000000n;
const SMC_SIP = 0x02000000n;
const SMC_STANDARD = 0x04000000n;
const SMC_TOS_START = 0x32000000n;
const SMC_TOS_END = 0x3f000000n;
/** hvisor's MPIDR_MASK: Aff3 (39:32) and Aff2..Aff0 (23:0) (cpu.rs:37). */
const MPIDR_MASK = 0xff00ffffffn;
const SMC64_BIT = 1n << 30n;
const FAST_CALL_BIT = 1n << 31n;
const U32 = 0xffffffffn;

/** What FEATURES answers 0 for in hvisor (psci_emulate_features_info, trap.rs:331-345). */
const HVISOR_FEATURES: readonly number[] = [
  PsciFunction.version, PsciFunction.cpuSuspend32, PsciFunction.cpuSuspend64, PsciFunction.cpuOff32,
  PsciFunction.cpuOn32, PsciFunction.cpuOn64, PsciFunction.affinityInfo32, PsciFunction.affinityInfo64,
  PsciFunction.features, PsciFunction.smcccVersion,
];
/** With the workbench extensions: every spec function implemented here. */
const WORKBENCH_FEATURES: readonly number[] = [
  PsciFunction.version, PsciFunction.cpuSuspend32, PsciFunction.cpuSuspend64, PsciFunction.cpuOff32,
  PsciFunction.cpuOn32, PsciFunction.cpuOn64, PsciFunction.affinityInfo32, PsciFunction.affinityInfo64,
  PsciFunction.migrateInfoType, PsciFunction.systemOff, PsciFunction.systemReset, PsciFunction.features,
  PsciFunction.smcccVersion,
];

/** The calling CPU: X0..X17 as SMCCC uses them. A64's ArmCpuApi satisfies it as is. */
export interface PsciCpu {
  /** Physical CPU id (hvisor's cpu_data id). */
  readonly cpuId: number;
  getX(index: number): bigint;
  setX(index: number, value: bigint): void;
}

/** A CPU as PSCI sees it: 'on-pending' from CPU_ON until it runs its first guest instruction. */
export type PsciCpuState = 'on' | 'off' | 'on-pending';

/** What PSCI needs from the zone that owns the calling CPU. */
export interface PsciZone {
  /** Physical CPU ids of the zone (hvisor's cpu_set). */
  readonly cpus: readonly number[];
  /** The root zone (zone 0): its SYSTEM_OFF powers the board off (trap.rs:407-409). */
  readonly isRoot: boolean;
  /** Guest-physical address of the zone's device tree: x0 of a CPU started by CPU_ON in hvisor. */
  readonly dtbIpa: bigint;
  /** The board's CPU id for an MPIDR already masked with Aff3..Aff0 (BOARD_MPIDR_MAPPINGS), or undefined. */
  cpuOfMpidr(mpidr: bigint): number | undefined;
  cpuState(cpu: number): PsciCpuState;
  /**
   * Powers a stopped CPU of the zone on at `entry` (EL1h, DAIF masked, EL1 MMU off, all other
   * registers zero, as ArchCpu::reset, cpu.rs:85-104) with `x0`. Afterwards cpuState(cpu) is not 'off'.
   */
  startCpu(cpu: number, entry: bigint, x0: bigint): void;
  /** The calling CPU powers off: it leaves its run loop, cpuState becomes 'off' (workbench extension). */
  stopCpu(cpu: number): void;
  /** CPU_SUSPEND as hvisor does it: the calling CPU waits for an interrupt, then returns from the call. */
  standby(cpu: number): void;
  /**
   * SYSTEM_OFF: the zone is removed and all its CPUs park (trap.rs:396-405, 411); with `board` (root
   * zone) the whole board then powers off (psci::system_off, trap.rs:408). The calling CPU does not return.
   */
  systemOff(cpu: number, board: boolean): void;
  /** SYSTEM_RESET (workbench extension): the zone restarts, with `board` the whole board. Does not return. */
  systemReset(cpu: number, board: boolean): void;
  /** hvisor panics here (a todo!() or unwrap); the binding decides how loudly (stop the board or the zone). */
  panic(cpu: number, message: string): void;
  /** hvisor's hypercall handler for HVC (reads x0..x2, writes x0); absent: x0 = 0, as for an unknown code. */
  hypercall?(cpu: PsciCpu): void;
  /** SiP and trusted-OS SMCs, which hvisor forwards to the firmware; absent: x0 = -1 (no such service). */
  firmware?(cpu: PsciCpu, functionId: bigint): void;
  /** The layout's PSCI workbench extensions (see the file comment). */
  readonly workbenchExtensions?: boolean;
  /** The hypervisor trace and the zone id its records carry. */
  readonly trace?: { readonly trace: HvTrace; readonly zoneId: number };
}

const asU64 = (value: bigint): bigint => BigInt.asUintN(64, value);

export class PsciHandler {
  constructor(private readonly zone: PsciZone) {}

  /** An HVC or SMC from the zone's EL1; the CPU already points past the instruction. */
  call(cpu: PsciCpu, kind: 'hvc' | 'smc'): void {
    if (kind === 'smc') this.smc(cpu);
    else this.hvc(cpu);
  }

  /** handle_hvc (trap.rs:277-302): every HVC is a hypercall; PSCI/SMCCC fast calls too with the extensions. */
  hvc(cpu: PsciCpu): void {
    const code = asU64(cpu.getX(0));
    if (this.extended && isSmcccFastCall(code)) {
      this.smc(cpu);
      return;
    }
    if (this.zone.hypercall) this.zone.hypercall(cpu);
    else cpu.setX(0, 0n);
  }

  /** An SMC (or an HVC fast call with the extensions), recorded in the hypervisor trace when it records. */
  smc(cpu: PsciCpu): void {
    const traced = this.zone.trace;
    if (!traced?.trace.on) {
      this.handleSmc(cpu);
      return;
    }
    const id = cpu.getX(0);
    const [x1, x2, x3] = [cpu.getX(1), cpu.getX(2), cpu.getX(3)];
    this.handleSmc(cpu);
    traced.trace.record(HvEventKind.psci, traced.zoneId, cpu.cpuId, Number(BigInt.asIntN(32, id)), 0, x1, x2, x3, cpu.getX(0));
  }

  /** handle_smc (trap.rs:304-329). Writes x0 unless the call does not return. */
  private handleSmc(cpu: PsciCpu): void {
    // hvisor matches the whole x0 (u64): an id with upper bits set is routed but matches no function.
    const code = asU64(cpu.getX(0));
    const type = code & SMC_TYPE_MASK;
    let result: bigint | undefined;
    if (type === SMC_ARCH) result = this.arch(code);
    else if (type === SMC_STANDARD) result = this.standard(cpu, code);
    else if (type === SMC_SIP || (type >= SMC_TOS_START && type <= SMC_TOS_END)) {
      if (this.zone.firmware) this.zone.firmware(cpu, code);
      else cpu.setX(0, asU64(PsciReturn.notSupported));
      return;
    } else result = this.unknown();
    if (result !== undefined) cpu.setX(0, asU64(result));
  }

  private get extended(): boolean {
    return this.zone.workbenchExtensions === true;
  }

  /** hvisor answers 0 for an id it does not know (trap.rs:321-324, 414-417); the spec NOT_SUPPORTED. */
  private unknown(): bigint {
    return this.extended ? PsciReturn.notSupported : 0n;
  }

  /** handle_arch_smc (trap.rs:421-436). */
  private arch(code: bigint): bigint {
    if (code === BigInt(PsciFunction.smcccVersion)) return SMCCC_VERSION;
    return PsciReturn.notSupported;
  }

  /** handle_psci_smc (trap.rs:368-419); undefined when the calling CPU does not return. */
  private standard(cpu: PsciCpu, code: bigint): bigint | undefined {
    if (code > U32) return this.unknown();
    const id = Number(code);
    // SMCCC: an SMC32/HVC32 call passes W1..W3; the upper halves of X1..X3 are ignored.
    const arg = (i: number): bigint => {
      const x = asU64(cpu.getX(i));
      return (code & SMC64_BIT) === 0n ? x & U32 : x;
    };
    switch (id) {
      case PsciFunction.version:
        return PSCI_VERSION;
      case PsciFunction.cpuSuspend32:
      case PsciFunction.cpuSuspend64:
        // wfi(); gic_handle_irq(); 0 (trap.rs:377-381): every power state is a standby state.
        cpu.setX(0, PsciReturn.success);
        this.zone.standby(cpu.cpuId);
        return undefined;
      case PsciFunction.cpuOff32:
      case PsciFunction.cpuOff64:
        if (this.extended) {
          this.zone.stopCpu(cpu.cpuId);
          return undefined;
        }
        this.zone.panic(cpu.cpuId, 'hvisor: PSCI CPU_OFF is todo!() (src/arch/aarch64/trap.rs:382-384)');
        return undefined;
      case PsciFunction.cpuOn32:
      case PsciFunction.cpuOn64:
        return this.cpuOn(arg(1), arg(2), arg(3));
      case PsciFunction.affinityInfo32:
      case PsciFunction.affinityInfo64:
        return this.affinityInfo(arg(1), arg(2));
      case PsciFunction.migrateInfoType:
        return MIGRATE_INFO_TYPE;
      case PsciFunction.features:
        return this.features(arg(1));
      case PsciFunction.systemOff:
        this.zone.systemOff(cpu.cpuId, this.zone.isRoot);
        return undefined;
      case PsciFunction.systemReset:
        // hvisor has no SYSTEM_RESET: it answers 0 and the guest carries on (trap.rs:414-417).
        if (!this.extended) return 0n;
        this.zone.systemReset(cpu.cpuId, this.zone.isRoot);
        return undefined;
      default:
        return this.unknown();
    }
  }

  /** The zone's CPU with this MPIDR, or undefined for a CPU outside the zone (confinement). */
  private zoneCpu(mpidr: bigint): number | undefined {
    const cpu = this.zone.cpuOfMpidr(mpidr & MPIDR_MASK);
    return cpu !== undefined && this.zone.cpus.includes(cpu) ? cpu : undefined;
  }

  /** psci_emulate_cpu_on (trap.rs:347-366), confined to the zone. */
  private cpuOn(mpidr: bigint, entry: bigint, contextId: bigint): bigint {
    // hvisor: "Todo: Check if `cpu` is in the cpuset of current zone" (trap.rs:348).
    const target = this.zoneCpu(mpidr);
    if (target === undefined) return PsciReturn.invalidParameters;
    const state = this.zone.cpuState(target);
    if (state === 'on-pending' && this.extended) return PsciReturn.onPending;
    // hvisor: power_on already set -> u64::MAX - 3 = ALREADY_ON (trap.rs:355-362).
    if (state !== 'off') return PsciReturn.alreadyOn;
    // hvisor keeps x2 as cpu_on_entry and starts the CPU with x0 = dtb_ipa (trap.rs:356, cpu.rs:101, 187).
    this.zone.startCpu(target, entry, this.extended ? contextId : this.zone.dtbIpa);
    return PsciReturn.success;
  }

  /** AFFINITY_INFO: `!power_on as u64` (trap.rs:385-387), confined, and with ON_PENDING in the extensions. */
  private affinityInfo(mpidr: bigint, lowestLevel: bigint): bigint {
    if (this.extended && lowestLevel !== 0n) return PsciReturn.invalidParameters;
    const target = this.zoneCpu(mpidr);
    if (target === undefined) return PsciReturn.invalidParameters;
    const state = this.zone.cpuState(target);
    if (state === 'off') return AffinityState.off;
    return state === 'on-pending' && this.extended ? AffinityState.onPending : AffinityState.on;
  }

  /** psci_emulate_features_info (trap.rs:331-345): 0 (no feature flags) or NOT_SUPPORTED. */
  private features(functionId: bigint): bigint {
    const table = this.extended ? WORKBENCH_FEATURES : HVISOR_FEATURES;
    return functionId <= U32 && table.includes(Number(functionId)) ? PsciReturn.success : PsciReturn.notSupported;
  }
}

/** A fast call to the Arm architecture or standard secure service (SMCCC / PSCI), by its function id. */
function isSmcccFastCall(code: bigint): boolean {
  if (code > U32 || (code & FAST_CALL_BIT) === 0n) return false;
  const type = code & SMC_TYPE_MASK;
  return type === SMC_ARCH || type === SMC_STANDARD;
}
