#!/usr/bin/env bash
# Pattern matching throughput (PRODUCT §8): events/s per benchmark, median of 5 runs on one core.
set -euo pipefail
cd "$(dirname "$0")/../.."
GOMAXPROCS=1 go test -run '^$' -bench '^Benchmark(CityLots|EC2Rules)' -benchtime=1s -count=5 ./pattern |
  awk '/^Benchmark/ { name=$1; sub(/-[0-9]+$/, "", name); for (i=2;i<NF;i++) if ($(i+1)=="events/s") print name, $i }' |
  sort -k1,1 -k2,2n |
  awk '
    { vals[$1] = vals[$1] " " $2; n[$1]++ }
    END {
      printf "%-36s %12s\n", "benchmark (median of 5, 1 core)", "events/s"
      for (k in vals) {
        c = split(substr(vals[k], 2), a, " ")
        med = (c % 2) ? a[(c+1)/2] : (a[c/2] + a[c/2+1]) / 2
        m[k] = med
        printf "%-36s %12.0f\n", k, med
      }
      if (m["BenchmarkEC2Rules1"] > 0) printf "%-36s %12.2f\n", "ratio: 1,000 rules / 1 rule", m["BenchmarkEC2Rules1000"] / m["BenchmarkEC2Rules1"]
    }'
