#!/usr/bin/env python3
"""Writes src/mapping/dependent.tsv: IAM actions a call needs besides its primary action.

Rows: prefix, eventName, dependent_action, trigger, source (tab-separated; see the header
the script writes). Two sources, both under SHARED_DATA_DIR/mapping:

- sdk-method-iam-map-2022-08-19.json, from iann0036/iamlive (MIT; LICENSE-iamlive).
  Only iam:PassRole is taken: for each SDK method whose first entry (the primary action)
  is in the catalogue, the request parameters named by the templates of its iam:PassRole
  entries (arn_override, resource_mappings, resourcearn_mappings) become the trigger
  `request:PATH|PATH...` (`${X[].Y}` -> `X.Y`; `${Partition}`, `${Account}`, `${Region}`
  are not parameters; PATH_FIXES corrects two iamlive paths; NOT_PASSED_ROLE drops
  parameters that are not a passed role; HIDDEN_STATE_PATH_RE drops launch-template /
  launch-configuration / configuration-template paths). Entries naming no
  parameter (e.g. a bare `*`) are skipped; several iam:PassRole entries of one method
  are merged into one row. The other secondary actions of iamlive depend on state a CloudTrail event does not show and are left out.
- iam-policy-autopilot/fas_*.json and service-configuration.json, from
  awslabs/iam-policy-autopilot (Apache-2.0; LICENSE-iam-policy-autopilot): forward access
  session (FAS) operations. KMS ones get the trigger `kms-encrypted`; the others (so far
  only redshift-data ExecuteStatement's credential calls) get `auth-alternative`.

Every action written exists in src/catalog/iam-catalog.jsonl (compared case-insensitively,
written in the catalogue's spelling); rows whose primary action or prefix is not there
are dropped and counted on stderr.

Usage: scripts/make-dependent-actions.py [SHARED_DATA_DIR]   (default ../shared/data)
"""
import collections, glob, json, os, re, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared", "data")
mapping_dir = os.path.join(shared, "mapping")
iamlive_path = os.path.join(mapping_dir, "sdk-method-iam-map-2022-08-19.json")
autopilot_dir = os.path.join(mapping_dir, "iam-policy-autopilot")
catalog_path = os.path.join(root, "src", "catalog", "iam-catalog.jsonl")
out_path = os.path.join(root, "src", "mapping", "dependent.tsv")

PSEUDO_VARS = {"partition", "account", "region"}
# iamlive template paths corrected here (SDK method -> {template path: request path}):
PATH_FIXES = {
    # typo in iamlive: the parameter is ResourceLifecycleConfig
    "ElasticBeanstalk.UpdateApplicationResourceLifecycle": {
        "esourceLifecycleConfig.ServiceRole": "ResourceLifecycleConfig.ServiceRole"},
    # the role is inside ReplicationConfiguration (S3 API PutBucketReplication request body)
    "S3.PutBucketReplication": {"Role": "ReplicationConfiguration.Role"},
}
VAR_RE = re.compile(r"\$\{([^{}]*)\}")

# iamlive errors: iam:PassRole attached to parameters that are not a role being passed.
# SDK method -> (request paths to drop, reason); None drops the method's row outright.
# A row left with no path is dropped too. Every entry must match (checked below).
NOT_PASSED_ROLE = {
    # SigV4 signing settings of an HTTP data source, not roles; serviceRoleArn stays
    "AppSync.CreateDataSource": (
        ("httpConfig.authorizationConfig.awsIamConfig.signingRegion",
         "httpConfig.authorizationConfig.awsIamConfig.signingServiceName"),
        "signingRegion/signingServiceName are SigV4 settings, not roles"),
    "AppSync.UpdateDataSource": (
        ("httpConfig.authorizationConfig.awsIamConfig.signingRegion",
         "httpConfig.authorizationConfig.awsIamConfig.signingServiceName"),
        "signingRegion/signingServiceName are SigV4 settings, not roles"),
    # the IAM action definition names a policy and the roles/groups/users it is attached
    # to, none passed to the service; only ExecutionRoleArn is passed
    "Budgets.CreateBudgetAction": (
        ("Definition.IamActionDefinition.PolicyArn", "Definition.IamActionDefinition.Roles",
         "Definition.IamActionDefinition.Groups", "Definition.IamActionDefinition.Users"),
        "IamActionDefinition targets are not passed roles; keep ExecutionRoleArn"),
    "Budgets.UpdateBudgetAction": (
        ("Definition.IamActionDefinition.PolicyArn", "Definition.IamActionDefinition.Roles",
         "Definition.IamActionDefinition.Groups", "Definition.IamActionDefinition.Users"),
        "IamActionDefinition targets are not passed roles; keep ExecutionRoleArn"),
    # LdapServerMetadata.Role* are LDAP search settings, not IAM roles
    "MQ.UpdateBroker": (None, "LDAP role-search fields, not IAM roles"),
    # UserRole is a QuickSight role (READER/AUTHOR/ADMIN), IamArn the identity registered
    "QuickSight.RegisterUser": (None, "UserRole is a QuickSight role, IamArn a registered identity"),
    # IAM users, not roles
    "OpsWorks.CreateUserProfile": (("IamUserArn",), "IamUserArn is an IAM user"),
    "OpsWorks.DeleteUserProfile": (("IamUserArn",), "IamUserArn is an IAM user"),
    "IoTSiteWise.CreateAccessPolicy": (
        ("accessPolicyIdentity.iamUser.arn",), "an IAM user granted portal access"),
    "IoTSiteWise.UpdateAccessPolicy": (
        ("accessPolicyIdentity.iamUser.arn",), "an IAM user granted portal access"),
    # iamlive copied paths of other operations (LoggingConfig.LogRoleArn, ExecutionRoleArn
    # belong to RegisterType/ActivateType); SetStackPolicy passes no role
    "CloudFormation.SetStackPolicy": (None, "paths belong to other operations"),
}

# Paths that need iam:PassRole only through hidden state: a launch template, launch
# configuration or (Elastic Beanstalk) configuration template named by the request needs
# PassRole only if it carries an instance profile / role, which the CloudTrail event does
# not show. Any path containing one of these (case-insensitive) is removed from triggers;
# a row left with no path is dropped.
HIDDEN_STATE_PATH_RE = re.compile(r"launchtemplate|launchconfiguration|templatename", re.I)

# ---------------------------------------------------------------- catalogue
actions = {}   # lower-case action -> catalogue spelling
prefixes = {}  # lower-case prefix -> catalogue spelling
with open(catalog_path, encoding="utf-8") as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        o = json.loads(line)
        if "action" in o:
            actions[o["action"].lower()] = o["action"]
        elif "service" in o:
            prefixes[o["service"].lower()] = o["service"]
for a in actions.values():
    prefixes.setdefault(a.split(":", 1)[0].lower(), a.split(":", 1)[0])

rows = set()
warnings = []
skipped = collections.Counter()


def warn(msg):
    warnings.append(msg)


# ---------------------------------------------------------------- iamlive
def template_strings(entry):
    """All template strings of an iamlive entry (arn_override and resource mappings)."""
    out = []
    t = (entry.get("arn_override") or {}).get("template")
    if t:
        out.append(t)
    for m in (entry.get("resource_mappings") or {}).values():
        if isinstance(m, dict) and m.get("template"):
            out.append(m["template"])
    for v in (entry.get("resourcearn_mappings") or {}).values():
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict) and v.get("template"):
            out.append(v["template"])
    return out


def check_template(method, t):
    """Reports templates whose syntax is off; the ${...} references are still used."""
    if t.count("${") != len(VAR_RE.findall(t)):
        warn(f"{method}: unbalanced ${{...}} in template {t!r}")
    if t.startswith("%%"):
        if not t.endswith("%%"):
            warn(f"{method}: template function not closed with %% (parameters still read): {t!r}")
        fn = t[2:].split("%", 1)[0]
        if fn not in ("many", "iftruthy", "regex"):
            warn(f"{method}: unknown template function {fn!r} in {t!r}")


def param_paths(method, t):
    fixes = PATH_FIXES.get(method, {})
    paths = []
    for v in VAR_RE.findall(t):
        if v.strip().lower() in PSEUDO_VARS:
            continue
        p = ".".join(s for s in v.replace("[]", "").split(".") if s)
        p = fixes.get(p, p)
        if p:
            paths.append(p)
    return paths


with open(iamlive_path, encoding="utf-8") as f:
    iamlive = json.load(f)["sdk_method_iam_mappings"]

passrole = actions.get("iam:passrole")
if passrole is None:
    sys.exit("iam:PassRole is not in the catalogue")

used_fixes = set()   # NOT_PASSED_ROLE entries that matched a method
hidden_paths = {}    # method -> paths removed by HIDDEN_STATE_PATH_RE

for method, entries in sorted(iamlive.items()):
    if not entries:
        continue
    pr_entries = [e for e in entries[1:] if e.get("action", "").lower() == "iam:passrole"]
    if not pr_entries:
        continue
    primary = actions.get(entries[0].get("action", "").lower())
    if primary is None:
        skipped["iamlive: primary action not in catalogue"] += 1
        warn(f"{method}: primary action {entries[0].get('action')} not in catalogue; skipped")
        continue
    paths = []
    for e in pr_entries:
        for t in template_strings(e):
            check_template(method, t)
            for p in param_paths(method, t):
                if p not in paths:
                    paths.append(p)
    if not paths:
        skipped["iamlive: iam:PassRole names no request parameter"] += 1
        continue
    if method in NOT_PASSED_ROLE:
        drop = NOT_PASSED_ROLE[method][0]
        if drop is None:
            used_fixes.add(method)
            skipped["iamlive: not a passed role (NOT_PASSED_ROLE)"] += 1
            continue
        for d in drop:
            if d not in paths:
                sys.exit(f"NOT_PASSED_ROLE: {method} has no path {d!r} (paths: {paths})")
        used_fixes.add(method)
        paths = [p for p in paths if p not in drop]
    hidden = [p for p in paths if HIDDEN_STATE_PATH_RE.search(p)]
    if hidden:
        hidden_paths[method] = hidden
        paths = [p for p in paths if p not in hidden]
    if not paths:
        skipped["iamlive: no path left after NOT_PASSED_ROLE / HIDDEN_STATE_PATH_RE"] += 1
        continue
    prefix = primary.split(":", 1)[0]
    event = method.split(".", 1)[1]
    rows.add((prefix, event, passrole, "request:" + "|".join(paths), "iamlive"))

unused = sorted(set(NOT_PASSED_ROLE) - used_fixes)
if unused:
    sys.exit(f"NOT_PASSED_ROLE entries matching no iam:PassRole row: {unused}")

# ---------------------------------------------------------------- iam-policy-autopilot
with open(os.path.join(autopilot_dir, "service-configuration.json"), encoding="utf-8") as f:
    renames = json.load(f).get("RenameServicesOperationActionMap", {})

for path in sorted(glob.glob(os.path.join(autopilot_dir, "fas_*.json"))):
    with open(path, encoding="utf-8") as f:
        svc = json.load(f)
    name = svc["Name"]
    prefix = prefixes.get(renames.get(name, name).lower())
    if prefix is None:
        skipped["iam-policy-autopilot: service prefix not in catalogue"] += 1
        warn(f"{os.path.basename(path)}: prefix {renames.get(name, name)!r} not in catalogue; skipped")
        continue
    for op in svc.get("Operations", []):
        for fas in op.get("FasOperations") or []:
            fas_svc = renames.get(fas["Service"], fas["Service"])
            dep = actions.get(f"{fas_svc}:{fas['Operation']}".lower())
            if dep is None:
                skipped["iam-policy-autopilot: dependent action not in catalogue"] += 1
                warn(f"{name} {op['Name']}: {fas_svc}:{fas['Operation']} not in catalogue; skipped")
                continue
            trigger = "kms-encrypted" if fas_svc.lower() == "kms" else "auth-alternative"
            rows.add((prefix, op["Name"], dep, trigger, "iam-policy-autopilot"))

# ---------------------------------------------------------------- write
HEADER = """\
# trailcut's dependent-action table: IAM actions a call needs besides its primary action,
# and the condition under which it needs them. Generated; do not edit by hand. Regenerate:
#   python3 scripts/make-dependent-actions.py [SHARED_DATA_DIR]   (default ../shared/data)
# Columns (tab-separated):
#   prefix            IAM service prefix of the call's primary action
#   eventName         SDK method / API operation name (equals the CloudTrail eventName for
#                     most services; Lambda's CloudTrail names carry an API-version suffix)
#   dependent_action  the extra IAM action (catalogue spelling; every one is in the catalogue)
#   trigger           when the dependent action is needed:
#     request:P[|P...]  any of these request-parameter paths is present and non-empty.
#                       Paths are dot-separated, in the SDK's spelling ([] dropped); compare
#                       case-insensitively with CloudTrail requestParameters keys.
#     kms-encrypted     a KMS forward-access call the service makes on the caller's behalf
#                       (kms:ViaService); needed only when the resource uses a KMS key.
#     auth-alternative  one of the rows with this trigger for the call is needed, depending on
#                       how the call authenticates (redshift-data ExecuteStatement: temporary
#                       credentials for a cluster database user, for the IAM identity, or for a
#                       Serverless workgroup); none when a Secrets Manager secret is used.
#   source            iamlive | iam-policy-autopilot
# Sources:
#   iamlive: iann0036/iamlive sdk-method-iam-map (2022-08-19), MIT, see LICENSE-iamlive.
#     Only iam:PassRole, from templates that name request parameters; two paths corrected
#     (scripts/make-dependent-actions.py PATH_FIXES). Corrections to iamlive:
#     - NOT_PASSED_ROLE: parameters that are not a role being passed are dropped (appsync
#       Create/UpdateDataSource signingRegion/signingServiceName; budgets
#       Create/UpdateBudgetAction IamActionDefinition targets, ExecutionRoleArn kept;
#       IAM users in opsworks Create/DeleteUserProfile and iotsitewise
#       Create/UpdateAccessPolicy), and the rows of mq UpdateBroker (LDAP fields),
#       quicksight RegisterUser and cloudformation SetStackPolicy (paths of other
#       operations) with them.
#     - HIDDEN_STATE_PATH_RE: launch-template, launch-configuration and configuration-
#       template names (paths containing LaunchTemplate, LaunchConfiguration or
#       TemplateName) are not triggers: PassRole is needed only if the template carries
#       an instance profile, which the event does not show. Rows left with no path dropped.
#   iam-policy-autopilot: awslabs/iam-policy-autopilot fas_*.json (forward access sessions)
#     and service-configuration.json, Apache-2.0, see LICENSE-iam-policy-autopilot.
"""

with open(out_path, "w", encoding="utf-8", newline="\n") as f:
    f.write(HEADER)
    for r in sorted(rows):
        f.write("\t".join(r) + "\n")

by = collections.Counter((r[4], r[3].split(":", 1)[0]) for r in rows)
print(f"wrote {os.path.relpath(out_path, root)}: {len(rows)} rows")
for (src, trig), n in sorted(by.items()):
    print(f"  {src:22} {trig:18} {n}")
for m, ps in sorted(hidden_paths.items()):
    print(f"  hidden-state paths removed: {m}: {'|'.join(ps)}", file=sys.stderr)
for k, n in sorted(skipped.items()):
    print(f"  skipped: {k}: {n}", file=sys.stderr)
for w in warnings:
    print(f"  warning: {w}", file=sys.stderr)
