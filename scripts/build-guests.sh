#!/usr/bin/env bash
# build-guests.sh: build every riscv64 guest program from guest/riscv64 into guest/riscv64/bin/.
# Uses Debian's bare-metal cross toolchain (gcc-riscv64-unknown-elf); no libc, no network.
# Output is reproducible: no debug info, no build-id, sources referenced by relative path only.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$ROOT/guest/riscv64"
OUT="$SRC/bin"
CROSS="${CROSS:-riscv64-unknown-elf-}"
CC="${CROSS}gcc"

if ! command -v "$CC" >/dev/null 2>&1; then
    echo "build-guests: $CC not found." >&2
    echo "Install the cross toolchain:  sudo apt-get install gcc-riscv64-unknown-elf" >&2
    exit 1
fi

cd "$SRC"                      # relative paths keep absolute build paths out of the objects
mkdir -p "$OUT"
rm -f "$OUT"/*.elf "$OUT"/zones-*.bin "$OUT"/vbridge-*.bin "$OUT"/ivc-*.bin

COMMON=(-nostdlib -nostartfiles -ffreestanding -static -mcmodel=medany -fno-pic -fno-common
        -Icommon -Wall -Werror -Wl,--build-id=none -Wl,--no-warn-rwx-segments)
# ISA tests are pure RV64G unless they say otherwise, so the I/M/A/F/D tests do not depend on RVC.
ISA_TEST=("${COMMON[@]}" -march=rv64g -mabi=lp64d -O2 -Tcommon/link-m.ld)
ISA_RUNTIME=(common/crt-m.S common/trap-m.S)
# hello and bench are integer-only kernels-style code, compiled as compressed code like real kernels.
INT_C=(-march=rv64imac_zicsr_zifencei -mabi=lp64 -O2 -fno-builtin)

OBJ="$(mktemp -d)"
trap 'rm -rf "$OBJ"' EXIT

# build <output name> <flags...> -- <sources...>
# Each source is compiled to an object with a fixed name first: the linker records object names as FILE
# symbols, and gcc's random temporary names would make every build differ.
build() {
    local name="$1"; shift
    local flags=() objs=()
    while [ "$1" != "--" ]; do flags+=("$1"); shift; done
    shift
    rm -rf "${OBJ:?}/$name"; mkdir -p "$OBJ/$name"
    for src in "$@"; do
        local obj="$OBJ/$name/$(basename "$src").o"
        "$CC" "${flags[@]}" -c "$src" -o "$obj"
        objs+=("$obj")
    done
    "$CC" "${flags[@]}" "${objs[@]}" -o "$OUT/$name.elf"
    echo "  built bin/$name.elf"
}

for src in isa/*.S; do
    name="$(basename "$src" .S)"
    extra=()
    # Companion C files (isa/<name>-*.c) are linked into the same test.
    for c in isa/"$name"-*.c; do [ -e "$c" ] && extra+=("$c"); done
    march=()
    [ "$name" = rv64c ] && march=(-march=rv64gc)     # the compressed-instruction test
    build "isa-$name" "${ISA_TEST[@]}" "${march[@]}" -- "${ISA_RUNTIME[@]}" "$src" "${extra[@]}"
done

build hello   "${COMMON[@]}" "${INT_C[@]}" -Tcommon/link-s.ld -- hello/start.S hello/hello.c hello/echo.c common/uart.c
build hello-m "${COMMON[@]}" "${INT_C[@]}" -Tcommon/link-m.ld -- hello/start-m.S hello/hello-m.c hello/echo.c common/uart.c
build bench-mips "${COMMON[@]}" "${INT_C[@]}" -Tcommon/link-m.ld -- common/crt-m.S bench/mips.c

# The Zones demo (zones/, examples/riscv64-zones): S-mode programs linked at their zone's entry point
# (zones/common/link-*.ld). zoneU and zoneR also get a flat image (objcopy -O binary), what hvisor-tool
# loads from kernel_filepath; zones-root.elf carries bin/zones-u.bin (incbin), so zoneU is built first.
ZONES=("${COMMON[@]}" "${INT_C[@]}" -Izones/common -Lzones/common)
ZONES_RT=(zones/common/start.S zones/common/console.c ../common/zformat.c zones/common/sbi.c zones/common/hvisor.c
          zones/common/timer.c zones/common/banner.c)
build zones-u "${ZONES[@]}" -Tzones/common/link-u.ld -- "${ZONES_RT[@]}" zones/zone-u/zone-u.c
"${CROSS}objcopy" -O binary "$OUT/zones-u.elf" "$OUT/zones-u.bin"
build zones-r "${ZONES[@]}" -Tzones/common/link-r.ld -- "${ZONES_RT[@]}" zones/zone-r/zone-r.c
"${CROSS}objcopy" -O binary "$OUT/zones-r.elf" "$OUT/zones-r.bin"
build zones-root "${ZONES[@]}" -Tzones/common/link-root.ld -- "${ZONES_RT[@]}" zones/root/root.c zones/root/zone-u-image.S

# The virtio bridge test (virtio-bridge/, tests/fixtures/virtio-bridge): the root serves hvisor's bridge
# from its own page; it carries the zone's flat image (incbin), so the zone is built first.
build vbridge-zone "${ZONES[@]}" -Ivirtio-bridge -Tzones/common/link-u.ld -- "${ZONES_RT[@]}" virtio-bridge/vzone.c
"${CROSS}objcopy" -O binary "$OUT/vbridge-zone.elf" "$OUT/vbridge-zone.bin"
build vbridge-root "${ZONES[@]}" -Ivirtio-bridge -Tzones/common/link-root.ld -- "${ZONES_RT[@]}" virtio-bridge/vroot.c virtio-bridge/vzone-image.S

# The riscv64 IVC demo (ivc/, examples/riscv64-ivc, the layout's workbenchIvc): the root on UART0 and a
# peer zone with a flat image, both on the Zones demo's runtime.
build ivc-peer "${ZONES[@]}" -Iivc -Tzones/common/link-u.ld -- "${ZONES_RT[@]}" ivc/ivc-peer.c
"${CROSS}objcopy" -O binary "$OUT/ivc-peer.elf" "$OUT/ivc-peer.bin"
build ivc-root "${ZONES[@]}" -Iivc -Tzones/common/link-root.ld -- "${ZONES_RT[@]}" ivc/ivc-root.c

echo "build-guests: all guest programs are in guest/riscv64/bin/"
