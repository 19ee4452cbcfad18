# zone-y.S: zoneY of examples/loongarch64-zones (CPU 3): stores to guest-physical 0x8000_0000, which no
# memory region of the zone maps. The stage-2 walk fails (hvisor: a PIS exception with no MMIO handler);
# the workbench stops zoneY alone with a report naming the pc, the encoding and the address.

.equ UART, 0x1fe001e0

_start:
    la.pcrel $sp, stack_top
    li.w $s1, UART
    la.pcrel $a0, s_up
    bl puts
    bl putcpu
    la.pcrel $a0, s_try
    bl puts
    li.d $t0, 0x80000000
    li.w $t1, 0x1234
    st.w $t1, $t0, 0
    la.pcrel $a0, s_after
    bl puts
park:
    idle 0
    b park

s_up:
    .asciz "zoneY: CPU "
s_try:
    .asciz " up; storing to guest-physical 0x80000000, outside the zone\r\n"
s_after:
    .asciz "zoneY: still running (must not happen)\r\n"
    .align 3
