# zone-u.S: zoneU of examples/loongarch64-zones, a well-behaved zone on CPU 1. The root program copies
# it to 0xc000_0000 and starts it with hypercall 2; hvisor enters it at the config's entry_point, the
# DMW-style address 0x9000_0000_c000_0000, in direct address mode (where only the physical bits count).
# It prints where it runs, reads the CPU name through its IOCSR window (allowed: hvisor's 0x1fe0_0000
# handler passes it to the hardware) and then sleeps in IDLE with HWI2 and HWI3 enabled in ECFG.LIE (the
# lines hvisor's inject_irq raises for IRQs 4 and 5), saying when an injection wakes it and when it clears.

.equ UART, 0x1fe001e0

_start:
    la.pcrel $sp, stack_top
    li.w $s1, UART
    la.pcrel $a0, s_up
    bl puts
    bl putcpu
    la.pcrel $a0, s_pc
    bl puts
    pcaddu12i $a0, 0
    bl puthex
    la.pcrel $a0, s_mode
    bl puts
    csrrd $a0, 0x0             # CRMD
    bl puthex
    la.pcrel $a0, crlf
    bl puts
    li.w $t0, 0x20             # IOCSR CPUNAME
    iocsrrd.d $s2, $t0
    la.pcrel $a0, s_name
    bl puts
name_loop:
    andi $a0, $s2, 0xff
    beqz $a0, name_done
    bl putc
    srli.d $s2, $s2, 8
    bnez $s2, name_loop
name_done:
    la.pcrel $a0, crlf
    bl puts
    # An IPI to CPU 0, which this zone's only CPU believes it is (hvisor's GCSR CPUID 0): it comes back here.
    li.w $t0, 1
    li.w $t1, 0x1004           # IPI_EN: vector 0
    iocsrwr.w $t0, $t1
    li.w $t0, 0                # IPI_SEND: CPU 0, vector 0
    li.w $t1, 0x1040
    iocsrwr.w $t0, $t1
    li.w $t1, 0x1000           # IPI_STATUS
    iocsrrd.w $s2, $t1
    li.w $t1, 0x100c           # IPI_CLEAR
    iocsrwr.w $s2, $t1
    la.pcrel $a0, s_ipi
    bl puts
    move $a0, $s2
    bl puthex
    la.pcrel $a0, s_idle
    bl puts
    li.w $t0, 0x30
    csrwr $t0, 0x4             # ECFG.LIE = HWI2 | HWI3: the lines hvisor injects virtio's IRQs 4 and 5 on
park:
    idle 0                     # wakes on ESTAT.IS & LIE (CRMD.IE stays 0: no exception is taken)
    csrrd $s2, 0x5             # ESTAT
    andi $s2, $s2, 0x30
    beqz $s2, park
    la.pcrel $a0, s_woken
    bl puts
    move $a0, $s2
    bl puthex
    la.pcrel $a0, crlf
    bl puts
held:
    csrrd $t0, 0x5             # hvisor holds an injected HWI until its next host timer tick
    andi $t0, $t0, 0x30
    bnez $t0, held
    la.pcrel $a0, s_cleared
    bl puts
    b park

s_up:
    .asciz "zoneU: CPU "
s_pc:
    .asciz " up at pc "
s_mode:
    .asciz ", CRMD "
s_name:
    .asciz "zoneU: IOCSR CPU name: "
s_ipi:
    .asciz "zoneU: IPI to CPU 0 (itself) -> IPI_STATUS "
s_idle:
    .asciz "\r\nzoneU: done, idle\r\n"
s_woken:
    .asciz "zoneU: woken by an injected interrupt, ESTAT.IS & LIE "
s_cleared:
    .asciz "zoneU: the injected interrupt was cleared\r\n"
    .align 3
