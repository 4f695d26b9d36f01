#!/usr/bin/env python3
"""Checks that two stores hold the same events and the same usage, whatever their file layout
or row order: per-table row counts, a content checksum per column of `events` (the sum of
each value's hash, so order does not matter), and the rollup's totals per key (principal,
call, action, role, outcome, resources: events, first and last seen).

    benches/same-store.py STORE_A STORE_B      (needs the duckdb module: benches/compare.sh
                                                leaves a venv with it under its WORK dir)

Used when a change to ingest must leave every answer unchanged: ingest one trail with the
old binary and the new one, then compare the stores. Exit status 1 when they differ.
"""
import sys, duckdb
a, b = sys.argv[1], sys.argv[2]
con = duckdb.connect()
failed = False
for table in ["events", "usage"]:
    cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{a}/{table}/*/*.parquet', hive_partitioning=false)").fetchall()]
    exprs = ", ".join(f"sum(hash({c}))::VARCHAR" for c in cols) if table=="events" else None
    def sums(store):
        if table == "events":
            return con.execute(f"SELECT count(*), {exprs} FROM read_parquet('{store}/{table}/*/*.parquet', hive_partitioning=false)").fetchone()
        # usage rows depend on how events were split into files: compare totals per key
        return con.execute(f"""SELECT count(*), sum(hash(k, e, f, l))::VARCHAR FROM (
            SELECT (principal_arn, eventsource, eventname, action, role, outcome, resource_status, resource_arns) k,
                   sum(events) e, min(first_seen) f, max(last_seen) l
            FROM read_parquet('{store}/{table}/*/*.parquet', hive_partitioning=false) GROUP BY ALL)""").fetchone()
    x, y = sums(a), sums(b)
    names = ["rows"] + (cols if table == "events" else ["usage per key"])
    diff = [n for n, p, q in zip(names, x, y) if p != q]
    print(table, "rows", x[0], y[0], "differing:", diff or "none")
