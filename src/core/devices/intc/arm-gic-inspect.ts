/**
 * The inspector's tables of an Arm GIC, shared by GICv2 and GICv3: one row per INTID (SGIs and PPIs
 * once per CPU, as each CPU banks its own, then the SPIs) with enable, pending, active, priority, group,
 * trigger, input level and where it goes, and one row per CPU interface (priority mask, running
 * priority, the interrupt it would acknowledge now, its IRQ/FIQ outputs). Built from the rows the GIC
 * computes from its shared state (GicState.sources), so it has no side effects either.
 */
import type { ControllerInspectData, ControllerTable, RegisterDefData, RegisterValueData } from '../../../shared/protocol/inspect';
import { SPURIOUS, type GicCpuInterfaceState, type GicSourceState } from './arm-gic-state';
import { Column, hex, type ControllerInspectContext } from './inspect-table';

export function gicInspectData(
  name: string,
  kind: string,
  state: { readonly sources: readonly GicSourceState[]; readonly cpus: readonly GicCpuInterfaceState[] },
  registers: readonly RegisterValueData[],
  registerMap: readonly RegisterDefData[],
  context: ControllerInspectContext,
): ControllerInspectData {
  const withOwner = context.ownerOf !== undefined || context.ownerOfCpu !== undefined;
  const lines: ControllerTable = {
    key: 'lines',
    title: 'Interrupts',
    columns: [
      Column.number('intid', 'INTID'), Column.text('type', 'Type'), Column.enabled, Column.pending, Column.active,
      Column.number('priority', 'Priority', 'Lower is more urgent; 5 bits kept'), Column.number('group', 'Group', '0: FIQ, 1: IRQ'),
      Column.text('trigger', 'Trigger'), Column.level, Column.text('target', 'Target', 'The CPU of a banked interrupt, or where an SPI is routed'),
      ...(withOwner ? [Column.owner] : []),
    ],
    rows: state.sources.map((s) => {
      const owner = (s.cpu >= 0 ? context.ownerOfCpu?.(s.cpu) : context.ownerOf?.(s.intid)) ?? null;
      return {
        key: s.cpu >= 0 ? `cpu${s.cpu}.${s.intid}` : String(s.intid),
        cells: {
          intid: s.intid, type: s.kind, enabled: s.enabled, pending: s.pending, active: s.active, priority: hex(s.priority),
          group: s.group, trigger: s.trigger, level: s.level, target: s.target,
          ...(withOwner ? { owner } : {}),
        },
        owner,
        busy: s.pending || s.active,
        used: s.enabled || s.pending || s.active || s.level || (s.cpu < 0 && owner !== null),
      };
    }),
  };
  const targets: ControllerTable = {
    key: 'targets',
    title: 'CPU interfaces',
    columns: [
      Column.number('cpu', 'CPU'), Column.number('pmr', 'Priority mask'), Column.number('running', 'Running priority', '0xff: idle'),
      Column.number('pending', 'Would acknowledge', 'The INTID an acknowledge would return now'),
      { key: 'irq', label: 'IRQ', kind: 'flag', on: 'IRQ', tone: 'warn' }, { key: 'fiq', label: 'FIQ', kind: 'flag', on: 'FIQ', tone: 'warn' },
      Column.text('groups', 'Groups enabled'),
    ],
    rows: state.cpus.map((c) => ({
      key: String(c.cpu),
      cells: {
        cpu: c.cpu, pmr: hex(c.priorityMask), running: hex(c.runningPriority), pending: c.highestPending === SPURIOUS ? null : c.highestPending,
        irq: c.irq, fiq: c.fiq, groups: [0, 1].filter((g) => (c.groupEnables >> g) & 1).join(', ') || null,
      },
      owner: context.ownerOfCpu?.(c.cpu) ?? null,
      busy: c.irq || c.fiq,
    })),
  };
  return { name, kind, lineNoun: 'lines (SGIs and PPIs once per CPU)', lines, targets, registers, registerMap };
}
