#!/usr/bin/env bash
# build-guests-aarch64.sh: build the aarch64 guest programs from guest/aarch64 into guest/aarch64/bin/
# (an ELF and a flat image per program, loaded at 0x40000000). Uses Debian's cross toolchain
# (gcc-aarch64-linux-gnu) freestanding: no libc, no network. Output is reproducible: no debug info,
# no build-id, sources referenced by relative path only, fixed object names.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$ROOT/guest/aarch64"
OUT="$SRC/bin"
CROSS="${CROSS:-aarch64-linux-gnu-}"
CC="${CROSS}gcc"

if ! command -v "$CC" >/dev/null 2>&1; then
    echo "build-guests-aarch64: $CC not found." >&2
    echo "Install the cross toolchain:  sudo apt-get install gcc-aarch64-linux-gnu" >&2
    exit 1
fi

cd "$SRC"
mkdir -p "$OUT"
rm -f "$OUT"/*.elf "$OUT"/*.bin

# -mno-outline-atomics makes __atomic builtins inline LDAXR/STLXR loops (the ARMv8.0 way; the CPU also
# has LSE, tested by the unit tests). INT keeps FP/SIMD registers out of the integer programs.
INT=(-mgeneral-regs-only)
FLAGS=(-march=armv8-a -mno-outline-atomics -O2 -nostdlib -nostartfiles -ffreestanding
       -static -fno-pic -fno-pie -no-pie -fno-common -fno-stack-protector -fno-asynchronous-unwind-tables
       -Wall -Werror -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-z,max-page-size=4096)

OBJ="$(mktemp -d)"
trap 'rm -rf "$OBJ"' EXIT

# build <name> [extra flags...] -- <sources...>
build() {
    local name="$1"; shift
    local extra=() objs=()
    while [ "$1" != "--" ]; do extra+=("$1"); shift; done
    shift
    rm -rf "${OBJ:?}/$name"; mkdir -p "$OBJ/$name"
    for src in "$@"; do
        local obj="$OBJ/$name/$(basename "$src").o"
        "$CC" "${FLAGS[@]}" "${extra[@]}" -c "$src" -o "$obj"
        objs+=("$obj")
    done
    # The linker script: common/link.ld unless the program names its own (-T...).
    local script=(-Tcommon/link.ld)
    for f in "${extra[@]}"; do [[ "$f" == -T* ]] && script=(); done
    "$CC" "${FLAGS[@]}" "${extra[@]}" "${script[@]}" "${objs[@]}" -o "$OUT/$name.elf"
    "${CROSS}objcopy" -O binary "$OUT/$name.elf" "$OUT/$name.bin"
    echo "  built bin/$name.elf and bin/$name.bin"
}

build isa-selftest "${INT[@]}" -- common/start.S isa/selftest.c
# The demo (examples/aarch64-hello): linked at the root zone's kernel address, its own start and script.
build hello "${INT[@]}" -Thello/link.ld -- hello/start.S hello/hello.c
build bench-mips "${INT[@]}" -- common/start.S bench/mips.c
# The differential workloads (the test compares their checksums with the same C run on the host).
for opt in O0 O2 Os; do
    build "isa-compute-$opt" "${INT[@]}" "-$opt" -- common/start.S isa/compute.c
done
# Scalar floating point only: FP registers allowed, Advanced SIMD not (the CPU's floatingPoint option).
# No contraction into fused multiply-adds, so that the host build (x86) computes the same roundings.
build isa-float -march=armv8-a+nosimd -ffp-contract=off -- common/start.S isa/float.c

# Interrupts on a QEMU virt layout: PL011, GICv3 (distributor, redistributor, ICC_* registers), the
# virtual timer PPI and an SGI, taken through its own vector table (irq/start.S).
build irq "${INT[@]}" -- irq/start.S irq/irq.c

# The benchmark as the root zone (bench/layouts/aarch64-mips; also run on QEMU virt by `hvwb bench mips
# --arch aarch64`): the same mips.c, 400 iterations like riscv64's, ends with PSCI SYSTEM_OFF.
build bench-mips-root "${INT[@]}" -DITERATIONS=400 -Tbench/link-root.ld -- bench/start-root.S bench/mips.c bench/root.c

# The IVC demo (examples/aarch64-ivc): the root zone on the PL011 and zone 1, talking through hvisor's
# IVC; both use the hello guest's start (vectors with an IRQ handler, a stack per CPU).
build ivc-root "${INT[@]}" -Thello/link.ld -- hello/start.S ivc/ivc-root.c
build ivc-peer "${INT[@]}" -Tivc/link-peer.ld -- hello/start.S ivc/ivc-peer.c

# The demo of hvisor's other aarch64 boards (examples/aarch64-<board>-hello): one program, built per board
# with its UART driver, its GIC and the root zone's kernel address of its board.rs.
for board in imx8mp:0xa0400000 rpi4b:0x00200000 zcu102:0x00200000 rk3588:0x09400000; do
    name="${board%%:*}" addr="${board#*:}"
    build "hello-$name" "${INT[@]}" -Iboard-hello -include "board-hello/boards/$name.h" -Tboard-hello/link.ld \
        "-Wl,--defsym=KERNEL_ADDR=$addr" -- board-hello/start.S board-hello/hello.c
done

# The Zones demo (zones/, examples/aarch64-zones): EL1 programs linked at their zone's entry point
# (zones/common/link-*.ld, which INCLUDE zone-body.ld). zones-root.elf carries bin/zones-u.bin (incbin),
# so zoneU is built first. -mstrict-align: with the MMU off every access is to Device memory.
ZONES=("${INT[@]}" -mstrict-align -Izones/common -Lzones/common)
ZONES_RT=(zones/common/start.S zones/common/console.c ../common/zformat.c zones/common/virtio.c zones/common/psci.c
          zones/common/gic.c zones/common/timer.c zones/common/hvisor.c)
build zones-u "${ZONES[@]}" -Tzones/common/link-u.ld -- "${ZONES_RT[@]}" zones/zone-u/zone-u.c
build zones-r "${ZONES[@]}" -Tzones/common/link-r.ld -- "${ZONES_RT[@]}" zones/zone-r/zone-r.c
build zones-root "${ZONES[@]}" -Tzones/common/link-root.ld -- "${ZONES_RT[@]}" zones/root/root.c zones/root/zone-u-image.S

echo "build-guests-aarch64: all guest programs are in guest/aarch64/bin/"
