#!/usr/bin/env python3
"""Writes tests/fixtures/aws/last-accessed/*.xml: the IAM Query-protocol responses behind
sample_data/last-accessed/*.json, as IAM sends them before the AWS CLI turns them into
JSON (element names as in the IAM API reference, lists as <member>, times in ISO 8601).

tests/integration/collect.rs serves them to `trailcut collect last-accessed` and checks
that the tables equal those `trailcut last-accessed ingest` writes from the JSON.
Also writes a running job's answer and a failed job's answer.

Usage: scripts/make-aws-fixtures.py   (from the repository root)
"""

import json
import pathlib
from datetime import datetime, timezone
from xml.sax.saxutils import escape

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT / "sample_data" / "last-accessed"
OUT = ROOT / "tests" / "fixtures" / "aws" / "last-accessed"
NS = "https://iam.amazonaws.com/doc/2010-05-08/"

DATES = {"JobCreationDate", "JobCompletionDate", "LastAuthenticated",
         "LastAuthenticatedTime", "LastAccessedTime"}


def iso(text):
    """boto3's `2026-11-16 06:00:25+00:00` or ISO: as IAM sends it, `...Z`."""
    d = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + (
        f".{d.microsecond // 1000:03d}" if d.microsecond else "") + "Z"


def element(name, value, indent):
    pad = "  " * indent
    if isinstance(value, list):
        if not value:
            return f"{pad}<{name}/>\n"
        inner = "".join(element("member", v, indent + 1) for v in value)
        return f"{pad}<{name}>\n{inner}{pad}</{name}>\n"
    if isinstance(value, dict):
        inner = "".join(element(k, v, indent + 1) for k, v in value.items())
        return f"{pad}<{name}>\n{inner}{pad}</{name}>\n"
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif name in DATES:
        value = iso(value)
    return f"{pad}<{name}>{escape(str(value))}</{name}>\n"


def response(action, result, request_id):
    body = "".join(element(k, v, 2) for k, v in result.items())
    return (f'<{action}Response xmlns="{NS}">\n'
            f"  <{action}Result>\n{body}  </{action}Result>\n"
            f"  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n"
            f"  </ResponseMetadata>\n</{action}Response>\n")


ACTIONS = {
    "get-service-last-accessed-details": "GetServiceLastAccessedDetails",
    "get-service-last-accessed-details-with-entities": "GetServiceLastAccessedDetailsWithEntities",
    "get-organizations-access-report": "GetOrganizationsAccessReport",
    "list-policies-granting-service-access": "ListPoliciesGrantingServiceAccess",
}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.xml"):
        old.unlink()
    written = 0
    for n, path in enumerate(sorted(SOURCE.glob("*.json")), start=1):
        action = ACTIONS[path.name.split(".")[0]]
        result = json.loads(path.read_text())
        (OUT / path.with_suffix(".xml").name).write_text(
            response(action, result, f"00000000-0000-0000-0000-{n:012d}"))
        written += 1
    (OUT / "get-service-last-accessed-details.in-progress.xml").write_text(response(
        "GetServiceLastAccessedDetails",
        {"JobStatus": "IN_PROGRESS", "JobType": "SERVICE_LEVEL",
         "JobCreationDate": "2026-11-16T06:00:25Z"},
        "00000000-0000-0000-0000-100000000000"))
    (OUT / "get-service-last-accessed-details.failed.xml").write_text(response(
        "GetServiceLastAccessedDetails",
        {"JobStatus": "FAILED", "JobType": "SERVICE_LEVEL",
         "JobCreationDate": "2026-11-16T06:00:25Z",
         "JobCompletionDate": "2026-11-16T06:00:31Z",
         "ServicesLastAccessed": [],
         "Error": {"Message": "The entity was deleted while the report was generated",
                   "Code": "EntityNotFound"}},
        "00000000-0000-0000-0000-100000000001"))
    print(f"wrote {written + 2} files to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
