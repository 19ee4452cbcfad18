/**
 * The FP differential program: every case loads two doubles (or singles), clears FCSR0, runs one FP
 * instruction and prints the result bits and FCSR0 in hex on UART0 (0x1fe001e0, the same address on
 * ls3a5000 and QEMU's LoongArch virt board). qemu-decode.json's sibling fp-differential.json holds what
 * qemu-system-loongarch64 7.2 printed for it; the test runs it on our CPU and compares line by line.
 */

const D = (x: number): bigint => new BigUint64Array(new Float64Array([x]).buffer)[0]!;
const S = (x: number): bigint => BigInt(new Uint32Array(new Float32Array([x]).buffer)[0]!);

export const DOUBLES: readonly bigint[] = [
  D(1), D(-0), D(0), D(1 / 3), D(1e308), D(-2.5), 0x7ff8000000000000n, 0x7ff4000000000000n, D(Infinity), D(-Infinity),
  1n, D(3), D(2 ** 63), D(-2147483648.5), D(0.5), D(1.5),
];
export const SINGLES: readonly bigint[] = [S(1), S(-0), S(1 / 3), S(3e38), S(-2.5), 0x7fc00000n, 0x7fa00000n, S(Infinity), 1n, S(0.1)];

const BINARY = ['fadd', 'fsub', 'fmul', 'fdiv', 'fmax', 'fmin', 'fmaxa', 'fmina'];
const UNARY_D = ['fsqrt.d', 'frecip.d', 'frsqrt.d', 'fclass.d', 'frint.d', 'ftint.w.d', 'ftintrz.l.d', 'ftintrne.w.d', 'ftintrm.l.d', 'ftintrp.w.d', 'fcvt.s.d', 'fabs.d', 'fneg.d'];
const CMP = ['ceq', 'clt', 'cle', 'cun', 'cne', 'cor', 'cult', 'seq', 'slt', 'sle', 'sun'];

/** The cases as assembly lines each, and the source of the whole program. */
export function differentialSource(): { cases: string[]; source: string } {
  const cases: string[] = [];
  const body: string[] = [];
  const load = (reg: string, v: bigint) => [`li.d $t0, ${v}`, `movgr2fr.d ${reg}, $t0`];
  const emit = (label: string, lines: string[]) => {
    cases.push(label);
    body.push(...lines, 'movgr2fcsr $fcsr0, $s2', 'bl print_case');
  };
  for (const op of BINARY) {
    for (const a of DOUBLES) for (const b of DOUBLES) {
      emit(`${op}.d ${a.toString(16)} ${b.toString(16)}`, [...load('$fa0', a), ...load('$fa1', b), 'movgr2fcsr $fcsr0, $zero', `${op}.d $fa2, $fa0, $fa1`, 'movfcsr2gr $s3, $fcsr0', 'movfr2gr.d $s4, $fa2']);
    }
    for (const a of SINGLES) for (const b of SINGLES) {
      emit(`${op}.s ${a.toString(16)} ${b.toString(16)}`, [...load('$fa0', a), ...load('$fa1', b), 'movgr2fcsr $fcsr0, $zero', `${op}.s $fa2, $fa0, $fa1`, 'movfcsr2gr $s3, $fcsr0', 'movfr2gr.s $s4, $fa2', 'bstrpick.d $s4, $s4, 31, 0']);
    }
  }
  for (const op of UNARY_D) {
    for (const a of DOUBLES) {
      const single = op.startsWith('fcvt.s') || /\.w\.d$/.test(op);
      emit(`${op} ${a.toString(16)}`, [...load('$fa0', a), 'movgr2fcsr $fcsr0, $zero', `${op} $fa2, $fa0`, 'movfcsr2gr $s3, $fcsr0', single ? 'movfr2gr.s $s4, $fa2' : 'movfr2gr.d $s4, $fa2', ...(single ? ['bstrpick.d $s4, $s4, 31, 0'] : [])]);
    }
  }
  for (const cond of CMP) {
    for (const a of DOUBLES.slice(0, 10)) for (const b of DOUBLES.slice(0, 10)) {
      emit(`fcmp.${cond}.d ${a.toString(16)} ${b.toString(16)}`, [...load('$fa0', a), ...load('$fa1', b), 'movgr2fcsr $fcsr0, $zero', `fcmp.${cond}.d $fcc1, $fa0, $fa1`, 'movfcsr2gr $s3, $fcsr0', 'movcf2gr $s4, $fcc1']);
    }
  }
  for (const a of DOUBLES) for (const b of DOUBLES.slice(0, 8)) {
    emit(`fmadd.d ${a.toString(16)} ${b.toString(16)}`, [...load('$fa0', a), ...load('$fa1', b), 'movgr2fcsr $fcsr0, $zero', 'fmadd.d $fa2, $fa0, $fa1, $fa1', 'movfcsr2gr $s3, $fcsr0', 'movfr2gr.d $s4, $fa2']);
  }
  for (const rm of [1, 2, 3]) {
    for (const a of DOUBLES.slice(0, 8)) {
      emit(`fdiv.d rm${rm} ${a.toString(16)}`, [...load('$fa0', a), ...load('$fa1', D(3)), `li.w $t0, ${rm << 8}`, 'movgr2fcsr $fcsr0, $t0', 'fdiv.d $fa2, $fa0, $fa1', 'movfcsr2gr $s3, $fcsr0', 'movfr2gr.d $s4, $fa2']);
    }
  }
  const source = `
    csrrd $t0, 0x20
    bnez $t0, park
    li.w $t0, 1
    csrwr $t0, 0x2          # EUEN.FPE
    li.w $s1, 0x1fe001e0
    la.pcrel $sp, stack_top
    move $s2, $zero
    ${body.join('\n    ')}
    li.w $a0, 0x2e           # '.' then newline: the end
    bl putc
    li.w $a0, 10
    bl putc
  park:
    idle 0
    b park

  # Prints $s4 (16 hex digits), a space, $s3 (8 hex digits), a newline.
  print_case:
    move $s5, $ra
    move $a1, $s4
    li.w $a2, 16
    bl hex
    li.w $a0, 32
    bl putc
    move $a1, $s3
    slli.d $a1, $a1, 32
    li.w $a2, 8
    bl hex
    li.w $a0, 10
    bl putc
    jr $s5

  # Prints the top $a2 nibbles of $a1.
  hex:
    move $s6, $ra
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
    jr $s6

  putc:
    ld.bu $t3, $s1, 5
    andi $t3, $t3, 0x20
    beqz $t3, putc
    st.b $a0, $s1, 0
    ret
    .align 4
    .space 0x1000
  stack_top:
  `;
  return { cases, source };
}
