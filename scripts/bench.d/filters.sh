#!/usr/bin/env bash
# attr filter evaluation over 64 instances in memory (trees as awsapi.Tree builds them):
# evaluations/s per filter shape, median of 5 runs on one core (target: >= 1M/s).
set -euo pipefail
cd "$(dirname "$0")/../.."
go test -cpu 1 -run '^$' -bench '^BenchmarkAttrFilter$' -benchtime=1s -count=5 ./rules |
  awk '/^BenchmarkAttrFilter\// { name=$1; sub(/-[0-9]+$/, "", name); for (i=2;i<NF;i++) if ($(i+1)=="evals/s") print name, $i }' |
  sort -k1,1 -k2,2n |
  awk '
    { vals[$1] = vals[$1] " " $2 }
    END {
      printf "%-36s %12s\n", "benchmark (median of 5, 1 core)", "evals/s"
      for (k in vals) {
        c = split(substr(vals[k], 2), a, " ")
        med = (c % 2) ? a[(c+1)/2] : (a[c/2] + a[c/2+1]) / 2
        printf "%-36s %12.0f\n", k, med
      }
    }'
