# root.S: the root zone program of examples/loongarch64-zones (CPU 0, loaded at 0x20_0000, board.rs's
# ROOT_ZONE_KERNEL_ADDR). It does what hvisor-tool does from the root's Linux, with hvisor's loongarch64
# hypercall ABI (HVCL, code in a0, arguments in a1/a2, result in a0; trap.rs handle_hvc):
#   - hypercall 6 (config check): the HvZoneConfig magic,
#   - copies each zone's image into the zone's RAM (inside the root's own RAM, as hvisor's layouts do),
#   - hypercall 2 (zone start) with zoneU's 3056-byte HvZoneConfig (CPU 1),
#   - hypercall 4 (zone list) and prints the zones,
# then takes single keys on UART0: l = zone list, x = shut zone 1 down (hypercall 3), s = start zoneU
# again, i = start zoneX (CPU 2, which then reads IOCSR outside its window), m = start zoneY (CPU 3,
# which then stores outside its RAM), h = help. The images and configs are appended by guest/loongarch64/build.ts (labels
# zone_u_image/_end, zone_u_config, likewise x and y; configs encoded from examples/loongarch64-zones).

.equ UART, 0x1fe001e0
.equ CONFIG_SIZE, 3056
.equ WAIT, 50000000            # 0.5 s of the 100 MHz stable counter: a zone prints before the next line

_start:
    la.pcrel $sp, stack_top
    li.w $s1, UART
    li.w $t0, 0x03
    st.b $t0, $s1, 3           # LCR: 8N1
    li.w $t0, 0x07
    st.b $t0, $s1, 2           # FCR: FIFOs on and cleared
    st.b $zero, $s1, 1         # IER: polled
    la.pcrel $a0, s_banner
    bl puts

    # hypercall 6: config check, the magic written at a1.
    li.w $a0, 6
    la.pcrel $a1, magic
    move $a2, $zero
    hvcl 0
    move $s2, $a0
    la.pcrel $a0, s_check
    bl puts
    move $a0, $s2
    bl putdec
    la.pcrel $a0, s_magic
    bl puts
    la.pcrel $t0, magic
    ld.d $a0, $t0, 0
    bl puthex
    la.pcrel $a0, crlf
    bl puts

    bl start_u
    li.d $a0, WAIT
    bl delay
    bl zone_list
    bl help

keys:
    la.pcrel $a0, s_prompt
    bl puts
key_wait:
    ld.bu $t0, $s1, 5          # LSR.DR
    andi $t0, $t0, 1
    beqz $t0, key_wait
    ld.bu $s2, $s1, 0
    move $a0, $s2
    bl putc
    la.pcrel $a0, crlf
    bl puts
    li.w $t0, 108              # l
    beq $s2, $t0, key_l
    li.w $t0, 120              # x
    beq $s2, $t0, key_x
    li.w $t0, 115              # s
    beq $s2, $t0, key_s
    li.w $t0, 105              # i
    beq $s2, $t0, key_i
    li.w $t0, 109              # m
    beq $s2, $t0, key_m
    bl help
    b keys
key_l:
    bl zone_list
    b keys
key_x:
    li.w $a0, 3
    li.w $a1, 1
    hvcl 0
    move $s2, $a0
    la.pcrel $a0, s_shutdown
    bl puts
    move $a0, $s2
    bl putdec
    la.pcrel $a0, crlf
    bl puts
    b keys
key_s:
    bl start_u
    li.d $a0, WAIT
    bl delay
    b keys

key_i:
    la.pcrel $a0, zone_x_image
    la.pcrel $a1, zone_x_image_end
    li.d $a2, 0xc1000000
    la.pcrel $a3, zone_x_config
    la.pcrel $a4, s_zonex
    bl start_zone
    li.d $a0, WAIT
    bl delay
    b keys
key_m:
    la.pcrel $a0, zone_y_image
    la.pcrel $a1, zone_y_image_end
    li.d $a2, 0xc2000000
    la.pcrel $a3, zone_y_config
    la.pcrel $a4, s_zoney
    bl start_zone
    li.d $a0, WAIT
    bl delay
    b keys

start_u:
    addi.d $sp, $sp, -16
    st.d $ra, $sp, 0
    la.pcrel $a0, zone_u_image
    la.pcrel $a1, zone_u_image_end
    li.d $a2, 0xc0000000
    la.pcrel $a3, zone_u_config
    la.pcrel $a4, s_zoneu
    bl start_zone
    ld.d $ra, $sp, 0
    addi.d $sp, $sp, 16
    ret

# Copies [a0, a1) to a2, then hypercall 2 with the config at a3; a4 names the zone.
start_zone:
    addi.d $sp, $sp, -48
    st.d $ra, $sp, 0
    st.d $s2, $sp, 8
    st.d $s3, $sp, 16
    st.d $s4, $sp, 24
    move $s3, $a3
    move $s4, $a4
    sub.d $s2, $a1, $a0
copy:
    beq $a0, $a1, copied
    ld.bu $t0, $a0, 0
    st.b $t0, $a2, 0
    addi.d $a0, $a0, 1
    addi.d $a2, $a2, 1
    b copy
copied:
    la.pcrel $a0, s_start
    bl puts
    move $a0, $s4
    bl puts
    la.pcrel $a0, s_loaded
    bl puts
    move $a0, $s2
    bl putdec
    la.pcrel $a0, s_config
    bl puts
    move $a0, $s3
    bl puthex
    la.pcrel $a0, s_bytes
    bl puts
    li.w $a0, 2
    move $a1, $s3
    li.w $a2, CONFIG_SIZE
    hvcl 0
    bl putdec
    la.pcrel $a0, crlf
    bl puts
    ld.d $ra, $sp, 0
    ld.d $s2, $sp, 8
    ld.d $s3, $sp, 16
    ld.d $s4, $sp, 24
    addi.d $sp, $sp, 48
    ret


help:
    addi.d $sp, $sp, -16
    st.d $ra, $sp, 0
    la.pcrel $a0, s_help
    bl puts
    ld.d $ra, $sp, 0
    addi.d $sp, $sp, 16
    ret

s_banner:
    .asciz "root: hvisor-workbench zones demo on ls3a5000, root zone program on CPU 0\r\n"
s_check:
    .asciz "root: config check: hypercall 6 -> "
s_magic:
    .asciz ", config magic "
s_start:
    .asciz "root: zone start "
s_loaded:
    .asciz ": image "
s_config:
    .asciz " bytes, hypercall 2 (config "
s_bytes:
    .asciz ", 3056 bytes) -> "
s_shutdown:
    .asciz "root: zone shutdown 1: hypercall 3 -> "
s_help:
    .asciz "root: keys: l = zone list, x = shut down zone 1, s = start zoneU, i = start zoneX (leaves its IOCSR window), m = start zoneY (leaves its RAM), h = this help\r\n"
s_prompt:
    .asciz "root> "
s_zoneu:
    .asciz "zoneU (id 1)"
s_zonex:
    .asciz "zoneX (id 2)"
s_zoney:
    .asciz "zoneY (id 3)"
    .align 3
magic:
    .dword 0
