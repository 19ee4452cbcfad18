#!/usr/bin/env bash
# npm ci, only when node_modules is missing or was installed from another package-lock.json: the lock's
# hash is stamped into node_modules after a successful install (mtimes say nothing after a git checkout
# or a fresh clone). Electron's own download script is not run by npm (package.json allowScripts), so
# installing works without internet; the workbench then runs in browser mode.
set -euo pipefail
cd "$(dirname "$0")/.."
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp=node_modules/.hvwb-lock-sha256
if [ -d node_modules ] && [ "$(cat "$stamp" 2>/dev/null)" = "$lock_hash" ]; then
  exit 0
fi
npm ci --no-audit --no-fund
echo "$lock_hash" > "$stamp"
