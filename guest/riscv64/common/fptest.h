/* fptest.h: check macros for the F and D tests. Values are given as IEEE bit patterns; every check compares
 * the result bits (id) and then the accrued fflags, which are read and cleared (id + 1).
 * fflags: NV 0x10, DZ 0x08, OF 0x04, UF 0x02, NX 0x01. */
#ifndef FPTEST_H
#define FPTEST_H
#include "test.h"

#define NV 0x10
#define DZ 0x08
#define OF 0x04
#define UF 0x02
#define NX 0x01

#define FLAGS_EQ(id, exp)   csrrw t1, fflags, zero; CHECK_EQ(id, t1, exp)

/* single precision: fmv.w.x NaN-boxes; fmv.x.w sign-extends, so compare the low 32 bits */
#define S_LOAD(f, bits)     li t0, bits; fmv.w.x f, t0
#define S_CHECK(id, f, bits) fmv.x.w t0, f; slli t0, t0, 32; srli t0, t0, 32; CHECK_EQ(id, t0, bits)
#define D_LOAD(f, bits)     li t0, bits; fmv.d.x f, t0
#define D_CHECK(id, f, bits) fmv.x.d t0, f; CHECK_EQ(id, t0, bits)

#define TEST_S_OP1(id, inst, exp, flags, a) \
    csrw fflags, zero; S_LOAD(fa0, a); inst fa2, fa0; S_CHECK(id, fa2, exp); FLAGS_EQ(id + 1, flags)
#define TEST_S_OP2(id, inst, exp, flags, a, b) \
    csrw fflags, zero; S_LOAD(fa0, a); S_LOAD(fa1, b); inst fa2, fa0, fa1; S_CHECK(id, fa2, exp); \
    FLAGS_EQ(id + 1, flags)
#define TEST_S_OP3(id, inst, exp, flags, a, b, c) \
    csrw fflags, zero; S_LOAD(fa0, a); S_LOAD(fa1, b); S_LOAD(fa3, c); inst fa2, fa0, fa1, fa3; \
    S_CHECK(id, fa2, exp); FLAGS_EQ(id + 1, flags)
#define TEST_S_TOINT(id, inst, rm, exp, flags, a) \
    csrw fflags, zero; S_LOAD(fa0, a); inst a0, fa0, rm; CHECK_EQ(id, a0, exp); FLAGS_EQ(id + 1, flags)
#define TEST_S_FROMINT(id, inst, rm, exp, flags, v) \
    csrw fflags, zero; li a1, v; inst fa2, a1, rm; S_CHECK(id, fa2, exp); FLAGS_EQ(id + 1, flags)
#define TEST_S_CMP(id, inst, exp, flags, a, b) \
    csrw fflags, zero; S_LOAD(fa0, a); S_LOAD(fa1, b); inst a0, fa0, fa1; CHECK_EQ(id, a0, exp); \
    FLAGS_EQ(id + 1, flags)
#define TEST_S_CLASS(id, exp, a) \
    S_LOAD(fa0, a); fclass.s a0, fa0; CHECK_EQ(id, a0, exp)

#define TEST_D_OP1(id, inst, exp, flags, a) \
    csrw fflags, zero; D_LOAD(fa0, a); inst fa2, fa0; D_CHECK(id, fa2, exp); FLAGS_EQ(id + 1, flags)
#define TEST_D_OP2(id, inst, exp, flags, a, b) \
    csrw fflags, zero; D_LOAD(fa0, a); D_LOAD(fa1, b); inst fa2, fa0, fa1; D_CHECK(id, fa2, exp); \
    FLAGS_EQ(id + 1, flags)
#define TEST_D_OP3(id, inst, exp, flags, a, b, c) \
    csrw fflags, zero; D_LOAD(fa0, a); D_LOAD(fa1, b); D_LOAD(fa3, c); inst fa2, fa0, fa1, fa3; \
    D_CHECK(id, fa2, exp); FLAGS_EQ(id + 1, flags)
#define TEST_D_TOINT(id, inst, rm, exp, flags, a) \
    csrw fflags, zero; D_LOAD(fa0, a); inst a0, fa0, rm; CHECK_EQ(id, a0, exp); FLAGS_EQ(id + 1, flags)
#define TEST_D_FROMINT(id, inst, rm, exp, flags, v) \
    csrw fflags, zero; li a1, v; inst fa2, a1, rm; D_CHECK(id, fa2, exp); FLAGS_EQ(id + 1, flags)
#define TEST_D_CMP(id, inst, exp, flags, a, b) \
    csrw fflags, zero; D_LOAD(fa0, a); D_LOAD(fa1, b); inst a0, fa0, fa1; CHECK_EQ(id, a0, exp); \
    FLAGS_EQ(id + 1, flags)
#define TEST_D_CLASS(id, exp, a) \
    D_LOAD(fa0, a); fclass.d a0, fa0; CHECK_EQ(id, a0, exp)

#endif
