#!/usr/bin/env bash
# Ingest one trail from a local S3 server and from disk, and compare (issue 9's figures).
#
#   benches/s3_local.sh TRAIL_DIR [WORK_DIR]
#
# TRAIL_DIR holds AWSLogs/ (e.g. from `trailcut gen-trail --events 1000000 --out DIR`).
# The server is s3s-fs (the S3 protocol over a directory), installed from crates.io into
# WORK_DIR on first use; set S3S_FS to use another binary, TRAILCUT to pick the trailcut
# binary (default: the release build). Prints the S3 run, the re-run and the disk run as
# JSON lines, then checks that both stores hold the same events.
set -euo pipefail
trail=$(cd "$1" && pwd)
work=${2:-/tmp/trailcut-s3-bench}
mkdir -p "$work"
work=$(cd "$work" && pwd)
target=${CARGO_TARGET_DIR:-$(dirname "$0")/../target}
trailcut=${TRAILCUT:-$target/release/trailcut}
s3s=${S3S_FS:-$work/s3s/bin/s3s-fs}
if [ ! -x "$s3s" ]; then
  cargo install s3s-fs --version 0.14.1 --features binary --locked --root "$work/s3s"
fi

rm -rf "$work/root" "$work/s3-store" "$work/disk-store"
mkdir -p "$work/root/bench"
cp -r "$trail/AWSLogs" "$work/root/bench/"
port=$((20000 + RANDOM % 20000))
"$s3s" --host 127.0.0.1 --port "$port" --access-key AKIDBENCH --secret-key benchsecret \
  "$work/root" >"$work/s3s.log" 2>&1 &
server=$!
trap 'kill $server' EXIT
sleep 1

export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=benchsecret AWS_REGION=us-east-1
endpoint=http://127.0.0.1:$port
summary='{files, files_ingested, events_read, events_stored, seconds, files_per_second,
  events_per_second, json_mb_per_second, peak_rss_bytes, remote}'
"$trailcut" --store "$work/s3-store" ingest s3://bench --endpoint-url "$endpoint" --quiet --json \
  >"$work/s3-first.json" || true
"$trailcut" --store "$work/s3-store" ingest s3://bench --endpoint-url "$endpoint" --quiet --json \
  >"$work/s3-second.json" || true
"$trailcut" --store "$work/disk-store" ingest "$trail/AWSLogs" --quiet --json \
  >"$work/disk.json" || true
for run in s3-first s3-second disk; do
  python3 - "$work/$run.json" "$run" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
keys = ["files", "files_ingested", "events_read", "events_stored", "seconds",
        "files_per_second", "events_per_second", "json_mb_per_second", "peak_rss_bytes", "remote"]
print(json.dumps({"run": sys.argv[2], **{k: r.get(k) for k in keys}}))
PY
done
q="SELECT count(*) AS events, count(DISTINCT eventid) AS ids, sum(length(requestparameters)) AS params FROM events"
a=$("$trailcut" --store "$work/s3-store" query "$q" --format csv)
b=$("$trailcut" --store "$work/disk-store" query "$q" --format csv)
echo "s3 store:   $a" | tr '\n' ' '; echo
echo "disk store: $b" | tr '\n' ' '; echo
[ "$a" = "$b" ] && echo "same events" || { echo "DIFFERENT"; exit 1; }
