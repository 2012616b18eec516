#!/usr/bin/env bash
# Replaying CloudTrail logs in dry run (PRODUCT §8: at least 100k events/s per core).
# A deterministic synthetic trail of R records (a day of a busy account: 1% of the records
# create EC2 resources, the rest are reads and other services' calls), split into 100 files as
# CloudTrail delivers them, plain and gzip'd, replayed by `ec2guard handle --dry-run` as a
# whole process pinned to one core (taskset -c 0). Medians of N runs.
#  1. no AWS: the endpoint is a closed port. scripts/bench.d/replay.yaml's rules decide every
#     record without AWS (its creation rule notifies, which in dry run calls nothing), and the
#     run fails if any decision failed, i.e. if any AWS call was tried.
#  2. the seeds on moto: the seeds' auto-tag rule reads every created resource even in dry run
#     (DescribeInstances, DescribeTags of its volumes and interfaces), so that replay is bound
#     by the endpoint, not the core: measured on a smaller trail naming a moto fleet.
# Then the same path in process: go test -bench BenchmarkReplayDryRun (GOMAXPROCS=1), plain and
# gzip'd files of 2,000 records.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-5}
R=${R:-200000}
go build -trimpath -o bin/ec2guard ./cmd/ec2guard
work=$(mktemp -d)
moto=
trap '[ -n "$moto" ] && kill $moto 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/plain" "$work/gz"
go run ./internal/benchdata/trailgen -n "$R" -files 100 -o "$work/plain/trail-%03d.json"
go run ./internal/benchdata/trailgen -n "$R" -files 100 -o "$work/gz/trail-%03d.json.gz"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# replay NAME RECORDS RULES FILES...: N timed runs; prints the medians of wall events/s and of
# events per CPU second (user+sys: what the core itself spent, whatever else the machine runs).
replay() {
  local name=$1 records=$2 rules=$3; shift 3
  : >"$work/wall"; : >"$work/cpu"
  for _ in $(seq "$N"); do
    t0=$(date +%s%N)
    /usr/bin/time -f '%U %S' -o "$work/t" taskset -c 0 bin/ec2guard handle -r "$rules" --dry-run --no-state "$@" >"$work/out" 2>"$work/err" || { cat "$work/err"; exit 1; }
    t1=$(date +%s%N)
    lines=$(wc -l <"$work/out")
    [ "$lines" -ge "$records" ] || { echo "$name: $lines decision records for $records events"; exit 1; }
    if grep -q '"outcome":"failed"' "$work/out"; then echo "$name: decisions failed:"; grep -m3 '"outcome":"failed"' "$work/out"; exit 1; fi
    echo "$records $t0 $t1" | awk '{printf "%.0f\n", $1 / (($3 - $2) / 1e9)}' >>"$work/wall"
    awk -v r="$records" '{printf "%.0f\n", r / ($1 + $2)}' "$work/t" >>"$work/cpu"
  done
  printf '%-44s %12.0f %16.0f   (%s dry-run decisions)\n' "$name" "$(median <"$work/wall")" "$(median <"$work/cpu")" \
    "$(grep -c '"outcome":"dry-run"' "$work/out" || true)"
}

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
printf '%-44s %12s %16s\n' "replay in dry run, 1 core (median of $N)" "events/s" "events/CPU-s"
AWS_ENDPOINT_URL=http://127.0.0.1:1 replay "no AWS, $R records, plain" "$R" scripts/bench.d/replay.yaml "$work"/plain/*
AWS_ENDPOINT_URL=http://127.0.0.1:1 replay "no AWS, $R records, gzip" "$R" scripts/bench.d/replay.yaml "$work"/gz/*

# 2. The seeds on moto, a trail naming a fleet of 10 instances and 10 volumes.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env -u AWS_PROFILE -u AWS_ENDPOINT_URL moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto=$!
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -s -o /dev/null "$AWS_ENDPOINT_URL/moto-api/data.json" && break; sleep 0.1; done
read -r instances volumes < <(python3 - <<'PY'
import boto3
ec2 = boto3.client("ec2")
img = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
ids = [i["InstanceId"] for i in ec2.run_instances(ImageId=img, MinCount=10, MaxCount=10)["Instances"]]
vols = [ec2.create_volume(Size=8, AvailabilityZone="us-east-1a")["VolumeId"] for _ in range(10)]
print(",".join(ids), ",".join(vols))
PY
)
RM=$((R / 10))
mkdir -p "$work/fleet"
go run ./internal/benchdata/trailgen -n "$RM" -files 10 -instances "$instances" -volumes "$volumes" -o "$work/fleet/trail-%03d.json.gz"
topic=arn:aws:sns:us-east-1:123456789012:ops
EC2GUARD_VAR_topic=$topic replay "seeds on moto, $RM records, gzip" "$RM" examples/seeds.yaml "$work"/fleet/*

echo
GOMAXPROCS=1 go test -run '^$' -bench '^BenchmarkReplayDryRun$' -benchtime 10x -count "$N" ./cli |
  awk '/^Benchmark/ { name=$1; sub(/-[0-9]+$/, "", name); for (i=2;i<NF;i++) if ($(i+1)=="events/s") print name, $i }' |
  sort -k1,1 -k2,2n |
  awk '
    { vals[$1] = vals[$1] " " $2 }
    END {
      for (k in vals) {
        c = split(substr(vals[k], 2), a, " ")
        name = k; sub(/^BenchmarkReplayDryRun\//, "", name)
        printf "%-44s %12.0f\n", "in process (go test -bench, 1 CPU), " name, (c % 2) ? a[(c+1)/2] : (a[c/2] + a[c/2+1]) / 2
      }
    }'
