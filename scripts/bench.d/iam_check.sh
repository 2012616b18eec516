#!/usr/bin/env bash
# `ec2guard iam check` over the whole AWS managed-policy corpus (issue 4): one cold process
# per run, catalog load included; target under 1 s. Prints the median wall time of N runs,
# policies/s, and the median peak RSS (from separate measured runs).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-11}
corpus=${CORPUS:-../shared/corpus/iam/aws-managed}
make -s build
n=$(find "$corpus" -name '*.json' | wc -l)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { bin/ec2guard iam check "$corpus" --format json --fail-on none >"$work/out"; }
run # warm the page cache: the figure is the process, not the disk
: >"$work/wall"
: >"$work/rss"
for _ in $(seq "$N"); do
  t0=$(date +%s%N)
  run
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 )) >>"$work/wall" # µs
  /usr/bin/time -f '%M' -o "$work/t" bin/ec2guard iam check "$corpus" --format json --fail-on none >/dev/null
  cat "$work/t" >>"$work/rss"
done
findings=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["findings"])' "$work/out")
median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2 }'; }
wall=$(median "$work/wall")
rss=$(median "$work/rss")
awk -v w="$wall" -v n="$n" -v r="$rss" -v f="$findings" -v runs="$N" 'BEGIN {
  printf "%-44s %10.1f ms  (target < 1000 ms)\n", "iam check, " n " managed policies, cold (median of " runs ")", w / 1000
  printf "%-44s %10.0f policies/s\n", "throughput", n / (w / 1e6)
  printf "%-44s %10.1f MiB\n", "peak RSS (median)", r / 1024
  printf "%-44s %10d\n", "findings", f
}'
