/* platform.h: the QEMU virt (aclint=on) physical map that hvisor's riscv64 qemu-plic board assumes.
 * Shared by assembly (.S) and C sources, so only #defines live here. */
#ifndef PLATFORM_H
#define PLATFORM_H

#define RAM_BASE        0x80000000
#define SIFIVE_TEST     0x00100000   /* write 0x5555 = pass/power off, (code<<16)|0x3333 = fail */
#define ACLINT_MSWI     0x02000000   /* msip[hart] at +4*hart */
#define ACLINT_MTIMER   0x02004000   /* mtimecmp[hart] at +8*hart */
#define ACLINT_MTIME    0x0200bff8
#define ACLINT_SSWI     0x02f00000   /* setssip[hart] at +4*hart */
#define PLIC_BASE       0x0c000000
#define PLIC_PRIORITY(src)      (PLIC_BASE + 4 * (src))
#define PLIC_PENDING            (PLIC_BASE + 0x1000)
#define PLIC_ENABLE(ctx)        (PLIC_BASE + 0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx)     (PLIC_BASE + 0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)         (PLIC_BASE + 0x200004 + 0x1000 * (ctx))
#define UART0           0x10000000
#define UART0_IRQ       10
#define UART_CLOCK      3686400
#define TIMEBASE_HZ     10000000
#define MAX_HARTS       8

/* NS16550A register offsets (DLAB = 0) */
#define UART_RBR 0
#define UART_THR 0
#define UART_IER 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_DR   0x01
#define UART_LSR_THRE 0x20

#define SBI_EXT_HSM 0x48534D

#endif
