/* echo.c: the parts of hello shared by the S-mode and M-mode variants: the per-hart hello line and the
 * interrupt-driven echo console (UART0 receive interrupt -> PLIC source 10 -> one PLIC context). */
#include "platform.h"
#include "uart.h"
#include "echo.h"

#define MMIO32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define MMIO8(addr)  (*(volatile uint8_t *)(uintptr_t)(addr))

void hello_line(uint64_t hartid)
{
    console_lock();
    uart_puts("Hello from riscv64 hart ");
    uart_putdec(hartid);
    uart_puts("\r\n");
    console_unlock();
}

void echo_start(unsigned context)
{
    /* Route source 10 to exactly this context: priority 1 beats threshold 0. */
    MMIO32(PLIC_PRIORITY(UART0_IRQ)) = 1;
    MMIO32(PLIC_ENABLE(context) + 4 * (UART0_IRQ / 32)) |= 1u << (UART0_IRQ % 32);
    MMIO32(PLIC_THRESHOLD(context)) = 0;
    while (uart_getc() >= 0)                 /* drop anything typed before the prompt */
        ;
    console_lock();
    uart_puts("echo> ");
    console_unlock();
    MMIO8(UART0 + UART_IER) = 0x01;          /* ERBFI: interrupt when received data is available */
}

void echo_interrupt(unsigned context)
{
    uint32_t source;
    while ((source = MMIO32(PLIC_CLAIM(context))) != 0) {
        if (source == UART0_IRQ) {
            int c;
            console_lock();
            while ((c = uart_getc()) >= 0) {
                if (c == '\r')
                    uart_putc('\r'), c = '\n';   /* terminals send CR for Enter: echo CR LF */
                uart_putc((char)c);
            }
            console_unlock();
        }
        MMIO32(PLIC_CLAIM(context)) = source;    /* complete */
    }
}
