/**
 * The GICv3 ITS and the redistributors' LPIs, driven as Linux's irq-gic-v3-its driver drives them:
 * tables and the command queue in RAM, MAPC/MAPD/MAPTI through the queue, then a device's MSI write to
 * GITS_TRANSLATER makes the LPI pending at the collection's redistributor and raises that CPU's IRQ;
 * disabling the LPI in its configuration byte + INV stops the signal, DISCARD unmaps it. Hostile
 * commands set the spec's error encodings and either go on or stall, never throw.
 */
import { describe, expect, it } from 'vitest';
import type { RamWindow } from '../../../../src/core/bus/address-space';
import type { DmaMemory } from '../../../../src/core/bus/dma';
import { GIC_IRQ } from '../../../../src/core/devices/intc/arm-gic-state';
import { Icc } from '../../../../src/core/devices/intc/arm-gicv3/cpu-interface';
import { GicdOffset as D } from '../../../../src/core/devices/intc/arm-gicv3/distributor';
import { ArmGicv3 } from '../../../../src/core/devices/intc/arm-gicv3/gicv3';
import { GitsOffset as G, ITS_STALL_MEMORY, ItsCommand as C, ItsError, type ItsErrorReport } from '../../../../src/core/devices/intc/arm-gicv3/its';
import { GICR_FRAME_BYTES, GicrOffset as R } from '../../../../src/core/devices/intc/arm-gicv3/redistributor';
import { RecordingSignals, sharedRegion } from './helpers';

const CPUS = 2;
const ITS_BASE = 0x0808_0000;
const RAM = 0x4000_0000;
const RAM_BYTES = 0x20_0000;
const PROP = RAM + 0x1_0000;
const PEND0 = RAM + 0x2_0000;
const PEND1 = RAM + 0x3_0000;
const CMDQ = RAM + 0x4_0000; // 16 pages
const CT = RAM + 0x5_0000;
const ITT = RAM + 0x6_0000;
const DT = RAM + 0x10_0000; // two-level: the level-1 page, then one level-2 page
const DEV = 0x0008; // 00:01.0
const TRANSLATER = ITS_BASE + 0x1_0040;

function ram(): { memory: DmaMemory; view: DataView; bytes: Uint8Array } {
  const buffer = new SharedArrayBuffer(RAM_BYTES);
  const window: RamWindow = { base: RAM, size: RAM_BYTES, bufferOffset: 0, buffer, u8: new Uint8Array(buffer), view: new DataView(buffer), spanOffset: 0 };
  return {
    memory: { bankAt: (address, size) => (address >= RAM && address + size <= RAM + RAM_BYTES ? window : undefined) },
    view: window.view,
    bytes: window.u8,
  };
}

function setup() {
  const signals = new RecordingSignals(CPUS);
  const config = { cpus: CPUS, lines: 288, its: { base: ITS_BASE } };
  const gic = new ArmGicv3(sharedRegion(ArmGicv3.stateBytes(config)), config, signals);
  const mem = ram();
  gic.attachMemory(mem.memory);
  const its = gic.its!;
  const errors: ItsErrorReport[] = [];
  its.listen((e) => errors.push(e));
  const gicr = (cpu: number, offset: number) => gic.redistributors.read(cpu * GICR_FRAME_BYTES + offset, 4);
  const setGicr = (cpu: number, offset: number, value: number) => gic.redistributors.write(cpu * GICR_FRAME_BYTES + offset, 4, value);
  const setIts64 = (offset: number, value: bigint) => {
    its.write(offset, 4, Number(value & 0xffff_ffffn));
    its.write(offset + 4, 4, Number(value >> 32n));
  };
  const itsRead = (offset: number) => its.read(offset, 4);
  const icc = (cpu: number, key: number) => Number(gic.cpuInterface(cpu).access(key, false, 0n) as bigint);
  const setIcc = (cpu: number, key: number, value: number) => gic.cpuInterface(cpu).access(key, true, BigInt(value));
  let writer = 0;
  /** Writes commands at CWRITER and advances it, as its_send_single_command does. */
  const send = (...commands: bigint[][]) => {
    for (const cmd of commands) {
      for (let i = 0; i < 4; i++) mem.view.setBigUint64(CMDQ - RAM + writer + 8 * i, cmd[i] ?? 0n, true);
      writer = (writer + 32) % 0x1_0000;
    }
    setIts64(G.cwriter, BigInt(writer));
  };
  return { gic, its, signals, mem, errors, gicr, setGicr, setIts64, itsRead, icc, setIcc, send, get writer() { return writer; } };
}

const mapc = (icid: number, cpu: number, valid = true) => [BigInt(C.MAPC), 0n, (valid ? 1n << 63n : 0n) | (BigInt(cpu) << 16n) | BigInt(icid), 0n];
const mapd = (dev: number, size: number, itt: number, valid = true) => [(BigInt(dev) << 32n) | BigInt(C.MAPD), BigInt(size), (valid ? 1n << 63n : 0n) | BigInt(itt), 0n];
const mapti = (dev: number, event: number, intid: number, icid: number) => [(BigInt(dev) << 32n) | BigInt(C.MAPTI), (BigInt(intid) << 32n) | BigInt(event), BigInt(icid), 0n];
const mapi = (dev: number, event: number, icid: number) => [(BigInt(dev) << 32n) | BigInt(C.MAPI), BigInt(event), BigInt(icid), 0n];
const devEvent = (op: number, dev: number, event: number) => [(BigInt(dev) << 32n) | BigInt(op), BigInt(event), 0n, 0n];
const movi = (dev: number, event: number, icid: number) => [(BigInt(dev) << 32n) | BigInt(C.MOVI), BigInt(event), BigInt(icid), 0n];
const sync = (cpu: number) => [BigInt(C.SYNC), 0n, BigInt(cpu) << 16n, 0n];

/** gic_dist_init / gic_cpu_init, then its_cpu_init_lpis and its_probe_one + its_alloc_tables as Linux runs them. */
function linuxInit(t: ReturnType<typeof setup>) {
  const { gic, gicr, setGicr, setIts64, itsRead, setIcc, mem } = t;
  gic.distributor.write(D.ctlr, 4, (1 << 4) | 2);
  expect((gic.distributor.read(D.typer, 4) >>> 17) & 1).toBe(1); // LPIS
  for (let cpu = 0; cpu < CPUS; cpu++) {
    expect(gicr(cpu, R.typer) & 1).toBe(1); // PLPIS
    setGicr(cpu, R.waker, 0);
    setIcc(cpu, Icc.PMR, 0xf0);
    setIcc(cpu, Icc.IGRPEN1, 1);
    // its_cpu_init_lpis: one configuration table (IDbits 15), a pending table per CPU, then EnableLPIs.
    setGicr(cpu, R.propbaser, PROP | 0x780 | 15);
    setGicr(cpu, R.propbaser + 4, 0);
    setGicr(cpu, R.pendbaser, (cpu === 0 ? PEND0 : PEND1) | 0x780);
    setGicr(cpu, R.pendbaser + 4, 0x4000_0000); // PTZ
    expect(gicr(cpu, R.propbaser)).toBe((PROP | 0x780 | 15) >>> 0);
    expect(gicr(cpu, R.pendbaser + 4) & 0x4000_0000).toBe(0); // PTZ reads 0
    setGicr(cpu, R.ctlr, 1);
    expect(gicr(cpu, R.ctlr) & 1).toBe(1);
  }
  // Every LPI at Linux's default: priority 0xa0, disabled until the driver unmasks it.
  mem.bytes.fill(0xa0, PROP - RAM, PROP - RAM + 0x1000);
  // GITS_TYPER as Linux parses it.
  const typer = itsRead(G.typer);
  expect(typer & 1).toBe(1);
  expect(((typer >>> 4) & 0xf) + 1).toBe(8); // ITT entry size
  expect(((typer >>> 8) & 0x1f) + 1).toBe(16); // EventID bits
  expect(((typer >>> 13) & 0x1f) + 1).toBe(16); // DeviceID bits
  // its_alloc_tables: read each BASER's Type and Entry_Size, write it back with the table.
  const baser0High = itsRead(G.baser + 4);
  expect((baser0High >>> 24) & 7).toBe(1); // device
  const baser1High = itsRead(G.baser + 12);
  expect((baser1High >>> 24) & 7).toBe(4); // collection
  expect(itsRead(G.baser + 20)).toBe(0); // BASER2 unimplemented
  // its_parse_indirect_baser: 65536 8-byte DTEs are more than two pages, so Linux asks for two levels:
  // one level-1 page, and a level-2 page (512 DTEs) when its_alloc_device_table needs one.
  const dtVal = (1n << 63n) | (1n << 62n) | (BigInt(baser0High & 0x071f_0000) << 32n) | (7n << 59n) | (1n << 10n) | BigInt(DT) | 0n;
  setIts64(G.baser, dtVal);
  expect((BigInt(itsRead(G.baser + 4)) << 32n) | BigInt(itsRead(G.baser))).toBe(dtVal);
  mem.view.setBigUint64(DT - RAM, (1n << 63n) | BigInt(DT + 0x1000), true); // L1[0]: devices 0..511
  setIts64(G.baser + 8, (1n << 63n) | (BigInt(baser1High & 0x071f_0000) << 32n) | BigInt(CT));
  // its_init_cmd_queue... CBASER: Valid, 16 pages; CWRITER 0; then enable.
  setIts64(G.cbaser, (1n << 63n) | (7n << 59n) | (1n << 10n) | BigInt(CMDQ) | 15n);
  setIts64(G.cwriter, 0n);
  t.its.write(G.ctlr, 4, 1);
  expect(itsRead(G.ctlr)).toBe((1 | 0x8000_0000) >>> 0); // Enabled, Quiescent
}

/** Unmask an LPI as lpi_update_config does: configuration byte, then INV for its device/event. */
function setLpiEnabled(t: ReturnType<typeof setup>, intid: number, on: boolean, dev: number, event: number) {
  t.mem.bytes[PROP - RAM + intid - 8192] = 0xa0 | (on ? 1 : 0);
  t.send(devEvent(C.INV, dev, event), sync(0));
}

describe('GICv3 ITS and LPIs', () => {
  it('MAPC/MAPD/MAPTI, then an MSI to GITS_TRANSLATER makes the LPI pending at the collection\'s redistributor', () => {
    const t = setup();
    linuxInit(t);
    // its_cpu_init_collection: one collection per CPU (ICID = CPU number), then a device with 4 events.
    t.send(mapc(0, 0), sync(0), mapc(1, 1), sync(1), mapd(DEV, 1, ITT), mapti(DEV, 0, 8192, 1), mapti(DEV, 1, 8193, 0), sync(0));
    expect(t.errors).toEqual([]);
    expect(t.itsRead(G.creadr)).toBe(t.writer);
    setLpiEnabled(t, 8192, true, DEV, 0);
    setLpiEnabled(t, 8193, true, DEV, 1);
    expect(t.signals.mip).toEqual([0, 0]);

    expect(t.its.deliver({ device: 'virtio-blk-pci 00:01.0', requesterId: DEV }, TRANSLATER, 0)).toBeUndefined();
    expect(t.gic.lpis!.isPending(1, 8192)).toBe(true);
    expect(t.gic.lpis!.isPending(0, 8192)).toBe(false);
    expect(t.signals.mip).toEqual([0, GIC_IRQ]);
    expect(t.icc(1, Icc.HPPIR1)).toBe(8192);
    expect(t.icc(1, Icc.IAR1)).toBe(8192);
    expect(t.gic.lpis!.isPending(1, 8192)).toBe(false); // no active state: the pending bit is gone
    expect(t.signals.mip).toEqual([0, 0]); // running priority 0xa0 now
    t.setIcc(1, Icc.EOIR1, 8192);
    expect(t.icc(1, Icc.RPR)).toBe(0xff);

    // Event 1 goes to CPU 0's collection; the INT command does what a device's write does.
    t.send(devEvent(C.INT, DEV, 1), sync(0));
    expect(t.signals.mip).toEqual([GIC_IRQ, 0]);
    expect(t.icc(0, Icc.IAR1)).toBe(8193);
    t.setIcc(0, Icc.EOIR1, 8193);

    // MOVI event 0 to collection 0: the next MSI lands at CPU 0.
    t.send(movi(DEV, 0, 0), sync(0));
    t.its.deliver({ device: 'virtio-blk-pci 00:01.0', requesterId: DEV }, TRANSLATER, 0);
    expect(t.signals.mip).toEqual([GIC_IRQ, 0]);
    t.send(devEvent(C.CLEAR, DEV, 0), sync(0));
    expect(t.signals.mip).toEqual([0, 0]);
    expect(t.its.stats().translations).toBe(2);
    expect(t.errors).toEqual([]);
    // The interrupt-controller inspector shows the ITS's registers decoded from the register map.
    const registers = t.gic.inspectState().registers ?? [];
    const ctlr = registers.find((r) => r.name === 'GITS_CTLR');
    expect(ctlr?.fields?.find((f) => f.name === 'Enabled')?.value).toBe('1');
    const baser0 = registers.find((r) => r.name === 'GITS_BASER0');
    expect(baser0?.fields?.find((f) => f.name === 'Type')?.value).toBe('1');
    expect(baser0?.fields?.find((f) => f.name === 'Indirect')?.value).toBe('1');
    expect(registers.find((r) => r.name === 'GITS_CBASER')?.value).toBe(`0x${((0xb8n << 56n) | BigInt(CMDQ) | 0x400n | 15n).toString(16).padStart(16, '0')}`);
  });

  it('a disabled LPI stays pending but is not signalled; enabling it + INV delivers it; DISCARD unmaps the event', () => {
    const t = setup();
    linuxInit(t);
    t.send(mapc(0, 0), mapd(DEV, 1, ITT), mapti(DEV, 0, 8200, 0), sync(0));
    setLpiEnabled(t, 8200, true, DEV, 0);
    setLpiEnabled(t, 8200, false, DEV, 0);
    t.its.deliver({ device: 'd', requesterId: DEV }, TRANSLATER, 0);
    expect(t.gic.lpis!.isPending(0, 8200)).toBe(true);
    expect(t.signals.mip).toEqual([0, 0]);
    expect(t.icc(0, Icc.IAR1)).toBe(1023);
    setLpiEnabled(t, 8200, true, DEV, 0);
    expect(t.signals.mip).toEqual([GIC_IRQ, 0]);
    expect(t.icc(0, Icc.IAR1)).toBe(8200);
    t.setIcc(0, Icc.EOIR1, 8200);
    // An SPI at a higher priority (lower value) wins over the LPI.
    t.gic.distributor.write(D.igroupr + 4, 4, 1 << 8);
    t.gic.distributor.write(D.ipriorityr + 40, 1, 0x80);
    t.gic.distributor.write(D.isenabler + 4, 4, 1 << 8);
    t.gic.setLevel(40, true);
    t.its.deliver({ device: 'd', requesterId: DEV }, TRANSLATER, 0);
    expect(t.icc(0, Icc.IAR1)).toBe(40);
    t.gic.setLevel(40, false);
    t.setIcc(0, Icc.EOIR1, 40);
    expect(t.icc(0, Icc.IAR1)).toBe(8200);
    t.setIcc(0, Icc.EOIR1, 8200);

    t.send(devEvent(C.DISCARD, DEV, 0), sync(0));
    const refusal = t.its.deliver({ device: 'virtio-blk-pci 00:01.0', requesterId: DEV }, TRANSLATER, 0);
    expect(refusal?.refused).toMatch(/virtio-blk-pci 00:01\.0: MSI DeviceID 0x8 EventID 0 dropped: the event is not mapped/);
    // GICR_CTLR.EnableLPIs off: nothing is made pending.
    t.send(mapti(DEV, 0, 8200, 0), sync(0));
    t.setGicr(0, R.ctlr, 0);
    expect(t.its.deliver({ device: 'd', requesterId: DEV }, TRANSLATER, 0)?.refused).toMatch(/EnableLPIs clear/);
    expect(t.gic.lpis!.isPending(0, 8200)).toBe(false);
  });

  it('hostile commands: unmapped device, EventID and pINTID out of range, unknown opcodes set the spec\'s error and the queue goes on', () => {
    const t = setup();
    linuxInit(t);
    t.send(mapc(0, 0), mapd(DEV, 1, ITT));
    t.send(mapti(0x10, 0, 8192, 0)); // device 00:02.0 never mapped
    t.send(mapti(DEV, 9, 8192, 0)); // 4 events
    t.send(mapi(DEV, 2, 0)); // MAPI: pINTID = EventID 2, not an LPI
    t.send(mapd(0x1_0000, 1, ITT)); // beyond 16 DeviceID bits
    t.send(mapd(0x300, 1, ITT)); // 03:00.0: no level-2 page for devices 512..1023
    t.send(mapc(3, 7)); // no CPU 7
    t.send(devEvent(C.INT, DEV, 3)); // event 3 never mapped
    t.send([0x42n, 0n, 0n, 0n]);
    t.send(mapti(DEV, 3, 8195, 0), sync(0));
    expect(t.errors.map((e) => e.code)).toEqual([
      ItsError.MAPTI_UNMAPPED_DEVICE, ItsError.MAPTI_ID_OOR, ItsError.MAPTI_PHYSICALID_OOR, ItsError.MAPD_DEVICE_OOR, ItsError.MAPD_DEVICE_OOR,
      ItsError.MAPC_PROCNUM_OOR, ItsError.INT_UNMAPPED_INTERRUPT, 0xff_0001,
    ]);
    expect(t.errors.every((e) => !e.stalled)).toBe(true);
    expect(t.errors[1]!.detail).toMatch(/MAPTI at CBASER \+ 0x[0-9a-f]+: EventID 9 is beyond device 0x8's 4 events/);
    expect(t.errors[4]!.detail).toMatch(/DeviceID 0x300: the device table's level-1 entry at 0x40100008 is not Valid/);
    // Not stalled: the last good MAPTI was done.
    expect(t.itsRead(G.creadr)).toBe(t.writer);
    setLpiEnabled(t, 8195, true, DEV, 3);
    expect(t.its.deliver({ device: 'd', requesterId: DEV }, TRANSLATER, 3)).toBeUndefined();
    expect(t.signals.mip[0]).toBe(GIC_IRQ);
    // MSIs the ITS cannot translate are refused with a reason, nothing pending.
    expect(t.its.deliver({ device: 'x 00:02.0', requesterId: 0x10 }, TRANSLATER, 0)?.refused).toMatch(/not mapped \(no MAPD\)/);
    expect(t.its.deliver({ device: 'x', requesterId: DEV }, TRANSLATER, 70_000)?.refused).toMatch(/EventID beyond the device's 4 events/);
    expect(t.its.deliver({ device: 'x', requesterId: DEV }, TRANSLATER + 4, 0)?.refused).toMatch(/not the ITS's GITS_TRANSLATER/);
    expect(t.its.stats().refused).toBe(2);
  });

  it('a table or command outside RAM stalls the queue (CREADR.Stalled) until CWRITER.Retry, without throwing', () => {
    const t = setup();
    linuxInit(t);
    // Move the collection table outside RAM (the ITS must be disabled to change BASER).
    t.its.write(G.ctlr, 4, 0);
    t.setIts64(G.baser + 8, (1n << 63n) | (4n << 56n) | (7n << 48n) | 0x9000_0000n);
    t.its.write(G.ctlr, 4, 1);
    t.send(mapc(0, 0), sync(0));
    expect(t.itsRead(G.creadr) & 1).toBe(1);
    expect(t.itsRead(G.creadr) & ~1).toBe(0); // stopped at the MAPC
    expect(t.errors).toHaveLength(1);
    expect(t.errors[0]).toMatchObject({ code: ITS_STALL_MEMORY, command: 'MAPC', stalled: true });
    expect(t.errors[0]!.detail).toMatch(/collection table entry at 0x90000000 is outside RAM/);
    // Stalled: more commands wait.
    t.send(sync(0));
    expect(t.itsRead(G.creadr)).toBe(1);
    // Fix the table and retry: the queue runs to CWRITER.
    t.its.write(G.ctlr, 4, 0);
    t.setIts64(G.baser + 8, (1n << 63n) | BigInt(CT));
    t.its.write(G.ctlr, 4, 1);
    t.its.write(G.cwriter, 4, t.writer | 1);
    expect(t.itsRead(G.creadr)).toBe(t.writer);
    // A command queue outside RAM also stalls.
    t.its.write(G.ctlr, 4, 0);
    t.setIts64(G.cbaser, (1n << 63n) | 0x9000_0000n);
    expect(t.itsRead(G.creadr)).toBe(0); // CBASER resets CREADR
    t.its.write(G.ctlr, 4, 1);
    t.its.write(G.cwriter, 4, 0x20);
    expect(t.itsRead(G.creadr)).toBe(1);
    expect(t.errors.at(-1)!.detail).toMatch(/command at 0x90000000 .* is outside RAM/);
  });

  it('garbage in every register and in the queue never throws', () => {
    const t = setup();
    linuxInit(t);
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 3000; i++) {
      for (let w = 0; w < 8; w++) t.mem.view.setUint32(CMDQ - RAM + ((t.writer + 4 * w) % 0x1_0000), rnd(), true);
      const offset = [G.ctlr, G.cbaser, G.cbaser + 4, G.cwriter, G.baser, G.baser + 4, G.baser + 8, G.baser + 12, G.translater][rnd() % 9]!;
      expect(() => {
        t.its.write(offset, 4, rnd());
        t.its.write(G.cwriter, 4, rnd() & 0xffff_ffe1);
        t.its.deliver({ device: 'x', requesterId: rnd() & 0xffff }, TRANSLATER, rnd());
        t.gic.redistributors.write((rnd() % CPUS) * GICR_FRAME_BYTES + [R.ctlr, R.propbaser, R.pendbaser + 4][rnd() % 3]!, 4, rnd());
        t.gic.update();
      }).not.toThrow();
    }
    expect(t.errors.length).toBeGreaterThan(0);
  });
});
