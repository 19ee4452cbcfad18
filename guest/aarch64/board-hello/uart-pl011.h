/* uart-pl011.h: the Arm PL011 (UARTDR, UARTFR's TXFF/RXFE, the RX and receive-timeout interrupts). */
#define UART_DR 0x000
#define UART_FR 0x018
#define UART_IMSC 0x038
#define UART_ICR 0x044
#define FR_RXFE 0x10
#define FR_TXFF 0x20
#define INT_RX 0x10
#define INT_RT 0x40

static void uart_putc(char c) {
    while (r32(UART + UART_FR) & FR_TXFF) { }
    w32(UART + UART_DR, (uint8_t)c);
}
static int uart_rx_ready(void) { return !(r32(UART + UART_FR) & FR_RXFE); }
static char uart_getc(void) { return (char)r32(UART + UART_DR); }
static void uart_rx_irq_enable(void) {
    w32(UART + UART_ICR, 0x7ff);
    w32(UART + UART_IMSC, INT_RX | INT_RT);
}
static void uart_rx_irq_ack(void) { w32(UART + UART_ICR, INT_RX | INT_RT); }
