#!/usr/bin/env bash
# qemu-check.sh: run the ISA test ELFs on QEMU virt (the reference machine) and report each exit status.
# Usage: guest/riscv64/qemu-check.sh [name...]   (names as in isa/tests.json, default: all isa-*.elf)
# QEMU exits 0 when a test writes 0x5555 (pass) to the sifive test device, N & 0xff for a failure N.
set -u
BIN="$(cd "$(dirname "$0")" && pwd)/bin"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for f in "$BIN"/isa-*.elf; do names+=("$(basename "$f" .elf)"); done
fi
status=0
for n in "${names[@]}"; do
    out="$(timeout 30 qemu-system-riscv64 -M virt,aclint=on -smp 4 -m 256M -bios none -nographic \
        -kernel "$BIN/$n.elf" 2>&1 < /dev/null)"
    rc=$?
    printf '%-22s exit=%-3s %s\n' "$n" "$rc" "$(echo "$out" | tr -d '\r' | tail -n 2 | tr '\n' ' ')"
    [ $rc -eq 0 ] || status=1
done
exit $status
