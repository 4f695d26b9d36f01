#!/usr/bin/env python3
"""Generate the IAM "last accessed" (Access Advisor) reports of trailcut's sample data.

Writes sample_data/last-accessed/: what these AWS CLI commands print for the sample
accounts, as run on 2026-11-16 at 06:00 UTC, the morning after the trail ends,

  aws iam get-service-last-accessed-details --job-id ID
      SERVICE_LEVEL jobs for the Development, app-dev and security-team groups, the user
      nikhilj and the customer managed policy ExamplePolicy1, and an ACTION_LEVEL job for
      Development, kept as the two pages boto3 returns (MaxItems, then Marker)
  aws iam get-service-last-accessed-details-with-entities --job-id ID --service-namespace s3
      ExamplePolicy1's job, for S3
  aws iam list-policies-granting-service-access --arn ARN --service-namespaces ...
      nikhilj, for IAM, CloudTrail, Route 53, Elastic Transcoder and Access Analyzer
  aws iam get-organizations-access-report --job-id ID
      the Development OU, o-a1b2c3d4e5/r-ab12/ou-ab12-11111111
  INDEX.tsv
      which subject each file is about (none of these outputs says): the file, then the
      `trailcut last-accessed ingest` arguments `--arn ARN` or `--entity-path PATH`, and
      `--service NS` for the with-entities file

The reports are computed, not declared. Their subjects' policies come from
sample_data/iam/authorization-details-123456789012.json and the SCPs from
sample_data/org/; the services a report lists are the catalogue prefixes
(src/catalog/iam-catalog.jsonl) of every action those policies allow, named as the
catalogue names them. The last-access data comes from the trail under sample_data/trail:
for a subject, the events of the principals it covers (a user or role itself, a group's
members, a policy's users and roles, an OU's accounts) count toward every service it lists,
failed attempts included, as AWS documents ("all attempts ..., not just the successful
ones"); console sign-ins and the calls that need no permission (sts:GetCallerIdentity) do
not. ACTION_LEVEL jobs list, for the services AWS tracks at action level here (ACTION_TRACKED:
EC2, IAM, Lambda and S3), the subject's allowed management actions (not S3 object actions
or Lambda invocations, which CloudTrail logs as data events). A call counts toward the action
it maps to, not toward the actions it needed besides (iam:PassRole of a role it passed):
no event is an iam:PassRole call, so the trail gives that action no time of its own.

One deliberate discrepancy is added (UNLOGGED): dev-raj read EBS snapshot blocks through
the EBS direct APIs during the Development group's evaluation period. Those calls are
CloudTrail data events, which the sample trail does not log (its data-event selectors
cover S3 only), so the Development reports show Amazon Elastic Block Store used while the
trail holds no ebs event. It is the one finding the `last_accessed_vs_trail` query has.

Before writing, the script refuses output in which
- a ServiceNamespace is not a catalogue prefix, a ServiceName not its catalogue name, or an
  ActionName not in the catalogue as namespace:ActionName;
- a story of sample_data/README.md does not hold (see check_stories);
- the last_accessed_vs_trail comparison (report against trail, per user, group or role
  and service) finds anything but the declared discrepancy;
- the pages of the paged job do not add up to the job, or sample_data/README.md does not
  name every file written.

Job ids and page markers come from random.Random(SEED); JSON is written with 2-space
indent, keys in the order the CLI prints them and a trailing newline, so a re-run
reproduces every byte. Dates are the AWS CLI's ISO form (2026-11-15T10:11:12+00:00), except
the two pages of the ACTION_LEVEL job, which keep boto3's (2026-11-15 10:11:12+00:00).

Usage: python3 scripts/make-sample-last-accessed.py
Standard library only. Run scripts/make-sample-data.py and scripts/make-sample-iam.py
first; the README section is written by scripts/make-sample-data.py.
"""

import gzip
import importlib.util
import json
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20261117
REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data"
OUT = SAMPLE / "last-accessed"
TRAIL = SAMPLE / "trail" / "AWSLogs"
CATALOG = REPO / "src" / "catalog" / "iam-catalog.jsonl"


def load_script(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The event -> action mapping and the organisation are the IAM script's; the story dates
# are the trail script's.
IAM = load_script("make-sample-iam")
TRAIL_SCRIPT = load_script("make-sample-data")

MAIN = IAM.MAIN
ORG, ROOT, DEV_OU = IAM.ORG, IAM.ROOT, IAM.DEV_OU
START = TRAIL_SCRIPT.START
NOW = datetime(2026, 11, 16, 6, 0, 0, tzinfo=timezone.utc)  # when the jobs are generated
TRACKING_START = NOW - timedelta(days=400)  # AWS reports the last 400 days


def day(n):
    return START + timedelta(days=n)


EXPLORE_END = day(TRAIL_SCRIPT.EXPLORE_LAST_DAY + 1)  # 2026-07-29: Development's first 10 days
RECENT = day(TRAIL_SCRIPT.RECENT_FIRST_DAY)  # 2026-10-26: the last 21 days
NIKHIL_SECURITY_LAST = day(TRAIL_SCRIPT.NIKHIL_SECURITY_LAST_DAY)  # 2026-08-02
# The sandbox's Lex and DMS trial, 2026-04-19..2026-05-08, before the main account's trail.
SANDBOX_EXPLORE_LAST = TRAIL_SCRIPT.SANDBOX_EXPLORE_END - timedelta(days=1)  # 2026-05-08
UNUSED_DAYS = TRAIL_SCRIPT.UNUSED_DAYS  # story 5: the SCP denies what the OU left unused 180 days

# Services whose actions AWS reports at action level, as this sample models them: the four
# of 2020-2021 (S3, then EC2, IAM and Lambda). AWS has added services since September 2023
# ("IAM action last accessed information services and actions"); those are left at service
# level here.
ACTION_TRACKED = ("ec2", "iam", "lambda", "s3")
# Actions whose calls CloudTrail logs as data events, not management events: action-level
# data covers management actions only. S3: object actions (resource type object) and the
# bucket listings (ListObjects, ListObjectVersions, ListMultipartUploads); Lambda: invoking.
S3_DATA_LISTINGS = {"ListBucket", "ListBucketVersions", "ListBucketMultipartUploads"}
LAMBDA_DATA = {"InvokeFunction", "InvokeAsync", "InvokeFunctionUrl"}
# As trailcut's mapper (src/mapping/mod.rs): event types that are not authorised API calls,
# and calls no policy needs to allow.
NOT_API_CALLS = {"AwsServiceEvent", "AwsConsoleSignIn", "AwsConsoleAction", "AwsCloudTrailInsight",
                 "AwsVpceEvent"}
PERMISSIONLESS = {"sts:GetCallerIdentity", "sts:GetSessionToken", "dynamodb:DescribeEndpoints"}

# The one deliberate discrepancy: calls Access Advisor saw and the trail did not log.
# (principal, event source, event name, time, region)
UNLOGGED = [
    (f"arn:aws:iam::{MAIN}:user/dev-raj", "ebs.amazonaws.com", "ListSnapshotBlocks",
     "2026-07-25T16:41:27Z", "us-east-1"),
    (f"arn:aws:iam::{MAIN}:user/dev-raj", "ebs.amazonaws.com", "GetSnapshotBlock",
     "2026-07-25T16:42:09Z", "us-east-1"),
]
DISCREPANCY = (f"arn:aws:iam::{MAIN}:group/Development", "ebs")  # what the query must find

PAGE_SIZE = 200  # MaxItems of the paged ACTION_LEVEL job's first call
NIKHILJ_NAMESPACES = ["iam", "cloudtrail", "route53", "elastictranscoder", "access-analyzer"]

rng = random.Random(SEED)


def cli_date(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def boto3_date(t):
    return t.strftime("%Y-%m-%d %H:%M:%S+00:00")


def parse_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def marker():
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "".join(rng.choice(alphabet) for _ in range(64)) + "=="


# ---------------------------------------------------------------------------------------------
# Inputs


def load_catalog():
    """Service prefix -> name, and prefix -> {action name: catalogue entry}."""
    names, actions = {}, {}
    with open(CATALOG, encoding="utf-8") as f:
        for line in f:
            entry = json.loads(line)
            if "service" in entry:
                names[entry["service"]] = entry["name"]
            elif "action" in entry:
                prefix, name = entry["action"].split(":", 1)
                actions.setdefault(prefix, {})[name] = entry
    return names, actions


def is_management(prefix, name, entry):
    if prefix == "s3":
        types = {r["type"] for r in entry["resources"]}
        return not types & {"object", "accesspointobject"} and name not in S3_DATA_LISTINGS
    if prefix == "lambda":
        return name not in LAMBDA_DATA
    return True


def as_list(v):
    return v if isinstance(v, list) else [v]


def allowed_actions(documents, catalog_actions):
    """Every catalogued action some Allow statement of `documents` matches and no
    unconditional Deny does (conditions count as met; resources are not evaluated, as
    Access Advisor lists a service when any of its actions is allowed)."""
    allowed, denied = set(), set()
    every = [f"{p}:{n}" for p, names in catalog_actions.items() for n in names]
    for d in documents:
        for s in as_list(d["Statement"]):
            if s["Effect"] == "Deny" and "Condition" in s:
                continue
            key = "Action" if "Action" in s else "NotAction"
            patterns = [IAM.pattern_re(p) for p in as_list(s[key])]
            hit = {a for a in every if any(p.fullmatch(a) for p in patterns)}
            if key == "NotAction":
                hit = set(every) - hit
            (allowed if s["Effect"] == "Allow" else denied).update(hit)
    return allowed - denied


def read_authz():
    details = json.loads((SAMPLE / "iam" / f"authorization-details-{MAIN}.json").read_text())
    docs = {p["Arn"]: next(v["Document"] for v in p["PolicyVersionList"] if v["IsDefaultVersion"])
            for p in details["Policies"]}
    return details, docs


def read_scps():
    contents, targets = {}, {}
    for path in sorted((SAMPLE / "org").glob("describe-policy.*.json")):
        p = json.loads(path.read_text())["Policy"]
        contents[p["PolicySummary"]["Id"]] = json.loads(p["Content"])
    for path in sorted((SAMPLE / "org").glob("list-targets-for-policy.*.json")):
        pid = path.name[len("list-targets-for-policy."):-len(".json")]
        targets[pid] = [t["TargetId"] for t in json.loads(path.read_text())["Targets"]]
    return contents, targets


def read_trail(catalog):
    """The trail's calls that need a permission, failed ones included, and the UNLOGGED
    ones: dicts with principal, account, service, action, time, region and error."""
    _, catalog_actions = catalog
    renames = IAM.load_renames()
    events = []
    for path in sorted(TRAIL.glob("*/CloudTrail/**/*.json.gz")):
        with gzip.open(path) as f:
            records = json.load(f)["Records"]
        for r in records:
            if r.get("eventType") in NOT_API_CALLS:
                continue
            ui = r.get("userIdentity", {})
            issuer = ui.get("sessionContext", {}).get("sessionIssuer", {})
            principal = issuer.get("arn") or (ui.get("arn") if ui.get("type") in ("IAMUser", "Root")
                                              else None)
            if principal is None:
                continue  # AWS services acting for themselves
            action = IAM.action_of(r["eventSource"], r["eventName"], renames)
            if action is None or action in PERMISSIONLESS:
                continue
            prefix, name = action.split(":", 1)
            if name not in catalog_actions.get(prefix, {}):
                sys.exit(f"{path.name}: {r['eventSource']} {r['eventName']} maps to {action}, "
                         "which the catalogue lacks")
            events.append({"principal": principal, "account": r["recipientAccountId"],
                           "service": action.split(":")[0], "action": action,
                           "time": parse_time(r["eventTime"]), "region": r["awsRegion"],
                           "error": r.get("errorCode")})
    for principal, source, name, t, region in UNLOGGED:
        action = IAM.action_of(source, name, renames)
        events.append({"principal": principal, "account": principal.split(":")[4],
                       "service": action.split(":")[0], "action": action, "time": parse_time(t),
                       "region": region, "error": None, "unlogged": True})
    events.sort(key=lambda e: (e["time"], e["principal"], e["action"]))
    return events


# ---------------------------------------------------------------------------------------------
# Subjects


def subjects(details, docs):
    """ARN -> (kind, principals it covers, its policy documents)."""
    out = {}
    groups = {g["GroupName"]: g for g in details["GroupDetailList"]}
    members = {}
    for u in details["UserDetailList"]:
        for g in u["GroupList"]:
            members.setdefault(g, []).append(u["Arn"])

    def own(entity, inline_key):
        return ([docs[a["PolicyArn"]] for a in entity["AttachedManagedPolicies"]]
                + [p["PolicyDocument"] for p in entity.get(inline_key, [])])

    for name, g in groups.items():
        out[g["Arn"]] = ("group", sorted(members.get(name, [])), own(g, "GroupPolicyList"))
    for u in details["UserDetailList"]:
        documents = own(u, "UserPolicyList")
        for gname in u["GroupList"]:
            documents += own(groups[gname], "GroupPolicyList")
        out[u["Arn"]] = ("user", [u["Arn"]], documents)
    for policy in details["Policies"]:
        holders = [e["Arn"] for lst in ("UserDetailList", "RoleDetailList") for e in details[lst]
                   if any(a["PolicyArn"] == policy["Arn"] for a in e["AttachedManagedPolicies"])]
        for g in details["GroupDetailList"]:
            if any(a["PolicyArn"] == policy["Arn"] for a in g["AttachedManagedPolicies"]):
                holders += members.get(g["GroupName"], [])
        out[policy["Arn"]] = ("policy", sorted(set(holders)), [docs[policy["Arn"]]])
    return out


def last_of(events):
    e = max(events, key=lambda e: (e["time"], e["principal"]))
    return e["time"], e["principal"], e["region"]


def service_entries(documents, principals, events, catalog, action_level, date):
    """The ServicesLastAccessed of one job."""
    names, catalog_actions = catalog
    allowed = allowed_actions(documents, catalog_actions)
    by_service = {}
    for a in allowed:
        prefix, name = a.split(":", 1)
        by_service.setdefault(prefix, set()).add(name)
    mine = [e for e in events if e["principal"] in principals and e["time"] >= TRACKING_START
            and e["time"] <= NOW]
    entries = []
    for prefix in sorted(by_service):
        used = [e for e in mine if e["service"] == prefix]
        entry = {"ServiceName": names[prefix]}
        if used:
            t, who, region = last_of(used)
            entry["LastAuthenticated"] = date(t)
            entry["ServiceNamespace"] = prefix
            entry["LastAuthenticatedEntity"] = who
            entry["LastAuthenticatedRegion"] = region
            entry["TotalAuthenticatedEntities"] = len({e["principal"] for e in used})
        else:
            entry["ServiceNamespace"] = prefix
            entry["TotalAuthenticatedEntities"] = 0
        # AWS leaves TrackedActionsLastAccessed out when none of the service's tracked
        # actions was used; otherwise it lists every allowed one.
        if action_level and prefix in ACTION_TRACKED and used:
            tracked = []
            for name in sorted(by_service[prefix]):
                if not is_management(prefix, name, catalog_actions[prefix][name]):
                    continue
                item = {"ActionName": name}
                calls = [e for e in used if e["action"] == f"{prefix}:{name}"]
                if calls:
                    t, who, region = last_of(calls)
                    item["LastAccessedEntity"] = who
                    item["LastAccessedTime"] = date(t)
                    item["LastAccessedRegion"] = region
                tracked.append(item)
            entry["TrackedActionsLastAccessed"] = tracked
        entries.append(entry)
    return entries


class Clock:
    """Job creation and completion times, in the order the jobs were run."""

    def __init__(self):
        self.t = NOW

    def job(self):
        created = self.t
        completed = created + timedelta(seconds=rng.randint(3, 11))
        self.t = completed + timedelta(seconds=rng.randint(20, 50))
        return created, completed


def details_job(job_type, created, completed, services, date, truncated=False, mark=None):
    body = {"JobStatus": "COMPLETED", "JobType": job_type, "JobCreationDate": date(created),
            "ServicesLastAccessed": services, "JobCompletionDate": date(completed),
            "IsTruncated": truncated}
    if mark:
        body["Marker"] = mark
    return body


def entities_job(created, completed, namespace, principals, events, details):
    by_arn = {}
    for u in details["UserDetailList"]:
        by_arn[u["Arn"]] = {"Arn": u["Arn"], "Name": u["UserName"], "Type": "USER",
                            "Id": u["UserId"], "Path": u["Path"]}
    for r in details["RoleDetailList"]:
        by_arn[r["Arn"]] = {"Arn": r["Arn"], "Name": r["RoleName"], "Type": "ROLE",
                            "Id": r["RoleId"], "Path": r["Path"]}
    rows = []
    for arn in sorted(principals, key=lambda a: by_arn[a]["Name"].lower()):
        used = [e for e in events if e["principal"] == arn and e["service"] == namespace
                and TRACKING_START <= e["time"] <= NOW]
        row = {"EntityInfo": by_arn[arn]}
        if used:
            row["LastAuthenticated"] = cli_date(last_of(used)[0])
        rows.append(row)
    return {"JobStatus": "COMPLETED", "JobCreationDate": cli_date(created),
            "JobCompletionDate": cli_date(completed), "EntityDetailsList": rows,
            "IsTruncated": False}


def granting(user_arn, namespaces, details, docs, catalog):
    """list-policies-granting-service-access for a user: its own and its groups' policies."""
    _, catalog_actions = catalog
    user = next(u for u in details["UserDetailList"] if u["Arn"] == user_arn)
    groups = {g["GroupName"]: g for g in details["GroupDetailList"]}
    names = {p["Arn"]: p["PolicyName"] for p in details["Policies"]}
    candidates = {}  # key -> (entry, document)
    for a in user["AttachedManagedPolicies"]:
        candidates[a["PolicyArn"]] = ({"PolicyName": names[a["PolicyArn"]], "PolicyType": "MANAGED",
                                       "PolicyArn": a["PolicyArn"]}, docs[a["PolicyArn"]])
    for p in user.get("UserPolicyList", []):
        candidates[("USER", user["UserName"], p["PolicyName"])] = (
            {"PolicyName": p["PolicyName"], "PolicyType": "INLINE", "EntityType": "USER",
             "EntityName": user["UserName"]}, p["PolicyDocument"])
    for gname in user["GroupList"]:
        g = groups[gname]
        for a in g["AttachedManagedPolicies"]:
            candidates[a["PolicyArn"]] = ({"PolicyName": names[a["PolicyArn"]], "PolicyType": "MANAGED",
                                           "PolicyArn": a["PolicyArn"]}, docs[a["PolicyArn"]])
        for p in g.get("GroupPolicyList", []):
            candidates[("GROUP", gname, p["PolicyName"])] = (
                {"PolicyName": p["PolicyName"], "PolicyType": "INLINE", "EntityType": "GROUP",
                 "EntityName": gname}, p["PolicyDocument"])
    out = []
    for ns in namespaces:
        grants = [entry for entry, d in candidates.values()
                  if any(a.startswith(ns + ":")
                         for a in allowed_actions([d], {ns: catalog_actions[ns]}))]
        grants.sort(key=lambda e: (e["PolicyName"].lower(), e["PolicyType"]))
        out.append({"ServiceNamespace": ns, "Policies": grants})
    return {"PoliciesGrantingServiceAccess": out, "IsTruncated": False}


def org_report(created, completed, events, catalog):
    """get-organizations-access-report for the Development OU: the services the SCPs on its
    path allow, and its accounts' use of them."""
    names, catalog_actions = catalog
    contents, targets = read_scps()
    allowed = None
    for entity in (ROOT, DEV_OU):
        docs = [contents[pid] for pid in sorted(targets) if entity in targets[pid]]
        here = allowed_actions(docs, catalog_actions)
        allowed = here if allowed is None else allowed & here
    services = sorted({a.split(":")[0] for a in allowed})
    accounts = {a["Id"] for a in json.loads(
        (SAMPLE / "org" / f"list-accounts-for-parent.{DEV_OU}.json").read_text())["Accounts"]}
    path = f"{ORG}/{ROOT}/{DEV_OU}"
    details = []
    for prefix in services:
        used = [e for e in events if e["account"] in accounts and e["service"] == prefix
                and TRACKING_START <= e["time"] <= NOW]
        d = {"ServiceName": names[prefix], "ServiceNamespace": prefix}
        if used:
            last = max(used, key=lambda e: (e["time"], e["account"]))
            d["Region"] = last["region"]
            d["EntityPath"] = f"{path}/{last['account']}"
            d["LastAuthenticatedTime"] = cli_date(last["time"])
            d["TotalAuthenticatedEntities"] = len({e["account"] for e in used})
        else:
            d["TotalAuthenticatedEntities"] = 0
        details.append(d)
    not_accessed = sum(1 for d in details if "LastAuthenticatedTime" not in d)
    return path, {"JobStatus": "COMPLETED", "JobCreationDate": cli_date(created),
                  "JobCompletionDate": cli_date(completed),
                  "NumberOfServicesAccessible": len(details),
                  "NumberOfServicesNotAccessed": not_accessed, "AccessDetails": details,
                  "IsTruncated": False}


# ---------------------------------------------------------------------------------------------
# Checks


def when(text):
    if text is None:
        return None
    return datetime.fromisoformat(text)


def check_catalog(files, catalog, problems):
    names, catalog_actions = catalog
    for name, body in files.items():
        for s in body.get("ServicesLastAccessed", []) + body.get("AccessDetails", []):
            ns = s["ServiceNamespace"]
            if ns not in names:
                problems.append(f"{name}: {ns} is not a catalogue prefix")
            elif s["ServiceName"] != names[ns]:
                problems.append(f"{name}: {ns} is named {s['ServiceName']!r}, the catalogue {names[ns]!r}")
            for a in s.get("TrackedActionsLastAccessed", []):
                if a["ActionName"] not in catalog_actions.get(ns, {}):
                    problems.append(f"{name}: {ns}:{a['ActionName']} is not in the catalogue")
        for entry in body.get("PoliciesGrantingServiceAccess", []):
            if entry["ServiceNamespace"] not in names:
                problems.append(f"{name}: {entry['ServiceNamespace']} is not a catalogue prefix")


def by_ns(body):
    return {s["ServiceNamespace"]: s for s in body.get("ServicesLastAccessed", body.get("AccessDetails", []))}


def check_stories(jobs, subjects_, events, problems):
    def need(ok, what):
        if not ok:
            problems.append(what)

    dev = by_ns(jobs["development"])
    recent = {ns for ns, s in dev.items() if s.get("LastAuthenticated") and when(s["LastAuthenticated"]) >= RECENT}
    five = {"cloudtrail", "logs", "ec2", "kms", "s3"}
    devs = set(subjects_[f"arn:aws:iam::{MAIN}:group/Development"][1])
    # Story 1: the five services, and IAM and Organizations only through denied attempts.
    need(recent == five | {"iam", "organizations"}, f"story 1: Development used {sorted(recent)} recently")
    for ns in ("iam", "organizations"):
        late = [e for e in events if e["principal"] in devs and e["service"] == ns and e["time"] >= RECENT]
        need(late and all(e["error"] for e in late), f"story 1: recent {ns} calls by Development succeed")
    for ns in ("lambda", "dynamodb", "sns", "sqs", "cloudformation", "ebs"):
        t = when(dev[ns].get("LastAuthenticated"))
        need(t is not None and t < EXPLORE_END, f"story 1: Development {ns} last {t}")
    need(len(dev) > 400, f"story 1: PowerUserAccess lists only {len(dev)} services")
    action_level = by_ns(jobs["development_actions"])
    iam_actions = {a["ActionName"]: a for a in action_level["iam"]["TrackedActionsLastAccessed"]}
    need(sorted(iam_actions) == ["CreateServiceLinkedRole", "DeleteServiceLinkedRole", "ListRoles",
                                 "PassRole"],
         f"story 1: Development's tracked IAM actions are {sorted(iam_actions)}")
    need(when(iam_actions["ListRoles"].get("LastAccessedTime")) < EXPLORE_END,
         "story 1: iam:ListRoles used after the first 10 days")
    def service_level(s):
        return {k: when(v) if k == "LastAuthenticated" else v for k, v in s.items()
                if k != "TrackedActionsLastAccessed"}

    for ns, s in dev.items():
        need(service_level(s) == service_level(action_level[ns]),
             f"story 1: the service- and action-level jobs disagree on {ns}")
    # Story 2: nikhilj.
    nik = by_ns(jobs["nikhilj"])
    for ns in ("iam", "cloudtrail"):
        need(when(nik[ns]["LastAuthenticated"]).date() == NIKHIL_SECURITY_LAST.date(),
             f"story 2: nikhilj {ns} last {nik[ns].get('LastAuthenticated')}")
    for ns in ("route53", "elastictranscoder", "organizations", "access-analyzer"):
        need("LastAuthenticated" not in nik[ns], f"story 2: nikhilj used {ns}")
    for ns in ("ec2", "autoscaling"):
        need(when(nik[ns]["LastAuthenticated"]) >= RECENT, f"story 2: nikhilj {ns} not recent")
    grants = {e["ServiceNamespace"]: {p["PolicyName"] for p in e["Policies"]}
              for e in jobs["nikhilj_granting"]["PoliciesGrantingServiceAccess"]}
    need("IAMFullAccess" in grants["iam"] and grants["cloudtrail"] == {"AWSCloudTrail_ReadOnlyAccess"}
         and grants["route53"] == {"App-Dev-Route53"}
         and grants["elastictranscoder"] == {"App-Dev-ElasticTranscoder"},
         f"story 2: policies granting access {grants}")
    # Story 3: app-dev and security-team.
    app = by_ns(jobs["app-dev"])
    need(app["elastictranscoder"]["TotalAuthenticatedEntities"] == 0 and
         "LastAuthenticated" not in app["elastictranscoder"], "story 3: someone used Elastic Transcoder")
    need(app["route53"]["TotalAuthenticatedEntities"] >= 2 and
         when(app["route53"]["LastAuthenticated"]) >= NOW - timedelta(days=7),
         "story 3: Route 53 not in use by several members")
    sec = by_ns(jobs["security-team"])
    need(set(sec) == {"iam", "organizations", "cloudtrail", "access-analyzer"},
         f"story 3: security-team lists {sorted(sec)}")
    # Story 4: ExamplePolicy1.
    ep1 = by_ns(jobs["ExamplePolicy1"])
    counts = {ns: s["TotalAuthenticatedEntities"] for ns, s in ep1.items()}
    need(counts == {"dynamodb": 1, "s3": 3, "ec2": 0}, f"story 4: ExamplePolicy1 entities {counts}")
    rows = jobs["ExamplePolicy1_s3"]["EntityDetailsList"]
    need(sum(1 for r in rows if "LastAuthenticated" in r) == 3, "story 4: with-entities disagrees")
    # Story 5: the Development OU last used Lex and DMS more than 180 days before the report,
    # and every other service it used, within those 180 days.
    ou = by_ns(jobs["ou"])
    cut = when(jobs["ou"]["JobCompletionDate"]) - timedelta(days=UNUSED_DAYS)
    for ns, last in (("lex", SANDBOX_EXPLORE_LAST), ("dms", SANDBOX_EXPLORE_LAST)):
        t = when(ou[ns].get("LastAuthenticatedTime"))
        need(t is not None and t.date() <= last.date() and t < cut,
             f"story 5: OU {ns} last {t}, not more than {UNUSED_DAYS} days before the report")
    for ns, s in ou.items():
        t = when(s.get("LastAuthenticatedTime"))
        if ns not in ("lex", "dms") and t is not None:
            need(t >= cut, f"story 5: OU {ns} last {t}, more than {UNUSED_DAYS} days before the report")
    for ns in ("s3", "ec2"):
        need(when(ou[ns]["LastAuthenticatedTime"]) >= NOW - timedelta(days=30), f"story 5: OU {ns} not recent")


def check_against_trail(jobs, subjects_, events, problems):
    """What queries/last_accessed_vs_trail.sql finds, per user, group or role and service:
    a service the report shows used with no trail event of the subject's principals, or
    trail events later than the report's time (by more than a day) or where it shows none."""
    logged = [e for e in events if not e.get("unlogged")]
    found = set()
    for key, arn in (("development", f"arn:aws:iam::{MAIN}:group/Development"),
                     ("development_actions", f"arn:aws:iam::{MAIN}:group/Development"),
                     ("nikhilj", f"arn:aws:iam::{MAIN}:user/nikhilj"),
                     ("app-dev", f"arn:aws:iam::{MAIN}:group/app-dev"),
                     ("security-team", f"arn:aws:iam::{MAIN}:group/security-team")):
        principals = subjects_[arn][1]
        for ns, s in by_ns(jobs[key]).items():
            trail = [e["time"] for e in logged if e["principal"] in principals and e["service"] == ns]
            reported = when(s.get("LastAuthenticated"))
            if reported and not trail and reported >= START:
                found.add((arn, ns))
            if trail and (reported is None or max(trail) > reported + timedelta(days=1)):
                found.add((arn, ns))
    if found != {DISCREPANCY}:
        problems.append(f"report against trail finds {sorted(found)}, want only {DISCREPANCY}")


# ---------------------------------------------------------------------------------------------


def write_json(path, value):
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main():
    catalog = load_catalog()
    details, docs = read_authz()
    events = read_trail(catalog)
    if min(e["time"] for e in events) < TRACKING_START:
        sys.exit("the trail starts before the tracking period")
    subs = subjects(details, docs)
    clock = Clock()
    acct = f"arn:aws:iam::{MAIN}"
    dev_arn, nik_arn = f"{acct}:group/Development", f"{acct}:user/nikhilj"
    ep1_arn = f"{acct}:policy/ExamplePolicy1"

    jobs, files, index = {}, {}, []

    def services_job(arn, job_type, date=cli_date):
        _, principals, documents = subs[arn]
        created, completed = clock.job()
        services = service_entries(documents, principals, events, catalog,
                                   job_type == "ACTION_LEVEL", date)
        return created, completed, services

    def add(name, body, subject, service=None):
        files[name] = body
        index.append((name, subject, service))

    # 1. Development: SERVICE_LEVEL, then ACTION_LEVEL in two pages.
    created, completed, services = services_job(dev_arn, "SERVICE_LEVEL")
    jobs["development"] = details_job("SERVICE_LEVEL", created, completed, services, cli_date)
    add("get-service-last-accessed-details.group-Development.service-level.json",
        jobs["development"], f"--arn {dev_arn}")
    created, completed, services = services_job(dev_arn, "ACTION_LEVEL",
                                                boto3_date)
    jobs["development_actions"] = details_job("ACTION_LEVEL", created, completed, services, boto3_date)
    mark = marker()
    pages = [details_job("ACTION_LEVEL", created, completed, services[:PAGE_SIZE], boto3_date,
                         truncated=True, mark=mark),
             details_job("ACTION_LEVEL", created, completed, services[PAGE_SIZE:], boto3_date)]
    tracked_on = [{s["ServiceNamespace"] for s in p["ServicesLastAccessed"]} & set(ACTION_TRACKED)
                  for p in pages]
    if not all(tracked_on):
        sys.exit(f"PAGE_SIZE {PAGE_SIZE} leaves a page without action-level services")
    for i, page in enumerate(pages, 1):
        add(f"get-service-last-accessed-details.group-Development.action-level.page-{i}.json",
            page, f"--arn {dev_arn}")

    # 2. nikhilj, and which of his policies grant the services he no longer uses.
    created, completed, services = services_job(nik_arn, "SERVICE_LEVEL")
    jobs["nikhilj"] = details_job("SERVICE_LEVEL", created, completed, services, cli_date)
    add("get-service-last-accessed-details.user-nikhilj.service-level.json", jobs["nikhilj"],
        f"--arn {nik_arn}")
    jobs["nikhilj_granting"] = granting(nik_arn, NIKHILJ_NAMESPACES, details, docs, catalog)
    add("list-policies-granting-service-access.user-nikhilj.json", jobs["nikhilj_granting"],
        f"--arn {nik_arn}")

    # 3. app-dev and security-team.
    for group in ("app-dev", "security-team"):
        arn = f"{acct}:group/{group}"
        created, completed, services = services_job(arn, "SERVICE_LEVEL")
        jobs[group] = details_job("SERVICE_LEVEL", created, completed, services, cli_date)
        add(f"get-service-last-accessed-details.group-{group}.service-level.json", jobs[group],
            f"--arn {arn}")

    # 4. ExamplePolicy1, and which of its entities used S3.
    created, completed, services = services_job(ep1_arn, "SERVICE_LEVEL")
    jobs["ExamplePolicy1"] = details_job("SERVICE_LEVEL", created, completed, services, cli_date)
    add("get-service-last-accessed-details.policy-ExamplePolicy1.service-level.json",
        jobs["ExamplePolicy1"], f"--arn {ep1_arn}")
    jobs["ExamplePolicy1_s3"] = entities_job(created, completed, "s3", subs[ep1_arn][1], events, details)
    add("get-service-last-accessed-details-with-entities.policy-ExamplePolicy1.s3.json",
        jobs["ExamplePolicy1_s3"], f"--arn {ep1_arn}", "s3")

    # 5. The Development OU.
    created, completed = clock.job()
    path, jobs["ou"] = org_report(created, completed, events, catalog)
    add(f"get-organizations-access-report.{DEV_OU}.json", jobs["ou"], f"--entity-path {path}")

    problems = []
    check_catalog(files, catalog, problems)
    check_stories(jobs, subs, events, problems)
    check_against_trail(jobs, subs, events, problems)
    merged = pages[0]["ServicesLastAccessed"] + pages[1]["ServicesLastAccessed"]
    if merged != jobs["development_actions"]["ServicesLastAccessed"]:
        problems.append("the two pages are not the ACTION_LEVEL job")
    if problems:
        sys.exit("refusing to write:\n  " + "\n  ".join(problems))

    OUT.mkdir(exist_ok=True)
    stale = set(OUT.glob("*.json"))
    for name, body in files.items():
        write_json(OUT / name, body)
        stale.discard(OUT / name)
    for p in stale:
        p.unlink()
    lines = [
        "# sample_data/last-accessed: whom each report is about, which its JSON does not say.",
        "# Written by scripts/make-sample-last-accessed.py. Tab-separated: the file, then the",
        "# `trailcut last-accessed ingest` subject (--arn ARN or --entity-path PATH), then",
        "# --service NS for a with-entities report. The pages of one job share the subject,",
        "# JobType and JobCreationDate: ingest them together.",
    ]
    for name, subject, service in index:
        lines.append("\t".join([name, subject] + ([f"--service {service}"] if service else [])))
    (OUT / "INDEX.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    readme = " ".join((SAMPLE / "README.md").read_text(encoding="utf-8").split())
    missing = [n for n in list(files) + ["INDEX.tsv"] if n not in readme]
    # The dates the README's account of the reports quotes.
    quoted = [by_ns(jobs["development"])["ebs"]["LastAuthenticated"][:10]]
    quoted += [by_ns(jobs["ou"])[ns]["LastAuthenticatedTime"][:10] for ns in ("lex", "dms")]
    missing += [f"the date {d}" for d in quoted if d not in readme]
    for name in list(files) + ["INDEX.tsv"]:
        print(f"wrote sample_data/last-accessed/{name} ({(OUT / name).stat().st_size:,} bytes)")
    if missing:
        sys.exit("sample_data/README.md does not name " + ", ".join(missing)
                 + ": update its writer in scripts/make-sample-data.py")


if __name__ == "__main__":
    main()
