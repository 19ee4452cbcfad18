#!/usr/bin/env bash
# Installs what the workbench and its tests need on a Debian machine: the npm dependencies (without
# Electron's binary download, which needs the internet) and, when run as root or with sudo, the
# Debian packages: chromium for the browser tests, dtc for the device-tree tests, the riscv64 cross
# and aarch64 cross toolchains for rebuilding guest programs (the A64 disassembler is also checked
# against aarch64-linux-gnu-objdump), dosfstools and mtools to check the FAT32 images built from
# host folders, and QEMU (qemu-system-misc: qemu-system-riscv64; qemu-system-arm: qemu-system-aarch64),
# the reference `hvwb bench linux-boot` compares with, and gdb-multiarch, which the GDB stub's test
# debugs a zone with. Apt uses the machine's own source configuration.
set -euo pipefail
cd "$(dirname "$0")/.."

want_packages=(chromium device-tree-compiler gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf
               gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu dosfstools mtools
               qemu-system-misc qemu-system-arm gdb-multiarch)
missing=()
for pkg in "${want_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  if command -v apt-get >/dev/null; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "warning: not a Debian machine; please install: ${missing[*]}" >&2
  fi
fi

bash scripts/npm-deps.sh
if [ "${HVWB_WITH_ELECTRON:-}" = "1" ]; then
  npm run --silent install:electron
fi
