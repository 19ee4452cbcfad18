import { describe, expect, it } from 'vitest';
import { ConsoleQueue, VirtioConsole } from '../../../../src/core/virtio/virtio-console';
import { Reg, VirtioMmio } from '../../../../src/core/virtio/virtio-mmio';
import { FakeDriver, FakeGuestRam } from './fake-driver';

function setup() {
  const ram = new FakeGuestRam();
  const output: string[] = [];
  let irqs = 0;
  const console = new VirtioConsole({ output: (bytes) => output.push(String.fromCharCode(...bytes)) });
  const mmio = new VirtioMmio(console, { zone: 1, name: 'virtio-console@0x10007000', memory: ram.memory, raiseIrq: () => void irqs++ });
  const driver = new FakeDriver(ram, mmio);
  return { ram, console, mmio, driver, output, irqs: () => irqs };
}

const bytes = (s: string): Uint8Array => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));

describe('virtio-console', () => {
  it('sends what the guest writes on the transmit queue to the terminal', () => {
    const s = setup();
    s.driver.init({ queues: 2 });
    const line = s.ram.alloc(32);
    s.ram.put(line, bytes('Linux version 6.6\r\n'));
    const head = s.driver.queue(ConsoleQueue.transmit).submit([{ addr: line, len: 19 }]);
    expect(s.output).toEqual(['Linux version 6.6\r\n']);
    expect(s.driver.queue(ConsoleQueue.transmit).takeUsed()).toEqual([{ id: head, len: 0 }]);
    expect(s.irqs()).toBe(1);
  });

  it('fills posted receive buffers with keyboard input and reports the bytes written', () => {
    const s = setup();
    s.driver.init({ queues: 2 });
    const rx = s.driver.queue(ConsoleQueue.receive);
    const a = s.ram.alloc(4);
    const b = s.ram.alloc(4);
    const ha = rx.submit([{ addr: a, len: 4, write: true }]);
    const hb = rx.submit([{ addr: b, len: 4, write: true }]);
    s.console.input(bytes('ls -l\n'));
    expect(String.fromCharCode(...s.ram.bytes(a, 4), ...s.ram.bytes(b, 2))).toBe('ls -l\n');
    expect(rx.takeUsed()).toEqual([{ id: ha, len: 4 }, { id: hb, len: 2 }]);
    expect(s.irqs()).toBe(1);
  });

  it('keeps input typed before the driver is ready and delivers it when buffers arrive', () => {
    const s = setup();
    s.console.input(bytes('early'));
    expect(s.console.pendingInput).toBe(5);
    s.driver.init({ queues: 2 });
    const rx = s.driver.queue(ConsoleQueue.receive);
    const buffer = s.ram.alloc(16);
    rx.submit([{ addr: buffer, len: 16, write: true }]);
    expect(String.fromCharCode(...s.ram.bytes(buffer, 5))).toBe('early');
    expect(s.console.pendingInput).toBe(0);
  });

  it('bounds the input backlog at 64 KiB, dropping the oldest bytes', () => {
    const s = setup();
    s.console.input(new Uint8Array(60 * 1024).fill(0x61));
    s.console.input(new Uint8Array(8 * 1024).fill(0x62));
    expect(s.console.pendingInput).toBe(64 * 1024);
    expect(s.console.dropped).toBe(4 * 1024);
  });

  it('announces a terminal resize through the configuration space', () => {
    const s = setup();
    s.driver.init({ queues: 2 });
    s.console.resize(132, 43);
    expect(s.mmio.read(Reg.config, 2)).toBe(132);
    expect(s.mmio.read(Reg.config + 2, 2)).toBe(43);
    expect(s.driver.ack()).toBe(2);
  });
});
