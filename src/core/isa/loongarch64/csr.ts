/**
 * LA64 control and status registers as data: number, name, the bits software can write, and the fields
 * the inspector decodes (LoongArch Reference Manual Vol. 1, chapter 7). The CPU (cpu.ts) keeps their
 * values; the rows with side effects (ESTAT's read-only IS bits, TCFG/TVAL/TICLR, the TLB window
 * registers) are handled there. A CSR number not in this table is an unimplemented CSR: the CPU stops
 * with a report naming the pc and the encoding.
 */

export const Csr = {
  CRMD: 0x0, PRMD: 0x1, EUEN: 0x2, MISC: 0x3, ECFG: 0x4, ESTAT: 0x5, ERA: 0x6, BADV: 0x7, BADI: 0x8,
  EENTRY: 0xc, TLBIDX: 0x10, TLBEHI: 0x11, TLBELO0: 0x12, TLBELO1: 0x13, ASID: 0x18, PGDL: 0x19,
  PGDH: 0x1a, PGD: 0x1b, PWCL: 0x1c, PWCH: 0x1d, STLBPS: 0x1e, RVACFG: 0x1f, CPUID: 0x20, PRCFG1: 0x21,
  PRCFG2: 0x22, PRCFG3: 0x23, SAVE0: 0x30, TID: 0x40, TCFG: 0x41, TVAL: 0x42, CNTC: 0x43, TICLR: 0x44,
  LLBCTL: 0x60, IMPCTL1: 0x80, IMPCTL2: 0x81, TLBRENTRY: 0x88, TLBRBADV: 0x89, TLBRERA: 0x8a,
  TLBRSAVE: 0x8b, TLBRELO0: 0x8c, TLBRELO1: 0x8d, TLBREHI: 0x8e, TLBRPRMD: 0x8f, MERRCTL: 0x90,
  MERRINFO1: 0x91, MERRINFO2: 0x92, MERRENTRY: 0x93, MERRERA: 0x94, MERRSAVE: 0x95, CTAG: 0x98,
  DMW0: 0x180, DMW1: 0x181, DMW2: 0x182, DMW3: 0x183, MWPC: 0x300, MWPS: 0x301, FWPC: 0x380, FWPS: 0x381,
} as const;

/** Physical and virtual address widths (3A5000: PALEN 48, VALEN 48; CPUCFG word 1). */
export const PALEN = 48;
export const VALEN = 48;
/** SAVE0..SAVE7: the 3A5000 has 8 (PRCFG1.SAVENum, a 4-bit field; its PRCFG1 reads 0x72f8). */
export const SAVE_COUNT = 8;
/** ASID width (ASID.ASIDBITS). */
export const ASID_BITS = 10;
/** Timer width (PRCFG1.TimerBits - 1 = 47: a 48-bit TVAL). */
export const TIMER_BITS = 48;

export interface CsrField {
  readonly name: string;
  readonly lsb: number;
  readonly width: number;
  readonly meanings?: Readonly<Record<number, string>>;
}

export interface CsrDef {
  readonly number: number;
  readonly name: string;
  /** Bits CSRWR/CSRXCHG change (the others keep their value or are read-only). */
  readonly writable: bigint;
  readonly fields?: readonly CsrField[];
}

const PPN_MASK = ((1n << BigInt(PALEN)) - 1n) & ~0xfffn;
const ELO_MASK = 0x7fn | PPN_MASK | (7n << 61n);
const ALL = (1n << 64n) - 1n;

const plv = { 0: 'PLV0', 1: 'PLV1', 2: 'PLV2', 3: 'PLV3' };
const mat = { 0: 'SUC', 1: 'CC', 2: 'WUC' };

export const CSRS: readonly CsrDef[] = [
  {
    number: Csr.CRMD, name: 'CRMD', writable: 0x3ffn,
    fields: [
      { name: 'PLV', lsb: 0, width: 2, meanings: plv }, { name: 'IE', lsb: 2, width: 1 }, { name: 'DA', lsb: 3, width: 1 },
      { name: 'PG', lsb: 4, width: 1 }, { name: 'DATF', lsb: 5, width: 2, meanings: mat }, { name: 'DATM', lsb: 7, width: 2, meanings: mat },
      { name: 'WE', lsb: 9, width: 1 },
    ],
  },
  { number: Csr.PRMD, name: 'PRMD', writable: 0xfn, fields: [{ name: 'PPLV', lsb: 0, width: 2, meanings: plv }, { name: 'PIE', lsb: 2, width: 1 }, { name: 'PWE', lsb: 3, width: 1 }] },
  // EUEN.FPE enables the FPU, EUEN.SXE LSX (lsx.ts: SXD while clear); ASXE/BTE stay 0 (no LASX/LBT).
  { number: Csr.EUEN, name: 'EUEN', writable: 3n, fields: [{ name: 'FPE', lsb: 0, width: 1 }, { name: 'SXE', lsb: 1, width: 1 }] },
  { number: Csr.MISC, name: 'MISC', writable: 0n },
  { number: Csr.ECFG, name: 'ECFG', writable: 0x71fffn, fields: [{ name: 'LIE', lsb: 0, width: 13 }, { name: 'VS', lsb: 16, width: 3 }] },
  {
    number: Csr.ESTAT, name: 'ESTAT', writable: 0x3n,
    fields: [{ name: 'IS', lsb: 0, width: 13 }, { name: 'Ecode', lsb: 16, width: 6 }, { name: 'EsubCode', lsb: 22, width: 9 }],
  },
  { number: Csr.ERA, name: 'ERA', writable: ALL },
  { number: Csr.BADV, name: 'BADV', writable: ALL },
  { number: Csr.BADI, name: 'BADI', writable: 0n },
  { number: Csr.EENTRY, name: 'EENTRY', writable: ALL & ~0xfffn },
  {
    number: Csr.TLBIDX, name: 'TLBIDX', writable: 0xfffn | (0x3fn << 24n) | (1n << 31n),
    fields: [{ name: 'Index', lsb: 0, width: 12 }, { name: 'PS', lsb: 24, width: 6 }, { name: 'NE', lsb: 31, width: 1 }],
  },
  { number: Csr.TLBEHI, name: 'TLBEHI', writable: ((1n << BigInt(VALEN)) - 1n) & ~0x1fffn },
  { number: Csr.TLBELO0, name: 'TLBELO0', writable: ELO_MASK, fields: eloFields() },
  { number: Csr.TLBELO1, name: 'TLBELO1', writable: ELO_MASK, fields: eloFields() },
  { number: Csr.ASID, name: 'ASID', writable: (1n << BigInt(ASID_BITS)) - 1n, fields: [{ name: 'ASID', lsb: 0, width: 10 }, { name: 'ASIDBITS', lsb: 16, width: 8 }] },
  { number: Csr.PGDL, name: 'PGDL', writable: ALL & ~0xfffn },
  { number: Csr.PGDH, name: 'PGDH', writable: ALL & ~0xfffn },
  { number: Csr.PGD, name: 'PGD', writable: 0n },
  {
    number: Csr.PWCL, name: 'PWCL', writable: 0xffffffffn,
    fields: [
      { name: 'PTbase', lsb: 0, width: 5 }, { name: 'PTwidth', lsb: 5, width: 5 }, { name: 'Dir1_base', lsb: 10, width: 5 },
      { name: 'Dir1_width', lsb: 15, width: 5 }, { name: 'Dir2_base', lsb: 20, width: 5 }, { name: 'Dir2_width', lsb: 25, width: 5 },
      { name: 'PTEWidth', lsb: 30, width: 2 },
    ],
  },
  {
    number: Csr.PWCH, name: 'PWCH', writable: 0xffffffn,
    fields: [{ name: 'Dir3_base', lsb: 0, width: 6 }, { name: 'Dir3_width', lsb: 6, width: 6 }, { name: 'Dir4_base', lsb: 12, width: 6 }, { name: 'Dir4_width', lsb: 18, width: 6 }],
  },
  { number: Csr.STLBPS, name: 'STLBPS', writable: 0x3fn },
  { number: Csr.RVACFG, name: 'RVACFG', writable: 0n },
  { number: Csr.CPUID, name: 'CPUID', writable: 0n },
  { number: Csr.PRCFG1, name: 'PRCFG1', writable: 0n },
  { number: Csr.PRCFG2, name: 'PRCFG2', writable: 0n },
  { number: Csr.PRCFG3, name: 'PRCFG3', writable: 0n },
  ...Array.from({ length: SAVE_COUNT }, (_, i): CsrDef => ({ number: Csr.SAVE0 + i, name: `SAVE${i}`, writable: ALL })),
  { number: Csr.TID, name: 'TID', writable: 0xffffffffn },
  { number: Csr.TCFG, name: 'TCFG', writable: (1n << BigInt(TIMER_BITS)) - 1n, fields: [{ name: 'En', lsb: 0, width: 1 }, { name: 'Periodic', lsb: 1, width: 1 }, { name: 'InitVal', lsb: 2, width: TIMER_BITS - 2 }] },
  { number: Csr.TVAL, name: 'TVAL', writable: 0n },
  { number: Csr.CNTC, name: 'CNTC', writable: ALL },
  { number: Csr.TICLR, name: 'TICLR', writable: 1n },
  { number: Csr.LLBCTL, name: 'LLBCTL', writable: 0x6n, fields: [{ name: 'ROLLB', lsb: 0, width: 1 }, { name: 'WCLLB', lsb: 1, width: 1 }, { name: 'KLO', lsb: 2, width: 1 }] },
  { number: Csr.IMPCTL1, name: 'IMPCTL1', writable: ALL },
  { number: Csr.IMPCTL2, name: 'IMPCTL2', writable: ALL },
  { number: Csr.TLBRENTRY, name: 'TLBRENTRY', writable: ((1n << BigInt(PALEN)) - 1n) & ~0xfffn },
  { number: Csr.TLBRBADV, name: 'TLBRBADV', writable: ALL },
  { number: Csr.TLBRERA, name: 'TLBRERA', writable: ALL & ~0x2n, fields: [{ name: 'IsTLBR', lsb: 0, width: 1 }] },
  { number: Csr.TLBRSAVE, name: 'TLBRSAVE', writable: ALL },
  { number: Csr.TLBRELO0, name: 'TLBRELO0', writable: ELO_MASK, fields: eloFields() },
  { number: Csr.TLBRELO1, name: 'TLBRELO1', writable: ELO_MASK, fields: eloFields() },
  { number: Csr.TLBREHI, name: 'TLBREHI', writable: (((1n << BigInt(VALEN)) - 1n) & ~0x1fffn) | 0x3fn, fields: [{ name: 'PS', lsb: 0, width: 6 }] },
  { number: Csr.TLBRPRMD, name: 'TLBRPRMD', writable: 0x7n, fields: [{ name: 'PPLV', lsb: 0, width: 2, meanings: plv }, { name: 'PIE', lsb: 2, width: 1 }] },
  { number: Csr.MERRCTL, name: 'MERRCTL', writable: 0x1n },
  { number: Csr.MERRINFO1, name: 'MERRINFO1', writable: 0n },
  { number: Csr.MERRINFO2, name: 'MERRINFO2', writable: 0n },
  { number: Csr.MERRENTRY, name: 'MERRENTRY', writable: ((1n << BigInt(PALEN)) - 1n) & ~0xfffn },
  { number: Csr.MERRERA, name: 'MERRERA', writable: ALL },
  { number: Csr.MERRSAVE, name: 'MERRSAVE', writable: ALL },
  { number: Csr.CTAG, name: 'CTAG', writable: 0n },
  ...[0, 1, 2, 3].map((i): CsrDef => ({
    number: Csr.DMW0 + i, name: `DMW${i}`, writable: 0xf00000000000003fn,
    fields: [
      { name: 'PLV0', lsb: 0, width: 1 }, { name: 'PLV1', lsb: 1, width: 1 }, { name: 'PLV2', lsb: 2, width: 1 }, { name: 'PLV3', lsb: 3, width: 1 },
      { name: 'MAT', lsb: 4, width: 2, meanings: mat }, { name: 'VSEG', lsb: 60, width: 4 },
    ],
  })),
  // The watchpoint configuration: NUM = 0 load/store and 0 fetch watchpoints (none are modelled, so the
  // per-watchpoint CSRs 0x310.. / 0x390.. are absent); Linux's hw_breakpoint reads the counts here.
  { number: Csr.MWPC, name: 'MWPC', writable: 0n, fields: [{ name: 'NUM', lsb: 0, width: 6 }] },
  { number: Csr.MWPS, name: 'MWPS', writable: 0x1_0000n, fields: [{ name: 'Skip', lsb: 16, width: 1 }] },
  { number: Csr.FWPC, name: 'FWPC', writable: 0n, fields: [{ name: 'NUM', lsb: 0, width: 6 }] },
  { number: Csr.FWPS, name: 'FWPS', writable: 0x1_0000n, fields: [{ name: 'Skip', lsb: 16, width: 1 }] },
];

function eloFields(): CsrField[] {
  return [
    { name: 'V', lsb: 0, width: 1 }, { name: 'D', lsb: 1, width: 1 }, { name: 'PLV', lsb: 2, width: 2, meanings: plv },
    { name: 'MAT', lsb: 4, width: 2, meanings: mat }, { name: 'G', lsb: 6, width: 1 }, { name: 'PPN', lsb: 12, width: PALEN - 12 },
    { name: 'NR', lsb: 61, width: 1 }, { name: 'NX', lsb: 62, width: 1 }, { name: 'RPLV', lsb: 63, width: 1 },
  ];
}

export const CSR_BY_NUMBER: ReadonlyMap<number, CsrDef> = new Map(CSRS.map((c) => [c.number, c]));

/** Exception codes (ESTAT.Ecode), manual table 7-8. */
export const Ecode = {
  INT: 0x0, PIL: 0x1, PIS: 0x2, PIF: 0x3, PME: 0x4, PNR: 0x5, PNX: 0x6, PPI: 0x7, ADE: 0x8, ALE: 0x9,
  BCE: 0xa, SYS: 0xb, BRK: 0xc, INE: 0xd, IPE: 0xe, FPD: 0xf, SXD: 0x10, ASXD: 0x11, FPE: 0x12, TLBR: 0x3f,
} as const;

/** ESTAT.IS / ECFG.LIE bit numbers. */
export const IntBit = { SWI0: 0, SWI1: 1, HWI0: 2, PMI: 10, TI: 11, IPI: 12 } as const;
