#!/usr/bin/env bash
# The whole test suite from a fresh clone: dependencies, layer rule, type checks, unit, ISA, boot
# and browser (Playwright + Chromium) tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Debian's riscv64, arm64 and loong64 kernels and busybox for the Linux boot tests and benchmarks (cached;
# skipped where unavailable).
bash scripts/fetch-guest-images.sh || echo "warning: riscv64 guest images unavailable; the riscv64 Linux tests will be skipped" >&2
bash scripts/fetch-guest-images.sh --arch aarch64 || echo "warning: aarch64 guest images unavailable; the aarch64 Linux tests will be skipped" >&2
bash scripts/fetch-guest-images.sh --arch loongarch64 || echo "warning: loongarch64 guest images unavailable; the loongarch64 Linux tests will be skipped" >&2
npm test
