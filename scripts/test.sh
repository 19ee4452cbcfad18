#!/usr/bin/env bash
# The whole test suite from a fresh clone: dependencies, layer rule, type checks, unit, ISA, boot
# and browser (Playwright + Chromium) tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Debian's riscv64 kernel and busybox for the Linux boot tests (cached; skipped where unavailable).
bash scripts/fetch-guest-images.sh || echo "warning: guest images unavailable; the Linux tests will be skipped" >&2
npm test
