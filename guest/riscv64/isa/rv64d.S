/* rv64d.S: RV64D double precision with known bit-exact answers: add/sub/mul/div/sqrt, the fused
 * fmadd/fmsub/fnmsub/fnmadd (including a case only a single rounding gets right), fcvt to/from integers with
 * every static rounding mode and the dynamic frm, fcvt.s.d/fcvt.d.s, fflags for inexact/overflow/underflow/
 * invalid/divide-by-zero, fcvt saturation, NaN boxing of singles seen from D (fcvt.d.s of an unboxed value
 * gives the canonical NaN), fmin/fmax with NaNs and signed zeros, comparisons, fclass, sign injection,
 * fld/fsd. Check ids: value = id, fflags = id + 1. */
#include "fptest.h"

#define ONE   0x3ff0000000000000
#define TWO   0x4000000000000000
#define THREE 0x4008000000000000
#define FOUR  0x4010000000000000
#define HALF  0x3fe0000000000000
#define ONE_5 0x3ff8000000000000
#define TWO_5 0x4004000000000000
#define MTWO_5 0xc004000000000000
#define MONE  0xbff0000000000000
#define PZERO 0x0000000000000000
#define MZERO 0x8000000000000000
#define PINF  0x7ff0000000000000
#define MINF  0xfff0000000000000
#define QNAN  0x7ff8000000000000
#define SNAN  0x7ff0000000000001
#define DMAX  0x7fefffffffffffff
#define MINSUB 0x0000000000000001

    .text
    .globl test_main
test_main:
    /* --- arithmetic --- */
    TEST_D_OP2(1,  fadd.d, THREE, 0, ONE, TWO)
    TEST_D_OP2(3,  fsub.d, MONE, 0, ONE, TWO)
    TEST_D_OP2(5,  fmul.d, THREE, 0, ONE_5, TWO)
    TEST_D_OP2(7,  fdiv.d, 0x3fd5555555555555, NX, ONE, THREE)   /* 1/3 rounds down under RNE */
    TEST_D_OP2(9,  fdiv.d, MINF, DZ, MONE, PZERO)
    TEST_D_OP2(11, fdiv.d, QNAN, NV, PINF, PINF)
    TEST_D_OP1(13, fsqrt.d, TWO, 0, FOUR)
    TEST_D_OP1(15, fsqrt.d, QNAN, NV, MONE)
    TEST_D_OP1(17, fsqrt.d, MZERO, 0, MZERO)                     /* sqrt(-0) = -0 */
    TEST_D_OP2(19, fmul.d, PINF, OF | NX, DMAX, TWO)
    TEST_D_OP2(21, fmul.d, PZERO, UF | NX, MINSUB, HALF)
    TEST_D_OP2(23, fmul.d, 0x0008000000000000, 0, 0x0010000000000000, HALF)   /* exact subnormal */
    TEST_D_OP2(25, fadd.d, QNAN, 0, 0x7ff8000000012345, ONE)
    TEST_D_OP2(27, fadd.d, QNAN, NV, SNAN, ONE)
    csrwi   frm, 2                                                /* RDN: x - x = -0 */
    TEST_D_OP2(29, fadd.d, MZERO, 0, ONE, MONE)
    csrwi   frm, 0

    /* --- fused --- */
    TEST_D_OP3(31, fmadd.d,  0x401c000000000000, 0, TWO, THREE, ONE)     /*  7 */
    TEST_D_OP3(33, fmsub.d,  0x4014000000000000, 0, TWO, THREE, ONE)     /*  5 */
    TEST_D_OP3(35, fnmsub.d, 0xc014000000000000, 0, TWO, THREE, ONE)     /* -5 */
    TEST_D_OP3(37, fnmadd.d, 0xc01c000000000000, 0, TWO, THREE, ONE)     /* -7 */
    /* x = 1 + 2^-52: x*x - round(x*x) = 2^-104 */
    TEST_D_OP3(39, fmadd.d,  0x3970000000000000, 0, 0x3ff0000000000001, 0x3ff0000000000001, 0xbff0000000000002)

    /* --- double -> int with each rounding mode --- */
    TEST_D_TOINT(41, fcvt.l.d, rne, 2, NX, TWO_5)
    TEST_D_TOINT(43, fcvt.l.d, rtz, 2, NX, TWO_5)
    TEST_D_TOINT(45, fcvt.l.d, rdn, 2, NX, TWO_5)
    TEST_D_TOINT(47, fcvt.l.d, rup, 3, NX, TWO_5)
    TEST_D_TOINT(49, fcvt.l.d, rmm, 3, NX, TWO_5)
    TEST_D_TOINT(51, fcvt.w.d, rne, -2, NX, MTWO_5)
    TEST_D_TOINT(53, fcvt.w.d, rtz, -2, NX, MTWO_5)
    TEST_D_TOINT(55, fcvt.w.d, rdn, -3, NX, MTWO_5)
    TEST_D_TOINT(57, fcvt.w.d, rup, -2, NX, MTWO_5)
    TEST_D_TOINT(59, fcvt.w.d, rmm, -3, NX, MTWO_5)
    csrwi   frm, 4                                                /* RMM */
    TEST_D_TOINT(61, fcvt.l.d, dyn, -3, NX, MTWO_5)
    csrwi   frm, 0
    /* saturation */
    TEST_D_TOINT(63, fcvt.w.d,  rtz, 0x7fffffff, NV, 0x4202a05f20000000)          /* 1e10 */
    TEST_D_TOINT(65, fcvt.w.d,  rtz, 0xffffffff80000000, NV, 0xc202a05f20000000)  /* -1e10 */
    TEST_D_TOINT(67, fcvt.wu.d, rtz, 0, NV, MONE)
    TEST_D_TOINT(69, fcvt.l.d,  rtz, 0x7fffffffffffffff, NV, PINF)
    TEST_D_TOINT(71, fcvt.l.d,  rtz, 0x7fffffffffffffff, NV, QNAN)
    TEST_D_TOINT(73, fcvt.lu.d, rtz, 0xffffffffffffffff, NV, 0x43f0000000000000)  /* 2^64 */
    TEST_D_TOINT(75, fcvt.lu.d, rtz, 0xfffffffffffff800, 0, 0x43efffffffffffff)   /* largest below 2^64 */
    TEST_D_TOINT(77, fcvt.w.d,  rtz, 0xffffffff80000000, 0, 0xc1e0000000000000)   /* -2^31 fits exactly */

    /* --- int -> double --- */
    TEST_D_FROMINT(79, fcvt.d.l,  rne, 0x4340000000000000, NX, 0x0020000000000001)  /* 2^53 + 1 */
    TEST_D_FROMINT(81, fcvt.d.l,  rup, 0x4340000000000001, NX, 0x0020000000000001)
    TEST_D_FROMINT(83, fcvt.d.lu, rne, 0x43f0000000000000, NX, 0xffffffffffffffff)
    /* fcvt.d.w/wu are always exact, so they take no rounding mode */
    csrw    fflags, zero
    li      a1, 0x0000000080000000                                /* low word is -2^31 */
    fcvt.d.w fa2, a1
    D_CHECK(85, fa2, 0xc1e0000000000000)
    li      a1, 0xffffffffffffffff                                /* low word is 2^32 - 1 */
    fcvt.d.wu fa2, a1
    D_CHECK(87, fa2, 0x41efffffffe00000)
    FLAGS_EQ(88, 0)

    /* --- double <-> single --- */
    TEST_D_OP1(89, fcvt.s.d, 0xffffffff3eaaaaab, NX, 0x3fd5555555555555)  /* boxed single 1/3 */
    TEST_D_OP1(91, fcvt.s.d, 0xffffffff7f800000, OF | NX, 0x7e37e43c8800759c) /* 1e300 overflows */
    TEST_D_OP1(93, fcvt.s.d, 0xffffffff7fc00000, NV, SNAN)
    TEST_D_OP1(95, fcvt.d.s, ONE_5, 0, 0xffffffff3fc00000)
    TEST_D_OP1(97, fcvt.d.s, QNAN, NV, 0xffffffff7f800001)             /* signalling single NaN */
    TEST_D_OP1(99, fcvt.d.s, QNAN, 0, 0x000000003fc00000)              /* unboxed: canonical NaN */

    /* --- min/max, comparisons, fclass, sign injection --- */
    TEST_D_OP2(101, fmin.d, ONE, 0, ONE, QNAN)
    TEST_D_OP2(103, fmax.d, ONE, NV, SNAN, ONE)
    TEST_D_OP2(105, fmin.d, QNAN, 0, QNAN, QNAN)
    TEST_D_OP2(107, fmin.d, MZERO, 0, PZERO, MZERO)
    TEST_D_OP2(109, fmax.d, PZERO, 0, MZERO, PZERO)
    TEST_D_CMP(111, feq.d, 1, 0, PZERO, MZERO)
    TEST_D_CMP(113, feq.d, 0, NV, SNAN, SNAN)
    TEST_D_CMP(115, flt.d, 0, NV, QNAN, ONE)
    TEST_D_CMP(117, fle.d, 1, 0, MINF, MONE)
    TEST_D_CLASS(119, 1 << 0, MINF)
    TEST_D_CLASS(120, 1 << 1, MONE)
    TEST_D_CLASS(121, 1 << 2, 0x8000000000000001)
    TEST_D_CLASS(122, 1 << 3, MZERO)
    TEST_D_CLASS(123, 1 << 4, PZERO)
    TEST_D_CLASS(124, 1 << 5, MINSUB)
    TEST_D_CLASS(125, 1 << 6, ONE)
    TEST_D_CLASS(126, 1 << 7, PINF)
    TEST_D_CLASS(127, 1 << 8, SNAN)
    TEST_D_CLASS(128, 1 << 9, QNAN)
    TEST_D_OP2(129, fsgnj.d,  MONE, 0, ONE, MTWO_5)
    TEST_D_OP2(131, fsgnjn.d, ONE, 0, ONE, MTWO_5)
    TEST_D_OP2(133, fsgnjx.d, ONE, 0, MONE, MTWO_5)

    /* --- fld/fsd move all 64 bits --- */
    la      s0, dbuf
    li      t0, 0x400921fb54442d18
    sd      t0, 0(s0)
    fld     fa1, 0(s0)
    fadd.d  fa2, fa1, fa1
    fsd     fa2, 8(s0)
    ld      a0, 8(s0)
    CHECK_EQ(135, a0, 0x401921fb54442d18)                         /* 2*pi */

    li      a0, 0
    j       pass

    .data
    .align 3
dbuf: .dword 0, 0
