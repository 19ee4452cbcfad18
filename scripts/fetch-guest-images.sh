#!/usr/bin/env bash
# fetch-guest-images.sh [--arch riscv64|aarch64|loongarch64]: Debian's Linux kernel for that architecture (riscv64
# by default), its modules and busybox-static, plus an initramfs built from guest/<arch>/linux/init and
# the modules listed in guest/<arch>/linux/modules, cached outside git (~/.cache/hvwb/guest-images/<arch>,
# or $HVWB_CACHE/guest-images/<arch>) and linked as examples/<arch>-linux-root/images.
# Idempotent: when the cache is current it touches no network and takes well under a second.
# The mirror comes from this machine's apt configuration; details in scripts/guest-images.mjs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HELPER="$ROOT/scripts/guest-images.mjs"

arch=riscv64
case "${1:-}" in
    --arch) arch="${2:-}" ;;
    --arch=*) arch="${1#--arch=}" ;;
    "") ;;
    *) echo "usage: $0 [--arch riscv64|aarch64|loongarch64]" >&2; exit 2 ;;
esac
case "$arch" in
    riscv64|aarch64|loongarch64) ;;
    *) echo "fetch-guest-images: unknown architecture \"$arch\" (known: riscv64, aarch64, loongarch64)" >&2; exit 2 ;;
esac

if node "$HELPER" --arch "$arch" --cached-only; then exit 0; fi

if [ ! -d /etc/apt ] || ! command -v dpkg-deb >/dev/null 2>&1; then
    cat >&2 <<MSG
fetch-guest-images: this is not a Debian-like machine (no apt / dpkg-deb), so the $arch Linux guest
images cannot be fetched here; the $arch Linux boot test will be skipped. To bring your own, put an
uncompressed $arch \`Image\` and a gzip'd newc \`initramfs.cpio.gz\` (whose /init prints
\`hvwb-init: starting\` and runs a \`# \` shell on the console) in a folder and link it:
    ln -s /path/to/folder examples/$arch-linux-root/images
See guest/README.md, "Linux guest images".
MSG
    exit 0
fi

missing=()
command -v curl >/dev/null 2>&1 || missing+=(curl)
# xz also decompresses the kernel modules; zstd is there for kernels configured with zstd modules
# and for arm64 EFI zboot kernels with a zstd payload.
command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
command -v zstd >/dev/null 2>&1 || missing+=(zstd)
command -v gpgv >/dev/null 2>&1 || missing+=(gpgv)
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "fetch-guest-images: installing ${missing[*]}"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq "${missing[@]}"
fi

node "$HELPER" --arch "$arch"
