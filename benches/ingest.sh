#!/usr/bin/env bash
# Measures ingest of a generated trail: events/s, MB/s of JSON, peak RSS, store size
# against input size. Usage: benches/ingest.sh [EVENTS] [WORKDIR] [RUNS]
# Each run ingests into a fresh store; with several runs the median is printed too, since
# a shared 2-core VM varies by 20% or more from run to run.
# (`trailcut bench` measures one run of everything; this script repeats the ingest alone.)
set -euo pipefail
events=${1:-1000000}
work=${2:-/tmp/trailcut-bench}
runs=${3:-1}
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/trailcut-target}"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/trailcut"
trail="$work/trail-$events"
if [ ! -f "$trail/ground-truth.json" ]; then
  rm -rf "$trail"
  "$bin" gen-trail --events "$events" --out "$trail" --seed 7
fi
for run in $(seq 1 "$runs"); do
  rm -rf "$work/store"
  sync
  /usr/bin/time -v "$bin" --store "$work/store" ingest --quiet --json "$trail/AWSLogs" \
    > "$work/report-$run.json" 2> "$work/time-$run.txt" || true
done
python3 - "$work" "$trail" "$runs" <<'PY'
import json, os, re, statistics, sys
work, trail, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
def du(path, suffix):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs if f.endswith(suffix))
gz = du(trail, ".json.gz")
store = du(f"{work}/store/events", ".parquet")
rates, mbs, rss = [], [], []
for run in range(1, runs + 1):
    r = json.load(open(f"{work}/report-{run}.json"))
    t = open(f"{work}/time-{run}.txt").read()
    rss_mib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    rates.append(r["events_per_second"]); mbs.append(r["json_mb_per_second"]); rss.append(rss_mib)
    print(f"run {run}: {r['events_read']:,} events ({r['events_stored']:,} stored) in "
          f"{r['seconds']:.2f} s = {r['events_per_second']:,.0f} events/s, "
          f"{r['json_mb_per_second']:.0f} MB/s of JSON, peak RSS {rss_mib:,.0f} MiB")
print(f"input           {r['bytes_json']/1e6:,.0f} MB of JSON, {gz/1e6:,.0f} MB gzipped, {r['files']:,} files")
print(f"events/s        median {statistics.median(rates):,.0f} (min {min(rates):,.0f}, max {max(rates):,.0f})")
print(f"MB/s of JSON    median {statistics.median(mbs):.0f}")
print(f"peak RSS        median {statistics.median(rss):,.0f} MiB (max {max(rss):,.0f})")
print(f"store size      {store/1e6:,.0f} MB = {100*store/gz:.0f}% of the gzip input")
PY
