//! Writes one CloudTrail record: the envelope (identity, session, source address, user
//! agent, TLS details, error fields, categories) around the call-specific bodies that
//! `bodies` produces.

use super::bodies;
use super::catalog::{ARCHETYPES, Call, Kind, Net, PType, Service, Session, Ua, is_service_event};
use super::json::Json;
use super::rng::{Rng, mix};
use super::world::{AWS_OCTETS, AZURE_OCTETS, Account, Principal, REGIONS, World, ip_in};

/// One element of `resources`.
pub(super) struct Res {
    /// `accountId`, when CloudTrail writes one.
    pub account: Option<String>,
    /// `type`.
    pub kind: &'static str,
    /// `ARN` (or `ARNPrefix` when `prefix`).
    pub arn: String,
    /// Written as `ARNPrefix`.
    pub prefix: bool,
}

/// Where a body writes its parts; reused across records.
#[derive(Default)]
pub(super) struct Out {
    /// `requestParameters` JSON (empty: `null`).
    pub req: Vec<u8>,
    /// `responseElements` JSON (empty: `null`).
    pub resp: Vec<u8>,
    /// `additionalEventData` JSON (empty: absent).
    pub add: Vec<u8>,
    /// `resources`.
    pub res: Vec<Res>,
    /// The ARN an error message names.
    pub primary: String,
    /// `tlsDetails.clientProvidedHostHeader` override.
    pub host: String,
    /// A call-specific not-found `errorCode`.
    pub nf_code: &'static str,
    /// A call-specific not-found `errorMessage`.
    pub nf_msg: String,
    /// Emit `serviceEventDetails` (service events).
    pub service_details: Vec<u8>,
}

impl Out {
    fn clear(&mut self) {
        self.req.clear();
        self.resp.clear();
        self.add.clear();
        self.res.clear();
        self.primary.clear();
        self.host.clear();
        self.nf_code = "";
        self.nf_msg.clear();
        self.service_details.clear();
    }
}

/// Scratch space for writing records without reallocating.
#[derive(Default)]
pub(super) struct Scratch {
    out: Out,
    ua: String,
}

/// What a call is, seen by a body.
pub(super) struct Ev<'a> {
    /// The organisation.
    pub w: &'a World,
    /// Who calls.
    pub p: &'a Principal,
    /// The caller's account.
    pub acct: &'a Account,
    /// The call.
    pub call: &'a Call,
    /// Its service.
    pub svc: &'static Service,
    /// `awsRegion`.
    pub region: &'static str,
    /// `eventTime`.
    pub t: i64,
    /// The call fails (no response).
    pub failed: bool,
    /// Session name (roles), user name (users).
    pub sess: &'a str,
    /// The caller's ARN as IAM sees it (assumed-role ARN for roles).
    pub caller: &'a str,
    /// `requestID`.
    pub request_id: &'a str,
}

impl Ev<'_> {
    /// A resource of `kind` from the caller's account, mostly the few it usually touches.
    pub(super) fn pick(&self, rng: &mut Rng, kind: Kind) -> &str {
        let pool = &self.acct.pools[kind as usize];
        let n = pool.len();
        let i = if rng.chance(0.8) {
            let base = self.p.affinity.rotate_left(kind as u32 * 5) % n as u64;
            (base as usize + rng.skewed(n.min(5))) % n
        } else {
            rng.index(n)
        };
        &pool[i]
    }

    /// Expands an ARN or id template for this call's region and account.
    pub(super) fn expand(&self, tpl: &str, name: &str) -> String {
        expand(tpl, self.region, &self.acct.id, name)
    }

    /// The ARN of `name` as a resource of this call's service.
    pub(super) fn arn(&self, name: &str) -> String {
        self.expand(self.svc.arn, name)
    }

    /// Adds an element to `resources`.
    pub(super) fn resource(
        &self,
        o: &mut Out,
        kind: &'static str,
        arn: String,
        with_account: bool,
    ) {
        o.res.push(Res {
            account: with_account.then(|| self.acct.id.clone()),
            kind,
            arn,
            prefix: false,
        });
    }
}

fn fnv(s: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for &b in s.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Expands `{r}` (region), `{a}` (account), `{n}` (name) and `{u}` (a stable id from the name).
pub(super) fn expand(tpl: &str, region: &str, account: &str, name: &str) -> String {
    let mut out = String::with_capacity(tpl.len() + name.len() + 24);
    let mut rest = tpl;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.len() >= 3 && tail.as_bytes()[2] == b'}' {
            match tail.as_bytes()[1] {
                b'r' => out.push_str(region),
                b'a' => out.push_str(account),
                b'n' => out.push_str(name),
                b'u' => Rng::new(fnv(name)).uuid_into(&mut out),
                _ => out.push_str(&tail[..3]),
            }
            rest = &tail[3..];
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// An assumed-role (or console) session at a point in time.
pub(super) struct Sess {
    /// Session name.
    pub name: String,
    /// Temporary access key.
    pub key: String,
    /// `creationDate`.
    pub created: i64,
}

/// The session a principal uses at time `t`; stable for a while, independent of file and thread.
pub(super) fn session(w: &World, p: &Principal, t: i64, rng: &mut Rng) -> Sess {
    let (block_len, sub): (i64, u64) = match p.session {
        Session::Instance => (6 * 3600, rng.below(3)),
        Session::Function => (3600, rng.below(2)),
        Session::Task => (2 * 3600, rng.below(4)),
        Session::GitHub => (900, 0),
        Session::Email => (8 * 3600, rng.below(p.people.len().max(1) as u64)),
        Session::Botocore | Session::GoSdk | Session::Fixed(_) => (3600, 0),
        Session::None => (10 * 3600, 0),
    };
    let block = t.div_euclid(block_len);
    let h = mix(&[w.seed, p.hash, block as u64, sub]);
    let mut r = Rng::new(h);
    let created = block * block_len - (h % 900) as i64;
    let acct = &w.accounts[p.account];
    let name = match p.session {
        Session::Instance => {
            let pool = &acct.pools[Kind::Instance as usize];
            pool[(p.affinity as usize).wrapping_add(sub as usize) % pool.len()].clone()
        }
        Session::Function => p.tag.clone(),
        Session::Task => r.hex(32),
        Session::GitHub => format!("GitHubActions-{}", 1000 + (h >> 8) % 9000),
        Session::Email => p.people.get(sub as usize).cloned().unwrap_or_default(),
        Session::Botocore => format!("botocore-session-{created}"),
        Session::GoSdk => format!("aws-go-sdk-{}{:03}", created, h % 1000),
        Session::Fixed(s) => s.to_string(),
        Session::None => p.name.clone(),
    };
    let key = r.access_key("ASIA");
    Sess { name, key, created }
}

/// The failure chosen for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fail {
    Denied,
    Throttled,
    NotFound,
    Invalid,
}

const S3_CONFIG_NOT_FOUND: &[(&str, &str, &str)] = &[
    (
        "GetBucketPolicy",
        "NoSuchBucketPolicy",
        "The bucket policy does not exist",
    ),
    (
        "GetBucketEncryption",
        "ServerSideEncryptionConfigurationNotFoundError",
        "The server side encryption configuration was not found",
    ),
    (
        "GetBucketTagging",
        "NoSuchTagSet",
        "The TagSet does not exist",
    ),
    (
        "GetBucketCors",
        "NoSuchCORSConfiguration",
        "The CORS configuration does not exist",
    ),
    (
        "GetBucketWebsite",
        "NoSuchWebsiteConfiguration",
        "The specified bucket does not have a website configuration",
    ),
    (
        "GetBucketLifecycle",
        "NoSuchLifecycleConfiguration",
        "The lifecycle configuration does not exist",
    ),
    (
        "GetBucketReplication",
        "ReplicationConfigurationNotFoundError",
        "The replication configuration was not found",
    ),
    (
        "GetBucketObjectLockConfiguration",
        "ObjectLockConfigurationNotFoundError",
        "Object Lock configuration does not exist for this bucket",
    ),
    (
        "GetBucketPublicAccessBlock",
        "NoSuchPublicAccessBlockConfiguration",
        "The public access block configuration was not found",
    ),
    (
        "GetBucketOwnershipControls",
        "OwnershipControlsNotFoundError",
        "The bucket ownership controls were not found",
    ),
];

/// The bucket-configuration `errorCode` and message for a missing configuration, if `name` reads one.
pub(super) fn s3_not_found(
    name: &str,
) -> Option<&'static (&'static str, &'static str, &'static str)> {
    S3_CONFIG_NOT_FOUND.iter().find(|(n, _, _)| *n == name)
}

fn choose_failure(p: &Principal, call: &Call, rank: usize, rng: &mut Rng) -> Option<Fail> {
    if is_service_event(call.name) {
        return None;
    }
    if p.broken == Some(rank) && rng.chance(0.9) {
        return Some(Fail::Denied);
    }
    let svc = call.service();
    if svc.key == "s3"
        && S3_CONFIG_NOT_FOUND.iter().any(|(n, _, _)| *n == call.name)
        && rng.chance(0.12)
    {
        return Some(Fail::NotFound);
    }
    if !rng.chance(p.error_rate) {
        return None;
    }
    let x = rng.f64();
    Some(if x < 0.6 {
        Fail::Denied
    } else if x < 0.72 {
        Fail::Throttled
    } else if x < 0.93 {
        Fail::NotFound
    } else {
        Fail::Invalid
    })
}

/// The IAM action a call needs (`s3:ListBucket` for ListObjects, ...).
pub(super) fn iam_action(call: &Call) -> String {
    let svc = call.service();
    let name = call.name;
    let action: &str = match (svc.key, name) {
        ("s3", "ListObjects") | ("s3", "HeadBucket") => "ListBucket",
        ("s3", "ListObjectVersions") => "ListBucketVersions",
        ("s3", "HeadObject") => "GetObject",
        (
            "s3",
            "CreateMultipartUpload" | "UploadPart" | "CompleteMultipartUpload" | "CopyObject",
        ) => "PutObject",
        ("s3", "DeleteObjects") => "DeleteObject",
        ("s3", "GetBucketLifecycle") => "GetLifecycleConfiguration",
        ("s3", "PutBucketLifecycle") => "PutLifecycleConfiguration",
        ("s3", "GetBucketEncryption") => "GetEncryptionConfiguration",
        ("s3", "PutBucketEncryption") => "PutEncryptionConfiguration",
        ("s3", "GetBucketReplication") => "GetReplicationConfiguration",
        ("lambda", "Invoke") => "InvokeFunction",
        ("lambda", _) => name
            .find(|c: char| c.is_ascii_digit())
            .map_or(name, |i| &name[..i]),
        _ => name,
    };
    let prefix = if svc.key == "sns" { "SNS" } else { svc.iam };
    format!("{prefix}:{action}")
}

fn error_fields(e: &Ev, o: &Out, fail: Fail, rng: &mut Rng) -> (String, String) {
    let svc = e.svc;
    let resource = if o.primary.is_empty() {
        "*"
    } else {
        o.primary.as_str()
    };
    match fail {
        Fail::Denied => {
            let action = iam_action(e.call);
            let why = if rng.chance(0.12) {
                "with an explicit deny in a service control policy".to_string()
            } else {
                format!("because no identity-based policy allows the {action} action")
            };
            let msg = if svc.key == "ec2" {
                if e.call.read_only {
                    format!(
                        "You are not authorized to perform this operation. User: {} is not authorized to perform: {action} {why}",
                        e.caller
                    )
                } else {
                    format!(
                        "You are not authorized to perform this operation. User: {} is not authorized to perform: {action} on resource: {resource} {why}. Encoded authorization failure message: {}",
                        e.caller,
                        {
                            let n = 360 + rng.below(400) as usize;
                            rng.base64(n)
                        }
                    )
                }
            } else {
                format!(
                    "User: {} is not authorized to perform: {action} on resource: {resource} {why}",
                    e.caller
                )
            };
            (svc.denied.to_string(), msg)
        }
        Fail::Throttled => {
            let msg = match svc.key {
                "ec2" => "Request limit exceeded.",
                "s3" => "Please reduce your request rate.",
                "lambda" => "Rate Exceeded.",
                _ => "Rate exceeded",
            };
            (svc.throttled.to_string(), msg.to_string())
        }
        Fail::NotFound => {
            if !o.nf_code.is_empty() {
                return (o.nf_code.to_string(), o.nf_msg.clone());
            }
            let msg = match svc.key {
                "lambda" => format!("Function not found: {resource}"),
                "dynamodb" => "Requested resource not found".to_string(),
                "secretsmanager" => "Secrets Manager can't find the specified secret.".to_string(),
                "logs" => "The specified log group does not exist.".to_string(),
                "cloudformation" => {
                    let name = resource.rsplit(['/', ':']).nth(1).unwrap_or(resource);
                    format!("Stack with id {name} does not exist")
                }
                "sqs" => "The specified queue does not exist.".to_string(),
                "ssm" => "".to_string(),
                _ => format!("Resource {resource} not found"),
            };
            (svc.not_found.to_string(), msg)
        }
        Fail::Invalid => {
            let code = match svc.denied {
                "AccessDeniedException" | "TooManyRequestsException" => "ValidationException",
                "Client.UnauthorizedOperation" => "Client.InvalidParameterValue",
                _ if svc.key == "s3" => "InvalidRequest",
                _ => "ValidationError",
            };
            let msg = if svc.key == "ec2" {
                "Value () for parameter groupId is invalid. The value cannot be empty".to_string()
            } else {
                "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1".to_string()
            };
            (code.to_string(), msg)
        }
    }
}

const VPCE_SERVICES: &[&str] = &[
    "s3",
    "dynamodb",
    "kms",
    "secretsmanager",
    "ssm",
    "sqs",
    "sns",
    "logs",
    "sts",
    "ecr",
    "ecs",
    "monitoring",
    "kinesis",
    "lambda",
    "states",
    "xray",
];

fn kebab(name: &str, out: &mut String) {
    let name = name
        .find(|c: char| c.is_ascii_digit())
        .map_or(name, |i| &name[..i]);
    let b = name.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev_lower = b[i - 1].is_ascii_lowercase();
            let next_lower = b.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev_lower || (next_lower && b[i - 1].is_ascii_uppercase()) {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase() as char);
    }
}

fn user_agent(out: &mut String, p: &Principal, svc: &Service, call: &Call, internal: bool) {
    use std::fmt::Write;
    out.clear();
    if internal {
        out.push_str("AWS Internal");
        return;
    }
    if p.net == Net::Service {
        out.push_str(if p.ptype == PType::Service {
            &p.name
        } else {
            &p.tag
        });
        return;
    }
    let s3 = svc.key == "s3";
    if s3 {
        out.push('[');
    }
    let v = p.ua_seed;
    let (n, k, m, q) = (v % 40, (v >> 8) % 300, (v >> 16) % 900, (v >> 24) % 12);
    let ssm_agent = p.session == Session::Instance
        && svc.key == "ssm"
        && matches!(
            call.name,
            "UpdateInstanceInformation"
                | "ListInstanceAssociations"
                | "UpdateInstanceAssociationStatus"
                | "PutInventory"
                | "PutComplianceItems"
                | "GetDeployablePatchSnapshotForInstance"
        );
    let _ = if ssm_agent {
        write!(
            out,
            "aws-sdk-go/1.44.{} (go1.20.{q}; linux; amd64) amazon-ssm-agent/3.2.{}.0",
            200 + n,
            1500 + k
        )
    } else {
        match p.ua {
            Ua::Cli => {
                if v >> 40 & 3 == 0 {
                    write!(
                        out,
                        "aws-cli/2.13.{n} Python/3.11.{q} Darwin/22.6.0 exe/x86_64 prompt/off command/{}.",
                        svc.cli
                    )
                    .map(|_| kebab(call.name, out))
                } else {
                    let os = match v >> 44 & 3 {
                        0 => "os/linux#6.5.0-1018-azure md/arch#x86_64",
                        1 => "os/macos#23.4.0 md/arch#arm64",
                        2 => "os/windows#10 md/arch#amd64",
                        _ => "os/linux#5.10.209-198.858.amzn2.x86_64 md/arch#x86_64",
                    };
                    write!(
                        out,
                        "aws-cli/2.{}.{n} md/awscrt#0.19.19 ua/2.0 {os} lang/python#3.11.{q} md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#{}.",
                        15 + (v >> 48) % 13,
                        svc.cli
                    )
                    .map(|_| kebab(call.name, out))
                }
            }
            Ua::Boto3 => write!(
                out,
                "Boto3/1.34.{n} md/Botocore#1.34.{n} ua/2.0 os/linux#5.10.{k}-{m}.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.{q} md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.{n}"
            ),
            Ua::Boto3Lambda => write!(
                out,
                "Boto3/1.34.{n} md/Botocore#1.34.{n} ua/2.0 os/linux#5.10.{k}-{m}.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.{q} md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.{n}"
            ),
            Ua::JsLambda => write!(
                out,
                "aws-sdk-js/3.{}.0 ua/2.1 os/linux#5.10.{k}-{m}.amzn2.x86_64 lang/js md/nodejs#20.{q}.0 api/{}#3.{}.0 exec-env/AWS_Lambda_nodejs20.x m/E,J",
                450 + n,
                svc.cli,
                450 + n
            ),
            Ua::Java => write!(
                out,
                "aws-sdk-java/2.21.{n} Linux/5.10.{k}-{m}.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.{q}+8-LTS Java/17.0.{q} vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy"
            ),
            Ua::GoV2 => write!(
                out,
                "aws-sdk-go-v2/1.24.{n} os/linux lang/go#1.21.{q} md/GOOS#linux md/GOARCH#amd64 api/{}#1.{}.{}",
                svc.cli,
                k % 60,
                m % 20
            ),
            Ua::Terraform => write!(
                out,
                "APN/1.0 HashiCorp/1.0 Terraform/1.7.{q} (+https://www.terraform.io) terraform-provider-aws/5.{}.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.{} os/linux lang/go#1.21.8 md/GOOS#linux md/GOARCH#amd64 api/{}#1.{}.0",
                20 + n,
                n % 4,
                svc.cli,
                k % 160
            ),
            Ua::GoV1 => write!(out, "aws-sdk-go/1.50.{n} (go1.21.{q}; linux; amd64)"),
            Ua::Console => {
                if s3 {
                    write!(
                        out,
                        "S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.{} Linux/5.10.{k}-{m}.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.372-b08 java/1.8.0_372 vendor/Oracle_Corporation cfg/retry-mode/standard",
                        400 + n
                    )
                } else {
                    out.push_str(match v >> 40 & 3 {
                        0 => "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
                        1 => "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36 Edg/121.0.0.0",
                        2 => "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.3; rv:123.0) Gecko/20100101 Firefox/123.0",
                        _ => "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
                    });
                    Ok(())
                }
            }
            Ua::Service => {
                out.push_str(&p.tag);
                Ok(())
            }
        }
    };
    if s3 {
        out.push(']');
    }
}

/// The endpoint host a call was sent to.
fn host(svc: &Service, region: &str, rng: &mut Rng, out: &mut String) {
    if svc.global {
        out.push_str(svc.host);
    } else if svc.key == "sts" && region == "us-east-1" && rng.chance(0.5) {
        out.push_str("sts.amazonaws.com");
    } else {
        out.push_str(svc.host);
        out.push('.');
        out.push_str(region);
        out.push_str(".amazonaws.com");
    }
}

/// Writes one record for principal `pi` making its `rank`-th call at `t` in file region
/// `region_idx`. Returns whether the record carries an `errorCode`.
#[allow(clippy::too_many_arguments)]
pub(super) fn write_record(
    buf: &mut Vec<u8>,
    w: &World,
    pi: usize,
    rank: usize,
    region_idx: usize,
    t: i64,
    rng: &mut Rng,
    sc: &mut Scratch,
) -> bool {
    let p = &w.principals[pi];
    let call = &w.calls[p.calls[rank] as usize];
    let svc = call.service();
    let acct = &w.accounts[p.account];
    let region = if svc.global {
        REGIONS[0]
    } else {
        REGIONS[region_idx]
    };
    let arch = &ARCHETYPES[p.arch];
    let console = p.ua == Ua::Console;
    let console_login = svc.key == "signin";
    let service_event = is_service_event(call.name);

    let sess = match p.ptype {
        PType::Role | PType::Root => Some(session(w, p, t, rng)),
        PType::User if console => Some(session(w, p, t, rng)),
        _ => None,
    };
    let caller = match p.ptype {
        PType::Role => format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            acct.id,
            p.name,
            sess.as_ref().map_or("", |s| s.name.as_str())
        ),
        PType::Service => p.name.clone(),
        _ => p.arn.clone(),
    };
    let fail = choose_failure(p, call, rank, rng);
    let mut request_id = String::with_capacity(36);
    if svc.key == "s3" {
        request_id.push_str(&rng.upper_alnum(16));
    } else {
        rng.uuid_into(&mut request_id);
    }

    // Network.
    let internal = console && !console_login && svc.key != "s3" && rng.chance(0.35);
    let mut vpce: Option<&str> = None;
    let source_ip: String = match p.net {
        _ if internal => "AWS Internal".to_string(),
        Net::Office | Net::Saas => p.ips[rng.index(p.ips.len())].clone(),
        Net::Vpc => {
            if VPCE_SERVICES.contains(&svc.key) && rng.chance(0.55) {
                vpce = Some(&acct.vpce[region_idx]);
                let h = p.hash ^ rng.below(4);
                format!(
                    "10.{}.{}.{}",
                    16 + region_idx * 16 + (h % 4) as usize,
                    (h >> 8) % 256,
                    4 + (h >> 16) % 250
                )
            } else {
                let ips = &acct.nat_ips[region_idx];
                ips[(p.hash as usize) % ips.len()].clone()
            }
        }
        Net::AwsPublic => ip_in(&mut Rng::new(mix(&[p.hash, (t / 600) as u64])), &AWS_OCTETS),
        Net::GitHub => ip_in(
            &mut Rng::new(mix(&[p.hash, (t / 900) as u64])),
            &AZURE_OCTETS,
        ),
        Net::Service => (if p.ptype == PType::Service {
            &p.name
        } else {
            &p.tag
        })
        .clone(),
    };
    user_agent(&mut sc.ua, p, svc, call, internal);

    // Body.
    let o = &mut sc.out;
    o.clear();
    let e = Ev {
        w,
        p,
        acct,
        call,
        svc,
        region,
        t,
        failed: fail.is_some(),
        sess: sess.as_ref().map_or(p.name.as_str(), |s| s.name.as_str()),
        caller: &caller,
        request_id: &request_id,
    };
    bodies::body(&e, rng, o);
    let login_failed = console_login && fail.is_some();
    let error = if console_login || service_event {
        None
    } else {
        fail.map(|f| error_fields(&e, o, f, rng))
    };

    // Envelope.
    let mut j = Json::new(buf);
    j.obj();
    j.ks("eventVersion", call.version);
    j.ko("userIdentity");
    match p.ptype {
        PType::User => {
            j.ks("type", "IAMUser");
            j.ks("principalId", &p.unique_id);
            j.ks("arn", &p.arn);
            j.ks("accountId", &acct.id);
            if !console_login {
                let key = sess
                    .as_ref()
                    .map_or(p.access_key.as_str(), |s| s.key.as_str());
                j.ks("accessKeyId", key);
            }
            j.ks("userName", &p.name);
            if let (Some(s), false) = (&sess, console_login) {
                j.ko("sessionContext");
                j.ko("sessionIssuer");
                j.end();
                j.ko("webIdFederationData");
                j.end();
                j.ko("attributes");
                j.kt("creationDate", s.created);
                j.ks("mfaAuthenticated", "true");
                j.end();
                j.end();
            }
        }
        PType::Role => {
            let s = sess.as_ref().map_or("", |s| s.name.as_str());
            j.ks("type", "AssumedRole");
            let mut pid = String::with_capacity(p.unique_id.len() + 1 + s.len());
            pid.push_str(&p.unique_id);
            pid.push(':');
            pid.push_str(s);
            j.ks("principalId", &pid);
            j.ks("arn", &caller);
            j.ks("accountId", &acct.id);
            if let Some(s) = &sess {
                j.ks("accessKeyId", &s.key);
            }
            j.ko("sessionContext");
            j.ko("sessionIssuer");
            j.ks("type", "Role");
            j.ks("principalId", &p.unique_id);
            j.ks("arn", &p.arn);
            j.ks("accountId", &acct.id);
            j.ks("userName", &p.name);
            j.end();
            j.ko("webIdFederationData");
            if p.session == Session::GitHub {
                let provider = format!(
                    "arn:aws:iam::{}:oidc-provider/token.actions.githubusercontent.com",
                    acct.id
                );
                j.ks("federatedProvider", &provider);
                j.ko("attributes");
                j.end();
            }
            j.end();
            j.ko("attributes");
            j.kt("creationDate", sess.as_ref().map_or(t, |s| s.created));
            j.ks("mfaAuthenticated", "false");
            j.end();
            if p.session == Session::Instance {
                j.ks("ec2RoleDelivery", "2.0");
            }
            j.end();
            if p.net == Net::Service {
                j.ks("invokedBy", &p.tag);
            }
        }
        PType::Root => {
            j.ks("type", "Root");
            j.ks("principalId", &acct.id);
            j.ks("arn", &p.arn);
            j.ks("accountId", &acct.id);
            if let (Some(s), false) = (&sess, console_login) {
                j.ks("accessKeyId", &s.key);
                j.ko("sessionContext");
                j.ko("attributes");
                j.kt("creationDate", s.created);
                j.ks("mfaAuthenticated", "true");
                j.end();
                j.end();
            }
        }
        PType::Service => {
            j.ks("type", "AWSService");
            if service_event {
                j.ks("accountId", &acct.id);
            }
            j.ks("invokedBy", &p.name);
        }
    }
    j.end();
    j.kt("eventTime", t);
    j.ks("eventSource", svc.source);
    j.ks("eventName", call.name);
    j.ks("awsRegion", region);
    j.ks("sourceIPAddress", &source_ip);
    j.ks("userAgent", &sc.ua);
    if let Some((code, msg)) = &error {
        j.ks("errorCode", code);
        if !msg.is_empty() {
            j.ks("errorMessage", msg);
        }
    }
    if login_failed {
        j.ks("errorMessage", "Failed authentication");
    }
    j.key("requestParameters");
    if o.req.is_empty() || o.req == b"{}" {
        j.null()
    } else {
        j.raw(&o.req)
    }
    j.key("responseElements");
    if console_login {
        j.obj();
        j.ks(call.name, if login_failed { "Failure" } else { "Success" });
        j.end();
    } else if o.resp.is_empty() || error.is_some() {
        j.null();
    } else {
        j.raw(&o.resp);
    }
    if !o.add.is_empty() {
        j.key("additionalEventData");
        j.raw(&o.add);
    }
    if !console_login && !service_event {
        j.ks("requestID", &request_id);
    }
    j.key("eventID");
    {
        let mut id = String::with_capacity(36);
        rng.uuid_into(&mut id);
        j.str(&id);
    }
    j.kb("readOnly", call.read_only);
    if !o.res.is_empty() {
        j.ka("resources");
        for r in &o.res {
            j.obj();
            if let Some(a) = &r.account {
                j.ks("accountId", a);
            }
            j.ks("type", r.kind);
            j.ks(if r.prefix { "ARNPrefix" } else { "ARN" }, &r.arn);
            j.end();
        }
        j.end_arr();
    }
    j.ks(
        "eventType",
        if console_login {
            "AwsConsoleSignIn"
        } else if service_event {
            "AwsServiceEvent"
        } else {
            "AwsApiCall"
        },
    );
    if svc.key == "cloudfront" {
        j.ks("apiVersion", "2020_05_31");
    }
    j.kb("managementEvent", !call.data);
    j.ks("recipientAccountId", &acct.id);
    if !o.service_details.is_empty() {
        j.key("serviceEventDetails");
        j.raw(&o.service_details);
    }
    if let Some(v) = vpce {
        j.ks("vpcEndpointId", v);
        if call.version >= "1.10" {
            j.ks("vpcEndpointAccountId", &acct.id);
        }
    }
    j.ks(
        "eventCategory",
        if call.data { "Data" } else { "Management" },
    );
    let direct = !internal && p.net != Net::Service && !service_event;
    if direct {
        j.ko("tlsDetails");
        if p.tls13 {
            j.ks("tlsVersion", "TLSv1.3");
            j.ks(
                "cipherSuite",
                if arch.label.starts_with("user") {
                    "TLS_AES_256_GCM_SHA384"
                } else {
                    "TLS_AES_128_GCM_SHA256"
                },
            );
        } else {
            j.ks("tlsVersion", "TLSv1.2");
            j.ks("cipherSuite", "ECDHE-RSA-AES128-GCM-SHA256");
        }
        j.key("clientProvidedHostHeader");
        if o.host.is_empty() {
            let mut h = String::with_capacity(40);
            host(svc, region, rng, &mut h);
            j.str(&h);
        } else {
            j.str(&o.host);
        }
        j.end();
    }
    if console && !console_login && p.ptype != PType::Root {
        j.ks("sessionCredentialFromConsole", "true");
    }
    j.end();
    error.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_case_like_the_cli() {
        let mut s = String::new();
        kebab("DescribeDBInstances", &mut s);
        assert_eq!(s, "describe-db-instances");
        s.clear();
        kebab("GetFunction20150331v2", &mut s);
        assert_eq!(s, "get-function");
        s.clear();
        kebab("ListMFADevices", &mut s);
        assert_eq!(s, "list-mfa-devices");
    }

    #[test]
    fn templates_expand() {
        let a = expand("arn:aws:sqs:{r}:{a}:{n}", "eu-west-1", "123456789012", "q");
        assert_eq!(a, "arn:aws:sqs:eu-west-1:123456789012:q");
        let b = expand("x/{u}", "r", "a", "name");
        assert_eq!(b, expand("x/{u}", "r", "a", "name"));
        assert_eq!(b.len(), 38);
    }
}
