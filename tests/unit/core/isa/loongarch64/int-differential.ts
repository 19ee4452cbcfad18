/**
 * The integer differential program: every case loads operands into $a1/$a2, runs one instruction into
 * $a0 and prints $a0 in hex on UART0 (0x1fe001e0 on ls3a5000 and on QEMU's LoongArch virt board).
 * int-differential.qemu.gz holds what qemu-system-loongarch64 7.2 printed; the test compares ours.
 */

export const VALUES: readonly bigint[] = [
  0n, 1n, 0xffffffffffffffffn, 0x7fffffffffffffffn, 0x8000000000000000n, 0x80000000n, 0x7fffffffn, 0xffffffff80000000n,
  0x123456789abcdef0n, 0xfedcba9876543210n, 5n, 0xfffffffffffffffbn, 63n, 0x100000000n,
];

const THREE_R = [
  'add.w', 'add.d', 'sub.w', 'sub.d', 'slt', 'sltu', 'maskeqz', 'masknez', 'nor', 'and', 'or', 'xor', 'orn', 'andn',
  'sll.w', 'srl.w', 'sra.w', 'sll.d', 'srl.d', 'sra.d', 'rotr.w', 'rotr.d', 'mul.w', 'mulh.w', 'mulh.wu', 'mul.d',
  'mulh.d', 'mulh.du', 'mulw.d.w', 'mulw.d.wu', 'div.w', 'mod.w', 'div.wu', 'mod.wu', 'div.d', 'mod.d', 'div.du', 'mod.du',
];
const TWO_R = [
  'clo.w', 'clz.w', 'cto.w', 'ctz.w', 'clo.d', 'clz.d', 'cto.d', 'ctz.d', 'revb.2h', 'revb.4h', 'revb.2w', 'revb.d',
  'revh.2w', 'revh.d', 'bitrev.4b', 'bitrev.8b', 'bitrev.w', 'bitrev.d', 'ext.w.h', 'ext.w.b',
];

export function intDifferentialSource(): { cases: string[]; source: string } {
  const cases: string[] = [];
  const body: string[] = [];
  const emit = (label: string, lines: string[]) => {
    cases.push(label);
    body.push(...lines, 'bl print_case');
  };
  const ab = (a: bigint, b: bigint) => [`li.d $a1, ${a}`, `li.d $a2, ${b}`];
  for (const op of THREE_R) for (const a of VALUES) for (const b of VALUES) emit(`${op} ${a.toString(16)} ${b.toString(16)}`, [...ab(a, b), `${op} $a0, $a1, $a2`]);
  for (const op of TWO_R) for (const a of VALUES) emit(`${op} ${a.toString(16)}`, [`li.d $a1, ${a}`, `${op} $a0, $a1`]);
  for (const a of VALUES) {
    for (const imm of [0, 1, 31]) {
      for (const op of ['slli.w', 'srli.w', 'srai.w', 'rotri.w']) emit(`${op} ${a.toString(16)} ${imm}`, [`li.d $a1, ${a}`, `${op} $a0, $a1, ${imm}`]);
    }
    for (const imm of [0, 1, 32, 63]) {
      for (const op of ['slli.d', 'srli.d', 'srai.d', 'rotri.d']) emit(`${op} ${a.toString(16)} ${imm}`, [`li.d $a1, ${a}`, `${op} $a0, $a1, ${imm}`]);
    }
    for (const imm of [-2048, -1, 0, 2047]) {
      for (const op of ['addi.w', 'addi.d', 'slti', 'sltui', 'lu52i.d']) emit(`${op} ${a.toString(16)} ${imm}`, [`li.d $a1, ${a}`, `${op} $a0, $a1, ${imm}`]);
    }
    for (const imm of [0, 0x800, 0xfff]) {
      for (const op of ['andi', 'ori', 'xori']) emit(`${op} ${a.toString(16)} ${imm}`, [`li.d $a1, ${a}`, `${op} $a0, $a1, ${imm}`]);
    }
    for (const imm of [-32768, 1, 32767]) emit(`addu16i.d ${a.toString(16)} ${imm}`, [`li.d $a1, ${a}`, `addu16i.d $a0, $a1, ${imm}`]);
    for (const imm of [-524288, 1, 524287]) emit(`lu32i.d ${a.toString(16)} ${imm}`, [`li.d $a0, ${a}`, `lu32i.d $a0, ${imm}`]);
    for (const b of VALUES.slice(0, 6)) {
      for (const sa of [1, 4]) for (const op of ['alsl.w', 'alsl.wu', 'alsl.d']) emit(`${op} ${a.toString(16)} ${b.toString(16)} ${sa}`, [...ab(a, b), `${op} $a0, $a1, $a2, ${sa}`]);
      for (const sa of [0, 1, 3]) emit(`bytepick.w ${a.toString(16)} ${b.toString(16)} ${sa}`, [...ab(a, b), `bytepick.w $a0, $a1, $a2, ${sa}`]);
      for (const sa of [0, 1, 7]) emit(`bytepick.d ${a.toString(16)} ${b.toString(16)} ${sa}`, [...ab(a, b), `bytepick.d $a0, $a1, $a2, ${sa}`]);
    }
    for (const [msb, lsb] of [[31, 0], [15, 8], [0, 0], [31, 31]]) {
      emit(`bstrpick.w ${a.toString(16)} ${msb} ${lsb}`, [`li.d $a1, ${a}`, `bstrpick.w $a0, $a1, ${msb}, ${lsb}`]);
      emit(`bstrins.w ${a.toString(16)} ${msb} ${lsb}`, [`li.d $a1, ${a}`, 'li.d $a0, 0x5555555555555555', `bstrins.w $a0, $a1, ${msb}, ${lsb}`]);
    }
    for (const [msb, lsb] of [[63, 0], [47, 12], [0, 0], [63, 63]]) {
      emit(`bstrpick.d ${a.toString(16)} ${msb} ${lsb}`, [`li.d $a1, ${a}`, `bstrpick.d $a0, $a1, ${msb}, ${lsb}`]);
      emit(`bstrins.d ${a.toString(16)} ${msb} ${lsb}`, [`li.d $a1, ${a}`, 'li.d $a0, 0x5555555555555555', `bstrins.d $a0, $a1, ${msb}, ${lsb}`]);
    }
  }
  const source = `
    csrrd $t0, 0x20
    bnez $t0, park
    li.w $s1, 0x1fe001e0
    ${body.join('\n    ')}
    li.w $a0, 0x2e
    bl putc
    li.w $a0, 10
    bl putc
  park:
    idle 0
    b park

  # Prints $a0 as 16 hex digits and a newline.
  print_case:
    move $s5, $ra
    move $a1, $a0
    li.w $a2, 16
  hex_loop:
    srli.d $a0, $a1, 60
    slli.d $a1, $a1, 4
    li.w $t1, 10
    blt $a0, $t1, hex_digit
    addi.d $a0, $a0, 39
  hex_digit:
    addi.d $a0, $a0, 48
    bl putc
    addi.d $a2, $a2, -1
    bnez $a2, hex_loop
    li.w $a0, 10
    bl putc
    jr $s5

  putc:
    ld.bu $t3, $s1, 5
    andi $t3, $t3, 0x20
    beqz $t3, putc
    st.b $a0, $s1, 0
    ret
  `;
  return { cases, source };
}
