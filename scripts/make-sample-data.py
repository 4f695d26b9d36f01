#!/usr/bin/env python3
"""Generate trailcut's synthetic sample CloudTrail trail under sample_data/.

Writes
  sample_data/trail/AWSLogs/...          gzipped CloudTrail log files and one digest per account
  sample_data/trail-ground-truth.json    per-principal call counts the ingester must reproduce
  sample_data/README.md                  what the trail holds and which events prove each story

The records are synthetic but follow the shapes of real CloudTrail records (see the stratus
detonation logs in ../shared/data/cloudtrail/stratus). Everything is drawn from one seeded
RNG in a fixed order and gzip headers carry no timestamp, so re-running the script
reproduces the output byte for byte.

Usage: python3 scripts/make-sample-data.py
Standard library only.
"""

import base64
import gzip
import hashlib
import json
import os
import random
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20261115
START = datetime(2026, 7, 19, tzinfo=timezone.utc)
DAYS = 120
END = START + timedelta(days=DAYS) - timedelta(seconds=1)  # 2026-11-15T23:59:59Z

# Story boundaries, as day indexes from START.
EXPLORE_LAST_DAY = 9  # Development group's evaluation period: 2026-07-19..2026-07-28
NIKHIL_SECURITY_LAST_DAY = 14  # nikhilj's last IAM/CloudTrail use: 2026-08-02
SANDBOX_EXPLORE_LAST_DAY = 19  # the sandbox's Lex/DMS phase is drawn on days 0..19, and
SANDBOX_EXPLORE_SHIFT = timedelta(weeks=13)  # happened 13 weeks earlier (see gen_sandbox)
RECENT_FIRST_DAY = 99  # the last 21 days: 2026-10-26..2026-11-15
# So the sandbox's trail starts before the main account's: [SANDBOX_START, SANDBOX_EXPLORE_END)
# is its Lex/DMS phase, then nothing until day SANDBOX_EXPLORE_LAST_DAY + 1 (2026-08-08).
SANDBOX_START = START - SANDBOX_EXPLORE_SHIFT  # 2026-04-19
SANDBOX_EXPLORE_END = START + timedelta(days=SANDBOX_EXPLORE_LAST_DAY + 1) - SANDBOX_EXPLORE_SHIFT  # 2026-05-09
UNUSED_DAYS = 180  # the seed's SCP story: deny the services the OU has not used for 180 days

MAIN = "123456789012"
SANDBOX = "210987654321"
PRODUCTION = "456789012345"  # its trail and activity came with Identity Center (issue 22)
EAST = "us-east-1"
WEST = "eu-west-1"
LOG_BUCKET = "example-corp-cloudtrail-logs"
TRAIL_NAME = {MAIN: "example-corp-trail", SANDBOX: "sandbox-trail", PRODUCTION: "production-trail"}
# Everything issue 22 added (Identity Center, the production account, release-pipeline) is
# drawn after generate(), from random.Random(IDC_SEED), with the main RNG's state put aside and
# restored, so that every event, id and delivery drawn before stays as it was.
IDC_SEED = SEED + 22

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "sample_data"
TRAIL_DIR = OUT / "trail"

rng = random.Random(SEED)

UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
B64 = ALNUM + "+/"


# ---------------------------------------------------------------------------------------------
# Small deterministic generators


def new_uuid():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def chars(n, alphabet=UPPER_ALNUM):
    return "".join(rng.choice(alphabet) for _ in range(n))


def hexs(n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def ec2_id(prefix):
    return f"{prefix}-0{hexs(16)}"


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_ms(t):
    return int(t.timestamp() * 1000)


def java_date(t):
    """The 'Aug 1, 2026, 11:31:22 PM' form some services use in responseElements."""
    hour = t.hour % 12 or 12
    return f"{t:%b} {t.day}, {t.year}, {hour}:{t:%M:%S} {'AM' if t.hour < 12 else 'PM'}"


def weighted(pairs):
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for item, w in pairs:
        x -= w
        if x < 0:
            return item
    return pairs[-1][0]


def is_weekday(day):
    return (START + timedelta(days=day)).weekday() < 5


def at(day, hour_from, hour_to):
    """A random second of `day` between the given UTC hours."""
    base = START + timedelta(days=day)
    return base + timedelta(seconds=rng.randint(hour_from * 3600, hour_to * 3600 - 1))


# ---------------------------------------------------------------------------------------------
# The world: resource names the calls refer to


def make_region(region):
    azs = [region + "a", region + "b", region + "c"]
    return {
        "azs": azs,
        "instances": [ec2_id("i") for _ in range(5)],
        "volumes": [ec2_id("vol") for _ in range(4)],
        "sgs": [ec2_id("sg") for _ in range(3)],
        "subnets": [ec2_id("subnet") for _ in range(2)],
        "ami": ec2_id("ami"),
        "kms_keys": [new_uuid() for _ in range(2)],
        "log_groups": ["/aws/lambda/report-builder", "/app/api", "/aws/ec2/app-web"],
        "asgs": ["app-web-asg", "app-worker-asg"],
        "repo": "example-corp/app",
    }


WORLD = {MAIN: {EAST: make_region(EAST), WEST: make_region(WEST)},
         SANDBOX: {EAST: make_region(EAST), WEST: make_region(WEST)}}
BUCKETS = {
    MAIN: [("example-corp-data", EAST), ("example-corp-dev-scratch", EAST),
           ("example-corp-eu-archive", WEST)],
    SANDBOX: [("sandbox-experiments-210987654321", EAST), ("sandbox-eu-tests", WEST)],
    PRODUCTION: [("example-corp-prod-data", EAST)],
}
ARTIFACT_BUCKET = "example-corp-ci-artifacts"
REPORT_BUCKET = "example-corp-reports"
HOSTED_ZONES = [("Z0" + chars(19), "example.com."), ("Z0" + chars(19), "internal.example.com.")]
RECORD_NAMES = ["api", "www", "status", "app", "staging-api"]
KEY_ALIASES = ["alias/app-data", "alias/dev-secrets"]

# ---------------------------------------------------------------------------------------------
# Principals


class User:
    def __init__(self, account, name, agents, ips, groups=()):
        self.kind = "IAMUser"
        self.account = account
        self.name = name
        self.arn = f"arn:aws:iam::{account}:user/{name}"
        self.principal_id = "AIDA" + chars(17)
        self.access_key = "AKIA" + chars(16)
        self.agents = agents
        self.ips = ips
        self.groups = groups
        self.key = self.arn

    def identity(self, session):
        ident = {"type": "IAMUser", "principalId": self.principal_id, "arn": self.arn,
                 "accountId": self.account}
        if session.console:
            ident["accessKeyId"] = session.access_key
            ident["userName"] = self.name
            ident["sessionContext"] = {
                "sessionIssuer": {}, "webIdFederationData": {},
                "attributes": {"creationDate": iso(session.created), "mfaAuthenticated": "true"}}
        else:
            ident["accessKeyId"] = self.access_key
            ident["userName"] = self.name
        return ident


class Role:
    def __init__(self, account, name, path="/", web_identity=None):
        self.kind = "AssumedRole"
        self.account = account
        self.name = name
        self.arn = f"arn:aws:iam::{account}:role{path}{name}"
        self.role_id = "AROA" + chars(17)
        self.web_identity = web_identity
        self.key = self.arn

    def identity(self, session):
        ident = {
            "type": "AssumedRole",
            "principalId": f"{self.role_id}:{session.name}",
            "arn": f"arn:aws:sts::{self.account}:assumed-role/{self.name}/{session.name}",
            "accountId": self.account,
            "accessKeyId": session.access_key,
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": self.role_id, "arn": self.arn,
                                  "accountId": self.account, "userName": self.name},
                "webIdFederationData": ({"federatedProvider": self.web_identity, "attributes": {}}
                                        if self.web_identity else {}),
                "attributes": {"creationDate": iso(session.created), "mfaAuthenticated": "false"},
            },
        }
        # Issue 22: a sourceIdentity set when the role was assumed, and the Identity Center
        # user of an identity-enhanced session (onBehalfOf). No earlier session has either.
        source_identity = getattr(session, "source_identity", None)
        if source_identity:
            ident["sessionContext"]["sourceIdentity"] = source_identity
        on_behalf_of = getattr(session, "on_behalf_of", None)
        if on_behalf_of:
            ident["onBehalfOf"] = {"userId": on_behalf_of, "identityStoreArn": IDENTITY_STORE_ARN}
        return ident


class Root:
    def __init__(self, account):
        self.kind = "Root"
        self.account = account
        self.arn = f"arn:aws:iam::{account}:root"
        self.key = self.arn

    def identity(self, session):
        return {"type": "Root", "principalId": self.account, "arn": self.arn,
                "accountId": self.account, "accessKeyId": ""}


class Service:
    """An AWS service calling on the account's behalf (userIdentity.type AWSService)."""

    def __init__(self, account, host):
        self.kind = "AWSService"
        self.account = account
        self.host = host
        self.key = host

    def identity(self, session):
        return {"type": "AWSService", "invokedBy": self.host}


class Internal:
    """AWS-internal service events such as KMS key rotation: real records carry only
    accountId and invokedBy "AWS Internal", with no userIdentity.type."""

    def __init__(self, account):
        self.kind = "AWSInternal"
        self.account = account
        self.key = "AWS Internal"

    def identity(self, session):
        return {"accountId": self.account, "invokedBy": "AWS Internal"}


class Session:
    def __init__(self, principal, start, ip, agent, console=False, name=None):
        self.principal = principal
        self.created = start - timedelta(seconds=rng.randint(1, 40))
        self.ip = ip
        self.agent = agent
        self.console = console
        self.name = name
        needs_temp = isinstance(principal, Role) or console
        self.access_key = "ASIA" + chars(16) if needs_temp else None


# User agents ---------------------------------------------------------------------------------

CLI_SERVICE = {"s3.amazonaws.com": "s3api", "models.lex.amazonaws.com": "lex-models"}


def kebab(name):
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i > 0 and (name[i - 1].islower() or
                                       (i + 1 < len(name) and name[i + 1].islower()
                                        and name[i - 1].isupper())):
            out.append("-")
        out.append(ch.lower())
    return "".join(out)


def api_name(source, name):
    """The operation behind an eventName: Lambda's names carry an API-version suffix."""
    if source == "lambda.amazonaws.com":
        base = name
        for suffix in ("v2", "v3"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
        return base.rstrip("0123456789")
    return name


def cli_agent(platform):
    def agent(source, name):
        svc = CLI_SERVICE.get(source, source.split(".")[0])
        op = kebab(api_name(source, name))
        if source == "s3.amazonaws.com" and name in ("GetObject", "PutObject"):
            svc, op = "s3", "cp"
        elif source == "s3.amazonaws.com" and name == "ListObjects":
            svc, op = "s3", "ls"
        return f"{platform} prompt/off command/{svc}.{op}"
    return agent


def fixed_agent(text):
    return lambda source, name: text


def terraform_agent(source, name):
    svc = source.split(".")[0]
    return ("APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io) "
            "terraform-provider-aws/5.60.0 (+https://registry.terraform.io/providers/hashicorp/aws) "
            f"aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/{svc}#1.171.0")


CLI_MAC = cli_agent("aws-cli/2.17.20 Python/3.11.9 Darwin/23.5.0 exe/x86_64")
CLI_LINUX = cli_agent("aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.167.amzn2023.x86_64 exe/x86_64.amzn.2023")
CLI_UBUNTU = cli_agent("aws-cli/2.17.43 Python/3.12.6 Linux/6.5.0-1025-azure exe/x86_64.ubuntu.22")
CLI_WSL = cli_agent("aws-cli/2.16.8 Python/3.11.8 Linux/5.15.153.1-microsoft-standard-WSL2 exe/x86_64.ubuntu.22")
BOTO3 = fixed_agent("Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#6.5.0-1022-aws md/arch#x86_64 "
                    "lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.144")
BOTO3_LAMBDA = fixed_agent("Boto3/1.34.145 md/Botocore#1.34.145 ua/2.0 os/linux#5.10.224-235.857.amzn2.x86_64 "
                           "md/arch#x86_64 lang/python#3.12.5 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 "
                           "cfg/retry-mode#legacy Botocore/1.34.145")
CONSOLE = fixed_agent("console.amazonaws.com")
BROWSER = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
           "(KHTML, like Gecko) Version/17.5 Safari/605.1.15")
BROWSER_WIN = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/128.0.0.0 Safari/537.36")

# ---------------------------------------------------------------------------------------------
# Per-call content: requestParameters, responseElements, resources ...

CALLS = {}
EVENT_VERSION = {
    "ec2.amazonaws.com": "1.09", "iam.amazonaws.com": "1.09", "organizations.amazonaws.com": "1.09",
    "cloudformation.amazonaws.com": "1.09", "cloudtrail.amazonaws.com": "1.10",
    "s3.amazonaws.com": "1.10",
}


def call(source, name, ro):
    def register(fn):
        CALLS[(source, name)] = (fn, ro)
        return fn
    return register


class Ctx:
    def __init__(self, account, region, t, principal, session):
        self.account = account
        self.region = region
        self.t = t
        self.principal = principal
        self.session = session
        self.w = WORLD[account][region]

    def host(self, prefix):
        return f"{prefix}.{self.region}.amazonaws.com"

    def key_arn(self):
        return f"arn:aws:kms:{self.region}:{self.account}:key/{rng.choice(self.w['kms_keys'])}"

    def who(self):
        """A short owner name for resources the caller creates."""
        return getattr(self.session, "name", None) or getattr(self.principal, "name", "app")


def out(params=None, response=None, resources=None, arn="*", host=None, add=None, extra=None):
    return {"p": params, "r": response, "res": resources, "arn": arn, "host": host,
            "add": add, "extra": extra or {}}


# CloudTrail
@call("cloudtrail.amazonaws.com", "LookupEvents", True)
def _(c):
    attr = weighted([(("EventName", rng.choice(["RunInstances", "ConsoleLogin", "CreateBucket",
                                                 "StopInstances", "PutBucketPolicy"])), 3),
                     (("Username", rng.choice(["dev-ana", "dev-raj", "paulo", "ci-deploy"])), 2),
                     (("ResourceType", "AWS::EC2::Instance"), 1)])
    return out({"maxResults": 50, "lookupAttributes": [{"attributeKey": attr[0], "attributeValue": attr[1]}],
                "startTime": java_date(c.t - timedelta(days=rng.randint(1, 7)))},
               host=c.host("cloudtrail"))


@call("cloudtrail.amazonaws.com", "DescribeTrails", True)
def _(c):
    return out({"trailNameList": [], "includeShadowTrails": True}, host=c.host("cloudtrail"))


def trail_arn(c):
    return f"arn:aws:cloudtrail:{EAST}:{c.account}:trail/{TRAIL_NAME[c.account]}"


@call("cloudtrail.amazonaws.com", "GetTrailStatus", True)
def _(c):
    return out({"name": trail_arn(c)}, arn=trail_arn(c), host=c.host("cloudtrail"))


@call("cloudtrail.amazonaws.com", "GetEventSelectors", True)
def _(c):
    return out({"trailName": TRAIL_NAME[c.account]}, arn=trail_arn(c), host=c.host("cloudtrail"))


# CloudWatch Logs
@call("logs.amazonaws.com", "DescribeLogGroups", True)
def _(c):
    return out({"logGroupNamePrefix": rng.choice(["/aws/lambda/", "/app/", "/aws/ec2/"])},
               host=c.host("logs"))


def log_group(c):
    g = rng.choice(c.w["log_groups"])
    return g, f"arn:aws:logs:{c.region}:{c.account}:log-group:{g}"


@call("logs.amazonaws.com", "FilterLogEvents", True)
def _(c):
    g, arn = log_group(c)
    return out({"logGroupName": g, "filterPattern": rng.choice(["ERROR", "\"timeout\"", "?WARN ?ERROR"]),
                "startTime": epoch_ms(c.t - timedelta(hours=rng.randint(1, 24))), "interleaved": True},
               arn=arn, host=c.host("logs"))


@call("logs.amazonaws.com", "GetLogEvents", True)
def _(c):
    g, arn = log_group(c)
    stream = f"{c.t:%Y/%m/%d}/[$LATEST]{hexs(32)}"
    return out({"logGroupName": g, "logStreamName": stream, "startFromHead": True},
               arn=arn, host=c.host("logs"))


@call("logs.amazonaws.com", "CreateLogGroup", False)
def _(c):
    g = f"/dev/{c.who()}/{rng.choice(['scratch', 'load-test', 'debug', 'batch'])}-{rng.randint(1, 99)}"
    return out({"logGroupName": g}, arn=f"arn:aws:logs:{c.region}:{c.account}:log-group:{g}",
               host=c.host("logs"))


# EC2
def instance_arn(c, iid="*"):
    return f"arn:aws:ec2:{c.region}:{c.account}:instance/{iid}"


def items(key, values):
    return {"items": [{key: v} for v in values]}


@call("ec2.amazonaws.com", "DescribeInstances", True)
def _(c):
    if rng.random() < 0.5:
        ids = rng.sample(c.w["instances"], rng.randint(1, 2))
        return out({"instancesSet": items("instanceId", ids), "filterSet": {}}, host=c.host("ec2"))
    return out({"instancesSet": {}, "filterSet": {"items": [
        {"name": "instance-state-name", "valueSet": {"items": [{"value": "running"}]}}]}},
               host=c.host("ec2"))


@call("ec2.amazonaws.com", "DescribeSecurityGroups", True)
def _(c):
    return out({"securityGroupSet": {}, "securityGroupIdSet": items("groupId", [rng.choice(c.w["sgs"])]),
                "filterSet": {}}, host=c.host("ec2"))


@call("ec2.amazonaws.com", "DescribeVolumes", True)
def _(c):
    return out({"volumeSet": items("volumeId", rng.sample(c.w["volumes"], 2)), "filterSet": {}},
               host=c.host("ec2"))


@call("ec2.amazonaws.com", "RunInstances", False)
def _(c):
    itype = rng.choice(["t3.micro", "t3.small", "t3.medium", "m7g.large"])
    iid = ec2_id("i")
    sg = rng.choice(c.w["sgs"])
    subnet = rng.choice(c.w["subnets"])
    az = rng.choice(c.w["azs"][:2])
    owner = c.who()
    tags = {"items": [{"key": "Owner", "value": owner}]}
    params = {"instancesSet": {"items": [{"imageId": c.w["ami"], "minCount": 1, "maxCount": 1}]},
              "instanceType": itype, "monitoring": {"enabled": False},
              "disableApiTermination": False, "clientToken": new_uuid(),
              "tagSpecificationSet": {"items": [{"resourceType": "instance", "tags": tags["items"]}]},
              "networkInterfaceSet": {"items": [{"deviceIndex": 0, "subnetId": subnet,
                                                 "groupSet": items("groupId", [sg])}]}}
    response = {"requestId": new_uuid(), "reservationId": "r-0" + hexs(16), "ownerId": c.account,
                "instancesSet": {"items": [{
                    "instanceId": iid, "imageId": c.w["ami"],
                    "instanceState": {"code": 0, "name": "pending"}, "instanceType": itype,
                    "launchTime": epoch_ms(c.t), "placement": {"availabilityZone": az, "tenancy": "default"},
                    "subnetId": subnet,
                    "privateIpAddress": f"10.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                    "groupSet": {"items": [{"groupId": sg, "groupName": "default"}]},
                    "architecture": "arm64" if itype.startswith("m7g") else "x86_64",
                    "rootDeviceType": "ebs", "tagSet": tags,
                    "clientToken": params["clientToken"]}]}}
    return out(params, response, arn=instance_arn(c), host=c.host("ec2"))


def state_change(c, frm, to):
    iid = rng.choice(c.w["instances"])
    params = {"instancesSet": items("instanceId", [iid])}
    if to[1] == "stopping":
        params["force"] = False
    response = {"requestId": new_uuid(), "instancesSet": {"items": [
        {"instanceId": iid, "currentState": {"code": to[0], "name": to[1]},
         "previousState": {"code": frm[0], "name": frm[1]}}]}}
    return out(params, response, arn=instance_arn(c, iid), host=c.host("ec2"))


@call("ec2.amazonaws.com", "StartInstances", False)
def _(c):
    return state_change(c, (80, "stopped"), (0, "pending"))


@call("ec2.amazonaws.com", "StopInstances", False)
def _(c):
    return state_change(c, (16, "running"), (64, "stopping"))


@call("ec2.amazonaws.com", "CreateTags", False)
def _(c):
    iid = rng.choice(c.w["instances"])
    tag = rng.choice([("Owner", c.who()), ("Environment", "dev"), ("CostCenter", "eng-4410")])
    return out({"resourcesSet": items("resourceId", [iid]),
                "tagSet": {"items": [{"key": tag[0], "value": tag[1]}]}},
               {"requestId": new_uuid(), "_return": True}, arn=instance_arn(c, iid), host=c.host("ec2"))


@call("ec2.amazonaws.com", "CreateVolume", False)
def _(c):
    az = rng.choice(c.w["azs"][:2])
    size = rng.choice([20, 50, 100, 200])
    vol = ec2_id("vol")
    key = c.key_arn()
    return out({"size": size, "zone": az, "volumeType": "gp3", "encrypted": True},
               {"requestId": new_uuid(), "volumeId": vol, "size": str(size), "zone": az,
                "status": "creating", "createTime": epoch_ms(c.t), "volumeType": "gp3", "iops": 3000,
                "encrypted": True, "masterEncryptionKeyId": key, "tagSet": {}, "multiAttachEnabled": False,
                "throughput": 125},
               arn=f"arn:aws:ec2:{c.region}:{c.account}:volume/*", host=c.host("ec2"))


@call("ec2.amazonaws.com", "AttachVolume", False)
def _(c):
    vol = rng.choice(c.w["volumes"])
    iid = rng.choice(c.w["instances"])
    dev = rng.choice(["/dev/sdf", "/dev/sdg", "/dev/sdh"])
    return out({"volumeId": vol, "instanceId": iid, "device": dev},
               {"requestId": new_uuid(), "volumeId": vol, "instanceId": iid, "device": dev,
                "status": "attaching", "attachTime": epoch_ms(c.t), "deleteOnTermination": False},
               arn=f"arn:aws:ec2:{c.region}:{c.account}:volume/{vol}", host=c.host("ec2"))


@call("ec2.amazonaws.com", "TerminateInstances", False)
def _(c):
    return state_change(c, (16, "running"), (32, "shutting-down"))


# KMS
def kms_resources(c, arn):
    return [{"accountId": c.account, "type": "AWS::KMS::Key", "ARN": arn}]


@call("kms.amazonaws.com", "Decrypt", True)
def _(c):
    arn = c.key_arn()
    return out({"encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                "encryptionContext": {"app": rng.choice(["api", "reports", "batch"])}},
               resources=kms_resources(c, arn), arn=arn, host=c.host("kms"))


@call("kms.amazonaws.com", "Encrypt", True)
def _(c):
    arn = c.key_arn()
    return out({"keyId": rng.choice(KEY_ALIASES), "encryptionAlgorithm": "SYMMETRIC_DEFAULT"},
               resources=kms_resources(c, arn), arn=arn, host=c.host("kms"))


@call("kms.amazonaws.com", "GenerateDataKey", True)
def _(c):
    arn = c.key_arn()
    return out({"keyId": arn, "keySpec": "AES_256"}, resources=kms_resources(c, arn), arn=arn,
               host=c.host("kms"))


@call("kms.amazonaws.com", "DescribeKey", True)
def _(c):
    arn = c.key_arn()
    return out({"keyId": rng.choice([arn, rng.choice(KEY_ALIASES)])}, resources=kms_resources(c, arn),
               arn=arn, host=c.host("kms"))


@call("kms.amazonaws.com", "ListKeys", True)
def _(c):
    return out({"limit": 100}, host=c.host("kms"))


# S3
def s3_host(bucket, region):
    return f"{bucket}.s3.{region}.amazonaws.com"


def s3_add(out_bytes=0, in_bytes=0):
    return {"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256",
            "bytesTransferredIn": in_bytes, "AuthenticationMethod": "AuthHeader",
            "x-amz-id-2": chars(76, B64), "bytesTransferredOut": out_bytes}


def bucket_res(c, bucket):
    return {"accountId": c.account, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}


def pick_bucket(c):
    """A bucket of this account in the call's region (S3 events carry the bucket's region)."""
    names = [b for b, r in BUCKETS[c.account] if r == c.region]
    return rng.choice(names)


def object_key(c):
    t = c.t
    return rng.choice([f"reports/{t:%Y}/{t:%m}/summary-{t:%d}.csv",
                       f"exports/{t:%Y-%m-%d}/part-0000{rng.randint(0, 4)}.parquet",
                       f"config/{rng.choice(['app', 'batch', 'api'])}.json", f"uploads/{hexs(8)}.json",
                       f"reports/{t:%Y}/{t:%m}/q{(t.month - 1) // 3 + 1}.csv"])


@call("s3.amazonaws.com", "ListBuckets", True)
def _(c):
    host = f"s3.{c.region}.amazonaws.com"
    return out({"Host": host}, add=s3_add(out_bytes=rng.randint(400, 1400)), host=host)


@call("s3.amazonaws.com", "CreateBucket", False)
def _(c):
    bucket = f"example-corp-{c.who()}-{rng.choice(['test', 'scratch', 'poc', 'tmp'])}-{hexs(6)}"
    host = s3_host(bucket, c.region)
    params = {"bucketName": bucket, "Host": host}
    if c.region != EAST:
        params["CreateBucketConfiguration"] = {"LocationConstraint": c.region,
                                               "xmlns": "http://s3.amazonaws.com/doc/2006-03-01/"}
    return out(params, add=s3_add(in_bytes=153 if c.region != EAST else 0), resources=[bucket_res(c, bucket)],
               arn=f"arn:aws:s3:::{bucket}", host=host)


@call("s3.amazonaws.com", "GetBucketLocation", True)
def _(c):
    bucket = pick_bucket(c)
    host = s3_host(bucket, c.region)
    return out({"bucketName": bucket, "Host": host, "location": ""}, add=s3_add(out_bytes=rng.randint(128, 137)),
               resources=[bucket_res(c, bucket)], arn=f"arn:aws:s3:::{bucket}", host=host)


@call("s3.amazonaws.com", "GetBucketPolicy", True)
def _(c):
    bucket = pick_bucket(c)
    host = s3_host(bucket, c.region)
    return out({"bucketName": bucket, "Host": host, "policy": ""}, add=s3_add(out_bytes=rng.randint(300, 900)),
               resources=[bucket_res(c, bucket)], arn=f"arn:aws:s3:::{bucket}", host=host)


def object_call(c, bucket, key, put):
    host = s3_host(bucket, c.region)
    size = rng.randint(300, 250_000)
    add = s3_add(in_bytes=size) if put else s3_add(out_bytes=size)
    if put:
        add["SSEApplied"] = "Default_SSE_S3"
    resources = [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"}, bucket_res(c, bucket)]
    response = {"x-amz-server-side-encryption": "AES256"} if put else None
    return out({"bucketName": bucket, "Host": host, "key": key}, response, resources,
               arn=f"arn:aws:s3:::{bucket}/{key}", host=host, add=add)


@call("s3.amazonaws.com", "GetObject", True)
def _(c):
    return object_call(c, pick_bucket(c), object_key(c), put=False)


@call("s3.amazonaws.com", "PutObject", False)
def _(c):
    return object_call(c, pick_bucket(c), object_key(c), put=True)


@call("s3.amazonaws.com", "ListObjects", True)
def _(c):
    bucket = pick_bucket(c)
    host = s3_host(bucket, c.region)
    return out({"list-type": "2", "bucketName": bucket, "encoding-type": "url",
                "prefix": rng.choice(["", "reports/", "exports/", "config/"]), "delimiter": "/", "Host": host},
               resources=[bucket_res(c, bucket)], arn=f"arn:aws:s3:::{bucket}",
               host=host, add=s3_add(out_bytes=rng.randint(600, 9000)))


# Lambda
def fn_arn(c, fn):
    return f"arn:aws:lambda:{c.region}:{c.account}:function:{fn}"


@call("lambda.amazonaws.com", "ListFunctions20150331", True)
def _(c):
    return out(None, host=c.host("lambda"))


@call("lambda.amazonaws.com", "CreateFunction20150331", False)
def _(c):
    fn = f"{c.who()}-{rng.choice(['hello', 'thumbnailer', 'poc-handler', 'cron-test'])}"
    role = f"arn:aws:iam::{c.account}:role/service-role/{fn}-role-{chars(8).lower()}"
    return out({"functionName": fn, "runtime": "python3.12", "role": role, "handler": "app.handler",
                "code": {}, "timeout": 30, "memorySize": 128, "publish": False,
                "architectures": ["x86_64"]},
               {"functionName": fn, "functionArn": fn_arn(c, fn), "runtime": "python3.12", "role": role,
                "handler": "app.handler", "codeSize": rng.randint(300, 90000), "description": "",
                "timeout": 30, "memorySize": 128, "lastModified": c.t.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                "codeSha256": chars(43, B64) + "=", "version": "$LATEST", "state": "Pending",
                "stateReason": "The function is being created.", "stateReasonCode": "Creating",
                "packageType": "Zip", "architectures": ["x86_64"]},
               arn=fn_arn(c, fn), host=c.host("lambda"))


@call("lambda.amazonaws.com", "GetFunction20150331v2", True)
def _(c):
    fn = rng.choice(["report-builder", "api-authorizer", "image-resize"])
    return out({"functionName": fn}, arn=fn_arn(c, fn), host=c.host("lambda"))


@call("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", False)
def _(c):
    fn = rng.choice(["report-builder", "api-authorizer"])
    key = f"lambda/{fn}/{hexs(40)}.zip"
    return out({"functionName": fn, "s3Bucket": ARTIFACT_BUCKET, "s3Key": key, "publish": True,
                "dryRun": False},
               {"functionName": fn, "functionArn": fn_arn(c, fn), "runtime": "python3.12",
                "codeSize": rng.randint(800_000, 3_000_000), "lastModified":
                    c.t.strftime("%Y-%m-%dT%H:%M:%S.000+0000"), "codeSha256": chars(43, B64) + "=",
                "version": str(rng.randint(40, 400)), "state": "Active", "lastUpdateStatus": "InProgress",
                "packageType": "Zip"},
               arn=fn_arn(c, fn), host=c.host("lambda"))


# DynamoDB
def table_arn(c, table):
    return f"arn:aws:dynamodb:{c.region}:{c.account}:table/{table}"


def table_res(c, table):
    return [{"accountId": c.account, "type": "AWS::DynamoDB::Table", "ARN": table_arn(c, table)}]


TABLES = ["orders", "sessions", "example-inventory", "feature-flags"]


@call("dynamodb.amazonaws.com", "ListTables", True)
def _(c):
    return out(None, host=c.host("dynamodb"))


@call("dynamodb.amazonaws.com", "DescribeTable", True)
def _(c):
    table = rng.choice(TABLES)
    return out({"tableName": table}, resources=table_res(c, table), arn=table_arn(c, table),
               host=c.host("dynamodb"))


@call("dynamodb.amazonaws.com", "CreateTable", False)
def _(c):
    table = f"{c.who()}-{rng.choice(['poc', 'test', 'events'])}"
    return out({"attributeDefinitions": [{"attributeName": "pk", "attributeType": "S"}],
                "tableName": table, "keySchema": [{"attributeName": "pk", "keyType": "HASH"}],
                "billingMode": "PAY_PER_REQUEST"},
               {"tableDescription": {"attributeDefinitions": [{"attributeName": "pk", "attributeType": "S"}],
                                     "tableName": table, "keySchema": [{"attributeName": "pk", "keyType": "HASH"}],
                                     "tableStatus": "CREATING", "creationDateTime": java_date(c.t),
                                     "tableSizeBytes": 0, "itemCount": 0, "tableArn": table_arn(c, table),
                                     "tableId": new_uuid(),
                                     "billingModeSummary": {"billingMode": "PAY_PER_REQUEST"},
                                     "deletionProtectionEnabled": False}},
               table_res(c, table), arn=table_arn(c, table), host=c.host("dynamodb"))


@call("dynamodb.amazonaws.com", "UpdateTable", False)
def _(c):
    table = rng.choice(TABLES)
    rcu, wcu = rng.choice([(5, 5), (10, 5), (25, 10)])
    return out({"tableName": table, "billingMode": "PROVISIONED",
                "provisionedThroughput": {"readCapacityUnits": rcu, "writeCapacityUnits": wcu}},
               {"tableDescription": {"tableName": table, "tableStatus": "UPDATING",
                                     "tableArn": table_arn(c, table), "tableId": new_uuid(),
                                     "provisionedThroughput": {"readCapacityUnits": rcu, "writeCapacityUnits": wcu,
                                                               "numberOfDecreasesToday": 0},
                                     "creationDateTime": java_date(START - timedelta(days=200))}},
               table_res(c, table), arn=table_arn(c, table), host=c.host("dynamodb"))


# SNS, SQS, CloudFormation
@call("sns.amazonaws.com", "ListTopics", True)
def _(c):
    return out(None, host=c.host("sns"))


@call("sns.amazonaws.com", "CreateTopic", False)
def _(c):
    name = f"{c.who()}-{rng.choice(['alerts', 'events', 'test'])}"
    arn = f"arn:aws:sns:{c.region}:{c.account}:{name}"
    return out({"name": name}, {"topicArn": arn}, arn=arn, host=c.host("sns"))


@call("sqs.amazonaws.com", "ListQueues", True)
def _(c):
    return out(None, host=c.host("sqs"))


@call("sqs.amazonaws.com", "CreateQueue", False)
def _(c):
    name = f"{c.who()}-{rng.choice(['jobs', 'dlq', 'test'])}"
    return out({"queueName": name, "attribute": {"VisibilityTimeout": "60"}},
               {"queueUrl": f"https://sqs.{c.region}.amazonaws.com/{c.account}/{name}"},
               arn=f"arn:aws:sqs:{c.region}:{c.account}:{name}", host=c.host("sqs"))


def stack_arn(c, stack):
    return f"arn:aws:cloudformation:{c.region}:{c.account}:stack/{stack}/{new_uuid()}"


@call("cloudformation.amazonaws.com", "DescribeStacks", True)
def _(c):
    stack = rng.choice(["app-prod", "app-staging", "network-base"])
    return out({"stackName": stack}, arn=stack_arn(c, stack), host=c.host("cloudformation"))


@call("cloudformation.amazonaws.com", "CreateStack", False)
def _(c):
    stack = f"{c.who()}-{rng.choice(['vpc-poc', 'sandbox', 'queue-test'])}"
    arn = stack_arn(c, stack)
    return out({"stackName": stack, "templateURL":
                f"https://{ARTIFACT_BUCKET}.s3.amazonaws.com/templates/{stack}.yaml",
                "capabilities": ["CAPABILITY_IAM"], "onFailure": "ROLLBACK"},
               {"stackId": arn}, arn=arn, host=c.host("cloudformation"))


@call("cloudformation.amazonaws.com", "UpdateStack", False)
def _(c):
    stack = rng.choice(["app-prod", "app-staging"])
    arn = stack_arn(c, stack)
    return out({"stackName": stack, "templateURL":
                f"https://{ARTIFACT_BUCKET}.s3.amazonaws.com/templates/{hexs(12)}.template",
                "parameters": [{"parameterKey": "ImageTag", "parameterValue": hexs(7)}],
                "capabilities": ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]},
               {"stackId": arn}, arn=arn, host=c.host("cloudformation"))


# IAM, Organizations, STS (global, recorded in us-east-1)
@call("iam.amazonaws.com", "ListRoles", True)
def _(c):
    return out(rng.choice([None, {"pathPrefix": "/service-role/"}]), host="iam.amazonaws.com")


@call("iam.amazonaws.com", "ListUsers", True)
def _(c):
    return out(None, host="iam.amazonaws.com")


@call("iam.amazonaws.com", "GetUser", True)
def _(c):
    name = rng.choice(["dev-ana", "dev-raj", "maria", "wei", "paulo", "IAMExampleUser"])
    return out({"userName": name}, arn=f"arn:aws:iam::{c.account}:user/{name}", host="iam.amazonaws.com")


@call("iam.amazonaws.com", "ListAttachedUserPolicies", True)
def _(c):
    name = rng.choice(["dev-ana", "dev-raj", "maria", "wei", "nikhilj"])
    return out({"userName": name}, arn=f"arn:aws:iam::{c.account}:user/{name}", host="iam.amazonaws.com")


@call("iam.amazonaws.com", "ListPolicies", True)
def _(c):
    return out({"scope": rng.choice(["Local", "All"]), "onlyAttached": rng.random() < 0.5,
                "policyUsageFilter": "PermissionsPolicy"}, host="iam.amazonaws.com")


@call("iam.amazonaws.com", "GetPolicy", True)
def _(c):
    arn = rng.choice([f"arn:aws:iam::{c.account}:policy/ExampleDevelopment",
                      f"arn:aws:iam::{c.account}:policy/App-Dev-Route53",
                      f"arn:aws:iam::{c.account}:policy/App-Dev-ElasticTranscoder",
                      "arn:aws:iam::aws:policy/IAMFullAccess"])
    return out({"policyArn": arn}, arn=arn, host="iam.amazonaws.com")


@call("iam.amazonaws.com", "CreateUser", False)
def _(c):
    name = rng.choice(["test-user", "ci-bot", "x", "temp-contractor"])
    return out({"userName": name}, arn=f"arn:aws:iam::{c.account}:user/{name}", host="iam.amazonaws.com")


@call("organizations.amazonaws.com", "ListAccounts", True)
def _(c):
    return out(None, host="organizations.us-east-1.amazonaws.com")


@call("sts.amazonaws.com", "GetCallerIdentity", True)
def _(c):
    return out(None, host=c.host("sts"))


def assume_role_call(c, role, session_name):
    creds = {"accessKeyId": "ASIA" + chars(16),
             "sessionToken": "IQoJb3JpZ2luX2VjE" + chars(120, B64),
             "expiration": java_date(c.t + timedelta(hours=rng.choice([1, 6, 12])))}
    return out({"roleArn": role.arn, "roleSessionName": session_name},
               {"credentials": creds},
               [{"accountId": c.account, "type": "AWS::IAM::Role", "ARN": role.arn}],
               arn=role.arn, extra={"sharedEventID": new_uuid()})


# Calls whose records are built by their callers (they need the role or bucket in hand).
CALLS[("sts.amazonaws.com", "AssumeRole")] = (None, True)
CALLS[("s3.amazonaws.com", "GetBucketAcl")] = (None, True)


# ECR
def repo_arn(c):
    return f"arn:aws:ecr:{c.region}:{c.account}:repository/{c.w['repo']}"


@call("ecr.amazonaws.com", "GetAuthorizationToken", True)
def _(c):
    return out({"registryIds": [c.account]}, host=f"api.ecr.{c.region}.amazonaws.com")


@call("ecr.amazonaws.com", "BatchCheckLayerAvailability", True)
def _(c):
    return out({"repositoryName": c.w["repo"], "registryId": c.account,
                "layerDigests": [f"sha256:{hexs(64)}" for _ in range(rng.randint(1, 2))]},
               resources=[{"accountId": c.account, "ARN": repo_arn(c)}], arn=repo_arn(c),
               host=f"api.ecr.{c.region}.amazonaws.com")


# Auto Scaling
def asg_arn(c, name):
    return (f"arn:aws:autoscaling:{c.region}:{c.account}:autoScalingGroup:{new_uuid()}:"
            f"autoScalingGroupName/{name}")


@call("autoscaling.amazonaws.com", "DescribeAutoScalingGroups", True)
def _(c):
    return out({"autoScalingGroupNames": rng.sample(c.w["asgs"], rng.randint(1, 2))},
               host=c.host("autoscaling"))


@call("autoscaling.amazonaws.com", "UpdateAutoScalingGroup", False)
def _(c):
    name = rng.choice(c.w["asgs"])
    lo = rng.randint(1, 3)
    return out({"autoScalingGroupName": name, "minSize": lo, "maxSize": lo + rng.randint(2, 6),
                "desiredCapacity": lo + rng.randint(0, 2)}, arn=asg_arn(c, name),
               host=c.host("autoscaling"))


# Route 53 (global: recorded in us-east-1)
ROUTE53 = {"apiVersion": "2013-04-01"}


@call("route53.amazonaws.com", "ListHostedZones", True)
def _(c):
    return out(None, host="route53.amazonaws.com", extra=ROUTE53)


@call("route53.amazonaws.com", "ListResourceRecordSets", True)
def _(c):
    zone = rng.choice(HOSTED_ZONES)[0]
    return out({"hostedZoneId": zone}, arn=f"arn:aws:route53:::hostedzone/{zone}",
               host="route53.amazonaws.com", extra=ROUTE53)


@call("route53.amazonaws.com", "ChangeResourceRecordSets", False)
def _(c):
    zone, domain = rng.choice(HOSTED_ZONES)
    name = f"{rng.choice(RECORD_NAMES)}.{domain}"
    change = "C0" + chars(19)
    c.session.last_change = change
    return out({"hostedZoneId": zone, "changeBatch": {"changes": [{"action": "UPSERT", "resourceRecordSet": {
        "name": name, "type": "A", "tTL": 300,
        "resourceRecords": [{"value": f"203.0.113.{rng.randint(1, 254)}"}]}}]}},
               {"changeInfo": {"id": f"/change/{change}", "status": "PENDING",
                               "submittedAt": java_date(c.t)}},
               arn=f"arn:aws:route53:::hostedzone/{zone}", host="route53.amazonaws.com", extra=ROUTE53)


@call("route53.amazonaws.com", "GetChange", True)
def _(c):
    change = getattr(c.session, "last_change", None) or "C0" + chars(19)
    return out({"id": change}, arn=f"arn:aws:route53:::change/{change}", host="route53.amazonaws.com",
               extra=ROUTE53)


# Lex (V1 model building) and DMS, in the sandbox
@call("models.lex.amazonaws.com", "GetBots", True)
def _(c):
    return out({"maxResults": 10}, host=c.host("models.lex"))


@call("models.lex.amazonaws.com", "PutBot", False)
def _(c):
    bot = rng.choice(["OrderFlowers", "BookTrip", "HelpDeskBot"])
    return out({"name": bot, "locale": "en-US", "childDirected": False, "processBehavior": "BUILD",
                "idleSessionTTLInSeconds": 300},
               {"name": bot, "locale": "en-US", "childDirected": False, "status": "BUILDING",
                "version": "$LATEST", "checksum": new_uuid(), "createdDate": java_date(c.t),
                "lastUpdatedDate": java_date(c.t), "idleSessionTTLInSeconds": 300},
               arn=f"arn:aws:lex:{c.region}:{c.account}:bot:{bot}", host=c.host("models.lex"))


@call("dms.amazonaws.com", "DescribeReplicationInstances", True)
def _(c):
    return out({"maxRecords": 100}, host=c.host("dms"))


@call("dms.amazonaws.com", "CreateReplicationInstance", False)
def _(c):
    ident = f"sandbox-dms-{rng.randint(1, 9)}"
    arn = f"arn:aws:dms:{c.region}:{c.account}:rep:{chars(26)}"
    return out({"replicationInstanceIdentifier": ident, "replicationInstanceClass": "dms.t3.micro",
                "allocatedStorage": 50, "multiAZ": False, "publiclyAccessible": False},
               {"replicationInstance": {"replicationInstanceIdentifier": ident,
                                        "replicationInstanceClass": "dms.t3.micro",
                                        "replicationInstanceStatus": "creating", "allocatedStorage": 50,
                                        "replicationInstanceArn": arn, "engineVersion": "3.5.3",
                                        "multiAZ": False, "publiclyAccessible": False}},
               arn=arn, host=c.host("dms"))


# ---------------------------------------------------------------------------------------------
# Errors

ACCESS_DENIED_CODE = {
    "ec2.amazonaws.com": "Client.UnauthorizedOperation",
    "kms.amazonaws.com": "AccessDeniedException", "logs.amazonaws.com": "AccessDeniedException",
    "dynamodb.amazonaws.com": "AccessDeniedException", "lambda.amazonaws.com": "AccessDeniedException",
    "cloudtrail.amazonaws.com": "AccessDeniedException", "ecr.amazonaws.com": "AccessDeniedException",
    "organizations.amazonaws.com": "AccessDeniedException", "sns.amazonaws.com": "AuthorizationError",
}
IAM_PREFIX = {"models.lex.amazonaws.com": "lex"}
S3_ACTION = {"ListObjects": "ListBucket", "ListBuckets": "ListAllMyBuckets"}

# Non-authorisation failures each call can plausibly hit.
OTHER_ERRORS = {
    ("cloudtrail.amazonaws.com", "LookupEvents"): ("ThrottlingException", "Rate exceeded"),
    ("kms.amazonaws.com", "GenerateDataKey"): ("ThrottlingException", "Rate exceeded"),
    ("logs.amazonaws.com", "FilterLogEvents"): ("ThrottlingException", "Rate exceeded"),
    ("logs.amazonaws.com", "GetLogEvents"): ("ResourceNotFoundException", "The specified log stream does not exist."),
    ("dynamodb.amazonaws.com", "DescribeTable"): ("ResourceNotFoundException",
                                                  "Requested resource not found: Table: {res} not found"),
    ("lambda.amazonaws.com", "GetFunction20150331v2"): ("ResourceNotFoundException", "Function not found: {res}"),
    ("s3.amazonaws.com", "GetBucketLocation"): ("NoSuchBucket", "The specified bucket does not exist"),
    ("s3.amazonaws.com", "ListObjects"): ("NoSuchBucket", "The specified bucket does not exist"),
    ("s3.amazonaws.com", "GetObject"): ("NoSuchKey", "The specified key does not exist."),
    ("autoscaling.amazonaws.com", "DescribeAutoScalingGroups"): ("Throttling", "Rate exceeded"),
    ("route53.amazonaws.com", "GetChange"): ("ThrottlingException", "Rate exceeded"),
}


def missing_bucket(body, region):
    """Point a bucket call at a bucket that does not exist (a stale name), as NoSuchBucket needs."""
    bucket = body["p"]["bucketName"] + rng.choice(["-old", "-2025", "-backup"])
    host = s3_host(bucket, region)
    params = dict(body["p"], bucketName=bucket, Host=host)
    return dict(body, p=params, host=host, arn=f"arn:aws:s3:::{bucket}",
                res=[{"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}])


def iam_action(source, name):
    prefix = IAM_PREFIX.get(source, source.split(".")[0])
    action = api_name(source, name)
    if source == "s3.amazonaws.com":
        action = S3_ACTION.get(action, action)
    return f"{prefix}:{action}"


def caller_arn(identity):
    return identity.get("arn", "")


def access_denied(source, name, identity, resource, ro):
    action = iam_action(source, name)
    code = ACCESS_DENIED_CODE.get(source, "AccessDenied")
    who = caller_arn(identity)
    if source == "organizations.amazonaws.com":
        return code, "You don't have permissions to access this resource."
    on = "" if resource == "*" else f" on resource: {resource}"  # AWS names no resource for list calls
    msg = (f"User: {who} is not authorized to perform: {action}{on} "
           f"because no identity-based policy allows the {action} action")
    if source == "ec2.amazonaws.com":
        msg = "You are not authorized to perform this operation. " + msg
        if not ro:  # only mutating EC2 calls return an encoded authorization message
            msg += ". Encoded authorization failure message: " + chars(rng.randint(180, 260), ALNUM + "-_")
    elif source == "s3.amazonaws.com":
        msg = "Access Denied"
    return code, msg


# ---------------------------------------------------------------------------------------------
# Emitting records

EVENTS = []  # (account, region, time, record, principal key)


def tls(host):
    if rng.random() < 0.85:
        return {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": host}
    return {"tlsVersion": "TLSv1.2", "cipherSuite": "ECDHE-RSA-AES128-GCM-SHA256", "clientProvidedHostHeader": host}


def emit(session, t, source, name, region, error=None, error_rate=0.0, deny_rate=0.0, spec=None):
    """Build one record. `error` forces a failure ("deny" or "other"); otherwise the call fails
    at random: `deny_rate` with an authorisation error, `error_rate` with another error where
    the call has a plausible one (OTHER_ERRORS)."""
    principal = session.principal
    account = principal.account
    fn, ro = CALLS[(source, name)]
    c = Ctx(account, region, t, principal, session)
    body = spec if spec is not None else fn(c)
    identity = principal.identity(session)

    if error is None:
        x = rng.random()
        if x < deny_rate:
            error = "deny"
        elif x < deny_rate + error_rate and (source, name) in OTHER_ERRORS:
            error = "other"
    err = None
    if error == "deny":
        err = access_denied(source, name, identity, body["arn"], ro)
    elif error == "other":
        code, msg = OTHER_ERRORS[(source, name)]
        err = (code, msg.format(res=body["arn"].split("/")[-1].split(":")[-1]))
        if code == "NoSuchBucket":
            body = missing_bucket(body, region)

    is_data = source == "s3.amazonaws.com" and name in ("GetObject", "PutObject", "ListObjects")
    agent = session.agent(source, name)
    if source == "s3.amazonaws.com" and not agent.startswith(("console", "[", "AWS Internal")) \
            and "amazonaws.com" not in agent:
        agent = f"[{agent}]"

    rec = {"eventVersion": EVENT_VERSION.get(source, "1.08"), "userIdentity": identity,
           "eventTime": iso(t), "eventSource": source, "eventName": name, "awsRegion": region,
           "sourceIPAddress": session.ip, "userAgent": agent}
    if err:
        rec["errorCode"], rec["errorMessage"] = err
    rec["requestParameters"] = body["p"]
    rec["responseElements"] = None if err else body["r"]
    if body["add"] is not None:
        add = dict(body["add"])
        if err:
            add["bytesTransferredOut"] = rng.randint(240, 420)
            add["bytesTransferredIn"] = 0
            add.pop("SSEApplied", None)
        rec["additionalEventData"] = add
    rec["requestID"] = chars(16) if source == "s3.amazonaws.com" else new_uuid()
    rec["eventID"] = new_uuid()
    rec["readOnly"] = ro
    if body["res"] is not None:
        rec["resources"] = body["res"]
    rec["eventType"] = "AwsApiCall"
    if "apiVersion" in body["extra"]:
        rec["apiVersion"] = body["extra"]["apiVersion"]
    rec["managementEvent"] = not is_data
    rec["recipientAccountId"] = account
    if "sharedEventID" in body["extra"]:
        rec["sharedEventID"] = body["extra"]["sharedEventID"]
    vpce = getattr(session, "vpce", None)
    if vpce and source == "s3.amazonaws.com":
        rec["vpcEndpointId"] = vpce
        rec["vpcEndpointAccountId"] = account
    rec["eventCategory"] = "Data" if is_data else "Management"
    if not isinstance(principal, (Service, Internal)):
        rec["tlsDetails"] = tls(body["host"])
    if session.console:
        rec["sessionCredentialFromConsole"] = "true"
    EVENTS.append((account, region, t, rec, principal.key))
    return rec


def run_session(session, start, calls, **rates):
    """Emit `calls` [(source, name, region), ...] a few seconds apart, as one burst of work."""
    t = start
    for source, name, region in calls:
        if t > END:
            break
        emit(session, t, source, name, region, **rates)
        t += timedelta(seconds=rng.randint(2, 75))
    return t


def console_login(principal, t, ip, browser, mfa="Yes"):
    if isinstance(principal, Root):
        identity = principal.identity(None)
        login_to = ("https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true"
                    "&state=hashArgsFromTB_us-east-1_" + hexs(16))
    else:
        identity = {"type": "IAMUser", "principalId": principal.principal_id, "arn": principal.arn,
                    "accountId": principal.account, "userName": principal.name}
        login_to = ("https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true"
                    "&nc2=h_ct&src=header-signin&state=hashArgsFromTB_us-east-1_" + hexs(16))
    rec = {"eventVersion": "1.08", "userIdentity": identity, "eventTime": iso(t),
           "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin", "awsRegion": EAST,
           "sourceIPAddress": ip, "userAgent": browser, "requestParameters": None,
           "responseElements": {"ConsoleLogin": "Success"},
           "additionalEventData": {"LoginTo": login_to, "MobileVersion": "No", "MFAUsed": mfa},
           "eventID": new_uuid(), "readOnly": False, "eventType": "AwsConsoleSignIn",
           "managementEvent": True, "recipientAccountId": principal.account, "eventCategory": "Management",
           "tlsDetails": tls("signin.aws.amazon.com")}
    EVENTS.append((principal.account, EAST, t, rec, principal.key))


# ---------------------------------------------------------------------------------------------
# Principals of the two accounts

paulo = User(MAIN, "paulo", [CLI_MAC], ["203.0.113.10", "203.0.113.11"], ("Development",))
dev_ana = User(MAIN, "dev-ana", [BOTO3, CLI_WSL], ["198.51.100.23", "203.0.113.12"], ("Development",))
dev_raj = User(MAIN, "dev-raj", [terraform_agent, CLI_LINUX], ["198.51.100.87", "203.0.113.13"], ("Development",))
DEV_GROUP = [paulo, dev_ana, dev_raj]
nikhilj = User(MAIN, "nikhilj", [CLI_LINUX], ["203.0.113.21", "198.51.100.140"], ("app-dev", "security-team"))
maria = User(MAIN, "maria", [CLI_MAC], ["203.0.113.30", "198.51.100.61"], ("app-dev",))
wei = User(MAIN, "wei", [CLI_LINUX], ["203.0.113.31", "2001:db8:4f1c:20::1b7"], ("app-dev",))
APP_DEV = [maria, wei]
example_user = User(MAIN, "IAMExampleUser", [BOTO3], ["198.51.100.200"])
example_role = Role(MAIN, "IAMExampleRole")
GITHUB_OIDC = f"arn:aws:iam::{MAIN}:oidc-provider/token.actions.githubusercontent.com"
ci_deploy = Role(MAIN, "ci-deploy", "/service-role/", web_identity=GITHUB_OIDC)
report_role = Role(MAIN, "report-builder-role-7k2m9q1x", "/service-role/")
instance_role = Role(MAIN, "app-instance-role")
root = Root(MAIN)
svc_cloudtrail = Service(MAIN, "cloudtrail.amazonaws.com")
svc_lambda = Service(MAIN, "lambda.amazonaws.com")
svc_ec2 = Service(MAIN, "ec2.amazonaws.com")
internal = Internal(MAIN)
sandbox_admin = Role(SANDBOX, "sandbox-admin")

GROUPS = {"Development": DEV_GROUP, "app-dev": [nikhilj, maria, wei], "security-team": [nikhilj]}

# Operation pools: (source, name) with weights.
CT, LOGS, EC2, KMS, S3 = ("cloudtrail.amazonaws.com", "logs.amazonaws.com", "ec2.amazonaws.com",
                          "kms.amazonaws.com", "s3.amazonaws.com")
FIVE = {
    CT: [("LookupEvents", 3), ("DescribeTrails", 1), ("GetTrailStatus", 1)],
    LOGS: [("DescribeLogGroups", 3), ("FilterLogEvents", 3), ("GetLogEvents", 2), ("CreateLogGroup", 0.5)],
    EC2: [("DescribeInstances", 5), ("RunInstances", 0.7), ("StartInstances", 1), ("StopInstances", 1),
          ("DescribeSecurityGroups", 2), ("CreateTags", 1)],
    KMS: [("Decrypt", 3), ("Encrypt", 1), ("GenerateDataKey", 2), ("DescribeKey", 1), ("ListKeys", 1)],
    S3: [("ListBuckets", 2), ("CreateBucket", 0.3), ("GetBucketLocation", 1), ("GetObject", 4),
         ("PutObject", 2), ("ListObjects", 3)],
}
FIVE_WEIGHTS = [(EC2, 3), (S3, 3), (LOGS, 2), (KMS, 1.5), (CT, 1)]
EXPLORE = {
    "lambda.amazonaws.com": [("ListFunctions20150331", 3), ("CreateFunction20150331", 1),
                             ("GetFunction20150331v2", 2)],
    "dynamodb.amazonaws.com": [("ListTables", 3), ("CreateTable", 1), ("DescribeTable", 2)],
    "sns.amazonaws.com": [("ListTopics", 2), ("CreateTopic", 1)],
    "sqs.amazonaws.com": [("ListQueues", 2), ("CreateQueue", 1)],
    "cloudformation.amazonaws.com": [("DescribeStacks", 2), ("CreateStack", 1)],
    "iam.amazonaws.com": [("ListRoles", 1)],
}
EXPLORE_WEIGHTS = [("lambda.amazonaws.com", 2), ("dynamodb.amazonaws.com", 2), ("sns.amazonaws.com", 1),
                   ("sqs.amazonaws.com", 1), ("cloudformation.amazonaws.com", 1.5), ("iam.amazonaws.com", 1)]
GLOBAL_SERVICES = {"iam.amazonaws.com", "route53.amazonaws.com", "organizations.amazonaws.com"}


def call_region(source, default):
    if source in GLOBAL_SERVICES:
        return EAST
    if source == S3 and default != EAST and rng.random() < 0.5:
        return EAST  # ListBuckets and the main data buckets live in us-east-1
    return default


def draw(pool, n):
    return [weighted(pool) for _ in range(n)]


class Coverage:
    """Forces every listed operation to appear at least once by a deadline day, so the stories
    hold for every operation the brief names, not just the likely ones."""

    def __init__(self, ops):
        self.missing = list(ops)

    def seen(self, ops):
        self.missing = [op for op in self.missing if op not in ops]

    def take(self, k):
        got, self.missing = self.missing[:k], self.missing[k:]
        return got


def all_ops(pools):
    return [(src, name) for src, pool in pools.items() for name, _ in pool]


dev_explore_cov = Coverage(all_ops(EXPLORE))
dev_recent_cov = Coverage(all_ops(FIVE))


def dev_session_calls(day, region):
    """A burst of work for one Development member on `day`."""
    explore = day <= EXPLORE_LAST_DAY
    recent = day >= RECENT_FIRST_DAY
    ops = []
    if explore and rng.random() < 0.45:
        src = weighted(EXPLORE_WEIGHTS)
        ops = [(src, name) for name in draw(EXPLORE[src], rng.randint(2, 5))]
    else:
        for _ in range(rng.choice([1, 1, 2])):
            src = weighted(FIVE_WEIGHTS)
            n = rng.randint(3, 7) if (explore or recent) else rng.randint(2, 5)
            ops += [(src, name) for name in draw(FIVE[src], n)]
    # Forced coverage near each phase's end.
    if explore and day >= EXPLORE_LAST_DAY - 1:
        ops += dev_explore_cov.take(4)
    if recent and day >= DAYS - 4:
        ops += dev_recent_cov.take(5)
    if explore:
        dev_explore_cov.seen(ops)
    if recent:
        dev_recent_cov.seen(ops)
    return [(src, name, call_region(src, region)) for src, name in ops]


DENIED_RECENT = [  # (day, user, source, name): the dev users' denied attempts in the last 21 days
    (101, dev_ana, "iam.amazonaws.com", "CreateUser"),
    (104, dev_raj, "organizations.amazonaws.com", "ListAccounts"),
    (108, dev_ana, "iam.amazonaws.com", "CreateUser"),
    (111, paulo, "organizations.amazonaws.com", "ListAccounts"),
    (115, dev_raj, "iam.amazonaws.com", "CreateUser"),
]


def gen_dev(user, day):
    wd = is_weekday(day)
    if day <= EXPLORE_LAST_DAY:
        n = rng.choice([2, 3, 3, 4]) if wd else rng.choice([0, 1])
    elif day < RECENT_FIRST_DAY:
        n = (1 if rng.random() < 0.5 else 0) if wd else (1 if rng.random() < 0.08 else 0)
    else:
        n = rng.choice([1, 2, 2, 3]) if wd else rng.choice([0, 0, 1])
    # Coverage days must have a session for the last user even on a quiet day.
    if user is dev_raj and (day in (EXPLORE_LAST_DAY - 1, EXPLORE_LAST_DAY) or day >= DAYS - 4) and n == 0:
        n = 1
    console = user is paulo and day <= EXPLORE_LAST_DAY and rng.random() < 0.4
    for _ in range(n):
        start = at(day, 7, 19)
        ip = rng.choice(user.ips)
        if console:
            console_login(user, start - timedelta(seconds=rng.randint(20, 200)), ip, BROWSER)
            session = Session(user, start, ip, CONSOLE, console=True)
            console = False
        else:
            session = Session(user, start, ip, rng.choice(user.agents))
        region = EAST if rng.random() < 0.8 else WEST
        # Power users: denials are rare; they come from the explicit attempts below.
        run_session(session, start, dev_session_calls(day, region), error_rate=0.05)
    for d, who, source, name in DENIED_RECENT:
        if d == day and who is user:
            t = at(day, 9, 17)
            session = Session(user, t, rng.choice(user.ips), rng.choice(user.agents))
            emit(session, t, source, name, EAST, error="deny")


NIK_CONSOLE_DAYS = (3, 41, 88, 112)
NIK_OPS = {EC2: [("DescribeInstances", 4), ("DescribeVolumes", 3), ("CreateVolume", 1), ("AttachVolume", 1)],
           "autoscaling.amazonaws.com": [("DescribeAutoScalingGroups", 3), ("UpdateAutoScalingGroup", 1)]}
NIK_SECURITY = {"iam.amazonaws.com": [("ListUsers", 2), ("GetUser", 2), ("ListAttachedUserPolicies", 2),
                                      ("ListPolicies", 1), ("GetPolicy", 2)],
                CT: [("DescribeTrails", 1), ("LookupEvents", 3), ("GetEventSelectors", 1)]}
nik_security_cov = Coverage(all_ops(NIK_SECURITY))
nik_recent_cov = Coverage(all_ops(NIK_OPS))


def gen_nikhilj(day):
    wd = is_weekday(day)
    if rng.random() < (0.75 if wd else 0.1) or day >= DAYS - 3 or day in NIK_CONSOLE_DAYS:
        start = at(day, 13, 22)
        ip = rng.choice(nikhilj.ips)
        if day in NIK_CONSOLE_DAYS:  # he signs in now and then, but works from the CLI
            console_login(nikhilj, start - timedelta(seconds=rng.randint(60, 900)), ip, BROWSER_WIN)
        session = Session(nikhilj, start, ip, CLI_LINUX)
        region = EAST if rng.random() < 0.85 else WEST
        ops = []
        for _ in range(rng.randint(1, 2)):
            src = weighted([(EC2, 3), ("autoscaling.amazonaws.com", 2)])
            ops += [(src, name) for name in draw(NIK_OPS[src], rng.randint(1, 4))]
        if day >= RECENT_FIRST_DAY:
            nik_recent_cov.seen(ops)
            if day >= DAYS - 3:
                ops += nik_recent_cov.take(6)
        run_session(session, start, [(s, n, region) for s, n in ops], error_rate=0.03, deny_rate=0.04)
    if day <= NIKHIL_SECURITY_LAST_DAY and (rng.random() < (0.7 if wd else 0.15)
                                             or day == NIKHIL_SECURITY_LAST_DAY):
        start = at(day, 14, 20)
        session = Session(nikhilj, start, rng.choice(nikhilj.ips), CLI_LINUX)
        ops = []
        for _ in range(rng.randint(1, 2)):
            src = weighted([("iam.amazonaws.com", 3), (CT, 2)])
            ops += [(src, name) for name in draw(NIK_SECURITY[src], rng.randint(2, 4))]
        nik_security_cov.seen(ops)
        if day == NIKHIL_SECURITY_LAST_DAY:  # his last day on security work touches both services
            ops += nik_security_cov.take(8) + [("iam.amazonaws.com", "GetUser"), (CT, "LookupEvents")]
        run_session(session, start, [(s, n, EAST) for s, n in ops], error_rate=0.02)


APP_OPS = {"route53.amazonaws.com": [("ListHostedZones", 2), ("ListResourceRecordSets", 3),
                                     ("ChangeResourceRecordSets", 1.5), ("GetChange", 0)],
           EC2: [("DescribeInstances", 4), ("DescribeSecurityGroups", 1), ("DescribeVolumes", 1)],
           "autoscaling.amazonaws.com": [("DescribeAutoScalingGroups", 3), ("UpdateAutoScalingGroup", 1)]}


def gen_app_dev(user, day):
    wd = is_weekday(day)
    if not (rng.random() < (0.65 if wd else 0.08) or day in (DAYS - 6, DAYS - 2)):
        return
    start = at(day, 12, 22)
    ip = rng.choice(user.ips)
    console = rng.random() < 0.12
    if console:
        console_login(user, start - timedelta(seconds=rng.randint(30, 300)), ip, BROWSER)
        session = Session(user, start, ip, CONSOLE, console=True)
    else:
        session = Session(user, start, ip, rng.choice(user.agents))
    ops = []
    for _ in range(rng.randint(1, 2)):
        src = weighted([("route53.amazonaws.com", 3), (EC2, 2), ("autoscaling.amazonaws.com", 1.5)])
        names = draw(APP_OPS[src], rng.randint(1, 4))
        for name in names:
            ops.append((src, name))
            if name == "ChangeResourceRecordSets":  # everyone polls for INSYNC afterwards
                ops += [(src, "GetChange")] * rng.randint(1, 2)
    if day in (DAYS - 6, DAYS - 2):  # keep Route 53 use recent for every app-dev member but nikhilj
        ops += [("route53.amazonaws.com", "ListHostedZones"), ("route53.amazonaws.com", "ListResourceRecordSets")]
    region = EAST if rng.random() < 0.8 else WEST
    run_session(session, start, [(s, n, call_region(s, region)) for s, n in ops],
                error_rate=0.03, deny_rate=0.04)


def gen_example_user(day):
    wd = is_weekday(day)
    if not (rng.random() < (0.45 if wd else 0.05) or day == DAYS - 3):
        return
    start = at(day, 8, 18)
    session = Session(example_user, start, example_user.ips[0], BOTO3)
    pool = [("ListTables", 3), ("DescribeTable", 3), ("UpdateTable", 0.5)]
    ops = [("dynamodb.amazonaws.com", n, EAST) for n in draw(pool, rng.randint(1, 3))]
    run_session(session, start, ops, error_rate=0.04, deny_rate=0.05)


def gen_example_role(day):
    if not (is_weekday(day) and (rng.random() < 0.6 or day >= DAYS - 7)):
        return
    start = at(day, 2, 3)
    session = Session(example_role, start, f"10.0.{rng.randint(10, 40)}.{rng.randint(2, 250)}", BOTO3,
                      name=f"botocore-session-{int(start.timestamp()) - 2}")
    session.vpce = "vpce-0a1b2c3d4e5f60718"  # the job runs in a VPC and reaches S3 via a gateway endpoint
    ops = [("ListBuckets",), ("GetBucketPolicy",)] + [("GetObject",)] * rng.randint(1, 2)
    run_session(session, start, [(S3, op[0], EAST) for op in ops], error_rate=0.02, deny_rate=0.02)


def gen_ci(day):
    runs = [("nightly", at(day, 3, 4))]
    if is_weekday(day):
        for _ in range(weighted([(0, 5), (1, 4), (2, 1)])):
            runs.append(("deploy", at(day, 9, 20)))
    for kind, start in sorted(runs, key=lambda r: r[1]):
        run_id = rng.randint(9_400_000_000, 11_900_000_000)
        session = Session(ci_deploy, start, f"192.0.2.{rng.randint(1, 254)}", CLI_UBUNTU,
                          name=f"GitHubActions-{run_id}")
        ops = [("sts.amazonaws.com", "GetCallerIdentity"), ("ecr.amazonaws.com", "GetAuthorizationToken"),
               ("ecr.amazonaws.com", "BatchCheckLayerAvailability")]
        if kind == "deploy":
            ops += [(S3, "PutObject"), ("cloudformation.amazonaws.com", "DescribeStacks"),
                    ("cloudformation.amazonaws.com", "UpdateStack"),
                    ("lambda.amazonaws.com", "UpdateFunctionCode20150331v2")]
            if rng.random() < 0.5:
                ops.append(("lambda.amazonaws.com", "GetFunction20150331v2"))
        else:
            ops.append(("cloudformation.amazonaws.com", "DescribeStacks"))
        t = start
        for src, name in ops:
            spec = None
            if (src, name) == (S3, "PutObject"):  # the build artifact, not a random object
                c = Ctx(MAIN, EAST, t, ci_deploy, session)
                spec = object_call(c, ARTIFACT_BUCKET, f"builds/{hexs(40)}/app.zip", put=True)
            emit(session, t, src, name, EAST, spec=spec, error_rate=0.02, deny_rate=0.015)
            t += timedelta(seconds=rng.randint(3, 50))


def gen_services(day):
    # CloudTrail checks the log bucket's ACL before it delivers.
    t = at(day, 0, 24)
    session = Session(svc_cloudtrail, t, "cloudtrail.amazonaws.com", fixed_agent("cloudtrail.amazonaws.com"))
    c = Ctx(MAIN, EAST, t, svc_cloudtrail, session)
    host = s3_host(LOG_BUCKET, EAST)
    spec = out({"bucketName": LOG_BUCKET, "Host": host, "acl": ""}, add=s3_add(out_bytes=rng.randint(540, 560)),
               resources=[bucket_res(c, LOG_BUCKET)], arn=f"arn:aws:s3:::{LOG_BUCKET}", host=host,
               extra={"sharedEventID": new_uuid()})
    emit(session, t, S3, "GetBucketAcl", EAST, spec=spec)

    # The report-builder function runs each morning: Lambda assumes its role, then it reads and writes S3.
    t = at(day, 6, 7)
    session = Session(svc_lambda, t, "lambda.amazonaws.com", fixed_agent("lambda.amazonaws.com"))
    spec = assume_role_call(Ctx(MAIN, EAST, t, svc_lambda, session), report_role, "report-builder")
    emit(session, t, "sts.amazonaws.com", "AssumeRole", EAST, spec=spec)
    lambda_ip = f"3.{rng.randint(80, 95)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    fn_session = Session(report_role, t + timedelta(seconds=1), lambda_ip,
                         BOTO3_LAMBDA, name="report-builder")
    fn_session.created = t  # the function runs on the credentials Lambda just obtained
    fn_session.access_key = spec["r"]["credentials"]["accessKeyId"]
    t += timedelta(seconds=rng.randint(2, 9))
    for put in [False] * rng.randint(0, 1) + [True]:
        key = f"daily/{t:%Y/%m/%d}/report-{hexs(6)}.{'json' if put else 'csv'}"
        spec = object_call(Ctx(MAIN, EAST, t, report_role, fn_session), REPORT_BUCKET, key, put=put)
        emit(fn_session, t, S3, "PutObject" if put else "GetObject", EAST, spec=spec)
        t += timedelta(seconds=rng.randint(1, 20))

    # EC2 fetches instance-profile credentials for the app fleet.
    for region in [EAST] + ([WEST] if rng.random() < 0.3 else []):
        t = at(day, 0, 24)
        session = Session(svc_ec2, t, "ec2.amazonaws.com", fixed_agent("ec2.amazonaws.com"))
        spec = assume_role_call(Ctx(MAIN, region, t, svc_ec2, session), instance_role,
                                rng.choice(WORLD[MAIN][region]["instances"]))
        emit(session, t, "sts.amazonaws.com", "AssumeRole", region, spec=spec)

    # Automatic rotation of the two customer managed keys (eventType AwsServiceEvent).
    rotations = {40: (EAST, 0), 83: (WEST, 1)}
    if day in rotations:
        region, k = rotations[day]
        t = at(day, 0, 24)
        key_id = WORLD[MAIN][region]["kms_keys"][k]
        rec = {"eventVersion": "1.08", "userIdentity": internal.identity(None), "eventTime": iso(t),
               "eventSource": "kms.amazonaws.com", "eventName": "RotateKey", "awsRegion": region,
               "sourceIPAddress": "AWS Internal", "userAgent": "AWS Internal", "requestParameters": None,
               "responseElements": None, "eventID": new_uuid(), "readOnly": False,
               "resources": [{"accountId": MAIN, "type": "AWS::KMS::Key",
                              "ARN": f"arn:aws:kms:{region}:{MAIN}:key/{key_id}"}],
               "eventType": "AwsServiceEvent", "managementEvent": True, "recipientAccountId": MAIN,
               "serviceEventDetails": {"rotationType": "AUTOMATIC", "keyId": key_id},
               "eventCategory": "Management"}
        EVENTS.append((MAIN, region, t, rec, internal.key))


SANDBOX_EXPLORE = {"models.lex.amazonaws.com": [("GetBots", 3), ("PutBot", 1)],
                   "dms.amazonaws.com": [("DescribeReplicationInstances", 3), ("CreateReplicationInstance", 1)]}
SANDBOX_LATER = {S3: [("ListBuckets", 2), ("GetBucketLocation", 1), ("GetObject", 2), ("PutObject", 2),
                      ("ListObjects", 2)],
                 EC2: [("DescribeInstances", 4), ("RunInstances", 1), ("TerminateInstances", 1),
                       ("DescribeSecurityGroups", 1)]}
SANDBOX_PEOPLE = ["john.stiles", "ana.silva", "raj.patel"]
sandbox_cov = Coverage(all_ops(SANDBOX_EXPLORE))


def gen_sandbox(day):
    """The sandbox account. Its Lex and DMS phase is drawn on days 0..SANDBOX_EXPLORE_LAST_DAY,
    in its place in the generation order, but happened SANDBOX_EXPLORE_SHIFT earlier
    (2026-04-19..2026-05-08), before the main account's trail starts: the Development OU last
    used Lex and DMS more than 180 days before its access report of 2026-11-16. Only the
    times move (whole weeks, so weekdays stay), so every other event is drawn as before; the
    sandbox's trail then holds nothing until its S3 and EC2 use from day 20."""
    wd = is_weekday(day)
    explore = day <= SANDBOX_EXPLORE_LAST_DAY
    n = (rng.choice([1, 1, 2]) if wd else 0) if explore else (1 if rng.random() < (0.35 if wd else 0.03) else 0)
    if day == SANDBOX_EXPLORE_LAST_DAY and n == 0:
        n = 1
    for _ in range(n):
        start = at(day, 8, 20)
        if explore:
            start -= SANDBOX_EXPLORE_SHIFT
        person = rng.choice(SANDBOX_PEOPLE)
        session = Session(sandbox_admin, start, f"203.0.113.{rng.randint(40, 60)}",
                          rng.choice([BOTO3, CLI_MAC, CONSOLE]), name=person)
        session.console = session.agent is CONSOLE
        region = EAST if rng.random() < 0.7 else WEST
        pools = SANDBOX_EXPLORE if explore else SANDBOX_LATER
        src = rng.choice(sorted(pools))
        ops = [(src, name) for name in draw(pools[src], rng.randint(2, 6))]
        if explore:
            sandbox_cov.seen(ops)
            if day == SANDBOX_EXPLORE_LAST_DAY:
                ops += sandbox_cov.take(4)
        run_session(session, start, [(s, n, call_region(s, region)) for s, n in ops],
                    error_rate=0.03, deny_rate=0.05)


def generate():
    for day in range(DAYS):
        for user in DEV_GROUP:
            gen_dev(user, day)
        gen_nikhilj(day)
        for user in APP_DEV:
            gen_app_dev(user, day)
        gen_example_user(day)
        gen_example_role(day)
        gen_ci(day)
        gen_services(day)
        gen_sandbox(day)
        if day == 45:  # the account owner signs in once, with MFA
            console_login(root, at(day, 15, 16), "203.0.113.5", BROWSER)


# ---------------------------------------------------------------------------------------------
# Issue 22: IAM Identity Center over the organisation, the production account's own trail, and
# the people behind role sessions (Identity Center sessions, onBehalfOf, sourceIdentity, a role
# chain across accounts). All drawn by generate_identity_center() after generate(), from
# random.Random(IDC_SEED) (see main), so the events and ids drawn before stay as they were.

SSO_INSTANCE_ID = "ssoins-7223a1b2c3d4e5f6"
SSO_INSTANCE_ARN = f"arn:aws:sso:::instance/{SSO_INSTANCE_ID}"
IDENTITY_STORE_ID = "d-9067c1d2e3"
IDENTITY_STORE_ARN = f"arn:aws:identitystore::{MAIN}:identitystore/{IDENTITY_STORE_ID}"
SSO_CREATED = datetime(2025, 3, 10, 9, 14, 22, 517000, tzinfo=timezone.utc)
# The instance is in us-east-1, so its roles' path has no region segment.
SSO_ROLE_PATH = "/aws-reserved/sso.amazonaws.com/"
# The SAML provider Identity Center creates in each account it provisions (same name in each).
SAML_PROVIDER = "AWSSSO_4d1e8a7c2b9f3065_DO_NOT_DELETE"
SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"
# The portal's SAML issuer ends in base64("<owner account>_ins-<instance id>").
SAML_ISSUER = ("https://portal.sso.us-east-1.amazonaws.com/saml/assertion/"
               + base64.b64encode(f"{MAIN}_ins-{SSO_INSTANCE_ID.removeprefix('ssoins-')}"
                                  .encode()).decode())
SSO_SESSION_SECONDS = 8 * 3600  # the permission sets' SessionDuration, PT8H

# name: (id, the AWS managed policy attached, description, created)
PERMISSION_SETS = {
    "Developers": ("ps-6a2f9c1e8b3d4705", "AdministratorAccess",
                   "Full access for the application developers in the accounts they are assigned",
                   datetime(2025, 3, 12, 10, 41, 7, 318000, tzinfo=timezone.utc)),
    "ReadOnly": ("ps-0d7e4b9a3c5f1862", "ReadOnlyAccess", "Read-only access for audits",
                 datetime(2025, 3, 12, 10, 44, 52, 906000, tzinfo=timezone.utc)),
}
# The role each (permission set, account) provisioned is AWSReservedSSO_<name>_<suffix>;
# scripts/make-sample-iam.py has the same table and checks it against the ground truth.
SSO_ROLE_SUFFIX = {("Developers", MAIN): "9c2e4f71a0b83d65",
                   ("Developers", SANDBOX): "3b8d0e6f2a91c747",
                   ("Developers", PRODUCTION): "e71a5c3d9f04b28e",
                   ("ReadOnly", MAIN): "58f0b2d6c1e97a34"}
# (permission set, account, principal type, group display name or user name)
SSO_ASSIGNMENTS = [("Developers", MAIN, "GROUP", "Developers"),
                   ("Developers", SANDBOX, "GROUP", "Developers"),
                   ("Developers", PRODUCTION, "GROUP", "Developers"),
                   ("ReadOnly", MAIN, "USER", "dave@example.com")]
# UserName (the email), given name, family name, created
IDC_USERS = [
    ("alice@example.com", "Alice", "Nguyen", datetime(2025, 3, 12, 11, 2, 41, 225000, tzinfo=timezone.utc)),
    ("bob@example.com", "Bob", "Keller", datetime(2025, 3, 12, 11, 4, 9, 871000, tzinfo=timezone.utc)),
    ("carol@example.com", "Carol", "Okafor", datetime(2025, 6, 2, 8, 37, 55, 402000, tzinfo=timezone.utc)),
    ("dave@example.com", "Dave", "Lindqvist", datetime(2025, 9, 15, 14, 20, 13, 64000, tzinfo=timezone.utc)),
]
# DisplayName: (description, members, created)
IDC_GROUPS = {
    "Developers": ("Application developers", ["alice@example.com", "bob@example.com", "carol@example.com"],
                   datetime(2025, 3, 12, 10, 58, 30, 117000, tzinfo=timezone.utc)),
    "Auditors": ("Read-only reviewers", ["dave@example.com"],
                 datetime(2025, 9, 15, 14, 18, 2, 650000, tzinfo=timezone.utc)),
}
PROD_READONLY_SESSION = "carol-prod-check"
GITHUB_SUB = "repo:example-corp/app:ref:refs/heads/main"
GITHUB_ACTORS = ["alice-gh", "bob-gh"]
CAROL_SANDBOX_FIRST_DAY = SANDBOX_EXPLORE_LAST_DAY + 1  # 2026-08-08, when the sandbox resumes
CAROL_SANDBOX_LAST_DAY = 104  # 2026-10-31: before the sandbox's own last S3 and EC2 use
CAROL_CHAIN_FIRST_DAY = 30  # 2026-08-18
BOB_ENHANCED_DAYS = 30  # bob's tool uses identity-enhanced sessions in the last 30 days
# The agent of AssumeRoleWithSAML records: Identity Center's portal makes the call for the
# user (modelled; not verified against a real record).
PORTAL_AGENT = ("aws-internal/3 aws-sdk-java/1.12.779 Linux/5.10.230-202.885.amzn2int.x86_64 "
                "OpenJDK_64-Bit_Server_VM/17.0.13+11-LTS java/17.0.13 vendor/Amazon.com_Inc. "
                "cfg/retry-mode/standard")
GITHUB_ACTION_AGENT = ("aws-sdk-js/3.687.0 ua/2.1 os/linux#6.5.0-1025-azure lang/js md/nodejs#20.18.0 "
                       "api/sts#3.687.0 m/E configure-aws-credentials-for-github-actions")
CLI_SSO_MAC = cli_agent("aws-cli/2.22.4 Python/3.12.6 Darwin/24.1.0 exe/arm64")
CLI_SSO_LINUX = cli_agent("aws-cli/2.22.4 Python/3.12.6 Linux/6.8.0-48-generic exe/x86_64.ubuntu.24")

STS = "sts.amazonaws.com"
DEV_SSO_OPS = [((EC2, "DescribeInstances"), 4), ((EC2, "DescribeSecurityGroups"), 1.5),
               ((S3, "ListBuckets"), 2), ((S3, "GetBucketLocation"), 1),
               ((LOGS, "DescribeLogGroups"), 2), ((LOGS, "FilterLogEvents"), 2.5),
               (("lambda.amazonaws.com", "ListFunctions20150331"), 1),
               (("cloudformation.amazonaws.com", "DescribeStacks"), 1.5), ((STS, "GetCallerIdentity"), 1)]
SANDBOX_SSO_OPS = [((S3, "ListBuckets"), 2), ((S3, "GetBucketLocation"), 1), ((EC2, "DescribeInstances"), 3)]
PROD_READONLY_OPS = [((EC2, "DescribeInstances"), 3), ((S3, "ListBuckets"), 1)]


def sso_role_name(permission_set, account):
    return f"AWSReservedSSO_{permission_set}_{SSO_ROLE_SUFFIX[(permission_set, account)]}"


def sso_role_arn(permission_set, account):
    return f"arn:aws:iam::{account}:role{SSO_ROLE_PATH}{sso_role_name(permission_set, account)}"


def permission_set_arn(name):
    return f"arn:aws:sso:::permissionSet/{SSO_INSTANCE_ID}/{PERMISSION_SETS[name][0]}"


def saml_provider_arn(account):
    return f"arn:aws:iam::{account}:saml-provider/{SAML_PROVIDER}"


def name_qualifier(account):
    """As AWS computes a SAML nameQualifier: base64(SHA-1(issuer + account + '/' + provider))."""
    digest = hashlib.sha1(f"{SAML_ISSUER}{account}/{SAML_PROVIDER}".encode()).digest()
    return base64.b64encode(digest).decode()


def cli_v2_time(t):
    """A timestamp as AWS CLI v2 prints it (ISO 8601, microseconds when there are any)."""
    return t.isoformat()


class Idc:
    """What generate_identity_center() drew: the Identity Store's ids, the principals, and
    the person and rule expected behind each new event (by eventID)."""

    def __init__(self):
        self.user_ids = {}  # UserName -> UserId
        self.group_ids = {}  # DisplayName -> GroupId
        self.memberships = {}  # (group, user) -> MembershipId
        self.people = {}  # eventID -> (principal ARN the event counts under, person, rule)
        self.base = 0  # len(EVENTS) before the new events


IDC = Idc()


def note(rec, principal, person, rule):
    IDC.people[rec["eventID"]] = (principal, person, rule)


def new_creds(t, seconds):
    return {"accessKeyId": "ASIA" + chars(16), "sessionToken": "IQoJb3JpZ2luX2VjE" + chars(120, B64),
            "expiration": java_date(t + timedelta(seconds=seconds))}


def saml_sign_in(email, role, t, ip, agent):
    """A user of the Identity Store opens a permission set's role in role.account: the
    `sts:AssumeRoleWithSAML` record there (by the SAMLUser), and the session it opens. That
    session's calls carry another access key than the one in the response, as real trails show:
    Identity Center hands the user credentials of its own."""
    account = role.account
    nq = name_qualifier(account)
    creds = new_creds(t, SSO_SESSION_SECONDS)
    rec = {"eventVersion": "1.08",
           "userIdentity": {"type": "SAMLUser", "principalId": f"{nq}:{email}", "userName": email,
                            "identityProvider": nq},
           "eventTime": iso(t), "eventSource": STS, "eventName": "AssumeRoleWithSAML", "awsRegion": EAST,
           "sourceIPAddress": ip, "userAgent": PORTAL_AGENT,
           "requestParameters": {"sAMLAssertionID": "_" + hexs(32), "roleSessionName": email,
                                 "durationSeconds": SSO_SESSION_SECONDS, "roleArn": role.arn,
                                 "principalArn": saml_provider_arn(account)},
           "responseElements": {"credentials": creds,
                                "assumedRoleUser": {"assumedRoleId": f"{role.role_id}:{email}",
                                                    "arn": f"arn:aws:sts::{account}:assumed-role/{role.name}/{email}"},
                                "subject": email, "subjectType": "persistent", "issuer": SAML_ISSUER,
                                "audience": SAML_AUDIENCE, "nameQualifier": nq},
           "requestID": new_uuid(), "eventID": new_uuid(), "readOnly": True,
           "resources": [{"accountId": account, "type": "AWS::IAM::Role", "ARN": role.arn},
                         {"accountId": account, "type": "AWS::IAM::SAMLProvider",
                          "ARN": saml_provider_arn(account)}],
           "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": account,
           "eventCategory": "Management", "tlsDetails": tls("sts.amazonaws.com")}
    EVENTS.append((account, EAST, t, rec, None))  # a SAMLUser has no ARN: no principal key
    note(rec, role.arn, email, "saml")
    session = Session(role, t, ip, agent, name=email)
    session.created = t
    assert session.access_key != creds["accessKeyId"]
    return session


def work(session, t, ops, person=None, rule=None, on_behalf=0.0, **rates):
    """Emit `ops` [(source, name, region)] a few seconds apart from `t`; note each event's
    person (default: the session's own name, Identity Center's rule). With `on_behalf`, each
    call carries the user's onBehalfOf with that probability. Returns the records."""
    recs = []
    user_id = IDC.user_ids.get(session.name)
    for source, name, region in ops:
        if t > END:
            break
        session.on_behalf_of = user_id if on_behalf and rng.random() < on_behalf else None
        rec = emit(session, t, source, name, region, **rates)
        if session.on_behalf_of:
            note(rec, session.principal.arn, user_id, "identity_center_user")
        else:
            note(rec, session.principal.arn, person or session.name, rule or "identity_center_session")
        recs.append(rec)
        t += timedelta(seconds=rng.randint(2, 75))
    session.on_behalf_of = None
    return recs


def sso_ops(pool, n, region):
    return [(s, name, call_region(s, region)) for s, name in (weighted(pool) for _ in range(n))]


class IdcPeople:
    """The Identity Store users who work through Identity Center in the trail."""

    def __init__(self):
        self.ips = {"alice@example.com": ["198.51.100.71", "203.0.113.74"],
                    "bob@example.com": ["203.0.113.77", "198.51.100.79"],
                    "carol@example.com": ["198.51.100.92", "203.0.113.95"]}
        self.agents = {"alice@example.com": CLI_SSO_MAC, "bob@example.com": CLI_SSO_LINUX,
                       "carol@example.com": CLI_SSO_MAC}


def generate_identity_center():
    """Issue 22's events, drawn from the RNG as main() left it (reseeded with IDC_SEED)."""
    IDC.base = len(EVENTS)
    WORLD[PRODUCTION] = {EAST: make_region(EAST)}
    for name, _, _, _ in IDC_USERS:
        IDC.user_ids[name] = new_uuid()
    for group, (_, members, _) in IDC_GROUPS.items():
        IDC.group_ids[group] = new_uuid()
        for member in members:
            IDC.memberships[(group, member)] = new_uuid()
    dev_main = Role(MAIN, sso_role_name("Developers", MAIN), SSO_ROLE_PATH)
    dev_sandbox = Role(SANDBOX, sso_role_name("Developers", SANDBOX), SSO_ROLE_PATH)
    release = Role(MAIN, "release-pipeline", web_identity=GITHUB_OIDC)
    prod_app = Role(PRODUCTION, "prod-app-role")
    prod_readonly = Role(PRODUCTION, "prod-readonly")
    svc_ec2_prod = Service(PRODUCTION, "ec2.amazonaws.com")
    IDC.roles = {"dev_main": dev_main, "dev_sandbox": dev_sandbox, "release": release,
                 "prod_app": prod_app, "prod_readonly": prod_readonly}
    people = IdcPeople()
    first = {"sandbox": True, "chain": True}

    def sign_in(email, role, day, h0, h1):
        t = at(day, h0, h1)
        ip = rng.choice(people.ips[email])
        return saml_sign_in(email, role, t, ip, people.agents[email]), t + timedelta(seconds=rng.randint(3, 40))

    for day in range(DAYS):
        wd = is_weekday(day)
        # The production application: EC2 renews the instance role's credentials, and the
        # app reads its bucket and describes its table with them, every day.
        t = at(day, 0, 6)
        svc = Session(svc_ec2_prod, t, "ec2.amazonaws.com", fixed_agent("ec2.amazonaws.com"))
        instance = rng.choice(WORLD[PRODUCTION][EAST]["instances"][:2])
        spec = assume_role_call(Ctx(PRODUCTION, EAST, t, svc_ec2_prod, svc), prod_app, instance)
        emit(svc, t, STS, "AssumeRole", EAST, spec=spec)
        app = Session(prod_app, t, f"44.{rng.randint(192, 223)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                      BOTO3, name=instance)
        app.created = t
        app.access_key = spec["r"]["credentials"]["accessKeyId"]
        ops = [(S3, "GetObject", EAST)] * rng.randint(1, 2) + [("dynamodb.amazonaws.com", "DescribeTable", EAST)]
        rng.shuffle(ops)
        work(app, at(day, 6, 22), ops, person="ec2.amazonaws.com", rule="role_chain", error_rate=0.02)

        # alice and bob, through the Developers permission set, in the main account.
        if wd and rng.random() < 0.5:
            session, t = sign_in("alice@example.com", dev_main, day, 8, 17)
            work(session, t, sso_ops(DEV_SSO_OPS, rng.randint(2, 6), EAST if rng.random() < 0.8 else WEST))
        if wd and rng.random() < 0.33:
            session, t = sign_in("bob@example.com", dev_main, day, 9, 18)
            work(session, t, sso_ops(DEV_SSO_OPS, rng.randint(2, 6), EAST if rng.random() < 0.8 else WEST),
                 on_behalf=0.5 if day >= DAYS - BOB_ENHANCED_DAYS else 0.0)

        # carol in the sandbox, about weekly, with what the sandbox already uses.
        if CAROL_SANDBOX_FIRST_DAY <= day <= CAROL_SANDBOX_LAST_DAY and wd and \
                (rng.random() < 0.22 or first["sandbox"]):
            session, t = sign_in("carol@example.com", dev_sandbox, day, 9, 17)
            if first["sandbox"]:
                ops = [(S3, "ListBuckets", EAST), (S3, "GetBucketLocation", EAST), (EC2, "DescribeInstances", EAST)]
                first["sandbox"] = False
            else:
                ops = sso_ops(SANDBOX_SSO_OPS, rng.randint(2, 5), EAST if rng.random() < 0.7 else WEST)
            work(session, t, ops)

        # carol checks production from the main account, about twice a week: a role chain.
        if day >= CAROL_CHAIN_FIRST_DAY and wd and rng.random() < 0.4:
            session, t = sign_in("carol@example.com", dev_main, day, 10, 18)
            if rng.random() < 0.5:
                work(session, t, [(STS, "GetCallerIdentity", EAST)])
                t += timedelta(seconds=rng.randint(2, 20))
            creds = new_creds(t, 3600)
            spec = out({"roleArn": prod_readonly.arn, "roleSessionName": PROD_READONLY_SESSION,
                        "durationSeconds": 3600},
                       {"credentials": creds,
                        "assumedRoleUser": {"assumedRoleId": f"{prod_readonly.role_id}:{PROD_READONLY_SESSION}",
                                            "arn": f"arn:aws:sts::{PRODUCTION}:assumed-role/"
                                                   f"{prod_readonly.name}/{PROD_READONLY_SESSION}"}},
                       [{"accountId": PRODUCTION, "type": "AWS::IAM::Role", "ARN": prod_readonly.arn}],
                       arn=prod_readonly.arn, host="sts.amazonaws.com", extra={"sharedEventID": new_uuid()})
            rec = emit(session, t, STS, "AssumeRole", EAST, spec=spec)
            # The role is production's: the record is delivered to production's trail.
            rec["recipientAccountId"] = PRODUCTION
            EVENTS[-1] = (PRODUCTION,) + EVENTS[-1][1:]
            note(rec, dev_main.arn, session.name, "identity_center_session")
            chained = Session(prod_readonly, t, session.ip, session.agent, name=PROD_READONLY_SESSION)
            chained.created = t
            chained.access_key = creds["accessKeyId"]
            if first["chain"]:
                ops = [(EC2, "DescribeInstances", EAST), (S3, "ListBuckets", EAST)]
                first["chain"] = False
            else:
                ops = [(s, n, EAST) for s, n in (weighted(PROD_READONLY_OPS) for _ in range(rng.randint(2, 4)))]
            work(chained, t + timedelta(seconds=rng.randint(2, 15)), ops, person="carol@example.com",
                 rule="role_chain")

        # The release pipeline: GitHub Actions assumes release-pipeline with the actor as
        # sourceIdentity, which every call of the session then carries.
        if wd and rng.random() < 0.3:
            t = at(day, 10, 19)
            run_id = rng.randint(11_900_000_000, 12_400_000_000)
            actor = rng.choice(GITHUB_ACTORS)
            ip = f"192.0.2.{rng.randint(1, 254)}"
            session_name = f"GitHubActions-{run_id}"
            creds = new_creds(t, 3600)
            principal_id = f"{GITHUB_OIDC}:sts.amazonaws.com:{GITHUB_SUB}"
            rec = {"eventVersion": "1.08",
                   "userIdentity": {"type": "WebIdentityUser", "principalId": principal_id,
                                    "userName": GITHUB_SUB, "identityProvider": GITHUB_OIDC},
                   "eventTime": iso(t), "eventSource": STS, "eventName": "AssumeRoleWithWebIdentity",
                   "awsRegion": EAST, "sourceIPAddress": ip, "userAgent": GITHUB_ACTION_AGENT,
                   "requestParameters": {"roleArn": release.arn, "roleSessionName": session_name,
                                         "durationSeconds": 3600, "sourceIdentity": actor},
                   "responseElements": {"credentials": creds, "sourceIdentity": actor,
                                        "assumedRoleUser": {"assumedRoleId": f"{release.role_id}:{session_name}",
                                                            "arn": f"arn:aws:sts::{MAIN}:assumed-role/"
                                                                   f"{release.name}/{session_name}"},
                                        "provider": GITHUB_OIDC, "audience": "sts.amazonaws.com",
                                        "subjectFromWebIdentityToken": GITHUB_SUB},
                   "requestID": new_uuid(), "eventID": new_uuid(), "readOnly": True,
                   "resources": [{"accountId": MAIN, "type": "AWS::IAM::Role", "ARN": release.arn}],
                   "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": MAIN,
                   "eventCategory": "Management", "tlsDetails": tls("sts.amazonaws.com")}
            EVENTS.append((MAIN, EAST, t, rec, None))  # a WebIdentityUser has no ARN
            note(rec, release.arn, GITHUB_SUB, "web_identity")
            session = Session(release, t, ip, CLI_UBUNTU, name=session_name)
            session.created = t
            session.access_key = creds["accessKeyId"]
            session.source_identity = actor
            t += timedelta(seconds=rng.randint(5, 30))
            version = f"v1.{day // 7}.{rng.randint(0, 9)}"
            for src, name in [(STS, "GetCallerIdentity"), (S3, "PutObject"),
                              ("cloudformation.amazonaws.com", "DescribeStacks")]:
                spec = None
                if (src, name) == (S3, "PutObject"):  # the release artifact
                    spec = object_call(Ctx(MAIN, EAST, t, release, session), ARTIFACT_BUCKET,
                                       f"releases/{version}/app-{hexs(7)}.zip", put=True)
                rec = emit(session, t, src, name, EAST, spec=spec)
                note(rec, release.arn, actor, "source_identity")
                t += timedelta(seconds=rng.randint(3, 50))
    return IDC


# ---------------------------------------------------------------------------------------------
# Delivery: log files in the S3 layout, and one digest per account


def write_gz(path, payload):
    data = gzip.compress(payload, compresslevel=9, mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def deliver(base, extra):
    """Group records by account, region and 15-minute window; write one file per group.

    A window that held any of the first `base` events (those drawn before issue 22) keeps the
    delivery time and name it had, drawn from rng in the same order as before; a window only
    later events use draws them from `extra`."""
    groups = {}
    old = set()
    for i, (account, region, t, rec, _) in enumerate(EVENTS):
        bucket = t.replace(minute=t.minute - t.minute % 15, second=0)
        groups.setdefault((account, region, bucket), []).append((t, rec))
        if i < base:
            old.add((account, region, bucket))
    files = []  # (account, region, delivered_at, key, sha256, oldest, newest, count)
    for (account, region, bucket) in sorted(groups):
        r = rng if (account, region, bucket) in old else extra
        recs = sorted(groups[(account, region, bucket)], key=lambda x: x[0])  # stable: ties keep order
        delivered = bucket + timedelta(minutes=15 + r.randint(0, 4), seconds=r.randint(0, 59))
        stamp = delivered.strftime("%Y%m%dT%H%MZ")
        name = f"{account}_CloudTrail_{region}_{stamp}_{''.join(r.choice(ALNUM) for _ in range(16))}.json.gz"
        key = f"AWSLogs/{account}/CloudTrail/{region}/{delivered:%Y/%m/%d}/{name}"
        payload = json.dumps({"Records": [r for _, r in recs]}, separators=(",", ":")).encode()
        data = write_gz(TRAIL_DIR / key, payload)
        files.append((account, region, delivered, key, hashlib.sha256(data).hexdigest(),
                      recs[0][0], recs[-1][0], len(recs)))
    return files


def write_digests(files, extra):
    """One digest per account; the production account's (issue 22) draws from `extra`."""
    digests = []
    for account, r in ((MAIN, rng), (SANDBOX, rng), (PRODUCTION, extra)):
        def hexs(n):
            return "".join(r.choice("0123456789abcdef") for _ in range(n))

        mine = [f for f in files if f[0] == account and f[1] == EAST]
        last = max(f[2] for f in mine)
        end = last + timedelta(minutes=r.randint(5, 40), seconds=r.randint(0, 59))
        start = end - timedelta(hours=1)
        covered = [f for f in mine if start <= f[2] < end]
        trail = TRAIL_NAME[account]

        def digest_key(t):
            return (f"AWSLogs/{account}/CloudTrail-Digest/{EAST}/{t:%Y/%m/%d}/"
                    f"{account}_CloudTrail-Digest_{EAST}_{trail}_{EAST}_{t:%Y%m%dT%H%M%SZ}.json.gz")

        digest = {
            "awsAccountId": account,
            "digestStartTime": iso(start),
            "digestEndTime": iso(end),
            "digestS3Bucket": LOG_BUCKET,
            "digestS3Object": digest_key(end),
            "digestPublicKeyFingerprint": hexs(32),
            "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": iso(max(f[6] for f in covered)),
            "oldestEventTime": iso(min(f[5] for f in covered)),
            "previousDigestS3Bucket": LOG_BUCKET,
            "previousDigestS3Object": digest_key(start),
            "previousDigestHashValue": hexs(64),
            "previousDigestHashAlgorithm": "SHA-256",
            "previousDigestSignature": hexs(512),
            "logFiles": [{"s3Bucket": LOG_BUCKET, "s3Object": f[3], "hashValue": f[4],
                          "hashAlgorithm": "SHA-256", "newestEventTime": iso(f[6]),
                          "oldestEventTime": iso(f[5])} for f in covered],
        }
        write_gz(TRAIL_DIR / digest["digestS3Object"],
                 json.dumps(digest, separators=(",", ":")).encode())
        digests.append((account, digest["digestS3Object"], len(covered)))
    return digests


# ---------------------------------------------------------------------------------------------
# Checks: the stories are acceptance tests, so the script refuses to write data that breaks one


def principal_calls(key, since=None, until=None, ok_only=True):
    out_ = set()
    for _, _, t, rec, k in EVENTS:
        if k != key or (since is not None and t < since) or (until is not None and t > until):
            continue
        if ok_only and "errorCode" in rec:
            continue
        out_.add((rec["eventSource"], rec["eventName"]))
    return out_


def sources(calls):
    return {s for s, _ in calls}


def day_start(day):
    return START + timedelta(days=day)


def check_stories(base):
    """The stories of the events drawn before issue 22 (the first `base`); the record sizes of
    all."""
    recent = day_start(RECENT_FIRST_DAY)
    facts = {}
    five = set(FIVE)
    dev_recent = set().union(*(principal_calls(u.key, since=recent) for u in DEV_GROUP))
    assert sources(dev_recent) == five, sources(dev_recent)
    assert dev_recent == set(all_ops(FIVE)), set(all_ops(FIVE)) - dev_recent
    dev_explore = set().union(*(principal_calls(u.key, until=day_start(EXPLORE_LAST_DAY + 1)) for u in DEV_GROUP))
    assert set(all_ops(EXPLORE)) <= dev_explore
    dev_after = set().union(*(principal_calls(u.key, since=day_start(EXPLORE_LAST_DAY + 1), ok_only=False)
                              for u in DEV_GROUP))
    assert not sources(dev_after) & set(EXPLORE) - {"iam.amazonaws.com"}, sources(dev_after) & set(EXPLORE)
    assert ("iam.amazonaws.com", "ListRoles") not in dev_after
    dev_recent_all = set().union(*(principal_calls(u.key, since=recent, ok_only=False) for u in DEV_GROUP))
    assert sources(dev_recent_all) - five == {"iam.amazonaws.com", "organizations.amazonaws.com"}
    facts["dev_recent_sources"] = sorted(sources(dev_recent))
    facts["dev_recent_failed_only"] = sorted(sources(dev_recent_all) - five)

    nik_all = principal_calls(nikhilj.key, ok_only=False)
    nik_late = principal_calls(nikhilj.key, since=day_start(NIKHIL_SECURITY_LAST_DAY + 1), ok_only=False)
    assert {"iam.amazonaws.com", CT} <= sources(nik_all)
    assert not {"iam.amazonaws.com", CT} & sources(nik_late)
    assert {"route53.amazonaws.com", "elastictranscoder.amazonaws.com"}.isdisjoint(sources(nik_all))
    assert {EC2, "autoscaling.amazonaws.com"} <= sources(principal_calls(nikhilj.key, since=recent))
    for user in APP_DEV:
        assert "route53.amazonaws.com" in sources(principal_calls(user.key, since=recent))
    assert all(rec["eventSource"] != "elastictranscoder.amazonaws.com" for _, _, _, rec, _ in EVENTS)

    assert sources(principal_calls(example_user.key, ok_only=False)) == {"dynamodb.amazonaws.com"}
    assert sources(principal_calls(example_role.key, ok_only=False)) == {S3}
    assert principal_calls(example_user.key, since=day_start(DAYS - 7))
    assert principal_calls(example_role.key, since=day_start(DAYS - 7))

    sb_early = principal_calls(sandbox_admin.key, until=SANDBOX_EXPLORE_END, ok_only=False)
    sb_late = principal_calls(sandbox_admin.key, since=SANDBOX_EXPLORE_END, ok_only=False)
    assert sources(sb_early) == set(SANDBOX_EXPLORE), sources(sb_early)
    assert sources(sb_late) == {S3, EC2}, sources(sb_late)
    # Only the sandbox's Lex/DMS phase precedes the main trail, and a gap follows it.
    for account, _, t, rec, _ in EVENTS:
        if t < START:
            assert account == SANDBOX and SANDBOX_START <= t < SANDBOX_EXPLORE_END, (account, t)
        if account == SANDBOX and SANDBOX_EXPLORE_END <= t:
            assert t >= day_start(SANDBOX_EXPLORE_LAST_DAY + 1), t
    # Story 5: the OU (the sandbox) last used Lex and DMS more than 180 days before the trail
    # ends, so before the access report of the next morning too.
    sb_lex_dms = [t for account, _, t, rec, _ in EVENTS
                  if account == SANDBOX and rec["eventSource"] in SANDBOX_EXPLORE]
    assert max(sb_lex_dms) < END + timedelta(seconds=1) - timedelta(days=UNUSED_DAYS), max(sb_lex_dms)
    for src in SANDBOX_EXPLORE:
        assert any(rec["eventSource"] == src and "errorCode" not in rec
                   for account, _, _, rec, _ in EVENTS if account == SANDBOX), src

    n = base
    errors = sum(1 for e in EVENTS[:base] if "errorCode" in e[3])
    assert 3000 <= n <= 5000, n
    assert 0.02 <= errors / n <= 0.045, errors / n
    sizes = [len(json.dumps(e[3], separators=(",", ":"))) for e in EVENTS]
    assert 600 <= min(sizes) and max(sizes) <= 2500, (min(sizes), max(sizes))
    facts["record_bytes"] = (min(sizes), max(sizes))
    return facts


def check_identity_center():
    """Issue 22's facts: the people, the production account's trail, and what the rest of the
    sample (the sandbox's story 5, its last-accessed report) must not see change."""
    base = IDC.base
    new = EVENTS[base:]
    roles = IDC.roles
    dev_main, dev_sandbox = roles["dev_main"].arn, roles["dev_sandbox"].arn
    idc_keys = {dev_main, dev_sandbox, roles["release"].arn, roles["prod_readonly"].arn}
    assert all(START <= t <= END for _, _, t, _, _ in new)
    # Every new event has its expected person, and no session of an Identity Center user,
    # the release pipeline or the role chain fails.
    assert all(rec["eventID"] in IDC.people or k == "ec2.amazonaws.com" for _, _, _, rec, k in new)
    for _, _, _, rec, k in new:
        if k in idc_keys or k is None:
            assert "errorCode" not in rec, rec
    # The production account: its own trail covers all 120 days, without a week's gap.
    prod_days = sorted({(t - START).days for a, _, t, _, _ in new if a == PRODUCTION})
    assert prod_days[0] == 0 and prod_days[-1] == DAYS - 1
    assert all(b - a < 7 for a, b in zip(prod_days, prod_days[1:]))
    # No one uses the Developers permission set in production: its role never appears.
    unused = sso_role_arn("Developers", PRODUCTION)
    assert all(unused not in json.dumps(rec) for _, _, _, rec, _ in EVENTS)
    assert all(k != unused for *_, k in EVENTS)
    # Identity Center sessions' keys are not the keys of their AssumeRoleWithSAML responses.
    saml_keys = {rec["responseElements"]["credentials"]["accessKeyId"]
                 for _, _, _, rec, _ in new if rec["eventName"] == "AssumeRoleWithSAML"}
    sso_keys = {rec["userIdentity"]["accessKeyId"] for _, _, _, rec, k in new if k in (dev_main, dev_sandbox)}
    assert saml_keys and sso_keys and not saml_keys & sso_keys
    # bob's identity-enhanced calls: only in the last 30 days, and some there.
    enhanced = [t for _, _, t, rec, _ in new if "onBehalfOf" in rec.get("userIdentity", {})]
    assert enhanced and min(enhanced) >= day_start(DAYS - BOB_ENHANCED_DAYS)
    # carol in the sandbox: only the sandbox's S3 and EC2 reads, after its idle gap, and each
    # service last used before the sandbox's own last use of it, so the Development OU's
    # story (5) and its access report see the same last use.
    carol_sb = [(t, rec) for a, _, t, rec, k in new if k == dev_sandbox]
    assert {(r["eventSource"], r["eventName"]) for _, r in carol_sb} == \
        {(S3, "ListBuckets"), (S3, "GetBucketLocation"), (EC2, "DescribeInstances")}
    assert min(t for t, _ in carol_sb) >= day_start(SANDBOX_EXPLORE_LAST_DAY + 1)
    for src in (S3, EC2):
        theirs = max(t for _, _, t, rec, k in EVENTS[:base] if k == sandbox_admin.key and rec["eventSource"] == src)
        assert max(t for t, rec in carol_sb if rec["eventSource"] == src) < theirs, src
    sb_sources = {rec["eventSource"] for a, _, _, rec, _ in new if a == SANDBOX}
    assert sb_sources == {S3, EC2, STS}, sb_sources  # STS: her AssumeRoleWithSAML records
    # The role chain: production's prod-readonly sessions run on keys that carol's sessions
    # in the main account were issued, by AssumeRole records in production's trail.
    issued = {rec["responseElements"]["credentials"]["accessKeyId"]: rec for a, _, _, rec, k in new
              if k == dev_main and rec["eventName"] == "AssumeRole"}
    assert issued and all(rec["recipientAccountId"] == PRODUCTION for rec in issued.values())
    chained = [rec for _, _, _, rec, k in new if k == roles["prod_readonly"].arn]
    assert chained and all(rec["userIdentity"]["accessKeyId"] in issued for rec in chained)
    assert all("sourceIdentity" not in rec["userIdentity"]["sessionContext"] for rec in chained)
    release = [rec for _, _, _, rec, k in new if k == roles["release"].arn]
    assert release and all(rec["userIdentity"]["sessionContext"]["sourceIdentity"] in GITHUB_ACTORS
                           for rec in release)
    return {"idc_new_events": len(new)}


def identity_center_outputs():
    """The AWS CLI v2 outputs of sso-admin and identitystore for the instance: file name -> body."""
    files = {}
    files["list-instances.json"] = {"Instances": [{
        "InstanceArn": SSO_INSTANCE_ARN, "IdentityStoreId": IDENTITY_STORE_ID, "OwnerAccountId": MAIN,
        "Name": "example-corp", "CreatedDate": cli_v2_time(SSO_CREATED), "Status": "ACTIVE"}]}
    files["list-permission-sets.json"] = {"PermissionSets": [permission_set_arn(n) for n in PERMISSION_SETS]}
    for name, (ps, policy, description, created) in PERMISSION_SETS.items():
        files[f"describe-permission-set.{ps}.json"] = {"PermissionSet": {
            "Name": name, "PermissionSetArn": permission_set_arn(name), "Description": description,
            "CreatedDate": cli_v2_time(created), "SessionDuration": "PT8H"}}
        files[f"get-inline-policy-for-permission-set.{ps}.json"] = {"InlinePolicy": ""}
        files[f"list-managed-policies-in-permission-set.{ps}.json"] = {"AttachedManagedPolicies": [
            {"Name": policy, "Arn": f"arn:aws:iam::aws:policy/{policy}"}]}
        files[f"list-customer-managed-policy-references-in-permission-set.{ps}.json"] = {
            "CustomerManagedPolicyReferences": []}
    for name, account, kind, who in SSO_ASSIGNMENTS:
        ps = PERMISSION_SETS[name][0]
        principal = IDC.group_ids[who] if kind == "GROUP" else IDC.user_ids[who]
        files[f"list-account-assignments.{account}.{ps}.json"] = {"AccountAssignments": [
            {"AccountId": account, "PermissionSetArn": permission_set_arn(name), "PrincipalType": kind,
             "PrincipalId": principal}]}
    users = []
    for user_name, given, family, created in IDC_USERS:
        users.append({"IdentityStoreId": IDENTITY_STORE_ID, "UserId": IDC.user_ids[user_name],
                      "UserName": user_name,
                      "Name": {"Formatted": f"{given} {family}", "FamilyName": family, "GivenName": given},
                      "DisplayName": f"{given} {family}",
                      "Emails": [{"Value": user_name, "Type": "work", "Primary": True}],
                      "UserStatus": "ENABLED", "CreatedAt": cli_v2_time(created),
                      "UpdatedAt": cli_v2_time(created)})
    files["list-users.json"] = {"Users": users}
    files["list-groups.json"] = {"Groups": [
        {"GroupId": IDC.group_ids[g], "DisplayName": g, "Description": description,
         "CreatedAt": cli_v2_time(created), "UpdatedAt": cli_v2_time(created), "IdentityStoreId": IDENTITY_STORE_ID}
        for g, (description, _, created) in IDC_GROUPS.items()]}
    for g, (_, members, _) in IDC_GROUPS.items():
        files[f"list-group-memberships.{IDC.group_ids[g]}.json"] = {"GroupMemberships": [
            {"IdentityStoreId": IDENTITY_STORE_ID, "MembershipId": IDC.memberships[(g, m)],
             "GroupId": IDC.group_ids[g], "MemberId": {"UserId": IDC.user_ids[m]}} for m in members]}
    return files


def write_identity_center():
    out_dir = OUT / "identity-center"
    out_dir.mkdir(exist_ok=True)
    stale = set(out_dir.glob("*.json"))
    for name, body in identity_center_outputs().items():
        (out_dir / name).write_text(json.dumps(body, indent=4) + "\n")
        stale.discard(out_dir / name)
    for path in stale:
        path.unlink()


def identity_center_truth():
    """The ground truth of issue 22: per permission set and account, the successful calls its
    role's sessions made and who made them; per principal, the people behind its events."""
    calls_by_role, people_by_role = {}, {}
    for account, _, t, rec, key in EVENTS:
        if key is None or "errorCode" in rec:
            continue
        calls_by_role.setdefault(key, set()).add((rec["eventSource"], rec["eventName"]))
        arn = rec["userIdentity"].get("arn", "")
        if ":assumed-role/" in arn:
            people_by_role.setdefault(key, set()).add(arn.rsplit("/", 1)[1])
    sets = {}
    for name, (ps, policy, _, _) in PERMISSION_SETS.items():
        accounts = {}
        for ps_name, account, kind, who in SSO_ASSIGNMENTS:
            if ps_name != name:
                continue
            role = sso_role_arn(name, account)
            accounts[account] = {
                "role_arn": role,
                "assigned": [{"principal_type": kind, "principal_name": who,
                              "principal_id": IDC.group_ids[who] if kind == "GROUP" else IDC.user_ids[who]}],
                "calls": [list(c) for c in sorted(calls_by_role.get(role, ()))],
                "people": sorted(people_by_role.get(role, ())),
            }
        sets[name] = {"permission_set_arn": permission_set_arn(name), "id": ps,
                      "managed_policies": [f"arn:aws:iam::aws:policy/{policy}"], "accounts": accounts}
    people = {}
    for principal, person, rule in IDC.people.values():
        people.setdefault(principal, {}).setdefault((person, rule), 0)
        people[principal][(person, rule)] += 1
    return {
        "instance_arn": SSO_INSTANCE_ARN,
        "identity_store_id": IDENTITY_STORE_ID,
        "identity_store_arn": IDENTITY_STORE_ARN,
        "users": {name: IDC.user_ids[name] for name, *_ in IDC_USERS},
        "groups": {g: {"group_id": IDC.group_ids[g], "members": members}
                   for g, (_, members, _) in IDC_GROUPS.items()},
        "calls_note": ("per permission set and account it is assigned in: the successful "
                       "[eventSource, eventName] of its provisioned role's sessions, wherever the "
                       "record was delivered (carol's AssumeRole of prod-readonly is in the "
                       "production account's trail but made by the main account's role), "
                       "without the AssumeRoleWithSAML records (made by the SAMLUser); people: "
                       "the session names of those calls"),
        "permission_sets": sets,
        "people_note": ("per principal ARN, the person and rule (event_people's person and "
                        "person_source) behind each event issue 22 added, with the count; "
                        "AssumeRoleWithSAML (rule saml) and AssumeRoleWithWebIdentity "
                        "(web_identity) records are listed under the role they assume, but their "
                        "caller (SAMLUser, WebIdentityUser) has no ARN, so in the store their "
                        "principal_arn is null. Not listed: production's AWSService AssumeRole "
                        "records (principal ec2.amazonaws.com, person ec2.amazonaws.com, rule "
                        "aws_service), whose principal the main account's sample already had"),
        "people": {principal: [{"person": p, "rule": r, "events": n} for (p, r), n in sorted(counts.items())]
                   for principal, counts in sorted(people.items())},
    }


# ---------------------------------------------------------------------------------------------
# Ground truth and README


def principal_summary():
    summary = {}
    types = {}
    for account, _, t, rec, key in EVENTS:
        if key is None:  # AssumeRoleWithSAML / AssumeRoleWithWebIdentity: the caller has no ARN
            continue
        ident = rec["userIdentity"]
        # An AWS service's key (ec2.amazonaws.com) is the same in every account: the first
        # account it was seen in stays.
        types.setdefault(key, {"type": ident.get("type"), "accountId": account})
        k = (rec["eventSource"], rec["eventName"])
        row = summary.setdefault(key, {}).setdefault(k, {"successes": 0, "errors": 0, "first": t, "last": t})
        row["errors" if "errorCode" in rec else "successes"] += 1
        row["first"] = min(row["first"], t)
        row["last"] = max(row["last"], t)
    return summary, types


def write_ground_truth(files, digests, summary, types):
    principals = {}
    for key in sorted(summary):
        principals[key] = [{"eventSource": s, "eventName": n, "successes": r["successes"],
                            "errors": r["errors"], "first": iso(r["first"]), "last": iso(r["last"])}
                           for (s, n), r in sorted(summary[key].items())]
    by = lambda f: {k: sum(1 for e in EVENTS if f(e) == k) for k in sorted({f(e) for e in EVENTS})}
    truth = {
        "generator": "scripts/make-sample-data.py",
        "seed": SEED,
        "window": {"start": iso(SANDBOX_START), "end": iso(END)},
        "window_by_account": {
            MAIN: [{"start": iso(START), "end": iso(END)}],
            SANDBOX: [{"start": iso(SANDBOX_START), "end": iso(SANDBOX_EXPLORE_END - timedelta(seconds=1))},
                      {"start": iso(day_start(SANDBOX_EXPLORE_LAST_DAY + 1)), "end": iso(END)}],
            PRODUCTION: [{"start": iso(START), "end": iso(END)}],
        },
        "principal_key": ("userIdentity.arn for IAM users and root; sessionContext.sessionIssuer.arn "
                          "(the role ARN, with its path) for assumed roles; userIdentity.invokedBy for "
                          "AWS services and AWS-internal service events"),
        "principal_key_since_issue_22": ("ec2.amazonaws.com acts in the main and the production "
                                         "account: its principal_types entry names the first; "
                                         "AssumeRoleWithSAML and AssumeRoleWithWebIdentity records, "
                                         "whose SAMLUser and WebIdentityUser callers have no ARN, are "
                                         "under no principal"),
        "totals": {
            "events": len(EVENTS),
            "files": len(files),
            "digest_files": len(digests),
            "errors": sum(1 for e in EVENTS if "errorCode" in e[3]),
            "by_account": by(lambda e: e[0]),
            "by_region": by(lambda e: e[1]),
            "by_event_category": by(lambda e: e[3]["eventCategory"]),
            "by_event_type": by(lambda e: e[3]["eventType"]),
        },
        "principal_types": {k: types[k] for k in sorted(types)},
        "principals": principals,
        "identity_center": identity_center_truth(),
    }
    (OUT / "trail-ground-truth.json").write_text(json.dumps(truth, indent=1) + "\n")


def evidence():
    """Per-story figures for the README, computed from the events."""

    def tally(keys, since=None, until=None, ok=None):
        counts = {}
        for _, _, t, rec, k in EVENTS:
            if k not in keys or (since and t < since) or (until and t >= until):
                continue
            if ok is not None and ok == ("errorCode" in rec):
                continue
            counts[rec["eventSource"]] = counts.get(rec["eventSource"], 0) + 1
        return counts

    def fmt(counts):
        return ", ".join(f"{s.split('.amazonaws.com')[0]} {n}" for s, n in sorted(counts.items())) or "none"

    def last(keys, srcs):
        ts = [t for _, _, t, rec, k in EVENTS if k in keys and rec["eventSource"] in srcs]
        return f"{max(ts):%Y-%m-%d}" if ts else "never"

    dev = {u.key for u in DEV_GROUP}
    recent, explore_end = day_start(RECENT_FIRST_DAY), day_start(EXPLORE_LAST_DAY + 1)
    denied = {}
    for _, _, t, rec, k in EVENTS:
        if k in dev and t >= recent and "errorCode" in rec and rec["eventSource"] not in FIVE:
            op = f"{rec['eventSource'].split('.')[0]}:{rec['eventName']} ({rec['errorCode']})"
            denied[op] = denied.get(op, 0) + 1
    phases = [("first 10 days", 0, EXPLORE_LAST_DAY + 1), ("days 11-99", EXPLORE_LAST_DAY + 1, RECENT_FIRST_DAY),
              ("last 21 days", RECENT_FIRST_DAY, DAYS)]
    rates = []
    for label, a, b in phases:
        n = sum(tally(dev, day_start(a), day_start(b)).values())
        rates.append(f"{label} {n / (b - a):.1f}/day")
    out_ = {"dev": [
        f"last 21 days, successful: {fmt(tally(dev, since=recent, ok=True))}",
        "last 21 days, failed outside the five: " + ", ".join(f"{op} {n}" for op, n in sorted(denied.items())),
        f"first 10 days, the services later dropped: {fmt({s: n for s, n in tally(dev, until=explore_end).items() if s in EXPLORE})}; "
        f"their last use: {last(dev, set(EXPLORE) - {'iam.amazonaws.com'})} (iam:ListRoles {last_op(dev, 'iam.amazonaws.com', 'ListRoles')})",
        "group activity: " + ", ".join(rates),
    ]}
    nik = {nikhilj.key}
    out_["nikhilj"] = [
        f"all time: {fmt(tally(nik))}",
        f"IAM last {last(nik, {'iam.amazonaws.com'})}, CloudTrail last {last(nik, {CT})}",
        f"last 21 days: {fmt(tally(nik, since=recent))}",
    ]
    out_["app-dev"] = []
    for u in APP_DEV:
        out_["app-dev"].append(f"{u.name}: all time {fmt(tally({u.key}))}; last 21 days "
                               f"{fmt(tally({u.key}, since=recent))}; Route 53 last {last({u.key}, {'route53.amazonaws.com'})}")
    out_["app-dev"].append("elastictranscoder events anywhere: "
                           f"{sum(1 for e in EVENTS if e[3]['eventSource'] == 'elastictranscoder.amazonaws.com')}")
    out_["example"] = [
        f"IAMExampleUser: {fmt(tally({example_user.key}))}, last {last({example_user.key}, {'dynamodb.amazonaws.com'})}",
        f"IAMExampleRole: {fmt(tally({example_role.key}))}, last {last({example_role.key}, {S3})}",
    ]
    sb = {sandbox_admin.key}
    sb_end = SANDBOX_EXPLORE_END
    sb_first = min(t for _, _, t, _, k in EVENTS if k in sb)
    sb_resume = min(t for _, _, t, _, k in EVENTS if k in sb and t >= sb_end)
    out_["sandbox"] = [
        f"{sb_first:%Y-%m-%d} to {sb_end - timedelta(days=1):%Y-%m-%d}: {fmt(tally(sb, until=sb_end))}; "
        f"Lex last {last(sb, {'models.lex.amazonaws.com'})}, DMS last {last(sb, {'dms.amazonaws.com'})}",
        f"then nothing until {sb_resume:%Y-%m-%d}; from then on: {fmt(tally(sb, since=sb_end))}",
    ]
    codes = {}
    for e in EVENTS:
        if "errorCode" in e[3]:
            codes[e[3]["errorCode"]] = codes.get(e[3]["errorCode"], 0) + 1
    out_["errors"] = [", ".join(f"{c} {n}" for c, n in sorted(codes.items(), key=lambda x: (-x[1], x[0])))]
    return out_


def last_op(keys, source, name):
    ts = [t for _, _, t, rec, k in EVENTS if k in keys and rec["eventSource"] == source and rec["eventName"] == name]
    return f"{max(ts):%Y-%m-%d}" if ts else "never"

IAM_README = """\
## IAM and AWS Organizations

`iam/` and `org/` are what IAM and AWS Organizations report about the trail's accounts, in
the JSON the AWS CLI prints, as captured the day after the trail ends. They are written by
`scripts/make-sample-iam.py`, which takes from the trail the principals' ARNs, paths, unique
ids (`principalId`) and last use, draws the other ids from `random.Random(20261116)`, and
refuses to write data in which

- a successful call in the trail is not allowed by the caller's identity policies, its
  permissions boundary and, in member accounts, the SCPs above it (actions only: resources
  and conditions are not evaluated), or a denial a story relies on is allowed;
- a successful call that passes a role (a request parameter of an `iam:PassRole` row of
  `src/mapping/dependent.tsv`: Lambda's `role`, EC2's `iamInstanceProfile`, CloudFormation's
  `roleARN`, ECS's `taskRoleArn` and `executionRoleArn`, ...) is not allowed `iam:PassRole`
  on that role's ARN by the same policies, this time with resources evaluated and
  `iam:PassedToService` taken as the called service (`lambda.amazonaws.com`); an explicit
  Deny wins, and a statement with any other condition key counts as undetermined;
- a policy written for the sample names an action that `src/catalog/iam-catalog.jsonl` lacks
  (spelling included), or a wildcard that matches none (AWS managed policies keep AWS's own
  documents: `ReadOnlyAccess` names some actions the catalogue lacks or spells otherwise, which
  the script reports and keeps);
- a user or role the trail shows is missing or differs, or something was created inside the
  trail's window (the trail holds no IAM writes);
- a story below does not hold, or an `AttachmentCount` is wrong.

| file | command that produces it | |
|---|---|---|
| `iam/authorization-details-123456789012.json` | `aws iam get-account-authorization-details` in the main account | AWS CLI dates: `2026-07-17T16:02:44+00:00` |
| `iam/authorization-details-210987654321.json` | the same in the sandbox account | boto3 dates: `2025-01-22 10:02:17+00:00` |
| `iam/authorization-details-456789012345.json` | the same in the production account | AWS CLI dates |
| `org/describe-organization.json` | `aws organizations describe-organization` | organisation `o-a1b2c3d4e5`, management account `123456789012` |
| `org/list-roots.json` | `aws organizations list-roots` | root `r-ab12`, SCPs enabled |
| `org/list-organizational-units-for-parent.<id>.json` | `aws organizations list-organizational-units-for-parent --parent-id <id>` | one per root and OU; the OUs have none |
| `org/list-accounts-for-parent.<id>.json` | `aws organizations list-accounts-for-parent --parent-id <id>` | one per root and OU |
| `org/list-policies.json` | `aws organizations list-policies --filter SERVICE_CONTROL_POLICY` | the three SCPs |
| `org/describe-policy.<id>.json` | `aws organizations describe-policy --policy-id <id>` | `Content`: the SCP, as a string |
| `org/list-targets-for-policy.<id>.json` | `aws organizations list-targets-for-policy --policy-id <id>` | where each SCP is attached |

Ids in file names: an output that does not say which root, OU or policy it was asked about
carries that id between the command and `.json` (`list-accounts-for-parent.ou-ab12-11111111.json`,
`list-targets-for-policy.p-7hq2c4xz.json`), where `trailcut` looks for it when no `--parent`
or `--policy-id` is given; `describe-policy` files are named the same way for symmetry.

### Main account 123456789012

7 users, 3 groups, 16 roles, 9 customer managed policies (two with an older version kept) and
the 7 AWS managed policies attached there, with their real documents (default version only).
Every user and role has the trail's ARN, path and unique id; `RoleLastUsed` is the role's
last call or assumption in the trail (empty for roles the trail never shows in use).

1. **Development** (paulo, dev-ana, dev-raj) has the AWS managed `PowerUserAccess` (v12: all
   but `iam:*`, `organizations:*`, `account:*`, plus a few of those) and the customer managed
   `ExampleDevelopment` (v1, the seed's first document verbatim: all but IAM and
   Organizations). Both allow every action the group called and neither allows
   `iam:CreateUser` or `organizations:ListAccounts`. The answer story 1 expects is the seed's
   second document: `s3:*`, `kms:*`, `cloudtrail:*`, `logs:*`, `ec2:*` and the four required
   IAM and Organizations actions. The group's Lambda experiments left nine execution roles,
   `service-role/<user>-<function>-role-<8 chars>` with `AWSLambdaBasicExecutionRole`, made
   the day before the trail and never assumed in it. Creating a function with one of them
   needs `iam:PassRole` on it, which neither policy allows (both leave out `iam:*`), so the
   administrator who made the roles also attached the customer managed
   `Development-PassLambdaRoles` (v1, 2026-07-18): `iam:PassRole` on
   `arn:aws:iam::123456789012:role/service-role/*`, only with `iam:PassedToService` =
   `lambda.amazonaws.com`. It is what allows the nine `CreateFunction` calls; the last was on
   2026-07-28, and the five services story 1 keeps include no Lambda, so it can go as well.
2. **nikhilj** is in app-dev and security-team. `IAMFullAccess` is attached to him and to
   security-team; security-team also has `AWSCloudTrail_ReadOnlyAccess` (AWS deprecated the
   seed's `AWSCloudTrailReadOnlyAccess` for it in 2022) and an inline Access Analyzer policy.
   Expected: detach `IAMFullAccess` from him and take him out of security-team.
3. **app-dev** (nikhilj, maria, wei) has `App-Dev-EC2` (EC2 and EBS volumes; v2 of 2026-05-19
   added the volume actions, v1 is kept), `AutoScalingFullAccess`, `App-Dev-Route53` and
   `App-Dev-ElasticTranscoder`; wei has an inline Route 53 health-check policy he never uses.
   Route 53 is in use by maria and wei, Elastic Transcoder by nobody: expected, detach
   `App-Dev-ElasticTranscoder`, which is attached nowhere else, and delete it.
4. **ExamplePolicy1** v2 (default, 2026-03-03) allows DynamoDB, S3 and EC2; v1 (2025-04-28)
   DynamoDB and S3 reads. It is attached to IAMExampleUser, IAMExampleRole (trusting the
   account), `report-builder-role-7k2m9q1x` and `ci-deploy`, so that, as in the seed, one of its
   entities used DynamoDB, three used S3 and none EC2: expected, remove the EC2 statement.

Besides: `ci-deploy` trusts GitHub's OIDC provider for `example-corp/app`, has
`ci-deploy-pipeline` and the permissions boundary `boundaries/CIDeployBoundary`;
`report-builder-role-7k2m9q1x` trusts Lambda and has an inline policy for its bucket;
`app-instance-role` (EC2 trust, an instance profile, an inline policy) is assumed by EC2 all
along but makes no call of its own in the trail; `LegacyS3ReadOnly` is attached to nothing.
Users and roles carry tags. Issue 22 added the roles Identity Center provisioned
(`aws-reserved/sso.amazonaws.com/AWSReservedSSO_Developers_9c2e4f71a0b83d65` with
`AdministratorAccess`, `AWSReservedSSO_ReadOnly_58f0b2d6c1e97a34` with `ReadOnlyAccess`; both
trust the account's `AWSSSO_4d1e8a7c2b9f3065_DO_NOT_DELETE` SAML provider for
`sts:AssumeRoleWithSAML` and `sts:TagSession`, and carry no tags) and `release-pipeline`
(trusts GitHub's OIDC provider for `repo:example-corp/app:ref:refs/heads/main` with
`sts:AssumeRoleWithWebIdentity` and `sts:SetSourceIdentity`; an inline policy for its release
artifacts and stack reads). Their ids come from streams of their own, so every earlier id
stays. (`get-account-authorization-details` has no `MaxSessionDuration`: the permission sets'
eight hours are in `describe-permission-set`.)

### Sandbox account 210987654321

`sandbox-admin` (trusts the main account, with MFA; `AdministratorAccess`) and
`OrganizationAccountAccessRole` (made by Organizations with the account; an inline
`AdministratorAccess`; never used); and, from issue 22, the Developers permission set's role
`AWSReservedSSO_Developers_3b8d0e6f2a91c747`.

### Production account 456789012345

`prod-app-role` (EC2 trust, an instance profile, an inline policy for the production bucket
and table), `prod-readonly` (trusts the main account's Developers role; an inline policy with
exactly `ec2:DescribeInstances` and `s3:ListAllMyBuckets`), the Developers permission set's
role `AWSReservedSSO_Developers_e71a5c3d9f04b28e` (`AdministratorAccess`; never used) and
`OrganizationAccountAccessRole` (never used).

### Organisation o-a1b2c3d4e5

    r-ab12 Root                          FullAWSAccess, DenyLeaveOrganization
      123456789012 Example Corp          FullAWSAccess (management account: SCPs do not apply)
      ou-ab12-11111111 Development       NewServiceTest
        210987654321 sandbox             NewServiceTest
        345678901234 dev-playground      NewServiceTest (no trail)
      ou-ab12-22222222 Production        FullAWSAccess
        456789012345 production          FullAWSAccess (trail production-trail, from issue 22)

Story 5 is the seed's fourth: `NewServiceTest` (`p-7hq2c4xz`) is the Development OU's allow
list. It replaces `FullAWSAccess` there, so that what it allows is all the OU's accounts can
use: Lex and DMS, which the OU was trying out, and a baseline (S3, EC2, CloudWatch, Logs, KMS,
IAM, STS). It is attached to several entities, all within the Development OU. The sandbox
last used Lex and DMS in May 2026 (Lex on 2026-05-08, DMS on 2026-05-05), more than 180 days
before the access report of 2026-11-16: expected, take `lex:*` and `dms:*` out of it (or deny
them). Accounts carry both `Status` and `State`, its replacement (AWS retires `Status` in the
API on 2026-09-09).
"""

LAST_ACCESSED_README = """\
## Last-accessed reports (Access Advisor)

`last-accessed/` holds what IAM's "last accessed" jobs report about the main account's
groups, a user and a policy, and about the Development OU, in the JSON the AWS CLI prints,
for jobs generated on 2026-11-16 at 06:00 UTC (the trail ends at 23:59:59 the day before).
`scripts/make-sample-last-accessed.py` computes them from `trail/`, `iam/` and `org/`, just as
reproducibly; run it after the other two:

    python3 scripts/make-sample-last-accessed.py

| file | command that produces it | story |
|---|---|---|
| `last-accessed/get-service-last-accessed-details.group-Development.service-level.json` | `aws iam generate-service-last-accessed-details --arn arn:aws:iam::123456789012:group/Development`, then `aws iam get-service-last-accessed-details --job-id ID` | 1 |
| `last-accessed/get-service-last-accessed-details.group-Development.action-level.page-1.json` and `last-accessed/get-service-last-accessed-details.group-Development.action-level.page-2.json` | the same with `--granularity ACTION_LEVEL`, read with boto3: `get_service_last_accessed_details(JobId=ID, MaxItems=200)`, then again with `Marker=` the first page's `Marker`; each response, less `ResponseMetadata`, printed with `json.dumps(..., default=str)`, hence boto3 dates (`2026-11-15 17:32:19+00:00`) | 1 |
| `last-accessed/get-service-last-accessed-details.user-nikhilj.service-level.json` | as the first, `--arn arn:aws:iam::123456789012:user/nikhilj` | 2 |
| `last-accessed/list-policies-granting-service-access.user-nikhilj.json` | `aws iam list-policies-granting-service-access --arn arn:aws:iam::123456789012:user/nikhilj --service-namespaces iam cloudtrail route53 elastictranscoder access-analyzer` | 2 |
| `last-accessed/get-service-last-accessed-details.group-app-dev.service-level.json` | as the first, `--arn arn:aws:iam::123456789012:group/app-dev` | 3 |
| `last-accessed/get-service-last-accessed-details.group-security-team.service-level.json` | as the first, `--arn arn:aws:iam::123456789012:group/security-team` | 2, 3 |
| `last-accessed/get-service-last-accessed-details.policy-ExamplePolicy1.service-level.json` | as the first, `--arn arn:aws:iam::123456789012:policy/ExamplePolicy1` | 4 |
| `last-accessed/get-service-last-accessed-details-with-entities.policy-ExamplePolicy1.s3.json` | `aws iam get-service-last-accessed-details-with-entities --job-id ID --service-namespace s3`, ID being ExamplePolicy1's job | 4 |
| `last-accessed/get-organizations-access-report.ou-ab12-11111111.json` | `aws iam generate-organizations-access-report --entity-path o-a1b2c3d4e5/r-ab12/ou-ab12-11111111` (management account), then `aws iam get-organizations-access-report --job-id ID` | 5 |
| `last-accessed/INDEX.tsv` | | whom each file is about |

File names are `<command>.<subject kind>-<name>[.<granularity or service>][.page-<n>].json`, but
nothing should be read from a name: none of these outputs says whom it is about, so
`last-accessed/INDEX.tsv` does, one line per file, tab-separated: the file, then the subject as
`trailcut last-accessed ingest` takes it (`--arn ARN` or `--entity-path PATH`), then `--service NS`
for the with-entities file, whose output does not name its service either; lines starting with
`#` are comments. The pages of one job share the subject, `JobType` and `JobCreationDate`; the
first has `"IsTruncated": true` and a `Marker`, the second the remaining services: give both to
one ingest. Development's SERVICE_LEVEL and ACTION_LEVEL jobs are two jobs, with different
creation dates. Dates outside those two pages are in the AWS CLI's ISO form (`2026-11-15T17:32:19+00:00`).

How the reports are computed, which is how AWS describes the data:

- A report lists every service its subject's policies allow: the catalogue prefix of each
  action they allow (`NotAction` expanded against `src/catalog/iam-catalog.jsonl`, conditions
  taken as met, resources not evaluated; for the OU, the SCPs on its path), named as the
  catalogue names it, sorted by namespace. `PowerUserAccess` and `ExampleDevelopment` allow
  all 456 services of the catalogue.
- A subject covers principals: a user itself, a group's members, a policy's users and roles,
  an OU's accounts. Every call of theirs counts toward every service the report lists, failed
  calls included: AWS reports "all attempts to access an AWS API, not just the successful
  ones", and does not say which policy allowed a call. Console sign-ins and calls that need
  no permission (`sts:GetCallerIdentity`) do not count, as in trailcut's mapping.
- `TotalAuthenticatedEntities` counts those principals (for the OU, accounts). A service not
  used in the tracking period (400 days, from 2025-10-12) has no `LastAuthenticated`,
  `LastAuthenticatedEntity` or `LastAuthenticatedRegion`, and 0. Nothing is reported from
  before the trail starts.
- ACTION_LEVEL jobs add `TrackedActionsLastAccessed` for the services AWS tracks at action level,
  here S3, EC2, IAM and Lambda (the set of 2020-2021; AWS has added services since September
  2023, which the sample leaves at service level): each management action the subject is
  allowed, with time, entity and region where used and `ActionName` alone where not. Management
  only: not S3's object actions and bucket listings (`GetObject`, `PutObject`, `ListBucket`, ...)
  nor Lambda's invocations, which CloudTrail logs as data events. So S3's service-level time can
  be later than any of its tracked actions'. A call counts toward the action it maps to, not
  toward those it needed besides: `lambda:CreateFunction` with a role needed `iam:PassRole`
  too, but no event is an `iam:PassRole` call, so `PassRole` shows no time (whether AWS
  records such a check as a use of `iam:PassRole` is not modelled).

What each story shows:

1. **Development** lists 456 services. In the last 21 days it used CloudTrail, CloudWatch Logs,
   EC2, KMS and S3, and also shows IAM (2026-11-11) and Organizations (2026-11-07): those are
   the denied `iam:CreateUser` and `organizations:ListAccounts` attempts, which AWS counts too.
   The ACTION_LEVEL job tells them apart: of the IAM actions the group is allowed
   (`CreateServiceLinkedRole`, `DeleteServiceLinkedRole`, `ListRoles`, and `PassRole` from
   `Development-PassLambdaRoles`) only `ListRoles` was used, last on 2026-07-24, and the trail
   shows the recent calls failed. Lambda, DynamoDB, SNS, SQS and
   CloudFormation were last used by 2026-07-28, EBS on 2026-07-25 (the discrepancy below), and
   the other 443 services never.
2. **nikhilj**: IAM and CloudTrail last 2026-08-02; EC2 and Auto Scaling in the last days;
   Route 53, Elastic Transcoder, Organizations, Access Analyzer, CloudWatch and Elastic Load
   Balancing never. The policies granting them: IAM by `IAMFullAccess` (attached to him and to
   security-team; the API lists a policy once, not its attachments) and `AutoScalingFullAccess`
   (`iam:CreateServiceLinkedRole`); CloudTrail by `AWSCloudTrail_ReadOnlyAccess`; Route 53 by
   `App-Dev-Route53`; Elastic Transcoder by `App-Dev-ElasticTranscoder`; Access Analyzer by
   security-team's inline policy (an `INLINE` entry, with `EntityType` and `EntityName`).
3. **app-dev**: Route 53 used by 2 members (maria and wei), last 2026-11-14; Elastic Transcoder
   by none. Its IAM line shows nikhilj's calls of 2026-08-02, made with `IAMFullAccess`: app-dev
   allows one IAM action (`iam:CreateServiceLinkedRole`, in `AutoScalingFullAccess`), and a
   report cannot say which policy a member used. **security-team**: IAM and CloudTrail last
   2026-08-02, Organizations and Access Analyzer never.
4. **ExamplePolicy1**: DynamoDB used by 1 entity (IAMExampleUser, last 2026-11-13), S3 by 3
   (IAMExampleRole, `report-builder-role-7k2m9q1x`, `ci-deploy`; last the report builder on
   2026-11-15), EC2 by none: remove the EC2 statement. The with-entities report for S3 lists
   its four users and roles, IAMExampleUser without a `LastAuthenticated`.
5. **Development OU**: the 9 services `NewServiceTest` allows; S3 (2026-11-13) and EC2
   (2026-11-06) in use by the sandbox account, Lex last 2026-05-08 and DMS last 2026-05-05,
   192 and 195 days before the report; CloudWatch, CloudWatch Logs, KMS, IAM and STS never
   (`NumberOfServicesNotAccessed` 5). As in the seed, the administrator looks for services
   unused for 180 days (`unused_services` with `--param days=180`) and finds Lex and DMS, which
   the SCP can then deny; every other service the OU used, it used within those 180 days.

**The deliberate discrepancy.** The reports agree with the trail, service by service, except
in one place, so that `last_accessed_vs_trail` has one thing to find: the Development reports
show Amazon Elastic Block Store (`ebs`) used on 2026-07-25 by dev-raj, in us-east-1, and the
trail holds no `ebs.amazonaws.com` event at all. During the group's evaluation period dev-raj
tried a backup tool that reads snapshot blocks through the EBS direct APIs
(`ListSnapshotBlocks`, `GetSnapshotBlock`); CloudTrail logs those as data events, and the
sample's trails log data events for S3 only. Access Advisor sees every authenticated call,
logged or not. (It does not change story 1: EBS was not used in the last 21 days.)
"""


def idc_readme():
    """The README's section on Identity Center, production's trail and the people, with
    figures computed from the events."""
    new = EVENTS[IDC.base:]
    roles = IDC.roles
    dev_main, dev_sandbox = roles["dev_main"], roles["dev_sandbox"]
    prod_app, prod_readonly, release = roles["prod_app"], roles["prod_readonly"], roles["release"]

    def count(pred):
        return sum(1 for e in new if pred(*e))

    def sign_ins(email, account):
        return count(lambda a, _r, _t, rec, _k: a == account and rec["eventName"] == "AssumeRoleWithSAML"
                     and rec["userIdentity"]["userName"] == email)

    def calls(key, session=None):
        return count(lambda a, _r, _t, rec, k: k == key and (
            session is None or rec["userIdentity"]["arn"].endswith("/" + session)))

    def ops(key):
        got = sorted({f"{rec['eventSource'].split('.')[0]}:{rec['eventName']}" for *_, rec, k in new if k == key})
        return ", ".join(f"`{o}`" for o in got)

    by_account = {a: count(lambda x, *_: x == a) for a in (MAIN, SANDBOX, PRODUCTION)}
    prod_days = {(t - START).days for a, _, t, _, _ in new if a == PRODUCTION}
    enhanced = [t for *_, t, rec, _ in new if "onBehalfOf" in rec.get("userIdentity", {})]
    chains = count(lambda a, _r, _t, rec, k: k == dev_main.arn and rec["eventName"] == "AssumeRole")
    runs = {actor: count(lambda a, _r, _t, rec, k: rec["eventName"] == "AssumeRoleWithWebIdentity"
                         and rec["requestParameters"]["sourceIdentity"] == actor) for actor in GITHUB_ACTORS}
    carol_sb = [t for *_, t, rec, k in new if k == dev_sandbox.arn]
    weekdays = sum(1 for d in range(DAYS) if is_weekday(d))
    prod_errors = {}
    for *_, rec, k in new:
        if k == prod_app.arn and "errorCode" in rec:
            prod_errors[rec["errorCode"]] = prod_errors.get(rec["errorCode"], 0) + 1
    lines = []
    w = lines.append
    w("## IAM Identity Center, the production account, and the people behind the events")
    w("")
    w("Issue 22 added an IAM Identity Center instance over the organisation and the people who work")
    w("through it. Its events are drawn after all the others, from `random.Random(SEED + 22)`, with")
    w("the main generator's state set aside and restored, so every earlier event, id, delivery time")
    w("and file name is as it was (a 15-minute file of the main or sandbox account that now also")
    w(f"holds a new event keeps its name). It added {len(new):,} events: {by_account[MAIN]:,} in the main account,")
    w(f"{by_account[SANDBOX]} in the sandbox and {by_account[PRODUCTION]:,} in production.")
    w("")
    w(f"- **Instance** `{SSO_INSTANCE_ARN}`, identity store `{IDENTITY_STORE_ID}`, owned by")
    w(f"  `{MAIN}`. `identity-center/` holds the AWS CLI v2 outputs that describe it (see the table).")
    w("- **People** (Identity Store users; `UserName` is the email, and the session name of their")
    w("  roles): alice@example.com, bob@example.com, carol@example.com (group `Developers`) and")
    w("  dave@example.com (group `Auditors`).")
    w("- **Permission sets**: `Developers` (`AdministratorAccess`, no inline policy, no customer")
    w("  managed references, no boundary, `PT8H`) assigned to the group Developers in the main, the")
    w("  sandbox and the production account; `ReadOnly` (`ReadOnlyAccess`) assigned to dave in the")
    w("  main account. Each assignment provisioned a role `AWSReservedSSO_<set>_<16 hex>` under")
    w("  `/aws-reserved/sso.amazonaws.com/` (in `iam/`).")
    w(f"- **Production** (`{PRODUCTION}`, trail `{TRAIL_NAME[PRODUCTION]}`, same bucket and layout) has a")
    w(f"  trail of its own from {iso(START)} to {iso(END)}, with events on {len(prod_days)} of its {DAYS}")
    w(f"  days: EC2 renews `prod-app-role`'s instance credentials every night (`sts:AssumeRole` by")
    w(f"  `ec2.amazonaws.com`) and the application's sessions call {ops(prod_app.arn)}")
    w(f"  ({calls(prod_app.arn)} events, of which failed: "
      + ", ".join(f"{n} `{c}`" for c, n in sorted(prod_errors.items())) + ").")
    w("")
    w("Who did what, and which events prove it (every one of these calls succeeds):")
    w("")
    w(f"1. **alice** signs in to the main account on {sign_ins('alice@example.com', MAIN)} of the {weekdays} weekdays "
      "(as many")
    w("   `sts:AssumeRoleWithSAML` records in the main account's trail: `userIdentity.type` `SAMLUser`,")
    w("   `userName` her email, the Developers role, the `AWSSSO_..._DO_NOT_DELETE` SAML provider,")
    w(f"   `durationSeconds` {SSO_SESSION_SECONDS}). Her {calls(dev_main.arn, 'alice@example.com')} calls are `AssumedRole` records of")
    w("   `AWSReservedSSO_Developers_9c2e4f71a0b83d65` with session name `alice@example.com` (rule")
    w("   `identity_center_session`); their access key is never the one in the SAML response.")
    w(f"2. **bob** signs in on {sign_ins('bob@example.com', MAIN)} weekdays "
      f"({calls(dev_main.arn, 'bob@example.com')} calls). In the last {BOB_ENHANCED_DAYS} days his tool uses")
    w(f"   identity-enhanced sessions: {len(enhanced)} of his calls, from {min(enhanced):%Y-%m-%d}, carry `onBehalfOf`")
    w("   with his `UserId` and the identity store's ARN (rule `identity_center_user`: the person")
    w("   is his `UserId`).")
    w(f"3. **carol** signs in to the sandbox about weekly from {min(carol_sb):%Y-%m-%d} to {max(carol_sb):%Y-%m-%d} "
      f"({sign_ins('carol@example.com', SANDBOX)} sign-ins,")
    w(f"   {calls(dev_sandbox.arn)} calls of `AWSReservedSSO_Developers_3b8d0e6f2a91c747`), and uses only")
    w(f"   {ops(dev_sandbox.arn)},")
    w("   which the sandbox's own sessions use too, each last used before the sandbox's own last")
    w("   use: story 5 and the Development OU's access report see the same services and dates (the")
    w("   sandbox's trail now also shows `sts.amazonaws.com`: her `AssumeRoleWithSAML` records, which")
    w("   no principal of the account makes).")
    w(f"4. **The role chain**: from {day_start(CAROL_CHAIN_FIRST_DAY):%Y-%m-%d}, about twice a week, carol signs in to the main")
    w(f"   account and from that session assumes `arn:aws:iam::{PRODUCTION}:role/prod-readonly` (session")
    w(f"   `{PROD_READONLY_SESSION}`): {chains} `sts:AssumeRole` records, in **production's** trail")
    w(f"   (`recipientAccountId` {PRODUCTION}, `userIdentity` her main-account session with its access key),")
    w(f"   whose `credentials.accessKeyId` the {calls(prod_readonly.arn)} calls of `prod-readonly` then carry")
    w(f"   ({ops(prod_readonly.arn)}; no `sourceIdentity`). Only the chain names the person:")
    w("   rule `role_chain`, carol@example.com. Some of her main-account sessions first call")
    w("   `sts:GetCallerIdentity`.")
    w(f"5. **sourceIdentity**: GitHub Actions assumes `release-pipeline` on {sum(runs.values())} of the weekdays")
    w("   (`sts:AssumeRoleWithWebIdentity` in the main account, `WebIdentityUser`")
    w(f"   `{GITHUB_SUB}`, rule `web_identity`) with the actor as `sourceIdentity`:")
    w(f"   alice-gh {runs['alice-gh']} runs, bob-gh {runs['bob-gh']}. Every call of those sessions")
    w(f"   ({ops(release.arn)}) carries `sessionContext.sourceIdentity`")
    w("   (rule `source_identity`).")
    w(f"6. **Unused**: nobody uses the Developers permission set in production (its role")
    w("   `AWSReservedSSO_Developers_e71a5c3d9f04b28e` appears in no event: production sees only")
    w("   `prod-app-role`, the AWSService renewals and the role chain), so a tightener should propose")
    w("   removing that assignment; dave never signs in, so `ReadOnly` in the main account is unused")
    w("   too.")
    w("")
    w("`trail-ground-truth.json` has an `identity_center` section: per permission set and account,")
    w("the successful `[eventSource, eventName]` of its role's sessions and the people (session names)")
    w("who made them; per principal, the person and rule behind each new event, with counts.")
    w("")
    w("| file | command that produces it |")
    w("|---|---|")
    w("| `identity-center/list-instances.json` | `aws sso-admin list-instances` |")
    w("| `identity-center/list-permission-sets.json` | `aws sso-admin list-permission-sets --instance-arn ARN` |")
    for what in ("describe-permission-set", "get-inline-policy-for-permission-set",
                 "list-managed-policies-in-permission-set",
                 "list-customer-managed-policy-references-in-permission-set"):
        w(f"| `identity-center/{what}.<ps-id>.json` | `aws sso-admin {what} --instance-arn ARN --permission-set-arn PS` |")
    w("| `identity-center/list-account-assignments.<account>.<ps-id>.json` | `aws sso-admin list-account-assignments "
      "--instance-arn ARN --account-id ACCOUNT --permission-set-arn PS` |")
    w("| `identity-center/list-users.json` | `aws identitystore list-users --identity-store-id d-9067c1d2e3` |")
    w("| `identity-center/list-groups.json` | `aws identitystore list-groups --identity-store-id d-9067c1d2e3` |")
    w("| `identity-center/list-group-memberships.<group-id>.json` | `aws identitystore list-group-memberships "
      "--identity-store-id d-9067c1d2e3 --group-id GID` |")
    w("")
    w("The permission set id (`ps-...`) or the account and group id in a file name say what an output")
    w("is about where the output itself does not; `trailcut ingest sample_data` routes the files by")
    w("their top-level key. Dates are as AWS CLI v2 prints them (`2025-03-12T10:41:07.318000+00:00`).")
    w("Not modelled: the portal's own events in the owner account (`sso.amazonaws.com`")
    w("`GetRoleCredentials`, sign-in events); the `userAgent` of the `AssumeRoleWithSAML` records is a")
    w("guess at the portal's.")
    return lines


def readme(files, digests, summary, types, facts):
    evidence_ = evidence()
    n = len(EVENTS)
    errors = sum(1 for e in EVENTS if "errorCode" in e[3])
    data = sum(1 for e in EVENTS if e[3]["eventCategory"] == "Data")
    size = sum((TRAIL_DIR / f[3]).stat().st_size for f in files)
    per_file = sorted(f[7] for f in files)
    next_day = sum(1 for f in files if f[2].date() != f[5].date())
    lines = []
    w = lines.append
    w("# sample_data")
    w("")
    w("A small CloudTrail trail for trying trailcut and for its acceptance tests. It is")
    w("**synthetic**: written by `scripts/make-sample-data.py`, modelled on real CloudTrail records")
    w("(field order, identity shapes, S3 data-event fields, error shapes, the S3 delivery layout and")
    w("digest files). No record comes from a real account.")
    w("")
    w("Regenerate it, byte for byte, with")
    w("")
    w("    python3 scripts/make-sample-data.py")
    w("")
    w(f"The script draws everything from `random.Random({SEED})` and writes gzip members without")
    w("timestamps, so a re-run reproduces every file; it also checks each story below and refuses")
    w("to write data that breaks one.")
    w("")
    w("Beside `trail/`, `iam/` and `org/` hold what IAM and AWS Organizations say about the same")
    w("accounts, written from the trail by `scripts/make-sample-iam.py`, just as reproducibly (see")
    w("[IAM and AWS Organizations](#iam-and-aws-organizations)):")
    w("")
    w("    python3 scripts/make-sample-iam.py")
    w("")
    w("`last-accessed/` holds IAM's last-accessed reports (Access Advisor) about the same accounts,")
    w("computed from all three by `scripts/make-sample-last-accessed.py` (see")
    w("[Last-accessed reports](#last-accessed-reports-access-advisor)).")
    w("")
    w("`identity-center/` holds what IAM Identity Center says about the organisation (instance,")
    w("permission sets, account assignments, Identity Store users and groups), written with the trail")
    w("by `scripts/make-sample-data.py` (see [IAM Identity Center](#iam-identity-center-the-production-"
      "account-and-the-people-behind-the-events)).")
    w("")
    w("## Layout")
    w("")
    w("    trail/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/")
    w("        <account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<16 random>.json.gz   {\"Records\":[...]}")
    w("    trail/AWSLogs/<account>/CloudTrail-Digest/us-east-1/YYYY/MM/DD/")
    w("        <account>_CloudTrail-Digest_us-east-1_<trail>_us-east-1_<YYYYMMDDTHHMMSSZ>.json.gz")
    w("    trail-ground-truth.json   per-principal call counts (see below)")
    w("    iam/authorization-details-<account>.json          aws iam get-account-authorization-details")
    w("    org/<command>.json, org/<command>.<id>.json       aws organizations <command>")
    w("    last-accessed/<command>.<subject>[...].json       aws iam <command> (last-accessed reports)")
    w("    last-accessed/INDEX.tsv                           whom each of those files is about")
    w("    identity-center/<command>[.<ids>].json            aws sso-admin / aws identitystore <command>")
    w("")
    w(f"- {len(files)} log files ({size:,} bytes gzipped) and {len(digests)} digest files, one per")
    w("  account, covering its last hour of us-east-1 deliveries with the real SHA-256 of each log")
    w("  file. An ingester must skip the digests: they hold no `Records`.")
    w("- Each log file holds one account's events in one region for a 15-minute window:")
    w(f"  {per_file[0]} to {per_file[-1]} records, median {per_file[len(per_file) // 2]}. A file's name and directory")
    w("  carry its delivery time, 15 to 20 minutes after the window starts, so a window that ends")
    w(f"  near midnight lands under the next day's directory ({next_day} files here): filter on")
    w("  `eventTime`, not on paths.")
    w("")
    w("## What the trail holds")
    w("")
    sb_early = sum(1 for e in EVENTS if e[2] < START)
    sb_resume = min(e[2] for e in EVENTS if e[0] == SANDBOX and e[2] >= SANDBOX_EXPLORE_END)
    w(f"- **{n:,} events**: {n - sb_early:,} from {iso(START)} to {iso(END)} (120 days), and {sb_early} from")
    w(f"  the sandbox account's Lex and DMS trial of {SANDBOX_START:%Y-%m-%d}..{SANDBOX_EXPLORE_END - timedelta(days=1):%Y-%m-%d} "
      "(story 5);")
    w(f"  {errors} failed calls ({100 * errors / n:.1f}%), {data} S3 data events.")
    w(f"- The sandbox's trail starts {SANDBOX_START:%Y-%m-%d}, {SANDBOX_EXPLORE_SHIFT.days // 7} weeks before the main "
      "account's, and has a gap:")
    w(f"  it holds nothing from {SANDBOX_EXPLORE_END:%Y-%m-%d} to {sb_resume - timedelta(days=1):%Y-%m-%d}, while "
      "the account sat idle (not a")
    w("  delivery fault). Its first files are older than any of the main account's.")
    w(f"- Accounts: `{MAIN}` (Example Corp main account, trail `{TRAIL_NAME[MAIN]}`), `{SANDBOX}`")
    w(f"  (sandbox, trail `{TRAIL_NAME[SANDBOX]}`) and, since issue 22, `{PRODUCTION}` (production, trail")
    w(f"  `{TRAIL_NAME[PRODUCTION]}`); all deliver to bucket `{LOG_BUCKET}`.")
    w("- Regions: `us-east-1` (most activity; global services such as IAM, Route 53 and")
    w("  Organizations record there) and `eu-west-1`.")
    w("- eventVersion 1.08 to 1.10, as the services write them. Record sizes "
      f"{facts['record_bytes'][0]} to {facts['record_bytes'][1]} bytes.")
    w("")
    w("Principals and groups (account 123456789012 unless noted):")
    w("")
    w("| principal | kind | groups / notes |")
    w("|---|---|---|")
    for u in DEV_GROUP + [nikhilj] + APP_DEV + [example_user]:
        w(f"| `{u.arn}` | IAM user | {', '.join(u.groups) or 'ExamplePolicy1 story'} |")
    w(f"| `{example_role.arn}` | role (assumed, sessions `botocore-session-<epoch>`, via a VPC endpoint) | ExamplePolicy1 story |")
    w(f"| `{ci_deploy.arn}` | role (GitHub OIDC sessions `GitHubActions-<run>`) | CI: nightly check and weekday deploys |")
    w(f"| `{report_role.arn}` | role (session `report-builder`) | a Lambda function's execution role |")
    w(f"| `{sandbox_admin.arn}` | role (sessions named after people) | sandbox account |")
    w(f"| `{root.arn}` | root | one console sign-in with MFA |")
    roles = IDC.roles
    w(f"| `{roles['dev_main'].arn}` | role (Identity Center sessions named after people) | the Developers permission set; see below |")
    w(f"| `{roles['dev_sandbox'].arn}` | role (Identity Center sessions) | the same in the sandbox account |")
    w(f"| `{roles['release'].arn}` | role (GitHub OIDC sessions with a `sourceIdentity`) | release runs |")
    w(f"| `{roles['prod_app'].arn}` | role (sessions named after the instance) | production's application |")
    w(f"| `{roles['prod_readonly'].arn}` | role (session `{PROD_READONLY_SESSION}`, assumed from the main account) | carol's role chain |")
    w("| `cloudtrail.amazonaws.com`, `lambda.amazonaws.com`, `ec2.amazonaws.com` | AWSService | "
      "`s3:GetBucketAcl` on the log bucket; `sts:AssumeRole` for the function and the instance profiles "
      "(ec2.amazonaws.com in the main and the production account) |")
    w("| `AWS Internal` | KMS automatic key rotation | `RotateKey`, eventType `AwsServiceEvent`, no `userIdentity.type` |")
    w("")
    w("Group members: Development = paulo, dev-ana, dev-raj; app-dev = nikhilj, maria, wei;")
    w("security-team = nikhilj. (Group membership and policies are not in CloudTrail; they are in")
    w("`iam/authorization-details-123456789012.json`.)")
    w("")
    w("## Stories (acceptance tests; the script asserts each)")
    w("")
    w("The counts after each story are computed from the trail by the script.")
    w("")
    w("1. **Development group reduces to five services.** In the last 21 days (from 2026-10-26) paulo,")
    w("   dev-ana and dev-raj successfully call only CloudTrail, CloudWatch Logs, EC2, KMS and S3, and")
    w("   every operation listed for those services at least once, including S3 data events")
    w("   (GetObject, PutObject, ListObjects). Their only other recent events are denied attempts:")
    w("   `iam:CreateUser` (AccessDenied) and `organizations:ListAccounts` (AccessDeniedException).")
    w("   In their first 10 days (2026-07-19..2026-07-28) they also used Lambda, DynamoDB, SNS, SQS,")
    w("   CloudFormation and `iam:ListRoles`, and never again. Between those periods they use the five")
    w("   services at a lower rate.")
    for line in evidence_["dev"]:
        w("   - " + line)
    w("2. **nikhilj** called IAM (ListUsers, GetUser, ListAttachedUserPolicies, ListPolicies, GetPolicy)")
    w("   and CloudTrail (DescribeTrails, LookupEvents, GetEventSelectors) only up to 2026-08-02. He uses")
    w("   EC2 (including EBS volumes) and Auto Scaling throughout, signs in to the console a few times, and")
    w("   never calls Route 53 or Elastic Transcoder.")
    for line in evidence_["nikhilj"]:
        w("   - " + line)
    w("3. **app-dev**: maria and wei call Route 53 (ListHostedZones, ListResourceRecordSets,")
    w("   ChangeResourceRecordSets, GetChange) throughout and in the last week, plus EC2 and Auto Scaling;")
    w("   some of their sessions are console sessions (`sessionCredentialFromConsole`). Nobody calls")
    w("   Elastic Transcoder (`elastictranscoder.amazonaws.com`).")
    for line in evidence_["app-dev"]:
        w("   - " + line)
    w("4. **ExamplePolicy1**: IAMExampleUser calls only DynamoDB (ListTables, DescribeTable, UpdateTable)")
    w("   up to the last week; IAMExampleRole sessions call only S3 (ListBuckets, GetBucketPolicy, GetObject).")
    w("   Neither calls EC2.")
    for line in evidence_["example"]:
        w("   - " + line)
    w("5. **Sandbox**: `sandbox-admin` sessions explore Lex (`models.lex.amazonaws.com`) and DMS only in")
    w(f"   {SANDBOX_START:%Y-%m-%d}..{SANDBOX_EXPLORE_END - timedelta(days=1):%Y-%m-%d}, before the main account's "
      f"trail starts and more than {UNUSED_DAYS} days before it")
    w("   ends; after an idle gap the account uses only S3 and EC2. So the Development OU, whose only")
    w(f"   account with a trail is the sandbox, has not used Lex or DMS for more than {UNUSED_DAYS} days.")
    for line in evidence_["sandbox"]:
        w("   - " + line)
    w(f"6. **Errors**: {100 * errors / n:.1f}% of calls fail, mostly authorisation errors (AccessDenied,")
    w("   AccessDeniedException, Client.UnauthorizedOperation for EC2), plus throttling, NoSuchBucket,")
    w("   NoSuchKey and ResourceNotFoundException. Failed calls have `responseElements: null`.")
    for line in evidence_["errors"]:
        w("   - " + line)
    w("")
    for line in idc_readme():
        w(line)
    w("")
    for line in IAM_README.splitlines():
        w(line)
    w("")
    for line in LAST_ACCESSED_README.splitlines():
        w(line)
    w("")
    w("## Events per principal and service")
    w("")
    w("Counts are events (of which failed). `trail-ground-truth.json` has the same per event name,")
    w("with first and last times; its principal key is the IAM user or root ARN, the role ARN (with")
    w("path) for assumed-role sessions, and `invokedBy` for AWS services.")
    w("")
    for key in sorted(summary, key=lambda k: (types[k]["accountId"], k)):
        total = sum(r["successes"] + r["errors"] for r in summary[key].values())
        kind = types[key]["type"] or "no userIdentity.type"
        w(f"### `{key}` ({kind}, {types[key]['accountId']}): {total} event{'s' if total != 1 else ''}")
        w("")
        w("| eventSource | events | failed | first | last |")
        w("|---|---:|---:|---|---|")
        per_source = {}
        for (s, _), r in summary[key].items():
            p = per_source.setdefault(s, [0, 0, r["first"], r["last"]])
            p[0] += r["successes"] + r["errors"]
            p[1] += r["errors"]
            p[2] = min(p[2], r["first"])
            p[3] = max(p[3], r["last"])
        for s in sorted(per_source):
            p = per_source[s]
            w(f"| {s} | {p[0]} | {p[1]} | {p[2]:%Y-%m-%d} | {p[3]:%Y-%m-%d} |")
        w("")
    w("## Licence")
    w("")
    w("Generated by trailcut's own script; same licence as the project, Apache-2.0.")
    (OUT / "README.md").write_text("\n".join(lines) + "\n")


def clean():
    """Remove earlier output so renamed files cannot linger."""
    if TRAIL_DIR.exists():
        for dirpath, dirnames, filenames in os.walk(TRAIL_DIR, topdown=False):
            for f in filenames:
                os.remove(os.path.join(dirpath, f))
            for d in dirnames:
                os.rmdir(os.path.join(dirpath, d))


def main():
    generate()
    base = len(EVENTS)
    # Issue 22's events come after, from a seed of their own; the RNG then goes on exactly
    # where generate() left it, so deliveries and digests draw what they drew before.
    saved = rng.getstate()
    rng.seed(IDC_SEED)
    generate_identity_center()
    extra = random.Random()
    extra.setstate(rng.getstate())
    rng.setstate(saved)
    facts = check_stories(base)
    facts.update(check_identity_center())
    clean()
    OUT.mkdir(exist_ok=True)
    files = deliver(base, extra)
    digests = write_digests(files, extra)
    write_identity_center()
    summary, types = principal_summary()
    write_ground_truth(files, digests, summary, types)
    readme(files, digests, summary, types, facts)
    size = sum((TRAIL_DIR / f[3]).stat().st_size for f in files)
    print(f"{len(EVENTS)} events in {len(files)} log files ({size:,} bytes), {len(digests)} digests")


if __name__ == "__main__":
    main()
