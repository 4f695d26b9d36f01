#!/usr/bin/env python3
"""Tightening against ground truth: how many principals of a generated trail get exactly
the actions they used, why any do not, and how long tightening takes.

Steps (all with the trailcut binary given, release by default):
  1. `trailcut gen-trail --events N` writes a trail and ground-truth.json (every principal's
     calls, with successes and errors);
  2. the trail is ingested;
  3. every IAM user and role of the ground truth gets its own customer-managed policy
     allowing `*` (an authorization-details file per account, ingested with `authz ingest`);
  4. `trailcut tighten --user|--role NAME --level action --drop-unobservable --json` runs for
     each, and the actions it keeps are compared with the actions of the calls the ground
     truth says succeeded (mapped by trailcut's own `iam_actions`, the only mapping there is).

Differences are explained per action: a dependent action the calls needed (`iam:PassRole`),
a call that failed with an error other than an authorisation one (authorised, so kept), a
call that maps to no action, or none of these (a defect).

Usage: benches/tighten-truth.py [--events 1000000] [--bin target/release/trailcut]
                                [--work /tmp/tighten-truth] [--seed 7]
"""

import argparse
import collections
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import time

# The generated trail's first day: the window starts there.
START = "2026-01-05"

BROAD = {"Version": "2012-10-17",
         "Statement": [{"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}]}
TRUST = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def authorization_details(truth, start):
    """One get-account-authorization-details document per account: every IAM user and role
    of the ground truth with its own `*` policy."""
    accounts = collections.defaultdict(lambda: {"UserDetailList": [], "GroupDetailList": [],
                                                "RoleDetailList": [], "Policies": []})
    principals = []
    for n, p in enumerate(truth["principals"]):
        arn = p["principal_arn"]
        if not arn.startswith("arn:aws:iam::") or p["type"] not in ("IAMUser", "AssumedRole"):
            continue
        account = arn.split(":")[4]
        resource = arn.split(":", 5)[5]
        kind, _, rest = resource.partition("/")
        if kind not in ("user", "role"):
            continue
        path, _, name = rest.rpartition("/")
        path = f"/{path}/" if path else "/"
        policy = f"broad-{kind}-{n}"
        policy_arn = f"arn:aws:iam::{account}:policy/{policy}"
        doc = accounts[account]
        attached = [{"PolicyName": policy, "PolicyArn": policy_arn}]
        entry = {"Path": path, "Arn": arn, "CreateDate": start, "AttachedManagedPolicies": attached}
        if kind == "user":
            entry.update({"UserName": name, "UserId": f"AIDA{n:017d}", "GroupList": []})
            doc["UserDetailList"].append(entry)
        else:
            entry.update({"RoleName": name, "RoleId": f"AROA{n:017d}",
                          "AssumeRolePolicyDocument": TRUST, "RolePolicyList": []})
            doc["RoleDetailList"].append(entry)
        doc["Policies"].append({
            "PolicyName": policy, "PolicyId": f"ANPA{n:017d}", "Arn": policy_arn, "Path": "/",
            "DefaultVersionId": "v1", "AttachmentCount": 1, "IsAttachable": True,
            "CreateDate": start, "UpdateDate": start,
            "PolicyVersionList": [{"Document": BROAD, "VersionId": "v1",
                                   "IsDefaultVersion": True, "CreateDate": start}]})
        principals.append((kind, name, account, arn))
    return accounts, principals


def generated_store(trailcut, work, events, seed):
    """A fresh store at work/store holding a generated trail of `events` events and a `*`
    policy for each IAM user and role of its ground truth. Returns the ground truth, the
    principals, and the seconds gen-trail and ingest took."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    store = work / "store"
    t = time.monotonic()
    run([trailcut, "gen-trail", "--events", str(events), "--out", str(work / "trail"),
         "--seed", str(seed), "--start", START, "--days", "30"])
    gen_s = time.monotonic() - t
    truth = json.loads((work / "trail" / "ground-truth.json").read_text())
    t = time.monotonic()
    run([trailcut, "--store", str(store), "ingest", str(work / "trail" / "AWSLogs")])
    ingest_s = time.monotonic() - t
    accounts, principals = authorization_details(truth, "2025-01-01T00:00:00Z")
    files = []
    for account, doc in accounts.items():
        path = work / f"authorization-details-{account}.json"
        path.write_text(json.dumps(doc))
        files.append(str(path))
    run([trailcut, "--store", str(store), "authz", "ingest", *files])
    return truth, principals, gen_s, ingest_s


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--bin", default=None)
    ap.add_argument("--work", default="/tmp/tighten-truth")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    root = pathlib.Path(__file__).resolve().parent.parent
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", root / "target"))
    trailcut = args.bin or str(target / "release" / "trailcut")
    work = pathlib.Path(args.work)
    store = work / "store"
    truth, principals, gen_s, ingest_s = generated_store(trailcut, work, args.events, args.seed)

    # The actions of every call, as the store maps them, and the dependent actions each
    # principal's calls needed.
    mapped = {}
    out = run([trailcut, "--store", str(store), "query", "--format", "json",
               "SELECT DISTINCT eventsource, eventname, "
               "array_to_string(iam_actions, ' ') AS actions, mapping_status FROM events"]).stdout
    for row in json.loads(out):
        mapped[(row["eventsource"], row["eventname"])] = (
            (row.get("actions") or "").split(), row["mapping_status"])
    out = run([trailcut, "--store", str(store), "query", "--format", "json",
               "SELECT principal_arn, a FROM (SELECT DISTINCT principal_arn, "
               "unnest(iam_dependent_actions) AS a FROM events WHERE errorcode IS NULL)"]).stdout
    dependent = collections.defaultdict(set)
    for row in json.loads(out):
        dependent[row["principal_arn"]].add(row["a"].lower())
    by_arn = {p["principal_arn"]: p for p in truth["principals"]}

    exact = 0
    reasons = collections.Counter()
    defects = []
    times = []
    unobservable = []
    regressions = 0
    for kind, name, account, arn in principals:
        t = time.monotonic()
        proc = subprocess.run(
            [trailcut, "--store", str(store), "tighten", f"--{kind}", name, "--account", account,
             "--level", "action", "--drop-unobservable", "--since", START, "--json"],
            capture_output=True, text=True)
        times.append(time.monotonic() - t)
        if proc.returncode not in (0, 1):
            defects.append(f"{arn}: exit {proc.returncode}: {proc.stderr.strip()[:300]}")
            continue
        plan = json.loads(proc.stdout)
        regressions += len(plan["replay"]["regressions"])
        items = [i for p in plan["policies"] for i in p["items"]]
        kept = {i["name"].lower() for i in items if i["decision"] == "kept"}
        unobservable.append(sum(1 for i in items if i["decision"] == "unobservable"))
        used, failed_only, unmapped = set(), set(), 0
        for call in by_arn[arn]["calls"]:
            actions, status = mapped.get((call["eventSource"], call["eventName"]), ([], "unmapped"))
            if status != "mapped":
                unmapped += 1
                continue
            for a in actions:
                (used if call["successes"] > 0 else failed_only).add(a.lower())
        # What the calls needed: their own actions and the dependent ones the trail shows.
        used |= dependent[arn] & (kept | used)
        extra = kept - used
        missing = used - kept
        if not extra and not missing:
            exact += 1
            continue
        for a in extra:
            if a in failed_only:
                reasons["kept an action whose calls failed with a non-authorisation error"] += 1
            else:
                defects.append(f"{arn}: kept {a}, which the ground truth does not show used")
        for a in missing:
            defects.append(f"{arn}: removed {a}, which the ground truth shows used")

    n = len(principals)
    print(f"trail: {truth['events']:,} events, {truth['files']:,} files; "
          f"gen-trail {gen_s:.1f} s, ingest {ingest_s:.1f} s")
    print(f"principals tightened: {n} (IAM users and roles of the ground truth)")
    print(f"exactly the actions they used: {exact} of {n}")
    for reason, count in reasons.most_common():
        print(f"  differences explained: {count} x {reason}")
    print(f"unobservable actions dropped (--drop-unobservable), median per principal: "
          f"{statistics.median(unobservable) if unobservable else 0}")
    print(f"replay regressions: {regressions}")
    print(f"tighten time per principal: median {statistics.median(times):.2f} s, "
          f"max {max(times):.2f} s, total {sum(times):.1f} s")
    for d in defects[:20]:
        print("DEFECT", d)
    if defects:
        print(f"{len(defects)} unexplained differences")
        sys.exit(1)


if __name__ == "__main__":
    main()
