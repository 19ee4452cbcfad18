# common.S: console routines the zones programs share (appended to each program by guest/loongarch64/build.ts).
# $s1 holds UART0's address (0x1fe001e0, NS16550A byte registers); every zone passes that page through,
# as hvisor's shipped loongarch64 zone configs do.

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

# Writes $a0 as 0x followed by its hex digits (no leading zeros).
puthex:
    addi.d $sp, $sp, -32
    st.d $ra, $sp, 0
    st.d $s2, $sp, 8
    st.d $s3, $sp, 16
    move $s2, $a0
    li.w $a0, 48
    bl putc
    li.w $a0, 120
    bl putc
    li.w $s3, 60
puthex_skip:
    beqz $s3, puthex_digit     # the last digit is always written
    srl.d $t0, $s2, $s3
    andi $t0, $t0, 15
    bnez $t0, puthex_digit
    addi.d $s3, $s3, -4
    b puthex_skip
puthex_digit:
    srl.d $t0, $s2, $s3
    andi $t0, $t0, 15
    addi.d $a0, $t0, 48
    li.w $t1, 58
    blt $a0, $t1, puthex_put
    addi.d $a0, $a0, 39        # 'a' - '0' - 10
puthex_put:
    bl putc
    beqz $s3, puthex_done
    addi.d $s3, $s3, -4
    b puthex_digit
puthex_done:
    ld.d $ra, $sp, 0
    ld.d $s2, $sp, 8
    ld.d $s3, $sp, 16
    addi.d $sp, $sp, 32
    ret

# Writes $a0 as a signed decimal number.
putdec:
    addi.d $sp, $sp, -48
    st.d $ra, $sp, 0
    st.d $s2, $sp, 8
    move $s2, $a0
    bge $s2, $zero, putdec_positive
    li.w $a0, 45               # '-'
    bl putc
    sub.d $s2, $zero, $s2
putdec_positive:
    addi.d $t1, $sp, 47        # digits are built backwards from the end of the frame
    st.b $zero, $t1, 0
    li.w $t2, 10
putdec_loop:
    mod.du $t0, $s2, $t2
    div.du $s2, $s2, $t2
    addi.d $t0, $t0, 48
    addi.d $t1, $t1, -1
    st.b $t0, $t1, 0
    bnez $s2, putdec_loop
    move $a0, $t1
    bl puts
    ld.d $ra, $sp, 0
    ld.d $s2, $sp, 8
    addi.d $sp, $sp, 48
    ret

# Busy-waits $a0 ticks of the stable counter (100 MHz on the 3A5000).
delay:
    rdtime.d $t0, $zero
    add.d $t1, $t0, $a0
delay_loop:
    rdtime.d $t0, $zero
    blt $t0, $t1, delay_loop
    ret

# Writes this CPU's number (CSR CPUID).
putcpu:
    addi.d $sp, $sp, -16
    st.d $ra, $sp, 0
    csrrd $a0, 0x20
    andi $a0, $a0, 0x1ff
    bl putdec
    ld.d $ra, $sp, 0
    addi.d $sp, $sp, 16
    ret

crlf:
    .asciz "\r\n"
