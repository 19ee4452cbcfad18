# root.S: the root zone program of examples/loongarch64-virtio (CPU 0, loaded at 0x20_0000, board.rs's
# ROOT_ZONE_KERNEL_ADDR). It does what hvisor-tool does from the root's Linux before `hvisor zone start`:
# hypercall 6 (config check), copies zoneV's image to 0xc000_0000 (inside the root's RAM, as hvisor's
# layouts do) and starts it with hypercall 2 and its 3056-byte HvZoneConfig (HVCL, code in a0, arguments
# in a1/a2, result in a0; trap.rs handle_hvc), then lists the zones (hypercall 4) and takes keys on UART0:
# l = zone list, x = shut zone 1 down (hypercall 3), s = copy and start zoneV again, anything else = help. zoneV's virtio devices are served by the workbench's daemon for the
# root (hvisor-tool's `hvisor virtio start virtio_cfg.json`), so this program never touches them. The
# image and config are appended by guest/loongarch64/build.ts (labels zone_v_image/_end, zone_v_config).

.equ UART, 0x1fe001e0
.equ CONFIG_SIZE, 3056
.equ ZONE_V_RAM, 0xc0000000
.equ WAIT, 50000000            # 0.5 s of the 100 MHz stable counter

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

    li.w $a0, 6                # config check
    la.pcrel $a1, magic
    move $a2, $zero
    hvcl 0
    move $s2, $a0
    la.pcrel $a0, s_check
    bl puts
    move $a0, $s2
    bl putdec
    la.pcrel $a0, crlf
    bl puts

    bl start_v
    li.d $a0, WAIT
    bl delay
    bl zone_list
    la.pcrel $a0, s_help
    bl puts

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
    la.pcrel $a0, s_help
    bl puts
    b keys
key_l:
    bl zone_list
    b keys
key_x:
    li.w $a0, 3                # zone shutdown
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
    bl start_v
    b keys

# Copies zoneV's image to its RAM and starts it with hypercall 2.
start_v:
    addi.d $sp, $sp, -16
    st.d $ra, $sp, 0
    st.d $s2, $sp, 8
    la.pcrel $a0, zone_v_image
    la.pcrel $a1, zone_v_image_end
    li.d $a2, ZONE_V_RAM
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
    move $a0, $s2
    bl putdec
    la.pcrel $a0, s_config
    bl puts
    la.pcrel $a0, zone_v_config
    bl puthex
    la.pcrel $a0, s_bytes
    bl puts
    li.w $a0, 2
    la.pcrel $a1, zone_v_config
    li.w $a2, CONFIG_SIZE
    hvcl 0
    bl putdec
    la.pcrel $a0, crlf
    bl puts
    ld.d $ra, $sp, 0
    ld.d $s2, $sp, 8
    addi.d $sp, $sp, 16
    ret


s_banner:
    .asciz "root: hvisor-workbench virtio demo on ls3a5000, root zone program on CPU 0\r\n"
s_check:
    .asciz "root: config check: hypercall 6 -> "
s_start:
    .asciz "root: zone start zoneV (id 1): image "
s_config:
    .asciz " bytes, hypercall 2 (config "
s_bytes:
    .asciz ", 3056 bytes) -> "
s_help:
    .asciz "root: zoneV's virtio devices are served by the daemon; keys: l = zone list, x = shut down zone 1, s = start zoneV again\r\n"
s_shutdown:
    .asciz "root: zone shutdown 1: hypercall 3 -> "
s_prompt:
    .asciz "root> "
    .align 3
magic:
    .dword 0
