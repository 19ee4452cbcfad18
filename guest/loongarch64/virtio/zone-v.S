# zone-v.S: zoneV of examples/loongarch64-virtio, a bare-metal zone on CPU 1 whose devices are virtio-mmio
# windows that hvisor traps and the root's daemon serves (hvisor's mmio_virtio_handler,
# src/device/virtio_trampoline.rs:65-141; the workbench's daemon stands for hvisor-tool's). The windows and
# IRQs are those of hvisor's ls3a5000 configs (platform/loongarch64/ls3a5000/configs/virtio.json: console
# 0x3000_1000 irq 4, blk 0x3000_2000 irq 5) plus a net device at 0x3000_3000 on irq 6, which hvisor's
# loongarch64 configs do not have. hvisor injects a completion into the zone with inject_irq: the IRQ
# number is an ESTAT.IS bit, so irq 4/5/6 raise HWI2/3/4 = ESTAT bits 4/5/6 (ls7a2000/mod.rs:114-139).
#
# A polled virtio 1.2 driver (MMIO transport version 2, split virtqueues of 8 entries, VERSION_1 only):
#   - the console: every line goes out on transmitq 1 (the zone's terminal in the workbench);
#   - blk: reads sector 0 of the disk (a FAT32 image of a host folder), finds the first file of the root
#     directory and prints its name, size and text;
#   - net: reads its MAC from the config space and sends one broadcast frame (ethertype 0x88b5);
#   - last, a blk request whose data buffer lies outside the zone's memory: the daemon refuses it with a
#     report naming the zone and the address and puts the device in DEVICE_NEEDS_RESET; the zone reads
#     that from the Status register and goes on printing.
# After each completion it waits for the injected line in ESTAT.IS and says which bit it saw.
# Everything the devices are given is a physical address (the program runs from the DMW-style entry in
# direct address mode, where la.pcrel gives 0x9000_0000_c0..., which a device must not be given).

.equ UART, 0x1fe001e0
.equ VCON, 0x30001000
.equ VBLK, 0x30002000
.equ VNET, 0x30003000
.equ CONQ, 0xc0100000          # one page per queue: descriptors +0, available ring +0x200, used ring +0x400
.equ BLKQ, 0xc0101000
.equ NETQ, 0xc0102000
.equ LINE, 0xc0110000          # the console line being built
.equ BLKHDR, 0xc0111000
.equ BLKSTAT, 0xc0111100
.equ BLKDATA, 0xc0112000
.equ FRAME, 0xc0113000
.equ CLEAR_END, 0xc0114000
.equ BADADDR, 0x80000000       # in no memory region of zoneV
.equ TIMEOUT, 3000000000       # 30 s of the 100 MHz stable counter: generous, for a loaded host
.equ IS_CON, 0x10              # ESTAT.IS bit 4 = HWI2: inject_irq(4)
.equ IS_BLK, 0x20              # bit 5 = HWI3: inject_irq(5)
.equ IS_NET, 0x40              # bit 6 = HWI4: inject_irq(6)

_start:
    la.pcrel $sp, stack_top
    li.d $t0, CONQ
    li.d $t1, CLEAR_END
clear:
    st.d $zero, $t0, 0
    addi.d $t0, $t0, 8
    bltu $t0, $t1, clear
    li.d $s1, LINE
    move $s3, $zero

    # The console.
    li.w $a0, VCON
    li.w $a1, 3
    li.w $a2, 1
    li.d $a3, CONQ
    bl vinit
    bnez $a0, console_failed
    la.pcrel $a0, s_up
    bl cat
    bl flush
    move $s2, $s3
    la.pcrel $a0, s_con_irq
    bl cat
    move $a0, $s2
    bl cathex
    la.pcrel $a0, crlf
    bl cat
    bl flush

    # blk: sector 0, the FAT32 boot sector of the host folder's image.
    li.w $a0, VBLK
    li.w $a1, 2
    move $a2, $zero
    li.d $a3, BLKQ
    bl vinit
    beqz $a0, blk_ready
    move $s2, $a0
    la.pcrel $a0, s_blk_init
    bl cat
    move $a0, $s2
    bl catdec
    la.pcrel $a0, crlf
    bl cat
    bl flush
    b net
blk_ready:
    move $a0, $zero
    li.d $a1, BLKDATA
    bl blk_read
    move $s2, $a1
    move $s4, $a2
    la.pcrel $a0, s_sector0
    bl cat
    move $a0, $s2
    bl catdec
    la.pcrel $a0, s_is
    bl cat
    move $a0, $s4
    bl cathex
    la.pcrel $a0, s_oem
    bl cat
    li.d $a0, BLKDATA + 3
    li.w $a1, 8
    bl catn
    la.pcrel $a0, s_fstype
    bl cat
    li.d $a0, BLKDATA + 0x52
    li.w $a1, 8
    bl catn
    la.pcrel $a0, s_quote_crlf
    bl cat
    bl flush
    bnez $s2, net

    # The geometry: data area = reserved + FATs * FAT size; cluster c at data + (c - 2) * sectors per cluster.
    li.d $t0, BLKDATA
    ld.bu $s4, $t0, 0x0d       # sectors per cluster
    ld.hu $t1, $t0, 0x0e       # reserved sectors
    ld.bu $t2, $t0, 0x10       # FATs
    ld.wu $t3, $t0, 0x24       # sectors per FAT
    mul.d $t2, $t2, $t3
    add.d $s5, $t1, $t2
    ld.wu $a0, $t0, 0x2c       # the root directory's cluster
    bl cluster_sector
    li.d $a1, BLKDATA
    bl blk_read
    bnez $a1, net
    li.d $s7, BLKDATA
    li.w $s8, 16
scan:
    ld.bu $t0, $s7, 0
    beqz $t0, no_file          # end of the directory
    li.w $t1, 0xe5
    beq $t0, $t1, scan_next    # deleted
    ld.bu $t1, $s7, 11
    andi $t1, $t1, 0x18        # volume label, long-name pieces (0x0f) and directories are skipped
    beqz $t1, found
scan_next:
    addi.d $s7, $s7, 32
    addi.d $s8, $s8, -1
    bnez $s8, scan
no_file:
    la.pcrel $a0, s_no_file
    bl cat
    bl flush
    b net
found:
    ld.hu $t0, $s7, 20         # first cluster, high half
    slli.d $t0, $t0, 16
    ld.hu $t1, $s7, 26         # low half
    or $s6, $t0, $t1
    ld.wu $s8, $s7, 28         # size
    la.pcrel $a0, s_rootdir
    bl cat
    move $a0, $s7
    li.w $a1, 11
    bl catn
    la.pcrel $a0, s_quote_comma
    bl cat
    move $a0, $s8
    bl catdec
    la.pcrel $a0, s_bytes_cluster
    bl cat
    move $a0, $s6
    bl catdec
    la.pcrel $a0, crlf
    bl cat
    bl flush
    move $a0, $s6
    bl cluster_sector
    li.d $a1, BLKDATA
    bl blk_read
    bnez $a1, net
    la.pcrel $a0, s_file
    bl cat
    li.w $t0, 400
    move $a1, $s8
    bge $t0, $a1, file_len
    move $a1, $t0
file_len:
    li.d $a0, BLKDATA
    bl catn
    la.pcrel $a0, crlf
    bl cat
    bl flush

net:
    li.w $a0, VNET
    li.w $a1, 1
    li.w $a2, 1
    li.d $a3, NETQ
    bl vinit
    beqz $a0, net_ready
    move $s2, $a0
    la.pcrel $a0, s_net_init
    bl cat
    move $a0, $s2
    bl catdec
    la.pcrel $a0, crlf
    bl cat
    bl flush
    b bad
net_ready:
    # The frame after the 12-byte virtio_net_hdr (all zero): broadcast, our MAC, ethertype 0x88b5, text.
    li.d $s4, FRAME + 12
    li.w $t0, 0xff
    st.b $t0, $s4, 0
    st.b $t0, $s4, 1
    st.b $t0, $s4, 2
    st.b $t0, $s4, 3
    st.b $t0, $s4, 4
    st.b $t0, $s4, 5
    la.pcrel $a0, s_mac
    bl cat
    li.w $s5, 0
mac_loop:
    li.w $t0, VNET + 0x100     # config space: mac[6]
    add.d $t0, $t0, $s5
    ld.bu $s6, $t0, 0
    add.d $t1, $s4, $s5
    st.b $s6, $t1, 6
    beqz $s5, mac_digit
    li.w $a0, 58               # ':'
    bl catc
mac_digit:
    move $a0, $s6
    bl cathex2
    addi.d $s5, $s5, 1
    li.w $t0, 6
    blt $s5, $t0, mac_loop
    li.w $t0, 0x88
    st.b $t0, $s4, 12
    li.w $t0, 0xb5
    st.b $t0, $s4, 13
    la.pcrel $a0, s_payload
    addi.d $t1, $s4, 14
payload:
    ld.bu $t0, $a0, 0
    beqz $t0, payload_done
    st.b $t0, $t1, 0
    addi.d $a0, $a0, 1
    addi.d $t1, $t1, 1
    b payload
payload_done:
    sub.d $s5, $t1, $s4        # the frame's length
    li.d $t0, NETQ
    li.d $t1, FRAME
    st.d $t1, $t0, 0
    addi.d $t1, $s5, 12
    st.w $t1, $t0, 8
    st.h $zero, $t0, 12
    li.w $a0, VNET
    li.d $a1, NETQ
    move $a2, $zero
    li.w $a3, 1
    bl push
    move $a2, $a0
    li.w $a0, VNET
    li.d $a1, NETQ
    li.w $a3, IS_NET
    bl wait_used
    move $s2, $a0
    move $s6, $a1
    la.pcrel $a0, s_sent
    bl cat
    move $a0, $s5
    bl catdec
    la.pcrel $a0, s_sent2
    bl cat
    la.pcrel $a0, s_timeout
    beqz $s2, net_timeout
    la.pcrel $a0, s_done
net_timeout:
    bl cat
    la.pcrel $a0, s_is
    bl cat
    move $a0, $s6
    bl cathex
    la.pcrel $a0, crlf
    bl cat
    bl flush

bad:
    # A blk request with its data buffer outside the zone's memory.
    la.pcrel $a0, s_bad
    bl cat
    li.d $a0, BADADDR
    bl cathex
    la.pcrel $a0, s_bad2
    bl cat
    bl flush
    move $a0, $zero
    li.d $a1, BADADDR
    bl blk_chain
    li.w $a0, VBLK
    li.d $a1, BLKQ
    move $a2, $zero
    move $a3, $zero
    bl push
    rdtime.d $t0, $zero
    li.d $t1, TIMEOUT
    add.d $s4, $t0, $t1
    li.w $s5, VBLK
bad_wait:
    ld.w $s2, $s5, 0x70        # Status
    andi $t0, $s2, 0x40        # DEVICE_NEEDS_RESET
    bnez $t0, bad_seen
    rdtime.d $t0, $zero
    blt $t0, $s4, bad_wait
bad_seen:
    ld.w $s6, $s5, 0x60        # InterruptStatus: bit 1 = configuration change
    st.w $s6, $s5, 0x64
    la.pcrel $a0, s_status
    bl cat
    move $a0, $s2
    bl cathex
    la.pcrel $a0, s_needs_reset
    andi $t0, $s2, 0x40
    bnez $t0, bad_status
    la.pcrel $a0, s_no_reset
bad_status:
    bl cat
    move $a0, $s6
    bl cathex
    la.pcrel $a0, crlf
    bl cat
    bl flush
    la.pcrel $a0, s_end
    bl cat
    bl flush
park:
    idle 0
    b park

console_failed:
    # No console: say so on UART0 (every one of hvisor's loongarch64 zones passes its page through).
    move $s2, $a0
    la.pcrel $a0, s_con_failed
    bl uart_puts
    addi.d $a0, $s2, 48
    bl uart_putc
    la.pcrel $a0, crlf
    bl uart_puts
    b park

# vinit: $a0 the device's window, $a1 its device id, $a2 the queue to set up, $a3 its page (physical).
# The initialisation of virtio 1.2 section 3.1.1, VERSION_1 the only feature. $a0 = 0, or the failed step.
vinit:
    ld.w $t0, $a0, 0x000       # MagicValue
    li.w $t1, 0x74726976
    li.w $t2, 1
    bne $t0, $t1, vinit_fail
    ld.w $t0, $a0, 0x004       # Version
    li.w $t1, 2
    li.w $t2, 2
    bne $t0, $t1, vinit_fail
    ld.w $t0, $a0, 0x008       # DeviceID
    li.w $t2, 3
    bne $t0, $a1, vinit_fail
    st.w $zero, $a0, 0x070     # reset
    li.w $t0, 1
    st.w $t0, $a0, 0x070       # ACKNOWLEDGE
    li.w $t0, 3
    st.w $t0, $a0, 0x070       # DRIVER
    li.w $t0, 1
    st.w $t0, $a0, 0x014       # DeviceFeaturesSel = 1
    ld.w $t0, $a0, 0x010
    andi $t0, $t0, 1
    li.w $t2, 4
    beqz $t0, vinit_fail       # no VERSION_1
    st.w $zero, $a0, 0x024
    st.w $zero, $a0, 0x020
    li.w $t0, 1
    st.w $t0, $a0, 0x024
    st.w $t0, $a0, 0x020       # VERSION_1 only
    li.w $t0, 0xb
    st.w $t0, $a0, 0x070       # FEATURES_OK
    ld.w $t0, $a0, 0x070
    andi $t0, $t0, 8
    li.w $t2, 5
    beqz $t0, vinit_fail
    st.w $a2, $a0, 0x030       # QueueSel
    ld.w $t0, $a0, 0x044       # QueueReady must be 0
    li.w $t2, 6
    bnez $t0, vinit_fail
    ld.w $t0, $a0, 0x034       # QueueNumMax
    li.w $t1, 8
    li.w $t2, 7
    blt $t0, $t1, vinit_fail
    st.w $t1, $a0, 0x038       # QueueNum = 8
    st.w $a3, $a0, 0x080       # QueueDesc
    st.w $zero, $a0, 0x084
    addi.d $t0, $a3, 0x200
    st.w $t0, $a0, 0x090       # QueueDriver (available ring)
    st.w $zero, $a0, 0x094
    addi.d $t0, $a3, 0x400
    st.w $t0, $a0, 0x0a0       # QueueDevice (used ring)
    st.w $zero, $a0, 0x0a4
    li.w $t0, 1
    st.w $t0, $a0, 0x044       # QueueReady
    li.w $t0, 0xf
    st.w $t0, $a0, 0x070       # DRIVER_OK
    move $a0, $zero
    ret
vinit_fail:
    move $a0, $t2
    ret

# push: $a0 window, $a1 queue page, $a2 head descriptor, $a3 queue number. Puts the head in the available
# ring, writes QueueNotify (hvisor does not wait for the daemon on a notify) and returns in $a0 the
# used index that means done.
push:
    ld.hu $t0, $a1, 0x202      # avail.idx
    andi $t1, $t0, 7
    slli.d $t1, $t1, 1
    add.d $t1, $t1, $a1
    st.h $a2, $t1, 0x204       # avail.ring[idx % 8]
    addi.d $t0, $t0, 1
    slli.d $t0, $t0, 48
    srli.d $t0, $t0, 48
    dbar 0
    st.h $t0, $a1, 0x202
    dbar 0
    st.w $a3, $a0, 0x050       # QueueNotify
    move $a0, $t0
    ret

# wait_used: $a0 window, $a1 queue page, $a2 the used index to wait for, $a3 the ESTAT.IS bit of the
# device's line. $a0 = 1 once the used ring reached it (0 after TIMEOUT); $a1 = ESTAT.IS & $a3, waited
# for up to TIMEOUT after the completion (the daemon writes the used ring, then injects). Acknowledges
# the device's InterruptStatus.
wait_used:
    rdtime.d $t2, $zero
    li.d $t3, TIMEOUT
    add.d $t3, $t2, $t3
wait_ring:
    ld.hu $t1, $a1, 0x402      # used.idx
    beq $t1, $a2, wait_line
    rdtime.d $t2, $zero
    blt $t2, $t3, wait_ring
    move $a0, $zero
    move $a1, $zero
    ret
wait_line:
    rdtime.d $t2, $zero
    li.d $t3, TIMEOUT
    add.d $t3, $t2, $t3
wait_line_loop:
    csrrd $t1, 0x5             # ESTAT
    and $t1, $t1, $a3
    bnez $t1, wait_acked
    rdtime.d $t2, $zero
    blt $t2, $t3, wait_line_loop
wait_acked:
    ld.w $t2, $a0, 0x060       # InterruptStatus
    st.w $t2, $a0, 0x064       # InterruptACK
    li.w $a0, 1
    move $a1, $t1
    ret

# blk_chain: a read of sector $a0 into $a1 in descriptors 0-2: header (type 0 = IN), data, status.
blk_chain:
    li.d $t0, BLKHDR
    st.w $zero, $t0, 0
    st.w $zero, $t0, 4
    st.d $a0, $t0, 8
    li.d $t2, BLKSTAT
    li.w $t1, 0xff
    st.b $t1, $t2, 0
    li.d $t1, BLKQ
    st.d $t0, $t1, 0
    li.w $t3, 16
    st.w $t3, $t1, 8
    li.w $t3, 1                # NEXT
    st.h $t3, $t1, 12
    st.h $t3, $t1, 14
    st.d $a1, $t1, 16
    li.w $t3, 512
    st.w $t3, $t1, 24
    li.w $t3, 3                # NEXT | WRITE
    st.h $t3, $t1, 28
    li.w $t3, 2
    st.h $t3, $t1, 30
    st.d $t2, $t1, 32
    li.w $t3, 1
    st.w $t3, $t1, 40
    li.w $t3, 2                # WRITE
    st.h $t3, $t1, 44
    st.h $zero, $t1, 46
    ret

# blk_read: sector $a0 into $a1. $a0 = 1 if completed, $a1 = the status byte (0 = OK; 0xff = none came),
# $a2 = the ESTAT.IS bit seen.
blk_read:
    addi.d $sp, $sp, -16
    st.d $ra, $sp, 0
    bl blk_chain
    li.w $a0, VBLK
    li.d $a1, BLKQ
    move $a2, $zero
    move $a3, $zero
    bl push
    move $a2, $a0
    li.w $a0, VBLK
    li.d $a1, BLKQ
    li.w $a3, IS_BLK
    bl wait_used
    move $a2, $a1
    li.d $t0, BLKSTAT
    ld.bu $a1, $t0, 0
    ld.d $ra, $sp, 0
    addi.d $sp, $sp, 16
    ret

# cluster_sector: $a0 = the first sector of cluster $a0 ($s4 sectors per cluster, data area at $s5).
cluster_sector:
    addi.d $a0, $a0, -2
    mul.d $a0, $a0, $s4
    add.d $a0, $a0, $s5
    ret

# flush: sends the line built at LINE..$s1 on the console's transmitq; $s3 = the ESTAT.IS bit seen.
flush:
    addi.d $sp, $sp, -16
    st.d $ra, $sp, 0
    li.d $t0, LINE
    sub.d $t1, $s1, $t0
    beqz $t1, flush_done
    li.d $t2, CONQ
    st.d $t0, $t2, 0
    st.w $t1, $t2, 8
    st.h $zero, $t2, 12
    li.w $a0, VCON
    li.d $a1, CONQ
    move $a2, $zero
    li.w $a3, 1
    bl push
    move $a2, $a0
    li.w $a0, VCON
    li.d $a1, CONQ
    li.w $a3, IS_CON
    bl wait_used
    move $s3, $a1
flush_done:
    li.d $s1, LINE
    ld.d $ra, $sp, 0
    addi.d $sp, $sp, 16
    ret

# cat: appends the NUL-terminated string at $a0 to the line.
cat:
    ld.bu $t0, $a0, 0
    beqz $t0, cat_done
    st.b $t0, $s1, 0
    addi.d $a0, $a0, 1
    addi.d $s1, $s1, 1
    b cat
cat_done:
    ret

# catn: appends $a1 bytes at $a0, leaving out control characters.
catn:
    beqz $a1, catn_done
    ld.bu $t0, $a0, 0
    li.w $t1, 32
    blt $t0, $t1, catn_next
    st.b $t0, $s1, 0
    addi.d $s1, $s1, 1
catn_next:
    addi.d $a0, $a0, 1
    addi.d $a1, $a1, -1
    b catn
catn_done:
    ret

# catc: appends the byte $a0.
catc:
    st.b $a0, $s1, 0
    addi.d $s1, $s1, 1
    ret

# cathex2: appends $a0 as two hex digits.
cathex2:
    srli.d $t0, $a0, 4
    andi $t0, $t0, 15
    li.w $t1, 2
    b cathex_digits

# cathex: appends $a0 as 0x and its hex digits (no leading zeros).
cathex:
    li.w $t0, 48
    st.b $t0, $s1, 0
    li.w $t0, 120
    st.b $t0, $s1, 1
    addi.d $s1, $s1, 2
    li.w $t1, 16
cathex_skip:
    li.w $t2, 1
    beq $t1, $t2, cathex_digits
    addi.d $t2, $t1, -1
    slli.d $t2, $t2, 2
    srl.d $t0, $a0, $t2
    andi $t0, $t0, 15
    bnez $t0, cathex_digits
    addi.d $t1, $t1, -1
    b cathex_skip
# $t1 digits of $a0 remain.
cathex_digits:
    beqz $t1, cathex_done
    addi.d $t1, $t1, -1
    slli.d $t2, $t1, 2
    srl.d $t0, $a0, $t2
    andi $t0, $t0, 15
    addi.d $t0, $t0, 48
    li.w $t2, 58
    blt $t0, $t2, cathex_put
    addi.d $t0, $t0, 39
cathex_put:
    st.b $t0, $s1, 0
    addi.d $s1, $s1, 1
    b cathex_digits
cathex_done:
    ret

# catdec: appends $a0 (unsigned) in decimal.
catdec:
    addi.d $sp, $sp, -32
    addi.d $t1, $sp, 31
    li.w $t2, 10
catdec_loop:
    mod.du $t0, $a0, $t2
    div.du $a0, $a0, $t2
    addi.d $t0, $t0, 48
    st.b $t0, $t1, 0
    addi.d $t1, $t1, -1
    bnez $a0, catdec_loop
    addi.d $t3, $sp, 31
catdec_copy:
    addi.d $t1, $t1, 1
    ld.bu $t0, $t1, 0
    st.b $t0, $s1, 0
    addi.d $s1, $s1, 1
    bne $t1, $t3, catdec_copy
    addi.d $sp, $sp, 32
    ret

uart_puts:
    li.w $t1, UART
uart_puts_loop:
    ld.bu $t2, $a0, 0
    beqz $t2, uart_puts_done
uart_puts_wait:
    ld.bu $t3, $t1, 5
    andi $t3, $t3, 0x20
    beqz $t3, uart_puts_wait
    st.b $t2, $t1, 0
    addi.d $a0, $a0, 1
    b uart_puts_loop
uart_puts_done:
    ret

uart_putc:
    li.w $t1, UART
uart_putc_wait:
    ld.bu $t3, $t1, 5
    andi $t3, $t3, 0x20
    beqz $t3, uart_putc_wait
    st.b $a0, $t1, 0
    ret

s_up:
    .asciz "zoneV: CPU 0 up; console on virtio-mmio 0x30001000 (irq 4)\r\n"
s_con_irq:
    .asciz "zoneV: console completion: ESTAT.IS bit seen "
s_blk_init:
    .asciz "zoneV: virtio-blk 0x30002000 did not initialise, step "
s_sector0:
    .asciz "zoneV: virtio-blk 0x30002000 (irq 5) sector 0: status "
s_is:
    .asciz ", ESTAT.IS bit seen "
s_oem:
    .asciz ", OEM '"
s_fstype:
    .asciz "', file system '"
s_quote_crlf:
    .asciz "'\r\n"
s_no_file:
    .asciz "zoneV: the root directory has no file\r\n"
s_rootdir:
    .asciz "zoneV: root directory: '"
s_quote_comma:
    .asciz "', "
s_bytes_cluster:
    .asciz " bytes at cluster "
s_file:
    .asciz "zoneV: file: "
s_net_init:
    .asciz "zoneV: virtio-net 0x30003000 did not initialise, step "
s_mac:
    .asciz "zoneV: virtio-net 0x30003000 (irq 6) MAC "
s_payload:
    .asciz "hvisor-workbench: zoneV on loongarch64 says hello over virtio-net"
s_sent:
    .asciz "; sent a "
s_sent2:
    .asciz "-byte frame (ethertype 0x88b5): "
s_done:
    .asciz "done"
s_timeout:
    .asciz "no completion"
s_bad:
    .asciz "zoneV: now a virtio-blk read into "
s_bad2:
    .asciz ", outside zoneV's memory\r\n"
s_status:
    .asciz "zoneV: virtio-blk Status "
s_needs_reset:
    .asciz " (DEVICE_NEEDS_RESET), InterruptStatus "
s_no_reset:
    .asciz " (no DEVICE_NEEDS_RESET), InterruptStatus "
s_end:
    .asciz "zoneV: done; the console still works\r\n"
s_con_failed:
    .asciz "zoneV: the virtio console did not initialise, step "
crlf:
    .asciz "\r\n"
    .align 3
