/* paging.S: Sv39 and Sv48 translation, run from S-mode with page tables built in memory by M-mode.
 * Checks: 4 KiB pages, a 2 MiB megapage and a 1 GiB gigapage (alias of RAM), hardware-set A and D bits
 * (A after a load, A+D after a store), read-only page store fault (15), invalid PTE load/store faults
 * (13/15) with mtval = virtual address, U pages: S loads fault with SUM=0 and work with SUM=1, S does not
 * execute a U page (12), MXR makes an execute-only page readable, fetch from a non-X page (12), and
 * sfence.vma after changing a PTE. Sv48 adds a mapping above 512 GiB that is non-canonical (a fault) in
 * Sv39. Faults go to M (no medeleg) where trap_record (trap-m.S) records and skips them.
 * Ids 1-99 are the Sv39 run, 101-199 the same checks under Sv48. */
#include "test.h"

#define V 0x01
#define R 0x02
#define W 0x04
#define X 0x08
#define U 0x10
#define A 0x40
#define D 0x80

#define TEST_VA      0x40000000       /* 4 KiB pages through pt_l1[0] -> pt_l0 */
#define MEGA_VA      0x40200000       /* pt_l1[1]: megapage -> MEGA_PA */
#define MEGA_PA      0x80400000
#define GIGA_ALIAS   0x40000000       /* VA = PA + 0x4000_0000 for the read-only gigapage at 0xc000_0000 */
#define SV48_VA      0x8000000000     /* 512 GiB: pt_l3[1] -> pt_l2b[0] gigapage -> 0x8000_0000 */

#define SATP_SV39    (8 << 60)
#define SATP_SV48    (9 << 60)

/* table[idx] = leaf or pointer to the page at label / physical address pa */
#define PTE_LABEL(table, idx, target, flags) \
    la t0, target; srli t0, t0, 12; slli t0, t0, 10; ori t0, t0, flags; la t1, table; sd t0, (idx) * 8(t1)
#define PTE_PA(table, idx, pa, flags) \
    li t0, pa; srli t0, t0, 12; slli t0, t0, 10; ori t0, t0, flags; la t1, table; sd t0, (idx) * 8(t1)
#define POKE(label, value) la t0, label; li t1, value; sd t1, 0(t0)

    .text
    .globl test_main
test_main:
    USE_TRAP_RECORD
    /* satp must accept both modes */
    li      s8, 8
    call    build_tables
    li      a0, 1
    la      a1, s_suite_sv39
    call    run_in_mode
    CHECK_EQ(98, a0, CAUSE_ECALL_S)
    csrw    satp, zero

    li      s8, 9
    call    build_tables
    li      a0, 1
    la      a1, s_suite_sv48
    call    run_in_mode
    CHECK_EQ(198, a0, CAUSE_ECALL_S)
    csrw    satp, zero
    sfence.vma

    li      a0, 0
    j       pass

/* build_tables: s8 = 8 (Sv39) or 9 (Sv48). Clears every table, fills them, sets markers and satp. */
build_tables:
    la      t0, pt_start
    la      t1, pt_end
1:  sd      zero, 0(t0)
    addi    t0, t0, 8
    bltu    t0, t1, 1b
    PTE_PA(pt_l2, 0, 0x00000000, V | R | W | A | D)              /* MMIO gigapage: UART, test device */
    PTE_LABEL(pt_l2, 1, pt_l1, V)
    PTE_PA(pt_l2, 2, 0x80000000, V | R | W | X | A | D)          /* identity RAM: code, data, tables */
    PTE_PA(pt_l2, 3, 0x80000000, V | R | A)                      /* read-only gigapage alias at 0xc000_0000 */
    PTE_LABEL(pt_l1, 0, pt_l0, V)
    PTE_PA(pt_l1, 1, MEGA_PA, V | R | W | A | D)
    PTE_LABEL(pt_l0, 0, pg_data, V | R | W)                      /* A and D clear: hardware sets them */
    PTE_LABEL(pt_l0, 1, pg_ro, V | R | A)
    /* pt_l0[2] stays invalid */
    PTE_LABEL(pt_l0, 3, pg_user, V | R | W | X | U | A | D)
    PTE_LABEL(pt_l0, 4, pg_xonly, V | X | A)
    PTE_LABEL(pt_l0, 5, pg_aonly, V | R | W)
    PTE_LABEL(pt_l0, 6, pg_b1, V | R | A)
    PTE_LABEL(pt_l3, 0, pt_l2, V)                                /* Sv48 root; unused by Sv39 */
    PTE_LABEL(pt_l3, 1, pt_l2b, V)
    PTE_PA(pt_l2b, 0, 0x80000000, V | R | A)
    POKE(pg_ro, 0x1111)
    POKE(pg_user, 0x2222)
    POKE(pg_aonly, 0x4444)
    POKE(pg_b1, 0xb1)
    POKE(pg_b2, 0xb2)
    li      t0, MEGA_PA + 0x1234
    li      t1, 0x5555
    sw      t1, 0(t0)
    la      t0, pg_xonly                 /* an X-only page holds a ret, and a marker word after it */
    li      t1, 0x00008067               /* jalr x0, 0(ra) */
    sw      t1, 0(t0)
    li      t1, 0x3333
    sw      t1, 8(t0)
    fence
    li      t0, 8
    la      t1, pt_l2
    beq     s8, t0, 2f
    la      t1, pt_l3
2:  srli    t1, t1, 12
    slli    t0, s8, 60
    or      t1, t1, t0
    csrw    satp, t1
    csrr    t2, satp
    li      gp, 97
    bne     t1, t2, fail                 /* the mode was not accepted */
    sfence.vma
    ret

/* The checks, run in S-mode; \base separates the Sv39 and Sv48 ids. */
.macro SUITE base
    sfence.vma
    li      s0, TEST_VA
    /* plain 4 KiB read */
    li      s1, TEST_VA + 0x1000
    ld      a0, 0(s1)
    CHECK_EQ(\base + 1, a0, 0x1111)
    /* store then load through a page with A/D clear: both become set */
    li      a1, 0xabc
    sd      a1, 0(s0)
    ld      a0, 0(s0)
    CHECK_EQ(\base + 2, a0, 0xabc)
    la      t0, pg_data
    ld      a0, 0(t0)
    CHECK_EQ(\base + 3, a0, 0xabc)       /* really landed in pg_data */
    la      t0, pt_l0
    ld      a0, 0(t0)
    andi    a0, a0, A | D
    CHECK_EQ(\base + 4, a0, A | D)
    /* load only: A set, D still clear */
    li      s1, TEST_VA + 0x5000
    ld      a0, 0(s1)
    CHECK_EQ(\base + 5, a0, 0x4444)
    la      t0, pt_l0
    ld      a0, 5 * 8(t0)
    andi    a0, a0, A | D
    CHECK_EQ(\base + 6, a0, A)
    /* megapage and gigapage */
    li      t0, MEGA_VA + 0x1234
    lw      a0, 0(t0)
    CHECK_EQ(\base + 7, a0, 0x5555)
    la      t0, pg_ro
    li      t1, GIGA_ALIAS
    add     t0, t0, t1
    ld      a0, 0(t0)
    CHECK_EQ(\base + 8, a0, 0x1111)
    /* faults: mtval is the virtual address */
    TRAP_RESET
    li      s1, TEST_VA + 0x1000
    sd      a1, 0(s1)               /* read-only page */
    CHECK_TRAP(\base + 10, CAUSE_STORE_PAGE)
    CHECK_TVAL(\base + 11, TEST_VA + 0x1000)
    TRAP_RESET
    li      s1, TEST_VA + 0x2008
    ld      a0, 0(s1)               /* invalid PTE */
    CHECK_TRAP(\base + 12, CAUSE_LOAD_PAGE)
    CHECK_TVAL(\base + 13, TEST_VA + 0x2008)
    TRAP_RESET
    li      s1, TEST_VA + 0x2010
    sd      a1, 0(s1)
    CHECK_TRAP(\base + 14, CAUSE_STORE_PAGE)
    CHECK_TVAL(\base + 15, TEST_VA + 0x2010)
    TRAP_RESET
    la      t0, pg_ro
    li      t1, GIGA_ALIAS
    add     t0, t0, t1
    sd      a1, 0(t0)                    /* the gigapage alias is read-only too */
    CHECK_TRAP(\base + 16, CAUSE_STORE_PAGE)
    /* U pages from S: SUM */
    li      t0, 1 << 18
    csrc    sstatus, t0
    TRAP_RESET
    li      s1, TEST_VA + 0x3000
    ld      a0, 0(s1)
    CHECK_TRAP(\base + 20, CAUSE_LOAD_PAGE)
    CHECK_TVAL(\base + 21, TEST_VA + 0x3000)
    /* S never executes from a U page (checked with SUM=0: QEMU 7.2 lets S fetch from U pages while SUM=1) */
    TRAP_RESET
    li      t0, TEST_VA + 0x3000
    jalr    ra, 0(t0)
    CHECK_TRAP(\base + 24, CAUSE_FETCH_PAGE)
    CHECK_TVAL(\base + 25, TEST_VA + 0x3000)
    li      t0, 1 << 18
    csrs    sstatus, t0
    TRAP_RESET
    li      s1, TEST_VA + 0x3000
    ld      a0, 0(s1)
    CHECK_NO_TRAP(\base + 22)
    CHECK_EQ(\base + 23, a0, 0x2222)
    li      t0, 1 << 18
    csrc    sstatus, t0
    /* MXR: execute-only page is readable only with MXR */
    TRAP_RESET
    li      s1, TEST_VA + 0x4008
    ld      a0, 0(s1)
    CHECK_TRAP(\base + 30, CAUSE_LOAD_PAGE)
    li      t0, 1 << 19
    csrs    sstatus, t0
    TRAP_RESET
    li      s1, TEST_VA + 0x4008
    ld      a0, 0(s1)
    CHECK_NO_TRAP(\base + 31)
    CHECK_EQ(\base + 32, a0, 0x3333)
    li      t0, 1 << 19
    csrc    sstatus, t0
    TRAP_RESET
    li      t0, TEST_VA + 0x4000
    jalr    ra, 0(t0)                    /* and executable: the ret there brings us back */
    CHECK_NO_TRAP(\base + 33)
    /* fetch from a readable, non-executable page */
    TRAP_RESET
    li      t0, TEST_VA + 0x1000
    jalr    ra, 0(t0)
    CHECK_TRAP(\base + 34, CAUSE_FETCH_PAGE)
    CHECK_TVAL(\base + 35, TEST_VA + 0x1000)
    /* sfence.vma after retargeting a PTE */
    li      s1, TEST_VA + 0x6000
    ld      a0, 0(s1)
    CHECK_EQ(\base + 40, a0, 0xb1)
    la      t0, pg_b2
    srli    t0, t0, 12
    slli    t0, t0, 10
    ori     t0, t0, V | R | A
    la      t1, pt_l0
    sd      t0, 6 * 8(t1)
    li      t0, TEST_VA + 0x6000
    sfence.vma t0, zero
    li      s1, TEST_VA + 0x6000
    ld      a0, 0(s1)
    CHECK_EQ(\base + 41, a0, 0xb2)
.endm

s_suite_sv39:
    SUITE 0
    /* 512 GiB is not a canonical Sv39 address */
    TRAP_RESET
    la      t0, pg_ro
    li      t1, SV48_VA - 0x80000000
    add     t0, t0, t1
    ld      a0, 0(t0)
    CHECK_TRAP(50, CAUSE_LOAD_PAGE)
    ecall

s_suite_sv48:
    SUITE 100
    TRAP_RESET
    la      t0, pg_ro
    li      t1, SV48_VA - 0x80000000
    add     t0, t0, t1
    ld      a0, 0(t0)
    CHECK_NO_TRAP(150)
    CHECK_EQ(151, a0, 0x1111)
    ecall

    .bss
    .align  12
pt_start:
pt_l3:    .space 4096
pt_l2:    .space 4096
pt_l2b:   .space 4096
pt_l1:    .space 4096
pt_l0:    .space 4096
pg_data:  .space 4096
pg_ro:    .space 4096
pg_user:  .space 4096
pg_xonly: .space 4096
pg_aonly: .space 4096
pg_b1:    .space 4096
pg_b2:    .space 4096
pt_end:
