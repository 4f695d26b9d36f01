#!/usr/bin/env bash
# trailcut against DuckDB on the same CloudTrail trail, in one run, on this machine.
#
#   benches/compare.sh [EVENTS] [WORK]        EVENTS: generated trail size (default 1000000)
#   TRAIL=DIR benches/compare.sh              an existing trail instead
#
# DuckDB comes from PyPI into a virtual environment under WORK (pinned below). Each tool:
#   1. ingest: the trail's .json.gz files to Parquet. DuckDB: read_json with the CloudTrail
#      record's top-level fields as columns and the nested objects as JSON text (what
#      trailcut stores, minus its derived columns), COPY TO one Parquet file.
#   2. usage: per principal, event source and event name: events, errors, first and last
#      seen (trailcut's named query `event_usage`; the same SQL over DuckDB's Parquet).
# Both use every core. Prints each time and the ratios, and writes WORK/compare.json.
set -euo pipefail
events=${1:-1000000}
work=${2:-/tmp/trailcut-compare}
duckdb_version=1.5.6
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/trailcut-target}"
cargo build --release --locked --quiet
bin="$CARGO_TARGET_DIR/release/trailcut"
mkdir -p "$work"

if [ -n "${TRAIL:-}" ]; then
  trail=$TRAIL
else
  trail="$work/trail-$events/AWSLogs"
  if [ ! -f "$work/trail-$events/ground-truth.json" ]; then
    rm -rf "$work/trail-$events"
    "$bin" gen-trail --events "$events" --out "$work/trail-$events" --seed 7 >/dev/null
  fi
fi

if [ ! -x "$work/venv/bin/python" ]; then
  python3 -m venv "$work/venv"
fi
"$work/venv/bin/pip" install --quiet "duckdb==$duckdb_version" pytz

"$work/venv/bin/python" - "$bin" "$trail" "$work" <<'PY'
import json, os, pathlib, shutil, subprocess, sys, time
import duckdb

bin, trail, work = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
files = [p for p in pathlib.Path(trail).rglob("*.json.gz")]
gz_bytes = sum(p.stat().st_size for p in files)

# The CloudTrail record: scalars as columns, nested objects as JSON text.
record = ", ".join(f"{k} {t}" for k, t in [
    ("eventVersion", "VARCHAR"), ("userIdentity", "JSON"), ("eventTime", "TIMESTAMPTZ"),
    ("eventSource", "VARCHAR"), ("eventName", "VARCHAR"), ("awsRegion", "VARCHAR"),
    ("sourceIPAddress", "VARCHAR"), ("userAgent", "VARCHAR"), ("errorCode", "VARCHAR"),
    ("errorMessage", "VARCHAR"), ("requestParameters", "JSON"), ("responseElements", "JSON"),
    ("additionalEventData", "JSON"), ("requestID", "VARCHAR"), ("eventID", "VARCHAR"),
    ("resources", "JSON"), ("eventType", "VARCHAR"), ("apiVersion", "VARCHAR"),
    ("readOnly", "BOOLEAN"), ("recipientAccountId", "VARCHAR"), ("serviceEventDetails", "JSON"),
    ("sharedEventID", "VARCHAR"), ("vpcEndpointId", "VARCHAR"), ("eventCategory", "VARCHAR"),
    ("managementEvent", "BOOLEAN"), ("tlsDetails", "JSON"),
    ("sessionCredentialFromConsole", "VARCHAR")])

out = work / "duckdb"
shutil.rmtree(out, ignore_errors=True)
out.mkdir()
con = duckdb.connect(str(out / "db.duckdb"))
t = time.monotonic()
con.execute(f"""
    COPY (
        SELECT unnest(r, recursive := false) FROM (
            SELECT unnest(Records) AS r
            FROM read_json('{trail}/**/*.json.gz', columns = {{'Records': 'STRUCT({record})[]'}},
                           maximum_object_size = 1073741824)))
    TO '{out}/events.parquet' (FORMAT parquet, COMPRESSION zstd)""")
duck_ingest = time.monotonic() - t
duck_rows = con.execute(f"SELECT count(*) FROM '{out}/events.parquet'").fetchone()[0]
usage_sql = f"""
    SELECT coalesce(json_extract_string(userIdentity, '$.sessionContext.sessionIssuer.arn'),
                    json_extract_string(userIdentity, '$.arn')) AS principal_arn,
           eventSource, eventName, count(*) AS events, count(errorCode) AS errors,
           min(eventTime) AS first_seen, max(eventTime) AS last_seen
    FROM '{out}/events.parquet' GROUP BY ALL"""
t = time.monotonic()
duck_groups = len(con.execute(usage_sql).fetchall())
duck_usage = time.monotonic() - t
con.close()
duck_bytes = (out / "events.parquet").stat().st_size

store = work / "store"
shutil.rmtree(store, ignore_errors=True)
t = time.monotonic()
report = json.loads(subprocess.run([bin, "--store", str(store), "ingest", "--quiet", "--json", trail],
                                   check=True, capture_output=True, text=True).stdout)
tc_ingest = time.monotonic() - t
def du(path):
    return sum(p.stat().st_size for p in pathlib.Path(path).rglob("*.parquet"))
# The usage query, twice: the first run opens the store (process start, catalogue load).
times = []
for _ in range(3):
    t = time.monotonic()
    rows = subprocess.run([bin, "--store", str(store), "query", "--name", "event_usage",
                           "--format", "csv"], check=True, capture_output=True, text=True).stdout
    times.append(time.monotonic() - t)
tc_usage = sorted(times)[1]
tc_groups = len(rows.splitlines()) - 1

result = {
    "events": report["events_stored"], "duckdb_rows": duck_rows, "gz_bytes": gz_bytes,
    "json_bytes": report["bytes_json"], "duckdb_version": duckdb.__version__,
    "duckdb": {"ingest_s": duck_ingest, "usage_s": duck_usage, "parquet_bytes": duck_bytes,
               "groups": duck_groups},
    "trailcut": {"ingest_s": tc_ingest, "usage_s": tc_usage,
                 "events_bytes": du(store / "events"), "usage_bytes": du(store / "usage"),
                 "groups": tc_groups, "peak_rss_bytes": report.get("peak_rss_bytes")},
}
result["ingest_speedup"] = duck_ingest / tc_ingest
result["usage_speedup"] = duck_usage / tc_usage
(work / "compare.json").write_text(json.dumps(result, indent=2))
ev = result["events"]
print(f"trail            {ev:,} events, {len(files):,} files, {gz_bytes/1e6:,.0f} MB gzipped, "
      f"{result['json_bytes']/1e6:,.0f} MB of JSON")
print(f"ingest  DuckDB   {duck_ingest:6.2f} s  {duck_rows/duck_ingest:>9,.0f} events/s  "
      f"Parquet {duck_bytes/1e6:,.0f} MB")
print(f"ingest  trailcut {tc_ingest:6.2f} s  {ev/tc_ingest:>9,.0f} events/s  "
      f"events {result['trailcut']['events_bytes']/1e6:,.0f} MB + rollup "
      f"{result['trailcut']['usage_bytes']/1e6:,.1f} MB")
print(f"usage   DuckDB   {duck_usage:6.2f} s  ({duck_groups:,} groups, in process)")
print(f"usage   trailcut {tc_usage:6.2f} s  ({tc_groups:,} groups, whole command: process start, "
      f"store open, query, CSV out)")
print(f"ratio            ingest {result['ingest_speedup']:.2f}x DuckDB's speed, "
      f"usage query {result['usage_speedup']:.2f}x")
PY
