# zone_list for the loongarch64 root programs (zones/root.S, virtio/root.S): hypercall 4 (hvisor's
# zone_list) into zone_infos, then one line per zone: id, CPU mask, name and running/error.
# Uses puts, putdec and puthex (zones/common.S).

# Hypercall 4 into zone_infos (16 entries of 56 bytes) and one line per zone.
zone_list:
    addi.d $sp, $sp, -32
    st.d $ra, $sp, 0
    st.d $s2, $sp, 8
    st.d $s3, $sp, 16
    li.w $a0, 4
    la.pcrel $a1, zone_infos
    li.w $a2, 16
    hvcl 0
    move $s2, $a0
    la.pcrel $a0, s_list
    bl puts
    move $a0, $s2
    bl putdec
    la.pcrel $a0, crlf
    bl puts
    la.pcrel $s3, zone_infos
list_loop:
    bge $zero, $s2, list_done
    la.pcrel $a0, s_zone
    bl puts
    ld.wu $a0, $s3, 0
    bl putdec
    la.pcrel $a0, s_cpus
    bl puts
    ld.d $a0, $s3, 8
    bl puthex
    la.pcrel $a0, s_space
    bl puts
    addi.d $a0, $s3, 16
    bl puts
    ld.bu $t0, $s3, 48
    la.pcrel $a0, s_running
    beqz $t0, list_status
    la.pcrel $a0, s_error
list_status:
    bl puts
    addi.d $s3, $s3, 56
    addi.d $s2, $s2, -1
    b list_loop
list_done:
    ld.d $ra, $sp, 0
    ld.d $s2, $sp, 8
    ld.d $s3, $sp, 16
    addi.d $sp, $sp, 32
    ret

s_list:
    .asciz "root: zone list: hypercall 4 -> "
s_zone:
    .asciz "  zone "
s_cpus:
    .asciz " cpus "
s_space:
    .asciz " "
s_running:
    .asciz " running\r\n"
s_error:
    .asciz " error\r\n"
    .align 3
zone_infos:
    .space 896
