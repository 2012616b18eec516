#!/usr/bin/env bash
# Our side of the side by side (README, Controls): a moto of our own on a free loopback port, the
# fleet of scripts/versus_fleet.py on it, then `ec2guard scan --controls all` over it N times.
# Prints the failing resources per control of the last run and the median wall time of a scan.
# On a plain moto two things differ from AWS (and from the comparison's patched moto): moto ignores
# DescribeSnapshots' RestorableByUserIds, so EC2.1 fails every snapshot, and it answers 500 to
# GetSnapshotBlockPublicAccessState, GetImageBlockPublicAccessState, GetInstanceMetadataDefaults
# and GetEbsDefaultKmsKeyId (AWS_MAX_ATTEMPTS=1 here, so those are one error each, not retried).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-5}
make -s build
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env -u AWS_PROFILE moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null; rm -rf "$work"' EXIT
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1
for _ in $(seq 300); do curl -s -o /dev/null "$AWS_ENDPOINT_URL/moto-api/data.json" && break; sleep 0.1; done
echo "fleet: $(python3 scripts/versus_fleet.py)"
for i in $(seq "$N"); do
  t0=$(date +%s%N)
  bin/ec2guard scan --controls all --region us-east-1 --format json >"$work/records" 2>"$work/err" || { cat "$work/err"; exit 1; }
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 )) >>"$work/walls"
done
tail -1 "$work/err"
python3 - "$work/records" <<'PY'
import collections, json, sys
fails = collections.Counter()
for line in open(sys.argv[1]):
    r = json.loads(line)
    fails[(r["control"], r.get("securityhub") or "-")] += r["status"] == "fail"
for (c, sh), n in sorted(fails.items()):
    print(f"{c:14} {sh:8} {n} failing")
PY
echo "scan wall ms over $N runs (sorted): $(sort -n "$work/walls" | tr '\n' ' ')median $(sort -n "$work/walls" | sed -n "$(( (N + 1) / 2 ))p")"
