#!/usr/bin/env python3
"""Resource-level tightening on a generated trail: how far each kept action's Resource is
narrowed, how often an event names its resources, and whether the replay still allows every
call.

Steps (all with the trailcut binary given, release by default):
  1. `trailcut gen-trail --events N`, ingested, and a `*` policy for every IAM user and role
     of the ground truth (as benches/tighten-truth.py does);
  2. per service, the share of successful calls (event x action, own and dependent) whose
     resources `event_resources` derives, against those it cannot (actions that support no
     resource-level permission are counted apart: only `*` grants them);
  3. `trailcut tighten --user|--role NAME --level resource --drop-unobservable --json` for
     each principal: kept actions narrowed below `*`, generalised, or kept on `*` and why,
     and the replay's regressions.

Usage: benches/resource-truth.py [--events 1000000] [--bin target/release/trailcut]
                                 [--work /tmp/resource-truth] [--seed 7] [--max-arns 20]
"""

import argparse
import collections
import importlib.util
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("tighten_truth", HERE / "tighten-truth.py")
truth_bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(truth_bench)
START, run, generated_store = truth_bench.START, truth_bench.run, truth_bench.generated_store

DERIVATION = """
SELECT split_part(action, ':', 1) AS service, r['status'] AS status, count(*) AS calls
FROM (
  SELECT action, event_resources(action, eventsource, eventname, awsregion, useridentity,
                                 resources, requestparameters, responseelements) AS r
  FROM (
    SELECT unnest(array_concat(iam_actions, iam_dependent_actions)) AS action, eventsource,
           eventname, awsregion, useridentity, resources, requestparameters, responseelements
    FROM events WHERE errorcode IS NULL AND mapping_status = 'mapped'))
GROUP BY 1, 2 ORDER BY 1, 2
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--bin", default=None)
    ap.add_argument("--work", default="/tmp/resource-truth")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-arns", type=int, default=20)
    args = ap.parse_args()
    root = HERE.parent
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", root / "target"))
    trailcut = args.bin or str(target / "release" / "trailcut")
    work = pathlib.Path(args.work)
    store = work / "store"
    truth, principals, _, _ = generated_store(trailcut, work, args.events, args.seed)

    t = time.monotonic()
    out = run([trailcut, "--store", str(store), "query", "--format", "json", DERIVATION]).stdout
    derive_s = time.monotonic() - t
    by_service = collections.defaultdict(collections.Counter)
    for row in json.loads(out):
        by_service[row["service"]][row["status"]] += row["calls"]
    total = collections.Counter()
    print(f"trail: {truth['events']:,} events; event_resources over every successful call "
          f"took {derive_s:.1f} s")
    print(f"{'service':<16}{'calls':>10}{'derived':>10}{'underivable':>13}{'not scoped':>12}"
          f"{'derived share':>15}")
    for service, c in sorted(by_service.items(), key=lambda kv: -sum(kv[1].values())):
        total.update(c)
        scoped = c["derived"] + c["underivable"]
        share = f"{100 * c['derived'] / scoped:.1f}%" if scoped else "-"
        print(f"{service:<16}{sum(c.values()):>10,}{c['derived']:>10,}{c['underivable']:>13,}"
              f"{c['not_scoped']:>12,}{share:>15}")
    scoped = total["derived"] + total["underivable"]
    print(f"{'all':<16}{sum(total.values()):>10,}{total['derived']:>10,}"
          f"{total['underivable']:>13,}{total['not_scoped']:>12,}"
          f"{100 * total['derived'] / max(scoped, 1):>14.1f}%")

    kept = narrowed = generalised = 0
    why = collections.Counter()
    regressions = replayed = underivable = fell_back = 0
    times, failures = [], []
    for kind, name, account, arn in principals:
        t = time.monotonic()
        proc = subprocess.run(
            [trailcut, "--store", str(store), "tighten", f"--{kind}", name, "--account", account,
             "--level", "resource", "--max-arns", str(args.max_arns), "--drop-unobservable",
             "--since", START, "--json"],
            capture_output=True, text=True)
        times.append(time.monotonic() - t)
        if proc.returncode not in (0, 1):
            failures.append(f"{arn}: exit {proc.returncode}: {proc.stderr.strip()[:300]}")
            continue
        plan = json.loads(proc.stdout)
        regressions += len(plan["replay"]["regressions"])
        replayed += plan["replay"]["events"]
        underivable += plan["replay"]["underivable"]
        fell_back += any("written at action level" in w for w in plan["warnings"])
        for p in plan["policies"]:
            for item in p["items"]:
                if item["decision"] != "kept":
                    continue
                kept += 1
                choice = item.get("resources") or {}
                if choice.get("kept_because"):
                    reason = choice["kept_because"]
                    why["calls that do not name their resources" if "do not name" in reason
                        else reason] += 1
                elif choice:
                    narrowed += 1
                    generalised += bool(choice.get("generalised"))

    n = len(principals)
    print(f"\nprincipals tightened at resource level: {n} (--max-arns {args.max_arns}); "
          f"{fell_back} written at action level because no resource-level document fit "
          f"IAM's size limits")
    print(f"kept actions: {kept}; narrowed below `*`: {narrowed} "
          f"({100 * narrowed / max(kept, 1):.1f}%), of which generalised: {generalised}")
    for reason, count in why.most_common():
        print(f"  kept on the statement's Resource: {count} x {reason}")
    print(f"replayed {replayed:,} events: {regressions} would be denied; "
          f"{underivable:,} events have an action whose resources they do not name")
    print(f"tighten time per principal: median {statistics.median(times):.2f} s, "
          f"max {max(times):.2f} s, total {sum(times):.1f} s")
    for f in failures[:20]:
        print("FAILED", f)
    if failures or regressions:
        sys.exit(1)


if __name__ == "__main__":
    main()
