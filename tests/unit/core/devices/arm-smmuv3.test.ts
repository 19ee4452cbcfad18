/**
 * The SMMUv3 model as hvisor's aarch64 driver programs it (src/arch/aarch64/iommu.rs, ported in
 * hypervisor/arch/aarch64/smmuv3.ts): the register sequence of iommu_init, bypass by default, a zone's
 * device moved to stage 2 with VMID = zone id and its DMA page table, DMA inside the zone translated and
 * outside it refused with an F_TRANSLATION event naming the StreamID and address (in the event queue
 * when software enables it, as Linux would), a bad command reported in GERROR/CMDQ_CONS, and two
 * instances over one shared state agreeing (the vCPU that programs, the management side that translates).
 */
import { describe, expect, it } from 'vitest';
import type { RamWindow } from '../../../../src/core/bus/address-space';
import { DmaFault, DmaPort } from '../../../../src/core/bus/dma';
import { ArmSmmuV3, Cr0, SMMUV3_STATE_BYTES, SmmuEvent, SmmuReg, type SmmuEventRecord } from '../../../../src/core/devices/iommu/arm-smmuv3';
import { walkStage2 } from '../../../../src/core/isa/aarch64/stage2-walk';
import { HVISOR_DEFAULT_VTCR, SMMU_FRAMES_OFFSET, Smmuv3Driver } from '../../../../src/core/hypervisor/arch/aarch64/smmuv3';

// QEMU virt's RAM from 0x4000_0000; hvisor's reserved range from 0x4040_0000 (boards/aarch64/qemu-virt.ts).
const RAM_BASE = 0x4000_0000;
const RAM_SIZE = 0x0600_0000;
const HV_FRAMES = { base: 0x4040_0000, size: 0x4460_0000 - 0x4040_0000 };
const ZONE1 = { guestStart: 0x5000_0000, hostStart: 0x4480_0000, size: 0x20_0000 };
const ZONE2 = { guestStart: 0x4500_0000, hostStart: 0x4500_0000, size: 0x10_0000 };
const SID = 0x10; // 00:02.0

function machine() {
  const u8 = new Uint8Array(new SharedArrayBuffer(RAM_SIZE));
  const bank: RamWindow = { base: RAM_BASE, size: RAM_SIZE, bufferOffset: 0, buffer: u8.buffer, u8, view: new DataView(u8.buffer), spanOffset: 0 };
  const memory = { bankAt: (a: number, s: number) => (a >= RAM_BASE && a + s <= RAM_BASE + RAM_SIZE ? bank : undefined) };
  const state = new Uint8Array(new SharedArrayBuffer(SMMUV3_STATE_BYTES));
  const events: SmmuEventRecord[] = [];
  // Two instances over one state: the vCPU thread's (hvisor programs it) and the management side's (device DMA).
  const programmed = new ArmSmmuV3({ state, memory, walkStage2 });
  const translating = new ArmSmmuV3({ state, memory, walkStage2, onEvent: (e) => events.push(e) });
  const accesses: string[] = [];
  const registers = {
    read: (offset: number, size: 4) => {
      const v = programmed.read(offset, size);
      accesses.push(`r ${offset.toString(16)}`);
      return v;
    },
    write: (offset: number, size: 4, value: number) => {
      accesses.push(`w ${offset.toString(16)}=${value.toString(16)}`);
      programmed.write(offset, size, value);
    },
  };
  const log: string[] = [];
  const driver = new Smmuv3Driver({ registers, memory, frames: HV_FRAMES, log: (l) => log.push(l) });
  const port = (sid: number) => new DmaPort(memory, { zone: 1, device: `fn ${sid.toString(16)}`, streamId: sid }, { iommu: translating });
  const u64 = (pa: number) => bank.view.getBigUint64(pa - RAM_BASE, true);
  return { u8, bank, programmed, translating, events, accesses, log, driver, port, u64 };
}

describe('ArmSmmuV3 programmed as hvisor does', () => {
  it('iommu_init: reads IDR0/IDR1, a linear table of bypass STEs, the command queue, CR1, CR0 = SMMUEN | CMDQEN', () => {
    const m = machine();
    m.driver.init();
    expect(m.log).toEqual(expect.arrayContaining([
      'Smmuv3 2-level Stream Table Supoorted.',
      'Smmuv3 Stage-1 translation not supported.',
      'Smmuv3 Stage-2 translation supported.',
      'Smmuv3 16-bit VMID supported.',
      'Smmuv3 SID_MAX_BITS:16',
      'stream table frame cnts:1024, align is 21',
      `strtab_base:0x${(HV_FRAMES.base + SMMU_FRAMES_OFFSET).toString(16)}`,
    ]));
    // The order hvisor's Smmuv3::new gives: IDR0, IDR1, STRTAB_BASE, STRTAB_BASE_CFG, IDR1, CMDQ_BASE, CONS, PROD, CR1, CR0, CR0ACK.
    const writes = m.accesses.filter((a) => a.startsWith('w')).map((a) => a.slice(2, a.indexOf('=')));
    expect(writes).toEqual(['80', '84', '88', '90', '94', '9c', '98', '28', '20']);
    expect(m.accesses.slice(0, 2)).toEqual(['r 0', 'r 4']);
    const p = m.programmed;
    expect(p.read(SmmuReg.CR0ACK, 4)).toBe(Cr0.SMMUEN | Cr0.CMDQEN);
    expect(p.read(SmmuReg.STRTAB_BASE_CFG, 4)).toBe(16);
    expect(p.read(SmmuReg.STRTAB_BASE + 4, 4)).toBe(0x4000_0000); // RA (bit 62)
    expect(p.read(SmmuReg.STRTAB_BASE, 4)).toBe(HV_FRAMES.base + SMMU_FRAMES_OFFSET);
    expect(p.read(SmmuReg.CMDQ_BASE, 4) & 0x1f).toBe(8); // min(CMDQS 19, CMDQ_MAX_SZ_SHIFT 8)
    expect(p.read(SmmuReg.CR1, 4)).toBe((3 << 10) | (1 << 8) | (1 << 6) | (3 << 4) | (1 << 2) | 1);
    // Every STE bypasses: V | Config 0b100, SHCFG incoming.
    const ste = (sid: number) => m.u64(m.driver.streamTable + sid * 64);
    expect(ste(0)).toBe(0x9n);
    expect(ste(0xffff)).toBe(0x9n);
    expect(m.u64(m.driver.streamTable + SID * 64 + 8)).toBe(1n << 44n);
  });

  it("bypass by default; iommu_add_device moves a function to its zone's stage 2 (VMID = zone id) and DMA outside the zone is refused with F_TRANSLATION", () => {
    const m = machine();
    m.driver.init();
    const dev = m.port(SID);
    // Bypass: the function reaches zone 2's memory (hvisor's default for every stream).
    dev.write(ZONE2.hostStart, new Uint8Array([0xaa]));
    expect(m.u8[ZONE2.hostStart - RAM_BASE]).toBe(0xaa);

    const root = m.driver.buildZoneTable(1, [ZONE1]);
    const prodBefore = m.programmed.read(SmmuReg.CMDQ_PROD, 4);
    m.driver.addDevice(1, SID, root);
    // CFGI_STE and CMD_SYNC went through the queue and were consumed, without an error.
    expect(m.programmed.read(SmmuReg.CMDQ_PROD, 4)).toBe(prodBefore + 2);
    expect(m.programmed.read(SmmuReg.CMDQ_CONS, 4)).toBe(prodBefore + 2);
    expect(m.programmed.read(SmmuReg.GERROR, 4)).toBe(0);
    expect(m.log).toContain(`write ste, sid: 0x10, vmid: 0x1, ste_addr:0x${(m.driver.streamTable + SID * 64).toString(16)}, root_pt: 0x${root.toString(16)}`);
    const steAt = m.driver.streamTable + SID * 64;
    expect(Number(m.u64(steAt) & 0xfn)).toBe(1 | (0b110 << 1));
    const d2 = m.u64(steAt + 16);
    expect(Number(d2 & 0xffffn)).toBe(1); // S2VMID = zone id
    expect(Number((d2 >> 32n) & 0x7ffffn)).toBe(HVISOR_DEFAULT_VTCR);
    expect((d2 >> 58n) & 1n).toBe(1n); // S2R: faults are recorded
    expect(Number(m.u64(steAt + 24) & ~0xfn)).toBe(root);

    // Inside zone 1 (IPA -> host-physical through its table): 2 MiB block at 0x5000_0000 -> 0x4480_0000.
    dev.write(ZONE1.guestStart + 0x1234, new Uint8Array([1, 2, 3]));
    expect([...m.u8.subarray(ZONE1.hostStart + 0x1234 - RAM_BASE, ZONE1.hostStart + 0x1237 - RAM_BASE)]).toEqual([1, 2, 3]);
    expect(m.events).toEqual([]);

    // Outside: zone 2's memory (also its IPA) is not in zone 1's table.
    m.u8[ZONE2.hostStart - RAM_BASE] = 0x55;
    expect(() => dev.write(ZONE2.hostStart, new Uint8Array([0xbb]))).toThrow(DmaFault);
    expect(m.u8[ZONE2.hostStart - RAM_BASE]).toBe(0x55);
    expect(m.events).toHaveLength(1);
    const e = m.events[0]!;
    expect(e).toMatchObject({ type: SmmuEvent.F_TRANSLATION, name: 'F_TRANSLATION', streamId: SID, inputAddress: ZONE2.hostStart, read: false, stage2: true, vmid: 1, queued: false });
    // The record's words as the spec lays them out: type, StreamID, RnW/S2/CLASS, InputAddr, IPA.
    expect(e.words[0]).toBe(0x10);
    expect(e.words[1]).toBe(SID);
    expect(e.words[3]).toBe((1 << 7) | (0b10 << 8));
    expect(e.words[4]).toBe(ZONE2.hostStart);
    expect(e.words[6]).toBe(ZONE2.hostStart);
    // Another stream still bypasses.
    m.port(0x18).write(ZONE2.hostStart, new Uint8Array([0xcc]));
    expect(m.u8[ZONE2.hostStart - RAM_BASE]).toBe(0xcc);
  });

  it('with the event queue enabled (as Linux does) the record is written to memory and EVENTQ_PROD moves', () => {
    const m = machine();
    m.driver.init();
    m.driver.addDevice(1, SID, m.driver.buildZoneTable(1, [ZONE1]));
    const queue = 0x4570_0000;
    m.programmed.write(SmmuReg.EVENTQ_BASE, 4, queue | 3); // 8 entries
    m.programmed.write(SmmuReg.EVENTQ_BASE + 4, 4, 0);
    m.programmed.write(SmmuReg.CR0, 4, Cr0.SMMUEN | Cr0.CMDQEN | Cr0.EVTQEN);
    expect(() => m.port(SID).read(0x4800_0000, 8)).toThrow(/F_TRANSLATION/);
    expect(m.programmed.read(SmmuReg.EVENTQ_PROD, 4)).toBe(1);
    expect(m.events[0]!.queued).toBe(true);
    const w = (i: number) => m.bank.view.getUint32(queue - RAM_BASE + i * 4, true);
    expect([w(0), w(1), w(3), w(4)]).toEqual([0x10, SID, (1 << 3) | (1 << 7) | (0b10 << 8), 0x4800_0000]);
  });

  it('an unknown command stops the queue with CERROR_ILL and GERROR.CMDQ_ERR; a StreamID beyond the table is C_BAD_STREAMID', () => {
    const m = machine();
    m.driver.init();
    const base = m.programmed.read(SmmuReg.CMDQ_BASE, 4) & ~0x1f;
    m.bank.view.setUint32(base - RAM_BASE, 0x7f, true);
    m.programmed.write(SmmuReg.CMDQ_PROD, 4, 1);
    expect(m.programmed.read(SmmuReg.CMDQ_CONS, 4)).toBe(1 << 24);
    expect(m.programmed.read(SmmuReg.GERROR, 4) ^ m.programmed.read(SmmuReg.GERRORN, 4)).toBe(1);
    m.programmed.write(SmmuReg.STRTAB_BASE_CFG, 4, 4); // 16 STEs
    expect(() => m.port(0x20).read(RAM_BASE, 4)).toThrow(/C_BAD_STREAMID/);
    expect(m.events.at(-1)).toMatchObject({ type: SmmuEvent.C_BAD_STREAMID, streamId: 0x20 });
  });
});
