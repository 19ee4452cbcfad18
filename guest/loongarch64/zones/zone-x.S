# zone-x.S: zoneX of examples/loongarch64-zones (CPU 2): reads IOCSR 0x4000, outside the zone's IOCSR
# window (hvisor's 0x1fe0_0000 + 0x3000 MMIO handler; hvisor itself would panic). The workbench stops
# zoneX alone with a report naming the pc and the encoding; the root and zoneU go on.

.equ UART, 0x1fe001e0

_start:
    la.pcrel $sp, stack_top
    li.w $s1, UART
    la.pcrel $a0, s_up
    bl puts
    bl putcpu
    la.pcrel $a0, s_try
    bl puts
    li.w $t0, 0x4000
    iocsrrd.w $a0, $t0
    la.pcrel $a0, s_after
    bl puts
park:
    idle 0
    b park

s_up:
    .asciz "zoneX: CPU "
s_try:
    .asciz " up; reading IOCSR 0x4000, outside the zone\r\n"
s_after:
    .asciz "zoneX: still running (must not happen)\r\n"
    .align 3
