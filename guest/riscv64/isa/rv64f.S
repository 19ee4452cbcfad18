/* rv64f.S: RV64F single precision with known bit-exact answers: add/sub/mul/div/sqrt, the fused
 * fmadd/fmsub/fnmsub/fnmadd (including a case only a single rounding gets right), fcvt to/from integers
 * with every static rounding mode and the dynamic frm, fflags for inexact/overflow/underflow/invalid/
 * divide-by-zero, fcvt saturation (out-of-range, infinities, NaN, W results sign-extended), NaN boxing
 * (a single without the all-ones upper half reads as the canonical NaN; writes box), fmin/fmax with
 * quiet and signalling NaNs and signed zeros, comparisons, fclass, sign injection, flw/fsw.
 * Uses fmv.d.x / fmv.x.d (D) only to look at the NaN box. Check ids: value = id, fflags = id + 1. */
#include "fptest.h"

#define ONE   0x3f800000
#define TWO   0x40000000
#define THREE 0x40400000
#define FOUR  0x40800000
#define HALF  0x3f000000
#define ONE_5 0x3fc00000
#define TWO_5 0x40200000
#define MTWO_5 0xc0200000
#define MONE  0xbf800000
#define PZERO 0x00000000
#define MZERO 0x80000000
#define PINF  0x7f800000
#define MINF  0xff800000
#define QNAN  0x7fc00000
#define SNAN  0x7f800001
#define FMAX  0x7f7fffff
#define MINSUB 0x00000001

    .text
    .globl test_main
test_main:
    /* --- arithmetic --- */
    TEST_S_OP2(1,  fadd.s, THREE, 0, ONE, TWO)
    TEST_S_OP2(3,  fsub.s, MONE, 0, ONE, TWO)
    TEST_S_OP2(5,  fmul.s, THREE, 0, ONE_5, TWO)
    TEST_S_OP2(7,  fdiv.s, 0x3eaaaaab, NX, ONE, THREE)          /* 1/3 rounds up under RNE */
    TEST_S_OP2(9,  fdiv.s, PINF, DZ, ONE, PZERO)
    TEST_S_OP2(11, fdiv.s, QNAN, NV, PZERO, PZERO)
    TEST_S_OP1(13, fsqrt.s, TWO, 0, FOUR)
    TEST_S_OP1(15, fsqrt.s, QNAN, NV, MONE)
    TEST_S_OP2(17, fmul.s, PINF, OF | NX, FMAX, TWO)
    TEST_S_OP2(19, fmul.s, PZERO, UF | NX, MINSUB, HALF)         /* 2^-150 ties to even: zero */
    TEST_S_OP2(21, fmul.s, 0x00400000, 0, 0x00800000, HALF)      /* exact subnormal: no underflow flag */
    TEST_S_OP2(23, fadd.s, QNAN, 0, 0x7fc12345, ONE)             /* payloads are not propagated */
    TEST_S_OP2(25, fadd.s, QNAN, NV, SNAN, ONE)
    TEST_S_OP2(27, fsub.s, QNAN, NV, PINF, PINF)
    TEST_S_OP2(29, fadd.s, PZERO, 0, ONE, MONE)                  /* x - x = +0 in RNE */

    /* --- fused multiply-add: 2*3 and 1 --- */
    TEST_S_OP3(31, fmadd.s,  0x40e00000, 0, TWO, THREE, ONE)      /*  7 */
    TEST_S_OP3(33, fmsub.s,  0x40a00000, 0, TWO, THREE, ONE)      /*  5 */
    TEST_S_OP3(35, fnmsub.s, 0xc0a00000, 0, TWO, THREE, ONE)      /* -5 */
    TEST_S_OP3(37, fnmadd.s, 0xc0e00000, 0, TWO, THREE, ONE)      /* -7 */
    /* x = 1 + 2^-23: x*x - round(x*x) = 2^-46 exactly, visible only with one rounding */
    TEST_S_OP3(39, fmadd.s,  0x28800000, 0, 0x3f800001, 0x3f800001, 0xbf800002)
    TEST_S_OP3(41, fmadd.s,  QNAN, NV, PINF, PZERO, ONE)          /* inf * 0 is invalid */

    /* --- float -> int with each rounding mode: 2.5 and -2.5 --- */
    TEST_S_TOINT(43, fcvt.w.s, rne, 2, NX, TWO_5)
    TEST_S_TOINT(45, fcvt.w.s, rtz, 2, NX, TWO_5)
    TEST_S_TOINT(47, fcvt.w.s, rdn, 2, NX, TWO_5)
    TEST_S_TOINT(49, fcvt.w.s, rup, 3, NX, TWO_5)
    TEST_S_TOINT(51, fcvt.w.s, rmm, 3, NX, TWO_5)
    TEST_S_TOINT(53, fcvt.w.s, rne, -2, NX, MTWO_5)
    TEST_S_TOINT(55, fcvt.w.s, rtz, -2, NX, MTWO_5)
    TEST_S_TOINT(57, fcvt.w.s, rdn, -3, NX, MTWO_5)
    TEST_S_TOINT(59, fcvt.w.s, rup, -2, NX, MTWO_5)
    TEST_S_TOINT(61, fcvt.w.s, rmm, -3, NX, MTWO_5)
    TEST_S_TOINT(63, fcvt.l.s, rne, 3, 0, THREE)                 /* exact: no flags */
    /* the dynamic rounding mode comes from frm */
    csrwi   frm, 3                                                /* RUP */
    TEST_S_TOINT(65, fcvt.w.s, dyn, 3, NX, TWO_5)
    csrwi   frm, 2                                                /* RDN */
    TEST_S_OP2(67, fdiv.s, 0x3eaaaaaa, NX, ONE, THREE)
    csrwi   frm, 0

    /* --- saturation: out of range and NaN give the extreme value and NV --- */
    TEST_S_TOINT(69, fcvt.w.s,  rtz, 0x7fffffff, NV, 0x4f32d05e)          /* 3e9 */
    TEST_S_TOINT(71, fcvt.w.s,  rtz, 0xffffffff80000000, NV, MINF)
    TEST_S_TOINT(73, fcvt.w.s,  rtz, 0x7fffffff, NV, QNAN)
    TEST_S_TOINT(75, fcvt.wu.s, rtz, 0, NV, MONE)
    TEST_S_TOINT(77, fcvt.wu.s, rtz, 0xffffffffb2d05e00, 0, 0x4f32d05e)   /* 3e9 fits; W result sign-extends */
    TEST_S_TOINT(79, fcvt.wu.s, rtz, 0xffffffffffffffff, NV, PINF)
    TEST_S_TOINT(81, fcvt.l.s,  rtz, 0x7fffffffffffffff, NV, QNAN)
    TEST_S_TOINT(83, fcvt.l.s,  rtz, 0x8000000000000000, NV, 0xdf800001)  /* just below -2^63 */
    TEST_S_TOINT(85, fcvt.lu.s, rtz, 0xffffffffffffffff, NV, 0x5f800000)  /* 2^64 */
    TEST_S_TOINT(87, fcvt.wu.s, rtz, 0, NX, 0xbf000000)                   /* -0.5 truncates to 0: only NX */

    /* --- int -> float --- */
    TEST_S_FROMINT(89, fcvt.s.w,  rne, 0x4b800000, NX, 16777217)           /* 2^24 + 1 */
    TEST_S_FROMINT(91, fcvt.s.w,  rup, 0x4b800001, NX, 16777217)
    TEST_S_FROMINT(93, fcvt.s.w,  rne, 0xcf000000, 0, 0xffffffff80000000)  /* -2^31 exact */
    TEST_S_FROMINT(95, fcvt.s.wu, rne, 0x4f800000, NX, 0xffffffff)         /* 2^32 - 1 rounds to 2^32 */
    TEST_S_FROMINT(97, fcvt.s.lu, rne, 0x5f800000, NX, 0xffffffffffffffff)
    TEST_S_FROMINT(99, fcvt.s.l,  rne, 0xdf000000, 0, 0x8000000000000000)
    TEST_S_FROMINT(101, fcvt.s.w, rne, 0xc0400000, 0, 0x00000000fffffffd)  /* only the low word: -3 */

    /* --- NaN boxing --- */
    li      t0, 0x000000003f800000
    fmv.d.x fa0, t0                                               /* a "single" 1.0 without its box */
    csrw    fflags, zero
    fadd.s  fa2, fa0, fa0
    S_CHECK(103, fa2, QNAN)                                       /* read as the canonical NaN */
    FLAGS_EQ(104, 0)                                              /* quiet: no invalid flag */
    fsgnj.s fa2, fa0, fa0
    S_CHECK(105, fa2, QNAN)
    fmv.x.w a0, fa0                                               /* fmv.x.w copies bits, no check */
    CHECK_EQ(107, a0, 0x3f800000)
    S_LOAD(fa0, ONE)
    fmv.x.d a0, fa0
    CHECK_EQ(109, a0, 0xffffffff3f800000)                         /* fmv.w.x boxes */
    la      s0, fbuf
    li      t0, 0x40490fdb
    sw      t0, 0(s0)
    flw     fa1, 0(s0)
    fmv.x.d a0, fa1
    CHECK_EQ(111, a0, 0xffffffff40490fdb)                         /* flw boxes */
    fadd.s  fa2, fa1, fa1
    fmv.x.d a0, fa2
    CHECK_EQ(113, a0, 0xffffffff40c90fdb)                         /* arithmetic results are boxed */
    fsw     fa2, 4(s0)
    lwu     a0, 4(s0)
    CHECK_EQ(115, a0, 0x40c90fdb)

    /* --- min/max: a NaN operand is ignored, signalling NaNs raise NV, -0 < +0 --- */
    TEST_S_OP2(117, fmin.s, ONE, 0, ONE, QNAN)
    TEST_S_OP2(119, fmin.s, ONE, NV, SNAN, ONE)
    TEST_S_OP2(121, fmax.s, ONE, 0, QNAN, ONE)
    TEST_S_OP2(123, fmax.s, QNAN, 0, QNAN, QNAN)
    TEST_S_OP2(125, fmin.s, MZERO, 0, PZERO, MZERO)
    TEST_S_OP2(127, fmax.s, PZERO, 0, MZERO, PZERO)
    TEST_S_OP2(129, fmin.s, MONE, 0, MONE, TWO)

    /* --- comparisons: feq is quiet, flt/fle signal on any NaN --- */
    TEST_S_CMP(131, feq.s, 1, 0, PZERO, MZERO)
    TEST_S_CMP(133, feq.s, 0, 0, QNAN, QNAN)
    TEST_S_CMP(135, feq.s, 0, NV, SNAN, ONE)
    TEST_S_CMP(137, flt.s, 1, 0, MONE, ONE)
    TEST_S_CMP(139, flt.s, 0, NV, QNAN, ONE)
    TEST_S_CMP(141, fle.s, 1, 0, ONE, ONE)
    TEST_S_CMP(143, fle.s, 0, NV, ONE, QNAN)

    /* --- fclass: one bit per class --- */
    TEST_S_CLASS(145, 1 << 0, MINF)
    TEST_S_CLASS(146, 1 << 1, MONE)
    TEST_S_CLASS(147, 1 << 2, 0x80000001)
    TEST_S_CLASS(148, 1 << 3, MZERO)
    TEST_S_CLASS(149, 1 << 4, PZERO)
    TEST_S_CLASS(150, 1 << 5, MINSUB)
    TEST_S_CLASS(151, 1 << 6, ONE)
    TEST_S_CLASS(152, 1 << 7, PINF)
    TEST_S_CLASS(153, 1 << 8, SNAN)
    TEST_S_CLASS(154, 1 << 9, QNAN)

    /* --- sign injection --- */
    TEST_S_OP2(155, fsgnj.s,  MONE, 0, ONE, MTWO_5)
    TEST_S_OP2(157, fsgnjn.s, ONE, 0, ONE, MTWO_5)
    TEST_S_OP2(159, fsgnjx.s, ONE, 0, MONE, MTWO_5)
    TEST_S_OP2(161, fsgnj.s,  0x7f800001, 0, SNAN, ONE)            /* no canonicalisation, no flags */

    li      a0, 0
    j       pass

    .data
    .align 3
fbuf: .dword 0
