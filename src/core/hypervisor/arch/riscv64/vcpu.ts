/**
 * One riscv64 physical hart as the vCPU loop runs it. In `machine` mode the hart is bare hardware
 * started at the firmware entry (M-mode), with HTIF for the ISA test programs. In `supervisor` mode the
 * hypervisor runs on the hart, as hvisor does: the hart belongs to whichever zone the zone table binds
 * it to, runs that zone's guest in S-mode, and handles its own traps (SBI, hypercalls, vPLIC, stage-2
 * faults); physical external interrupts come through the hypervisor (irq-routing.ts).
 * Moved here from the vCPU worker, which now keeps only the thread plumbing.
 */
import { HvEventKind } from '../../hv-trace';
import { Hart } from '../../../isa/riscv64/hart';
import type { FaultReport, HartApi, HartPlatform } from '../../../isa/riscv64/platform';
import { HartEvent, HartStatus, HartWord } from '../../../cpu/hart-header';
import { leaveZone } from '../../hypervisor';
import { handlePhysicalExternal, RoutingSignals } from './irq-routing';
import { ZoneRuntime } from '../../zone-runtime';
import { BoundSupervisor, bindZone, describeFault, type ZoneBinding } from './zone-vcpu';
import { Htif } from './htif';
import { MachineExit } from '../../../machine/machine-control';
import type { VcpuArch } from '../../../vcpu/vcpu-loop';
import type { VcpuSetup } from '../../../vcpu/vcpu-setup';
import { hypervisorWaits, powerTurn } from '../../vcpu-common';
import { HVISOR_IMSIC_GUEST_INDEX } from './vaplic';
import { VirtualPlic } from './vplic';

/** Wraps the devices' CPU signals so that physical external interrupts of virtualised harts go through the hypervisor. */
export function riscvDeviceSignals(zoned: boolean) {
  let routing: RoutingSignals | undefined;
  return {
    wrap: (signals: import('../../../machine/signals').SharedHartSignals) => {
      if (!zoned) return signals;
      routing = new RoutingSignals(signals, signals.headers, (h) => Atomics.load(signals.headers[h]!, HartWord.zoneSlot) !== 0);
      return routing;
    },
    routing: () => routing,
  };
}

export function createRiscvVcpu(setup: VcpuSetup, routing: RoutingSignals | undefined): VcpuArch {
  const { view, cpu: hartId, log } = setup;
  const zoned = setup.mode === 'supervisor';
  const header = view.headers[hartId]!;
  const runtime = zoned ? new ZoneRuntime(view, setup.hypervisor, log) : undefined;
  const bound = zoned ? new BoundSupervisor() : undefined;
  const virtio = runtime?.virtioFor(header);
  const ivcTable = runtime?.ivc;
  const waits = hypervisorWaits(header, setup.thread);
  let binding: ZoneBinding | undefined;
  let faulted = false;

  const imsic = view.devices.imsic;
  const locked = <T>(fn: () => T): T => {
    view.lock.acquire();
    try {
      return fn();
    } finally {
      view.lock.release();
    }
  };
  const platform: HartPlatform = {
    hartId,
    // AIA boards: the hart's CSRs reach its IMSIC files (the S level is the guest file the hypervisor selects).
    ...(imsic ? {
      interruptFiles: {
        read: (level, select) => locked(() => imsic.indirectRead(hartId, level, select)),
        write: (level, select, value) => locked(() => { imsic.indirectWrite(hartId, level, select, value); }),
        topei: (level) => locked(() => imsic.topei(hartId, level)),
        claim: (level, topei) => locked(() => imsic.claim(hartId, level, topei)),
      },
    } : {}),
    bus: view.bus,
    clock: view.guestClock,
    ...(setup.ramHints ? { ramHints: setup.ramHints } : {}),
    ...(setup.headProfile ? { headProfile: setup.headProfile } : {}),
    machineTimerCompare: () => view.machineTimerCompare(hartId),
    ...(bound ? { supervisor: bound } : {}),
    fault(report: FaultReport) {
      faulted = true;
      const base = { cpu: report.hart, pc: report.pc, kind: report.kind, message: report.message,
        ...(report.address !== undefined ? { address: report.address } : {}),
        ...(report.size !== undefined ? { size: report.size } : {}),
        ...(report.isWrite !== undefined ? { isWrite: report.isWrite } : {}) };
      if (runtime && binding) {
        const text = describeFault(report, binding);
        const trace = runtime.hypervisor.trace;
        if (trace?.on) trace.record(HvEventKind.fault, binding.config.zoneId, report.hart, 0, report.isWrite ? 1 : 0, report.address ?? -1n, report.pc);
        runtime.hypervisor.zoneError(binding.slot, text);
        setup.fault({ ...base, zone: binding.config.zoneId, text });
      } else {
        setup.fault({ ...base, text: report.message });
      }
    },
  };

  const hart = new Hart(platform, view.hartRegion(hartId));
  if (!zoned && setup.startsRunning) hart.reset(setup.entry, 'machine', BigInt(hartId), setup.args[0] ?? 0n);

  const htif = setup.tohost === undefined
    ? undefined
    : new Htif(view.bus.ram, { tohost: setup.tohost, ...(setup.fromhost !== undefined ? { fromhost: setup.fromhost } : {}) }, {
        exit: (code) => view.requestExit(code === 0 ? MachineExit.poweroff : MachineExit.fail, code),
        consoleWrite: (bytes) => view.consoleWrite(bytes),
      });

  function hypervisorTurn(): boolean {
    const events = Atomics.load(header, HartWord.events);
    if (events & HartEvent.shutdown) {
      binding = undefined;
      bound!.binding = undefined;
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
      binding = bindZone(slot, hartId, {
        view,
        hypervisor: runtime!.hypervisor,
        virtualIrqChipOf: (s) => runtime!.virtualIrqChipOf(s),
        ...(virtio ? { extraTraps: (_slot, config) => virtio.traps(config), virtio: virtio.hypercalls } : {}),
        ...(ivcTable ? { ivc: { stage2: (s, config) => runtime!.ivcStage2<HartApi>(config, s), info: (zoneId) => ivcTable.infoBytes(zoneId) } } : {}),
        vpci: (s, config) => runtime!.vpciFor<HartApi>(header, s, config),
        log,
      });
      bound!.binding = binding;
      faulted = false;
      // The hart just became virtualised: a physical SEIP raised before now must come through the hypervisor.
      view.lock.acquire();
      try {
        // On AIA boards nothing reaches the hypervisor through SEIP (the IMSIC drives the hart's inputs itself).
        // The zone's vPLIC keeps its output level in shared memory and signals only its changes: a hart
        // bound in a new thread (a restored snapshot) gets back the SEIP the vPLIC already drives.
        if (!imsic) {
          const chip = runtime!.virtualIrqChipOf(slot);
          routing?.takeOver(hartId, chip instanceof VirtualPlic && chip.drivesSeip(hartId));
        }
        // hvisor runs every zone's guest on guest interrupt file IMSIC_GUEST_INDEX (qemu-aia board.rs: 1), as
        // hstatus.VGEIN: from now on the hart's S-level CSRs and SEIP are that file's (riscv-imsic.ts).
        if (imsic && imsic.guests > 0) imsic.selectGuestFile(hartId, HVISOR_IMSIC_GUEST_INDEX);
      } finally {
        view.lock.release();
      }
    }
    if (events & HartEvent.halt) {
      Atomics.and(header, HartWord.events, ~HartEvent.halt);
      faulted = true;
    }
    if (faulted) {
      waits.park(HartStatus.faulted, 500);
      return false;
    }
    const physical = runtime!.physicalIrqChip;
    if (events & HartEvent.externalInterrupt && physical) {
      view.lock.acquire();
      try {
        handlePhysicalExternal(hartId, physical, (h) => runtime!.virtualIrqChipOfCpu(h), log, header);
      } finally {
        view.lock.release();
      }
    }
    return powerTurn(header, waits, (entry, opaque) => hart.reset(entry, 'supervisor', BigInt(hartId), opaque));
  }

  return {
    cpu: hart,
    debug: hart.debug,
    startsRunning: setup.startsRunning,
    get faulted() {
      return faulted;
    },
    ...(zoned ? { hypervisorTurn } : {}),
    ...(htif ? { afterSlice: () => htif.poll() } : {}),
    publishSnapshot: () => hart.publishSnapshot(),
    ownSnapshot: true,
    getPc: () => hart.getPc(),
    atBreakpoint: () => hart.atBreakpoint(),
    siblings: () => (binding ? binding.slot.cpuList() : view.headers.map((_, i) => i)),
  };
}
