/**
 * The /timer node of an aarch64 tree (timer/arm,arch_timer.yaml): the four per-CPU interrupts of the
 * Arm generic timer in the binding's order (secure physical, non-secure physical, virtual, hypervisor),
 * written by the board's GIC as PPIs. The frequency is not written: Linux reads CNTFRQ_EL0, which the
 * binding prefers. `always-on` as QEMU writes it: the timer keeps counting in every idle state.
 */
import { boardOf } from '../../../../shared/model/board';
import type { TreeContext } from '../../tree-context';

export function addTimer(ctx: TreeContext): void {
  const { timerPpis } = boardOf(ctx.board, 'aarch64');
  const timer = ctx.tree.root.addChild('timer');
  timer.strings('compatible', ['arm,armv8-timer', 'arm,armv7-timer']);
  const ppis = [timerPpis.secure, timerPpis.physical, timerPpis.virtual, timerPpis.hypervisor];
  ctx.wireInterrupts(timer, 'the generic timer', ppis.map((irq) => ({ irq, trigger: 'level-high', perCpu: true })));
  timer.empty('always-on');
}
