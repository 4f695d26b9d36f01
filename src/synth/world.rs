//! The synthetic organisation a trail describes: accounts with their named resources and
//! the principals that act in them, each with its own long-tailed mix of calls.
//!
//! Built once per run from the seed (and the event count, which scales the number of
//! principals); read-only afterwards and shared by all worker threads.

use std::collections::HashSet;

use super::catalog::{self, ARCHETYPES, Call, KINDS, Kind, Net, PType, SERVICES, Session, Ua};
use super::rng::{Rng, Weighted, mix};

/// The regions trails are written for; the first also receives global services.
pub(super) const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
/// Share of files per region.
pub(super) const REGION_WEIGHTS: [f64; 3] = [0.62, 0.24, 0.14];

const ENVS: [&str; 5] = ["prod", "staging", "dev", "shared", "data"];
const COMPANIES: [&str; 10] = [
    "acme", "globex", "initech", "umbrella", "hooli", "vandelay", "soylent", "tyrell", "wonka",
    "stark",
];
const TLDS: [&str; 3] = ["com", "io", "co"];
const PROJECTS: [&str; 18] = [
    "orders",
    "payments",
    "checkout",
    "inventory",
    "search",
    "analytics",
    "auth",
    "billing",
    "notifications",
    "ingest",
    "reporting",
    "catalog",
    "shipping",
    "identity",
    "media",
    "pricing",
    "recs",
    "ledger",
];
const FIRST: [&str; 40] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yara", "zoe",
    "liam", "noah", "emma", "ava", "mia", "lucas", "mateo", "sofia", "aria", "priya", "arjun",
    "wei", "mei", "hiroshi", "yuki", "fatima", "omar", "lars", "ingrid",
];
const LAST: [&str; 30] = [
    "nguyen", "smith", "garcia", "kim", "patel", "mueller", "rossi", "silva", "tanaka", "cohen",
    "okafor", "novak", "larsen", "dubois", "kowalski", "jensen", "reyes", "chen", "ali", "brown",
    "wilson", "taylor", "martin", "lee", "walker", "hall", "young", "king", "wright", "lopez",
];
const SERVICE_USERS: [&str; 12] = [
    "jenkins",
    "svc-backup",
    "s3-uploader",
    "legacy-etl",
    "svc-reporting",
    "grafana-cloudwatch",
    "splunk-ingest",
    "ci-deployer",
    "svc-snapshots",
    "vault-aws-auth",
    "sftp-sync",
    "partner-export",
];
const VERBS: [&str; 12] = [
    "handler",
    "processor",
    "api",
    "worker",
    "consumer",
    "scheduler",
    "authorizer",
    "resizer",
    "notifier",
    "exporter",
    "webhook",
    "sync",
];
const ENTITIES: [&str; 10] = [
    "orders",
    "sessions",
    "users",
    "events",
    "carts",
    "tokens",
    "jobs",
    "audit",
    "ledger",
    "inventory",
];
const COMPONENTS: [&str; 6] = ["api", "worker", "web", "frontend", "cron", "migrations"];

/// One AWS account of the organisation.
#[derive(Debug)]
pub(super) struct Account {
    /// 12-digit id.
    pub id: String,
    /// Environment name used in resource names.
    pub env: &'static str,
    /// Projects hosted here.
    pub projects: Vec<&'static str>,
    /// Named resources by [`Kind`].
    pub pools: Vec<Vec<String>>,
    /// NAT gateway addresses per region.
    pub nat_ips: [Vec<String>; 3],
    /// Interface VPC endpoint per region.
    pub vpce: [String; 3],
    /// Principals of this account (indices into [`World::principals`]).
    pub principals: Vec<usize>,
    /// Per region: draws a principal (index into `principals`) by activity.
    pub pick: [Weighted; 3],
    /// Relative share of files.
    pub weight: f64,
}

/// One identity that makes calls.
#[derive(Debug)]
pub(super) struct Principal {
    /// Identity type.
    pub ptype: PType,
    /// Index into [`ARCHETYPES`].
    pub arch: usize,
    /// Index into [`World::accounts`].
    pub account: usize,
    /// User or role name; service host for AWS services.
    pub name: String,
    /// User/root ARN, role ARN with path, or the service host.
    pub arn: String,
    /// The ground-truth key (`principal_arn`).
    pub key: String,
    /// AIDA/AROA unique id.
    pub unique_id: String,
    /// Long-term access key (users).
    pub access_key: String,
    /// Calls it makes (indices into [`World::calls`]), most frequent first.
    pub calls: Vec<u16>,
    /// Draws from `calls` in us-east-1.
    pub pick_all: Weighted,
    /// Draws from `calls` elsewhere (global services excluded).
    pub pick_regional: Weighted,
    /// Whether any call is not global.
    pub has_regional: bool,
    /// Client software.
    pub ua: Ua,
    /// Source of stable version numbers for its user agent.
    pub ua_seed: u64,
    /// TLS 1.3 (else 1.2).
    pub tls13: bool,
    /// Where its calls come from.
    pub net: Net,
    /// Fixed source addresses (offices, SaaS).
    pub ips: Vec<String>,
    /// Session naming.
    pub session: Session,
    /// People who use this role (IAM Identity Center), as emails.
    pub people: Vec<String>,
    /// The Lambda function (Lambda roles) or the service host (service-invoked roles).
    pub tag: String,
    /// Baseline error probability.
    pub error_rate: f64,
    /// A call (index into `calls`) it keeps being denied.
    pub broken: Option<usize>,
    /// Resource locality: offsets which resources it mostly touches.
    pub affinity: u64,
    /// Activity weight.
    pub weight: f64,
    /// Regions it is active in (bit per region).
    pub regions: u8,
    /// Stable per-principal hash.
    pub hash: u64,
}

/// Everything generated once per run.
#[derive(Debug)]
pub(super) struct World {
    /// The run's seed.
    pub seed: u64,
    /// Company slug (`acme`).
    pub company: &'static str,
    /// Accounts.
    pub accounts: Vec<Account>,
    /// All principals.
    pub principals: Vec<Principal>,
    /// All calls (the flattened catalog).
    pub calls: Vec<Call>,
    /// Draws an account for a file.
    pub account_pick: Weighted,
}

fn public_ip(rng: &mut Rng, firsts: &[u8]) -> String {
    format!(
        "{}.{}.{}.{}",
        rng.pick(firsts),
        rng.below(256),
        rng.below(256),
        1 + rng.below(254)
    )
}

/// First octets of AWS-owned public ranges.
pub(super) const AWS_OCTETS: [u8; 8] = [3, 18, 34, 35, 44, 52, 54, 100];
/// First octets of Azure ranges (GitHub-hosted runners).
pub(super) const AZURE_OCTETS: [u8; 6] = [4, 13, 20, 40, 52, 172];
const ISP_OCTETS: [u8; 12] = [24, 67, 73, 81, 86, 98, 109, 151, 176, 185, 203, 212];

/// Returns a public address in one of the given /8s.
pub(super) fn ip_in(rng: &mut Rng, firsts: &[u8]) -> String {
    public_ip(rng, firsts)
}

fn pascal(s: &str) -> String {
    s.split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

struct Namer<'a> {
    rng: Rng,
    company: &'a str,
    env: &'static str,
    id: &'a str,
    projects: &'a [&'static str],
}

impl Namer<'_> {
    fn p(&mut self) -> &'static str {
        self.projects[self.rng.index(self.projects.len())]
    }

    fn make(&mut self, kind: Kind, functions: &[String]) -> String {
        let co = self.company;
        let env = self.env;
        let id = self.id;
        match kind {
            Kind::Bucket => {
                let p = self.p();
                match self.rng.below(12) {
                    0 => format!("{co}-{p}-{env}-data"),
                    1 => format!("{co}-{p}-{env}-assets"),
                    2 => format!("{co}-{env}-logs-{id}"),
                    3 => format!("{co}-cloudtrail-{id}"),
                    4 => format!("cdk-hnb659fds-assets-{id}-us-east-1"),
                    5 => format!("{co}-{env}-athena-results"),
                    6 => format!("{co}-{p}-{env}-uploads"),
                    7 => format!("{co}-{p}-{env}-exports"),
                    8 => format!("aws-glue-assets-{id}-us-east-1"),
                    9 => format!("{co}-{env}-backups"),
                    10 => format!("config-bucket-{id}"),
                    _ => format!("{co}-{p}-{env}-static-site"),
                }
            }
            Kind::Instance => format!("i-0{}", self.rng.hex(16)),
            Kind::KmsKey | Kind::Certificate => self.rng.uuid(),
            Kind::Function => format!("{}-{env}-{}", self.p(), self.rng.pick(&VERBS)),
            Kind::Table => {
                let p = self.p();
                let e = *self.rng.pick(&ENTITIES);
                if self.rng.chance(0.3) {
                    format!(
                        "{}{}Table-{}",
                        pascal(p),
                        pascal(e),
                        self.rng.upper_alnum(12)
                    )
                } else {
                    format!("{p}-{env}-{e}")
                }
            }
            Kind::Queue => {
                let p = self.p();
                let purpose =
                    *self
                        .rng
                        .pick(&["events", "jobs", "ingest", "notifications", "webhooks"]);
                match self.rng.below(5) {
                    0 => format!("{p}-{env}-{purpose}-dlq"),
                    1 => format!("{p}-{env}-{purpose}.fifo"),
                    _ => format!("{p}-{env}-{purpose}"),
                }
            }
            Kind::Topic => format!(
                "{}-{env}-{}",
                self.p(),
                self.rng
                    .pick(&["alerts", "events", "notifications", "alarms"])
            ),
            Kind::LogGroup => match self.rng.below(8) {
                0..=2 if !functions.is_empty() => {
                    format!("/aws/lambda/{}", functions[self.rng.index(functions.len())])
                }
                3 => format!("/ecs/{}-{env}", self.p()),
                4 => format!("/aws/rds/instance/{}-{env}-db/postgresql", self.p()),
                5 => format!("/aws/codebuild/{}-build", self.p()),
                6 => format!("aws-cloudtrail-logs-{id}-{}", self.rng.hex(8)),
                _ => format!("/{co}/{}/{env}/app", self.p()),
            },
            Kind::Alarm => {
                let p = self.p();
                let m = *self.rng.pick(&[
                    "cpu",
                    "5xx",
                    "latency-p99",
                    "errors",
                    "throttles",
                    "queue-depth",
                ]);
                format!("{p}-{env}-{m}-high")
            }
            Kind::Repository => {
                if self.rng.chance(0.3) {
                    format!("{co}/{}", self.p())
                } else {
                    format!("{}-{}", self.p(), self.rng.pick(&COMPONENTS))
                }
            }
            Kind::EcsCluster => format!("{}-{env}", self.p()),
            Kind::EcsService => format!("{}-{}", self.p(), self.rng.pick(&COMPONENTS)),
            Kind::EksCluster => format!("{env}-eks-{:02}", 1 + self.rng.below(3)),
            Kind::DbInstance => {
                let p = self.p();
                if self.rng.chance(0.3) {
                    format!("{p}-{env}-db-replica-{}", 1 + self.rng.below(2))
                } else {
                    format!("{p}-{env}-db")
                }
            }
            Kind::Secret => format!(
                "{env}/{}/{}-{}",
                self.p(),
                self.rng.pick(&[
                    "db-credentials",
                    "api-key",
                    "stripe",
                    "oauth-client",
                    "signing-key"
                ]),
                self.rng.alnum(6)
            ),
            Kind::Parameter => {
                if self.rng.chance(0.08) {
                    "/cdk-bootstrap/hnb659fds/version".to_string()
                } else {
                    format!(
                        "/{env}/{}/{}",
                        self.p(),
                        self.rng.pick(&[
                            "db/host",
                            "db/name",
                            "db/password",
                            "api/endpoint",
                            "feature-flags",
                            "log-level",
                            "worker/concurrency",
                            "datadog/api-key",
                        ])
                    )
                }
            }
            Kind::Stack => match self.rng.below(5) {
                0 => "CDKToolkit".to_string(),
                1 => format!("{}-{env}-network", self.p()),
                2 => format!("{}-{env}-pipeline", self.p()),
                _ => format!("{}{}Stack", pascal(self.p()), pascal(env)),
            },
            Kind::Trail => {
                if self.rng.chance(0.5) {
                    format!("{co}-org-trail")
                } else {
                    "management-events".to_string()
                }
            }
            Kind::ConfigRule => self
                .rng
                .pick(&[
                    "s3-bucket-public-read-prohibited",
                    "encrypted-volumes",
                    "iam-password-policy",
                    "restricted-ssh",
                    "rds-storage-encrypted",
                    "cloudtrail-enabled",
                    "root-account-mfa-enabled",
                    "vpc-flow-logs-enabled",
                    "s3-bucket-ssl-requests-only",
                    "iam-user-unused-credentials-check",
                ])
                .to_string(),
            Kind::Detector => self.rng.hex(32),
            Kind::HostedZone => format!("Z0{}", self.rng.upper_alnum(18)),
            Kind::Distribution => format!("E{}", self.rng.upper_alnum(13)),
            Kind::LoadBalancer => format!("app/{}-{env}-alb/{}", self.p(), self.rng.hex(16)),
            Kind::TargetGroup => format!("{}-{env}-tg/{}", self.p(), self.rng.hex(16)),
            Kind::Asg => {
                if self.rng.chance(0.3) {
                    format!("eks-{env}-ng-{}", self.rng.uuid())
                } else {
                    format!("{}-{env}-asg", self.p())
                }
            }
            Kind::StateMachine => format!(
                "{}-{env}-{}",
                self.p(),
                self.rng.pick(&[
                    "etl",
                    "fulfillment",
                    "refund",
                    "nightly-export",
                    "onboarding"
                ])
            ),
            Kind::Rule => format!(
                "{}-{env}-{}",
                self.p(),
                self.rng.pick(&[
                    "schedule",
                    "nightly",
                    "on-upload",
                    "hourly-sync",
                    "ecs-task-state"
                ])
            ),
            Kind::GlueDb => format!("{}_{env}", self.p()),
            Kind::GlueTable => self
                .rng
                .pick(&[
                    "events",
                    "orders",
                    "sessions",
                    "clicks",
                    "invoices",
                    "users",
                    "page_views",
                    "payments",
                ])
                .to_string(),
            Kind::Workgroup => {
                if self.rng.chance(0.4) {
                    "primary".to_string()
                } else {
                    format!("{}-analytics", self.p())
                }
            }
            Kind::Stream => format!("{}-{env}-events", self.p()),
            Kind::DeliveryStream => format!("{}-{env}-to-s3", self.p()),
            Kind::PermissionSet => format!("ps-{}", self.rng.hex(16)),
            Kind::CacheCluster => format!("{}-{env}-redis-00{}", self.p(), 1 + self.rng.below(3)),
            Kind::FileSystem => format!("fs-0{}", self.rng.hex(16)),
            Kind::RestApi => self.rng.lower_alnum(10),
            Kind::WebAcl => format!("{}-{env}-waf", self.p()),
            Kind::Analyzer => format!("ConsoleAnalyzer-{}", self.rng.uuid()),
            Kind::BackupVault => {
                if self.rng.chance(0.5) {
                    "Default".to_string()
                } else {
                    format!("{env}-backup-vault")
                }
            }
            Kind::BuildProject => format!("{}-build", self.p()),
            Kind::Pipeline => format!("{}-{env}-pipeline", self.p()),
            Kind::UserPool => format!("us-east-1_{}", self.rng.alnum(9)),
            Kind::Redshift => format!("{}-{env}-dw", self.p()),
            Kind::EsDomain => format!("{}-{env}-search", self.p()),
            Kind::EmrCluster => format!("j-{}", self.rng.upper_alnum(13)),
            Kind::SecurityGroup => format!("sg-0{}", self.rng.hex(16)),
            Kind::Vpc => format!("vpc-0{}", self.rng.hex(16)),
            Kind::Subnet => format!("subnet-0{}", self.rng.hex(16)),
            Kind::Volume => format!("vol-0{}", self.rng.hex(16)),
            Kind::Snapshot => format!("snap-0{}", self.rng.hex(16)),
            Kind::Ami => format!("ami-0{}", self.rng.hex(16)),
            Kind::Policy => format!(
                "{}-{env}-{}",
                self.p(),
                self.rng.pick(&[
                    "access-policy",
                    "s3-read",
                    "ddb-write",
                    "kms-use",
                    "deploy",
                    "boundary"
                ])
            ),
            Kind::Notebook => format!("{}-notebook", self.p()),
            Kind::Api => "default".to_string(),
            // Filled from the principals.
            Kind::Role | Kind::User => String::new(),
        }
    }
}

fn pool_size(kind: Kind, rng: &mut Rng) -> u64 {
    let (lo, hi) = match kind {
        Kind::Bucket => (6, 12),
        Kind::Instance => (8, 30),
        Kind::KmsKey => (4, 8),
        Kind::Function => (6, 20),
        Kind::Table => (5, 12),
        Kind::Queue => (4, 10),
        Kind::Topic => (3, 6),
        Kind::LogGroup => (8, 20),
        Kind::Alarm => (5, 15),
        Kind::Repository => (3, 10),
        Kind::EcsService => (3, 8),
        Kind::DbInstance => (2, 6),
        Kind::Secret => (4, 12),
        Kind::Parameter => (6, 20),
        Kind::Stack => (4, 10),
        Kind::ConfigRule => (5, 8),
        Kind::SecurityGroup => (8, 20),
        Kind::Subnet => (6, 12),
        Kind::Volume => (10, 30),
        Kind::Snapshot => (10, 40),
        Kind::Ami => (3, 8),
        Kind::Policy => (5, 12),
        Kind::TargetGroup => (3, 8),
        Kind::Rule => (3, 8),
        Kind::GlueTable => (5, 8),
        Kind::Detector | Kind::Analyzer | Kind::Api | Kind::Redshift => (1, 1),
        _ => (1, 4),
    };
    rng.range(lo, hi)
}

const ALL_KINDS: [Kind; KINDS] = {
    use Kind::*;
    [
        Bucket,
        Instance,
        Role,
        User,
        KmsKey,
        Function,
        Table,
        Queue,
        Topic,
        LogGroup,
        Alarm,
        Repository,
        EcsCluster,
        EcsService,
        EksCluster,
        DbInstance,
        Secret,
        Parameter,
        Stack,
        Trail,
        ConfigRule,
        Detector,
        HostedZone,
        Distribution,
        LoadBalancer,
        TargetGroup,
        Asg,
        StateMachine,
        Rule,
        GlueDb,
        GlueTable,
        Workgroup,
        Stream,
        DeliveryStream,
        PermissionSet,
        CacheCluster,
        FileSystem,
        RestApi,
        Certificate,
        WebAcl,
        Analyzer,
        BackupVault,
        BuildProject,
        Pipeline,
        UserPool,
        Redshift,
        EsDomain,
        EmrCluster,
        SecurityGroup,
        Vpc,
        Subnet,
        Volume,
        Snapshot,
        Ami,
        Policy,
        Notebook,
        Api,
    ]
};

/// Role/user blueprint before calls are assigned.
struct Blueprint {
    arch: usize,
    name: String,
    path: String,
    tag: String,
}

/// Zipf-like weight `1 / (rank+1)^s` for s in {1, 1.25, 1.5} using only sqrt.
fn zipf(rank: usize, s_step: u64) -> f64 {
    let x = (rank + 1) as f64;
    match s_step {
        0 => 1.0 / x,
        1 => 1.0 / (x * x.sqrt().sqrt()),
        _ => 1.0 / (x * x.sqrt()),
    }
}

impl World {
    /// Builds the organisation for `seed`; `events` scales the number of principals.
    pub(super) fn build(seed: u64, events: u64) -> World {
        let calls = catalog::calls();
        let mut rng = Rng::stream(&[seed, 0x5757_4f52_4c44]);
        let company = *rng.pick(&COMPANIES);
        let domain = format!("{company}.{}", rng.pick(&TLDS));
        let n_accounts = rng.range(3, 5) as usize;

        let mut ids = HashSet::new();
        let mut accounts = Vec::new();
        for (i, env) in ENVS.iter().copied().enumerate().take(n_accounts) {
            let id = loop {
                let id = format!("{}{:011}", 1 + rng.below(9), rng.below(100_000_000_000));
                if ids.insert(id.clone()) {
                    break id;
                }
            };
            let mut projects: Vec<&'static str> = PROJECTS.to_vec();
            // Partial Fisher-Yates: the first k are this account's projects.
            let k = rng.range(4, 7) as usize;
            for j in 0..k {
                let r = j + rng.index(projects.len() - j);
                projects.swap(j, r);
            }
            projects.truncate(k);
            let nat_ips =
                std::array::from_fn(|_| (0..2).map(|_| public_ip(&mut rng, &AWS_OCTETS)).collect());
            let vpce = std::array::from_fn(|_| format!("vpce-0{}", rng.hex(16)));
            // The first account (prod) is the busiest.
            let weight = match i {
                0 => 0.38,
                1 => 0.24,
                2 => 0.16,
                3 => 0.12,
                _ => 0.10,
            };
            accounts.push(Account {
                id,
                env,
                projects,
                pools: vec![Vec::new(); KINDS],
                nat_ips,
                vpce,
                principals: Vec::new(),
                pick: Default::default(),
                weight,
            });
        }

        // Resource pools.
        for (ai, acct) in accounts.iter_mut().enumerate() {
            let mut namer = Namer {
                rng: Rng::stream(&[seed, 0x504f_4f4c, ai as u64]),
                company,
                env: acct.env,
                id: &acct.id,
                projects: &acct.projects,
            };
            let mut pools: Vec<Vec<String>> = vec![Vec::new(); KINDS];
            for kind in ALL_KINDS {
                if matches!(kind, Kind::Role | Kind::User) {
                    continue;
                }
                let n = pool_size(kind, &mut namer.rng);
                let mut seen = HashSet::new();
                for _ in 0..n * 3 {
                    if pools[kind as usize].len() as u64 >= n {
                        break;
                    }
                    let name = namer.make(kind, &pools[Kind::Function as usize]);
                    if seen.insert(name.clone()) {
                        pools[kind as usize].push(name);
                    }
                }
            }
            acct.pools = pools;
        }

        // Principals.
        let extra_total = (events / 50_000).min(20_000) as usize;
        let mut principals = Vec::new();
        let mut people_rng = Rng::stream(&[seed, 0x5045_4f50_4c45]);
        for ai in 0..n_accounts {
            let mut prng = Rng::stream(&[seed, 0x5052_494e, ai as u64]);
            let extra = extra_total / n_accounts + usize::from(ai < extra_total % n_accounts);
            let extra_users = extra * 2 / 5;
            let extra_roles = extra - extra_users;
            let blueprints = blueprints(&mut prng, &mut accounts[ai], extra_users, extra_roles);
            let acct_principals_start = principals.len();
            for bp in blueprints {
                let idx = principals.len();
                let p = make_principal(
                    seed,
                    &mut prng,
                    &mut people_rng,
                    &accounts,
                    ai,
                    idx,
                    bp,
                    &calls,
                    &domain,
                );
                principals.push(p);
            }
            let acct = &mut accounts[ai];
            acct.principals = (acct_principals_start..principals.len()).collect();
            for p in &principals[acct_principals_start..] {
                match p.ptype {
                    PType::User => acct.pools[Kind::User as usize].push(p.name.clone()),
                    PType::Role => acct.pools[Kind::Role as usize].push(p.name.clone()),
                    _ => {}
                }
            }
        }
        for acct in &mut accounts {
            acct.pick = std::array::from_fn(|r| {
                Weighted::new(acct.principals.iter().map(|&pi| {
                    let p = &principals[pi];
                    let active = p.regions & (1 << r) != 0 && (r == 0 || p.has_regional);
                    if active { p.weight } else { 0.0 }
                }))
            });
        }
        let account_pick = Weighted::new(accounts.iter().map(|a| a.weight));
        World {
            seed,
            company,
            accounts,
            principals,
            calls,
            account_pick,
        }
    }
}

fn unique(taken: &mut HashSet<String>, base: String) -> String {
    if taken.insert(base.clone()) {
        return base;
    }
    for i in 2.. {
        let name = format!("{base}-{i}");
        if taken.insert(name.clone()) {
            return name;
        }
    }
    unreachable!()
}

fn blueprints(
    rng: &mut Rng,
    acct: &mut Account,
    extra_users: usize,
    extra_roles: usize,
) -> Vec<Blueprint> {
    let env = acct.env;
    let id = acct.id.clone();
    let projects = acct.projects.clone();
    let mut taken = HashSet::new();
    let mut out = Vec::new();
    let arch = catalog::archetype;

    // Users.
    let n_users = rng.range(8, 12) as usize + extra_users;
    for i in 0..n_users {
        let a = match i {
            0 => arch("user-admin"),
            1 | 2 => arch("user-service"),
            3 | 4 => arch("user-console"),
            _ if i < 10 => arch("user-dev-cli"),
            _ => match rng.below(10) {
                0..=4 => arch("user-dev-cli"),
                5..=7 => arch("user-service"),
                _ => arch("user-console"),
            },
        };
        let label = ARCHETYPES[a].label;
        let base = if label == "user-service" {
            rng.pick(&SERVICE_USERS).to_string()
        } else if label == "user-admin" && rng.chance(0.5) {
            format!("admin-{}", rng.pick(&FIRST))
        } else {
            format!("{}.{}", rng.pick(&FIRST), rng.pick(&LAST))
        };
        let name = unique(&mut taken, base);
        let path = match rng.below(6) {
            0 if label != "user-service" => "/engineering/",
            1 if label == "user-service" => "/system/",
            _ => "/",
        };
        out.push(Blueprint {
            arch: a,
            name,
            path: path.to_string(),
            tag: String::new(),
        });
    }

    // Roles: a fixed core of platform roles, then workloads.
    let hex = |rng: &mut Rng| rng.hex(16);
    let mut roles: Vec<(usize, String, String, String)> = vec![
        (
            arch("role-sso-admin"),
            format!("AWSReservedSSO_AdministratorAccess_{}", hex(rng)),
            "/aws-reserved/sso.amazonaws.com/".into(),
            String::new(),
        ),
        (
            arch("role-sso-readonly"),
            format!("AWSReservedSSO_ReadOnlyAccess_{}", hex(rng)),
            "/aws-reserved/sso.amazonaws.com/".into(),
            String::new(),
        ),
        (
            arch("role-terraform"),
            if rng.chance(0.5) {
                format!("terraform-{env}")
            } else {
                "TerraformExecutionRole".into()
            },
            "/".into(),
            String::new(),
        ),
        (
            arch("role-monitoring"),
            "DatadogIntegrationRole".into(),
            "/".into(),
            String::new(),
        ),
        (
            arch("role-security-audit"),
            if rng.chance(0.5) {
                "SecurityAuditRole".into()
            } else {
                "prowler-scan-role".into()
            },
            "/".into(),
            String::new(),
        ),
        (
            arch("role-slr-autoscaling"),
            "AWSServiceRoleForAutoScaling".into(),
            "/aws-service-role/autoscaling.amazonaws.com/".into(),
            "autoscaling.amazonaws.com".into(),
        ),
        (
            arch("role-slr-config"),
            "AWSServiceRoleForConfig".into(),
            "/aws-service-role/config.amazonaws.com/".into(),
            "config.amazonaws.com".into(),
        ),
        (
            arch("role-slr-ecs"),
            "AWSServiceRoleForECS".into(),
            "/aws-service-role/ecs.amazonaws.com/".into(),
            "ecs.amazonaws.com".into(),
        ),
        (
            arch("role-cfn-exec"),
            format!("cdk-hnb659fds-cfn-exec-role-{id}-us-east-1"),
            "/".into(),
            "cloudformation.amazonaws.com".into(),
        ),
        (
            arch("role-github-ci"),
            format!("github-actions-{}", projects[0]),
            "/".into(),
            String::new(),
        ),
    ];
    let n_roles = rng.range(13, 17) as usize + extra_roles;
    let mut data_roles = 0;
    while roles.len() < n_roles {
        let extra = roles.len() >= 17;
        let a = match rng.below(20) {
            0..=3 => arch("role-ec2-app"),
            4..=8 => arch("role-lambda"),
            9..=11 => arch("role-ecs-task"),
            12..=14 => arch("role-data-pipeline"),
            15..=16 => arch("role-automation"),
            17 if extra => arch("role-sso-admin"),
            _ => arch("role-github-ci"),
        };
        let p = *rng.pick(&projects);
        let (name, path, tag) = match ARCHETYPES[a].label {
            "role-ec2-app" => (
                if rng.chance(0.5) {
                    format!("{p}-{env}-ec2-role")
                } else {
                    format!("{p}-app-instance-role")
                },
                "/".to_string(),
                String::new(),
            ),
            "role-lambda" => {
                let f = format!("{p}-{env}-{}", rng.pick(&VERBS));
                (
                    format!("{f}-role-{}", rng.lower_alnum(8)),
                    "/service-role/".to_string(),
                    f,
                )
            }
            "role-ecs-task" => (
                if rng.chance(0.6) {
                    format!("{p}-{env}-task-role")
                } else {
                    format!("ecsTaskRole-{p}")
                },
                "/".to_string(),
                String::new(),
            ),
            "role-data-pipeline" => {
                data_roles += 1;
                match data_roles {
                    1 => (
                        "etl".to_string(),
                        "/service-role/".to_string(),
                        String::new(),
                    ),
                    _ if rng.chance(0.5) => (
                        format!("AWSGlueServiceRole-{p}"),
                        "/service-role/".to_string(),
                        String::new(),
                    ),
                    _ => (
                        format!("{p}-{env}-sfn-role"),
                        "/".to_string(),
                        String::new(),
                    ),
                }
            }
            "role-automation" => (
                if rng.chance(0.5) {
                    format!("{p}-{env}-automation")
                } else {
                    "ops-scripts-role".to_string()
                },
                "/".to_string(),
                String::new(),
            ),
            "role-sso-admin" => (
                format!("AWSReservedSSO_PowerUserAccess_{}", rng.hex(16)),
                "/aws-reserved/sso.amazonaws.com/".to_string(),
                String::new(),
            ),
            _ => (
                if rng.chance(0.5) {
                    format!("github-actions-{p}")
                } else {
                    format!("gha-deploy-{env}")
                },
                "/".to_string(),
                String::new(),
            ),
        };
        roles.push((a, name, path, tag));
    }
    for (a, name, path, tag) in roles {
        let name = unique(&mut taken, name);
        if !tag.is_empty() && ARCHETYPES[a].label == "role-lambda" {
            acct.pools[Kind::Function as usize].push(tag.clone());
            acct.pools[Kind::LogGroup as usize].push(format!("/aws/lambda/{tag}"));
        }
        out.push(Blueprint {
            arch: a,
            name,
            path,
            tag,
        });
    }

    // AWS services acting in the account.
    let mut services: Vec<(&str, &str)> = vec![
        ("lambda.amazonaws.com", "service-assume"),
        ("cloudtrail.amazonaws.com", "service-delivery"),
    ];
    let optional = [
        ("ecs-tasks.amazonaws.com", "service-assume"),
        ("ec2.amazonaws.com", "service-assume"),
        ("config.amazonaws.com", "service-delivery"),
        ("events.amazonaws.com", "service-events"),
        ("secretsmanager.amazonaws.com", "service-rotation"),
        ("kms.amazonaws.com", "service-rotation"),
    ];
    let n_services = rng.range(3, 5) as usize;
    let start = rng.index(optional.len());
    for k in 0..n_services - 2 {
        services.push(optional[(start + k * 2) % optional.len()]);
    }
    for (host, label) in services {
        out.push(Blueprint {
            arch: arch(label),
            name: host.to_string(),
            path: String::new(),
            tag: host.to_string(),
        });
    }
    out.push(Blueprint {
        arch: arch("root"),
        name: "root".into(),
        path: String::new(),
        tag: String::new(),
    });
    out
}

#[allow(clippy::too_many_arguments)]
fn make_principal(
    seed: u64,
    rng: &mut Rng,
    people_rng: &mut Rng,
    accounts: &[Account],
    ai: usize,
    idx: usize,
    bp: Blueprint,
    calls: &[Call],
    domain: &str,
) -> Principal {
    let a = &ARCHETYPES[bp.arch];
    let acct = &accounts[ai];
    let hash = mix(&[seed, 0x5052_4e43, idx as u64]);
    let (arn, key, unique_id, access_key) = match a.ptype {
        PType::User => {
            let arn = format!("arn:aws:iam::{}:user{}{}", acct.id, bp.path, bp.name);
            (arn.clone(), arn, rng.aws_id("AIDA"), rng.access_key("AKIA"))
        }
        PType::Role => {
            let arn = format!("arn:aws:iam::{}:role{}{}", acct.id, bp.path, bp.name);
            (arn.clone(), arn, rng.aws_id("AROA"), String::new())
        }
        PType::Service => (
            bp.name.clone(),
            bp.name.clone(),
            String::new(),
            String::new(),
        ),
        PType::Root => {
            let arn = format!("arn:aws:iam::{}:root", acct.id);
            (arn.clone(), arn, acct.id.clone(), String::new())
        }
    };

    // Calls: the archetype's core (most of it, lightly shuffled), then a random tail.
    let index_of = |key: &str| -> Option<u16> {
        let (svc, name) = key.split_once(':')?;
        calls
            .iter()
            .position(|c| c.service().key == svc && c.name == name)
            .map(|i| i as u16)
    };
    let mut mine: Vec<u16> = Vec::new();
    for (i, c) in a.core.iter().enumerate() {
        if let Some(ci) = index_of(c) {
            // Rotation services only do their own service's events.
            if a.label == "service-rotation"
                && !SERVICES[calls[ci as usize].svc as usize]
                    .source
                    .eq(&bp.name)
            {
                continue;
            }
            if i < 2 || rng.chance(0.85) {
                mine.push(ci);
            }
        }
    }
    if mine.is_empty()
        && let Some(ci) = a.core.first().and_then(|c| index_of(c))
    {
        mine.push(ci);
    }
    for i in 1..mine.len() {
        if rng.chance(0.35) {
            mine.swap(i - 1, i);
        }
    }
    if a.tail_n.1 > 0 {
        let n = rng.range(a.tail_n.0, a.tail_n.1);
        let pool: Vec<u16> = calls
            .iter()
            .enumerate()
            .filter(|(_, c)| a.tail.contains(&c.service().key) && c.service().key != "signin")
            .map(|(i, _)| i as u16)
            .collect();
        let mut attempts = 0;
        let mut added = 0;
        while added < n && attempts < n * 8 && !pool.is_empty() {
            attempts += 1;
            let ci = *rng.pick(&pool);
            if mine.contains(&ci) {
                continue;
            }
            if rng.chance(a.tail_read) && !calls[ci as usize].read_only {
                continue;
            }
            mine.push(ci);
            added += 1;
        }
    }
    let s_step = rng.below(3);
    let weights: Vec<f64> = (0..mine.len()).map(|r| zipf(r, s_step)).collect();
    let pick_all = Weighted::new(weights.iter().copied());
    let regional_w: Vec<f64> = mine
        .iter()
        .zip(&weights)
        .map(|(&ci, &w)| {
            if calls[ci as usize].service().global {
                0.0
            } else {
                w
            }
        })
        .collect();
    let has_regional = regional_w.iter().any(|&w| w > 0.0);
    let pick_regional = if has_regional {
        Weighted::new(regional_w)
    } else {
        pick_all.clone()
    };

    let ua = if a.ua.len() == 1 || rng.chance(0.6) {
        a.ua[0]
    } else {
        *rng.pick(a.ua)
    };
    let ips = match a.net {
        Net::Office => {
            let n = rng.range(1, 3);
            (0..n).map(|_| public_ip(rng, &ISP_OCTETS)).collect()
        }
        Net::Saas => (0..4).map(|_| public_ip(rng, &AWS_OCTETS)).collect(),
        _ => Vec::new(),
    };
    let people = if a.session == Session::Email {
        let n = people_rng.range(2, 8);
        (0..n)
            .map(|_| {
                format!(
                    "{}.{}@{domain}",
                    people_rng.pick(&FIRST),
                    people_rng.pick(&LAST)
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let regions = match a.label {
        "role-ec2-app" | "role-lambda" | "role-ecs-task" | "role-data-pipeline"
        | "role-automation" | "role-github-ci" | "role-cfn-exec" | "user-service" => {
            let mut m = 0u8;
            if rng.chance(0.85) {
                m |= 1;
            }
            if rng.chance(0.4) {
                m |= 2;
            }
            if rng.chance(0.25) {
                m |= 4;
            }
            if m == 0 { 1 << rng.below(3) } else { m }
        }
        _ => 0b111,
    };
    let broken = if mine.len() > 4 && rng.chance(0.3) {
        Some(3 + rng.index(mine.len() - 3))
    } else {
        None
    };
    // Heavy-tailed activity: a few principals dominate their account.
    let weight = a.weight / (0.1 + rng.f64());
    Principal {
        ptype: a.ptype,
        arch: bp.arch,
        account: ai,
        name: bp.name,
        arn,
        key,
        unique_id,
        access_key,
        calls: mine,
        pick_all,
        pick_regional,
        has_regional,
        ua,
        ua_seed: rng.next_u64(),
        tls13: rng.chance(0.8),
        net: a.net,
        ips,
        session: a.session,
        people,
        tag: bp.tag,
        error_rate: a.error_rate * (0.4 + 0.9 * rng.f64()),
        broken,
        affinity: rng.next_u64(),
        weight,
        regions,
        hash,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_is_deterministic_and_complete() {
        let a = World::build(42, 100_000);
        let b = World::build(42, 100_000);
        assert_eq!(a.accounts.len(), b.accounts.len());
        assert!((3..=5).contains(&a.accounts.len()));
        let keys: Vec<_> = a.principals.iter().map(|p| &p.key).collect();
        let keys_b: Vec<_> = b.principals.iter().map(|p| &p.key).collect();
        assert_eq!(keys, keys_b);
        for acct in &a.accounts {
            assert_eq!(acct.id.len(), 12);
            for (k, pool) in acct.pools.iter().enumerate() {
                assert!(!pool.is_empty(), "empty pool {k}");
            }
            for r in 0..3 {
                assert!(acct.pick[r].total() > 0.0);
            }
        }
        assert!(a.principals.iter().all(|p| !p.calls.is_empty()));
        let bigger = World::build(42, 5_000_000);
        assert!(bigger.principals.len() >= a.principals.len() + 90);
    }
}
