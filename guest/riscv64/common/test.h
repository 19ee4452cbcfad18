/* test.h: check macros for the assembly ISA tests (see crt-m.S for the register conventions).
 * Each check loads its id into gp first, so a failure reports the id of the check that failed.
 * The branch to `fail` is inverted around a `j` so tests can grow past the +-4 KiB branch range. */
#ifndef TEST_H
#define TEST_H
#include "platform.h"

#define CHECK_EQ(id, reg, exp) \
    li gp, id; li t6, exp; beq reg, t6, 8888f; j fail; 8888:

#define CHECK_REG(id, reg, expreg) \
    li gp, id; beq reg, expreg, 8888f; j fail; 8888:

/* rd = op(rs1, rs2) */
#define TEST_RR(id, inst, exp, v1, v2) \
    li a1, v1; li a2, v2; inst a0, a1, a2; CHECK_EQ(id, a0, exp)

/* rd = op(rs1, imm) */
#define TEST_RI(id, inst, exp, v1, imm) \
    li a1, v1; inst a0, a1, imm; CHECK_EQ(id, a0, exp)

/* rd = op(rs1) */
#define TEST_R1(id, inst, exp, v1) \
    li a1, v1; inst a0, a1; CHECK_EQ(id, a0, exp)

#endif

/* Trap checks against trap_record (trap-m.S): TRAP_RESET before the instruction, then CHECK_TRAP. */
#define USE_TRAP_RECORD  la t6, trap_record; csrw mtvec, t6
#define TRAP_RESET       la t6, trap_info; sd zero, 24(t6); li t5, -1; sd t5, 0(t6)
#define CHECK_TRAP(id, cause) \
    la t5, trap_info; ld t4, 24(t5); CHECK_EQ(id, t4, 1); ld t4, 0(t5); CHECK_EQ(id, t4, cause)
#define CHECK_TVAL(id, exp)   la t5, trap_info; ld t4, 16(t5); CHECK_EQ(id, t4, exp)
#define CHECK_TVAL_REG(id, r) la t5, trap_info; ld t4, 16(t5); CHECK_REG(id, t4, r)
#define CHECK_EPC_LABEL(id, label) la t5, trap_info; ld t4, 8(t5); la t3, label; CHECK_REG(id, t4, t3)
#define CHECK_NO_TRAP(id)     la t5, trap_info; ld t4, 24(t5); CHECK_EQ(id, t4, 0)

/* Causes (mcause / scause values) */
#define CAUSE_FETCH_ACCESS 1
#define CAUSE_ILLEGAL      2
#define CAUSE_BREAKPOINT   3
#define CAUSE_LOAD_ACCESS  5
#define CAUSE_STORE_ACCESS 7
#define CAUSE_ECALL_U      8
#define CAUSE_ECALL_S      9
#define CAUSE_ECALL_M      11
#define CAUSE_FETCH_PAGE   12
#define CAUSE_LOAD_PAGE    13
#define CAUSE_STORE_PAGE   15
