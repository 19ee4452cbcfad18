/**
 * One loongarch64 physical CPU as the vCPU loop runs it. This first step runs the CPU bare, in the
 * layout's 'machine' mode: every CPU of the layout starts at the image's entry in PLV0 and direct
 * address mode, as firmware starts on a 3A5000 (a boot CPU and secondaries that wait for a mailbox or an
 * IPI). The IOCSR space is the board's (iocsr.ts). hvisor's zones on loongarch64 (its LVZ guest mode,
 * hypercalls, the zone's virtual interrupt path) are the next step of issue 14: 'supervisor' is refused
 * with a message saying so.
 */
import { LaCpu } from '../../../isa/loongarch64/cpu';
import type { LaPlatform } from '../../../isa/loongarch64/platform';
import type { CpuFaultReport } from '../../../cpu/cpu-core';
import { boardOf } from '../../../../shared/model/board';
import type { VcpuArch } from '../../../vcpu/vcpu-loop';
import type { VcpuSetup } from '../../../vcpu/vcpu-setup';
import { IPI_LINE, Loongson3Iocsr } from './iocsr';

export function createLoongarchVcpu(setup: VcpuSetup): VcpuArch {
  const { view, cpu: cpuId } = setup;
  if (setup.mode !== 'machine') {
    throw new Error(`loongarch64 zones under hvisor are not implemented yet (issue 14 item 3): layout mode '${setup.mode}' is not available, use "machine"`);
  }
  const board = boardOf(view.plan.board, 'loongarch64');
  const regions = view.headers.map((_, i) => view.hartRegion(i));
  const iocsr = new Loongson3Iocsr(board.iocsr, regions, (cpu, level) => view.signals.setPending(cpu, IPI_LINE, level), view.devices.iocsr);
  let faulted = false;

  const report = (r: CpuFaultReport): void => {
    faulted = true;
    const encoding = r.encoding !== undefined ? `, encoding 0x${(r.encoding >>> 0).toString(16).padStart(8, '0')}` : '';
    const disassembly = r.disassembly ? ` (${r.disassembly})` : '';
    const address = r.address !== undefined ? `; ${r.isWrite ? 'write' : 'access'} at address 0x${r.address.toString(16)}` : '';
    const text = `cpu ${r.cpu}, pc 0x${r.pc.toString(16)}: ${r.message}${encoding}${disassembly}${address}`;
    setup.fault({
      cpu: r.cpu, pc: r.pc, kind: r.kind, message: r.message, text,
      ...(r.address !== undefined ? { address: r.address } : {}),
      ...(r.size !== undefined ? { size: r.size } : {}),
      ...(r.isWrite !== undefined ? { isWrite: r.isWrite } : {}),
    });
  };

  const platform: LaPlatform = {
    cpuId,
    bus: view.bus,
    clock: view.guestClock,
    timerFrequency: board.timebaseFrequency,
    iocsr: iocsr.busFor(cpuId),
    prid: board.prid,
    fault: report,
  };
  const cpu = new LaCpu(platform, view.hartRegion(cpuId));
  // $a0..$a1 as firmware leaves them for a kernel: a0 = 0, a1 = the device tree's address (setup.args[0]).
  if (setup.startsRunning) cpu.powerOn(setup.entry, [0n, setup.args[0] ?? 0n], 'firmware');

  return {
    cpu,
    debug: view.cpuDebugWords(cpuId),
    startsRunning: setup.startsRunning,
    get faulted() {
      return faulted;
    },
    publishSnapshot: () => {},
    pcPhysical: () => {
      try {
        return BigInt(cpu.translatePeek(cpu.getPc()));
      } catch {
        return undefined;
      }
    },
    level: () => `PLV${cpu.plv}`,
    getPc: () => cpu.getPc(),
    atBreakpoint: () => cpu.atBreakpoint(),
    siblings: () => view.headers.map((_, i) => i),
  };
}
