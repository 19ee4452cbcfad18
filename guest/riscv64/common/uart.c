/* uart.c: polled NS16550A (UART0) driver for the C guest programs, plus the console spinlock.
 * The lock is a plain amoswap.w.aq / amoswap.w.rl word because these programs have no libc and
 * must work with or without paging; harts spin with a pause-free loop only for the length of one line. */
#include "platform.h"
#include "uart.h"

#define REG(off) (*(volatile uint8_t *)(uintptr_t)(UART0 + (off)))

static volatile uint32_t console_word;

void uart_init(void)
{
    uint32_t divisor = UART_CLOCK / (16 * 115200);   /* = 2 at 3.6864 MHz */
    REG(UART_IER) = 0;
    REG(UART_LCR) = 0x80;                            /* DLAB: expose the divisor latch */
    REG(0) = divisor & 0xff;
    REG(1) = divisor >> 8;
    REG(UART_LCR) = 0x03;                            /* 8N1 */
    REG(UART_FCR) = 0x07;                            /* FIFOs on and cleared */
    REG(UART_MCR) = 0x0b;                            /* DTR, RTS, OUT2 (gates the IRQ line on a real 16550) */
}

/* The UART helpers in crt-m.S share these names; C programs link only one of the two. */
void uart_putc(char c)
{
    while (!(REG(UART_LSR) & UART_LSR_THRE))
        ;
    REG(UART_THR) = (uint8_t)c;
}

void uart_puts(const char *s)
{
    while (*s)
        uart_putc(*s++);
}

void uart_putdec(uint64_t v)
{
    char buf[21];
    int i = 0;
    do {
        buf[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (i)
        uart_putc(buf[--i]);
}

void uart_puthex(uint64_t v)
{
    uart_puts("0x");
    for (int shift = 60; shift >= 0; shift -= 4)
        uart_putc("0123456789abcdef"[(v >> shift) & 0xf]);
}

int uart_getc(void)
{
    if (!(REG(UART_LSR) & UART_LSR_DR))
        return -1;
    return REG(UART_RBR);
}

void console_lock(void)
{
    uint32_t old;
    do {
        __asm__ volatile("amoswap.w.aq %0, %1, (%2)" : "=r"(old) : "r"(1), "r"(&console_word) : "memory");
    } while (old);
}

void console_unlock(void)
{
    __asm__ volatile("amoswap.w.rl zero, zero, (%0)" : : "r"(&console_word) : "memory");
}
