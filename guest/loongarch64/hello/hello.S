# hello: the loongarch64 hello layout's guest (examples/loongarch64-hello) on the ls3a5000 board.
#
# Every CPU starts here in PLV0 and direct address mode, as firmware starts on a 3A5000. CPU 0 sets up
# UART0 and prints its hello line, then passes a baton around the CPUs with IOCSR IPIs: each secondary
# sleeps in IDLE with only the IPI line enabled (ECFG.LIE, IOCSR IPI_EN; CRMD.IE stays 0, so IDLE wakes
# without taking an interrupt), prints its line and sends the IPI to the next CPU. When the last CPU's
# IPI comes back, CPU 0 routes UART0's receive interrupt through the LIOINTC (input 10, core 0, INT0 =
# HWI0), prints "echo> " and echoes what it receives, sleeping in IDLE between characters.
#
# Assembled by the workbench's own LA64 assembler (scripts/build-guests-loongarch64.mjs).

.equ UART, 0x1fe001e0          # NS16550A, byte registers
.equ LIOINTC, 0x1fe01400
.equ NCPUS, 4
.equ IPI_STATUS, 0x1000
.equ IPI_EN, 0x1004
.equ IPI_CLEAR, 0x100c
.equ IPI_SEND, 0x1040

_start:
    csrrd $s0, 0x20            # CPUID
    andi $s0, $s0, 0x1ff
    la.pcrel $sp, stack_top
    slli.d $t0, $s0, 12        # 4 KiB of stack per CPU
    sub.d $sp, $sp, $t0
    bnez $s0, secondary

    li.w $s1, UART
    li.w $t0, 0x03
    st.b $t0, $s1, 3           # LCR: 8N1
    li.w $t0, 0x07
    st.b $t0, $s1, 2           # FCR: FIFOs on and cleared
    st.b $zero, $s1, 1         # IER: no interrupts yet
    bl say_hello
    li.w $a0, 1
    bl send_ipi
    bl wait_ipi                # the baton comes back from the last CPU

    # UART0 receive interrupt -> LIOINTC input 10 -> core 0, INT0 (the CPU's HWI0).
    li.w $t0, LIOINTC
    li.w $t1, 0x11
    st.b $t1, $t0, 10          # route of input 10: core 0, INT0
    li.w $t1, 0x400
    st.w $t1, $t0, 0x28        # IEN_SET: input 10
    li.w $t0, 0x4
    csrwr $t0, 0x4             # ECFG.LIE = HWI0 only
    li.w $t0, 1
    st.b $t0, $s1, 1           # IER: received data available
    la.pcrel $a0, prompt
    bl puts

echo_wait:
    ld.bu $t0, $s1, 5          # LSR
    andi $t0, $t0, 1           # DR
    bnez $t0, echo_char
    idle 0
    b echo_wait
echo_char:
    ld.bu $a0, $s1, 0          # RBR
    li.w $t1, 13
    beq $a0, $t1, echo_line
    bl putc
    b echo_wait
echo_line:
    la.pcrel $a0, newline_prompt
    bl puts
    b echo_wait

secondary:
    li.w $s1, UART
    bl wait_ipi
    bl say_hello
    addi.d $a0, $s0, 1
    li.w $t0, NCPUS
    bne $a0, $t0, pass_on
    move $a0, $zero
pass_on:
    bl send_ipi
park:
    idle 0
    b park

# Prints "Hello from loongarch64 CPU <s0>".
say_hello:
    addi.d $sp, $sp, -16
    st.d $ra, $sp, 0
    la.pcrel $a0, hello
    bl puts
    addi.d $a0, $s0, 48
    bl putc
    la.pcrel $a0, newline
    bl puts
    ld.d $ra, $sp, 0
    addi.d $sp, $sp, 16
    ret

# Sleeps until an IPI arrives (IDLE wakes on ESTAT.IS & ECFG.LIE), then clears it.
wait_ipi:
    li.w $t0, 1
    li.w $t1, IPI_EN
    iocsrwr.w $t0, $t1         # IPI vector 0 enabled
    li.w $t0, 0x1000
    csrwr $t0, 0x4             # ECFG.LIE = IPI only
    li.w $t1, IPI_STATUS
wait_ipi_loop:
    iocsrrd.w $t0, $t1
    bnez $t0, wait_ipi_done
    idle 0
    b wait_ipi_loop
wait_ipi_done:
    li.w $t1, IPI_CLEAR
    iocsrwr.w $t0, $t1
    ret

# Sends IPI vector 0 to CPU $a0.
send_ipi:
    slli.d $t0, $a0, 16
    li.w $t1, IPI_SEND
    iocsrwr.w $t0, $t1
    ret

# Writes the NUL-terminated string at $a0.
puts:
    ld.bu $t2, $a0, 0
    beqz $t2, puts_done
puts_wait:
    ld.bu $t3, $s1, 5          # LSR
    andi $t3, $t3, 0x20        # THRE
    beqz $t3, puts_wait
    st.b $t2, $s1, 0
    addi.d $a0, $a0, 1
    b puts
puts_done:
    ret

# Writes the byte in $a0.
putc:
    ld.bu $t3, $s1, 5
    andi $t3, $t3, 0x20
    beqz $t3, putc
    st.b $a0, $s1, 0
    ret

hello:
    .asciz "Hello from loongarch64 CPU "
newline:
    .asciz "\r\n"
prompt:
    .asciz "echo> "
newline_prompt:
    .asciz "\r\necho> "
    .align 12
    .space 0x4000
stack_top:
