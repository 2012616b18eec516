#!/usr/bin/env bash
# Cold handling of one event as a whole process (PRODUCT §8): `ec2guard handle` restarting a
# protected instance on a local moto, next to the seed's Python/boto3 handler doing the same
# call. Each run stops the instance first; wall time and peak RSS are medians of N runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-11}
make -s build
work=$(mktemp -d)
# Measure a copy, written once and sequentially as a deployment unpacks it: the page cache of a
# freshly linked file is laid out differently and moves peak RSS (file-backed pages) by up to 2 MiB.
cp bin/ec2guard "$work/ec2guard.bin"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env -u AWS_PROFILE moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null; rm -rf "$work"' EXIT
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
for _ in $(seq 100); do curl -s -o /dev/null "$AWS_ENDPOINT_URL/moto-api/data.json" && break; sleep 0.1; done
id=$(python3 - <<'PY'
import boto3
ec2 = boto3.client("ec2")
img = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
r = ec2.run_instances(ImageId=img, MinCount=1, MaxCount=1, TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Protected", "Value": "true"}]}])
print(r["Instances"][0]["InstanceId"])
PY
)
stop() { python3 -c "import boto3; boto3.client('ec2').stop_instances(InstanceIds=['$id'])" >/dev/null; }
measure() { # name, then the command; prints "wall_ms rss_kib" per run into $work/$name
  local name=$1; shift
  : >"$work/$name"
  for i in $(seq "$N"); do
    stop
    printf '{"version":"0","id":"bench-%s-%s","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"2026-11-22T10:00:00Z","region":"us-east-1","resources":[],"detail":{"instance-id":"%s","state":"stopped"}}' "$name" "$i" "$id" >"$work/event.json"
    # Wall time of the bare command (no wrapper), then peak RSS from a second, measured run.
    t0=$(date +%s%N)
    "$@" >"$work/out" 2>"$work/err" || { cat "$work/err"; exit 1; }
    t1=$(date +%s%N)
    stop
    /usr/bin/time -f '%M' -o "$work/t" "$@" >/dev/null 2>&1
    echo "$(( (t1 - t0) / 100000 )) $(cat "$work/t")" >>"$work/$name" # wall in 0.1 ms, peak RSS in KiB
  done
}
measure ec2guard "$work/ec2guard.bin" handle -r scripts/bench.d/restart.yaml --no-state "$work/event.json"
grep -q '"outcome":"applied"' "$work/out" || { echo "ec2guard did not start the instance:"; cat "$work/out"; exit 1; }
measure python-seed python3 scripts/bench.d/seed_restart.py "$work/event.json"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
printf '%-34s %12s %14s\n' "cold handling of one event (N=$N)" "median wall" "median peak RSS"
for name in ec2guard python-seed; do
  wall=$(cut -d' ' -f1 "$work/$name" | median)
  rss=$(cut -d' ' -f2 "$work/$name" | median)
  printf '%-34s %9.1f ms %11.1f MiB\n' "$name" "$(echo "$wall / 10" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
done
