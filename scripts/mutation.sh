#!/usr/bin/env bash
# `npm run test:mutation [-- module...]`: Stryker over the pure modules, one module per run (see stryker.config.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
mods=("$@")
[ ${#mods[@]} -eq 0 ] && mods=(ble presence lockers outbox sgtin)
for m in "${mods[@]}"; do
  echo "== mutation: $m"
  STRYKER_MODULE="$m" npx stryker run stryker.config.mjs
done
