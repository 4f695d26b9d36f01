#!/usr/bin/env python3
"""Writes tests/fixtures/managed-policies/policies.jsonl.gz from ../shared/data/policies.

Each line: {"name", "document", "effective_actions"} for an AWS managed policy, from
iann0036/iam-dataset (MIT, see LICENSE and NOTICE beside the fixture). `effective_actions`
is that project's expansion of the document against its catalogue of 2026-08-22: the
oracle trailcut's pattern expansion is compared with (tests/integration/catalog.rs).
Policies whose Allow statements use NotAction or conditions are kept too; the test skips
them, since their effective actions depend on more than expansion.

Usage: scripts/make-managed-policy-fixture.py [SHARED_DATA_DIR]
"""
import glob, gzip, json, os, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared", "data")
out = os.path.join(root, "tests", "fixtures", "managed-policies", "policies.jsonl.gz")
lines = []
for path in sorted(glob.glob(os.path.join(shared, "policies", "managed", "*.json"))):
    with open(path, encoding="utf-8") as f:
        p = json.load(f)
    lines.append(json.dumps({
        "name": p["name"],
        "document": p["document"],
        "effective_actions": sorted({a["effective_action"] for a in p["effective_actions"]}),
    }, separators=(",", ":")))
with gzip.GzipFile(out, "wb", mtime=0) as f:
    f.write(("\n".join(lines) + "\n").encode())
print(f"wrote {os.path.relpath(out, root)}: {len(lines)} policies")
