/* vzone-image.S: the zone's flat image (objcopy -O binary of vbridge-zone.elf, linked at 0x8800_0000),
 * carried inside vbridge-root.elf. The path is relative to guest/riscv64, where build-guests.sh runs
 * the compiler after it has built bin/vbridge-zone.bin. */
    .section .rodata.vzone_image, "a", @progbits
    .balign 4096
    .globl vzone_image_start, vzone_image_end
vzone_image_start:
    .incbin "bin/vbridge-zone.bin"
vzone_image_end:
    .balign 8
