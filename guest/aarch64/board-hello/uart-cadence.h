/* uart-cadence.h: the Cadence UART as xilinx_uartps.c drives it: SR.TXFULL before the FIFO port,
 * SR.RXEMPTY, the RX trigger (RXWM = 1) and receive timeout interrupts, acknowledged by writing ISR back. */
#define CR 0x00
#define IER 0x08
#define ISR 0x14
#define RXWM 0x20
#define SR 0x2c
#define FIFO 0x30
#define CR_RXRST 0x01
#define CR_TXRST 0x02
#define CR_RX_EN 0x04
#define CR_TX_EN 0x10
#define CR_STOPBRK 0x100
#define INT_RXTRIG 0x001
#define INT_TOUT 0x100
#define SR_RXEMPTY 0x02
#define SR_TXFULL 0x10

static void uart_putc(char c) {
    while (r32(UART + SR) & SR_TXFULL) { }
    w32(UART + FIFO, (uint8_t)c);
}
static int uart_rx_ready(void) { return !(r32(UART + SR) & SR_RXEMPTY); }
static char uart_getc(void) { return (char)r32(UART + FIFO); }
static void uart_rx_irq_enable(void) {
    w32(UART + CR, CR_RXRST | CR_RX_EN | CR_TX_EN | CR_STOPBRK);
    w32(UART + RXWM, 1);
    w32(UART + ISR, 0x1fff);
    w32(UART + IER, INT_RXTRIG | INT_TOUT);
}
static void uart_rx_irq_ack(void) { w32(UART + ISR, r32(UART + ISR)); }
