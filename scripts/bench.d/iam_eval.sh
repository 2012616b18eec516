#!/usr/bin/env bash
# IAM evaluation throughput (issue 5): decisions/s and allocations per decision, median of 5 runs on one core.
set -euo pipefail
cd "$(dirname "$0")/../.."
GOMAXPROCS=1 go test -run '^$' -bench '^BenchmarkDecide' -benchtime=1s -count=5 -benchmem ./iam/eval |
  awk '/^Benchmark/ { name=$1; sub(/-[0-9]+$/, "", name); r=""; a="";
         for (i=2;i<=NF;i++) { if ($(i)=="decisions/s") r=$(i-1); if ($(i)=="allocs/op") a=$(i-1) }
         print name, r, a }' |
  sort -k1,1 -k2,2n |
  awk '
    { vals[$1] = vals[$1] " " $2; allocs[$1] = $3 }
    END {
      printf "%-36s %14s %10s\n", "benchmark (median of 5, 1 core)", "decisions/s", "allocs/op"
      for (k in vals) {
        c = split(substr(vals[k], 2), a, " ")
        med = (c % 2) ? a[(c+1)/2] : (a[c/2] + a[c/2+1]) / 2
        printf "%-36s %14.0f %10s\n", k, med, allocs[k]
      }
    }'
