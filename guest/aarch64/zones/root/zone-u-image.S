/* zone-u-image.S: zoneU's flat image (objcopy -O binary of zones-u.elf, linked at 0x7000_0000), carried
 * inside zones-root.elf. The path is relative to guest/aarch64, where build-guests-aarch64.sh runs the
 * compiler; the script builds bin/zones-u.bin before this file. */
    .section .rodata.zone_u_image, "a", %progbits
    .balign 4096
    .globl zone_u_image_start, zone_u_image_end
zone_u_image_start:
    .incbin "bin/zones-u.bin"
zone_u_image_end:
    .balign 8
