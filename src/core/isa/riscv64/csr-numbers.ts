/**
 * CSR numbers and names of the RV64 privileged architecture that this hart implements (plus their
 * names for the disassembler and inspector). Bit positions of mstatus, mip/mie and causes live here
 * too so that every file agrees on them.
 */
export const Csr = {
  fflags: 0x001, frm: 0x002, fcsr: 0x003,
  cycle: 0xc00, time: 0xc01, instret: 0xc02,
  sstatus: 0x100, sie: 0x104, stvec: 0x105, scounteren: 0x106, senvcfg: 0x10a,
  sscratch: 0x140, sepc: 0x141, scause: 0x142, stval: 0x143, sip: 0x144, stimecmp: 0x14d, satp: 0x180,
  siselect: 0x150, sireg: 0x151, stopei: 0x15c, stopi: 0xdb0,
  miselect: 0x350, mireg: 0x351, mtopei: 0x35c, mtopi: 0xfb0,
  mstatus: 0x300, misa: 0x301, medeleg: 0x302, mideleg: 0x303, mie: 0x304, mtvec: 0x305, mcounteren: 0x306,
  menvcfg: 0x30a, mcountinhibit: 0x320, mscratch: 0x340, mepc: 0x341, mcause: 0x342, mtval: 0x343, mip: 0x344,
  pmpcfg0: 0x3a0, pmpaddr0: 0x3b0,
  tselect: 0x7a0, tdata1: 0x7a1, tdata2: 0x7a2, tdata3: 0x7a3, tinfo: 0x7a4,
  mcycle: 0xb00, minstret: 0xb02,
  mvendorid: 0xf11, marchid: 0xf12, mimpid: 0xf13, mhartid: 0xf14, mconfigptr: 0xf15,
} as const;

export function csrName(n: number): string {
  for (const [name, num] of Object.entries(Csr)) if (num === n) return name;
  if (n > 0x3a0 && n <= 0x3af) return `pmpcfg${n - 0x3a0}`;
  if (n > 0x3b0 && n <= 0x3ef) return `pmpaddr${n - 0x3b0}`;
  if (n >= 0xc03 && n <= 0xc1f) return `hpmcounter${n - 0xc00}`;
  if (n >= 0xb03 && n <= 0xb1f) return `mhpmcounter${n - 0xb00}`;
  if (n >= 0x323 && n <= 0x33f) return `mhpmevent${n - 0x320}`;
  return `0x${n.toString(16)}`;
}

export const Mstatus = {
  SIE: 1 << 1, MIE: 1 << 3, SPIE: 1 << 5, MPIE: 1 << 7, SPP: 1 << 8,
  MPP_SHIFT: 11, MPP: 3 << 11, FS_SHIFT: 13, FS: 3 << 13, MPRV: 1 << 17, SUM: 1 << 18, MXR: 1 << 19,
  TVM: 1 << 20, TW: 1 << 21, TSR: 1 << 22,
} as const;

/** Interrupt numbers (bit positions in mip/mie). */
export const Irq = { SSI: 1, MSI: 3, STI: 5, MTI: 7, SEI: 9, MEI: 11 } as const;

/** Exception causes. */
export const Cause = {
  misalignedFetch: 0, fetchAccess: 1, illegal: 2, breakpoint: 3, misalignedLoad: 4, loadAccess: 5,
  misalignedStore: 6, storeAccess: 7, ecallU: 8, ecallS: 9, ecallM: 11, fetchPage: 12, loadPage: 13,
  storePage: 15,
} as const;

export const CAUSE_NAMES: Record<number, string> = {
  0: 'instruction address misaligned', 1: 'instruction access fault', 2: 'illegal instruction',
  3: 'breakpoint', 4: 'load address misaligned', 5: 'load access fault', 6: 'store/AMO address misaligned',
  7: 'store/AMO access fault', 8: 'ecall from U-mode', 9: 'ecall from S-mode', 11: 'ecall from M-mode',
  12: 'instruction page fault', 13: 'load page fault', 15: 'store/AMO page fault',
};
