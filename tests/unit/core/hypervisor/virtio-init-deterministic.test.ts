/**
 * Hypercall 0 (hv_virtio_init) in deterministic mode (decision 0025): the bridge stays with the
 * workbench's daemon and the root is told why, because a zone's CPU waiting for the root's hvisor-tool
 * would hold the only turn and the machine would stand still. In the normal mode the bridge moves.
 */
import { describe, expect, it } from 'vitest';
import { BRIDGE_PAGE_BYTES } from '../../../../src/core/virtio/virtio-bridge';
import { VirtioBridgeRouter } from '../../../../src/core/virtio/virtio-bridge-base';
import { bridgeHypercalls } from '../../../../src/core/hypervisor/hypercall';
import type { ZoneRuntime } from '../../../../src/core/hypervisor/zone-runtime';

function router(): VirtioBridgeRouter {
  const buffer = new SharedArrayBuffer(BRIDGE_PAGE_BYTES + 0x10_0000);
  return new VirtioBridgeRouter({
    home: { buffer, byteOffset: 0, byteLength: BRIDGE_PAGE_BYTES },
    ram: { base: 0x8000_0000, size: 0x10_0000, buffer, bufferOffset: BRIDGE_PAGE_BYTES },
    wakeRoot: () => undefined,
  });
}

describe('hypercall 0 in deterministic mode', () => {
  it('keeps the bridge with the workbench and says why; the normal mode moves it', () => {
    const logs: string[] = [];
    const deterministic = router();
    const refused = bridgeHypercalls({ answersEveryVirtioRequest: true } as ZoneRuntime, deterministic, (l) => logs.push(l)).init(0x8000_3000);
    expect(refused).toContain('virtio init refused by the workbench: in deterministic mode (decision 0025)');
    expect(deterministic.base.address).toBe(0);
    const normal = router();
    expect(bridgeHypercalls({ answersEveryVirtioRequest: false } as ZoneRuntime, normal, (l) => logs.push(l)).init(0x8000_3000)).toBeUndefined();
    expect(normal.base.address).toBe(0x8000_3000);
    expect(logs).toEqual(["virtio bridge moved to the root's page 0x80003000: the root zone's hvisor-tool serves virtio from now on; the workbench's daemon stands down"]);
  });
});
