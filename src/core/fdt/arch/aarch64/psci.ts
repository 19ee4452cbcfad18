/**
 * The /psci node of an aarch64 tree (arm,psci.yaml): how Linux starts, stops and resets CPUs. hvisor
 * answers PSCI 1.0/0.2 calls itself and takes them as SMCs (hvisor's zone device trees say "smc"); the
 * function IDs are the standard ones, so the PSCI 0.1 per-function properties are not written.
 */
import type { TreeContext } from '../../tree-context';

export function addPsci(ctx: TreeContext): void {
  const psci = ctx.tree.root.addChild('psci');
  psci.strings('compatible', ['arm,psci-1.0', 'arm,psci-0.2']).string('method', 'smc');
}
