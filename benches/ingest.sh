#!/usr/bin/env bash
# Measures ingest of a generated trail: events/s, MB/s of JSON, peak RSS, store size
# against input size. Usage: benches/ingest.sh [EVENTS] [WORKDIR]
# (`trailcut bench` will replace this script; the figures it prints go into BENCHMARKS.md.)
set -euo pipefail
events=${1:-1000000}
work=${2:-/tmp/trailcut-bench}
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/trailcut-target}"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/trailcut"
trail="$work/trail-$events"
if [ ! -f "$trail/ground-truth.json" ]; then
  rm -rf "$trail"
  "$bin" gen-trail --events "$events" --out "$trail" --seed 7
fi
rm -rf "$work/store"
sync
/usr/bin/time -v "$bin" --store "$work/store" ingest --quiet --json "$trail/AWSLogs" \
  > "$work/report.json" 2> "$work/time.txt" || true
python3 - "$work" "$trail" <<'PY'
import json, os, re, sys
work, trail = sys.argv[1], sys.argv[2]
r = json.load(open(f"{work}/report.json"))
t = open(f"{work}/time.txt").read()
rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
def du(path, suffix):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs if f.endswith(suffix))
gz = du(trail, ".json.gz")
store = du(f"{work}/store/events", ".parquet")
print(f"events          {r['events_read']:,} ({r['events_stored']:,} stored)")
print(f"seconds         {r['seconds']:.2f}")
print(f"events/s        {r['events_per_second']:,.0f}")
print(f"MB/s of JSON    {r['json_mb_per_second']:.0f}  ({r['bytes_json']/1e6:,.0f} MB of JSON, {gz/1e6:,.0f} MB gzipped)")
print(f"peak RSS        {rss_kb/1024:,.0f} MiB")
print(f"store size      {store/1e6:,.0f} MB = {100*store/gz:.0f}% of the gzip input")
PY
