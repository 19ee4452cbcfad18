/* zcu102: hvisor platform/aarch64/zcu102/board.rs (UART0 :28, MPIDRs :31-36, root kernel 0x00200000 :49,
 * GICD and GICC + gicc_offset :126-130) and zone0.dts:134 (UART0 on SPI 21). */
#define BOARD_NAME "zcu102"
#define BOARD_UART "uart-cadence.h"
#define BOARD_GIC "gic-v2.h"
#define UART 0xff000000ul
#define UART_INTID (32 + 21)
#define GICD 0xf9010000ul
#define GICC (0xf9020000ul + 0xf000ul)
#define CPU_COUNT 4
#define MPIDR_OF(n) ((uint64_t)(n))
