/**
 * The device state snapshots keep (decision 0024) outside the machine's shared bytes: a virtio-net's
 * frames waiting for receive buffers and its MAC (another MAC refused by name), the switch's address
 * table, and a virtio-pci function's MSI-X table, vectors and common-configuration selectors.
 */
import { describe, expect, it } from 'vitest';
import { PCI_CONFIG_BYTES } from '../../../../src/core/devices/pci/pci-config-space';
import { VirtioNet } from '../../../../src/core/virtio/virtio-net';
import { CommonCfg, VirtioPci } from '../../../../src/core/virtio/virtio-pci';
import { EthernetSwitch } from '../../../../src/host/virtio/ethernet-switch';

const frame = (dst: number[], src: number[], fill: number): Uint8Array => Uint8Array.from([...dst, ...src, 0x08, 0x00, ...new Array(46).fill(fill)]);

describe('snapshot state of virtio devices', () => {
  it('virtio-net keeps the frames that wait for a receive buffer and refuses another MAC', () => {
    const net = new VirtioNet([2, 0, 0, 0, 1, 7]);
    // Not attached to a live driver: frames wait (the receive queue is not enabled).
    net.attach({ queue: () => ({ enabled: false }), live: false } as never);
    net.receive(frame([2, 0, 0, 0, 1, 7], [2, 0, 0, 0, 1, 8], 0xab));
    net.receive(frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [2, 0, 0, 0, 1, 9], 0xcd));
    const state = JSON.parse(JSON.stringify(net.saveState()));
    const again = new VirtioNet([2, 0, 0, 0, 1, 7]);
    again.attach({ queue: () => ({ enabled: false }), live: false } as never);
    again.restoreState(state);
    expect(again.pendingFrames).toBe(2);
    expect(again.saveState()).toEqual(state);
    expect(() => new VirtioNet([2, 0, 0, 0, 1, 6]).restoreState(state)).toThrow("virtio-net: the snapshot's device has MAC 02:00:00:00:01:07, this one 02:00:00:00:01:06");
  });

  it('the switch forwards by its restored table instead of flooding', () => {
    const first = new EthernetSwitch();
    const a = first.connect('a', { receive: () => undefined });
    first.connect('b', { receive: () => undefined });
    a.send(frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [2, 0, 0, 0, 0, 0xa], 0));
    const restored = new EthernetSwitch();
    const got: string[] = [];
    restored.connect('a', { receive: () => got.push('a') });
    const b = restored.connect('b', { receive: () => got.push('b') });
    restored.connect('c', { receive: () => got.push('c') });
    restored.restoreState(JSON.parse(JSON.stringify(first.saveState())));
    expect(restored.lookup('02:00:00:00:00:0a')).toBe('a');
    b.send(frame([2, 0, 0, 0, 0, 0xa], [2, 0, 0, 0, 0, 0xb], 0));
    expect(got).toEqual(['a']);
    expect(restored.flooded).toBe(0);
  });

  it("virtio-pci keeps the driver's MSI-X table, vectors and selectors", () => {
    const make = () => new VirtioPci(new VirtioNet([2, 0, 0, 0x50, 0, 2]), { name: 'net', configBytes: new Uint8Array(PCI_CONFIG_BYTES) });
    const pci = make();
    pci.barWrite(1, 16, 4, 0x2800_1000);
    pci.barWrite(1, 24, 4, 0x21);
    pci.barWrite(1, 28, 4, 0); // vector 1 unmasked
    pci.barWrite(4, CommonCfg.configMsixVector, 2, 1);
    pci.barWrite(4, CommonCfg.queueSelect, 2, 1);
    pci.barWrite(4, CommonCfg.queueMsixVector, 2, 1);
    pci.barWrite(4, CommonCfg.driverFeatureSelect, 4, 1);
    const state = JSON.parse(JSON.stringify(pci.saveState()));
    const again = make();
    again.restoreState(state);
    expect(again.msixVectors()).toEqual(pci.msixVectors());
    expect(again.msixVectors()[1]).toMatchObject({ address: 0x2800_1000, data: 0x21, masked: false, use: ['config', 'queue 1'] });
    // The selectors: queue_select reads back 1, driver_feature_select 1.
    expect(again.barRead(4, CommonCfg.queueSelect, 2)).toBe(1);
    expect(again.barRead(4, CommonCfg.driverFeatureSelect, 4)).toBe(1);
    const blkLike = { ...state, queueVectors: [0xffff] };
    expect(() => make().restoreState(blkLike)).toThrow(/the snapshot's function has 3 MSI-X vectors and 1 queues, this one 3 and 2/);
  });
});
