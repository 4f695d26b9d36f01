#!/usr/bin/env bash
# Apache Spark (pyspark from PyPI, local mode, Java 17) reads a trailcut store through the
# statements `trailcut store ddl --engine spark` prints, and must count every table's rows
# as the store's own footers do (`trailcut store stats`). Issue 24, item 4's first step:
# the named queries through Spark are still to come (docs/dev/issue-24-plan.md).
#
#   benches/spark.sh [STORE]        default ./trailcut-store (after `trailcut demo`)
#
# The virtual environment is kept in ~/.cache/trailcut-spark.
set -euo pipefail
cd "$(dirname "$0")/.."
store=$(cd "${1:-trailcut-store}" && pwd)
trailcut=$(command -v trailcut || echo "${CARGO_TARGET_DIR:-target}/release/trailcut")
venv="$HOME/.cache/trailcut-spark"
if ! "$venv/bin/python" -c 'import pyspark' >/dev/null 2>&1; then
  python3 -m venv "$venv" && "$venv/bin/pip" install -q 'pyspark==3.5.3'
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$trailcut" --store "$store" store ddl --engine spark --location "file://$store" > "$work/ddl.sql"
"$trailcut" --store "$store" store stats --json > "$work/stats.json"
# One answer computed by both engines, compared row for row: calls per principal and
# event source, with the first and last event time in microseconds.
"$trailcut" --store "$store" query --format ndjson \
  "SELECT coalesce(principal_arn, '') AS p, eventsource AS s, count(*) AS n,
          CAST(min(eventtime) AS BIGINT) AS first, CAST(max(eventtime) AS BIGINT) AS last
   FROM events GROUP BY 1, 2" > "$work/answer.ndjson"
cd "$work"
"$venv/bin/python" - "$work/ddl.sql" "$work/stats.json" "$work/answer.ndjson" <<'PY'
import json, sys, time
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[2]").appName("trailcut")
         .config("spark.ui.enabled", "false")
         .config("spark.sql.session.timeZone", "UTC").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
for statement in open(sys.argv[1]).read().split(";\n"):
    if statement.strip():
        spark.sql(statement.strip().rstrip(";"))
stats = json.load(open(sys.argv[2]))["tables"]
failed = 0
for t in stats:
    started = time.time()
    got = spark.sql(f"SELECT count(*) FROM trailcut.`{t['table']}`").collect()[0][0]
    ok = got == t["rows"]
    failed += not ok
    print(f"{'ok ' if ok else 'BAD'} {t['table']:<30} trailcut {t['rows']:>12,}  spark {got:>12,}  {time.time() - started:6.2f} s")
mine = sorted(tuple(r[k] for k in ("p", "s", "n", "first", "last"))
              for r in map(json.loads, open(sys.argv[3])))
started = time.time()
theirs = sorted(tuple(r) for r in spark.sql(
    "SELECT coalesce(principal_arn, '') AS p, eventsource AS s, count(*) AS n, "
    "unix_micros(min(eventtime)) AS first, unix_micros(max(eventtime)) AS last "
    "FROM trailcut.events GROUP BY 1, 2").collect())
same = mine == theirs
failed += not same
print(f"{'ok ' if same else 'BAD'} calls per principal and source: {len(mine):,} rows, "
      f"{'equal' if same else 'different'} to the microsecond  {time.time() - started:6.2f} s")
sys.exit(1 if failed else 0)
PY
