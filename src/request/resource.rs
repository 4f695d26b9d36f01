//! The resources one action of a CloudTrail event acted on, as IAM authorised them: the
//! ARNs of the resource types the catalogue lists for the action, never a guess.
//!
//! In order:
//!
//! 1. an action the catalogue gives no resource type is [`ResourceStatus::NotScoped`]:
//!    a policy can only grant it on `*`;
//! 2. a rule for the common services (S3, DynamoDB, KMS, Lambda, SQS, SNS, CloudWatch and
//!    its Logs, Secrets Manager, SSM, EC2, IAM, STS, CloudTrail, Route 53) builds the ARNs
//!    from `requestParameters`, `responseElements`, the IAM snapshot's names and the
//!    event's partition, region and account, filling the catalogue's ARN template of each
//!    resource type the call touches;
//! 3. otherwise, for an action the catalogue gives exactly one resource type, the ARNs in
//!    `resources[]` that have that type's shape.
//!
//! Anything else is [`ResourceStatus::Underivable`]. An action whose call touches several
//! resource types (`ec2:RunInstances`) is derived only where a rule knows every type the
//! call touches: a policy narrowed to part of a call's resources would deny the call.

use std::collections::HashMap;

use super::event::EventFacts;
use super::json::{EventJson, Json};
use crate::catalog::ActionCatalog;

/// Whether an action's resources were derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceStatus {
    /// The ARNs are known.
    Derived,
    /// The action supports no resource-level permission: only `*` grants it.
    NotScoped,
    /// The action has resources the event does not name well enough.
    Underivable,
}

impl ResourceStatus {
    /// The status that [`as_str`](Self::as_str) names.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Derived, Self::NotScoped, Self::Underivable]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    /// `derived`, `not_scoped` or `underivable`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceStatus::Derived => "derived",
            ResourceStatus::NotScoped => "not_scoped",
            ResourceStatus::Underivable => "underivable",
        }
    }
}

/// An action's resources in one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resources {
    pub status: ResourceStatus,
    /// The ARNs, sorted and distinct; empty unless derived.
    pub arns: Vec<String>,
}

impl Resources {
    fn underivable() -> Self {
        Self {
            status: ResourceStatus::Underivable,
            arns: Vec::new(),
        }
    }
}

/// The ARNs of an account's IAM users, groups and roles by name, from the store's IAM
/// snapshot: what turns a `userName` or `roleName` in a request into an ARN with its path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IamNames {
    /// (account, `user`|`group`|`role`, lower-cased name) -> ARN. IAM names are unique
    /// within an account whatever their case.
    arns: HashMap<(String, String, String), String>,
}

impl IamNames {
    /// Records one entity.
    pub fn insert(&mut self, account: &str, kind: &str, name: &str, arn: &str) {
        self.arns.insert(
            (
                account.to_owned(),
                kind.to_owned(),
                name.to_ascii_lowercase(),
            ),
            arn.to_owned(),
        );
    }

    /// The ARN of `kind` `name` in `account`.
    pub fn arn(&self, account: &str, kind: &str, name: &str) -> Option<&str> {
        self.arns
            .get(&(
                account.to_owned(),
                kind.to_owned(),
                name.to_ascii_lowercase(),
            ))
            .map(String::as_str)
    }

    /// The ARNs of every `kind` (`user`, `group`, `role`) the snapshot of `account` has.
    pub fn arns_of<'s>(&'s self, account: &'s str, kind: &'s str) -> impl Iterator<Item = &'s str> {
        self.arns
            .iter()
            .filter(move |((a, k, _), _)| a == account && k == kind)
            .map(|(_, arn)| arn.as_str())
    }

    /// How many entities are known.
    pub fn len(&self) -> usize {
        self.arns.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.arns.is_empty()
    }
}

/// The resources `action` acted on in the event `e`.
pub fn event_resources(e: &EventFacts<'_>, action: &str) -> Resources {
    ResourceDeriver::new(e).resources(action)
}

/// The resources of one event's actions, its request and response parsed once, and only
/// when an action needs them.
pub struct ResourceDeriver<'a> {
    facts: &'a EventFacts<'a>,
    event: std::cell::OnceCell<Event<'a>>,
}

impl<'a> ResourceDeriver<'a> {
    /// A deriver for the event `facts`.
    pub fn new(facts: &'a EventFacts<'a>) -> Self {
        Self {
            facts,
            event: std::cell::OnceCell::new(),
        }
    }

    /// The resources `action` acted on in the event.
    pub fn resources(&self, action: &str) -> Resources {
        let catalog = ActionCatalog::embedded();
        let Some(known) = catalog.action(action) else {
            return Resources::underivable();
        };
        if known.resources.is_empty() {
            return Resources {
                status: ResourceStatus::NotScoped,
                arns: Vec::new(),
            };
        }
        let event = self.event.get_or_init(|| Event::new(self.facts));
        derive(event, self.facts, known)
    }
}

fn derive(event: &Event<'_>, e: &EventFacts<'_>, known: &crate::catalog::Action) -> Resources {
    let catalog = ActionCatalog::embedded();
    let kinds: Vec<&str> = known.resources.iter().map(|r| r.kind.as_str()).collect();
    let service = known.service().to_ascii_lowercase();
    let answer = match rule(event, &service, known.short_name(), &kinds) {
        Rule::Arns(arns) => Some(arns),
        Rule::Refuse => None,
        Rule::Unknown if kinds.len() == 1 => {
            let template = catalog
                .service(&service)
                .and_then(|s| s.resource_types.iter().find(|t| t.name == kinds[0]))
                .map(|t| t.arn.as_str());
            template.map(|t| from_resources(e.resources, t))
        }
        Rule::Unknown => None,
    };
    match answer {
        Some(mut arns) if !arns.is_empty() && arns.iter().all(|a| is_complete(a)) => {
            arns.sort_unstable();
            arns.dedup();
            Resources {
                status: ResourceStatus::Derived,
                arns,
            }
        }
        _ => Resources::underivable(),
    }
}

/// An ARN with every field a resource ARN needs: `arn:partition:service:...:resource`,
/// no empty resource and no template variable left.
fn is_complete(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && !parts[2].is_empty()
        && !parts[5].is_empty()
        && !arn.contains("${")
}

/// What a service rule says.
enum Rule {
    /// These ARNs (empty: the event does not name them).
    Arns(Vec<String>),
    /// The rule knows the call, and that the event cannot tell: no fallback.
    Refuse,
    /// No rule for the call: `resources[]` may tell, for an action of one resource type.
    Unknown,
}

impl Rule {
    fn from(arns: Option<Vec<String>>) -> Rule {
        match arns {
            Some(arns) if !arns.is_empty() => Rule::Arns(arns),
            _ => Rule::Refuse,
        }
    }

    fn one(arn: Option<String>) -> Rule {
        Rule::from(arn.map(|a| vec![a]))
    }
}

/// The event with its JSON parsed once, and the parts every ARN needs.
struct Event<'a> {
    facts: &'a EventFacts<'a>,
    json: EventJson<'a>,
    partition: &'a str,
}

impl<'a> Event<'a> {
    fn new(facts: &'a EventFacts<'a>) -> Self {
        // The principal's ARN names the partition; else the region does.
        let partition = facts
            .principal_arn
            .and_then(|arn| arn.split(':').nth(1))
            .filter(|p| p.starts_with("aws"))
            .unwrap_or(match facts.region {
                Some(r) if r.starts_with("cn-") => "aws-cn",
                Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
                _ => "aws",
            });
        Self {
            facts,
            json: EventJson::new(facts.request_parameters, facts.response_elements, None),
            partition,
        }
    }

    /// A non-empty string request parameter (top level, any case of the key).
    fn get(&self, key: &str) -> Option<&str> {
        self.json
            .request()
            .field(key)?
            .as_str()
            .filter(|s| !s.is_empty())
    }

    /// A string response element at `path` (dot-separated).
    fn response(&self, path: &str) -> Option<&str> {
        self.json
            .response()
            .get(path)?
            .as_str()
            .filter(|s| !s.is_empty())
    }

    fn region(&self) -> Option<&str> {
        self.facts.region.filter(|r| !r.is_empty())
    }

    fn account(&self) -> Option<&str> {
        self.facts
            .account_id
            .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
    }

    /// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` in the caller's region and account.
    fn regional(&self, service: &str, resource: &str) -> Option<String> {
        Some(format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.partition,
            self.region()?,
            self.account()?
        ))
    }

    /// An ARN given whole, when it is of `service`.
    fn whole(&self, value: Option<&str>, service: &str) -> Option<String> {
        value
            .filter(|v| v.starts_with("arn:") && v.split(':').nth(2) == Some(service))
            .map(str::to_owned)
    }

    /// `resources[]` ARNs of `service` whose resource part starts with `prefix`.
    fn listed(&self, service: &str, prefix: &str) -> Vec<String> {
        self.facts
            .resources
            .iter()
            .filter(|arn| {
                let parts: Vec<&str> = arn.splitn(6, ':').collect();
                parts.len() == 6 && parts[2] == service && parts[5].starts_with(prefix)
            })
            .map(|arn| (*arn).to_owned())
            .collect()
    }
}

fn ids<'v>(value: &'v Json<'_>, paths: &[&str]) -> Vec<&'v str> {
    let mut out = Vec::new();
    for path in paths {
        value.strings_at(path, &mut out);
    }
    out
}

/// The service rules. `action` is the name without its prefix, `kinds` the catalogue's
/// resource types for it.
fn rule(e: &Event<'_>, service: &str, action: &str, kinds: &[&str]) -> Rule {
    let has = |kind: &str| kinds.contains(&kind);
    match service {
        "s3" => s3(e, action, kinds),
        "dynamodb" => {
            let Some(table) = e.get("tableName") else {
                return Rule::Unknown;
            };
            let table_arn = if table.starts_with("arn:") {
                e.whole(Some(table), "dynamodb")
            } else {
                e.regional("dynamodb", &format!("table/{table}"))
            };
            // A Query or Scan of an index is authorised on the index alone.
            match e.get("indexName") {
                Some(index) if has("index") => {
                    Rule::one(table_arn.map(|t| format!("{t}/index/{index}")))
                }
                Some(_) => Rule::Refuse,
                None if has("table") && kinds.iter().all(|k| ["table", "index"].contains(k)) => {
                    Rule::one(table_arn)
                }
                None => Rule::Refuse,
            }
        }
        "kms" => kms(e, action, kinds),
        "lambda" => {
            if !kinds.iter().all(|k| k.starts_with("function")) {
                return Rule::Unknown;
            }
            let name = e.get("functionName").or(e.response("functionName"));
            let Some(name) = name else {
                return Rule::Unknown;
            };
            let qualifier = e.get("qualifier");
            let arn = if name.starts_with("arn:") {
                e.whole(Some(name), "lambda")
            } else if name.contains(':') {
                // A partial ARN (`123456789012:function:f`) or `f:alias`: not resolved.
                None
            } else {
                e.regional("lambda", &format!("function:{name}"))
            };
            // A qualifier in the request makes the call's resource the qualified ARN.
            let arn = match (arn, qualifier) {
                (Some(arn), Some(q)) if arn.matches(':').count() == 6 => Some(format!("{arn}:{q}")),
                (_, Some(_)) => None,
                (arn, None) => arn,
            };
            Rule::one(arn)
        }
        "sqs" => {
            if kinds != ["queue"] {
                return Rule::Unknown;
            }
            let url = e.get("queueUrl").or(e.response("queueUrl"));
            if let Some(url) = url {
                return Rule::one(queue_arn(e, url));
            }
            match e.get("queueName") {
                Some(name) => Rule::one(e.regional("sqs", name)),
                None => Rule::Unknown,
            }
        }
        "sns" => {
            if kinds != ["topic"] {
                return Rule::Unknown;
            }
            let topic = e
                .whole(e.get("topicArn"), "sns")
                .or_else(|| e.whole(e.response("topicArn"), "sns"));
            match (topic, e.get("targetArn"), e.get("phoneNumber")) {
                (Some(topic), ..) => Rule::Arns(vec![topic]),
                // A publish to an endpoint or a phone number names no topic.
                (None, Some(_), _) | (None, _, Some(_)) => Rule::Refuse,
                (None, None, None) => Rule::Unknown,
            }
        }
        "logs" => {
            let group = e
                .get("logGroupName")
                .map(str::to_owned)
                .or_else(|| log_group_of(e.get("logGroupIdentifier")?));
            let Some(group) = group else {
                return Rule::Unknown;
            };
            if kinds == ["log-stream"] {
                let Some(stream) = e.get("logStreamName") else {
                    return Rule::Refuse;
                };
                Rule::one(e.regional("logs", &format!("log-group:{group}:log-stream:{stream}")))
            } else if kinds == ["log-group"] {
                Rule::one(e.regional("logs", &format!("log-group:{group}")))
            } else {
                Rule::Unknown
            }
        }
        "secretsmanager" => {
            // A secret's ARN ends in six random characters a name does not carry.
            let arn = e
                .whole(e.get("secretId"), "secretsmanager")
                .or_else(|| e.whole(e.response("arn"), "secretsmanager"));
            match arn {
                Some(arn) if kinds.len() == 1 => Rule::Arns(vec![arn]),
                _ => Rule::Unknown,
            }
        }
        "ssm" if kinds == ["session"] => match e.get("sessionId") {
            Some(id) => Rule::one(e.regional("ssm", &format!("session/{id}"))),
            None => Rule::Unknown,
        },
        // Calls about one instance (the SSM agent's own): an EC2 instance, or a hybrid
        // managed instance (`mi-`).
        "ssm"
            if kinds
                .iter()
                .all(|k| ["instance", "managed-instance"].contains(k)) =>
        {
            match e.get("instanceId") {
                Some(id) if id.starts_with("i-") => {
                    Rule::one(e.regional("ec2", &format!("instance/{id}")))
                }
                Some(id) if id.starts_with("mi-") => {
                    Rule::one(e.regional("ssm", &format!("managed-instance/{id}")))
                }
                _ => Rule::Refuse,
            }
        }
        "ssm" => {
            if kinds != ["parameter"] {
                return Rule::Unknown;
            }
            let names = ids(e.json.request(), &["name", "names", "path"]);
            if names.is_empty() {
                return Rule::Unknown;
            }
            Rule::from(
                names
                    .iter()
                    .map(|n| {
                        if n.starts_with("arn:") {
                            e.whole(Some(n), "ssm")
                        } else {
                            e.regional("ssm", &format!("parameter/{}", n.trim_start_matches('/')))
                        }
                    })
                    .collect(),
            )
        }
        "ec2" => ec2(e, action, kinds),
        // Alarms by name (a call without names lists them all: not derived) and dashboards.
        "cloudwatch" if kinds == ["alarm"] => {
            let names = ids(e.json.request(), &["alarmName", "alarmNames"]);
            Rule::from(
                names
                    .iter()
                    .map(|n| e.regional("cloudwatch", &format!("alarm:{n}")))
                    .collect(),
            )
        }
        "cloudwatch" if kinds == ["dashboard"] => {
            let names = ids(e.json.request(), &["dashboardName", "dashboardNames"]);
            Rule::from(
                names
                    .iter()
                    .map(|n| {
                        e.account()
                            .map(|a| format!("arn:{}:cloudwatch::{a}:dashboard/{n}", e.partition))
                    })
                    .collect(),
            )
        }
        // A trail by name (in the caller's region) or by ARN.
        "cloudtrail" if kinds == ["trail"] => match e.get("name").or(e.get("trailName")) {
            Some(name) if name.starts_with("arn:") => Rule::one(e.whole(Some(name), "cloudtrail")),
            Some(name) => Rule::one(e.regional("cloudtrail", &format!("trail/{name}"))),
            None => Rule::Unknown,
        },
        "route53" if kinds == ["hostedzone"] => match e.get("hostedZoneId") {
            Some(id) => {
                let id = id.trim_start_matches("/hostedzone/");
                Rule::Arns(vec![format!(
                    "arn:{}:route53:::hostedzone/{id}",
                    e.partition
                )])
            }
            None => Rule::Unknown,
        },
        "iam" => iam(e, kinds),
        "sts" => match kinds {
            ["role"] => {
                let role = e.whole(e.get("roleArn"), "iam");
                Rule::from(
                    role.map(|r| vec![r])
                        .or_else(|| Some(e.listed("iam", "role/"))),
                )
            }
            ["federated-user"] => match e.get("name") {
                Some(name) => Rule::one(
                    e.account()
                        .map(|a| format!("arn:{}:sts::{a}:federated-user/{name}", e.partition)),
                ),
                None => Rule::Refuse,
            },
            _ => Rule::Unknown,
        },
        _ => Rule::Unknown,
    }
}

fn s3(e: &Event<'_>, action: &str, kinds: &[&str]) -> Rule {
    let Some(bucket) = e.get("bucketName") else {
        return Rule::Unknown;
    };
    // Through an access point the request names the access point: not derived.
    if bucket.starts_with("arn:") || bucket.contains('/') {
        return Rule::Refuse;
    }
    let p = e.partition;
    if kinds.contains(&"object") {
        // CopyObject and UploadPartCopy read their source: `x-amz-copy-source`.
        let source = e.get("x-amz-copy-source");
        if action.eq_ignore_ascii_case("GetObject") && source.is_some() {
            let source = source.unwrap_or_default();
            let source = source.trim_start_matches('/');
            let source = source.split_once("?versionId=").map_or(source, |(s, _)| s);
            return match percent_decode(source) {
                Some(path) if path.contains('/') && !path.starts_with("arn:") => {
                    Rule::Arns(vec![format!("arn:{p}:s3:::{path}")])
                }
                _ => Rule::Refuse,
            };
        }
        match e.get("key") {
            Some(key) => Rule::Arns(vec![format!("arn:{p}:s3:::{bucket}/{key}")]),
            None => Rule::Refuse,
        }
    } else if kinds.contains(&"bucket") {
        Rule::Arns(vec![format!("arn:{p}:s3:::{bucket}")])
    } else {
        Rule::Unknown
    }
}

fn kms(e: &Event<'_>, action: &str, kinds: &[&str]) -> Rule {
    // CloudTrail lists the key a call used in resources[]; a key id in the request may be
    // an alias, which IAM resolves to the key.
    let mut keys = e.listed("kms", "key/");
    if keys.is_empty() {
        let id = e.get("keyId").or(e.get("targetKeyId"));
        match id {
            Some(id) if id.starts_with("arn:") && id.contains(":key/") => {
                keys.extend(e.whole(Some(id), "kms"));
            }
            Some(id) if !id.starts_with("arn:") && !id.starts_with("alias/") => {
                keys.extend(e.regional("kms", &format!("key/{id}")));
            }
            _ => {}
        }
    }
    if kinds == ["key"] {
        return Rule::from(Some(keys));
    }
    if kinds.iter().all(|k| ["alias", "key"].contains(k)) && action.ends_with("Alias") {
        // CreateAlias, UpdateAlias and DeleteAlias are authorised on the alias and the key.
        let alias = e.get("aliasName").and_then(|a| {
            if a.starts_with("arn:") {
                e.whole(Some(a), "kms")
            } else {
                e.regional("kms", a)
            }
        });
        return match alias {
            Some(alias) if keys.len() == 1 => Rule::Arns(vec![alias, keys.remove(0)]),
            _ => Rule::Refuse,
        };
    }
    Rule::Unknown
}

/// EC2 calls on named instances, volumes and security groups: only where the catalogue
/// lists those types and nothing else (`ec2:AttachVolume`: an instance and a volume).
fn ec2(e: &Event<'_>, _action: &str, kinds: &[&str]) -> Rule {
    let mut arns = Vec::new();
    for kind in kinds {
        let (paths, prefix): (&[&str], &str) = match *kind {
            "instance" => (&["instanceId", "instancesSet.items.instanceId"], "instance"),
            "volume" => (&["volumeId"], "volume"),
            "security-group" => (&["groupId"], "security-group"),
            _ => return Rule::Unknown,
        };
        let found = ids(e.json.request(), paths);
        if found.is_empty() {
            return Rule::Refuse;
        }
        for id in found {
            match e.regional("ec2", &format!("{prefix}/{id}")) {
                Some(arn) => arns.push(arn),
                None => return Rule::Refuse,
            }
        }
    }
    Rule::from(Some(arns))
}

/// IAM: ARNs given whole (`policyArn`, a created entity's ARN in the response), the caller
/// itself when a user acts on its own user, and users, groups and roles by name through
/// the IAM snapshot ([`IamNames`]). A name the snapshot does not know does not make an
/// ARN: the ARN holds a path the request does not carry.
fn iam(e: &Event<'_>, kinds: &[&str]) -> Rule {
    let known = |kind: &str, key: &str| -> Option<String> {
        let names = e.facts.iam_names?;
        Some(names.arn(e.account()?, kind, e.get(key)?)?.to_owned())
    };
    match kinds {
        ["policy"] => {
            let arn = e
                .whole(e.get("policyArn"), "iam")
                .or_else(|| e.whole(e.response("policy.arn"), "iam"));
            Rule::one(arn)
        }
        ["role"] => {
            let passed = role_arns(e.json.request());
            let arn = e
                .whole(e.response("role.arn"), "iam")
                .or_else(|| e.whole(e.get("roleArn"), "iam"))
                .or_else(|| match passed.as_slice() {
                    [one] if e.get("roleName").is_none() => Some((*one).to_owned()),
                    _ => None,
                })
                .or_else(|| known("role", "roleName"));
            Rule::one(arn)
        }
        ["group"] => Rule::one(
            e.whole(e.response("group.arn"), "iam")
                .or_else(|| known("group", "groupName")),
        ),
        ["user"] => {
            let created = e.whole(e.response("user.arn"), "iam");
            let own = match (e.facts.identity_type, e.facts.principal_arn) {
                (Some("IAMUser"), Some(me)) => {
                    let mine = e.facts.user_name;
                    match e.get("userName") {
                        None => Some(me.to_owned()),
                        Some(name) if Some(name) == mine => Some(me.to_owned()),
                        Some(_) => None,
                    }
                }
                _ => None,
            };
            Rule::one(created.or(own).or_else(|| known("user", "userName")))
        }
        _ => Rule::Unknown,
    }
}

/// Every IAM role ARN among the string values of `value`: the roles a call passes.
fn role_arns<'v>(value: &'v Json<'_>) -> Vec<&'v str> {
    fn walk<'v>(value: &'v Json<'_>, out: &mut Vec<&'v str>) {
        match value {
            Json::Str(s) if s.starts_with("arn:aws") && s.contains(":role/") => out.push(s),
            Json::Array(items) => items.iter().for_each(|v| walk(v, out)),
            Json::Object(_) => value.values().into_iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}

/// `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME` (or the legacy
/// `https://REGION.queue.amazonaws.com/...`) as the queue's ARN.
fn queue_arn(e: &Event<'_>, url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let mut parts = rest.trim_end_matches('/').split('/');
    let host = parts.next()?;
    let account = parts.next()?;
    let name = parts.next()?;
    if parts.next().is_some() || account.len() != 12 || name.is_empty() {
        return None;
    }
    let region = host
        .strip_prefix("sqs.")
        .and_then(|h| h.split('.').next())
        .or_else(|| host.split_once(".queue.").map(|(r, _)| r))
        .filter(|r| r.contains('-'))
        .or(e.region())?;
    Some(format!("arn:{}:sqs:{region}:{account}:{name}", e.partition))
}

/// A log group's name from `logGroupIdentifier` (a name or an ARN, with or without `:*`).
fn log_group_of(identifier: &str) -> Option<String> {
    if let Some(rest) = identifier.strip_prefix("arn:") {
        let name = rest.splitn(6, ':').nth(5)?.strip_prefix("log-group:")?;
        return Some(name.trim_end_matches(":*").to_owned());
    }
    Some(identifier.to_owned())
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The ARNs in `resources[]` that have the shape of `template` (the catalogue's
/// `arn:${Partition}:sqs:${Region}:${Account}:${QueueName}`).
fn from_resources(resources: &[&str], template: &str) -> Vec<String> {
    resources
        .iter()
        .filter(|arn| fits(template, arn))
        .map(|arn| (*arn).to_owned())
        .collect()
}

/// Whether `arn` has the shape of `template`: literal text equal, each `${Var}` one or
/// more characters, with no `:` unless it is the last, and no `/` in names that never
/// hold one.
fn fits(template: &str, arn: &str) -> bool {
    enum Piece<'t> {
        Text(&'t str),
        Var(&'t str),
    }
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            pieces.push(Piece::Text(&rest[..start]));
        }
        let Some(end) = rest[start..].find('}') else {
            return false;
        };
        pieces.push(Piece::Var(&rest[start + 2..start + end]));
        rest = &rest[start + end + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    fn go(pieces: &[Piece<'_>], arn: &str) -> bool {
        match pieces.split_first() {
            None => arn.is_empty(),
            Some((Piece::Text(t), rest)) => arn.strip_prefix(t).is_some_and(|a| go(rest, a)),
            Some((Piece::Var(name), rest)) => {
                let last = rest.is_empty();
                let no_slash = matches!(
                    *name,
                    "Partition" | "Region" | "Account" | "BucketName" | "TableName"
                ) || name.ends_with("Id");
                // One or more characters: a variable is never empty.
                for (i, c) in arn.char_indices() {
                    if (c == ':' && !last) || (c == '/' && no_slash) {
                        break;
                    }
                    if go(rest, &arn[i + c.len_utf8()..]) {
                        return true;
                    }
                }
                false
            }
        }
    }
    go(&pieces, arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "123456789012";

    fn event<'a>(
        source: &'a str,
        name: &'a str,
        request: &'a str,
        resources: &'a [&'a str],
    ) -> EventFacts<'a> {
        EventFacts {
            event_source: source,
            event_name: name,
            region: Some("eu-west-1"),
            account_id: Some(ACCOUNT),
            principal_arn: Some("arn:aws:iam::123456789012:user/dev/ana"),
            identity_type: Some("IAMUser"),
            user_name: Some("ana"),
            resources,
            request_parameters: Some(request),
            ..EventFacts::default()
        }
    }

    fn arns(e: &EventFacts<'_>, action: &str) -> Vec<String> {
        let r = event_resources(e, action);
        assert_eq!(
            r.status,
            ResourceStatus::Derived,
            "{action} of {:?}",
            e.request_parameters
        );
        r.arns
    }

    fn status(e: &EventFacts<'_>, action: &str) -> ResourceStatus {
        event_resources(e, action).status
    }

    #[test]
    fn template_shapes() {
        let object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
        let bucket = "arn:${Partition}:s3:::${BucketName}";
        assert!(fits(object, "arn:aws:s3:::b/k/x.txt"));
        assert!(!fits(object, "arn:aws:s3:::b"));
        assert!(fits(bucket, "arn:aws:s3:::b"));
        assert!(!fits(bucket, "arn:aws:s3:::b/k"));
        let stream = "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}";
        assert!(fits(
            stream,
            "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/f:log-stream:2026/x"
        ));
        let queue = "arn:${Partition}:sqs:${Region}:${Account}:${QueueName}";
        assert!(fits(queue, "arn:aws:sqs:eu-west-1:123456789012:jobs"));
        assert!(
            !fits(queue, "arn:aws:sqs:eu-west-1::jobs"),
            "no empty account"
        );
        assert!(!fits(queue, "arn:aws:sns:eu-west-1:123456789012:jobs"));
    }

    #[test]
    fn requests_nested_past_the_parser_limit_derive_nothing_without_recursing() {
        // Ingest refuses them now (`ingest::record::MAX_DEPTH`); a store written before
        // may hold them, and serde_json's limit of 128 stops the parse, not the stack.
        let none: &[&str] = &[];
        let deep = format!(
            r#"{{"bucketName":"b","key":{}"k"{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let get = event("s3.amazonaws.com", "GetObject", &deep, none);
        assert_ne!(status(&get, "s3:GetObject"), ResourceStatus::Derived);
        let ok = event(
            "s3.amazonaws.com",
            "GetObject",
            r#"{"bucketName":"b","key":"k"}"#,
            none,
        );
        assert_eq!(arns(&ok, "s3:GetObject"), ["arn:aws:s3:::b/k"]);
    }

    #[test]
    fn s3_objects_and_buckets_by_the_catalogue() {
        let none: &[&str] = &[];
        let get = event(
            "s3.amazonaws.com",
            "GetObject",
            r#"{"bucketName":"reports","key":"2026/q1 *final?.csv","Host":"reports.s3.amazonaws.com"}"#,
            none,
        );
        assert_eq!(
            arns(&get, "s3:GetObject"),
            ["arn:aws:s3:::reports/2026/q1 *final?.csv"]
        );
        // resources[] lists the object and its bucket: the action's type decides.
        let listed = ["arn:aws:s3:::reports/a.csv", "arn:aws:s3:::reports"];
        let put = event(
            "s3.amazonaws.com",
            "PutObject",
            r#"{"bucketName":"reports","key":"a.csv"}"#,
            &listed,
        );
        assert_eq!(arns(&put, "s3:PutObject"), ["arn:aws:s3:::reports/a.csv"]);
        let list = event(
            "s3.amazonaws.com",
            "ListObjects",
            r#"{"bucketName":"reports","prefix":"2026/"}"#,
            none,
        );
        assert_eq!(arns(&list, "s3:ListBucket"), ["arn:aws:s3:::reports"]);
        // A multi-object delete does not log its keys.
        let delete = event(
            "s3.amazonaws.com",
            "DeleteObjects",
            r#"{"bucketName":"reports","delete":""}"#,
            none,
        );
        assert_eq!(
            status(&delete, "s3:DeleteObject"),
            ResourceStatus::Underivable
        );
        // CopyObject writes its target and reads its source.
        let copy = event(
            "s3.amazonaws.com",
            "CopyObject",
            r#"{"bucketName":"dst","key":"b.csv","x-amz-copy-source":"src/in%20box/a.csv?versionId=3"}"#,
            none,
        );
        assert_eq!(arns(&copy, "s3:PutObject"), ["arn:aws:s3:::dst/b.csv"]);
        assert_eq!(
            arns(&copy, "s3:GetObject"),
            ["arn:aws:s3:::src/in box/a.csv"]
        );
        // Through an access point: not derived.
        let ap = event(
            "s3.amazonaws.com",
            "GetObject",
            r#"{"bucketName":"arn:aws:s3:eu-west-1:123456789012:accesspoint/ap","key":"k"}"#,
            none,
        );
        assert_eq!(status(&ap, "s3:GetObject"), ResourceStatus::Underivable);
        assert_eq!(
            status(&get, "s3:ListAllMyBuckets"),
            ResourceStatus::NotScoped
        );
    }

    #[test]
    fn dynamodb_tables_and_indexes() {
        let none: &[&str] = &[];
        let query = event(
            "dynamodb.amazonaws.com",
            "Query",
            r#"{"tableName":"orders","indexName":"by-customer"}"#,
            none,
        );
        assert_eq!(
            arns(&query, "dynamodb:Query"),
            ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders/index/by-customer"]
        );
        let get = event(
            "dynamodb.amazonaws.com",
            "GetItem",
            r#"{"tableName":"arn:aws:dynamodb:eu-west-1:210987654321:table/shared","key":{}}"#,
            none,
        );
        assert_eq!(
            arns(&get, "dynamodb:GetItem"),
            ["arn:aws:dynamodb:eu-west-1:210987654321:table/shared"]
        );
        let batch = event(
            "dynamodb.amazonaws.com",
            "BatchGetItem",
            r#"{"requestItems":[]}"#,
            none,
        );
        assert_eq!(
            status(&batch, "dynamodb:BatchGetItem"),
            ResourceStatus::Underivable
        );
        assert_eq!(
            status(&batch, "dynamodb:ListTables"),
            ResourceStatus::NotScoped
        );
    }

    #[test]
    fn kms_keys_and_aliases() {
        let key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let listed = [key];
        // An alias in the request; CloudTrail names the key in resources[].
        let decrypt = event(
            "kms.amazonaws.com",
            "Decrypt",
            r#"{"keyId":"alias/app","encryptionAlgorithm":"SYMMETRIC_DEFAULT"}"#,
            &listed,
        );
        assert_eq!(arns(&decrypt, "kms:Decrypt"), [key]);
        let none: &[&str] = &[];
        let by_id = event(
            "kms.amazonaws.com",
            "DescribeKey",
            r#"{"keyId":"1234abcd-12ab-34cd-56ef-1234567890ab"}"#,
            none,
        );
        assert_eq!(arns(&by_id, "kms:DescribeKey"), [key]);
        let alias_only = event(
            "kms.amazonaws.com",
            "Encrypt",
            r#"{"keyId":"alias/app"}"#,
            none,
        );
        assert_eq!(
            status(&alias_only, "kms:Encrypt"),
            ResourceStatus::Underivable
        );
        let create = event(
            "kms.amazonaws.com",
            "CreateAlias",
            r#"{"aliasName":"alias/app","targetKeyId":"1234abcd-12ab-34cd-56ef-1234567890ab"}"#,
            none,
        );
        assert_eq!(
            arns(&create, "kms:CreateAlias"),
            ["arn:aws:kms:eu-west-1:123456789012:alias/app", key]
        );
        // DeleteAlias is authorised on the key too, which the request does not name.
        let delete = event(
            "kms.amazonaws.com",
            "DeleteAlias",
            r#"{"aliasName":"alias/app"}"#,
            none,
        );
        assert_eq!(
            status(&delete, "kms:DeleteAlias"),
            ResourceStatus::Underivable
        );
    }

    #[test]
    fn lambda_functions_and_qualifiers() {
        let none: &[&str] = &[];
        let get = event(
            "lambda.amazonaws.com",
            "GetFunction20150331v2",
            r#"{"functionName":"f"}"#,
            none,
        );
        assert_eq!(
            arns(&get, "lambda:GetFunction"),
            ["arn:aws:lambda:eu-west-1:123456789012:function:f"]
        );
        let qualified = event(
            "lambda.amazonaws.com",
            "Invoke",
            r#"{"functionName":"f","qualifier":"live"}"#,
            none,
        );
        assert_eq!(
            arns(&qualified, "lambda:InvokeFunction"),
            ["arn:aws:lambda:eu-west-1:123456789012:function:f:live"]
        );
        // A partial ARN is not resolved.
        let partial = event(
            "lambda.amazonaws.com",
            "GetFunction20150331v2",
            r#"{"functionName":"123456789012:function:f"}"#,
            none,
        );
        assert_eq!(
            status(&partial, "lambda:GetFunction"),
            ResourceStatus::Underivable
        );
        // The role a CreateFunction passes is iam:PassRole's resource.
        let create = event(
            "lambda.amazonaws.com",
            "CreateFunction20150331",
            r#"{"functionName":"f","role":"arn:aws:iam::123456789012:role/service-role/f-role"}"#,
            none,
        );
        assert_eq!(
            arns(&create, "iam:PassRole"),
            ["arn:aws:iam::123456789012:role/service-role/f-role"]
        );
    }

    #[test]
    fn queues_topics_log_streams_secrets_and_parameters() {
        let none: &[&str] = &[];
        let send = event(
            "sqs.amazonaws.com",
            "SendMessage",
            r#"{"queueUrl":"https://sqs.us-east-2.amazonaws.com/210987654321/jobs"}"#,
            none,
        );
        assert_eq!(
            arns(&send, "sqs:SendMessage"),
            ["arn:aws:sqs:us-east-2:210987654321:jobs"]
        );
        let create = event(
            "sqs.amazonaws.com",
            "CreateQueue",
            r#"{"queueName":"jobs"}"#,
            none,
        );
        assert_eq!(
            arns(&create, "sqs:CreateQueue"),
            ["arn:aws:sqs:eu-west-1:123456789012:jobs"]
        );
        let publish = event(
            "sns.amazonaws.com",
            "Publish",
            r#"{"topicArn":"arn:aws:sns:eu-west-1:123456789012:alerts"}"#,
            none,
        );
        assert_eq!(
            arns(&publish, "sns:Publish"),
            ["arn:aws:sns:eu-west-1:123456789012:alerts"]
        );
        let sms = event(
            "sns.amazonaws.com",
            "Publish",
            r#"{"phoneNumber":"+15550100"}"#,
            none,
        );
        assert_eq!(status(&sms, "sns:Publish"), ResourceStatus::Underivable);
        let put = event(
            "logs.amazonaws.com",
            "PutLogEvents",
            r#"{"logGroupName":"/aws/lambda/f","logStreamName":"2026/11/28/[$LATEST]abc"}"#,
            none,
        );
        assert_eq!(
            arns(&put, "logs:PutLogEvents"),
            [
                "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/f:log-stream:2026/11/28/[$LATEST]abc"
            ]
        );
        assert_eq!(
            arns(&put, "logs:DescribeLogStreams"),
            ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/f"]
        );
        // A secret's name lacks the ARN's random suffix: only a whole ARN will do.
        let by_name = event(
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            r#"{"secretId":"db"}"#,
            none,
        );
        assert_eq!(
            status(&by_name, "secretsmanager:GetSecretValue"),
            ResourceStatus::Underivable
        );
        let created = EventFacts {
            response_elements: Some(
                r#"{"arn":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf","name":"db"}"#,
            ),
            ..event(
                "secretsmanager.amazonaws.com",
                "CreateSecret",
                r#"{"name":"db"}"#,
                none,
            )
        };
        assert_eq!(
            arns(&created, "secretsmanager:CreateSecret"),
            ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"]
        );
        let params = event(
            "ssm.amazonaws.com",
            "GetParameters",
            r#"{"names":["/app/db/url","plain"],"withDecryption":true}"#,
            none,
        );
        assert_eq!(
            arns(&params, "ssm:GetParameters"),
            [
                "arn:aws:ssm:eu-west-1:123456789012:parameter/app/db/url",
                "arn:aws:ssm:eu-west-1:123456789012:parameter/plain"
            ]
        );
    }

    #[test]
    fn ec2_only_where_every_resource_type_is_named() {
        let none: &[&str] = &[];
        let stop = event(
            "ec2.amazonaws.com",
            "StopInstances",
            r#"{"instancesSet":{"items":[{"instanceId":"i-1"},{"instanceId":"i-2"}]},"force":false}"#,
            none,
        );
        assert_eq!(
            arns(&stop, "ec2:StopInstances"),
            [
                "arn:aws:ec2:eu-west-1:123456789012:instance/i-1",
                "arn:aws:ec2:eu-west-1:123456789012:instance/i-2"
            ]
        );
        let attach = event(
            "ec2.amazonaws.com",
            "AttachVolume",
            r#"{"volumeId":"vol-1","instanceId":"i-1","device":"/dev/sdf"}"#,
            none,
        );
        assert_eq!(
            arns(&attach, "ec2:AttachVolume"),
            [
                "arn:aws:ec2:eu-west-1:123456789012:instance/i-1",
                "arn:aws:ec2:eu-west-1:123456789012:volume/vol-1"
            ]
        );
        let open = event(
            "ec2.amazonaws.com",
            "RevokeSecurityGroupIngress",
            r#"{"groupId":"sg-1","ipPermissions":{}}"#,
            none,
        );
        assert_eq!(
            arns(&open, "ec2:RevokeSecurityGroupIngress"),
            ["arn:aws:ec2:eu-west-1:123456789012:security-group/sg-1"]
        );
        // StartInstances may touch a placement group and a licence configuration too.
        assert_eq!(
            status(&stop, "ec2:StartInstances"),
            ResourceStatus::Underivable
        );
        let run = event(
            "ec2.amazonaws.com",
            "RunInstances",
            r#"{"instanceType":"t3.micro"}"#,
            none,
        );
        assert_eq!(
            status(&run, "ec2:RunInstances"),
            ResourceStatus::Underivable
        );
        assert_eq!(
            status(&run, "ec2:DescribeInstances"),
            ResourceStatus::NotScoped
        );
    }

    #[test]
    fn trails_alarms_dashboards_and_the_ssm_agents_instance() {
        let none: &[&str] = &[];
        let trail = event(
            "cloudtrail.amazonaws.com",
            "GetTrailStatus",
            r#"{"name":"org-trail"}"#,
            none,
        );
        assert_eq!(
            arns(&trail, "cloudtrail:GetTrailStatus"),
            ["arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-trail"]
        );
        let agent = event(
            "ssm.amazonaws.com",
            "UpdateInstanceInformation",
            r#"{"instanceId":"i-0abc","agentStatus":"Active"}"#,
            none,
        );
        assert_eq!(
            arns(&agent, "ssm:UpdateInstanceInformation"),
            ["arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc"]
        );
        let session = event(
            "ssm.amazonaws.com",
            "TerminateSession",
            r#"{"sessionId":"ana-0f1"}"#,
            none,
        );
        assert_eq!(
            arns(&session, "ssm:TerminateSession"),
            ["arn:aws:ssm:eu-west-1:123456789012:session/ana-0f1"]
        );
        let alarms = event(
            "monitoring.amazonaws.com",
            "DescribeAlarms",
            r#"{"alarmNames":["api-5xx","db-cpu"]}"#,
            none,
        );
        assert_eq!(
            arns(&alarms, "cloudwatch:DescribeAlarms"),
            [
                "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:api-5xx",
                "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:db-cpu"
            ]
        );
        let all = event(
            "monitoring.amazonaws.com",
            "DescribeAlarms",
            r#"{"maxRecords":100}"#,
            none,
        );
        assert_eq!(
            status(&all, "cloudwatch:DescribeAlarms"),
            ResourceStatus::Underivable
        );
        let board = event(
            "monitoring.amazonaws.com",
            "GetDashboard",
            r#"{"dashboardName":"ops"}"#,
            none,
        );
        assert_eq!(
            arns(&board, "cloudwatch:GetDashboard"),
            ["arn:aws:cloudwatch::123456789012:dashboard/ops"]
        );
    }

    #[test]
    fn iam_and_sts_from_whole_arns_and_the_caller() {
        let none: &[&str] = &[];
        let attach = event(
            "iam.amazonaws.com",
            "AttachRolePolicy",
            r#"{"roleName":"app","policyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}"#,
            none,
        );
        // A role's name without its path is no ARN.
        assert_eq!(
            status(&attach, "iam:AttachRolePolicy"),
            ResourceStatus::Underivable
        );
        let get = event(
            "iam.amazonaws.com",
            "GetPolicy",
            r#"{"policyArn":"arn:aws:iam::123456789012:policy/team/app"}"#,
            none,
        );
        assert_eq!(
            arns(&get, "iam:GetPolicy"),
            ["arn:aws:iam::123456789012:policy/team/app"]
        );
        // A user acting on itself: its own ARN, path included.
        let own = event("iam.amazonaws.com", "CreateAccessKey", "{}", none);
        assert_eq!(
            arns(&own, "iam:CreateAccessKey"),
            ["arn:aws:iam::123456789012:user/dev/ana"]
        );
        let other = event(
            "iam.amazonaws.com",
            "CreateAccessKey",
            r#"{"userName":"bob"}"#,
            none,
        );
        assert_eq!(
            status(&other, "iam:CreateAccessKey"),
            ResourceStatus::Underivable
        );
        let created = EventFacts {
            response_elements: Some(
                r#"{"role":{"arn":"arn:aws:iam::123456789012:role/ops/app","roleName":"app"}}"#,
            ),
            ..event(
                "iam.amazonaws.com",
                "CreateRole",
                r#"{"roleName":"app"}"#,
                none,
            )
        };
        assert_eq!(
            arns(&created, "iam:CreateRole"),
            ["arn:aws:iam::123456789012:role/ops/app"]
        );
        let assume = event(
            "sts.amazonaws.com",
            "AssumeRole",
            r#"{"roleArn":"arn:aws:iam::210987654321:role/audit","roleSessionName":"s"}"#,
            none,
        );
        assert_eq!(
            arns(&assume, "sts:AssumeRole"),
            ["arn:aws:iam::210987654321:role/audit"]
        );
        let federation = event(
            "sts.amazonaws.com",
            "GetFederationToken",
            r#"{"name":"bob"}"#,
            none,
        );
        assert_eq!(
            arns(&federation, "sts:GetFederationToken"),
            ["arn:aws:sts::123456789012:federated-user/bob"]
        );
        assert_eq!(
            status(&assume, "sts:GetCallerIdentity"),
            ResourceStatus::NotScoped
        );
    }

    #[test]
    fn other_services_from_resources_of_the_one_type() {
        // A service without a rule: resources[] decides for an action of one resource type.
        let stream = ["arn:aws:kinesis:eu-west-1:123456789012:stream/clicks"];
        let put = event(
            "kinesis.amazonaws.com",
            "PutRecord",
            r#"{"streamName":"clicks"}"#,
            &stream,
        );
        assert_eq!(
            arns(&put, "kinesis:PutRecord"),
            ["arn:aws:kinesis:eu-west-1:123456789012:stream/clicks"]
        );
        let elsewhere = ["arn:aws:s3:::b"];
        let other = event("kinesis.amazonaws.com", "PutRecord", "{}", &elsewhere);
        assert_eq!(
            status(&other, "kinesis:PutRecord"),
            ResourceStatus::Underivable
        );
        // An action unknown to the catalogue: never derived.
        assert_eq!(
            status(&put, "kinesis:NoSuchAction"),
            ResourceStatus::Underivable
        );
        // No account, no ARN built from parts.
        let anonymous = EventFacts {
            account_id: None,
            ..event(
                "dynamodb.amazonaws.com",
                "GetItem",
                r#"{"tableName":"orders"}"#,
                &[],
            )
        };
        assert_eq!(
            status(&anonymous, "dynamodb:GetItem"),
            ResourceStatus::Underivable
        );
    }
}
