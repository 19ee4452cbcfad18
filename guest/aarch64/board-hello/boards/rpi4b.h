/* rpi4b: the workbench's Raspberry Pi 4 (src/boards/aarch64/rpi4b.ts; hvisor has no rpi4b): the BCM2711's
 * PL011 UART0 on SPI 121, its GIC-400, and the root kernel at 0x00200000. */
#define BOARD_NAME "rpi4b"
#define BOARD_UART "uart-pl011.h"
#define BOARD_GIC "gic-v2.h"
#define UART 0xfe201000ul
#define UART_INTID (32 + 121)
#define GICD 0xff841000ul
#define GICC 0xff842000ul
#define CPU_COUNT 4
#define MPIDR_OF(n) ((uint64_t)(n))
