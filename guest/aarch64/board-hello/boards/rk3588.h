/* rk3588: hvisor platform/aarch64/rk3588/board.rs (UART2 :38, MPIDRs in Aff1 :41-50, root kernel 0x09400000
 * :64, GICD/GICR :185-188) and zone0.dts:1560 (UART2 on SPI 333). */
#define BOARD_NAME "rk3588"
#define BOARD_UART "uart-dw.h"
#define BOARD_GIC "gic-v3.h"
#define UART 0xfeb50000ul
#define UART_INTID (32 + 333)
#define GICD 0xfe600000ul
#define GICR 0xfe680000ul
#define CPU_COUNT 8
#define MPIDR_OF(n) ((uint64_t)(n) << 8)
