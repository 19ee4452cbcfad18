/* uart.h: polled NS16550A output (UART0) with a spinlock so whole lines from different harts never interleave. */
#ifndef UART_H
#define UART_H
#include <stdint.h>

void uart_init(void);
void uart_putc(char c);
void uart_puts(const char *s);
void uart_putdec(uint64_t v);
void uart_puthex(uint64_t v);
int uart_getc(void);                 /* -1 when the receive FIFO is empty */
void console_lock(void);
void console_unlock(void);

#endif
