/* uart-dw.h: the DesignWare APB UART as 8250_dw.c drives it: a 16550 with its registers 4 bytes apart
 * (reg-shift 2, 32-bit accesses), LSR.THRE before THR, LSR.DR, the received-data interrupt (IER.ERBFI)
 * with the FIFOs on at a 1-byte trigger; reading RBR acknowledges it. */
#define RBR_THR (0 << 2)
#define IER (1 << 2)
#define FCR (2 << 2)
#define LCR (3 << 2)
#define MCR (4 << 2)
#define LSR (5 << 2)
#define LSR_DR 0x01
#define LSR_THRE 0x20

static void uart_putc(char c) {
    while (!(r32(UART + LSR) & LSR_THRE)) { }
    w32(UART + RBR_THR, (uint8_t)c);
}
static int uart_rx_ready(void) { return r32(UART + LSR) & LSR_DR; }
static char uart_getc(void) { return (char)r32(UART + RBR_THR); }
static void uart_rx_irq_enable(void) {
    w32(UART + LCR, 0x03);          /* 8N1, DLAB off */
    w32(UART + FCR, 0x07);          /* FIFOs on and cleared, RX trigger 1 byte */
    w32(UART + MCR, 0x08);          /* OUT2 */
    w32(UART + IER, 0x01);          /* ERBFI */
}
static void uart_rx_irq_ack(void) { }
