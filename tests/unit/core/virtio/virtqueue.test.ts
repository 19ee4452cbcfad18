import { describe, expect, it } from 'vitest';
import { VirtioConsole } from '../../../../src/core/virtio/virtio-console';
import { Feature, Interrupt, Reg, Status, type VirtioDeviceFault, VirtioMmio } from '../../../../src/core/virtio/virtio-mmio';
import { DescFlag, VRING_AVAIL_F_NO_INTERRUPT, gather, scatter, vringNeedEvent } from '../../../../src/core/virtio/virtqueue';
import { FakeDriver, FakeGuestRam, ROOT_RAM_BASE, ZONE_GPA, ZONE_SIZE, withoutEventIdx } from './fake-driver';

function consoleSetup(accept?: (offered: bigint) => bigint) {
  const ram = new FakeGuestRam();
  const output: number[] = [];
  const faults: VirtioDeviceFault[] = [];
  let irqs = 0;
  const device = new VirtioConsole({ output: (bytes) => output.push(...bytes) });
  const mmio = new VirtioMmio(device, { zone: 2, name: 'virtio-console@0x10007000', memory: ram.memory, raiseIrq: () => void irqs++, onFault: (f) => faults.push(f) });
  const driver = new FakeDriver(ram, mmio).init({ queues: 2, ...(accept ? { accept } : {}) });
  return { ram, mmio, driver, device, output, faults, irqs: () => irqs };
}

const text = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

describe('split virtqueue', () => {
  it('follows direct chains across several descriptors', () => {
    const s = consoleSetup();
    const a = s.ram.alloc(3);
    const b = s.ram.alloc(4);
    s.ram.put(a, text('abc'));
    s.ram.put(b, text('defg'));
    const head = s.driver.queue(1).submit([{ addr: a, len: 3 }, { addr: b, len: 4 }]);
    expect(String.fromCharCode(...s.output)).toBe('abcdefg');
    expect(s.driver.queue(1).takeUsed()).toEqual([{ id: head, len: 0 }]);
  });

  it('follows indirect descriptor tables', () => {
    const s = consoleSetup();
    const parts = ['in', 'dir', 'ect'].map((p) => {
      const at = s.ram.alloc(p.length);
      s.ram.put(at, text(p));
      return { addr: at, len: p.length };
    });
    const head = s.driver.queue(1).submit(parts, { indirect: true });
    expect(String.fromCharCode(...s.output)).toBe('indirect');
    expect(s.driver.queue(1).takeUsed()).toEqual([{ id: head, len: 0 }]);
  });

  it('refuses an indirect descriptor when INDIRECT_DESC was not negotiated', () => {
    const s = consoleSetup((o) => o & ~Feature.indirectDesc);
    const at = s.ram.alloc(1);
    s.driver.queue(1).submit([{ addr: at, len: 1 }], { indirect: true });
    expect(s.faults[0]!.message).toMatch(/VIRTIO_F_INDIRECT_DESC was not negotiated/);
  });

  it('refuses a descriptor outside the zone with DEVICE_NEEDS_RESET and a report, touching nothing', () => {
    const s = consoleSetup();
    const rx = s.driver.queue(0);
    // A receive buffer pointing at guest-physical memory the zone does not have.
    const outside = ZONE_GPA + ZONE_SIZE;
    rx.submit([{ addr: outside - 8, len: 64, write: true }]);
    s.device.input(Uint8Array.from(text('secret')));
    expect(s.driver.status & Status.deviceNeedsReset).toBe(Status.deviceNeedsReset);
    expect(s.mmio.read(Reg.interruptStatus, 4) & Interrupt.config).toBe(Interrupt.config);
    expect(s.faults).toHaveLength(1);
    expect(s.faults[0]).toMatchObject({ zone: 2, device: 'virtio-console@0x10007000', queue: 0, descriptor: 0, address: outside - 8 });
    expect(s.faults[0]!.message).toMatch(/zone 2 virtio-console@0x10007000 queue 0: descriptor 0: buffer 0x400ffff8\+0x40 is outside the zone's memory/);
    expect(s.ram.outsideUntouched()).toBe(true);
    expect(rx.takeUsed()).toEqual([]);
    // The device stays failed until the driver resets it.
    const tx = s.ram.alloc(1);
    s.driver.queue(1).submit([{ addr: tx, len: 1 }]);
    expect(s.output).toEqual([]);
    s.mmio.write(Reg.status, 4, 0);
    expect(s.mmio.fault).toBeUndefined();
  });

  it('refuses an address that is root-physical RAM but not zone memory', () => {
    const s = consoleSetup();
    s.driver.queue(1).submit([{ addr: ROOT_RAM_BASE, len: 16 }]);
    expect(s.faults[0]).toMatchObject({ queue: 1, address: ROOT_RAM_BASE });
    expect(s.output).toEqual([]);
  });

  it('refuses a looped chain', () => {
    const s = consoleSetup();
    const q = s.driver.queue(1);
    const at = s.ram.alloc(4);
    q.writeDesc(q.desc, 0, at, 1, DescFlag.next, 1);
    q.writeDesc(q.desc, 1, at, 1, DescFlag.next, 0);
    q.offer(0);
    q.kick();
    expect(s.faults[0]!.message).toMatch(/chain from head 0 loops or is longer than the queue \(16 entries\)/);
    expect(s.output).toEqual([]);
  });

  it('refuses a looped indirect table and a nested indirect descriptor', () => {
    const s = consoleSetup();
    const q = s.driver.queue(1);
    const table = s.ram.alloc(32);
    const at = s.ram.alloc(4);
    q.writeDesc(table, 0, at, 1, DescFlag.next, 1);
    q.writeDesc(table, 1, at, 1, DescFlag.next, 0);
    q.writeDesc(q.desc, 0, table, 32, DescFlag.indirect, 0);
    q.offer(0);
    q.kick();
    expect(s.faults[0]!.message).toMatch(/loops or is longer than the indirect table \(2 entries\)/);

    const t = consoleSetup();
    const q2 = t.driver.queue(1);
    const table2 = t.ram.alloc(16);
    q2.writeDesc(table2, 0, table2, 16, DescFlag.indirect, 0);
    q2.writeDesc(q2.desc, 0, table2, 16, DescFlag.indirect, 0);
    q2.offer(0);
    q2.kick();
    expect(t.faults[0]!.message).toMatch(/points to another indirect table/);
  });

  it('refuses a next index past the table and a readable buffer after a writable one', () => {
    const s = consoleSetup();
    const q = s.driver.queue(1);
    const at = s.ram.alloc(4);
    q.writeDesc(q.desc, 0, at, 1, DescFlag.next, 99);
    q.offer(0);
    q.kick();
    expect(s.faults[0]!.message).toMatch(/descriptor 99 is past the end of the descriptor table/);

    const t = consoleSetup();
    const buffer = t.ram.alloc(8);
    t.driver.queue(1).submit([{ addr: buffer, len: 2, write: true }, { addr: buffer + 4, len: 2 }]);
    expect(t.faults[0]!.message).toMatch(/device-readable but follows a device-writable/);
  });

  it('refuses an available index that runs more than a queue ahead', () => {
    const s = consoleSetup();
    const q = s.driver.queue(1);
    s.ram.view(q.avail, 4).setUint16(2, 40, true);
    q.kick();
    expect(s.faults[0]!.message).toMatch(/available index 40 is 40 entries ahead/);
  });

  it('interrupts only when used_event is reached (EVENT_IDX) and publishes avail_event', () => {
    const s = consoleSetup();
    const q = s.driver.queue(1);
    const at = s.ram.alloc(1);
    s.ram.put(at, [0x2e]);
    // The driver wants an interrupt only when used.idx moves past 2, i.e. after the third buffer.
    q.setUsedEvent(2);
    q.submit([{ addr: at, len: 1 }]);
    q.submit([{ addr: at, len: 1 }]);
    expect(s.irqs()).toBe(0);
    expect(q.availEvent).toBe(2);
    q.submit([{ addr: at, len: 1 }]);
    expect(s.irqs()).toBe(1);
    expect(q.usedIdx).toBe(3);
    // A used_event left behind means no more interrupts until it wraps around.
    q.submit([{ addr: at, len: 1 }]);
    expect(s.irqs()).toBe(1);
    expect(s.output).toHaveLength(4);
  });

  it('honours VRING_AVAIL_F_NO_INTERRUPT without EVENT_IDX, and ignores used_event then', () => {
    const s = consoleSetup(withoutEventIdx);
    const q = s.driver.queue(1);
    const at = s.ram.alloc(1);
    q.setUsedEvent(100);
    q.setAvailFlags(VRING_AVAIL_F_NO_INTERRUPT);
    q.submit([{ addr: at, len: 1 }]);
    expect(s.irqs()).toBe(0);
    q.setAvailFlags(0);
    q.submit([{ addr: at, len: 1 }]);
    expect(s.irqs()).toBe(1);
  });

  it('computes vring_need_event like Linux, across the 16-bit wrap', () => {
    expect(vringNeedEvent(0, 1, 0)).toBe(true);
    expect(vringNeedEvent(1, 1, 0)).toBe(false);
    expect(vringNeedEvent(5, 10, 3)).toBe(true);
    expect(vringNeedEvent(0xffff, 2, 0xfffe)).toBe(true);
    expect(vringNeedEvent(3, 2, 0xfffe)).toBe(false);
  });

  it('gathers and scatters across buffer boundaries', () => {
    const a = new Uint8Array(3);
    const b = new Uint8Array(5);
    expect(scatter([a, b], 2, Uint8Array.of(1, 2, 3, 4))).toBe(4);
    expect([...a, ...b]).toEqual([0, 0, 1, 2, 3, 4, 0, 0]);
    expect([...gather([a, b], 1, 4)]).toEqual([0, 1, 2, 3]);
    expect([...gather([a, b], 6, 9)]).toEqual([0, 0]);
  });
});
