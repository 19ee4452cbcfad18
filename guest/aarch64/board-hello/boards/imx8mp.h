/* imx8mp: hvisor platform/aarch64/imx8mp/board.rs (UART2 :27, GICD/GICR :121-124, MPIDRs :30-35,
 * root kernel 0xa0400000 :48) and zone0.dts:1274 (UART2 on SPI 27). */
#define BOARD_NAME "imx8mp"
#define BOARD_UART "uart-imx.h"
#define BOARD_GIC "gic-v3.h"
#define UART 0x30890000ul
#define UART_INTID (32 + 27)
#define GICD 0x38800000ul
#define GICR 0x38880000ul
#define CPU_COUNT 4
#define MPIDR_OF(n) ((uint64_t)(n))
