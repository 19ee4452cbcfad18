/**
 * Decode table, assembler and disassembler against encodings produced by GNU as 2.x
 * (riscv64-unknown-elf-as -march=rv64gc, checked with objdump); the toolchain is not needed to run this.
 */
import { describe, expect, it } from 'vitest';
import { assemble, assembleProgram } from '../../../../src/core/isa/riscv64/assembler';
import { decode } from '../../../../src/core/isa/riscv64/decoder';
import { disassemble } from '../../../../src/core/isa/riscv64/disassembler';
import { BASE_ROW, INSTRUCTIONS } from '../../../../src/core/isa/riscv64/instructions';

// [assembler input, encoding from GNU as, our disassembly]
const TABLE: [string, number, string][] = [
  ['lui a0,0x12345', 0x12345537, 'lui a0,0x12345'],
  ['auipc t0,0x1', 0x00001297, 'auipc t0,0x1'],
  ['addi a0,a1,-5', 0xffb58513, 'addi a0,a1,-5'],
  ['slti a0,a1,7', 0x0075a513, 'slti a0,a1,7'],
  ['sltiu a0,a1,7', 0x0075b513, 'sltiu a0,a1,7'],
  ['xori a0,a1,-1', 0xfff5c513, 'not a0,a1'],
  ['ori a0,a1,255', 0x0ff5e513, 'ori a0,a1,255'],
  ['andi a0,a1,15', 0x00f5f513, 'andi a0,a1,15'],
  ['slli a0,a1,63', 0x03f59513, 'slli a0,a1,0x3f'],
  ['srli a0,a1,32', 0x0205d513, 'srli a0,a1,0x20'],
  ['srai a0,a1,1', 0x4015d513, 'srai a0,a1,0x1'],
  ['add a0,a1,a2', 0x00c58533, 'add a0,a1,a2'],
  ['sub s0,s1,s2', 0x41248433, 'sub s0,s1,s2'],
  ['sll t0,t1,t2', 0x007312b3, 'sll t0,t1,t2'],
  ['slt a0,a1,a2', 0x00c5a533, 'slt a0,a1,a2'],
  ['sltu a0,a1,a2', 0x00c5b533, 'sltu a0,a1,a2'],
  ['xor a0,a1,a2', 0x00c5c533, 'xor a0,a1,a2'],
  ['srl a0,a1,a2', 0x00c5d533, 'srl a0,a1,a2'],
  ['sra a0,a1,a2', 0x40c5d533, 'sra a0,a1,a2'],
  ['or a0,a1,a2', 0x00c5e533, 'or a0,a1,a2'],
  ['and a0,a1,a2', 0x00c5f533, 'and a0,a1,a2'],
  ['addiw a0,a1,1', 0x0015851b, 'addiw a0,a1,1'],
  ['slliw a0,a1,31', 0x01f5951b, 'slliw a0,a1,0x1f'],
  ['srliw a0,a1,5', 0x0055d51b, 'srliw a0,a1,0x5'],
  ['sraiw a0,a1,5', 0x4055d51b, 'sraiw a0,a1,0x5'],
  ['addw a0,a1,a2', 0x00c5853b, 'addw a0,a1,a2'],
  ['subw a0,a1,a2', 0x40c5853b, 'subw a0,a1,a2'],
  ['sllw a0,a1,a2', 0x00c5953b, 'sllw a0,a1,a2'],
  ['srlw a0,a1,a2', 0x00c5d53b, 'srlw a0,a1,a2'],
  ['sraw a0,a1,a2', 0x40c5d53b, 'sraw a0,a1,a2'],
  ['lb a0,-1(sp)', 0xfff10503, 'lb a0,-1(sp)'],
  ['lh a0,2(sp)', 0x00211503, 'lh a0,2(sp)'],
  ['lw a0,4(sp)', 0x00412503, 'lw a0,4(sp)'],
  ['ld a0,8(sp)', 0x00813503, 'ld a0,8(sp)'],
  ['lbu a0,1(a1)', 0x0015c503, 'lbu a0,1(a1)'],
  ['lhu a0,2(a1)', 0x0025d503, 'lhu a0,2(a1)'],
  ['lwu a0,4(a1)', 0x0045e503, 'lwu a0,4(a1)'],
  ['sb a0,-1(sp)', 0xfea10fa3, 'sb a0,-1(sp)'],
  ['sh a0,2(sp)', 0x00a11123, 'sh a0,2(sp)'],
  ['sw a0,4(sp)', 0x00a12223, 'sw a0,4(sp)'],
  ['sd ra,2040(sp)', 0x7e113c23, 'sd ra,2040(sp)'],
  ['jalr ra,12(t0)', 0x00c280e7, 'jalr ra,12(t0)'],
  ['fence.i', 0x0000100f, 'fence.i'],
  ['ecall', 0x00000073, 'ecall'],
  ['ebreak', 0x00100073, 'ebreak'],
  ['mret', 0x30200073, 'mret'],
  ['sret', 0x10200073, 'sret'],
  ['wfi', 0x10500073, 'wfi'],
  ['csrrw a0,mstatus,a1', 0x30059573, 'csrrw a0,mstatus,a1'],
  ['csrrs a0,mip,a1', 0x3445a573, 'csrrs a0,mip,a1'],
  ['csrrc a0,mie,a1', 0x3045b573, 'csrrc a0,mie,a1'],
  ['csrrwi a0,mscratch,5', 0x3402d573, 'csrrwi a0,mscratch,5'],
  ['csrrsi a0,sstatus,2', 0x10016573, 'csrrsi a0,sstatus,2'],
  ['csrrci a0,sstatus,2', 0x10017573, 'csrrci a0,sstatus,2'],
  ['mul a0,a1,a2', 0x02c58533, 'mul a0,a1,a2'],
  ['mulh a0,a1,a2', 0x02c59533, 'mulh a0,a1,a2'],
  ['mulhsu a0,a1,a2', 0x02c5a533, 'mulhsu a0,a1,a2'],
  ['mulhu a0,a1,a2', 0x02c5b533, 'mulhu a0,a1,a2'],
  ['div a0,a1,a2', 0x02c5c533, 'div a0,a1,a2'],
  ['divu a0,a1,a2', 0x02c5d533, 'divu a0,a1,a2'],
  ['rem a0,a1,a2', 0x02c5e533, 'rem a0,a1,a2'],
  ['remu a0,a1,a2', 0x02c5f533, 'remu a0,a1,a2'],
  ['mulw a0,a1,a2', 0x02c5853b, 'mulw a0,a1,a2'],
  ['divw a0,a1,a2', 0x02c5c53b, 'divw a0,a1,a2'],
  ['divuw a0,a1,a2', 0x02c5d53b, 'divuw a0,a1,a2'],
  ['remw a0,a1,a2', 0x02c5e53b, 'remw a0,a1,a2'],
  ['remuw a0,a1,a2', 0x02c5f53b, 'remuw a0,a1,a2'],
  ['lr.w a0,(a1)', 0x1005a52f, 'lr.w a0,(a1)'],
  ['sc.d a0,a2,(a1)', 0x18c5b52f, 'sc.d a0,a2,(a1)'],
  ['amoswap.w a0,a1,(a2)', 0x08b6252f, 'amoswap.w a0,a1,(a2)'],
  ['amoadd.d.aqrl a0,a1,(a2)', 0x06b6352f, 'amoadd.d.aq.rl a0,a1,(a2)'],
  ['amoxor.w a0,a1,(a2)', 0x20b6252f, 'amoxor.w a0,a1,(a2)'],
  ['amoand.d a0,a1,(a2)', 0x60b6352f, 'amoand.d a0,a1,(a2)'],
  ['amoor.w.rl a0,a1,(a2)', 0x42b6252f, 'amoor.w.rl a0,a1,(a2)'],
  ['amomin.d a0,a1,(a2)', 0x80b6352f, 'amomin.d a0,a1,(a2)'],
  ['amomax.w a0,a1,(a2)', 0xa0b6252f, 'amomax.w a0,a1,(a2)'],
  ['amominu.d a0,a1,(a2)', 0xc0b6352f, 'amominu.d a0,a1,(a2)'],
  ['amomaxu.w a0,a1,(a2)', 0xe0b6252f, 'amomaxu.w a0,a1,(a2)'],
  ['flw fa0,4(sp)', 0x00412507, 'flw fa0,4(sp)'],
  ['fsd fs0,-8(sp)', 0xfe813c27, 'fsd fs0,-8(sp)'],
  ['fmadd.s fa0,fa1,fa2,fa3,rne', 0x68c58543, 'fmadd.s fa0,fa1,fa2,fa3,rne'],
  ['fmsub.d fa0,fa1,fa2,fa3', 0x6ac5f547, 'fmsub.d fa0,fa1,fa2,fa3'],
  ['fnmsub.s fa0,fa1,fa2,fa3,rtz', 0x68c5954b, 'fnmsub.s fa0,fa1,fa2,fa3,rtz'],
  ['fnmadd.d fa0,fa1,fa2,fa3,rmm', 0x6ac5c54f, 'fnmadd.d fa0,fa1,fa2,fa3,rmm'],
  ['fadd.s fa0,fa1,fa2', 0x00c5f553, 'fadd.s fa0,fa1,fa2'],
  ['fsub.d fa0,fa1,fa2,rdn', 0x0ac5a553, 'fsub.d fa0,fa1,fa2,rdn'],
  ['fmul.s fa0,fa1,fa2,rup', 0x10c5b553, 'fmul.s fa0,fa1,fa2,rup'],
  ['fdiv.d fa0,fa1,fa2', 0x1ac5f553, 'fdiv.d fa0,fa1,fa2'],
  ['fsqrt.s fa0,fa1', 0x5805f553, 'fsqrt.s fa0,fa1'],
  ['fsgnj.d fa0,fa1,fa2', 0x22c58553, 'fsgnj.d fa0,fa1,fa2'],
  ['fsgnjn.s fa0,fa1,fa2', 0x20c59553, 'fsgnjn.s fa0,fa1,fa2'],
  ['fsgnjx.d fa0,fa1,fa2', 0x22c5a553, 'fsgnjx.d fa0,fa1,fa2'],
  ['fmin.s fa0,fa1,fa2', 0x28c58553, 'fmin.s fa0,fa1,fa2'],
  ['fmax.d fa0,fa1,fa2', 0x2ac59553, 'fmax.d fa0,fa1,fa2'],
  ['fcvt.w.s a0,fa0,rtz', 0xc0051553, 'fcvt.w.s a0,fa0,rtz'],
  ['fcvt.wu.d a0,fa0', 0xc2157553, 'fcvt.wu.d a0,fa0'],
  ['fmv.x.w a0,fa0', 0xe0050553, 'fmv.x.w a0,fa0'],
  ['fmv.x.d a0,fa0', 0xe2050553, 'fmv.x.d a0,fa0'],
  ['feq.s a0,fa0,fa1', 0xa0b52553, 'feq.s a0,fa0,fa1'],
  ['flt.d a0,fa0,fa1', 0xa2b51553, 'flt.d a0,fa0,fa1'],
  ['fle.s a0,fa0,fa1', 0xa0b50553, 'fle.s a0,fa0,fa1'],
  ['fclass.d a0,fa0', 0xe2051553, 'fclass.d a0,fa0'],
  ['fcvt.s.w fa0,a0', 0xd0057553, 'fcvt.s.w fa0,a0'],
  ['fcvt.d.wu fa0,a0', 0xd2150553, 'fcvt.d.wu fa0,a0'],
  ['fmv.w.x fa0,a0', 0xf0050553, 'fmv.w.x fa0,a0'],
  ['fmv.d.x fa0,a0', 0xf2050553, 'fmv.d.x fa0,a0'],
  ['fcvt.l.s a0,fa0', 0xc0257553, 'fcvt.l.s a0,fa0'],
  ['fcvt.lu.d a0,fa0,rup', 0xc2353553, 'fcvt.lu.d a0,fa0,rup'],
  ['fcvt.s.l fa0,a0', 0xd0257553, 'fcvt.s.l fa0,a0'],
  ['fcvt.d.lu fa0,a0', 0xd2357553, 'fcvt.d.lu fa0,a0'],
  ['fcvt.s.d fa0,fa1', 0x4015f553, 'fcvt.s.d fa0,fa1'],
  ['fcvt.d.s fa0,fa1', 0x42058553, 'fcvt.d.s fa0,fa1'],
  ['c.addi4spn a0,sp,16', 0x0808, 'addi a0,sp,16'],
  ['c.fld fa0,8(a1)', 0x2588, 'fld fa0,8(a1)'],
  ['c.lw a0,4(a1)', 0x41c8, 'lw a0,4(a1)'],
  ['c.ld a0,8(a1)', 0x6588, 'ld a0,8(a1)'],
  ['c.fsd fa0,8(a1)', 0xa588, 'fsd fa0,8(a1)'],
  ['c.sw a0,4(a1)', 0xc1c8, 'sw a0,4(a1)'],
  ['c.sd a0,8(a1)', 0xe588, 'sd a0,8(a1)'],
  ['c.nop', 0x0001, 'nop'],
  ['c.addi a0,-1', 0x157d, 'addi a0,a0,-1'],
  ['c.addiw a0,1', 0x2505, 'addiw a0,a0,1'],
  ['c.li a0,-3', 0x5575, 'li a0,-3'],
  ['c.addi16sp sp,-32', 0x713d, 'addi sp,sp,-32'],
  ['c.lui a0,0x1f', 0x657d, 'lui a0,0x1f'],
  ['c.srli a0,3', 0x810d, 'srli a0,a0,0x3'],
  ['c.srai a0,63', 0x957d, 'srai a0,a0,0x3f'],
  ['c.andi a0,-2', 0x9979, 'andi a0,a0,-2'],
  ['c.sub a0,a1', 0x8d0d, 'sub a0,a0,a1'],
  ['c.xor a0,a1', 0x8d2d, 'xor a0,a0,a1'],
  ['c.or a0,a1', 0x8d4d, 'or a0,a0,a1'],
  ['c.and a0,a1', 0x8d6d, 'and a0,a0,a1'],
  ['c.subw a0,a1', 0x9d0d, 'subw a0,a0,a1'],
  ['c.addw a0,a1', 0x9d2d, 'addw a0,a0,a1'],
  ['c.slli a0,32', 0x1502, 'slli a0,a0,0x20'],
  ['c.fldsp fa0,16(sp)', 0x2542, 'fld fa0,16(sp)'],
  ['c.lwsp a0,12(sp)', 0x4532, 'lw a0,12(sp)'],
  ['c.ldsp ra,8(sp)', 0x60a2, 'ld ra,8(sp)'],
  ['c.jr ra', 0x8082, 'ret'],
  ['c.mv a0,a1', 0x852e, 'mv a0,a1'],
  ['c.ebreak', 0x9002, 'ebreak'],
  ['c.jalr a0', 0x9502, 'jalr a0'],
  ['c.add a0,a1', 0x952e, 'add a0,a0,a1'],
  ['c.fsdsp fa0,16(sp)', 0xa82a, 'fsd fa0,16(sp)'],
  ['c.swsp a0,12(sp)', 0xc62a, 'sw a0,12(sp)'],
  ['c.sdsp ra,8(sp)', 0xe406, 'sd ra,8(sp)'],
];

describe('instruction table', () => {
  it('gives every 32-bit row a unique operation id and every compressed row a base row', () => {
    const ids = INSTRUCTIONS.filter((r) => r.ext !== 'C').map((r) => r.op);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of INSTRUCTIONS.filter((row) => row.ext === 'C')) expect(BASE_ROW.has(r.op), r.name).toBe(true);
    for (const r of INSTRUCTIONS) expect((r.match & ~r.mask) >>> 0, r.name).toBe(0);
  });

  it.each(TABLE)('%s', (line, bits, text) => {
    expect(assemble(line, 0x80000000n) >>> 0).toBe(bits);
    expect(disassemble(bits, 0x80000000n)).toBe(text);
    expect(decode(bits)?.length).toBe((bits & 3) === 3 ? 4 : 2);
  });
});

describe('disassembler', () => {
  it('prints pc-relative targets as absolute addresses and pseudo instructions like objdump', () => {
    const p = assembleProgram(['start: beq a0,a1,next', 'next: jal ra,start', 'j start', 'c.j start', 'c.beqz a0,start', 'bnez a1,next']);
    const word = (off: number, size = 4): number => new DataView(p.bytes.buffer).getUint32(off, true) & (size === 2 ? 0xffff : 0xffffffff);
    expect(disassemble(word(0), 0x80000000n)).toBe('beq a0,a1,0x80000004');
    expect(disassemble(word(4), 0x80000004n)).toBe('jal 0x80000000');
    expect(disassemble(word(8), 0x80000008n)).toBe('j 0x80000000');
    expect(disassemble(word(12, 2), 0x8000000cn)).toBe('j 0x80000000');
    expect(disassemble(word(14, 2), 0x8000000en)).toBe('beqz a0,0x80000000');
    expect(disassemble(word(16), 0x80000010n)).toBe('bnez a1,0x80000004');
    expect(disassemble(0x30002573, 0n)).toBe('csrr a0,mstatus');
    expect(disassemble(0x30045073, 0n)).toBe('csrwi mstatus,8');
    expect(disassemble(0x0ff0000f, 0n)).toBe('fence');
    expect(disassemble(0x0310000f, 0n)).toBe('fence rw,w');
    expect(disassemble(0xc0102573, 0n)).toBe('rdtime a0');
    expect(disassemble(0x12000073, 0n)).toBe('sfence.vma');
    expect(disassemble(0x22b58553, 0n)).toBe('fmv.d fa0,fa1');
  });

  it('marks illegal and reserved encodings', () => {
    expect(disassemble(0x0000, 0n)).toBe('unimp');
    expect(disassemble(0xffffffff, 0n)).toBe('.4byte 0xffffffff');
  });
});

describe('decoder: illegal and reserved encodings', () => {
  it.each([
    ['all zero', 0x0000],
    ['c.addi4spn with zero immediate', 0x0010 & 0xe003 | 0x0004],
    ['c.lui with zero immediate', 0x6501],
    ['c.addi16sp with zero immediate', 0x6101],
    ['c.addiw rd=x0', 0x2005],
    ['c.lwsp rd=x0', 0x4002],
    ['c.ldsp rd=x0', 0x6002],
    ['c.jr x0', 0x8002],
    ['reserved quadrant 0 funct3=100', 0x8000],
    ['reserved c.subw space funct2=10', 0x9d4d],
    ['32-bit all ones', 0xffffffff],
    ['slli with shamt bit 6 (funct6 != 0)', 0x04059513],
    ['sraiw with shamt[5] set', 0x4205d51b],
    ['fence.i-like misc-mem funct3=2', 0x0000200f],
  ])('%s', (_name, bits) => {
    expect(decode(bits)).toBeUndefined();
  });

  it('expands compressed instructions to their base operation and fields', () => {
    const d = decode(0x0808)!;
    expect([d.row!.name, BASE_ROW.get(d.op)!.name, d.rd, d.rs1, d.imm]).toEqual(['c.addi4spn', 'addi', 10, 2, 16]);
    const j = decode(assemble('c.j -2048', 0n))!;
    expect([BASE_ROW.get(j.op)!.name, j.rd, j.imm]).toEqual(['jal', 0, -2048]);
    const lui = decode(assemble('c.lui a0,0xfffe0', 0n))!;
    expect(lui.imm).toBe(-0x20000);
  });
});
