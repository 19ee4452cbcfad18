#!/usr/bin/env bash
# Opens the workbench on the built-in demo layout (or the layout folder given): an Electron window
# where Electron is installed, otherwise browser mode on a printed 127.0.0.1 address with a token.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
exec node scripts/start.mjs "$@"
