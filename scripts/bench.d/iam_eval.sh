#!/usr/bin/env bash
# IAM evaluation throughput (issue 5): decisions/s and allocations per decision, and policy
# parsing over the AWS managed-policy corpus; median of 5 runs on one core.
set -euo pipefail
cd "$(dirname "$0")/../.."
{
  GOMAXPROCS=1 go test -run '^$' -bench '^BenchmarkDecide' -benchtime=1s -count=5 -benchmem ./iam/eval
  GOMAXPROCS=1 go test -run '^$' -bench '^BenchmarkParseManagedCorpus' -benchtime=1s -count=5 -benchmem ./iam/policy
} |
  awk '/^Benchmark/ { name=$1; sub(/-[0-9]+$/, "", name); r=""; u=""; a="";
         for (i=2;i<=NF;i++) { if ($(i)=="decisions/s" || $(i)=="policies/s") { r=$(i-1); u=$(i) } if ($(i)=="allocs/op") a=$(i-1) }
         print name, r, u, a }' |
  sort -k1,1 -k2,2n |
  awk '
    { vals[$1] = vals[$1] " " $2; unit[$1] = $3; allocs[$1] = $4 }
    END {
      printf "%-36s %14s %-12s %12s\n", "benchmark (median of 5, 1 core)", "rate", "unit", "allocs/op"
      for (k in vals) {
        c = split(substr(vals[k], 2), a, " ")
        med = (c % 2) ? a[(c+1)/2] : (a[c/2] + a[c/2+1]) / 2
        printf "%-36s %14.0f %-12s %12s\n", k, med, unit[k], allocs[k]
      }
    }'
