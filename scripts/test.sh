#!/usr/bin/env bash
# The whole test suite from a fresh clone: dependencies, layer rule, type checks, unit, ISA, boot
# and browser (Playwright + Chromium) tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm test
