#!/usr/bin/env bash
# The `make bench` target: every figure PRODUCT §8 holds us to, as medians over repeated runs.
set -euo pipefail
cd "$(dirname "$0")/.."
for part in scripts/bench.d/*.sh; do
  [ -e "$part" ] || continue
  echo "== $(basename "$part" .sh)"
  bash "$part"
done
