#!/usr/bin/env python3
"""Generate the IAM and AWS Organizations side of trailcut's sample data under sample_data/.

Writes
  sample_data/iam/authorization-details-123456789012.json
      `aws iam get-account-authorization-details` for the main account, dates in the AWS
      CLI's ISO form (2026-07-17T16:02:44+00:00)
  sample_data/iam/authorization-details-210987654321.json
      the same for the sandbox account, dates in boto3's form (2026-07-17 16:02:44+00:00)
  sample_data/org/*.json
      the AWS Organizations CLI outputs that describe organisation o-a1b2c3d4e5; a file whose
      output does not say which root, OU or policy it was asked about carries that id in its
      name (list-accounts-for-parent.ou-ab12-11111111.json)

The trail under sample_data/trail (scripts/make-sample-data.py) is read, not written: the
users and roles, their unique ids (the trail's principalId), paths and ARNs are taken from
it, as are RoleLastUsed (the role's last call or assumption in the trail, and its region)
and the Lambda execution roles the developers named in CreateFunction. Everything else is
declared below, one story of ../shared/seed/service-last-accessed-scenarios.txt at a
time (see sample_data/README.md, "IAM and AWS Organizations").

Before writing, the script checks and refuses data that breaks one of these:
- every action in every policy document (identity policies, boundaries, trust policies'
  actions and SCPs) exists in src/catalog/iam-catalog.jsonl, spelled as there; a pattern
  with wildcards must match at least one catalogued action;
- every user and role the trail shows (as caller or as a role it names) is in the
  authorization details, with the trail's ARN, path and unique id; every entity and
  policy version was created before its account's trail starts (the trail holds no IAM
  writes);
- every successful call in the trail is allowed, at the level of actions (resources and
  conditions are not evaluated), by the caller's identity policies, its permissions
  boundary and, in member accounts, the SCPs on its path; the denied calls the stories
  rely on (iam:CreateUser, organizations:ListAccounts by the Development group) are not;
- every successful call that passes a role (the iam:PassRole rows of
  src/mapping/dependent.tsv: Lambda's `role`, EC2's `iamInstanceProfile`, CloudFormation's
  `roleARN`, ECS's `taskRoleArn`/`executionRoleArn`, ...) is allowed iam:PassRole on that
  role's ARN by the same policies, this time with resources and one condition evaluated
  (see pass_role_decision: iam:PassedToService is the called service's host, any other
  condition key counts as unknown, which an Allow needs met and a Deny is assumed to meet);
- the story facts: Development has PowerUserAccess, ExampleDevelopment (the seed's
  first document, verbatim) and Development-PassLambdaRoles, without which it could not
  pass its Lambda execution roles; nikhilj gets IAM from IAMFullAccess directly and through
  security-team, CloudTrail through security-team, Route 53 and Elastic Transcoder through
  app-dev's App-Dev-Route53 and App-Dev-ElasticTranscoder; ExamplePolicy1's default
  version v2 covers exactly DynamoDB, S3 and EC2, and of its attached entities exactly one
  called DynamoDB, three called S3 and none EC2; NewServiceTest allows Lex and DMS and is
  attached only within the Development OU, which holds the sandbox account;
- AttachmentCount and PermissionsBoundaryUsageCount agree with the attachments.

AWS managed policies carry their real documents: from ../shared/data/policies/managed/
<Name>.json when present (else the same documents in tests/fixtures/managed-policies/
policies.jsonl.gz), and for the four that data set lacks (AdministratorAccess,
AWSLambdaBasicExecutionRole, IAMFullAccess, PowerUserAccess) the default version AWS
publishes, embedded below. Only the default version of an AWS managed policy is listed.

Unique ids that the trail does not show (groups, policies, instance profiles, roles never
used) come from random.Random(SEED), in a fixed order; a customer managed policy added to
the sample later (ADDED_LATER) draws its PolicyId from its own random.Random, so that adding
it leaves every other id as it was. JSON is written with 2-space indent, keys in the
order the CLI prints them, and a trailing newline, so a re-run reproduces every file.

Usage: python3 scripts/make-sample-iam.py [SHARED_DATA_DIR]   (default ../shared/data)
Standard library only. The README text for iam/ and org/ is written by
scripts/make-sample-data.py with the rest of sample_data/README.md.
"""

import glob
import gzip
import json
import random
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20261116
REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "sample_data"
TRAIL = OUT / "trail" / "AWSLogs"
CATALOG = REPO / "src" / "catalog" / "iam-catalog.jsonl"
RENAMES = REPO / "src" / "mapping" / "renames.tsv"
DEPENDENT = REPO / "src" / "mapping" / "dependent.tsv"
FIXTURE = REPO / "tests" / "fixtures" / "managed-policies" / "policies.jsonl.gz"
SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data"

MAIN = "123456789012"
SANDBOX = "210987654321"
# Where each account's trail starts: the sandbox's, with its Lex and DMS trial, 13 weeks before
# the main account's (make-sample-data.py's SANDBOX_START).
PLAYGROUND = "345678901234"  # second Development OU account; not in the trail
PRODUCTION = "456789012345"  # Production OU account; its trail came with issue 22
TRAIL_START = {MAIN: datetime(2026, 7, 19, tzinfo=timezone.utc),
               SANDBOX: datetime(2026, 4, 19, tzinfo=timezone.utc),
               PRODUCTION: datetime(2026, 7, 19, tzinfo=timezone.utc)}
ORG = "o-a1b2c3d4e5"
ROOT = "r-ab12"
DEV_OU = "ou-ab12-11111111"
PROD_OU = "ou-ab12-22222222"
P_FULL = "p-FullAWSAccess"
P_NEWSERVICE = "p-7hq2c4xz"
P_DENYLEAVE = "p-2m8vq6tn"

rng = random.Random(SEED)
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # IAM unique ids use base32 characters


def unique_id(prefix):
    return prefix + "".join(rng.choice(B32) for _ in range(17))


def own_id(prefix, name):
    """An id from a stream of its own (random.Random seeds a str through SHA-512, so this
    does not depend on PYTHONHASHSEED): drawing it does not move rng."""
    r = random.Random(f"{SEED}/{name}")
    return prefix + "".join(r.choice(B32) for _ in range(17))


def when(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)


def cli_date(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def boto3_date(t):
    return t.strftime("%Y-%m-%d %H:%M:%S+00:00")


def org_date(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions, resources="*", sid=None, condition=None, effect="Allow"):
    s = {}
    if sid:
        s["Sid"] = sid
    s["Effect"] = effect
    s["Action"] = actions
    s["Resource"] = resources
    if condition:
        s["Condition"] = condition
    return s


def deny(actions, resources="*", sid=None, condition=None):
    return allow(actions, resources, sid, condition, effect="Deny")


def trust(principal, action="sts:AssumeRole", condition=None):
    s = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        s["Condition"] = condition
    return doc(s)


# ---------------------------------------------------------------------------------------------
# What the trail says


def read_trail():
    """Callers, their ids and last use; roles named in requests; Lambda functions created;
    the successful calls of users and roles, with their request parameters."""
    seen = {}  # principal ARN -> {"id", "last", "region", "ok": set of (source, event)}
    assumed = {}  # role ARN -> (last AssumeRole time, region) by an AWS service
    named_roles = set()
    functions = []  # (time, function, role ARN, region)
    calls = []  # (principal ARN, event source, event name, requestParameters, time, eventID)
    files = sorted(glob.glob(str(TRAIL / "*" / "CloudTrail" / "**" / "*.json.gz"), recursive=True))
    if not files:
        sys.exit(f"no trail under {TRAIL}: run scripts/make-sample-data.py first")
    for path in files:
        with gzip.open(path) as f:
            records = json.load(f)["Records"]
        for r in records:
            ui = r.get("userIdentity", {})
            issuer = ui.get("sessionContext", {}).get("sessionIssuer", {})
            if issuer:
                key, pid = issuer["arn"], issuer["principalId"]
            elif ui.get("type") == "IAMUser":
                key, pid = ui["arn"], ui["principalId"]
            else:
                key, pid = None, None
            t = r["eventTime"]
            params = r.get("requestParameters") or {}
            if key:
                p = seen.setdefault(key, {"id": pid, "last": "", "region": None, "ok": set(),
                                          "denied": set()})
                assert p["id"] == pid, f"{key} has two principal ids in the trail"
                if t > p["last"]:
                    p["last"], p["region"] = t, r["awsRegion"]
                call = (r["eventSource"], r["eventName"])
                if r.get("errorCode"):
                    if "Denied" in r["errorCode"] or "Unauthorized" in r["errorCode"]:
                        p["denied"].add(call)
                else:
                    p["ok"].add(call)
                    if params:
                        calls.append((key, r["eventSource"], r["eventName"], params, t,
                                      r.get("eventID")))
            if r["eventName"] == "AssumeRole" and ui.get("type") == "AWSService":
                role = params["roleArn"]
                if t > assumed.get(role, ("",))[0]:
                    assumed[role] = (t, r["awsRegion"])
            for v in params.values():
                if isinstance(v, str) and re.match(r"arn:aws:iam::\d{12}:role/", v):
                    named_roles.add(v)
            if r["eventName"].startswith("CreateFunction") and not r.get("errorCode"):
                functions.append((t, params["functionName"], params["role"], r["awsRegion"]))
    return seen, assumed, named_roles, sorted(functions), calls


def split_role_arn(arn):
    m = re.fullmatch(r"arn:aws:iam::(\d{12}):role(/(?:[^/]+/)*)([^/]+)", arn)
    return m.group(1), m.group(2), m.group(3)


# ---------------------------------------------------------------------------------------------
# AWS managed policies

# PolicyId, path, default version, CreateDate, UpdateDate, and the document where
# ../shared/data/policies/managed lacks the policy (None: read it from there).
AWS_MANAGED = {
    # AWS managed policy reference, PowerUserAccess, v12 of 2026-02-12.
    "PowerUserAccess": ("ANPAJYRXTHIB4FOVS3ZXS", "/", "v12", "2015-02-06T18:39:47",
                        "2026-02-12T17:59:14", doc(
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"],
         "Resource": "*"},
        {"Effect": "Allow", "Action": [
            "account:GetAccountInformation", "account:GetGovCloudAccountInformation",
            "account:GetPrimaryEmail", "account:ListRegions", "iam:CreateServiceLinkedRole",
            "iam:DeleteServiceLinkedRole", "iam:ListRoles",
            "organizations:DescribeEffectivePolicy", "organizations:DescribeOrganization"],
         "Resource": "*"})),
    "AdministratorAccess": ("ANPAIWMBCKSKIEE64ZLYK", "/", "v1", "2015-02-06T18:39:46",
                            "2015-02-06T18:39:46",
                            doc({"Effect": "Allow", "Action": "*", "Resource": "*"})),
    "IAMFullAccess": ("ANPAI7XKCFMBPM3QQRRVQ", "/", "v2", "2015-02-06T18:40:38",
                      "2019-06-21T19:40:00", doc({"Effect": "Allow", "Action": [
                          "iam:*", "organizations:DescribeAccount",
                          "organizations:DescribeOrganization",
                          "organizations:DescribeOrganizationalUnit",
                          "organizations:DescribePolicy", "organizations:ListChildren",
                          "organizations:ListParents", "organizations:ListPoliciesForTarget",
                          "organizations:ListRoots", "organizations:ListPolicies",
                          "organizations:ListTargetsForPolicy"], "Resource": "*"})),
    "AWSLambdaBasicExecutionRole": ("ANPAJNCQGXC42545SKXIK", "/service-role/", "v1",
                                    "2015-04-09T15:03:43", "2015-04-09T15:03:43",
                                    doc({"Effect": "Allow", "Action": [
                                        "logs:CreateLogGroup", "logs:CreateLogStream",
                                        "logs:PutLogEvents"], "Resource": "*"})),
    # From the data set. The seed's AWSCloudTrailReadOnlyAccess was deprecated in 2022 for
    # AWSCloudTrail_ReadOnlyAccess (its PolicyId here is generated, not AWS's).
    "AWSCloudTrail_ReadOnlyAccess": (None, "/", "v1", "2022-06-14T17:19:05",
                                     "2022-06-14T17:19:05", None),
    "AutoScalingFullAccess": ("ANPAIAWRCSJDDXDXGPCFU", "/", "v2", "2018-02-06T21:59:13",
                              "2018-02-06T21:59:13", None),
    # Issue 22: the ReadOnly permission set's policy, from the data set (v188 of 2026-07-21;
    # the policy itself dates from 2015).
    "ReadOnlyAccess": ("ANPAILL3HVNFSB6DCOWYQ", "/", "v188", "2015-02-06T18:39:48",
                       "2026-07-21T18:42:30", None),
}


def load_aws_managed():
    fixture = {}
    if FIXTURE.exists():
        with gzip.open(FIXTURE, "rt", encoding="utf-8") as f:
            for line in f:
                p = json.loads(line)
                fixture[p["name"]] = p["document"]
    out = {}
    for name, (pid, path, version, created, updated, document) in AWS_MANAGED.items():
        if document is None:
            shared = SHARED / "policies" / "managed" / f"{name}.json"
            if shared.exists():
                p = json.loads(shared.read_text(encoding="utf-8"))
                got = (p["version"], p["createdate"][:19], (p["updatedate"] or "")[:19])
                # The data set's createdate is its version's date: a policy may be older.
                assert got[0::2] == (version, updated) and created <= got[1], \
                    f"{name}: data set now says {got}"
                document = p["document"]
            elif name in fixture:
                document = fixture[name]
            else:
                sys.exit(f"{name}: neither {shared} nor {FIXTURE} has it")
        out[name] = {"id": pid or unique_id("ANPA"), "path": path, "version": version,
                     "created": when(created), "updated": when(updated), "document": document,
                     "arn": f"arn:aws:iam::aws:policy{path}{name}"}
    return out


# ---------------------------------------------------------------------------------------------
# Customer managed policies of the main account. Versions newest first: (id, created, doc).

EXAMPLE_DEVELOPMENT_V1 = doc(
    {"Sid": "FullAccessToAllServicesExceptPeopleManagement", "Effect": "Allow",
     "NotAction": ["iam:*", "organizations:*"], "Resource": "*"},
    {"Sid": "RequiredIamAndOrgsActions", "Effect": "Allow",
     "Action": ["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles",
                "organizations:DescribeOrganization"], "Resource": "*"})

EXAMPLE_POLICY1_V1 = doc(
    allow("dynamodb:ListTables", sid="ListTables"),
    allow(["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query"],
          f"arn:aws:dynamodb:us-east-1:{MAIN}:table/*", sid="ReadExampleTables"),
    allow(["s3:ListAllMyBuckets", "s3:GetBucketLocation"], sid="ListBuckets"),
    allow(["s3:GetBucketPolicy", "s3:ListBucket", "s3:GetObject"],
          ["arn:aws:s3:::example-corp-*", "arn:aws:s3:::example-corp-*/*"],
          sid="ReadExampleCorpBuckets"))

EXAMPLE_POLICY1_V2 = doc(
    allow("dynamodb:ListTables", sid="ListTables"),
    allow(["dynamodb:DescribeTable", "dynamodb:UpdateTable", "dynamodb:GetItem",
           "dynamodb:PutItem", "dynamodb:Query"],
          f"arn:aws:dynamodb:us-east-1:{MAIN}:table/*", sid="ExampleTables"),
    allow(["s3:ListAllMyBuckets", "s3:GetBucketLocation"], sid="ListBuckets"),
    allow(["s3:GetBucketPolicy", "s3:ListBucket", "s3:GetObject", "s3:PutObject"],
          ["arn:aws:s3:::example-corp-*", "arn:aws:s3:::example-corp-*/*"],
          sid="ExampleCorpBuckets"),
    allow(["ec2:DescribeInstances", "ec2:DescribeInstanceStatus", "ec2:StartInstances",
           "ec2:StopInstances", "ec2:RebootInstances"], sid="ManageTestInstances"))

APP_DEV_ROUTE53 = doc(
    allow(["route53:ListHostedZones", "route53:GetHostedZoneCount"], sid="ListZones"),
    allow(["route53:GetHostedZone", "route53:ListResourceRecordSets",
           "route53:ChangeResourceRecordSets"], "arn:aws:route53:::hostedzone/*",
          sid="ManageRecords"),
    allow("route53:GetChange", "arn:aws:route53:::change/*", sid="TrackChanges"))

APP_DEV_ELASTIC_TRANSCODER = doc(
    allow(["elastictranscoder:ListPipelines", "elastictranscoder:ReadPipeline",
           "elastictranscoder:ListJobsByPipeline", "elastictranscoder:ReadJob",
           "elastictranscoder:CreateJob", "elastictranscoder:CancelJob",
           "elastictranscoder:ListPresets", "elastictranscoder:ReadPreset"],
          sid="TranscodeMedia"))

APP_DEV_EC2_V1 = doc(
    allow(["ec2:DescribeInstances", "ec2:DescribeInstanceStatus", "ec2:DescribeSecurityGroups",
           "ec2:DescribeSubnets", "ec2:DescribeImages"], sid="DescribeCompute"),
    allow(["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"],
          f"arn:aws:ec2:*:{MAIN}:instance/*", sid="OperateInstances"))

APP_DEV_EC2_V2 = doc(
    allow(["ec2:DescribeInstances", "ec2:DescribeInstanceStatus", "ec2:DescribeSecurityGroups",
           "ec2:DescribeSubnets", "ec2:DescribeImages", "ec2:DescribeVolumes",
           "ec2:DescribeVolumeStatus", "ec2:DescribeSnapshots"], sid="DescribeCompute"),
    allow(["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"],
          f"arn:aws:ec2:*:{MAIN}:instance/*", sid="OperateInstances"),
    allow(["ec2:CreateVolume", "ec2:AttachVolume", "ec2:DetachVolume", "ec2:DeleteVolume",
           "ec2:CreateSnapshot"], [f"arn:aws:ec2:*:{MAIN}:volume/*",
                                   f"arn:aws:ec2:*:{MAIN}:instance/*",
                                   "arn:aws:ec2:*::snapshot/*"], sid="EbsVolumes"),
    allow("ec2:CreateTags", f"arn:aws:ec2:*:{MAIN}:volume/*", sid="TagNewVolumes",
          condition={"StringEquals": {"ec2:CreateAction": "CreateVolume"}}))

LEGACY_S3_READ_ONLY = doc(
    allow(["s3:ListAllMyBuckets", "s3:GetBucketLocation"], sid="ListBuckets"),
    allow(["s3:ListBucket", "s3:GetObject"],
          ["arn:aws:s3:::example-corp-data", "arn:aws:s3:::example-corp-data/*"],
          sid="ReadData"))

CI_DEPLOY_PIPELINE = doc(
    allow(["cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents",
           "cloudformation:GetTemplate", "cloudformation:UpdateStack",
           "cloudformation:CreateChangeSet", "cloudformation:DescribeChangeSet",
           "cloudformation:ExecuteChangeSet"],
          [f"arn:aws:cloudformation:us-east-1:{MAIN}:stack/app-*/*",
           f"arn:aws:cloudformation:us-east-1:{MAIN}:stack/network-base/*"], sid="Stacks"),
    allow("ecr:GetAuthorizationToken", sid="RegistryLogin"),
    allow(["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
           "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage"],
          f"arn:aws:ecr:us-east-1:{MAIN}:repository/example-corp/app", sid="PushImages"),
    allow(["lambda:GetFunction", "lambda:UpdateFunctionCode",
           "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion"],
          f"arn:aws:lambda:us-east-1:{MAIN}:function:*", sid="DeployFunctions"),
    allow(["s3:PutObject", "s3:GetObject"], "arn:aws:s3:::example-corp-ci-artifacts/*",
          sid="Artifacts"),
    allow("iam:PassRole", f"arn:aws:iam::{MAIN}:role/service-role/report-builder-role-7k2m9q1x",
          sid="PassFunctionRole",
          condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}))

CI_DEPLOY_BOUNDARY = doc(
    allow(["cloudformation:*", "ecr:*", "lambda:*", "s3:*", "logs:*", "sts:GetCallerIdentity"],
          sid="DeployServices"),
    allow("iam:PassRole", f"arn:aws:iam::{MAIN}:role/service-role/*", sid="PassServiceRoles",
          condition={"StringEquals": {"iam:PassedToService": [
              "cloudformation.amazonaws.com", "lambda.amazonaws.com"]}}),
    deny(["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateRole",
          "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
          "organizations:*", "account:*"], sid="NoIdentityChanges"))

# Creating a Lambda function with an execution role needs iam:PassRole on the role, which
# neither PowerUserAccess nor ExampleDevelopment allows (both leave out iam:*). The
# administrator who made the developers' execution roles (LAMBDA_ROLES_CREATED) created this
# minutes before them and attached it to Development: roles under service-role/, passed to
# Lambda only.
DEVELOPMENT_PASS_LAMBDA_ROLES = doc(
    allow("iam:PassRole", f"arn:aws:iam::{MAIN}:role/service-role/*",
          sid="PassExecutionRolesToLambda",
          condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}))

CUSTOMER_POLICIES = {
    # name: (path, [(version, created, document), newest first])
    "ExampleDevelopment": ("/", [("v1", "2026-07-17T16:05:12", EXAMPLE_DEVELOPMENT_V1)]),
    "Development-PassLambdaRoles": ("/", [("v1", "2026-07-18T14:17:36",
                                           DEVELOPMENT_PASS_LAMBDA_ROLES)]),
    "ExamplePolicy1": ("/", [("v2", "2026-03-03T11:42:08", EXAMPLE_POLICY1_V2),
                             ("v1", "2025-04-28T09:15:31", EXAMPLE_POLICY1_V1)]),
    "App-Dev-Route53": ("/", [("v1", "2024-09-16T10:21:55", APP_DEV_ROUTE53)]),
    "App-Dev-ElasticTranscoder": ("/", [("v1", "2024-09-16T10:24:03",
                                         APP_DEV_ELASTIC_TRANSCODER)]),
    "App-Dev-EC2": ("/", [("v2", "2026-05-19T14:07:36", APP_DEV_EC2_V2),
                          ("v1", "2024-09-16T10:19:47", APP_DEV_EC2_V1)]),
    "LegacyS3ReadOnly": ("/", [("v1", "2024-05-02T08:30:19", LEGACY_S3_READ_ONLY)]),
    "ci-deploy-pipeline": ("/", [("v1", "2025-06-02T13:48:27", CI_DEPLOY_PIPELINE)]),
    "CIDeployBoundary": ("/boundaries/", [("v1", "2025-06-02T13:46:50", CI_DEPLOY_BOUNDARY)]),
}
# Added after the sample was first published: ids from their own streams (own_id), keyed by
# the policy's name or the role's ARN. Issue 22's roles are added below.
ADDED_LATER = {"Development-PassLambdaRoles"}

# ---------------------------------------------------------------------------------------------
# Principals of the main account. Attached policies by name (customer or AWS managed).

GROUPS = {
    # name: (created, attached, inline {name: doc})
    "security-team": ("2024-02-20T15:31:09", ["IAMFullAccess", "AWSCloudTrail_ReadOnlyAccess"],
                      {"security-team-access-analyzer": doc(allow(
                          ["access-analyzer:ListAnalyzers", "access-analyzer:ListFindings",
                           "access-analyzer:GetFinding", "access-analyzer:ValidatePolicy"],
                          sid="ReviewFindings"))}),
    "app-dev": ("2024-09-16T10:17:22", ["App-Dev-EC2", "AutoScalingFullAccess", "App-Dev-Route53",
                                        "App-Dev-ElasticTranscoder"], {}),
    "Development": ("2026-07-17T16:02:44", ["PowerUserAccess", "ExampleDevelopment",
                                            "Development-PassLambdaRoles"], {}),
}

USERS = {
    # name: (created, groups, attached, inline {name: doc}, tags)
    "nikhilj": ("2024-03-04T09:12:40", ["app-dev", "security-team"], ["IAMFullAccess"], {},
                [("team", "app-dev"), ("previous-team", "security-team")]),
    "maria": ("2024-09-16T10:30:05", ["app-dev"], [], {}, [("team", "app-dev")]),
    "wei": ("2025-02-03T17:44:58", ["app-dev"], [],
            {"wei-route53-health-checks": doc(allow(
                ["route53:ListHealthChecks", "route53:GetHealthCheck",
                 "route53:GetHealthCheckStatus"], sid="ReadHealthChecks"))},
            [("team", "app-dev")]),
    "IAMExampleUser": ("2025-04-28T09:18:12", [], ["ExamplePolicy1"], {},
                       [("owner", "arnav.desai"), ("purpose", "ExamplePolicy1 review")]),
    "paulo": ("2026-07-17T16:08:31", ["Development"], [], {},
              [("team", "development"), ("cost-center", "cc-1042")]),
    "dev-ana": ("2026-07-17T16:09:02", ["Development"], [], {}, [("team", "development")]),
    "dev-raj": ("2026-07-17T16:09:27", ["Development"], [], {}, [("team", "development")]),
}

GITHUB_OIDC = f"arn:aws:iam::{MAIN}:oidc-provider/token.actions.githubusercontent.com"
LAMBDA_TRUST = trust({"Service": "lambda.amazonaws.com"})
ROLES = {
    # ARN: (created, trust, attached, inline, boundary, tags, instance profile?)
    f"arn:aws:iam::{MAIN}:role/IAMExampleRole": (
        "2025-04-28T09:20:47", trust({"AWS": f"arn:aws:iam::{MAIN}:root"}), ["ExamplePolicy1"],
        {}, None, [("owner", "arnav.desai"), ("purpose", "ExamplePolicy1 review")], False),
    f"arn:aws:iam::{MAIN}:role/service-role/ci-deploy": (
        "2025-06-02T13:51:09",
        trust({"Federated": GITHUB_OIDC}, "sts:AssumeRoleWithWebIdentity", {
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
            "StringLike": {"token.actions.githubusercontent.com:sub": [
                "repo:example-corp/app:ref:refs/heads/main",
                "repo:example-corp/app:environment:*"]}}),
        ["ci-deploy-pipeline", "ExamplePolicy1"], {}, "CIDeployBoundary",
        [("managed-by", "terraform"), ("repository", "example-corp/app")], False),
    f"arn:aws:iam::{MAIN}:role/service-role/report-builder-role-7k2m9q1x": (
        "2025-10-07T08:55:14", LAMBDA_TRUST, ["AWSLambdaBasicExecutionRole", "ExamplePolicy1"],
        {"report-builder-reports-bucket": doc(allow(
            ["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::example-corp-reports/*",
            sid="ReadWriteReports"))}, None, [("app", "report-builder")], False),
    f"arn:aws:iam::{MAIN}:role/app-instance-role": (
        "2024-10-01T12:14:36", trust({"Service": "ec2.amazonaws.com"}), [],
        {"app-instance-runtime": doc(
            allow(["s3:ListBucket", "s3:GetObject"],
                  ["arn:aws:s3:::example-corp-data", "arn:aws:s3:::example-corp-data/*"],
                  sid="ReadAppData"),
            allow(["logs:CreateLogStream", "logs:PutLogEvents"],
                  f"arn:aws:logs:*:{MAIN}:log-group:/aws/ec2/app-web:*", sid="ShipLogs"),
            allow("cloudwatch:PutMetricData", sid="PublishMetrics",
                  condition={"StringEquals": {"cloudwatch:namespace": "ExampleCorp/App"}}))},
        None, [("app", "app-web")], True),
}
# Issue 22: the roles IAM Identity Center provisioned for its permission sets, and the release
# pipeline that sets a sourceIdentity. scripts/make-sample-data.py has the same permission sets,
# suffixes and SAML provider; main() checks them against the ground truth it writes.
SSO_ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"
SAML_PROVIDER = "AWSSSO_4d1e8a7c2b9f3065_DO_NOT_DELETE"
SSO_PERMISSION_SETS = {"Developers": "AdministratorAccess", "ReadOnly": "ReadOnlyAccess"}
SSO_ROLE_SUFFIX = {("Developers", MAIN): "9c2e4f71a0b83d65",
                   ("Developers", SANDBOX): "3b8d0e6f2a91c747",
                   ("Developers", PRODUCTION): "e71a5c3d9f04b28e",
                   ("ReadOnly", MAIN): "58f0b2d6c1e97a34"}
# When each account assignment provisioned its role.
SSO_ROLE_CREATED = {("Developers", MAIN): "2025-03-12T11:20:16",
                    ("Developers", SANDBOX): "2025-03-12T11:20:19",
                    ("Developers", PRODUCTION): "2025-04-02T09:05:44",
                    ("ReadOnly", MAIN): "2025-09-15T14:25:31"}


def sso_role_arn(permission_set, account):
    return (f"arn:aws:iam::{account}:role{SSO_ROLE_PATH}AWSReservedSSO_{permission_set}_"
            f"{SSO_ROLE_SUFFIX[(permission_set, account)]}")


def sso_roles(account):
    """The provisioned roles of `account`: trusted by the account's Identity Center SAML
    provider, the permission set's AWS managed policy attached, no inline policy, no tags."""
    roles = {}
    for (name, acct), created in SSO_ROLE_CREATED.items():
        if acct != account:
            continue
        roles[sso_role_arn(name, account)] = (
            created,
            trust({"Federated": f"arn:aws:iam::{account}:saml-provider/{SAML_PROVIDER}"},
                  ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                  {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}),
            [SSO_PERMISSION_SETS[name]], {}, None, [], False)
    return roles


ROLES.update(sso_roles(MAIN))
ROLES[f"arn:aws:iam::{MAIN}:role/release-pipeline"] = (
    "2026-06-22T15:08:41",
    trust({"Federated": GITHUB_OIDC}, ["sts:AssumeRoleWithWebIdentity", "sts:SetSourceIdentity"], {
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                         "token.actions.githubusercontent.com:sub":
                             "repo:example-corp/app:ref:refs/heads/main"}}),
    [], {"release-pipeline-publish": doc(
        allow("s3:PutObject", "arn:aws:s3:::example-corp-ci-artifacts/releases/*",
              sid="PublishReleaseArtifacts"),
        allow("cloudformation:DescribeStacks", f"arn:aws:cloudformation:us-east-1:{MAIN}:stack/*/*",
              sid="ReadStacks"))},
    None, [("managed-by", "terraform"), ("repository", "example-corp/app")], False)
ADDED_LATER |= set(sso_roles(MAIN)) | {f"arn:aws:iam::{MAIN}:role/release-pipeline"}

# The developers' Lambda experiments: an administrator made their execution roles the day
# before the trail starts (PowerUserAccess cannot create roles), one every 97 s in the order
# the trail's CreateFunction calls use them. Their names come from the trail.
LAMBDA_ROLES_CREATED = "2026-07-18T14:20:00"

SANDBOX_ROLES = {
    f"arn:aws:iam::{SANDBOX}:role/sandbox-admin": (
        "2025-01-22T10:02:17",
        trust({"AWS": f"arn:aws:iam::{MAIN}:root"},
              condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        ["AdministratorAccess"], {}, None, [("owner", "john.stiles"), ("ou", "Development")],
        False),
    # Organizations makes this role in every account it creates, with an inline policy.
    f"arn:aws:iam::{SANDBOX}:role/OrganizationAccountAccessRole": (
        "2025-01-22T09:41:38", trust({"AWS": f"arn:aws:iam::{MAIN}:root"}), [],
        {"AdministratorAccess": doc({"Effect": "Allow", "Action": "*", "Resource": "*"})},
        None, [], False),
}
SANDBOX_ROLES.update(sso_roles(SANDBOX))
ADDED_LATER |= set(sso_roles(SANDBOX))

# Issue 22: the production account, whose trail starts with the main account's. Every id the
# trail does not show comes from a stream of its own (own_id).
PRODUCTION_ROLES = {
    f"arn:aws:iam::{PRODUCTION}:role/prod-app-role": (
        "2024-03-18T10:12:09", trust({"Service": "ec2.amazonaws.com"}), [],
        {"prod-app-runtime": doc(
            allow(["s3:ListBucket", "s3:GetObject"],
                  ["arn:aws:s3:::example-corp-prod-data", "arn:aws:s3:::example-corp-prod-data/*"],
                  sid="ReadAppData"),
            allow(["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query"],
                  f"arn:aws:dynamodb:us-east-1:{PRODUCTION}:table/*", sid="ReadTables"))},
        None, [("app", "app-prod")], True),
    # Assumed from the main account's Developers sessions: exactly what it is used for.
    f"arn:aws:iam::{PRODUCTION}:role/prod-readonly": (
        "2025-06-02T09:12:40", trust({"AWS": sso_role_arn("Developers", MAIN)}), [],
        {"prod-readonly-checks": doc(allow(["ec2:DescribeInstances", "s3:ListAllMyBuckets"],
                                           sid="ProductionChecks"))},
        None, [("owner", "carol@example.com")], False),
    f"arn:aws:iam::{PRODUCTION}:role/OrganizationAccountAccessRole": (
        "2024-03-11T10:27:46", trust({"AWS": f"arn:aws:iam::{MAIN}:root"}), [],
        {"AdministratorAccess": doc({"Effect": "Allow", "Action": "*", "Resource": "*"})},
        None, [], False),
    **sso_roles(PRODUCTION),
}
# AWS managed policies kept as AWS publishes them, even where they name actions the catalogue
# lacks or spells otherwise (the catalogue check reports those and goes on).
AS_PUBLISHED = {"ReadOnlyAccess"}

# ---------------------------------------------------------------------------------------------
# The organisation

ACCOUNTS = {
    # id: (name, email, joined method, joined, parent)
    MAIN: ("Example Corp", "aws-root@example.com", "INVITED", "2024-02-05T14:03:11.512", ROOT),
    PRODUCTION: ("production", "aws-production@example.com", "CREATED",
                 "2024-03-11T10:27:45.090", PROD_OU),
    SANDBOX: ("sandbox", "aws-sandbox@example.com", "CREATED", "2025-01-22T09:41:37.209",
              DEV_OU),
    PLAYGROUND: ("dev-playground", "aws-dev-playground@example.com", "CREATED",
                 "2026-04-14T13:08:52.774", DEV_OU),
}
OUS = {DEV_OU: ("Development", ROOT), PROD_OU: ("Production", ROOT)}

NEW_SERVICE_TEST = doc(
    allow(["lex:*", "dms:*"], sid="ServicesUnderTest"),
    allow(["s3:*", "ec2:*", "cloudwatch:*", "logs:*", "kms:*", "iam:*", "sts:*"],
          sid="SandboxBaseline"))
DENY_LEAVE = doc(deny("organizations:LeaveOrganization", sid="DenyLeaveOrganization"))

SCPS = {
    # id: (name, description, AWS managed, content text, targets)
    P_FULL: ("FullAWSAccess", "Allows access to every operation", True,
             json.dumps(doc({"Effect": "Allow", "Action": "*", "Resource": "*"}), indent=2),
             # Everywhere but the Development OU and its accounts, where NewServiceTest
             # replaced it: an allow list, so that what it allows is all they can use.
             [ROOT, PROD_OU, MAIN, PRODUCTION]),
    P_NEWSERVICE: ("NewServiceTest",
                   "Development OU allow list: the services it is trying out and its baseline",
                   False, json.dumps(NEW_SERVICE_TEST, indent=4), [DEV_OU, SANDBOX, PLAYGROUND]),
    P_DENYLEAVE: ("DenyLeaveOrganization", "Member accounts may not leave the organization",
                  False, json.dumps(DENY_LEAVE, indent=4), [ROOT]),
}


# ---------------------------------------------------------------------------------------------
# Building the authorization details


def tags(pairs):
    return [{"Key": k, "Value": v} for k, v in pairs]


def fresh_id(prefix, key):
    """An id the trail does not show: the next from rng, or for an entity added later
    (ADDED_LATER, by name or ARN) one from its own stream, which moves nothing else."""
    return own_id(prefix, key) if key in ADDED_LATER else unique_id(prefix)


def build_account(account, roles_spec, users_spec, groups_spec, customer_spec, aws_managed,
                  trail, assumed, lambda_roles, date, fresh=fresh_id):
    """One account's get-account-authorization-details, and its facts for the checks."""
    seen = trail
    customer_arn = {n: f"arn:aws:iam::{account}:policy{p}{n}" for n, (p, _) in customer_spec.items()}

    def policy_arn(name):
        return customer_arn[name] if name in customer_arn else aws_managed[name]["arn"]

    def attached(names):
        return [{"PolicyName": n, "PolicyArn": policy_arn(n)} for n in names]

    def inline(policies):
        return [{"PolicyName": n, "PolicyDocument": d} for n, d in policies.items()]

    attachments = {}  # policy name -> count
    boundaries = {}
    facts = {"users": {}, "groups": {}, "roles": {}, "created": []}

    groups = []
    group_ids = {}
    for name in sorted(groups_spec, key=str.lower):
        created, att, inl = groups_spec[name]
        group_ids[name] = fresh("AGPA", f"arn:aws:iam::{account}:group/{name}")
        for n in att:
            attachments[n] = attachments.get(n, 0) + 1
        groups.append({"Path": "/", "GroupName": name, "GroupId": group_ids[name],
                       "Arn": f"arn:aws:iam::{account}:group/{name}", "CreateDate": date(when(created)),
                       "GroupPolicyList": inline(inl), "AttachedManagedPolicies": attached(att)})
        facts["groups"][name] = {"attached": att, "inline": inl}
        facts["created"].append((f"group {name}", when(created)))

    users = []
    for name in sorted(users_spec, key=str.lower):
        created, grp, att, inl, tg = users_spec[name]
        arn = f"arn:aws:iam::{account}:user/{name}"
        uid = seen[arn]["id"] if arn in seen else fresh("AIDA", arn)
        for n in att:
            attachments[n] = attachments.get(n, 0) + 1
        u = {"Path": "/", "UserName": name, "UserId": uid, "Arn": arn,
             "CreateDate": date(when(created))}
        if inl:
            u["UserPolicyList"] = inline(inl)
        u["GroupList"] = list(grp)
        u["AttachedManagedPolicies"] = attached(att)
        u["Tags"] = tags(tg)
        users.append(u)
        facts["users"][arn] = {"groups": grp, "attached": att, "inline": inl, "boundary": None}
        facts["created"].append((arn, when(created)))

    role_specs = dict(roles_spec)
    for i, (t, function, role_arn, region) in enumerate(lambda_roles):
        created = cli_date(when(LAMBDA_ROLES_CREATED) + timedelta(seconds=97 * i))[:19]
        role_specs.setdefault(role_arn, (created, LAMBDA_TRUST,
                                         ["AWSLambdaBasicExecutionRole"], {}, None,
                                         [("function", function)], False))
    roles = []
    for arn in sorted(role_specs, key=lambda a: split_role_arn(a)[2].lower()):
        created, trust_doc, att, inl, boundary, tg, profile = role_specs[arn]
        _, path, name = split_role_arn(arn)
        rid = seen[arn]["id"] if arn in seen else fresh("AROA", arn)
        for n in att:
            attachments[n] = attachments.get(n, 0) + 1
        last = []
        if arn in seen:
            last.append((seen[arn]["last"], seen[arn]["region"]))
        if arn in assumed:
            last.append(assumed[arn])
        r = {"Path": path, "RoleName": name, "RoleId": rid, "Arn": arn,
             "CreateDate": date(when(created)), "AssumeRolePolicyDocument": trust_doc}
        profiles = []
        if profile:
            profiles.append({
                "Path": "/", "InstanceProfileName": name,
                "InstanceProfileId": fresh("AIPA", f"arn:aws:iam::{account}:instance-profile/{name}"),
                "Arn": f"arn:aws:iam::{account}:instance-profile/{name}",
                "CreateDate": date(when(created)),
                "Roles": [{"Path": path, "RoleName": name, "RoleId": rid, "Arn": arn,
                           "CreateDate": date(when(created)),
                           "AssumeRolePolicyDocument": trust_doc}]})
        r["InstanceProfileList"] = profiles
        r["RolePolicyList"] = inline(inl)
        r["AttachedManagedPolicies"] = attached(att)
        if boundary:
            boundaries[boundary] = boundaries.get(boundary, 0) + 1
            r["PermissionsBoundary"] = {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                        "PermissionsBoundaryArn": policy_arn(boundary)}
        r["Tags"] = tags(tg)
        if last:
            t, region = max(last)
            r["RoleLastUsed"] = {"LastUsedDate": date(datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ")
                                                      .replace(tzinfo=timezone.utc)),
                                 "Region": region}
        else:
            r["RoleLastUsed"] = {}
        roles.append(r)
        facts["roles"][arn] = {"attached": att, "inline": inl, "boundary": boundary,
                               "path": path, "trust": trust_doc, "last": max(last) if last else None}
        facts["created"].append((arn, when(created)))

    policies = []
    docs = {}
    for name in sorted(customer_spec, key=str.lower):
        path, versions = customer_spec[name]
        docs[name] = versions[0][2]
        policies.append({
            "PolicyName": name,
            "PolicyId": fresh("ANPA", name),
            "Arn": customer_arn[name],
            "Path": path, "DefaultVersionId": versions[0][0],
            "AttachmentCount": attachments.get(name, 0),
            "PermissionsBoundaryUsageCount": boundaries.get(name, 0), "IsAttachable": True,
            "CreateDate": date(when(versions[-1][1])), "UpdateDate": date(when(versions[0][1])),
            "PolicyVersionList": [{"Document": d, "VersionId": v, "IsDefaultVersion": i == 0,
                                   "CreateDate": date(when(c))}
                                  for i, (v, c, d) in enumerate(versions)]})
        facts["created"] += [(f"{name} {v}", when(c)) for v, c, _ in versions]
    used_aws = sorted({n for n in list(attachments) + list(boundaries) if n not in customer_spec},
                      key=str.lower)
    for name in used_aws:
        m = aws_managed[name]
        docs[name] = m["document"]
        policies.append({
            "PolicyName": name, "PolicyId": m["id"], "Arn": m["arn"], "Path": m["path"],
            "DefaultVersionId": m["version"], "AttachmentCount": attachments.get(name, 0),
            "PermissionsBoundaryUsageCount": boundaries.get(name, 0), "IsAttachable": True,
            "CreateDate": date(m["created"]), "UpdateDate": date(m["updated"]),
            "PolicyVersionList": [{"Document": m["document"], "VersionId": m["version"],
                                   "IsDefaultVersion": True, "CreateDate": date(m["updated"])}]})
    facts["docs"] = docs
    facts["attachments"], facts["boundaries"] = attachments, boundaries
    details = {"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles,
               "Policies": policies}
    return details, facts


# ---------------------------------------------------------------------------------------------
# Organisation files


def org_arn(kind, ident):
    return f"arn:aws:organizations::{MAIN}:{kind}/{ORG}/{ident}"


def build_org():
    files = {}
    files["describe-organization.json"] = {"Organization": {
        "Id": ORG, "Arn": f"arn:aws:organizations::{MAIN}:organization/{ORG}", "FeatureSet": "ALL",
        "MasterAccountArn": org_arn("account", MAIN), "MasterAccountId": MAIN,
        "MasterAccountEmail": ACCOUNTS[MAIN][1],
        "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]}}
    files["list-roots.json"] = {"Roots": [{
        "Id": ROOT, "Arn": org_arn("root", ROOT), "Name": "Root",
        "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]}]}
    for parent in [ROOT] + sorted(OUS):
        files[f"list-organizational-units-for-parent.{parent}.json"] = {"OrganizationalUnits": [
            {"Id": ou, "Arn": org_arn("ou", ou), "Name": name}
            for ou, (name, p) in sorted(OUS.items()) if p == parent]}
        files[f"list-accounts-for-parent.{parent}.json"] = {"Accounts": [
            {"Id": a, "Arn": org_arn("account", a), "Email": email, "Name": name,
             "Status": "ACTIVE", "State": "ACTIVE", "JoinedMethod": method,
             "JoinedTimestamp": org_date(datetime.strptime(joined, "%Y-%m-%dT%H:%M:%S.%f")
                                         .replace(tzinfo=timezone.utc))}
            for a, (name, email, method, joined, p) in sorted(ACCOUNTS.items()) if p == parent]}

    def summary(pid):
        name, description, managed, _, _ = SCPS[pid]
        arn = (f"arn:aws:organizations::aws:policy/service_control_policy/{pid}" if managed
               else f"arn:aws:organizations::{MAIN}:policy/{ORG}/service_control_policy/{pid}")
        return {"Id": pid, "Arn": arn, "Name": name, "Description": description,
                "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": managed}

    order = sorted(SCPS, key=lambda p: SCPS[p][0].lower())
    files["list-policies.json"] = {"Policies": [summary(p) for p in order]}
    for pid in order:
        files[f"describe-policy.{pid}.json"] = {"Policy": {"PolicySummary": summary(pid),
                                                           "Content": SCPS[pid][3]}}
        targets = []
        for t in SCPS[pid][4]:
            if t.startswith("r-"):
                targets.append({"TargetId": t, "Arn": org_arn("root", t), "Name": "Root",
                                "Type": "ROOT"})
            elif t.startswith("ou-"):
                targets.append({"TargetId": t, "Arn": org_arn("ou", t), "Name": OUS[t][0],
                                "Type": "ORGANIZATIONAL_UNIT"})
            else:
                targets.append({"TargetId": t, "Arn": org_arn("account", t),
                                "Name": ACCOUNTS[t][0], "Type": "ACCOUNT"})
        files[f"list-targets-for-policy.{pid}.json"] = {"Targets": targets}
    return files


# ---------------------------------------------------------------------------------------------
# Checks


def load_catalog():
    actions = {}
    with open(CATALOG, encoding="utf-8") as f:
        for line in f:
            entry = json.loads(line)
            if "action" in entry:
                actions[entry["action"].lower()] = entry["action"]
    return actions


def pattern_re(pattern):
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                              for c in pattern), re.IGNORECASE)


def matches(pattern, action):
    return pattern == "*" or bool(pattern_re(pattern).fullmatch(action))


def as_list(v):
    return v if isinstance(v, list) else [v]


def check_catalog(where, document, catalog, problems):
    for s in as_list(document["Statement"]):
        for key in ("Action", "NotAction"):
            for a in as_list(s.get(key, [])):
                if a == "*":
                    continue
                if "*" in a or "?" in a:
                    rx = pattern_re(a)
                    if not any(rx.fullmatch(x) for x in catalog):
                        problems.append(f"{where}: {a} matches no catalogued action")
                elif catalog.get(a.lower()) != a:
                    problems.append(f"{where}: {a} is not in the catalogue"
                                    + (f" (spelled {catalog[a.lower()]})" if a.lower() in catalog else ""))


def decision(documents, action):
    """'deny', 'allow' or None for `action` under `documents` (conditions count as met for
    Allow and as unmet for Deny; resources are not evaluated)."""
    allowed = False
    for d in documents:
        for s in as_list(d["Statement"]):
            if "Action" in s:
                hit = any(matches(p, action) for p in as_list(s["Action"]))
            else:
                hit = not any(matches(p, action) for p in as_list(s["NotAction"]))
            if not hit:
                continue
            if s["Effect"] == "Deny" and "Condition" not in s:
                return "deny"
            if s["Effect"] == "Allow":
                allowed = True
    return "allow" if allowed else None


def load_renames():
    renames = {}
    for line in RENAMES.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            prefix, event, actions = line.split("\t")[:3]
            renames[(prefix, event)] = actions.split()[0]
    return renames


SOURCE_PREFIX = {"models.lex": "lex"}
PERMISSIONLESS = {("sts", "GetCallerIdentity"), ("signin", "ConsoleLogin")}


def action_of(source, event, renames):
    prefix = source.removesuffix(".amazonaws.com")
    prefix = SOURCE_PREFIX.get(prefix, prefix)
    if (prefix, event) in PERMISSIONLESS:
        return None
    if (prefix, event) in renames:
        return renames[(prefix, event)]
    return f"{prefix}:{re.sub(r'20[0-9]{2}_?[0-9]{2}_?[0-9]{2}(v[0-9]+)?$', '', event)}"


def identity_policies(facts, arn, leave_out=()):
    """The identity policies of a user or role as (label, document), and its boundary as
    (label, document) or None; policies named in `leave_out` are left out."""
    docs = facts["docs"]
    out = []

    def add(attached, inline, via=""):
        out.extend((n + via, docs[n]) for n in attached if n not in leave_out)
        out.extend((f"inline {n}{via}", d) for n, d in inline.items())

    if arn in facts["users"]:
        u = facts["users"][arn]
        add(u["attached"], u["inline"])
        for g in u["groups"]:
            add(facts["groups"][g]["attached"], facts["groups"][g]["inline"], f" (group {g})")
        return out, None
    r = facts["roles"][arn]
    add(r["attached"], r["inline"])
    return out, ((f"boundary {r['boundary']}", docs[r["boundary"]]) if r["boundary"] else None)


def identity_documents(facts, arn):
    """The identity policies and the boundary of a user or role."""
    named, boundary = identity_policies(facts, arn)
    return [d for _, d in named], (boundary[1] if boundary else None)


def scp_levels(account):
    """The SCPs that apply to `account`, one list of (label, document) per level of its
    path (the account, its OUs, the root); none for the management account."""
    if account == MAIN:
        return []  # SCPs do not apply to the management account
    parents = {a: p for a, (_, _, _, _, p) in ACCOUNTS.items()} | {o: p for o, (_, p) in OUS.items()}
    path, node = [], account
    while node:
        path.append(node)
        node = parents.get(node)
    return [[(f"SCP {spec[0]} on {entity}", json.loads(spec[3]))
             for pid, spec in SCPS.items() if entity in spec[4]] for entity in path]


def scp_allows(account, action):
    return all(decision([d for _, d in level], action) == "allow" for level in scp_levels(account))


# iam:PassRole, with resources and conditions: a small matcher. Actions match
# case-insensitively, resources case-sensitively (each of an ARN's six colon-separated
# parts on its own), both with * and ?. Of the conditions only iam:PassedToService is
# known (String[Not]Equals / String[Not]Like, ...IfExists); a statement with any other
# condition key, or with a policy variable in its resources, is undetermined.


def glob_re(pattern):
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                              for c in pattern))


def resource_matches(pattern, arn):
    if pattern == "*":
        return True
    p, a = pattern.split(":", 5), arn.split(":", 5)
    if len(p) == 6 and len(a) == 6:
        return all(glob_re(x).fullmatch(y) for x, y in zip(p, a))
    return bool(glob_re(pattern).fullmatch(arn))


KNOWN_STRING_OPS = {"StringEquals": (False, False), "StringLike": (False, True),
                    "StringNotEquals": (True, False), "StringNotLike": (True, True)}


def condition_holds(condition, context):
    """True, False or None (undetermined) for a Condition block; `context` maps lower-case
    condition keys to their one string value."""
    unknown = False
    for op, block in (condition or {}).items():
        base = op.removesuffix("IfExists")
        for key, values in block.items():
            if base not in KNOWN_STRING_OPS or key.lower() not in context:
                unknown = True
                continue
            negated, like = KNOWN_STRING_OPS[base]
            v = context[key.lower()]
            hit = any(glob_re(x).fullmatch(v) if like else x == v for x in as_list(values))
            if hit == negated:
                return False
    return None if unknown else True


def statement_applies(s, action, resource, context):
    """Whether statement `s` covers `action` on `resource`: True, False or None."""
    if "Action" in s:
        hit = any(matches(p, action) for p in as_list(s["Action"]))
    elif "NotAction" in s:
        hit = not any(matches(p, action) for p in as_list(s["NotAction"]))
    else:
        hit = False
    if not hit:
        return False
    key = "Resource" if "Resource" in s else "NotResource" if "NotResource" in s else None
    if key is None:
        return False
    patterns = as_list(s[key])
    if any("${" in p for p in patterns):
        return None
    hit = any(resource_matches(p, resource) for p in patterns)
    if hit == (key == "NotResource"):
        return False
    return condition_holds(s.get("Condition"), context)


def pass_role_decision(named_docs, role_arn, service):
    """('deny' | 'allow' | None, the statements that decided) for iam:PassRole on
    `role_arn` passed to `service` (a host, lambda.amazonaws.com) under `named_docs`, a list
    of (label, document). Deny wins; an undetermined Deny counts as applying, an
    undetermined Allow as not."""
    context = {"iam:passedtoservice": service}
    allows, denies = [], []
    for label, d in named_docs:
        for i, s in enumerate(as_list(d["Statement"])):
            verdict = statement_applies(s, "iam:PassRole", role_arn, context)
            where = f"{label} {s.get('Sid') or f'statement {i + 1}'}"
            if s["Effect"] == "Deny" and verdict is not False:
                denies.append(where + ("" if verdict else " (undetermined)"))
            elif s["Effect"] == "Allow" and verdict is True:
                allows.append(where)
    if denies:
        return "deny", denies
    return ("allow", allows) if allows else (None, [])


def strip_version_suffix(event):
    """As src/mapping/mod.rs: CreateFunction20150331 -> CreateFunction, else None."""
    m = re.fullmatch(r"(.+?)(?:[0-9]{8}|[0-9]{4}_[0-9]{2}_[0-9]{2})(?:v[0-9]+)?", event)
    return m.group(1) if m else None


def load_pass_role_triggers():
    """(prefix, lower-case event name) -> request-parameter paths (lists of lower-case
    keys) whose value is a role passed, from dependent.tsv's iam:PassRole rows."""
    triggers = {}
    for line in DEPENDENT.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        prefix, event, action, trigger = line.split("\t")[:4]
        if action == "iam:PassRole" and trigger.startswith("request:"):
            paths = [p.lower().split(".") for p in trigger.removeprefix("request:").split("|")]
            triggers.setdefault((prefix, event.lower()), []).extend(paths)
    if not triggers:
        sys.exit(f"{DEPENDENT} has no iam:PassRole rows")
    return triggers


def values_at(value, path):
    """The non-empty values at `path` in `value` (keys compared case-insensitively; an
    array on the way yields each element's), as src/request/dependent.rs reads them."""
    if isinstance(value, list):
        return [v for item in value for v in values_at(item, path)]
    if not path:
        return [] if value is None or value is False or value == "" or value == {} else [value]
    if isinstance(value, dict):
        return [v for k, x in value.items() if k.lower() == path[0] for v in values_at(x, path[1:])]
    return []


ROLE_ARN_RE = re.compile(r"arn:aws:iam::[0-9]{12}:role/.+")


def passed_roles(value, path, details):
    """The role ARNs a passed value names, or None when it cannot tell: a role ARN, or an
    instance profile (by ARN or name) of the account, whose roles are passed."""
    if not isinstance(value, str):
        return None
    if ROLE_ARN_RE.fullmatch(value):
        return [value]
    if any("instanceprofile" in k for k in path):
        for r in details["RoleDetailList"]:
            for ip in r["InstanceProfileList"]:
                if value in (ip["Arn"], ip["InstanceProfileName"]):
                    return [x["Arn"] for x in ip["Roles"]]
    return None


def check_pass_role(calls, details_of, facts_of, renames, problems):
    """Every successful call that passes a role is allowed iam:PassRole on it: by the
    caller's identity policies, its boundary and the SCPs above it. Returns a summary."""
    triggers = load_pass_role_triggers()
    checked = {}  # (principal, role, service) -> (calls, deciding statements)
    for principal, source, event, params, t, event_id in calls:
        account = principal.split(":")[4]
        if account not in facts_of or principal not in {**facts_of[account]["users"],
                                                        **facts_of[account]["roles"]}:
            continue  # reported by the principal checks
        action = action_of(source, event, renames)
        if action is None:
            continue
        prefix = action.split(":")[0]
        paths = triggers.get((prefix, event.lower()))
        if paths is None and strip_version_suffix(event):
            paths = triggers.get((prefix, strip_version_suffix(event).lower()))
        for path in paths or []:
            for value in values_at(params, path):
                roles = passed_roles(value, path, details_of[account])
                if roles is None:
                    problems.append(f"{principal}: {event} at {t} ({event_id}) passes "
                                    f"{'.'.join(path)} = {value!r}, which names no role the "
                                    "authorization details know")
                    continue
                for role in roles:
                    named, boundary = identity_policies(facts_of[account], principal)
                    verdict, by = pass_role_decision(named, role, source)
                    why = "identity policies"
                    if verdict == "allow" and boundary is not None:
                        b_verdict, _ = pass_role_decision([boundary], role, source)
                        if b_verdict != "allow":
                            verdict, why = b_verdict, "permissions boundary"
                    if verdict == "allow":
                        for level in scp_levels(account):
                            s_verdict, _ = pass_role_decision(level, role, source)
                            if s_verdict != "allow":
                                verdict, why = s_verdict, "SCPs"
                                break
                    if verdict != "allow":
                        problems.append(f"{principal}: {event} at {t} ({event_id}) succeeded "
                                        f"but iam:PassRole on {role} to {source} is "
                                        f"{'denied' if verdict == 'deny' else 'not allowed'} "
                                        f"by its {why}" + (f": {', '.join(by)}" if by else ""))
                        continue
                    n, _ = checked.get((principal, role, source), (0, None))
                    checked[(principal, role, source)] = (n + 1, tuple(by))
    n_calls = sum(n for n, _ in checked.values())
    deciding = sorted({b for _, by in checked.values() for b in by})
    return (f"iam:PassRole: {n_calls} successful calls by "
            f"{len({p for p, _, _ in checked})} principals pass "
            f"{len({r for _, r, _ in checked})} roles to "
            f"{', '.join(sorted({s for _, _, s in checked}))}; each is allowed, by "
            + "; ".join(deciding))


def run_checks(accounts, trail, named_roles, calls, org_files, catalog):
    """The problems found, a line saying what the iam:PassRole check covered, and notes on
    AWS managed documents kept as published (AS_PUBLISHED). `accounts` maps each account to
    its (details, facts)."""
    problems = []
    notes = []
    renames = load_renames()
    main_details, main_facts = accounts[MAIN]

    # Every document's actions are catalogued.
    for details, _ in accounts.values():
        for p in details["Policies"]:
            for v in p["PolicyVersionList"]:
                published = p["PolicyName"] in AS_PUBLISHED and p["Arn"].startswith("arn:aws:iam::aws:")
                check_catalog(f"{p['PolicyName']} {v['VersionId']}", v["Document"], catalog,
                              notes if published else problems)
        for kind, lst, key in (("user", "UserDetailList", "UserPolicyList"),
                               ("group", "GroupDetailList", "GroupPolicyList"),
                               ("role", "RoleDetailList", "RolePolicyList")):
            for e in details[lst]:
                for p in e.get(key, []):
                    check_catalog(f"{kind} {e['Arn']} inline {p['PolicyName']}",
                                  p["PolicyDocument"], catalog, problems)
                if kind == "role":
                    check_catalog(f"trust of {e['Arn']}", e["AssumeRolePolicyDocument"],
                                  catalog, problems)
    for pid, spec in SCPS.items():
        check_catalog(f"SCP {spec[0]}", json.loads(spec[3]), catalog, problems)

    # The trail's principals exist with the same ids and paths.
    facts_of = {account: facts for account, (_, facts) in accounts.items()}
    by_arn = {}
    for details, _ in accounts.values():
        for e in details["UserDetailList"]:
            by_arn[e["Arn"]] = e.get("UserId")
        for e in details["RoleDetailList"]:
            by_arn[e["Arn"]] = e.get("RoleId")
    for arn, p in trail.items():
        if arn not in by_arn:
            problems.append(f"{arn} calls in the trail but is not in the authorization details")
        elif by_arn[arn] != p["id"]:
            problems.append(f"{arn}: id {by_arn[arn]} but the trail says {p['id']}")
    for arn in named_roles:
        if arn not in by_arn:
            problems.append(f"the trail names {arn}, which the authorization details lack")
    for account, facts in facts_of.items():
        for what, t in facts["created"]:
            if t >= TRAIL_START[account]:
                problems.append(f"{what} created {t:%Y-%m-%d}, inside the trail (no IAM writes there)")

    # Every successful call is allowed; the story's denials are not.
    for arn, p in trail.items():
        account = arn.split(":")[4]
        if arn not in by_arn:
            continue
        docs, boundary = identity_documents(facts_of[account], arn)
        for source, event in sorted(p["ok"]):
            action = action_of(source, event, renames)
            if action is None:
                continue
            if action.lower() not in catalog:
                problems.append(f"{arn}: {source} {event} maps to {action}, not catalogued")
            verdict = decision(docs, action)
            if boundary is not None and decision([boundary], action) != "allow":
                verdict = "boundary"
            if verdict == "allow" and not scp_allows(account, action):
                verdict = "SCPs"
            if verdict != "allow":
                problems.append(f"{arn}: {event} succeeded but {action} is not allowed ({verdict})")
    # ... and so is every role it passes.
    pass_role_summary = check_pass_role(
        calls, {account: details for account, (details, _) in accounts.items()}, facts_of, renames,
        problems)
    for user in ("paulo", "dev-ana", "dev-raj"):
        arn = f"arn:aws:iam::{MAIN}:user/{user}"
        docs, _ = identity_documents(main_facts, arn)
        for action in ("iam:CreateUser", "organizations:ListAccounts"):
            if decision(docs, action) == "allow":
                problems.append(f"{user}: {action} must be denied (story 1)")
        for action in ("iam:ListRoles", "lambda:CreateFunction", "dynamodb:CreateTable",
                       "sns:CreateTopic", "sqs:CreateQueue", "cloudformation:CreateStack"):
            if decision(docs, action) != "allow":
                problems.append(f"{user}: {action} must be allowed (story 1's first days)")

    # Story facts.
    f = main_facts
    dev = f["groups"]["Development"]["attached"]
    if dev != ["PowerUserAccess", "ExampleDevelopment", "Development-PassLambdaRoles"]:
        problems.append(f"Development has {dev}")
    if f["docs"]["ExampleDevelopment"] != EXAMPLE_DEVELOPMENT_V1:
        problems.append("ExampleDevelopment is not the seed's first document")
    # Development-PassLambdaRoles is what lets the group pass its execution roles, to
    # Lambda only, and those under service-role/ only (this also keeps the matcher honest).
    developers = {f"arn:aws:iam::{MAIN}:user/{u}" for u in ("paulo", "dev-ana", "dev-raj")}
    dev_roles = sorted({params["role"] for who, source, event, params, _, _ in calls
                        if who in developers and source == "lambda.amazonaws.com"
                        and event.startswith("CreateFunction")})
    if not dev_roles:
        problems.append("story 1: the trail shows no Lambda execution role passed")
    for user in ("paulo", "dev-ana", "dev-raj"):
        arn = f"arn:aws:iam::{MAIN}:user/{user}"
        named, _ = identity_policies(f, arn)
        without, _ = identity_policies(f, arn, leave_out={"Development-PassLambdaRoles"})
        for role in dev_roles:
            if pass_role_decision(without, role, "lambda.amazonaws.com")[0] == "allow":
                problems.append(f"{user}: may pass {role} without Development-PassLambdaRoles")
            if pass_role_decision(named, role, "ec2.amazonaws.com")[0] == "allow":
                problems.append(f"{user}: may pass {role} to EC2")
        for role in (f"arn:aws:iam::{MAIN}:role/IAMExampleRole",
                     f"arn:aws:iam::{MAIN}:role/app-instance-role"):
            if pass_role_decision(named, role, "lambda.amazonaws.com")[0] == "allow":
                problems.append(f"{user}: may pass {role}, outside service-role/")
    nik = f["users"][f"arn:aws:iam::{MAIN}:user/nikhilj"]
    checks = [
        ("IAMFullAccess" in nik["attached"], "IAMFullAccess attached to nikhilj"),
        ("IAMFullAccess" in f["groups"]["security-team"]["attached"], "IAMFullAccess on security-team"),
        ("AWSCloudTrail_ReadOnlyAccess" in f["groups"]["security-team"]["attached"],
         "CloudTrail read-only on security-team"),
        ({"App-Dev-Route53", "App-Dev-ElasticTranscoder"} <= set(f["groups"]["app-dev"]["attached"]),
         "App-Dev-Route53 and App-Dev-ElasticTranscoder on app-dev"),
        (sorted(nik["groups"]) == ["app-dev", "security-team"], "nikhilj in app-dev and security-team"),
    ]
    problems += [f"story 2/3: {what}" for ok, what in checks if not ok]
    ep1 = f["docs"]["ExamplePolicy1"]
    services = {a.split(":")[0] for s in ep1["Statement"] for a in as_list(s["Action"])}
    if services != {"dynamodb", "s3", "ec2"}:
        problems.append(f"ExamplePolicy1 v2 covers {sorted(services)}")
    holders = [a for a, r in f["roles"].items() if "ExamplePolicy1" in r["attached"]]
    holders += [a for a, u in f["users"].items() if "ExamplePolicy1" in u["attached"]]
    for prefix, want in (("dynamodb", 1), ("s3", 3), ("ec2", 0)):
        got = sum(1 for a in holders
                  if any(src.startswith(prefix + ".") for src, _ in trail.get(a, {"ok": ()})["ok"]))
        if got != want:
            problems.append(f"story 4: {got} ExamplePolicy1 entities called {prefix}, want {want}")
    nst = json.loads(SCPS[P_NEWSERVICE][3])
    for action in ("lex:PutBot", "dms:CreateReplicationInstance"):
        if decision([nst], action) != "allow":
            problems.append(f"NewServiceTest does not allow {action}")
    for t in SCPS[P_NEWSERVICE][4]:
        inside = t == DEV_OU or ACCOUNTS.get(t, (None,) * 5)[4] == DEV_OU
        if not inside:
            problems.append(f"NewServiceTest is attached to {t}, outside the Development OU")
    if ACCOUNTS[SANDBOX][4] != DEV_OU:
        problems.append("the sandbox account is not in the Development OU")
    if P_FULL in {pid for pid, s in SCPS.items() if DEV_OU in s[4]}:
        problems.append("FullAWSAccess on the Development OU would make NewServiceTest moot")

    # Issue 22: each Identity Center role has its permission set's policy and only that, and
    # trusts only its account's SAML provider; prod-readonly allows exactly what it was used for.
    for account, (details, _) in accounts.items():
        for r in details["RoleDetailList"]:
            if r["Path"] != SSO_ROLE_PATH:
                continue
            name = r["RoleName"].removeprefix("AWSReservedSSO_").rsplit("_", 1)[0]
            want = [SSO_PERMISSION_SETS.get(name)]
            if [a["PolicyName"] for a in r["AttachedManagedPolicies"]] != want or r["RolePolicyList"]:
                problems.append(f"{r['Arn']}: policies are not the permission set's {want}")
            fed = [s["Principal"].get("Federated") for s in r["AssumeRolePolicyDocument"]["Statement"]]
            if fed != [f"arn:aws:iam::{account}:saml-provider/{SAML_PROVIDER}"]:
                problems.append(f"{r['Arn']}: trusts {fed}")
    readonly = f"arn:aws:iam::{PRODUCTION}:role/prod-readonly"
    used = {action_of(src, event, renames) for src, event in trail.get(readonly, {"ok": ()})["ok"]}
    allowed = {a for d in accounts[PRODUCTION][1]["roles"][readonly]["inline"].values()
               for st in d["Statement"] for a in as_list(st["Action"])}
    if used != allowed:
        problems.append(f"prod-readonly allows {sorted(allowed)} but is used for {sorted(used)}")

    # Counts agree.
    for details, facts in accounts.values():
        for p in details["Policies"]:
            if p["AttachmentCount"] != facts["attachments"].get(p["PolicyName"], 0) or \
                    p["PermissionsBoundaryUsageCount"] != facts["boundaries"].get(p["PolicyName"], 0):
                problems.append(f"{p['PolicyName']}: counts disagree")
        attached = {a["PolicyArn"] for lst in ("UserDetailList", "GroupDetailList", "RoleDetailList")
                    for e in details[lst] for a in e["AttachedManagedPolicies"]}
        attached |= {e["PermissionsBoundary"]["PermissionsBoundaryArn"]
                     for e in details["RoleDetailList"] if "PermissionsBoundary" in e}
        listed = {p["Arn"] for p in details["Policies"]}
        if attached - listed:
            problems.append(f"attached but not in Policies: {sorted(attached - listed)}")

    # Organisation files agree with each other.
    listed = {a["Id"] for name, body in org_files.items() if name.startswith("list-accounts-for-parent")
              for a in body["Accounts"]}
    if listed != set(ACCOUNTS) or not set(accounts) <= listed:
        problems.append(f"accounts listed {sorted(listed)}")
    return problems, pass_role_summary, notes


def check_identity_center(accounts, problems):
    """The provisioned roles here are those of the ground truth that scripts/make-sample-data.py
    wrote with the Identity Center outputs: one per account assignment."""
    path = OUT / "trail-ground-truth.json"
    truth = json.loads(path.read_text(encoding="utf-8")).get("identity_center")
    if truth is None:
        problems.append(f"{path.name} has no identity_center section: run scripts/make-sample-data.py")
        return
    want = {a["role_arn"] for ps in truth["permission_sets"].values() for a in ps["accounts"].values()}
    have = {r["Arn"] for details, _ in accounts.values() for r in details["RoleDetailList"]
            if r["Path"] == SSO_ROLE_PATH}
    if want != have:
        problems.append(f"Identity Center roles: the ground truth has {sorted(want - have)} "
                        f"that IAM lacks, IAM has {sorted(have - want)} that it lacks")


# ---------------------------------------------------------------------------------------------


def write_json(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main():
    trail, assumed, named_roles, functions, calls = read_trail()
    catalog = load_catalog()
    aws_managed = load_aws_managed()
    lambda_roles = [(t, fn, role, region) for t, fn, role, region in functions
                    if role.startswith(f"arn:aws:iam::{MAIN}:") and role not in ROLES]

    def trail_of(account):
        return {a: p for a, p in trail.items() if a.split(":")[4] == account}

    main_details, main_facts = build_account(
        MAIN, ROLES, USERS, GROUPS, CUSTOMER_POLICIES, aws_managed, trail_of(MAIN), assumed,
        lambda_roles, cli_date)
    sandbox_details, sandbox_facts = build_account(
        SANDBOX, SANDBOX_ROLES, {}, {}, {}, aws_managed, trail_of(SANDBOX), assumed, [], boto3_date)
    org_files = build_org()
    # Issue 22: every id of the production account that its trail does not show comes from a
    # stream of its own.
    production = build_account(
        PRODUCTION, PRODUCTION_ROLES, {}, {}, {}, aws_managed, trail_of(PRODUCTION), assumed, [],
        cli_date, fresh=own_id)
    accounts = {MAIN: (main_details, main_facts), SANDBOX: (sandbox_details, sandbox_facts),
                PRODUCTION: production}

    problems, pass_role_summary, notes = run_checks(accounts, trail, named_roles, calls,
                                                    org_files, catalog)
    check_identity_center(accounts, problems)
    if problems:
        sys.exit("refusing to write:\n  " + "\n  ".join(problems))
    print(pass_role_summary)
    for policy in sorted({n.split(" ")[0] for n in notes}):
        mine = [n for n in notes if n.startswith(policy + " ")]
        print(f"{policy} (AWS managed, kept as published): {len(mine)} actions the catalogue lacks "
              "or spells otherwise")

    written = []
    for account, (details, _) in accounts.items():
        path = OUT / "iam" / f"authorization-details-{account}.json"
        write_json(path, details)
        written.append(path)
    org_dir = OUT / "org"
    stale = set(org_dir.glob("*.json")) if org_dir.exists() else set()
    for name, body in org_files.items():
        write_json(org_dir / name, body)
        written.append(org_dir / name)
        stale.discard(org_dir / name)
    for path in stale:
        path.unlink()

    readme = (OUT / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in written if p.name not in readme and
               re.sub(r"\.(r|ou|p)-[^.]+\.json$", ".<id>.json", p.name) not in readme]
    n_customer = len(CUSTOMER_POLICIES)
    counts = (f"{len(main_details['UserDetailList'])} users, "
              f"{len(main_details['GroupDetailList'])} groups, "
              f"{len(main_details['RoleDetailList'])} roles, {n_customer} customer managed "
              f"policies (two with an older version kept) and the "
              f"{len(main_details['Policies']) - n_customer} AWS managed policies")
    assert sum(len(v) > 1 for _, v in CUSTOMER_POLICIES.values()) == 2
    if counts not in " ".join(readme.split()):
        missing.append(f"the counts '{counts}'")
    for path in written:
        print(f"wrote {path.relative_to(REPO)} ({path.stat().st_size:,} bytes)")
    if missing:
        sys.exit("sample_data/README.md does not name " + ", ".join(missing)
                 + ": update its writer in scripts/make-sample-data.py")


if __name__ == "__main__":
    main()
