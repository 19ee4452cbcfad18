/**
 * One aarch64 physical CPU as the vCPU loop runs it, with the hypervisor standing where hvisor runs at
 * EL2: the CPU belongs to whichever zone the zone table binds it to and runs that zone's guest at EL1.
 * Its traps come here, as in hvisor's src/arch/aarch64/trap.rs: SMC is PSCI/SMCCC (psci.ts, confined to
 * the zone), HVC is an hvisor hypercall, data aborts on the zone's stage-2 are emulated MMIO (the GIC
 * distributor and redistributors, virtio) or a stage-2 fault that stops the zone with a report.
 *
 * The GIC: hvisor traps the zone's distributor and every redistributor frame and lets the guest use the
 * CPU interface's system registers (GICv3) or maps the GICV frame at the zone's GICC address (GICv2). The
 * zone's vGIC (vgic-v3.ts, vgic-v2.ts) filters the trapped windows by the zone's interrupts as hvisor
 * does; the ICC_* registers reach this CPU's interface. The generic timer's outputs drive this CPU's PPIs
 * on the physical GIC.
 *
 * Only supervisor mode: an aarch64 board always runs hvisor (there is no firmware mode to boot into).
 */
import { HvEventKind, TrapKind } from '../../hv-trace';
import { Icc } from '../../../devices/intc/arm-gicv3/cpu-interface';
import { A64Cpu } from '../../../isa/aarch64/cpu';
import { Stage2, type AccessKind, type ArmCpuApi, type ArmPlatform, type Supervisor, type SupervisorCall } from '../../../isa/aarch64/platform';
import type { CpuFaultReport } from '../../../cpu/cpu-core';
import { HartEvent, HartStatus, HartWord, HsmState } from '../../../cpu/hart-header';
import { resolveFetch } from '../../../isa/aarch64/memory';
import { leaveZone } from '../../hypervisor';
import { ZoneRuntime } from '../../zone-runtime';
import { Stage2Map, Stage2Outcome, type Stage2Region, type TrapHandler, type TrapRegion } from '../../stage2-map';
import { decodeZoneConfig } from '../../zone-config-binary';
import type { ZoneSlot } from '../../zone-table';
import type { ZoneConfig } from '../../../../shared/model/zone-config';
import { boardOf, type Aarch64Board } from '../../../../shared/model/board';
import { PsciHandler, type PsciCpuState } from './psci';
import { wakeHart } from '../../../machine/signals';
import type { VcpuArch } from '../../../vcpu/vcpu-loop';
import type { VcpuSetup } from '../../../vcpu/vcpu-setup';
import { hypervisorWaits, lockedHandler, powerTurn } from '../../vcpu-common';
import { guestMemory } from '../../hypercall';
import { handleHvcHypercall } from './hypercall-abi';

/** MPIDR_EL1 bits hvisor compares (Aff3..Aff0, cpu.rs MPIDR_MASK). */
const MPIDR_AFFINITY_MASK = 0xff_00ff_ffffn;

interface ZoneBinding {
  readonly slot: ZoneSlot;
  readonly generation: number;
  readonly config: ZoneConfig;
  readonly stage2: Stage2Map<ArmCpuApi>;
  readonly psci: PsciHandler;
}

export function createAarch64Vcpu(setup: VcpuSetup): VcpuArch {
  const { view, cpu: cpuId, log } = setup;
  if (setup.mode !== 'supervisor') {
    throw new Error(`an aarch64 board runs hvisor: layout mode '${setup.mode}' is not available (use "supervisor")`);
  }
  const board: Aarch64Board = boardOf(view.plan.board, 'aarch64');
  const header = view.headers[cpuId]!;
  const region = view.hartRegion(cpuId);
  const debug = view.cpuDebugWords(cpuId);
  const runtime = new ZoneRuntime(view, setup.hypervisor, log);
  const ivcTable = runtime.ivc;
  const virtio = runtime.virtioFor(header);
  const waits = hypervisorWaits(header, setup.thread);
  const gicv3 = view.devices.gicv3;
  const privateIrqs = view.devices.privateIrqs;
  const ramBase = view.bus.ram.base;
  let binding: ZoneBinding | undefined;
  let faulted = false;

  const locked = <T>(f: () => T): T => {
    view.lock.acquire();
    try {
      return f();
    } finally {
      view.lock.release();
    }
  };

  const storePair = (h: Int32Array, loIndex: number, value: bigint): void => {
    Atomics.store(h, loIndex, Number(value & 0xffff_ffffn) | 0);
    Atomics.store(h, loIndex + 1, Number((value >> 32n) & 0xffff_ffffn) | 0);
  };

  function bind(slot: ZoneSlot): ZoneBinding {
    const config = decodeZoneConfig(slot.config(), `zone slot ${slot.index}`, 'aarch64');
    const regions: Stage2Region[] = config.memoryRegions
      .filter((r) => r.type !== 'virtio')
      .map((r) => ({ kind: r.type as 'ram' | 'io', guestStart: r.virtualStart, hostStart: r.physicalStart, size: r.size }));
    // The zone's vGIC traps its GIC windows (vgic-v3.ts, vgic-v2.ts); IVC adds its sections and control
    // tables; both under the device lock. The virtio windows go to the bridge without it (virtio-trap.ts).
    const traps: TrapRegion<ArmCpuApi>[] = (runtime.virtualIrqChipOf(slot)?.traps ?? []).map((t) => ({ ...t, kind: TrapKind.irqchip, handler: lockedHandler(t.handler as TrapHandler<ArmCpuApi>, view.lock) }));
    const ivc = runtime.ivcStage2<ArmCpuApi>(config, slot);
    regions.push(...ivc.regions);
    traps.push(...ivc.traps);
    if (virtio) traps.push(...virtio.traps(config));
    // hvisor's vPCI: the zone's ECAM windows trapped, its BAR windows forwarded (vpci/vpci.ts).
    const vpci = runtime.vpciFor<ArmCpuApi>(header, slot, config);
    if (vpci) traps.push(...vpci.traps);
    const hvTrace = runtime.hypervisor.trace;
    const traced = hvTrace ? { trace: hvTrace, zoneId: config.zoneId } : undefined;
    const stage2 = new Stage2Map<ArmCpuApi>(regions, traps, slot.stage2Log, traced, vpci?.forward);
    const memory = guestMemory(stage2, view.bus);
    const cpus = slot.cpuList();
    const hypervisor = runtime.hypervisor;
    const psci = new PsciHandler({
      cpus,
      isRoot: config.zoneId === 0,
      dtbIpa: BigInt(config.dtbLoadPaddr),
      cpuOfMpidr: (mpidr) => {
        const index = board.mpidrs.findIndex((m) => BigInt(m) === (mpidr & MPIDR_AFFINITY_MASK));
        return index < 0 ? undefined : index;
      },
      cpuState: (cpu): PsciCpuState => {
        const hsm = Atomics.load(view.headers[cpu]!, HartWord.hsm);
        return hsm === HsmState.started ? 'on' : hsm === HsmState.startPending ? 'on-pending' : 'off';
      },
      startCpu: (cpu, entry, x0) => {
        const h = view.headers[cpu]!;
        if (Atomics.compareExchange(h, HartWord.hsm, HsmState.stopped, HsmState.startPending) !== HsmState.stopped) return;
        storePair(h, HartWord.hsmStartAddrLo, entry);
        storePair(h, HartWord.hsmOpaqueLo, x0);
        wakeHart(h);
      },
      stopCpu: (cpu) => {
        Atomics.store(view.headers[cpu]!, HartWord.hsm, HsmState.stopped);
      },
      standby: () => {
        // CPU_SUSPEND: hvisor waits for an interrupt at EL2, then returns; the loop's next WFI does the same.
      },
      systemOff: (cpu, wholeBoard) => {
        if (wholeBoard) view.requestExit(1, 0);
        else {
          log(`zone ${config.zoneId}: PSCI SYSTEM_OFF from cpu ${cpu}; shutting the zone down`);
          hypervisor.stopSlot(slot, cpu);
        }
      },
      systemReset: (cpu, wholeBoard) => {
        if (wholeBoard) view.requestExit(3, 0);
        else hypervisor.stopSlot(slot, cpu);
      },
      panic: (cpu, message) => {
        const text = `zone ${config.zoneId} (${config.name}), cpu ${cpu}: ${message}`;
        hypervisor.zoneError(slot, text);
        faulted = true;
      },
      workbenchExtensions: setup.hypervisor.workbenchPsciExtensions === true,
      ...(traced ? { trace: traced } : {}),
      hypercall: (cpu) => handleHvcHypercall(cpu, {
        hypervisor, zoneId: config.zoneId, hart: cpuId, ...memory, log,
        ...(ivcTable ? { ivcInfo: (zoneId: number) => ivcTable.infoBytes(zoneId) } : {}),
        ...(virtio ? { virtio: virtio.hypercalls } : {}),
      }),
    });
    return { slot, generation: slot.generation, config, stage2, psci };
  }

  const supervisor: Supervisor = {
    call(cpu: ArmCpuApi, call: SupervisorCall) {
      binding?.psci.call(cpu, call.kind);
    },
    // Stage2Map answers host-physical addresses; the A64 CPU wants an offset into the bus's RAM window.
    translate(ipa: number, size: number, access: AccessKind): number {
      if (!binding) return Stage2.fault;
      const hpa = binding.stage2.translate(ipa, size, access);
      if (hpa < 0) return hpa;
      return view.bus.isRam(hpa, size) ? hpa - ramBase : Stage2.trap;
    },
    // A trapped window is emulated, and so is a 'virtio' region of the map (a BAR hvisor's vPCI mapped,
    // forwarded to the management side's function: Stage2Map answers both); an access to a
    // passed-through `io` region reaches the device itself.
    mmioRead(cpu, ipa, size) {
      const b = binding;
      if (!b) return 0n;
      if (b.stage2.trapAt(ipa, size)) return b.stage2.mmioRead(cpu, ipa, size);
      const hpa = b.stage2.translate(ipa, size, 'read');
      if (hpa === Stage2Outcome.trap) return b.stage2.mmioRead(cpu, ipa, size);
      if (hpa < 0) return 0n;
      const bus = view.bus;
      const lo = bus.read(hpa, size) >>> 0;
      return size === 8 ? (BigInt(bus.high >>> 0) << 32n) | BigInt(lo) : BigInt(lo);
    },
    mmioWrite(cpu, ipa, size, value) {
      const b = binding;
      if (!b) return;
      if (b.stage2.trapAt(ipa, size)) {
        b.stage2.mmioWrite(cpu, ipa, size, value);
        return;
      }
      const hpa = b.stage2.translate(ipa, size, 'write');
      if (hpa === Stage2Outcome.trap) b.stage2.mmioWrite(cpu, ipa, size, value);
      else if (hpa >= 0) view.bus.write(hpa, size, Number(value & 0xffff_ffffn), Number((value >> 32n) & 0xffff_ffffn));
    },
    systemRegister: gicv3
      ? (_cpu, _name, encoding, write, value) => {
          // An SGI a zone sends (ICC_SGI1R_EL1) is an IPI in the hypervisor trace: value = the register.
          const trace = binding && write && encoding === Icc.SGI1R ? runtime.hypervisor.trace : undefined;
          if (trace?.on) trace.record(HvEventKind.ipi, binding!.config.zoneId, cpuId, 0, 0, value, (value >> 24n) & 0xfn);
          return locked(() => gicv3.cpuInterface(cpuId).access(encoding, write, value));
        }
      : undefined,
  };

  const report = (r: CpuFaultReport): void => {
    faulted = true;
    const where = binding ? `zone ${binding.config.zoneId} (${binding.config.name})` : 'no zone';
    const encoding = r.encoding !== undefined ? `, encoding 0x${(r.encoding >>> 0).toString(16).padStart(8, '0')}` : '';
    const disassembly = r.disassembly ? ` (${r.disassembly})` : '';
    const address = r.address !== undefined ? `; ${r.isWrite ? 'write' : 'access'} at guest address 0x${r.address.toString(16)}` : '';
    const text = `${where}, cpu ${r.cpu}, pc 0x${r.pc.toString(16)}: ${r.message}${encoding}${disassembly}${address}`;
    if (binding) {
      const trace = runtime.hypervisor.trace;
      if (trace?.on) trace.record(HvEventKind.fault, binding.config.zoneId, r.cpu, 0, r.isWrite ? 1 : 0, r.address ?? -1n, r.pc);
      runtime.hypervisor.zoneError(binding.slot, text);
    }
    setup.fault({
      cpu: r.cpu, pc: r.pc, kind: r.kind, message: r.message, text,
      ...(binding ? { zone: binding.config.zoneId } : {}),
      ...(r.address !== undefined ? { address: r.address } : {}),
      ...(r.size !== undefined ? { size: r.size } : {}),
      ...(r.isWrite !== undefined ? { isWrite: r.isWrite } : {}),
    });
  };

  /** Asks every other CPU of the zone for a remote fence (CpuWord.fences bits), serviced between its slices. */
  const broadcastFence = (bits: number): void => {
    for (const other of binding ? binding.slot.cpuList() : []) {
      if (other !== cpuId) Atomics.or(view.headers[other]!, HartWord.fences, bits);
    }
  };
  const platform: ArmPlatform = {
    cpuId,
    mpidr: BigInt(board.mpidrs[cpuId] ?? cpuId),
    bus: view.bus,
    clock: view.guestClock,
    ...(setup.ramHints ? { ramHints: setup.ramHints } : {}),
    ...(setup.headProfile ? { headProfile: setup.headProfile } : {}),
    timerFrequency: board.timebaseFrequency,
    supervisor,
    gicSystemRegisters: gicv3 !== undefined,
    timerOutput: privateIrqs
      ? (timer, level) => locked(() => privateIrqs.setPrivateLevel(cpuId, timer === 'virtual' ? board.timerPpis.virtual : board.timerPpis.physical, level))
      : undefined,
    broadcastTlbFlush: () => broadcastFence(1),
    broadcastCodeChange: () => broadcastFence(4),
    // An encoding or system register this CPU does not implement stops the zone with the pc, the encoding
    // and its disassembly (a guest that relies on an Undefined exception there would be a rare case).
    unimplemented: () => 'stop',
    fault: report,
  };
  const cpu = new A64Cpu(platform, region);

  function hypervisorTurn(): boolean {
    const events = Atomics.load(header, HartWord.events);
    if (events & HartEvent.shutdown) {
      binding = undefined;
      faulted = false;
      leaveZone(header);
      return false;
    }
    const slotIndex = Atomics.load(header, HartWord.zoneSlot) - 1;
    if (slotIndex < 0) {
      waits.park(HartStatus.stopped, 500);
      return false;
    }
    const slot = runtime.table.slots[slotIndex]!;
    if (!binding || binding.slot !== slot || binding.generation !== slot.generation) {
      binding = bind(slot);
      faulted = false;
    }
    if (events & HartEvent.halt) {
      Atomics.and(header, HartWord.events, ~HartEvent.halt);
      faulted = true;
    }
    if (events & HartEvent.externalInterrupt) Atomics.and(header, HartWord.events, ~HartEvent.externalInterrupt);
    if (faulted) {
      waits.park(HartStatus.faulted, 500);
      return false;
    }
    // hvisor's ArchCpu::reset: EL1h, DAIF masked, MMU off, x0 = the zone's device tree (cpu.rs:85-104).
    return powerTurn(header, waits, (entry, x0) => cpu.powerOn(entry, [x0], 'kernel'));
  }

  return {
    cpu,
    debug,
    startsRunning: false,
    get faulted() {
      return faulted;
    },
    hypervisorTurn,
    // No ISA-specific snapshot: the loop publishes CpuCore.inspect() (cpu/cpu-inspect.ts).
    publishSnapshot: () => {},
    pcPhysical: () => {
      const offset = resolveFetch(cpu, cpu.getPc());
      return offset >= 0 ? BigInt(view.bus.ramAddress(offset)) : undefined;
    },
    level: () => `EL${cpu.getExceptionLevel()}`,
    getPc: () => cpu.getPc(),
    atBreakpoint: () => cpu.atBreakpoint(),
    siblings: () => (binding ? binding.slot.cpuList() : view.headers.map((_, i) => i)),
  };
}
