/* uart-imx.h: the i.MX UART as imx.c drives it: UTS.TXFULL before UTXD, UTS.RXEMPTY and URXD, the RX ready
 * interrupt (UCR1.RRDYEN at UFCR.RXTL = 1 byte) and the aging timer (UCR2.ATEN, acknowledged in USR1). */
#define URXD 0x00
#define UTXD 0x40
#define UCR1 0x80
#define UCR2 0x84
#define UFCR 0x90
#define USR1 0x94
#define UTS 0xb4
#define UCR1_UARTEN (1u << 0)
#define UCR1_RRDYEN (1u << 9)
#define UCR2_SRST (1u << 0)
#define UCR2_RXEN (1u << 1)
#define UCR2_TXEN (1u << 2)
#define UCR2_ATEN (1u << 3)
#define UCR2_WS (1u << 5)
#define UCR2_IRTS (1u << 14)
#define USR1_AGTIM (1u << 8)
#define UTS_TXFULL (1u << 4)
#define UTS_RXEMPTY (1u << 5)

static void uart_putc(char c) {
    while (r32(UART + UTS) & UTS_TXFULL) { }
    w32(UART + UTXD, (uint8_t)c);
}
static int uart_rx_ready(void) { return !(r32(UART + UTS) & UTS_RXEMPTY); }
static char uart_getc(void) { return (char)(r32(UART + URXD) & 0xff); }
static void uart_rx_irq_enable(void) {
    /* RXTL = 1 (bits 5:0), TXTL = 2 (bits 15:10), RFDIV /2 (bits 9:7 = 4). */
    w32(UART + UFCR, (2u << 10) | (4u << 7) | 1u);
    w32(UART + UCR2, UCR2_SRST | UCR2_RXEN | UCR2_TXEN | UCR2_ATEN | UCR2_WS | UCR2_IRTS);
    w32(UART + UCR1, UCR1_UARTEN | UCR1_RRDYEN);
}
static void uart_rx_irq_ack(void) { w32(UART + USR1, USR1_AGTIM); }
