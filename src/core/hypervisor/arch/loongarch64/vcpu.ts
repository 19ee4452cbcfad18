/**
 * One loongarch64 physical CPU as the vCPU loop runs it.
 *
 * 'machine' mode runs the CPU bare: every CPU of the layout starts at the image's entry in PLV0 and direct
 * address mode, as firmware starts on a 3A5000; the IOCSR space is the board's (iocsr.ts).
 *
 * 'supervisor' mode is hvisor's: the hypervisor runs on the CPU (in TypeScript, as on riscv64 and aarch64),
 * the CPU belongs to whichever zone the zone table binds it to and runs that zone's guest with its own
 * CSRs standing for LVZ's guest CSRs (decision 0029). What hvisor's trap.rs does with a guest's traps is
 * done here: HVCL is a hypercall (hypercall-abi.ts), the guest's physical accesses go through the zone's
 * stage-2 (stage2-bus.ts; an unmapped address stops the zone with a report), IOCSR and the 0x1fe0_0000
 * MMIO page go through hvisor's window (zone-iocsr.ts), and the zone's CPUs are powered on at the zone's entry in direct address
 * mode (hvisor's ArchCpu::run, cpu.rs:66-118: sepc = entry, x[] = 0, GCSR CPUID 0: the CPU's index in
 * the zone here). HWI and IPI lines reach the guest
 * as they reach the CPU: hvisor sets GINTC.HWIP = 0xff (zone.rs:128-132), passing every HWI through.
 */
import { HvEventKind } from '../../hv-trace';
import { LaCpu } from '../../../isa/loongarch64/cpu';
import { Csr } from '../../../isa/loongarch64/csr';
import type { IocsrBus, LaBus, LaPlatform } from '../../../isa/loongarch64/platform';
import type { CpuFaultReport } from '../../../cpu/cpu-core';
import { HartEvent, HartStatus, HartWord } from '../../../cpu/hart-header';
import { boardOf } from '../../../../shared/model/board';
import type { ZoneConfig } from '../../../../shared/model/zone-config';
import type { VcpuArch } from '../../../vcpu/vcpu-loop';
import type { VcpuSetup } from '../../../vcpu/vcpu-setup';
import { leaveZone } from '../../hypervisor';
import { guestMemory } from '../../hypercall';
import { Stage2Map, stage2RegionsOf, type TrapHandler, type TrapRegion } from '../../stage2-map';
import { TrapKind } from '../../hv-trace';
import { hypervisorWaits, lockedHandler, powerTurn } from '../../vcpu-common';
import { decodeZoneConfig } from '../../zone-config-binary';
import { ZoneRuntime } from '../../zone-runtime';
import type { ZoneSlot } from '../../zone-table';
import { handleHvclHypercall } from './hypercall-abi';
import { IPI_LINE, Loongson3Iocsr } from './iocsr';
import { Stage2Bus } from './stage2-bus';
import { LoongarchVirtualGintc } from './vgintc';
import { zoneIocsrBus, zoneMmioWindow } from './zone-iocsr';

interface ZoneBinding {
  readonly slot: ZoneSlot;
  readonly generation: number;
  readonly config: ZoneConfig;
  readonly stage2: Stage2Map<LaCpu>;
  /** The zone's IOCSR space on this CPU (hvisor's 0x1fe0_0000 window). */
  readonly iocsr: IocsrBus;
}

const hex = (v: number | bigint): string => `0x${v.toString(16)}`;

export function createLoongarchVcpu(setup: VcpuSetup): VcpuArch {
  const { view, cpu: cpuId, log } = setup;
  const zoned = setup.mode === 'supervisor';
  if (!zoned && setup.mode !== 'machine') {
    throw new Error(`a loongarch64 board runs bare ("machine") or under hvisor ("supervisor"): layout mode '${setup.mode}' is not available`);
  }
  const board = boardOf(view.plan.board, 'loongarch64');
  const header = view.headers[cpuId]!;
  const regions = view.headers.map((_, i) => view.hartRegion(i));
  const iocsr = new Loongson3Iocsr(board.iocsr, regions, (cpu, level) => view.signals.setPending(cpu, IPI_LINE, level), view.devices.iocsr);
  const boardIocsr = iocsr.busFor(cpuId);
  const runtime = zoned ? new ZoneRuntime(view, setup.hypervisor, log) : undefined;
  const virtio = runtime?.virtioFor(header);
  const waits = hypervisorWaits(header, setup.thread);
  let binding: ZoneBinding | undefined;
  let faulted = false;
  /** Why the zone's IOCSR window refused the last access (the report's text). */
  let refusal: string | undefined;

  function bind(slot: ZoneSlot): ZoneBinding {
    const config = decodeZoneConfig(slot.config(), `zone slot ${slot.index}`, 'loongarch64');
    const traps: TrapRegion<LaCpu>[] = (runtime!.virtualIrqChipOf(slot)?.traps ?? []).map((t) => ({ ...t, kind: TrapKind.irqchip, handler: lockedHandler(t.handler as TrapHandler<LaCpu>, view.lock) }));
    if (virtio) traps.push(...(virtio.traps(config) as TrapRegion<LaCpu>[]));
    const zoneAccess = { root: config.zoneId === 0, cpu: cpuId, cpus: slot.cpuList(), refused: (reason: string) => { refusal = reason; } };
    traps.push(zoneMmioWindow<LaCpu>(view.bus, zoneAccess));
    const trace = runtime!.hypervisor.trace;
    const stage2 = new Stage2Map<LaCpu>(stage2RegionsOf(config).filter((r) => r.kind !== 'virtio'), traps, slot.stage2Log, trace ? { trace, zoneId: config.zoneId } : undefined);
    const iocsrBus = zoneIocsrBus(boardIocsr, zoneAccess);
    return { slot, generation: slot.generation, config, stage2, iocsr: iocsrBus };
  }

  const stage2Bus = zoned ? new Stage2Bus<LaCpu>(view.bus, () => binding?.stage2, () => cpu) : undefined;
  const bus: LaBus = stage2Bus ?? view.bus;

  const report = (r: CpuFaultReport): void => {
    faulted = true;
    const where = binding ? `zone ${binding.config.zoneId} (${binding.config.name}), ` : '';
    const encoding = r.encoding !== undefined ? `, encoding 0x${(r.encoding >>> 0).toString(16).padStart(8, '0')}` : '';
    const disassembly = r.disassembly ? ` (${r.disassembly})` : '';
    let message = r.message;
    let address = r.address;
    let isWrite = r.isWrite;
    let detail = r.address !== undefined ? `; ${r.isWrite ? 'write' : 'access'} at address ${hex(r.address)}` : '';
    const lastFault = stage2Bus?.lastFault;
    if (binding && r.kind === 'access' && lastFault) {
      // The stage-2 walk found no region: hvisor's PIL/PIS/PNR path with no MMIO handler (trap.rs:385-590).
      const near = binding.stage2.nearest(lastFault.gpa);
      message = `stage-2 fault: guest-physical ${hex(lastFault.gpa)} (${lastFault.size}-byte ${lastFault.isWrite ? 'write' : 'read'}) is in no memory region of the zone`;
      detail = `; guest virtual ${hex(r.address ?? 0n)}${near ? `; nearest region: ${near.kind} ${hex(near.guestStart)}-${hex(near.guestStart + near.size - 1)}` : ''}`;
      address = BigInt(lastFault.gpa);
      isWrite = lastFault.isWrite;
    } else if (binding && refusal) {
      message = refusal;
      detail = '';
    }
    stage2Bus && (stage2Bus.lastFault = undefined);
    refusal = undefined;
    const text = `${where}cpu ${r.cpu}, pc ${hex(r.pc)}: ${message}${encoding}${disassembly}${detail}`;
    if (binding) {
      const trace = runtime!.hypervisor.trace;
      if (trace?.on) trace.record(HvEventKind.fault, binding.config.zoneId, r.cpu, 0, isWrite ? 1 : 0, address ?? -1n, r.pc);
      runtime!.hypervisor.zoneError(binding.slot, text);
    }
    setup.fault({
      cpu: r.cpu, pc: r.pc, kind: r.kind, message, text,
      ...(binding ? { zone: binding.config.zoneId } : {}),
      ...(address !== undefined ? { address } : {}),
      ...(r.size !== undefined ? { size: r.size } : {}),
      ...(isWrite !== undefined ? { isWrite } : {}),
    });
  };

  const platform: LaPlatform = {
    cpuId,
    bus,
    clock: view.guestClock,
    timerFrequency: board.timebaseFrequency,
    iocsr: zoned
      ? {
          read: (address, size) => (binding ? binding.iocsr.read(address, size) : undefined),
          write: (address, size, value) => (binding ? binding.iocsr.write(address, size, value) : false),
        }
      : boardIocsr,
    prid: board.prid,
    ...(setup.ramHints ? { ramHints: setup.ramHints, ramSpanStart: view.bus.ramSpan.bufferOffset } : {}),
    ...(zoned
      ? {
          hypercall: (c: LaCpu) => {
            const b = binding;
            if (!b) return;
            handleHvclHypercall(c, {
              hypervisor: runtime!.hypervisor, zoneId: b.config.zoneId, hart: cpuId, ...guestMemory(b.stage2, view.bus), log,
              ...(virtio ? { virtio: virtio.hypercalls } : {}),
            });
          },
        }
      : {}),
    fault: report,
  };


  const cpu = new LaCpu(platform, view.hartRegion(cpuId));
  // $a0..$a1 as firmware leaves them for a kernel: a0 = 0, a1 = the device tree's address (setup.args[0]).
  if (!zoned && setup.startsRunning) cpu.powerOn(setup.entry, [0n, setup.args[0] ?? 0n], 'firmware');

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
    const slot = runtime!.table.slots[slotIndex]!;
    if (!binding || binding.slot !== slot || binding.generation !== slot.generation) {
      binding = bind(slot);
      faulted = false;
    }
    if (events & HartEvent.halt) {
      Atomics.and(header, HartWord.events, ~HartEvent.halt);
      faulted = true;
    }
    if (events & HartEvent.externalInterrupt) Atomics.and(header, HartWord.events, ~HartEvent.externalInterrupt);
    // hvisor's host timer tick clears what it injected into this CPU (vgintc.ts).
    const gintc = runtime!.virtualIrqChipOf(slot);
    if (gintc instanceof LoongarchVirtualGintc) gintc.clearExpired(cpuId);
    if (faulted) {
      waits.park(HartStatus.faulted, 500);
      return false;
    }
    // hvisor's ArchCpu::run: the guest starts at the zone's entry with every GPR 0 (cpu.rs:66-80); a1 carries
    // the device tree's address as firmware would leave it for a kernel. hvisor sets every zone CPU's GCSR
    // CPUID to 0 "because linux running on it will believe it's CPU0" (cpu.rs:76-78; its loongarch64 zones
    // have one CPU each): here a CPU reads its index in the zone, 0 for the first, and the zone's IPIs
    // name CPUs by that index (zone-iocsr.ts).
    return powerTurn(header, waits, (entry, dtb) => {
      cpu.powerOn(entry, [0n, dtb], 'firmware');
      cpu.csr.set(Csr.CPUID, BigInt(Math.max(0, slot.cpuList().indexOf(cpuId))));
    });
  }

  return {
    cpu,
    debug: view.cpuDebugWords(cpuId),
    startsRunning: zoned ? false : setup.startsRunning,
    get faulted() {
      return faulted;
    },
    ...(zoned ? { hypervisorTurn } : {}),
    publishSnapshot: () => {},
    pcPhysical: () => {
      try {
        const pa = cpu.translatePeek(cpu.getPc());
        if (!binding) return BigInt(pa);
        const hpa = binding.stage2.translate(pa, 4, 'fetch');
        return hpa >= 0 ? BigInt(hpa) : undefined;
      } catch {
        return undefined;
      }
    },
    level: () => `PLV${cpu.plv}`,
    getPc: () => cpu.getPc(),
    atBreakpoint: () => cpu.atBreakpoint(),
    siblings: () => (binding ? binding.slot.cpuList() : view.headers.map((_, i) => i)),
  };
}
