/**
 * The AIA devices of the qemu-aia board, wired as the board wires them: sources into the APLIC, MSIs
 * through the IMSIC (its seteipnum pages and MsiSink), the hart's view through indirectRead/topei/claim.
 */
import { describe, expect, it } from 'vitest';
import { AplicOffset, DOMAINCFG_DM, DOMAINCFG_IE, RiscvAplic, SourceMode } from '../../../../src/core/devices/intc/riscv-aplic';
import { ImsicSelect, MIP_MEIP_IMSIC, MIP_SEIP_IMSIC, RiscvImsic } from '../../../../src/core/devices/intc/riscv-imsic';
import { RecordingSignals, sharedRegion } from './helpers';

const HARTS = 4;
const IMSIC = { harts: HARTS, ids: 255, guests: 1, machineBase: 0x2400_0000, supervisorBase: 0x2800_0000 };
const S = 1;

function setup() {
  const signals = new RecordingSignals(HARTS);
  const imsic = new RiscvImsic(sharedRegion(RiscvImsic.stateBytes(IMSIC)), IMSIC, signals);
  const aplic = new RiscvAplic(sharedRegion(RiscvAplic.stateBytes({ sources: 96 })), {
    sources: 96, harts: HARTS, imsic: { machineBase: IMSIC.machineBase, supervisorBase: IMSIC.supervisorBase, guestBits: 1 },
  }, () => imsic);
  /** What Linux's IMSIC driver does to a file: delivery on, threshold 0, identity `id` enabled. */
  const enableFile = (hart: number, level: 'M' | 'S', id: number) => {
    imsic.indirectWrite(hart, level, ImsicSelect.eidelivery, 1n);
    const select = ImsicSelect.eie0 + 2 * Math.floor(id / 64);
    imsic.indirectWrite(hart, level, select, imsic.indirectRead(hart, level, select)! | (1n << BigInt(id % 64)));
  };
  return { signals, imsic, aplic, enableFile };
}

describe('RISC-V IMSIC', () => {
  it('an MSI to a file raises the hart input only once the identity is enabled and delivery is on, and a claim lowers it', () => {
    const { imsic, signals, enableFile } = setup();
    // S file of hart 2: group 2 (8 KiB per hart with one guest file), page 0.
    expect(imsic.deliver({ device: 'test', requesterId: 0 }, 0x2800_4000, 37)).toBeUndefined();
    expect(signals.mip[2]! & MIP_SEIP_IMSIC).toBe(0);
    expect(imsic.topei(2, 'S')).toBe(0);
    enableFile(2, 'S', 37);
    expect(imsic.topei(2, 'S')).toBe((37 << 16) | 37);
    expect(signals.mip[2]! & MIP_SEIP_IMSIC).toBe(MIP_SEIP_IMSIC);
    imsic.claim(2, 'S', imsic.topei(2, 'S'));
    expect(imsic.topei(2, 'S')).toBe(0);
    expect(signals.mip[2]! & MIP_SEIP_IMSIC).toBe(0);
  });

  it('reports the lowest identity first, and eithreshold masks identities at or above it', () => {
    const { imsic, enableFile } = setup();
    for (const id of [90, 12, 200]) {
      enableFile(0, 'M', id);
      imsic.machineWindow.write(0, 4, id);
    }
    expect(imsic.topei(0, 'M') >>> 16).toBe(12);
    imsic.indirectWrite(0, 'M', ImsicSelect.eithreshold, 12n);
    expect(imsic.topei(0, 'M')).toBe(0);
    imsic.indirectWrite(0, 'M', ImsicSelect.eithreshold, 0n);
    imsic.claim(0, 'M', imsic.topei(0, 'M'));
    expect(imsic.topei(0, 'M') >>> 16).toBe(90);
    // eip2 holds identities 64..127 on RV64; eip1 does not exist there.
    expect(imsic.indirectRead(0, 'M', ImsicSelect.eip0 + 2)).toBe(1n << 26n);
    expect(imsic.indirectRead(0, 'M', ImsicSelect.eip0 + 1)).toBeUndefined();
  });

  it('a hart whose S level is guest file 1 (VGEIN) sees that file, and the S file no longer drives SEIP', () => {
    const { imsic, signals, enableFile } = setup();
    imsic.selectGuestFile(1, 1);
    enableFile(1, 'S', 5);
    // Guest file 1 of hart 1: group 1, page 1.
    imsic.deliver({ device: 'test', requesterId: 0 }, 0x2800_2000 + 0x1000, 5);
    expect(imsic.topei(1, 'S') >>> 16).toBe(5);
    expect(signals.mip[1]! & MIP_SEIP_IMSIC).toBe(MIP_SEIP_IMSIC);
    imsic.selectGuestFile(1, 0);
    expect(imsic.topei(1, 'S')).toBe(0);
    expect(signals.mip[1]! & MIP_SEIP_IMSIC).toBe(0);
  });

  it('refuses MSIs that hit no file, and identities out of range, with the device named', () => {
    const { imsic } = setup();
    expect(imsic.deliver({ device: 'dev A', requesterId: 8 }, 0x2800_0000 + HARTS * 0x2000, 1)?.refused).toMatch(/dev A.*0x28008000/);
    expect(imsic.deliver({ device: 'dev A', requesterId: 8 }, 0x2400_0000, 256)?.refused).toMatch(/identity 256/);
    expect(imsic.deliver({ device: 'dev A', requesterId: 8 }, 0x2400_0010, 3)?.refused).toBeDefined();
  });
});

describe('RISC-V APLIC (MSI mode)', () => {
  it('as firmware leaves it, a source delegated to the S domain goes as an MSI to the file its target names', () => {
    const { aplic, imsic, signals, enableFile } = setup();
    const w = (offset: number, value: number) => aplic.supervisorWindow.write(offset, 4, value);
    expect(aplic.machineWindow.read(AplicOffset.sourcecfg + 4 * 9, 4)).toBe(1 << 10);
    w(AplicOffset.domaincfg, DOMAINCFG_IE | DOMAINCFG_DM);
    w(AplicOffset.sourcecfg + 4 * 9, SourceMode.level1);
    // Hart 3, guest file 1, EIID 44.
    w(AplicOffset.target + 4 * 9, (3 << 18) | (1 << 12) | 44);
    w(AplicOffset.setienum, 10);
    imsic.selectGuestFile(3, 1);
    enableFile(3, 'S', 44);
    aplic.setLevel(10, true);
    expect(imsic.topei(3, 'S') >>> 16).toBe(44);
    expect(signals.mip[3]! & MIP_SEIP_IMSIC).toBe(MIP_SEIP_IMSIC);
    // Forwarded: no longer pending at the APLIC; a level source still high re-arms only through setipnum.
    expect(aplic.sourceState(S, 10).pending).toBe(false);
    imsic.claim(3, 'S', imsic.topei(3, 'S'));
    w(AplicOffset.setipnumLe, 10);
    expect(imsic.topei(3, 'S') >>> 16).toBe(44);
    imsic.claim(3, 'S', imsic.topei(3, 'S'));
    aplic.setLevel(10, false);
    w(AplicOffset.setipnumLe, 10);
    expect(imsic.topei(3, 'S')).toBe(0);
  });

  it('holds a pending source while disabled or while the domain is off, and sends it when enabled', () => {
    const { aplic, imsic, enableFile } = setup();
    const w = (offset: number, value: number) => aplic.supervisorWindow.write(offset, 4, value);
    w(AplicOffset.sourcecfg, SourceMode.edge1);
    w(AplicOffset.target, (0 << 18) | 7);
    enableFile(0, 'S', 7);
    aplic.setLevel(1, true);
    expect(aplic.sourceState(S, 1).pending).toBe(true);
    w(AplicOffset.setienum, 1);
    expect(imsic.topei(0, 'S')).toBe(0);
    w(AplicOffset.domaincfg, DOMAINCFG_IE | DOMAINCFG_DM);
    expect(imsic.topei(0, 'S') >>> 16).toBe(7);
  });

  it('the M domain keeps a source it does not delegate and sends it to the M file; the S domain cannot touch it', () => {
    const { aplic, imsic, signals, enableFile } = setup();
    aplic.machineWindow.write(AplicOffset.sourcecfg + 4 * 4, 4, SourceMode.edge1);
    aplic.machineWindow.write(AplicOffset.target + 4 * 4, 4, (2 << 18) | 9);
    aplic.machineWindow.write(AplicOffset.setienum, 4, 5);
    aplic.supervisorWindow.write(AplicOffset.sourcecfg + 4 * 4, 4, SourceMode.level1);
    expect(aplic.supervisorWindow.read(AplicOffset.sourcecfg + 4 * 4, 4)).toBe(0);
    enableFile(2, 'M', 9);
    aplic.setLevel(5, true);
    expect(imsic.topei(2, 'M') >>> 16).toBe(9);
    expect(signals.mip[2]! & MIP_MEIP_IMSIC).toBe(MIP_MEIP_IMSIC);
  });

  it('the inspector shows sources with their targets and the IMSIC files', () => {
    const { aplic } = setup();
    aplic.supervisorWindow.write(AplicOffset.sourcecfg + 4 * 9, 4, SourceMode.level1);
    aplic.supervisorWindow.write(AplicOffset.target + 4 * 9, 4, (1 << 18) | (1 << 12) | 33);
    const state = aplic.inspectState({ ownerOf: (irq) => (irq === 10 ? 0 : null) });
    const row = state.lines.rows.find((r) => r.key === '10')!;
    expect(row.cells).toMatchObject({ domain: 'S', mode: 'level high', hart: 1, guest: 1, eiid: 33, owner: 0 });
    expect(state.extra?.[0]?.rows).toHaveLength(HARTS * 3);
    expect(state.registerMap.some((r) => r.name === 'target')).toBe(true);
  });
});
