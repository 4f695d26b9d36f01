//! Call-specific parts of a record: `requestParameters`, `responseElements`,
//! `additionalEventData` and `resources`, shaped like the real ones for the calls that
//! dominate trails, and by a per-service generic shape for the long tail.

use super::catalog::{Kind, PType, SERVICES, Session};
use super::json::{Json, civil, java_date};
use super::record::{Ev, Out, Res, iam_action, session};
use super::rng::Rng;

const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";
const S3_NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// Fills `o` for the call in `e`.
pub(super) fn body(e: &Ev, rng: &mut Rng, o: &mut Out) {
    match e.svc.key {
        "s3" => s3(e, rng, o),
        "ec2" => ec2(e, rng, o),
        "iam" => iam(e, rng, o),
        "sts" => sts(e, rng, o),
        "kms" => kms(e, rng, o),
        "lambda" => lambda(e, rng, o),
        "dynamodb" => dynamodb(e, rng, o),
        "sqs" => sqs(e, rng, o),
        "sns" if e.call.name == "Publish" || e.call.name == "PublishBatch" => {
            sns_publish(e, rng, o)
        }
        "kinesis" if e.call.data => kinesis(e, rng, o),
        "logs" => logs(e, rng, o),
        "monitoring" => monitoring(e, rng, o),
        "ssm" => ssm(e, rng, o),
        "secretsmanager" => secrets(e, rng, o),
        "cloudformation" => cloudformation(e, rng, o),
        "ecr" => ecr(e, rng, o),
        "ecs" => ecs(e, rng, o),
        "signin" => signin(e, rng, o),
        "glue" => glue(e, rng, o),
        "athena" => athena(e, rng, o),
        "states" => states(e, rng, o),
        _ => generic(e, rng, o),
    }
}

// ----------------------------------------------------------------------------------------
// Shared pieces.

fn date_parts(t: i64) -> (i64, u32, u32, i64, i64) {
    let (y, m, d) = civil(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    (y, m, d, s / 3600, s / 60 % 60)
}

fn tag_pairs(e: &Ev, rng: &mut Rng) -> Vec<(&'static str, String)> {
    let project = e.acct.projects[(e.p.affinity % e.acct.projects.len() as u64) as usize];
    let mut tags = vec![
        ("Environment", e.acct.env.to_string()),
        ("Project", project.to_string()),
    ];
    let extra: [(&'static str, String); 6] = [
        ("Owner", format!("team-{project}")),
        ("CostCenter", format!("cc-{}", 1000 + e.p.affinity % 9000)),
        (
            "ManagedBy",
            if e.p.net == super::catalog::Net::Service {
                "cloudformation".into()
            } else {
                "terraform".into()
            },
        ),
        (
            "Service",
            format!(
                "{project}-{}",
                ["api", "worker", "web"][(e.p.hash % 3) as usize]
            ),
        ),
        (
            "DataClassification",
            ["internal", "confidential", "public"][(e.p.hash % 3) as usize].into(),
        ),
        (
            "Repository",
            format!("github.com/{}/{project}", e.w.company),
        ),
    ];
    let n = rng.below(5) as usize;
    tags.extend(extra.into_iter().take(n));
    tags
}

/// `"tags":[{"key":..,"value":..}]` in the given key spelling.
fn tags(j: &mut Json, e: &Ev, rng: &mut Rng, field: &str, k: &str, v: &str) {
    j.ka(field);
    for (key, value) in tag_pairs(e, rng) {
        j.obj();
        j.ks(k, key);
        j.ks(v, &value);
        j.end();
    }
    j.end_arr();
}

/// An IAM policy document as JSON text.
fn policy_doc(e: &Ev, rng: &mut Rng) -> String {
    let mut b = Vec::with_capacity(800);
    let mut j = Json::new(&mut b);
    j.obj();
    j.ks("Version", "2012-10-17");
    j.ka("Statement");
    let n = 1 + rng.skewed(6);
    for i in 0..n {
        j.obj();
        let svc_i = rng.index(12);
        let svc = &SERVICES[svc_i];
        let sid = format!(
            "{}{}{}",
            if i % 3 == 2 { "Deny" } else { "Allow" },
            pascal_key(svc.key),
            i
        );
        j.ks("Sid", &sid);
        j.ks("Effect", if i % 3 == 2 { "Deny" } else { "Allow" });
        j.ka("Action");
        let calls: Vec<_> =
            e.w.calls
                .iter()
                .filter(|c| c.svc as usize == svc_i)
                .collect();
        let k = 1 + rng.skewed(8);
        for _ in 0..k {
            j.str(&iam_action(calls[rng.index(calls.len())]));
        }
        j.end_arr();
        j.ka("Resource");
        let pool = &e.acct.pools[svc.kind as usize];
        for _ in 0..1 + rng.skewed(3) {
            j.str(&e.expand(svc.arn, &pool[rng.index(pool.len())]));
        }
        j.end_arr();
        if rng.chance(0.25) {
            j.ko("Condition");
            j.ko("StringEquals");
            j.ks("aws:PrincipalOrgID", "o-a1b2c3d4e5");
            j.end();
            j.end();
        }
        j.end();
    }
    j.end_arr();
    j.end();
    String::from_utf8(b).unwrap_or_default()
}

fn pascal_key(k: &str) -> String {
    let mut c = k.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_ascii_uppercase().to_string() + c.as_str()
    })
}

fn trust_doc(service: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
    )
}

fn is_listing(name: &str) -> bool {
    name.starts_with("List")
        || ((name.starts_with("Describe") || name.starts_with("Get"))
            && name.ends_with('s')
            && !name.ends_with("Status")
            && !name.ends_with("Details")
            && !name.ends_with("Attributes")
            && !name.ends_with("Settings")
            && !name.ends_with("Access"))
}

fn paging(j: &mut Json, e: &Ev, rng: &mut Rng) {
    let (max_key, token_key) = match e.svc.key {
        "iam" | "route53" | "cloudfront" | "lambda" => ("maxItems", "marker"),
        "rds"
        | "elasticache"
        | "redshift"
        | "monitoring"
        | "autoscaling"
        | "elasticloadbalancing" => ("maxRecords", "marker"),
        _ => ("maxResults", "nextToken"),
    };
    match rng.below(4) {
        0 => {}
        1 => j.kn(max_key, [20, 50, 100, 1000][rng.index(4)]),
        2 => {
            j.kn(max_key, 100);
            let t = {
                let n = 40 + rng.below(120) as usize;
                rng.base64(n)
            };
            j.ks(token_key, &t);
        }
        _ => {
            j.ka("filters");
            j.obj();
            j.ks("name", "tag:Environment");
            j.kstrs("values", &[e.acct.env]);
            j.end();
            j.end_arr();
        }
    }
}

/// EC2's private DNS name for `ip` in `region`.
fn internal_dns(region: &str, ip: &str) -> String {
    let host = ip.replace('.', "-");
    if region == "us-east-1" {
        format!("ip-{host}.ec2.internal")
    } else {
        format!("ip-{host}.{region}.compute.internal")
    }
}

/// The zone-id prefix of a region (`use1`).
fn az_id_prefix(region: &str) -> &'static str {
    match region {
        "us-east-1" => "use1",
        "eu-west-1" => "euw1",
        _ => "apse2",
    }
}

fn bucket_arn(b: &str) -> String {
    format!("arn:aws:s3:::{b}")
}

fn kms_key_arn(e: &Ev, rng: &mut Rng) -> String {
    let k = e.pick(rng, Kind::KmsKey);
    format!("arn:aws:kms:{}:{}:key/{k}", e.region, e.acct.id)
}

// ----------------------------------------------------------------------------------------
// Generic: the long tail of every service.

/// Calls that take no parameters (CloudTrail logs `requestParameters: null`).
const NO_ARGS: &[&str] = &[
    "DescribeOrganization",
    "ListRoots",
    "DescribeRegistry",
    "GetEbsEncryptionByDefault",
    "GetSendQuota",
    "GetAccount",
    "DescribeHub",
    "GetMasterAccount",
    "GetAdministratorAccount",
    "GetAccountConfiguration",
    "GetAccountSummary",
    "ListAccountAliases",
    "GetAccountPasswordPolicy",
    "GenerateCredentialReport",
    "GetCredentialReport",
    "GetHostedZoneCount",
    "DescribeConfigurationRecorderStatus",
    "ListDetectors",
    "GetRegistryScanningConfiguration",
    "DescribeSeverityLevels",
    "GetBlockPublicAccessConfiguration",
];

fn generic(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let s = e.svc;
    let name = e.call.name;
    let res = if s.key == "organizations" {
        e.w.accounts[rng.index(e.w.accounts.len())].id.clone()
    } else {
        e.pick(rng, s.kind).to_string()
    };
    o.primary = e.arn(&res);
    if NO_ARGS.contains(&name) {
        return;
    }
    {
        let mut j = Json::new(&mut o.req);
        j.obj();
        if is_listing(name) || s.id_key.is_empty() {
            paging(&mut j, e, rng);
            if s.key == "ce" {
                let (y, m, _, _, _) = date_parts(e.t);
                j.ko("timePeriod");
                j.ks("start", &format!("{y}-{m:02}-01"));
                j.ks("end", &format!("{y}-{m:02}-28"));
                j.end();
                j.ks("granularity", "DAILY");
                j.kstrs("metrics", &["UnblendedCost", "UsageQuantity"]);
                j.ka("groupBy");
                j.obj();
                j.ks("type", "DIMENSION");
                j.ks("key", "SERVICE");
                j.end();
                j.end_arr();
            }
        } else {
            j.ks(s.id_key, &e.expand(s.id_fmt, &res));
            if name.starts_with("Create") || name.starts_with("Put") || name.starts_with("Register")
            {
                j.ks("clientToken", &rng.uuid());
                if rng.chance(0.5) {
                    j.ks(
                        "description",
                        &format!("Managed by {} for {}", e.sess, e.acct.env),
                    );
                }
                if rng.chance(0.6) {
                    tags(&mut j, e, rng, "tags", "key", "value");
                }
            } else if name.starts_with("Tag") || name.starts_with("AddTags") {
                tags(&mut j, e, rng, "tags", "key", "value");
            } else if name.starts_with("Update") || name.starts_with("Modify") {
                j.kb("applyImmediately", rng.chance(0.5));
                j.kn("desiredCount", rng.range(1, 12));
            } else if name.starts_with("Start") {
                j.ks("clientRequestToken", &rng.uuid());
            }
        }
        j.end();
    }
    if !e.call.read_only && !e.failed {
        let mut j = Json::new(&mut o.resp);
        if name.starts_with("Create") || name.starts_with("Register") || name.starts_with("Request")
        {
            j.obj();
            let field = format!(
                "{}Arn",
                lower_first(
                    name.trim_start_matches("Create")
                        .trim_start_matches("Register")
                        .trim_start_matches("Request")
                )
            );
            j.ks(&field, &o.primary);
            j.end();
        } else if name.starts_with("Start") || name.starts_with("Run") {
            j.obj();
            j.ks("id", &rng.uuid());
            j.ks("arn", &o.primary);
            j.end();
        } else if (name.starts_with("Update")
            || name.starts_with("Put")
            || name.starts_with("Modify"))
            && rng.chance(0.6)
        {
            j.obj();
            j.ks("arn", &o.primary);
            j.ks("name", &res);
            j.ks("lastModified", &java_date(e.t));
            j.end();
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
        None => "resource".to_string(),
    }
}

// ----------------------------------------------------------------------------------------
// S3.

fn s3_key(e: &Ev, rng: &mut Rng, bucket: &str) -> String {
    let (y, m, d, hh, mm) = date_parts(e.t);
    let acct = &e.acct.id;
    let r = e.region;
    let p = e.acct.projects[rng.index(e.acct.projects.len())];
    if bucket.contains("cloudtrail") {
        format!(
            "AWSLogs/{acct}/CloudTrail/{r}/{y}/{m:02}/{d:02}/{acct}_CloudTrail_{r}_{y}{m:02}{d:02}T{hh:02}{:02}Z_{}.json.gz",
            mm / 5 * 5,
            rng.alnum(16)
        )
    } else if bucket.contains("athena-results") {
        format!("{}/{}.csv", p, rng.uuid())
    } else if bucket.starts_with("cdk-") {
        format!("{}.zip", rng.hex(64))
    } else if bucket.starts_with("aws-glue-assets") {
        format!("scripts/{p}-{}-job.py", e.acct.env)
    } else if bucket.contains("backups") {
        format!(
            "backups/{p}-{}-db/{y}-{m:02}-{d:02}/dump-{:04}.sql.gz",
            e.acct.env,
            rng.below(64)
        )
    } else if bucket.contains("-logs-") {
        format!(
            "AWSLogs/{acct}/elasticloadbalancing/{r}/{y}/{m:02}/{d:02}/{acct}_elasticloadbalancing_{r}_app.{p}-{}-alb.{}_{y}{m:02}{d:02}T{hh:02}{mm:02}Z_10.0.{}.{}_{}.log.gz",
            e.acct.env,
            rng.hex(16),
            rng.below(256),
            rng.below(256),
            rng.lower_alnum(8)
        )
    } else if bucket.starts_with("config-bucket") {
        format!(
            "AWSLogs/{acct}/Config/{r}/{y}/{m}/{d}/ConfigHistory/{acct}_Config_{r}_ConfigHistory_AWS::EC2::Instance_{y}{m:02}{d:02}T{hh:02}{mm:02}Z_{y}{m:02}{d:02}T{hh:02}{mm:02}Z_1.json.gz"
        )
    } else if bucket.ends_with("-uploads") {
        format!(
            "uploads/{}/{}.{}",
            rng.uuid(),
            rng.lower_alnum(10),
            ["jpg", "png", "pdf", "heic"][rng.index(4)]
        )
    } else if bucket.ends_with("static-site") {
        format!("static/js/main.{}.js", rng.hex(8))
    } else if bucket.ends_with("-assets") {
        format!(
            "assets/{p}/{}.{}",
            rng.hex(20),
            ["css", "js", "woff2", "svg"][rng.index(4)]
        )
    } else {
        let entity = [
            "events",
            "orders",
            "sessions",
            "clicks",
            "invoices",
            "page_views",
        ][rng.index(6)];
        format!(
            "{entity}/year={y}/month={m:02}/day={d:02}/hour={hh:02}/part-{:05}-{}.c000.snappy.parquet",
            rng.below(200),
            rng.uuid()
        )
    }
}

fn s3_additional(j: &mut Json, e: &Ev, rng: &mut Rng, bytes_in: u64, bytes_out: u64) {
    j.obj();
    j.ks("SignatureVersion", "SigV4");
    j.ks(
        "CipherSuite",
        if e.p.tls13 {
            "TLS_AES_128_GCM_SHA256"
        } else {
            "ECDHE-RSA-AES128-GCM-SHA256"
        },
    );
    j.kn("bytesTransferredIn", bytes_in);
    if e.call.name == "PutObject" || e.call.name == "GetObject" {
        j.ks(
            "SSEApplied",
            if rng.chance(0.5) {
                "SSE_KMS"
            } else {
                "Default_SSE_S3"
            },
        );
    }
    j.ks(
        "AuthenticationMethod",
        if e.p.ua == super::catalog::Ua::Console {
            "QueryString"
        } else {
            "AuthHeader"
        },
    );
    j.ks("x-amz-id-2", &rng.base64(76));
    j.kn("bytesTransferredOut", bytes_out);
    j.end();
}

fn s3(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    if name == "ListBuckets" {
        let host = format!("s3.{}.amazonaws.com", e.region);
        let mut j = Json::new(&mut o.req);
        j.obj();
        j.ks("Host", &host);
        j.end();
        o.host = host;
        o.primary = "arn:aws:s3:::*".to_string();
        let out_bytes = 2000 + rng.below(20_000);
        s3_additional(&mut Json::new(&mut o.add), e, rng, 0, out_bytes);
        return;
    }
    let bucket = e.pick(rng, Kind::Bucket).to_string();
    let host = format!("{bucket}.s3.{}.amazonaws.com", e.region);
    let barn = bucket_arn(&bucket);
    let object_op = e.call.data && name != "ListObjects" && name != "ListObjectVersions";
    let key = if object_op {
        s3_key(e, rng, &bucket)
    } else {
        String::new()
    };
    let size = 200 + rng.skewed(5_000_000) as u64;
    let (mut bytes_in, mut bytes_out) = (0, 0);
    let mut list_prefix = String::new();
    {
        let mut j = Json::new(&mut o.req);
        j.obj();
        j.ks("bucketName", &bucket);
        j.ks("Host", &host);
        if object_op {
            j.ks("key", &key);
            match name {
                "GetObjectTagging" | "PutObjectTagging" => j.ks("tagging", ""),
                "GetObjectAcl" => j.ks("acl", ""),
                "GetObjectAttributes" => j.ks("attributes", ""),
                "CreateMultipartUpload" => j.ks("uploads", ""),
                "UploadPart" | "CompleteMultipartUpload" | "AbortMultipartUpload" => {
                    j.ks("uploadId", &rng.base64(88));
                    if name == "UploadPart" {
                        j.ks("partNumber", &(1 + rng.below(40)).to_string());
                    }
                }
                "CopyObject" => {
                    let src = format!("{}/{}", e.pick(rng, Kind::Bucket), s3_key(e, rng, &bucket));
                    j.ks("x-amz-copy-source", &src);
                }
                "DeleteObjects" => j.ks("delete", ""),
                _ => {}
            }
            if name == "PutObjectTagging" {
                j.ko("Tagging");
                j.ks("xmlns", S3_NS);
                j.ko("TagSet");
                j.ka("Tag");
                for (k, v) in tag_pairs(e, rng) {
                    j.obj();
                    j.ks("Key", k);
                    j.ks("Value", &v);
                    j.end();
                }
                j.end_arr();
                j.end();
                j.end();
            }
            if name == "DeleteObjects" {
                j.ko("Delete");
                j.ks("xmlns", S3_NS);
                j.ka("Object");
                for _ in 0..1 + rng.skewed(12) {
                    j.obj();
                    j.ks("Key", &s3_key(e, rng, &bucket));
                    j.end();
                }
                j.end_arr();
                j.kb("Quiet", true);
                j.end();
            }
            match name {
                "PutObject" | "UploadPart" => bytes_in = size,
                "GetObject" => bytes_out = size,
                _ => {}
            }
        } else if name == "ListObjects" || name == "ListObjectVersions" {
            if name == "ListObjects" {
                j.ks("list-type", "2");
            } else {
                j.ks("versions", "");
            }
            j.ks("encoding-type", "url");
            j.ks("max-keys", "1000");
            let prefix = s3_key(e, rng, &bucket);
            let cut = prefix.rfind('/').map_or(0, |i| i + 1);
            list_prefix = prefix[..cut].to_string();
            j.ks("prefix", &list_prefix);
            j.ks("delimiter", "/");
            bytes_out = 300 + rng.below(60_000);
        } else {
            // Bucket sub-resources: GetBucketAcl -> "acl":"".
            let sub = name
                .trim_start_matches("Get")
                .trim_start_matches("Put")
                .trim_start_matches("Delete")
                .trim_start_matches("Bucket");
            let sub = match sub {
                "ObjectLockConfiguration" => "object-lock".to_string(),
                "AccelerateConfiguration" => "accelerate".to_string(),
                "" | "Head" => String::new(),
                s => lower_first(s),
            };
            if !sub.is_empty() && name != "CreateBucket" && name != "HeadBucket" {
                j.ks(&sub, "");
            }
            match name {
                "PutBucketPolicy" => {
                    let doc = policy_doc(e, rng);
                    j.key("bucketPolicy");
                    j.raw(doc.as_bytes());
                }
                "PutBucketTagging" => {
                    j.ko("Tagging");
                    j.ks("xmlns", S3_NS);
                    j.ko("TagSet");
                    j.ka("Tag");
                    for (k, v) in tag_pairs(e, rng) {
                        j.obj();
                        j.ks("Key", k);
                        j.ks("Value", &v);
                        j.end();
                    }
                    j.end_arr();
                    j.end();
                    j.end();
                }
                "PutBucketEncryption" => {
                    j.ko("ServerSideEncryptionConfiguration");
                    j.ks("xmlns", S3_NS);
                    j.ko("Rule");
                    j.ko("ApplyServerSideEncryptionByDefault");
                    j.ks("SSEAlgorithm", "aws:kms");
                    j.ks("KMSMasterKeyID", &kms_key_arn(e, rng));
                    j.end();
                    j.kb("BucketKeyEnabled", true);
                    j.end();
                    j.end();
                }
                "PutBucketVersioning" => {
                    j.ko("VersioningConfiguration");
                    j.ks("xmlns", S3_NS);
                    j.ks("Status", "Enabled");
                    j.end();
                }
                "PutBucketPublicAccessBlock" => {
                    j.ko("PublicAccessBlockConfiguration");
                    j.ks("xmlns", S3_NS);
                    for k in [
                        "BlockPublicAcls",
                        "IgnorePublicAcls",
                        "BlockPublicPolicy",
                        "RestrictPublicBuckets",
                    ] {
                        j.kb(k, true);
                    }
                    j.end();
                }
                "PutBucketLifecycle" => {
                    j.ko("LifecycleConfiguration");
                    j.ks("xmlns", S3_NS);
                    j.ka("Rule");
                    for i in 0..1 + rng.below(4) {
                        j.obj();
                        j.ks("ID", &format!("expire-rule-{i}"));
                        j.ko("Filter");
                        j.ks("Prefix", ["logs/", "tmp/", "exports/", ""][i as usize % 4]);
                        j.end();
                        j.ks("Status", "Enabled");
                        j.ko("Expiration");
                        j.kn("Days", [30, 90, 365, 7][i as usize % 4]);
                        j.end();
                        j.end();
                    }
                    j.end_arr();
                    j.end();
                }
                "CreateBucket" if e.region != "us-east-1" => {
                    j.ko("CreateBucketConfiguration");
                    j.ks("xmlns", S3_NS);
                    j.ks("LocationConstraint", e.region);
                    j.end();
                }
                _ => {}
            }
            bytes_out = if e.call.read_only {
                100 + rng.below(2000)
            } else {
                0
            };
        }
        j.end();
    }
    if !e.failed {
        let mut j = Json::new(&mut o.resp);
        match name {
            "PutObject" | "CompleteMultipartUpload" | "CopyObject" => {
                j.obj();
                if rng.chance(0.5) {
                    j.ks("x-amz-server-side-encryption", "aws:kms");
                    j.ks(
                        "x-amz-server-side-encryption-aws-kms-key-id",
                        &kms_key_arn(e, rng),
                    );
                    j.ks("x-amz-server-side-encryption-bucket-key-enabled", "true");
                } else {
                    j.ks("x-amz-server-side-encryption", "AES256");
                }
                if rng.chance(0.4) {
                    j.ks("x-amz-version-id", &rng.alnum(32));
                }
                j.end();
            }
            "CreateMultipartUpload" => {
                j.obj();
                j.ks("x-amz-server-side-encryption", "AES256");
                j.ko("CreateMultipartUploadResult");
                j.ks("Bucket", &bucket);
                j.ks("Key", &key);
                j.ks("UploadId", &rng.base64(88));
                j.ks("xmlns", S3_NS);
                j.end();
                j.end();
            }
            "CreateBucket" => {
                j.obj();
                j.ks("Location", &format!("/{bucket}"));
                j.end();
            }
            _ => {}
        }
    }
    s3_additional(&mut Json::new(&mut o.add), e, rng, bytes_in, bytes_out);
    o.host = host;
    if object_op {
        let oarn = format!("{barn}/{key}");
        o.primary = oarn.clone();
        o.res.push(Res {
            account: None,
            kind: "AWS::S3::Object",
            arn: oarn,
            prefix: false,
        });
        e.resource(o, "AWS::S3::Bucket", barn, true);
        o.nf_code = "NoSuchKey";
        o.nf_msg = "The specified key does not exist.".to_string();
    } else {
        if name == "ListObjects" || name == "ListObjectVersions" {
            o.res.push(Res {
                account: None,
                kind: "AWS::S3::Object",
                arn: format!("{barn}/{list_prefix}"),
                prefix: true,
            });
        }
        o.primary = barn.clone();
        e.resource(o, "AWS::S3::Bucket", barn, true);
        if let Some((_, code, msg)) = super::record::s3_not_found(name) {
            o.nf_code = code;
            o.nf_msg = msg.to_string();
        } else {
            o.nf_code = "NoSuchBucket";
            o.nf_msg = "The specified bucket does not exist".to_string();
        }
    }
}

// ----------------------------------------------------------------------------------------
// EC2.

fn ec2_noun(name: &str) -> &str {
    let rest = name
        .trim_start_matches("Describe")
        .trim_start_matches("Create")
        .trim_start_matches("Delete")
        .trim_start_matches("Modify");
    rest.strip_suffix('s').unwrap_or(rest)
}

fn ec2_filters(j: &mut Json, e: &Ev, rng: &mut Rng) {
    j.ko("filterSet");
    if rng.chance(0.55) {
        j.ka("items");
        let n = 1 + rng.skewed(4);
        for _ in 0..n {
            j.obj();
            let (name, value) = match rng.below(6) {
                0 => (
                    "tag:Name".to_string(),
                    format!(
                        "{}-{}",
                        e.acct.projects[rng.index(e.acct.projects.len())],
                        e.acct.env
                    ),
                ),
                1 => ("vpc-id".to_string(), e.pick(rng, Kind::Vpc).to_string()),
                2 => ("instance-state-name".to_string(), "running".to_string()),
                3 => ("owner-id".to_string(), e.acct.id.clone()),
                4 => (
                    "tag:aws:autoscaling:groupName".to_string(),
                    e.pick(rng, Kind::Asg).to_string(),
                ),
                _ => (
                    "availability-zone".to_string(),
                    format!("{}{}", e.region, ["a", "b", "c"][rng.index(3)]),
                ),
            };
            j.ks("name", &name);
            j.ko("valueSet");
            j.ka("items");
            j.obj();
            j.ks("value", &value);
            j.end();
            j.end_arr();
            j.end();
            j.end();
        }
        j.end_arr();
    }
    j.end();
}

fn ec2_tag_set(j: &mut Json, e: &Ev, rng: &mut Rng, field: &str) {
    j.ko(field);
    j.ka("items");
    for (k, v) in tag_pairs(e, rng) {
        j.obj();
        j.ks("key", k);
        j.ks("value", &v);
        j.end();
    }
    j.end_arr();
    j.end();
}

fn ec2_items(j: &mut Json, field: &str, key: &str, values: &[&str]) {
    j.ko(field);
    j.ka("items");
    for v in values {
        j.obj();
        j.ks(key, v);
        j.end();
    }
    j.end_arr();
    j.end();
}

fn ec2(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    let instance = e.pick(rng, Kind::Instance).to_string();
    o.primary = e.arn(&instance);
    let az = format!("{}{}", e.region, ["a", "b", "c"][rng.index(3)]);
    let mut j = Json::new(&mut o.req);
    j.obj();
    match name {
        "DescribeInstances" | "DescribeInstanceStatus" => {
            if rng.chance(0.35) {
                ec2_items(&mut j, "instancesSet", "instanceId", &[&instance]);
                o.nf_code = "Client.InvalidInstanceID.NotFound";
                o.nf_msg = format!("The instance ID '{instance}' does not exist");
            } else {
                j.ko("instancesSet");
                j.end();
            }
            ec2_filters(&mut j, e, rng);
            if name == "DescribeInstanceStatus" {
                j.kb("includeAllInstances", true);
            }
        }
        "DescribeSnapshots" => {
            j.ko("snapshotSet");
            j.end();
            ec2_items(&mut j, "ownersSet", "owner", &["self"]);
            j.ko("sharedUsersSet");
            j.end();
            ec2_filters(&mut j, e, rng);
        }
        "DescribeImages" => {
            j.ko("executableBySet");
            j.end();
            j.ko("imagesSet");
            j.end();
            ec2_items(
                &mut j,
                "ownersSet",
                "owner",
                &[if rng.chance(0.5) { "amazon" } else { "self" }],
            );
            j.ko("filterSet");
            j.ka("items");
            j.obj();
            j.ks("name", "name");
            ec2_items(&mut j, "valueSet", "value", &["al2023-ami-2023.*-x86_64"]);
            j.end();
            j.end_arr();
            j.end();
        }
        "RunInstances" => {
            j.ko("instancesSet");
            j.ka("items");
            j.obj();
            j.ks("imageId", e.pick(rng, Kind::Ami));
            j.kn("minCount", 1);
            j.kn("maxCount", 1);
            j.end();
            j.end_arr();
            j.end();
            j.ks(
                "instanceType",
                ["m6i.large", "c6g.xlarge", "t3.medium", "r6i.2xlarge"][rng.index(4)],
            );
            j.ko("blockDeviceMapping");
            j.end();
            j.ko("monitoring");
            j.kb("enabled", false);
            j.end();
            j.kb("disableApiTermination", false);
            j.kb("disableApiStop", false);
            j.ks("clientToken", &rng.uuid());
            j.ko("launchTemplate");
            j.ks("launchTemplateId", &format!("lt-0{}", rng.hex(16)));
            j.ks("version", "$Latest");
            j.end();
            j.ks("subnetId", e.pick(rng, Kind::Subnet));
            j.ko("tagSpecificationSet");
            j.ka("items");
            j.obj();
            j.ks("resourceType", "instance");
            j.ka("tags");
            for (k, v) in tag_pairs(e, rng) {
                j.obj();
                j.ks("key", k);
                j.ks("value", &v);
                j.end();
            }
            j.end_arr();
            j.end();
            j.end_arr();
            j.end();
        }
        "StartInstances" | "StopInstances" | "TerminateInstances" | "RebootInstances" => {
            ec2_items(&mut j, "instancesSet", "instanceId", &[&instance]);
            if name == "StopInstances" {
                j.kb("force", false);
            }
        }
        "CreateTags" | "DeleteTags" => {
            ec2_items(&mut j, "resourcesSet", "resourceId", &[&instance]);
            ec2_tag_set(&mut j, e, rng, "tagSet");
        }
        "CreateSnapshot" => {
            let vol = e.pick(rng, Kind::Volume).to_string();
            j.ks("volumeId", &vol);
            j.ks(
                "description",
                &format!(
                    "Created by {} for {vol} on {}",
                    e.sess,
                    super::json::iso(e.t)
                ),
            );
            j.ko("tagSpecificationSet");
            j.ka("items");
            j.obj();
            j.ks("resourceType", "snapshot");
            j.ka("tags");
            j.obj();
            j.ks("key", "CreatedBy");
            j.ks("value", e.sess);
            j.end();
            j.end_arr();
            j.end();
            j.end_arr();
            j.end();
        }
        "DeleteSnapshot" | "CopySnapshot" => {
            let snap = e.pick(rng, Kind::Snapshot);
            j.ks(
                if name == "CopySnapshot" {
                    "sourceSnapshotId"
                } else {
                    "snapshotId"
                },
                snap,
            );
            o.nf_code = "Client.InvalidSnapshot.NotFound";
            o.nf_msg = format!("The snapshot '{snap}' does not exist.");
        }
        "AuthorizeSecurityGroupIngress"
        | "RevokeSecurityGroupIngress"
        | "AuthorizeSecurityGroupEgress" => {
            j.ks("groupId", e.pick(rng, Kind::SecurityGroup));
            j.ko("ipPermissions");
            j.ka("items");
            for _ in 0..1 + rng.skewed(3) {
                let port = [443u64, 80, 22, 5432, 6379, 8080][rng.index(6)];
                j.obj();
                j.ks("ipProtocol", "tcp");
                j.kn("fromPort", port);
                j.kn("toPort", port);
                j.ko("groups");
                j.end();
                j.ko("ipRanges");
                j.ka("items");
                j.obj();
                j.ks(
                    "cidrIp",
                    ["10.0.0.0/16", "0.0.0.0/0", "172.31.0.0/16"][rng.index(3)],
                );
                j.ks("description", "managed by terraform");
                j.end();
                j.end_arr();
                j.end();
                j.ko("ipv6Ranges");
                j.end();
                j.ko("prefixListIds");
                j.end();
                j.end();
            }
            j.end_arr();
            j.end();
        }
        "CreateNetworkInterface" => {
            j.ks("subnetId", e.pick(rng, Kind::Subnet));
            j.ks(
                "description",
                &format!(
                    "arn:aws:ecs:{}:{}:attachment/{}",
                    e.region,
                    e.acct.id,
                    rng.uuid()
                ),
            );
            ec2_items(
                &mut j,
                "groupSet",
                "groupId",
                &[e.pick(rng, Kind::SecurityGroup)],
            );
            j.ks("clientToken", &rng.uuid());
        }
        "DeleteNetworkInterface" => j.ks("networkInterfaceId", &format!("eni-0{}", rng.hex(16))),
        "DescribeTags" => {
            ec2_filters(&mut j, e, rng);
        }
        _ if name.starts_with("Describe") || name.starts_with("Get") => {
            let noun = ec2_noun(name);
            if !noun.is_empty() {
                let set = format!("{}Set", lower_first(noun));
                j.ko(&set);
                j.end();
            }
            ec2_filters(&mut j, e, rng);
            if rng.chance(0.3) {
                j.kn("maxResults", 1000);
            }
        }
        _ => {
            let (k, v) = match ec2_noun(name) {
                "Volume" => ("volumeId", e.pick(rng, Kind::Volume).to_string()),
                "SecurityGroup" => ("groupId", e.pick(rng, Kind::SecurityGroup).to_string()),
                "Image" => ("instanceId", instance.clone()),
                _ => ("instanceId", instance.clone()),
            };
            j.ks(k, &v);
            if name == "AttachVolume" {
                j.ks("instanceId", &instance);
                j.ks("device", "/dev/sdf");
            }
            if name == "CreateVolume" {
                j.ks("availabilityZone", &az);
                j.kn("size", [20, 100, 500][rng.index(3)]);
                j.ks("volumeType", "gp3");
                j.kb("encrypted", true);
            }
        }
    }
    j.end();
    if e.call.read_only || e.failed {
        return;
    }
    let mut j = Json::new(&mut o.resp);
    j.obj();
    j.ks("requestId", e.request_id);
    match name {
        "RunInstances" => {
            j.ks("reservationId", &format!("r-0{}", rng.hex(16)));
            j.ks("ownerId", &e.acct.id);
            j.ko("groupSet");
            j.end();
            j.ko("instancesSet");
            j.ka("items");
            j.obj();
            j.ks("instanceId", &instance);
            j.ks("imageId", e.pick(rng, Kind::Ami));
            j.ks("currentInstanceBootMode", "legacy-bios");
            j.ko("instanceState");
            j.kn("code", 0);
            j.ks("name", "pending");
            j.end();
            let ip = format!("10.0.{}.{}", rng.below(256), 1 + rng.below(254));
            let dns = internal_dns(e.region, &ip);
            j.ks("privateDnsName", &dns);
            j.kn("amiLaunchIndex", 0);
            j.ko("productCodes");
            j.end();
            j.ks("instanceType", "m6i.large");
            j.kn("launchTime", e.t as u64 * 1000);
            j.ko("placement");
            j.ks("availabilityZone", &az);
            j.ks("tenancy", "default");
            j.end();
            j.ko("monitoring");
            j.ks("state", "disabled");
            j.end();
            j.ks("subnetId", e.pick(rng, Kind::Subnet));
            j.ks("vpcId", e.pick(rng, Kind::Vpc));
            j.ks("privateIpAddress", &ip);
            j.ko("stateReason");
            j.ks("code", "pending");
            j.ks("message", "pending");
            j.end();
            j.ks("architecture", "x86_64");
            j.ks("rootDeviceType", "ebs");
            j.ks("rootDeviceName", "/dev/xvda");
            j.ko("blockDeviceMapping");
            j.end();
            j.ks("virtualizationType", "hvm");
            j.ks("hypervisor", "xen");
            ec2_tag_set(&mut j, e, rng, "tagSet");
            j.ks("clientToken", &rng.uuid());
            j.kb("sourceDestCheck", true);
            j.kb("ebsOptimized", true);
            j.kb("enaSupport", true);
            j.ko("cpuOptions");
            j.kn("coreCount", 1);
            j.kn("threadsPerCore", 2);
            j.end();
            j.ko("capacityReservationSpecification");
            j.ks("capacityReservationPreference", "open");
            j.end();
            j.ko("enclaveOptions");
            j.kb("enabled", false);
            j.end();
            j.ko("metadataOptions");
            j.ks("state", "pending");
            j.ks("httpTokens", "required");
            j.kn("httpPutResponseHopLimit", 2);
            j.ks("httpEndpoint", "enabled");
            j.ks("httpProtocolIpv4", "enabled");
            j.ks("httpProtocolIpv6", "disabled");
            j.ks("instanceMetadataTags", "disabled");
            j.end();
            j.ko("maintenanceOptions");
            j.ks("autoRecovery", "default");
            j.end();
            j.ko("privateDnsNameOptions");
            j.ks("hostnameType", "ip-name");
            j.kb("enableResourceNameDnsARecord", false);
            j.kb("enableResourceNameDnsAAAARecord", false);
            j.end();
            j.end();
            j.end_arr();
            j.end();
            j.ks("requesterId", "226008221399");
        }
        "StartInstances" | "StopInstances" | "TerminateInstances" => {
            let (c0, n0, c1, n1) = match name {
                "StartInstances" => (0, "pending", 80, "stopped"),
                "StopInstances" => (64, "stopping", 16, "running"),
                _ => (32, "shutting-down", 16, "running"),
            };
            j.ko("instancesSet");
            j.ka("items");
            j.obj();
            j.ks("instanceId", &instance);
            j.ko("currentState");
            j.kn("code", c0);
            j.ks("name", n0);
            j.end();
            j.ko("previousState");
            j.kn("code", c1);
            j.ks("name", n1);
            j.end();
            j.end();
            j.end_arr();
            j.end();
        }
        "CreateSnapshot" => {
            j.ks("snapshotId", &format!("snap-0{}", rng.hex(16)));
            j.ks("volumeId", e.pick(rng, Kind::Volume));
            j.ks("status", "pending");
            j.kn("startTime", e.t as u64 * 1000);
            j.ks("progress", "");
            j.ks("ownerId", &e.acct.id);
            j.kn("volumeSize", [8, 20, 100, 500][rng.index(4)]);
            j.kb("encrypted", true);
            j.ks("kmsKeyId", &kms_key_arn(e, rng));
        }
        "CreateSecurityGroup" => j.ks("groupId", &format!("sg-0{}", rng.hex(16))),
        "AuthorizeSecurityGroupIngress" | "AuthorizeSecurityGroupEgress" => {
            j.kb("_return", true);
            j.ko("securityGroupRuleSet");
            j.ka("items");
            j.obj();
            j.ks("groupOwnerId", &e.acct.id);
            j.ks("groupId", e.pick(rng, Kind::SecurityGroup));
            j.ks("securityGroupRuleId", &format!("sgr-0{}", rng.hex(16)));
            j.kb("isEgress", name.ends_with("Egress"));
            j.ks("ipProtocol", "tcp");
            j.kn("fromPort", 443);
            j.kn("toPort", 443);
            j.ks("cidrIpv4", "10.0.0.0/16");
            j.end();
            j.end_arr();
            j.end();
        }
        "CreateNetworkInterface" => {
            j.ko("networkInterface");
            j.ks("networkInterfaceId", &format!("eni-0{}", rng.hex(16)));
            j.ks("subnetId", e.pick(rng, Kind::Subnet));
            j.ks("vpcId", e.pick(rng, Kind::Vpc));
            j.ks("availabilityZone", &az);
            j.ks("ownerId", &e.acct.id);
            j.ks("requesterId", "578734482556");
            j.kb("requesterManaged", true);
            j.ks("status", "pending");
            j.ks(
                "macAddress",
                &format!(
                    "0e:{}:{}:{}:{}:{}",
                    rng.hex(2),
                    rng.hex(2),
                    rng.hex(2),
                    rng.hex(2),
                    rng.hex(2)
                ),
            );
            j.ks(
                "privateIpAddress",
                &format!("10.0.{}.{}", rng.below(256), 1 + rng.below(254)),
            );
            j.kb("sourceDestCheck", true);
            j.ks("interfaceType", "interface");
            j.end();
        }
        _ => j.kb("_return", true),
    }
    j.end();
}

// ----------------------------------------------------------------------------------------
// IAM.

fn iam(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    let role = e.pick(rng, Kind::Role).to_string();
    let user = e.pick(rng, Kind::User).to_string();
    let policy = e.pick(rng, Kind::Policy).to_string();
    let managed = [
        "ReadOnlyAccess",
        "AmazonS3ReadOnlyAccess",
        "AWSLambdaBasicExecutionRole",
        "AdministratorAccess",
        "AmazonSSMManagedInstanceCore",
        "CloudWatchAgentServerPolicy",
    ];
    let policy_arn = if rng.chance(0.5) {
        format!(
            "arn:aws:iam::aws:policy/{}",
            managed[rng.index(managed.len())]
        )
    } else {
        format!("arn:aws:iam::{}:policy/{policy}", e.acct.id)
    };
    let about_user = name.contains("User")
        || name.contains("AccessKey")
        || name.contains("MFA")
        || name.contains("LoginProfile")
        || name == "ListGroupsForUser";
    o.primary = if about_user {
        format!("arn:aws:iam::{}:user/{user}", e.acct.id)
    } else if name.contains("Polic") && !name.contains("Role") {
        policy_arn.clone()
    } else {
        format!("arn:aws:iam::{}:role/{role}", e.acct.id)
    };
    o.nf_code = "NoSuchEntityException";
    o.nf_msg = if about_user {
        format!("The user with name {user} cannot be found.")
    } else {
        format!("The role with name {role} cannot be found.")
    };
    let mut j = Json::new(&mut o.req);
    j.obj();
    match name {
        "GetRole"
        | "ListAttachedRolePolicies"
        | "ListRolePolicies"
        | "ListInstanceProfilesForRole"
        | "DeleteRole"
        | "ListRoleTags" => j.ks("roleName", &role),
        "GetRolePolicy" | "DeleteRolePolicy" => {
            j.ks("roleName", &role);
            j.ks("policyName", &policy);
        }
        "PutRolePolicy" => {
            j.ks("roleName", &role);
            j.ks("policyName", &policy);
            j.ks("policyDocument", &policy_doc(e, rng));
        }
        "AttachRolePolicy" | "DetachRolePolicy" => {
            j.ks("roleName", &role);
            j.ks("policyArn", &policy_arn);
        }
        "UpdateAssumeRolePolicy" => {
            j.ks("roleName", &role);
            j.ks("policyDocument", &trust_doc("lambda.amazonaws.com"));
        }
        "TagRole" => {
            j.ks("roleName", &role);
            tags(&mut j, e, rng, "tags", "key", "value");
        }
        "CreateRole" => {
            j.ks("roleName", &role);
            j.ks("path", "/");
            j.ks(
                "assumeRolePolicyDocument",
                &trust_doc(
                    [
                        "lambda.amazonaws.com",
                        "ecs-tasks.amazonaws.com",
                        "ec2.amazonaws.com",
                    ][rng.index(3)],
                ),
            );
            j.ks(
                "description",
                &format!("Role for {} ({})", role, e.acct.env),
            );
            j.kn("maxSessionDuration", 3600);
            tags(&mut j, e, rng, "tags", "key", "value");
        }
        "CreatePolicy" | "CreatePolicyVersion" => {
            if name == "CreatePolicy" {
                j.ks("policyName", &policy);
                j.ks("description", "Managed by terraform");
            } else {
                j.ks("policyArn", &policy_arn);
                j.kb("setAsDefault", true);
            }
            j.ks("policyDocument", &policy_doc(e, rng));
        }
        "GetPolicy" | "ListEntitiesForPolicy" => j.ks("policyArn", &policy_arn),
        "GetPolicyVersion" | "DeletePolicyVersion" => {
            j.ks("policyArn", &policy_arn);
            j.ks("versionId", &format!("v{}", 1 + rng.below(8)));
        }
        "GetAccessKeyLastUsed" => j.ks("accessKeyId", &rng.access_key("AKIA")),
        "UpdateAccessKey" | "DeleteAccessKey" => {
            j.ks("userName", &user);
            j.ks("accessKeyId", &rng.access_key("AKIA"));
            if name == "UpdateAccessKey" {
                j.ks("status", "Inactive");
            }
        }
        "SimulatePrincipalPolicy" => {
            j.ks(
                "policySourceArn",
                &format!("arn:aws:iam::{}:role/{role}", e.acct.id),
            );
            j.ka("actionNames");
            for _ in 0..1 + rng.skewed(10) {
                j.str(&iam_action(&e.w.calls[rng.index(e.w.calls.len())]));
            }
            j.end_arr();
        }
        "GetAccountAuthorizationDetails" => j.kstrs(
            "filter",
            &[
                "Role",
                "User",
                "Group",
                "LocalManagedPolicy",
                "AWSManagedPolicy",
            ],
        ),
        "CreateServiceLinkedRole" => j.ks("aWSServiceName", "elasticloadbalancing.amazonaws.com"),
        "CreateInstanceProfile" | "AddRoleToInstanceProfile" => {
            j.ks("instanceProfileName", &role);
            if name == "AddRoleToInstanceProfile" {
                j.ks("roleName", &role);
            }
        }
        _ if about_user => {
            j.ks("userName", &user);
            if name == "AddUserToGroup" {
                j.ks(
                    "groupName",
                    ["developers", "admins", "readonly"][rng.index(3)],
                );
            }
        }
        _ if name.starts_with("List") => match rng.below(3) {
            0 => j.kn("maxItems", 1000),
            1 => {
                j.ks("marker", &rng.base64(120));
                j.kn("maxItems", 100);
            }
            _ => {}
        },
        _ => {}
    }
    j.end();
    if e.call.read_only || e.failed {
        return;
    }
    let mut j = Json::new(&mut o.resp);
    match name {
        "CreateRole" => {
            j.obj();
            j.ko("role");
            j.ks("path", "/");
            j.ks("roleName", &role);
            j.ks("roleId", &rng.aws_id("AROA"));
            j.ks("arn", &format!("arn:aws:iam::{}:role/{role}", e.acct.id));
            j.ks("createDate", &java_date(e.t));
            j.ks("assumeRolePolicyDocument", "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D");
            j.end();
            j.end();
        }
        "CreatePolicy" => {
            j.obj();
            j.ko("policy");
            j.ks("policyName", &policy);
            j.ks("policyId", &rng.aws_id("ANPA"));
            j.ks("arn", &policy_arn);
            j.ks("path", "/");
            j.ks("defaultVersionId", "v1");
            j.kn("attachmentCount", 0);
            j.kn("permissionsBoundaryUsageCount", 0);
            j.kb("isAttachable", true);
            j.ks("createDate", &java_date(e.t));
            j.ks("updateDate", &java_date(e.t));
            j.end();
            j.end();
        }
        "CreatePolicyVersion" => {
            j.obj();
            j.ko("policyVersion");
            j.ks("versionId", &format!("v{}", 2 + rng.below(4)));
            j.kb("isDefaultVersion", true);
            j.ks("createDate", &java_date(e.t));
            j.end();
            j.end();
        }
        "CreateAccessKey" => {
            j.obj();
            j.ko("accessKey");
            j.ks("userName", &user);
            j.ks("accessKeyId", &rng.access_key("AKIA"));
            j.ks("status", "Active");
            j.ks("createDate", &java_date(e.t));
            j.end();
            j.end();
        }
        "CreateUser" => {
            j.obj();
            j.ko("user");
            j.ks("path", "/");
            j.ks("userName", &user);
            j.ks("userId", &rng.aws_id("AIDA"));
            j.ks("arn", &format!("arn:aws:iam::{}:user/{user}", e.acct.id));
            j.ks("createDate", &java_date(e.t));
            j.end();
            j.end();
        }
        _ => {}
    }
}

// ----------------------------------------------------------------------------------------
// STS.

fn credentials(j: &mut Json, rng: &mut Rng, t: i64) {
    j.ko("credentials");
    j.ks("accessKeyId", &rng.access_key("ASIA"));
    let mut token = String::from("IQoJb3JpZ2luX2Vj");
    token.push_str(&{
        let n = 380 + rng.below(500) as usize;
        rng.base64(n)
    });
    j.ks("sessionToken", &token);
    j.ks("expiration", &java_date(t + 3600));
    j.end();
}

fn sts(e: &Ev, rng: &mut Rng, o: &mut Out) {
    match e.call.name {
        "AssumeRole" => {
            // Services assume the roles they run as; people and scripts hop accounts.
            let w = e.w;
            let target = if e.p.ptype == PType::Service {
                let want = match e.p.name.as_str() {
                    "lambda.amazonaws.com" => "role-lambda",
                    "ecs-tasks.amazonaws.com" => "role-ecs-task",
                    "ec2.amazonaws.com" => "role-ec2-app",
                    "config.amazonaws.com" => "role-slr-config",
                    _ => "role-data-pipeline",
                };
                let mine: Vec<usize> = e
                    .acct
                    .principals
                    .iter()
                    .copied()
                    .filter(|&pi| super::catalog::ARCHETYPES[w.principals[pi].arch].label == want)
                    .collect();
                if mine.is_empty() {
                    None
                } else {
                    Some(mine[rng.index(mine.len())])
                }
            } else {
                let other = &w.accounts[rng.index(w.accounts.len())];
                let roles: Vec<usize> = other
                    .principals
                    .iter()
                    .copied()
                    .filter(|&pi| w.principals[pi].ptype == PType::Role)
                    .collect();
                Some(roles[rng.index(roles.len())])
            };
            let (role_arn, role_name, role_id, role_acct, sess_name) = match target {
                Some(pi) => {
                    let tp = &w.principals[pi];
                    let sess = if e.p.ptype == PType::Service && tp.session != Session::Email {
                        session(w, tp, e.t, rng).name
                    } else if e.p.ptype == PType::User {
                        e.p.name.clone()
                    } else {
                        format!("botocore-session-{}", e.t - 5)
                    };
                    (
                        tp.arn.clone(),
                        tp.name.clone(),
                        tp.unique_id.clone(),
                        w.accounts[tp.account].id.clone(),
                        sess,
                    )
                }
                None => {
                    let name = "OrganizationAccountAccessRole".to_string();
                    (
                        format!("arn:aws:iam::{}:role/{name}", e.acct.id),
                        name,
                        rng.aws_id("AROA"),
                        e.acct.id.clone(),
                        e.sess.to_string(),
                    )
                }
            };
            {
                let mut j = Json::new(&mut o.req);
                j.obj();
                j.ks("roleArn", &role_arn);
                j.ks("roleSessionName", &sess_name);
                if e.p.ptype != PType::Service {
                    j.kn("durationSeconds", 3600);
                }
                j.end();
            }
            if !e.failed {
                let mut j = Json::new(&mut o.resp);
                j.obj();
                credentials(&mut j, rng, e.t);
                j.ko("assumedRoleUser");
                j.ks("assumedRoleId", &format!("{role_id}:{sess_name}"));
                j.ks(
                    "arn",
                    &format!("arn:aws:sts::{role_acct}:assumed-role/{role_name}/{sess_name}"),
                );
                j.end();
                j.end();
            }
            o.primary = role_arn.clone();
            o.res.push(Res {
                account: Some(role_acct),
                kind: "AWS::IAM::Role",
                arn: role_arn,
                prefix: false,
            });
        }
        "GetSessionToken" => {
            {
                let mut j = Json::new(&mut o.req);
                j.obj();
                j.kn("durationSeconds", 43_200);
                j.ks(
                    "serialNumber",
                    &format!("arn:aws:iam::{}:mfa/{}", e.acct.id, e.p.name),
                );
                j.end();
            }
            if !e.failed {
                let mut j = Json::new(&mut o.resp);
                j.obj();
                credentials(&mut j, rng, e.t + 39_600);
                j.end();
            }
        }
        "DecodeAuthorizationMessage" => {
            let mut j = Json::new(&mut o.req);
            j.obj();
            j.ks("encodedMessage", &{
                let n = 600 + rng.below(1200) as usize;
                rng.base64(n)
            });
            j.end();
        }
        "GetAccessKeyInfo" => {
            let mut j = Json::new(&mut o.req);
            j.obj();
            j.ks("accessKeyId", &rng.access_key("AKIA"));
            j.end();
        }
        _ => {}
    }
}

// ----------------------------------------------------------------------------------------
// KMS.

fn encryption_context(j: &mut Json, e: &Ev, rng: &mut Rng) {
    j.ko("encryptionContext");
    match rng.below(6) {
        0 | 1 => {
            let b = e.pick(rng, Kind::Bucket).to_string();
            let k = s3_key(e, rng, &b);
            j.ks("aws:s3:arn", &format!("arn:aws:s3:::{b}/{k}"));
        }
        2 => {
            let s = e.pick(rng, Kind::Secret);
            j.ks(
                "SecretARN",
                &format!(
                    "arn:aws:secretsmanager:{}:{}:secret:{s}",
                    e.region, e.acct.id
                ),
            );
            j.ks("SecretVersionId", &rng.uuid());
        }
        3 => {
            let f = e.pick(rng, Kind::Function);
            j.ks(
                "aws:lambda:FunctionArn",
                &format!("arn:aws:lambda:{}:{}:function:{f}", e.region, e.acct.id),
            );
        }
        4 => {
            let p = e.pick(rng, Kind::Parameter);
            j.ks(
                "PARAMETER_ARN",
                &format!("arn:aws:ssm:{}:{}:parameter{p}", e.region, e.acct.id),
            );
        }
        _ => {
            j.ks("aws:dynamodb:tableName", e.pick(rng, Kind::Table));
            j.ks("aws:dynamodb:subscriberId", &e.acct.id);
        }
    }
    j.end();
}

fn kms(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    let key = e.pick(rng, Kind::KmsKey).to_string();
    let arn = e.arn(&key);
    o.primary = arn.clone();
    {
        let mut j = Json::new(&mut o.req);
        j.obj();
        match name {
            "Decrypt" => {
                if rng.chance(0.3) {
                    j.ks("keyId", &arn);
                }
                encryption_context(&mut j, e, rng);
                j.ks("encryptionAlgorithm", "SYMMETRIC_DEFAULT");
            }
            "Encrypt" | "GenerateDataKey" | "GenerateDataKeyWithoutPlaintext" | "ReEncrypt" => {
                j.ks(
                    "keyId",
                    if rng.chance(0.4) {
                        &arn
                    } else {
                        "alias/aws/s3"
                    },
                );
                encryption_context(&mut j, e, rng);
                if name.starts_with("Generate") {
                    j.ks("keySpec", "AES_256");
                } else {
                    j.ks("encryptionAlgorithm", "SYMMETRIC_DEFAULT");
                }
            }
            "ListKeys" | "ListAliases" => {
                if rng.chance(0.5) {
                    j.kn("limit", 100);
                }
            }
            "GetKeyPolicy" | "PutKeyPolicy" => {
                j.ks("keyId", &key);
                j.ks("policyName", "default");
                if name == "PutKeyPolicy" {
                    j.ks("policy", &policy_doc(e, rng));
                    j.kb("bypassPolicyLockoutSafetyCheck", false);
                }
            }
            "CreateGrant" => {
                j.ks("keyId", &arn);
                j.ks(
                    "granteePrincipal",
                    &format!(
                        "{}.{}.amazonaws.com",
                        ["ec2", "rds", "lambda"][rng.index(3)],
                        e.region
                    ),
                );
                j.kstrs(
                    "operations",
                    &[
                        "Decrypt",
                        "Encrypt",
                        "GenerateDataKey",
                        "GenerateDataKeyWithoutPlaintext",
                        "ReEncryptFrom",
                        "ReEncryptTo",
                        "CreateGrant",
                        "DescribeKey",
                    ],
                );
                j.ko("constraints");
                j.ko("encryptionContextSubset");
                j.ks("aws:ebs:id", e.pick(rng, Kind::Volume));
                j.end();
                j.end();
                j.ks(
                    "retiringPrincipal",
                    &format!("ec2.{}.amazonaws.com", e.region),
                );
            }
            "Sign" | "Verify" => {
                j.ks("keyId", &arn);
                j.ks("messageType", "DIGEST");
                j.ks("signingAlgorithm", "ECDSA_SHA_256");
            }
            "CreateKey" => {
                j.ks("description", "Customer managed key");
                j.ks("keyUsage", "ENCRYPT_DECRYPT");
                j.ks("keySpec", "SYMMETRIC_DEFAULT");
                j.ks("origin", "AWS_KMS");
                j.kb("multiRegion", false);
                tags(&mut j, e, rng, "tags", "tagKey", "tagValue");
            }
            "CreateAlias" => {
                j.ks(
                    "aliasName",
                    &format!("alias/{}-{}", e.acct.projects[0], e.acct.env),
                );
                j.ks("targetKeyId", &key);
            }
            "ScheduleKeyDeletion" => {
                j.ks("keyId", &key);
                j.kn("pendingWindowInDays", 30);
            }
            "RotateKey" => {}
            _ => j.ks("keyId", &key),
        }
        j.end();
    }
    if name == "RotateKey" {
        o.req.clear();
        let mut j = Json::new(&mut o.add);
        j.obj();
        j.ks("keyId", &arn);
        j.end();
    }
    if !e.call.read_only && !e.failed {
        let mut j = Json::new(&mut o.resp);
        match name {
            "CreateGrant" => {
                j.obj();
                j.ks("grantId", &rng.hex(64));
                j.ks("keyId", &arn);
                j.end();
            }
            "CreateKey" => {
                j.obj();
                j.ko("keyMetadata");
                j.ks("aWSAccountId", &e.acct.id);
                j.ks("keyId", &key);
                j.ks("arn", &arn);
                j.ks("creationDate", &java_date(e.t));
                j.kb("enabled", true);
                j.ks("description", "Customer managed key");
                j.ks("keyUsage", "ENCRYPT_DECRYPT");
                j.ks("keyState", "Enabled");
                j.ks("origin", "AWS_KMS");
                j.ks("keyManager", "CUSTOMER");
                j.ks("customerMasterKeySpec", "SYMMETRIC_DEFAULT");
                j.ks("keySpec", "SYMMETRIC_DEFAULT");
                j.kstrs("encryptionAlgorithms", &["SYMMETRIC_DEFAULT"]);
                j.kb("multiRegion", false);
                j.end();
                j.end();
            }
            "ScheduleKeyDeletion" => {
                j.obj();
                j.ks("keyId", &arn);
                j.ks("deletionDate", &java_date(e.t + 30 * 86_400));
                j.ks("keyState", "PendingDeletion");
                j.kn("pendingWindowInDays", 30);
                j.end();
            }
            _ => {}
        }
    }
    e.resource(o, "AWS::KMS::Key", arn, true);
}

// ----------------------------------------------------------------------------------------
// Lambda.

fn function_config(j: &mut Json, e: &Ev, rng: &mut Rng, f: &str, arn: &str) {
    j.obj();
    j.ks("functionName", f);
    j.ks("functionArn", arn);
    j.ks(
        "runtime",
        ["python3.12", "nodejs20.x", "java21", "provided.al2023"][rng.index(4)],
    );
    let role = e.pick(rng, Kind::Role);
    j.ks(
        "role",
        &format!("arn:aws:iam::{}:role/service-role/{role}", e.acct.id),
    );
    j.ks("handler", "index.handler");
    j.kn("codeSize", 1000 + rng.below(40_000_000));
    j.ks("description", "");
    j.kn("timeout", [3, 30, 60, 900][rng.index(4)]);
    j.kn("memorySize", [128, 256, 512, 1024, 2048][rng.index(5)]);
    let mut lm = super::json::iso(e.t);
    lm.truncate(19);
    lm.push_str(&format!(".{:03}+0000", rng.below(1000)));
    j.ks("lastModified", &lm);
    j.ks("codeSha256", &format!("{}=", rng.base64(43)));
    j.ks("version", "$LATEST");
    j.ko("environment");
    j.end();
    j.ko("tracingConfig");
    j.ks("mode", "PassThrough");
    j.end();
    j.ks("revisionId", &rng.uuid());
    j.ks("state", "Active");
    j.ks("lastUpdateStatus", "InProgress");
    j.ks("lastUpdateStatusReason", "The function is being created.");
    j.ks("lastUpdateStatusReasonCode", "Creating");
    j.ks("packageType", "Zip");
    j.kstrs("architectures", &["x86_64"]);
    j.ko("ephemeralStorage");
    j.kn("size", 512);
    j.end();
    j.ko("snapStart");
    j.ks("applyOn", "None");
    j.ks("optimizationStatus", "Off");
    j.end();
    j.ko("runtimeVersionConfig");
    j.ks(
        "runtimeVersionArn",
        &format!("arn:aws:lambda:{}::runtime:{}", e.region, rng.hex(64)),
    );
    j.end();
    j.ko("loggingConfig");
    j.ks("logFormat", "Text");
    j.ks("logGroup", &format!("/aws/lambda/{f}"));
    j.end();
    j.end();
}

fn lambda(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    let f = e.pick(rng, Kind::Function).to_string();
    let arn = e.arn(&f);
    o.primary = arn.clone();
    {
        let mut j = Json::new(&mut o.req);
        j.obj();
        match name {
            "Invoke" => {
                if e.p.ptype == PType::Service {
                    j.ks("functionName", &arn);
                    let rule = e.pick(rng, Kind::Rule);
                    j.ks(
                        "sourceArn",
                        &format!("arn:aws:events:{}:{}:rule/{rule}", e.region, e.acct.id),
                    );
                } else {
                    j.ks("functionName", &f);
                    j.ks(
                        "invocationType",
                        if rng.chance(0.7) {
                            "RequestResponse"
                        } else {
                            "Event"
                        },
                    );
                    j.ks("logType", "None");
                }
            }
            "ListFunctions20150331" | "ListLayers20181031" => {
                if rng.chance(0.5) {
                    j.ks("functionVersion", "ALL");
                    j.kn("maxItems", 50);
                }
            }
            "UpdateFunctionCode20150331v2" => {
                j.ks("functionName", &f);
                j.kb("publish", rng.chance(0.3));
                j.kb("dryRun", false);
                if rng.chance(0.5) {
                    let b = format!("cdk-hnb659fds-assets-{}-us-east-1", e.acct.id);
                    j.ks("s3Bucket", &b);
                    j.ks("s3Key", &format!("{}.zip", rng.hex(64)));
                } else {
                    j.ks(
                        "imageUri",
                        &format!(
                            "{}.dkr.ecr.{}.amazonaws.com/{}:{}",
                            e.acct.id,
                            e.region,
                            e.pick(rng, Kind::Repository),
                            rng.hex(7)
                        ),
                    );
                }
            }
            "UpdateFunctionConfiguration20150331v2" => {
                j.ks("functionName", &f);
                j.kn("memorySize", [256, 512, 1024][rng.index(3)]);
                j.kn("timeout", 30);
                j.ko("environment");
                j.end();
            }
            "AddPermission20150331v2" => {
                j.ks("functionName", &f);
                j.ks("statementId", &format!("AllowEventBridge{}", rng.hex(8)));
                j.ks("action", "lambda:InvokeFunction");
                j.ks("principal", "events.amazonaws.com");
                j.ks(
                    "sourceArn",
                    &format!(
                        "arn:aws:events:{}:{}:rule/{}",
                        e.region,
                        e.acct.id,
                        e.pick(rng, Kind::Rule)
                    ),
                );
            }
            "GetAccountSettings20160819" => {}
            _ => j.ks("functionName", &f),
        }
        j.end();
    }
    if name == "Invoke" {
        let mut j = Json::new(&mut o.add);
        j.obj();
        j.ks("functionVersion", &format!("{arn}:$LATEST"));
        j.end();
        e.resource(o, "AWS::Lambda::Function", arn, true);
        return;
    }
    if e.failed || e.call.read_only {
        return;
    }
    let mut j = Json::new(&mut o.resp);
    match name {
        "UpdateFunctionCode20150331v2"
        | "UpdateFunctionConfiguration20150331v2"
        | "CreateFunction20150331"
        | "PublishVersion20150331" => function_config(&mut j, e, rng, &f, &arn),
        "AddPermission20150331v2" => {
            j.obj();
            let stmt = format!(
                r#"{{"Sid":"AllowEventBridge","Effect":"Allow","Principal":{{"Service":"events.amazonaws.com"}},"Action":"lambda:InvokeFunction","Resource":"{arn}"}}"#
            );
            j.ks("statement", &stmt);
            j.end();
        }
        _ => {}
    }
}

// ----------------------------------------------------------------------------------------
// DynamoDB.

fn hidden_key(j: &mut Json, field: &str, sk: bool) {
    j.ko(field);
    j.ks("pk", HIDDEN);
    if sk {
        j.ks("sk", HIDDEN);
    }
    j.end();
}

fn dynamodb(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    let table = e.pick(rng, Kind::Table).to_string();
    let arn = e.arn(&table);
    o.primary = arn.clone();
    let sk = e.p.hash.is_multiple_of(2);
    let mut j = Json::new(&mut o.req);
    j.obj();
    match name {
        "GetItem" | "DeleteItem" => {
            j.ks("tableName", &table);
            hidden_key(&mut j, "key", sk);
            if name == "GetItem" {
                j.kb("consistentRead", rng.chance(0.2));
                if rng.chance(0.4) {
                    j.ks("projectionExpression", "#n0, #n1, #n2");
                    j.ko("expressionAttributeNames");
                    j.ks("#n0", "status");
                    j.ks("#n1", "updatedAt");
                    j.ks("#n2", "payload");
                    j.end();
                }
            }
        }
        "PutItem" => {
            j.ks("tableName", &table);
            hidden_key(&mut j, "key", sk);
            if rng.chance(0.5) {
                j.ks("conditionExpression", "attribute_not_exists(pk)");
            }
            j.ks("returnValues", "NONE");
            j.ks("returnConsumedCapacity", "NONE");
        }
        "UpdateItem" => {
            j.ks("tableName", &table);
            hidden_key(&mut j, "key", sk);
            j.ks("updateExpression", "SET #s = :s, #u = :u ADD #v :one");
            j.ks(
                "conditionExpression",
                "attribute_exists(pk) AND #v = :expected",
            );
            j.ko("expressionAttributeNames");
            j.ks("#s", "status");
            j.ks("#u", "updatedAt");
            j.ks("#v", "version");
            j.end();
            j.ko("expressionAttributeValues");
            for k in [":s", ":u", ":one", ":expected"] {
                j.ks(k, HIDDEN);
            }
            j.end();
            j.ks("returnValues", "ALL_NEW");
        }
        "Query" => {
            j.ks("tableName", &table);
            if rng.chance(0.4) {
                j.ks(
                    "indexName",
                    ["gsi1", "byStatus", "byCustomer"][rng.index(3)],
                );
            }
            j.ks(
                "keyConditionExpression",
                if sk {
                    "#pk = :pk AND begins_with(#sk, :sk)"
                } else {
                    "#pk = :pk"
                },
            );
            j.ko("expressionAttributeNames");
            j.ks("#pk", "pk");
            if sk {
                j.ks("#sk", "sk");
            }
            j.end();
            j.ko("expressionAttributeValues");
            j.ks(":pk", HIDDEN);
            if sk {
                j.ks(":sk", HIDDEN);
            }
            j.end();
            j.kn("limit", [25, 100, 500][rng.index(3)]);
            j.kb("scanIndexForward", rng.chance(0.5));
        }
        "Scan" => {
            j.ks("tableName", &table);
            j.kn("limit", 1000);
            j.ks("select", "ALL_ATTRIBUTES");
            if rng.chance(0.4) {
                hidden_key(&mut j, "exclusiveStartKey", sk);
            }
        }
        "BatchWriteItem" | "BatchGetItem" | "TransactWriteItems" | "TransactGetItems" => {
            j.ko("requestItems");
            j.ka(&table);
            let n = 1 + rng.skewed(25);
            for _ in 0..n {
                j.obj();
                j.ko(if name.contains("Write") {
                    "putRequest"
                } else {
                    "get"
                });
                hidden_key(&mut j, "key", sk);
                j.end();
                j.end();
            }
            j.end_arr();
            j.end();
        }
        "ListTables" | "DescribeLimits" | "DescribeEndpoints" | "ListBackups" => {
            if rng.chance(0.5) && name == "ListTables" {
                j.kn("limit", 100);
            }
        }
        "ListTagsOfResource" | "TagResource" => {
            j.ks("resourceArn", &arn);
            if name == "TagResource" {
                tags(&mut j, e, rng, "tags", "key", "value");
            }
        }
        "CreateTable" | "UpdateTable" => {
            j.ks("tableName", &table);
            j.ks("billingMode", "PAY_PER_REQUEST");
            j.ka("attributeDefinitions");
            for a in ["pk", "sk"] {
                j.obj();
                j.ks("attributeName", a);
                j.ks("attributeType", "S");
                j.end();
            }
            j.end_arr();
            j.ka("keySchema");
            j.obj();
            j.ks("attributeName", "pk");
            j.ks("keyType", "HASH");
            j.end();
            j.obj();
            j.ks("attributeName", "sk");
            j.ks("keyType", "RANGE");
            j.end();
            j.end_arr();
            tags(&mut j, e, rng, "tags", "key", "value");
        }
        _ => j.ks("tableName", &table),
    }
    j.end();
    if e.call.data {
        e.resource(o, "AWS::DynamoDB::Table", arn.clone(), true);
    }
    if !e.call.read_only && !e.call.data && !e.failed && name.ends_with("Table") {
        let mut j = Json::new(&mut o.resp);
        j.obj();
        j.ko("tableDescription");
        j.ks("tableName", &table);
        j.ks("tableArn", &arn);
        j.ks("tableId", &rng.uuid());
        j.ks(
            "tableStatus",
            if name == "DeleteTable" {
                "DELETING"
            } else {
                "ACTIVE"
            },
        );
        j.ks("creationDateTime", &java_date(e.t - 86_400 * 90));
        j.kn("tableSizeBytes", rng.below(10_000_000_000));
        j.kn("itemCount", rng.below(100_000_000));
        j.ko("billingModeSummary");
        j.ks("billingMode", "PAY_PER_REQUEST");
        j.end();
        j.end();
        j.end();
    }
}

// ----------------------------------------------------------------------------------------
// SQS, SNS, Kinesis.

fn sqs(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    let q = e.pick(rng, Kind::Queue).to_string();
    let url = e.expand(e.svc.id_fmt, &q);
    let arn = e.arn(&q);
    o.primary = arn.clone();
    {
        let mut j = Json::new(&mut o.req);
        j.obj();
        match name {
            "ListQueues" => {
                if rng.chance(0.5) {
                    j.ks(
                        "queueNamePrefix",
                        e.acct.projects[rng.index(e.acct.projects.len())],
                    );
                }
            }
            "GetQueueUrl" | "CreateQueue" => {
                j.ks("queueName", &q);
                if name == "CreateQueue" {
                    j.ko("attributes");
                    j.ks("VisibilityTimeout", "300");
                    j.ks("MessageRetentionPeriod", "1209600");
                    j.ks("KmsMasterKeyId", "alias/aws/sqs");
                    j.end();
                    tags(&mut j, e, rng, "tags", "key", "value");
                }
            }
            _ => {
                j.ks("queueUrl", &url);
                match name {
                    "SendMessage" => {
                        j.ks("messageBody", HIDDEN);
                        if rng.chance(0.4) {
                            j.ks("messageAttributes", HIDDEN);
                        }
                        if q.ends_with(".fifo") {
                            j.ks("messageGroupId", &rng.hex(8));
                            j.ks("messageDeduplicationId", &rng.uuid());
                        }
                    }
                    "SendMessageBatch" | "DeleteMessageBatch" => {
                        j.ka("entries");
                        for i in 0..1 + rng.skewed(10) {
                            j.obj();
                            j.ks("id", &i.to_string());
                            j.ks(
                                if name.starts_with("Send") {
                                    "messageBody"
                                } else {
                                    "receiptHandle"
                                },
                                HIDDEN,
                            );
                            j.end();
                        }
                        j.end_arr();
                    }
                    "ReceiveMessage" => {
                        j.kn("maxNumberOfMessages", 10);
                        j.kn("waitTimeSeconds", 20);
                        j.kstrs("attributeNames", &["All"]);
                        j.kstrs("messageAttributeNames", &["All"]);
                    }
                    "DeleteMessage" | "ChangeMessageVisibility" => {
                        j.ks("receiptHandle", HIDDEN);
                        if name == "ChangeMessageVisibility" {
                            j.kn("visibilityTimeout", 60);
                        }
                    }
                    "GetQueueAttributes" => j.kstrs("attributeNames", &["All"]),
                    "SetQueueAttributes" => {
                        j.ko("attributes");
                        j.ks("Policy", &policy_doc(e, rng));
                        j.end();
                    }
                    "TagQueue" => tags(&mut j, e, rng, "tags", "key", "value"),
                    _ => {}
                }
            }
        }
        j.end();
    }
    if !e.failed {
        let mut j = Json::new(&mut o.resp);
        match name {
            "SendMessage" => {
                j.obj();
                j.ks("mD5OfMessageBody", &rng.hex(32));
                j.ks("messageId", &rng.uuid());
                if q.ends_with(".fifo") {
                    j.ks("sequenceNumber", &format!("1881{}", rng.below(1 << 60)));
                }
                j.end();
            }
            "CreateQueue" => {
                j.obj();
                j.ks("queueUrl", &url);
                j.end();
            }
            _ => {}
        }
    }
    if e.call.data {
        e.resource(o, "AWS::SQS::Queue", arn, true);
    }
}

fn sns_publish(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let topic = e.pick(rng, Kind::Topic).to_string();
    let arn = e.arn(&topic);
    o.primary = arn.clone();
    {
        let mut j = Json::new(&mut o.req);
        j.obj();
        j.ks("topicArn", &arn);
        j.ks("message", HIDDEN);
        if rng.chance(0.5) {
            j.ks("subject", HIDDEN);
        }
        if rng.chance(0.3) {
            j.ks("messageAttributes", HIDDEN);
        }
        j.end();
    }
    if !e.failed {
        let mut j = Json::new(&mut o.resp);
        j.obj();
        j.ks("messageId", &rng.uuid());
        j.end();
    }
    e.resource(o, "AWS::SNS::Topic", arn, true);
}

fn kinesis(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let s = e.pick(rng, Kind::Stream).to_string();
    let arn = e.arn(&s);
    o.primary = arn.clone();
    {
        let mut j = Json::new(&mut o.req);
        j.obj();
        j.ks("streamName", &s);
        match e.call.name {
            "PutRecord" => {
                j.ks("partitionKey", HIDDEN);
                j.ks("data", HIDDEN);
            }
            "PutRecords" => {
                j.ka("records");
                for _ in 0..1 + rng.skewed(20) {
                    j.obj();
                    j.ks("partitionKey", HIDDEN);
                    j.ks("data", HIDDEN);
                    j.end();
                }
                j.end_arr();
            }
            "GetShardIterator" => {
                j.ks("shardId", &format!("shardId-{:012}", rng.below(8)));
                j.ks("shardIteratorType", "LATEST");
            }
            _ => {
                j.ks("shardIterator", &rng.base64(200));
                j.kn("limit", 10_000);
            }
        }
        j.end();
    }
    if !e.failed && e.call.name == "PutRecord" {
        let mut j = Json::new(&mut o.resp);
        j.obj();
        j.ks("shardId", &format!("shardId-{:012}", rng.below(8)));
        let mut seq = String::from("4963");
        for _ in 0..52 {
            seq.push((b'0' + rng.below(10) as u8) as char);
        }
        j.ks("sequenceNumber", &seq);
        j.end();
    }
    e.resource(o, "AWS::Kinesis::Stream", arn, true);
}

// ----------------------------------------------------------------------------------------
// CloudWatch Logs and metrics.

fn logs(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    let group = if e.p.session == Session::Function && !e.p.tag.is_empty() {
        format!("/aws/lambda/{}", e.p.tag)
    } else {
        e.pick(rng, Kind::LogGroup).to_string()
    };
    o.primary = e.arn(&group);
    let mut j = Json::new(&mut o.req);
    j.obj();
    match name {
        "CreateLogStream" => {
            j.ks("logGroupName", &group);
            let (y, m, d, _, _) = date_parts(e.t);
            j.ks(
                "logStreamName",
                &format!("{y}/{m:02}/{d:02}/[$LATEST]{}", rng.hex(32)),
            );
        }
        "DescribeLogGroups" => {
            if rng.chance(0.5) {
                j.ks(
                    "logGroupNamePrefix",
                    ["/aws/lambda/", "/ecs/", "/aws/rds/"][rng.index(3)],
                );
            }
            if rng.chance(0.5) {
                j.kn("limit", 50);
            }
        }
        "DescribeLogStreams" => {
            j.ks("logGroupName", &group);
            j.ks("orderBy", "LastEventTime");
            j.kb("descending", true);
            j.kn("limit", 50);
        }
        "FilterLogEvents" | "GetLogEvents" => {
            j.ks("logGroupName", &group);
            j.kn(
                "startTime",
                (e.t - 3600 * (1 + rng.below(24)) as i64) as u64 * 1000,
            );
            j.kn("endTime", e.t as u64 * 1000);
            if name == "FilterLogEvents" {
                j.ks(
                    "filterPattern",
                    [
                        "ERROR",
                        "?Exception ?Timeout",
                        "{ $.level = \"error\" }",
                        "\"status=500\"",
                    ][rng.index(4)],
                );
                j.kb("interleaved", true);
            } else {
                j.ks(
                    "logStreamName",
                    &format!("ecs/{}/{}", e.acct.projects[0], rng.hex(32)),
                );
                j.kb("startFromHead", false);
            }
        }
        "StartQuery" => {
            j.kstrs("logGroupNames", &[&group]);
            j.kn("startTime", (e.t - 86_400) as u64);
            j.kn("endTime", e.t as u64);
            j.ks("queryString", "fields @timestamp, @message, @logStream | filter @message like /(?i)error/ | stats count(*) as errors by bin(5m) | sort @timestamp desc | limit 200");
        }
        "GetQueryResults" | "StopQuery" => j.ks("queryId", &rng.uuid()),
        "PutRetentionPolicy" => {
            j.ks("logGroupName", &group);
            j.kn("retentionInDays", [7, 30, 90, 365][rng.index(4)]);
        }
        "PutSubscriptionFilter" | "PutMetricFilter" => {
            j.ks("logGroupName", &group);
            j.ks("filterName", "errors");
            j.ks("filterPattern", "ERROR");
            if name == "PutSubscriptionFilter" {
                j.ks(
                    "destinationArn",
                    &format!(
                        "arn:aws:firehose:{}:{}:deliverystream/{}",
                        e.region,
                        e.acct.id,
                        e.pick(rng, Kind::DeliveryStream)
                    ),
                );
            }
        }
        "DescribeQueries" | "DescribeDestinations" | "DescribeResourcePolicies" => {}
        _ => j.ks("logGroupName", &group),
    }
    j.end();
    if name == "StartQuery" && !e.failed {
        let mut j = Json::new(&mut o.resp);
        j.obj();
        j.ks("queryId", &rng.uuid());
        j.end();
    }
}

const METRICS: &[(&str, &str, &str, Kind)] = &[
    ("AWS/EC2", "CPUUtilization", "InstanceId", Kind::Instance),
    ("AWS/Lambda", "Errors", "FunctionName", Kind::Function),
    ("AWS/Lambda", "Duration", "FunctionName", Kind::Function),
    (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "QueueName",
        Kind::Queue,
    ),
    (
        "AWS/DynamoDB",
        "ConsumedReadCapacityUnits",
        "TableName",
        Kind::Table,
    ),
    (
        "AWS/RDS",
        "DatabaseConnections",
        "DBInstanceIdentifier",
        Kind::DbInstance,
    ),
    (
        "AWS/ApplicationELB",
        "HTTPCode_Target_5XX_Count",
        "LoadBalancer",
        Kind::LoadBalancer,
    ),
];

fn monitoring(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    let alarm = e.pick(rng, Kind::Alarm).to_string();
    o.primary = e.arn(&alarm);
    let mut j = Json::new(&mut o.req);
    j.obj();
    match name {
        "GetMetricData" => {
            j.ka("metricDataQueries");
            for i in 0..1 + rng.skewed(12) {
                let (ns, metric, dim, kind) = METRICS[rng.index(METRICS.len())];
                j.obj();
                j.ks("id", &format!("m{i}"));
                j.ko("metricStat");
                j.ko("metric");
                j.ks("namespace", ns);
                j.ks("metricName", metric);
                j.ka("dimensions");
                j.obj();
                j.ks("name", dim);
                j.ks("value", e.pick(rng, kind));
                j.end();
                j.end_arr();
                j.end();
                j.kn("period", [60, 300, 3600][rng.index(3)]);
                j.ks("stat", ["Average", "Sum", "Maximum", "p99"][rng.index(4)]);
                j.end();
                j.kb("returnData", true);
                j.end();
            }
            j.end_arr();
            j.ks("startTime", &java_date(e.t - 3 * 3600));
            j.ks("endTime", &java_date(e.t));
        }
        "GetMetricStatistics" => {
            let (ns, metric, dim, kind) = METRICS[rng.index(METRICS.len())];
            j.ks("namespace", ns);
            j.ks("metricName", metric);
            j.ka("dimensions");
            j.obj();
            j.ks("name", dim);
            j.ks("value", e.pick(rng, kind));
            j.end();
            j.end_arr();
            j.ks("startTime", &java_date(e.t - 3600));
            j.ks("endTime", &java_date(e.t));
            j.kn("period", 60);
            j.kstrs("statistics", &["Average", "Maximum"]);
        }
        "ListMetrics" => {
            let (ns, metric, _, _) = METRICS[rng.index(METRICS.len())];
            j.ks("namespace", ns);
            if rng.chance(0.5) {
                j.ks("metricName", metric);
            }
        }
        "DescribeAlarms" => {
            if rng.chance(0.4) {
                j.kstrs("alarmNames", &[&alarm]);
            } else {
                j.kn("maxRecords", 100);
                j.kstrs("alarmTypes", &["CompositeAlarm", "MetricAlarm"]);
            }
        }
        "PutMetricAlarm" => {
            let (ns, metric, dim, kind) = METRICS[rng.index(METRICS.len())];
            j.ks("alarmName", &alarm);
            j.ks(
                "alarmDescription",
                &format!("{metric} too high for {}", e.acct.env),
            );
            j.kb("actionsEnabled", true);
            j.kstrs(
                "alarmActions",
                &[&format!(
                    "arn:aws:sns:{}:{}:{}",
                    e.region,
                    e.acct.id,
                    e.pick(rng, Kind::Topic)
                )],
            );
            j.ks("metricName", metric);
            j.ks("namespace", ns);
            j.ks("statistic", "Average");
            j.ka("dimensions");
            j.obj();
            j.ks("name", dim);
            j.ks("value", e.pick(rng, kind));
            j.end();
            j.end_arr();
            j.kn("period", 300);
            j.kn("evaluationPeriods", 3);
            j.kn("threshold", 80);
            j.ks("comparisonOperator", "GreaterThanOrEqualToThreshold");
            j.ks("treatMissingData", "notBreaching");
            tags(&mut j, e, rng, "tags", "key", "value");
        }
        "SetAlarmState" => {
            j.ks("alarmName", &alarm);
            j.ks("stateValue", "ALARM");
            j.ks("stateReason", "Threshold Crossed: 3 datapoints were greater than or equal to the threshold (80.0).");
        }
        "GetDashboard" | "PutDashboard" => {
            j.ks(
                "dashboardName",
                &format!("{}-{}", e.acct.projects[0], e.acct.env),
            );
            if name == "PutDashboard" {
                j.ks("dashboardBody", HIDDEN);
            }
        }
        "DeleteAlarms" | "EnableAlarmActions" | "DisableAlarmActions" => {
            j.kstrs("alarmNames", &[&alarm])
        }
        "DescribeAlarmHistory" => {
            j.ks("alarmName", &alarm);
            j.ks("historyItemType", "StateUpdate");
            j.kn("maxRecords", 100);
        }
        _ => paging(&mut j, e, rng),
    }
    j.end();
}

// ----------------------------------------------------------------------------------------
// SSM and Secrets Manager.

fn ssm(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    let param = e.pick(rng, Kind::Parameter).to_string();
    o.primary = e.arn(&param);
    let instance = if e.p.session == Session::Instance {
        e.sess.to_string()
    } else {
        e.pick(rng, Kind::Instance).to_string()
    };
    let az = format!("{}{}", e.region, ["a", "b", "c"][(e.p.hash % 3) as usize]);
    let mut j = Json::new(&mut o.req);
    j.obj();
    match name {
        "GetParameter" | "GetParameterHistory" | "DeleteParameter" => {
            j.ks("name", &param);
            if name == "GetParameter" {
                j.kb("withDecryption", rng.chance(0.6));
            }
        }
        "GetParameters" => {
            j.ka("names");
            for _ in 0..1 + rng.skewed(8) {
                j.str(e.pick(rng, Kind::Parameter));
            }
            j.end_arr();
            j.kb("withDecryption", true);
        }
        "GetParametersByPath" => {
            let path = param.rsplit_once('/').map_or("/", |(a, _)| a);
            j.ks("path", &format!("{path}/"));
            j.kb("recursive", true);
            j.kb("withDecryption", true);
        }
        "PutParameter" => {
            j.ks("name", &param);
            j.ks("type", "SecureString");
            j.ks("value", HIDDEN);
            j.kb("overwrite", true);
            j.ks("tier", "Standard");
        }
        "UpdateInstanceInformation" => {
            let ip = format!(
                "10.{}.{}.{}",
                (e.p.hash >> 8) % 256,
                (e.p.hash >> 16) % 256,
                4 + (e.p.hash >> 24) % 250
            );
            j.ks("instanceId", &instance);
            j.ks(
                "agentVersion",
                &format!("3.2.{}.0", 1500 + (e.p.ua_seed >> 8) % 300),
            );
            j.ks("agentStatus", "Active");
            j.ks("platformType", "Linux");
            j.ks("platformName", "Amazon Linux");
            j.ks("platformVersion", "2023");
            j.ks("iPAddress", &ip);
            j.ks("computerName", &internal_dns(e.region, &ip));
            j.ks("agentName", "amazon-ssm-agent");
            j.ks("availabilityZone", &az);
            j.ks(
                "availabilityZoneId",
                &format!("{}-az{}", az_id_prefix(e.region), 1 + e.p.hash % 3),
            );
            j.ks("sSMConnectionChannel", "ssmmessages");
        }
        "ListInstanceAssociations"
        | "DescribeInstancePatchStates"
        | "GetDeployablePatchSnapshotForInstance" => {
            j.ks("instanceId", &instance);
            if name == "ListInstanceAssociations" {
                j.kn("maxResults", 20);
            } else if name == "GetDeployablePatchSnapshotForInstance" {
                j.ks("snapshotId", &rng.uuid());
            }
        }
        "UpdateInstanceAssociationStatus" => {
            j.ks("associationId", &rng.uuid());
            j.ks("instanceId", &instance);
            j.ko("executionResult");
            j.ks("status", "Success");
            j.ks("errorCode", "");
            j.ks("executionDate", &java_date(e.t));
            j.ks(
                "executionSummary",
                "1 out of 1 plugin processed, 1 success, 0 failed, 0 timedout, 0 skipped. ",
            );
            j.ko("outputUrl");
            j.end();
            j.end();
        }
        "PutInventory" | "PutComplianceItems" => {
            j.ks("instanceId", &instance);
            j.ka("items");
            for t in ["AWS:InstanceInformation", "AWS:Application", "AWS:Network"]
                .iter()
                .take(1 + rng.index(3))
            {
                j.obj();
                j.ks("typeName", t);
                j.ks("schemaVersion", "1.0");
                j.ks("captureTime", &super::json::iso(e.t));
                j.ks("contentHash", &rng.base64(44));
                j.end();
            }
            j.end_arr();
        }
        "SendCommand" => {
            j.ks(
                "documentName",
                [
                    "AWS-RunShellScript",
                    "AWS-RunPatchBaseline",
                    "AWS-ConfigureAWSPackage",
                ][rng.index(3)],
            );
            j.kstrs("instanceIds", &[&instance]);
            j.kb("interactive", false);
            j.ks("parameters", HIDDEN);
            j.ko("cloudWatchOutputConfig");
            j.kb("cloudWatchOutputEnabled", true);
            j.end();
        }
        "StartSession" => {
            j.ks("target", &instance);
            if rng.chance(0.3) {
                j.ks("documentName", "AWS-StartPortForwardingSession");
                j.ko("parameters");
                j.kstrs("portNumber", &["5432"]);
                j.kstrs("localPortNumber", &["15432"]);
                j.end();
            }
        }
        "TerminateSession" | "ResumeSession" => {
            j.ks("sessionId", &format!("{}-{}", e.sess, rng.hex(17)))
        }
        "GetCommandInvocation" => {
            j.ks("commandId", &rng.uuid());
            j.ks("instanceId", &instance);
        }
        _ => paging(&mut j, e, rng),
    }
    j.end();
    o.nf_code = "ParameterNotFound";
    if e.failed || e.call.read_only {
        return;
    }
    let mut j = Json::new(&mut o.resp);
    match name {
        "PutParameter" => {
            j.obj();
            j.kn("version", 1 + rng.below(40));
            j.ks("tier", "Standard");
            j.end();
        }
        "StartSession" => {
            j.obj();
            let sid = format!("{}-{}", e.sess, rng.hex(17));
            j.ks("sessionId", &sid);
            j.ks("tokenValue", "Value hidden due to security reasons.");
            j.ks("streamUrl", &format!("wss://ssmmessages.{}.amazonaws.com/v1/data-channel/{sid}?role=publish_subscribe&cell-number={}", e.region, rng.base64(40)));
            j.end();
        }
        "SendCommand" => {
            j.obj();
            j.ko("command");
            j.ks("commandId", &rng.uuid());
            j.ks("documentName", "AWS-RunShellScript");
            j.ks("documentVersion", "$DEFAULT");
            j.ks("comment", "");
            j.ks("expiresAfter", &java_date(e.t + 7200));
            j.ks("parameters", HIDDEN);
            j.kstrs("instanceIds", &[&instance]);
            j.ks("requestedDateTime", &java_date(e.t));
            j.ks("status", "Pending");
            j.ks("statusDetails", "Pending");
            j.kn("targetCount", 1);
            j.ks("maxConcurrency", "50");
            j.ks("maxErrors", "0");
            j.kn("timeoutSeconds", 3600);
            j.end();
            j.end();
        }
        _ => {}
    }
}

fn secrets(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    let secret = e.pick(rng, Kind::Secret).to_string();
    let arn = e.arn(&secret);
    o.primary = arn.clone();
    if name == "RotationStarted" || name == "RotationSucceeded" {
        let mut j = Json::new(&mut o.add);
        j.obj();
        j.ks("SecretId", &arn);
        j.end();
        return;
    }
    {
        let mut j = Json::new(&mut o.req);
        j.obj();
        match name {
            "ListSecrets" | "GetRandomPassword" | "BatchGetSecretValue" => {
                if name == "GetRandomPassword" {
                    j.kn("passwordLength", 32);
                    j.kb("excludePunctuation", true);
                } else if name == "BatchGetSecretValue" {
                    j.ka("secretIdList");
                    for _ in 0..1 + rng.skewed(6) {
                        j.str(&e.arn(e.pick(rng, Kind::Secret)));
                    }
                    j.end_arr();
                } else {
                    paging(&mut j, e, rng);
                }
            }
            _ => {
                j.ks(
                    "secretId",
                    if rng.chance(0.6) {
                        &arn
                    } else {
                        secret.rsplit_once('-').map_or(&secret, |(a, _)| a)
                    },
                );
                match name {
                    "GetSecretValue" if rng.chance(0.3) => j.ks("versionStage", "AWSCURRENT"),
                    "PutSecretValue" | "UpdateSecret" | "CreateSecret" => {
                        j.ks("clientRequestToken", &rng.uuid())
                    }
                    "RotateSecret" => {
                        j.ks(
                            "rotationLambdaARN",
                            &format!(
                                "arn:aws:lambda:{}:{}:function:{}",
                                e.region,
                                e.acct.id,
                                e.pick(rng, Kind::Function)
                            ),
                        );
                        j.ko("rotationRules");
                        j.kn("automaticallyAfterDays", 30);
                        j.end();
                    }
                    _ => {}
                }
            }
        }
        j.end();
    }
    if !e.failed && !e.call.read_only {
        let mut j = Json::new(&mut o.resp);
        j.obj();
        j.ks("arn", &arn);
        j.ks("name", secret.rsplit_once('-').map_or(&secret, |(a, _)| a));
        j.ks("versionId", &rng.uuid());
        if name == "PutSecretValue" {
            j.kstrs("versionStages", &["AWSCURRENT"]);
        }
        j.end();
    }
}

// ----------------------------------------------------------------------------------------
// CloudFormation, ECR, ECS.

fn cloudformation(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    let stack = e.pick(rng, Kind::Stack).to_string();
    let arn = e.arn(&stack);
    o.primary = arn.clone();
    let cs = "cdk-deploy-change-set";
    {
        let mut j = Json::new(&mut o.req);
        j.obj();
        match name {
            "ListStacks" | "ListExports" | "ListImports" | "ListStackSets" | "ListTypes" => {
                if name == "ListStacks" && rng.chance(0.5) {
                    j.kstrs(
                        "stackStatusFilter",
                        &[
                            "CREATE_COMPLETE",
                            "UPDATE_COMPLETE",
                            "UPDATE_ROLLBACK_COMPLETE",
                        ],
                    );
                }
            }
            "DescribeStacks" if rng.chance(0.2) => {}
            "CreateChangeSet" | "CreateStack" | "UpdateStack" => {
                j.ks("stackName", &stack);
                j.ks("templateURL", &format!("https://s3.us-east-1.amazonaws.com/cdk-hnb659fds-assets-{}-us-east-1/{}.json", e.acct.id, rng.hex(64)));
                j.ka("parameters");
                j.obj();
                j.ks("parameterKey", "BootstrapVersion");
                j.ks("parameterValue", "/cdk-bootstrap/hnb659fds/version");
                j.end();
                j.end_arr();
                j.kstrs(
                    "capabilities",
                    &[
                        "CAPABILITY_IAM",
                        "CAPABILITY_NAMED_IAM",
                        "CAPABILITY_AUTO_EXPAND",
                    ],
                );
                j.ks(
                    "roleARN",
                    &format!(
                        "arn:aws:iam::{0}:role/cdk-hnb659fds-cfn-exec-role-{0}-us-east-1",
                        e.acct.id
                    ),
                );
                tags(&mut j, e, rng, "tags", "key", "value");
                if name == "CreateChangeSet" {
                    j.ks("changeSetName", cs);
                    j.ks(
                        "changeSetType",
                        if rng.chance(0.9) { "UPDATE" } else { "CREATE" },
                    );
                    j.ks(
                        "description",
                        &format!("CDK Changeset for execution {}", rng.uuid()),
                    );
                }
            }
            "ExecuteChangeSet" | "DescribeChangeSet" | "DeleteChangeSet" => {
                j.ks("changeSetName", cs);
                j.ks("stackName", &stack);
                if name == "DescribeChangeSet" {
                    j.kb("includePropertyValues", false);
                }
            }
            "DescribeStackResource" => {
                j.ks("stackName", &stack);
                j.ks(
                    "logicalResourceId",
                    ["Function", "Table", "Queue", "ServiceRole", "Bucket"][rng.index(5)],
                );
            }
            "ValidateTemplate" | "GetTemplateSummary" => {
                j.ks(
                    "templateURL",
                    &format!(
                        "https://s3.{}.amazonaws.com/cdk-hnb659fds-assets-{}-{}/{}.json",
                        e.region,
                        e.acct.id,
                        e.region,
                        rng.hex(64)
                    ),
                );
            }
            _ => j.ks("stackName", &stack),
        }
        j.end();
    }
    if !e.failed && !e.call.read_only {
        let mut j = Json::new(&mut o.resp);
        match name {
            "CreateChangeSet" => {
                j.obj();
                j.ks(
                    "id",
                    &format!(
                        "arn:aws:cloudformation:{}:{}:changeSet/{cs}/{}",
                        e.region,
                        e.acct.id,
                        rng.uuid()
                    ),
                );
                j.ks("stackId", &arn);
                j.end();
            }
            "CreateStack" | "UpdateStack" => {
                j.obj();
                j.ks("stackId", &arn);
                j.end();
            }
            _ => {}
        }
    }
}

fn ecr(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    let repo = e.pick(rng, Kind::Repository).to_string();
    let arn = e.arn(&repo);
    o.primary = arn.clone();
    let digest = |rng: &mut Rng| format!("sha256:{}", rng.hex(64));
    let upload = rng.uuid();
    {
        let mut j = Json::new(&mut o.req);
        j.obj();
        match name {
            "GetAuthorizationToken" | "DescribeRegistry" | "GetRegistryScanningConfiguration" => {
                if name == "GetAuthorizationToken" && rng.chance(0.3) {
                    j.kstrs("registryIds", &[&e.acct.id]);
                }
            }
            "DescribeRepositories" => {
                if rng.chance(0.5) {
                    j.kstrs("repositoryNames", &[&repo]);
                }
            }
            _ => {
                j.ks("repositoryName", &repo);
                j.ks("registryId", &e.acct.id);
                match name {
                    "BatchCheckLayerAvailability" => {
                        j.ka("layerDigests");
                        for _ in 0..1 + rng.skewed(10) {
                            j.str(&digest(rng));
                        }
                        j.end_arr();
                    }
                    "UploadLayerPart" => {
                        j.ks("uploadId", &upload);
                        j.kn("partFirstByte", 0);
                        j.kn("partLastByte", rng.below(80_000_000));
                    }
                    "CompleteLayerUpload" => {
                        j.ks("uploadId", &upload);
                        j.kstrs("layerDigests", &[&digest(rng)]);
                    }
                    "PutImage" => {
                        j.ks(
                            "imageManifestMediaType",
                            "application/vnd.docker.distribution.manifest.v2+json",
                        );
                        j.ks("imageTag", &rng.hex(7));
                        j.ks("imageManifest", &manifest(rng));
                    }
                    "BatchGetImage" => {
                        j.ka("imageIds");
                        j.obj();
                        j.ks("imageTag", if rng.chance(0.5) { "latest" } else { "main" });
                        j.end();
                        j.end_arr();
                        j.kstrs(
                            "acceptedMediaTypes",
                            &[
                                "application/vnd.docker.distribution.manifest.v1+json",
                                "application/vnd.docker.distribution.manifest.v2+json",
                                "application/vnd.oci.image.manifest.v1+json",
                            ],
                        );
                    }
                    "GetDownloadUrlForLayer" => j.ks("layerDigest", &digest(rng)),
                    _ => {}
                }
            }
        }
        j.end();
    }
    if !e.failed && !e.call.read_only {
        let mut j = Json::new(&mut o.resp);
        match name {
            "InitiateLayerUpload" => {
                j.obj();
                j.ks("uploadId", &upload);
                j.kn("partSize", 10_485_760);
                j.end();
            }
            "UploadLayerPart" | "CompleteLayerUpload" => {
                j.obj();
                j.ks("registryId", &e.acct.id);
                j.ks("repositoryName", &repo);
                j.ks("uploadId", &upload);
                if name == "CompleteLayerUpload" {
                    j.ks("layerDigest", &digest(rng));
                } else {
                    j.kn("lastByteReceived", rng.below(80_000_000));
                }
                j.end();
            }
            "PutImage" => {
                j.obj();
                j.ko("image");
                j.ks("registryId", &e.acct.id);
                j.ks("repositoryName", &repo);
                j.ko("imageId");
                j.ks("imageDigest", &digest(rng));
                j.ks("imageTag", &rng.hex(7));
                j.end();
                j.ks("imageManifest", &manifest(rng));
                j.ks(
                    "imageManifestMediaType",
                    "application/vnd.docker.distribution.manifest.v2+json",
                );
                j.end();
                j.end();
            }
            _ => {}
        }
    }
    if name != "GetAuthorizationToken" && !name.starts_with("Describe") {
        o.res.push(Res {
            account: Some(e.acct.id.clone()),
            kind: "AWS::ECR::Repository",
            arn,
            prefix: false,
        });
    }
}

fn manifest(rng: &mut Rng) -> String {
    let mut s = String::from(
        r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":"#,
    );
    s.push_str(&format!(
        r#"{},"digest":"sha256:{}"}},"layers":["#,
        1000 + rng.below(9000),
        rng.hex(64)
    ));
    for i in 0..2 + rng.below(6) {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            r#"{{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":{},"digest":"sha256:{}"}}"#,
            100 + rng.below(50_000_000),
            rng.hex(64)
        ));
    }
    s.push_str("]}");
    s
}

fn ecs(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    let cluster = e.pick(rng, Kind::EcsCluster).to_string();
    let service = e.pick(rng, Kind::EcsService).to_string();
    let carn = e.arn(&cluster);
    o.primary = carn.clone();
    let family = format!("{}-{}", service, e.acct.env);
    let revision = 1 + e.t as u64 / 86_400 % 200;
    {
        let mut j = Json::new(&mut o.req);
        j.obj();
        match name {
            "DescribeServices" | "UpdateService" | "CreateService" | "DeleteService" => {
                j.ks("cluster", &cluster);
                if name == "DescribeServices" {
                    j.kstrs("services", &[&service]);
                } else {
                    j.ks("service", &service);
                }
                if name == "UpdateService" {
                    j.ks("taskDefinition", &format!("{family}:{revision}"));
                    j.kb("forceNewDeployment", rng.chance(0.3));
                }
            }
            "RegisterTaskDefinition" => task_definition(&mut j, e, rng, &family, false, revision),
            "DescribeTaskDefinition" | "DeregisterTaskDefinition" => {
                j.ks("taskDefinition", &format!("{family}:{revision}"))
            }
            "ListTasks" | "ListServices" | "ListContainerInstances" => {
                j.ks("cluster", &cluster);
                if name == "ListTasks" {
                    j.ks("serviceName", &service);
                    j.ks("desiredStatus", "RUNNING");
                }
            }
            "DescribeTasks" | "StopTask" => {
                j.ks("cluster", &cluster);
                let task = format!(
                    "arn:aws:ecs:{}:{}:task/{cluster}/{}",
                    e.region,
                    e.acct.id,
                    rng.hex(32)
                );
                if name == "StopTask" {
                    j.ks("task", &task);
                    j.ks("reason", "Stopped by deployment");
                } else {
                    j.kstrs("tasks", &[&task]);
                }
            }
            "ExecuteCommand" => {
                j.ks("cluster", &cluster);
                j.ks("container", "app");
                j.ks("command", "/bin/sh");
                j.kb("interactive", true);
                j.ks("task", &rng.hex(32));
            }
            "DescribeClusters" => {
                j.kstrs("clusters", &[&cluster]);
                j.kstrs(
                    "include",
                    &["ATTACHMENTS", "SETTINGS", "STATISTICS", "TAGS"],
                );
            }
            "ListClusters"
            | "ListTaskDefinitions"
            | "ListTaskDefinitionFamilies"
            | "DescribeCapacityProviders"
            | "ListAccountSettings" => paging(&mut j, e, rng),
            _ => j.ks("cluster", &cluster),
        }
        j.end();
    }
    o.nf_code = "ClusterNotFoundException";
    o.nf_msg = "Cluster not found.".to_string();
    if e.failed || e.call.read_only {
        return;
    }
    let mut j = Json::new(&mut o.resp);
    match name {
        "RegisterTaskDefinition" => {
            j.obj();
            j.ko("taskDefinition");
            task_definition(&mut j, e, rng, &family, true, revision);
            j.end();
            j.end();
        }
        "UpdateService" | "CreateService" => {
            j.obj();
            j.ko("service");
            j.ks(
                "serviceArn",
                &format!(
                    "arn:aws:ecs:{}:{}:service/{cluster}/{service}",
                    e.region, e.acct.id
                ),
            );
            j.ks("serviceName", &service);
            j.ks("clusterArn", &carn);
            j.ks("status", "ACTIVE");
            j.kn("desiredCount", 2 + rng.below(6));
            j.kn("runningCount", 2 + rng.below(6));
            j.kn("pendingCount", 0);
            j.ks("launchType", "FARGATE");
            j.ks("platformVersion", "LATEST");
            j.ks("platformFamily", "Linux");
            j.ks(
                "taskDefinition",
                &format!(
                    "arn:aws:ecs:{}:{}:task-definition/{family}:{revision}",
                    e.region, e.acct.id
                ),
            );
            j.ko("deploymentConfiguration");
            j.ko("deploymentCircuitBreaker");
            j.kb("enable", true);
            j.kb("rollback", true);
            j.end();
            j.kn("maximumPercent", 200);
            j.kn("minimumHealthyPercent", 100);
            j.end();
            j.ks("createdAt", &java_date(e.t - 86_400 * 120));
            j.ks(
                "createdBy",
                &format!("arn:aws:iam::{}:role/{}", e.acct.id, e.p.name),
            );
            j.ks("schedulingStrategy", "REPLICA");
            j.ks("deploymentController", "ECS");
            j.end();
            j.end();
        }
        "ExecuteCommand" => {
            j.obj();
            j.ks("clusterArn", &carn);
            j.ks("containerName", "app");
            j.kb("interactive", true);
            j.ko("session");
            j.ks("sessionId", &format!("ecs-execute-command-{}", rng.hex(17)));
            j.ks(
                "streamUrl",
                &format!(
                    "wss://ssmmessages.{}.amazonaws.com/v1/data-channel/ecs-execute-command-{}",
                    e.region,
                    rng.hex(17)
                ),
            );
            j.ks("tokenValue", HIDDEN);
            j.end();
            j.end();
        }
        _ => {}
    }
}

/// The fields of a task definition (inside an object the caller opened).
fn task_definition(
    j: &mut Json,
    e: &Ev,
    rng: &mut Rng,
    family: &str,
    response: bool,
    revision: u64,
) {
    if response {
        j.ks(
            "taskDefinitionArn",
            &format!(
                "arn:aws:ecs:{}:{}:task-definition/{family}:{}",
                e.region,
                e.acct.id,
                revision + 1
            ),
        );
        j.kn("revision", revision + 1);
        j.ks("status", "ACTIVE");
        j.ks("registeredAt", &java_date(e.t));
        j.ks("registeredBy", e.caller);
    }
    j.ks("family", family);
    j.ks(
        "taskRoleArn",
        &format!(
            "arn:aws:iam::{}:role/{}",
            e.acct.id,
            e.pick(rng, Kind::Role)
        ),
    );
    j.ks(
        "executionRoleArn",
        &format!("arn:aws:iam::{}:role/ecsTaskExecutionRole", e.acct.id),
    );
    j.ks("networkMode", "awsvpc");
    j.ka("containerDefinitions");
    j.obj();
    j.ks("name", "app");
    j.ks(
        "image",
        &format!(
            "{}.dkr.ecr.{}.amazonaws.com/{}:{}",
            e.acct.id,
            e.region,
            e.pick(rng, Kind::Repository),
            rng.hex(7)
        ),
    );
    j.kn("cpu", 0);
    j.kb("essential", true);
    j.ka("portMappings");
    j.obj();
    j.kn("containerPort", 8080);
    j.kn("hostPort", 8080);
    j.ks("protocol", "tcp");
    j.end();
    j.end_arr();
    j.ka("environment");
    for (k, v) in [
        ("ENV", e.acct.env),
        ("LOG_LEVEL", "info"),
        ("AWS_REGION", e.region),
        ("PORT", "8080"),
    ] {
        j.obj();
        j.ks("name", k);
        j.ks("value", v);
        j.end();
    }
    j.end_arr();
    j.ka("secrets");
    for _ in 0..1 + rng.below(3) {
        j.obj();
        j.ks("name", "DB_PASSWORD");
        let s = e.pick(rng, Kind::Secret);
        j.ks(
            "valueFrom",
            &format!(
                "arn:aws:secretsmanager:{}:{}:secret:{s}",
                e.region, e.acct.id
            ),
        );
        j.end();
    }
    j.end_arr();
    j.ko("logConfiguration");
    j.ks("logDriver", "awslogs");
    j.ko("options");
    j.ks("awslogs-group", &format!("/ecs/{family}"));
    j.ks("awslogs-region", e.region);
    j.ks("awslogs-stream-prefix", "ecs");
    j.end();
    j.end();
    j.end();
    j.end_arr();
    j.kstrs("requiresCompatibilities", &["FARGATE"]);
    j.ks("cpu", "512");
    j.ks("memory", "1024");
}

// ----------------------------------------------------------------------------------------
// Sign-in, Glue, Athena, Step Functions.

fn signin(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let mfa = if e.p.ptype == PType::Root {
        format!("arn:aws:iam::{}:mfa/root-account-mfa-device", e.acct.id)
    } else {
        format!("arn:aws:iam::{}:mfa/{}", e.acct.id, e.p.name)
    };
    o.host = "signin.aws.amazon.com".to_string();
    let mut j = Json::new(&mut o.add);
    j.obj();
    j.ks("LoginTo", &format!("https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_{}_{}", e.region, rng.hex(16)));
    j.ks("MobileVersion", "No");
    j.ks("MFAIdentifier", &mfa);
    j.ks("MFAUsed", "Yes");
    j.end();
}

fn glue(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    let db = e.pick(rng, Kind::GlueDb).to_string();
    let table = e.pick(rng, Kind::GlueTable).to_string();
    o.primary = format!("arn:aws:glue:{}:{}:table/{db}/{table}", e.region, e.acct.id);
    o.nf_code = "EntityNotFoundException";
    o.nf_msg = format!("Table {table} not found.");
    let mut j = Json::new(&mut o.req);
    j.obj();
    match name {
        "GetDatabases"
        | "GetCrawlers"
        | "GetJobs"
        | "GetConnections"
        | "GetSecurityConfigurations"
        | "GetDataCatalogEncryptionSettings" => {
            if rng.chance(0.5) {
                j.ks("catalogId", &e.acct.id);
            }
        }
        "GetDatabase" => j.ks("name", &db),
        "GetTables" | "SearchTables" => {
            j.ks("databaseName", &db);
            if rng.chance(0.3) {
                j.ks("expression", &format!("{table}*"));
            }
        }
        "GetPartitions" => {
            j.ks("databaseName", &db);
            j.ks("tableName", &table);
            let (y, m, d, _, _) = date_parts(e.t);
            j.ks(
                "expression",
                &format!("year='{y}' AND month='{m:02}' AND day='{d:02}'"),
            );
            j.kb("excludeColumnSchema", true);
        }
        "BatchCreatePartition" | "BatchGetPartition" => {
            j.ks("catalogId", &e.acct.id);
            j.ks("databaseName", &db);
            j.ks("tableName", &table);
            j.ka(if name == "BatchGetPartition" {
                "partitionsToGet"
            } else {
                "partitionInputList"
            });
            let (y, m, d, h, _) = date_parts(e.t);
            for k in 0..1 + rng.skewed(6) as i64 {
                j.obj();
                j.kstrs(
                    "values",
                    &[
                        &y.to_string(),
                        &format!("{m:02}"),
                        &format!("{d:02}"),
                        &format!("{:02}", (h + k) % 24),
                    ],
                );
                if name == "BatchCreatePartition" {
                    j.ko("storageDescriptor");
                    j.ks(
                        "location",
                        &format!(
                            "s3://{}/{table}/year={y}/month={m:02}/day={d:02}/hour={:02}/",
                            e.pick(rng, Kind::Bucket),
                            (h + k) % 24
                        ),
                    );
                    j.ks(
                        "inputFormat",
                        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                    );
                    j.ks(
                        "outputFormat",
                        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                    );
                    j.ko("serdeInfo");
                    j.ks(
                        "serializationLibrary",
                        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
                    );
                    j.end();
                    j.end();
                }
                j.end();
            }
            j.end_arr();
        }
        "StartJobRun" | "GetJobRun" | "GetJobRuns" | "GetJob" => {
            j.ks("jobName", &format!("{db}-{table}-etl"));
            if name == "GetJobRun" {
                j.ks("runId", &format!("jr_{}", rng.hex(64)));
            }
            if name == "StartJobRun" {
                j.ko("arguments");
                j.ks("--run_date", &super::json::iso(e.t)[..10]);
                j.ks("--enable-metrics", "true");
                j.end();
            }
        }
        "StartCrawler" | "GetCrawler" | "GetCrawlerMetrics" => {
            j.ks("name", &format!("{db}-crawler"))
        }
        _ => {
            j.ks("databaseName", &db);
            j.ks("name", &table);
        }
    }
    j.end();
    if name == "StartJobRun" && !e.failed {
        let mut j = Json::new(&mut o.resp);
        j.obj();
        j.ks("jobRunId", &format!("jr_{}", rng.hex(64)));
        j.end();
    }
}

fn athena(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    let wg = e.pick(rng, Kind::Workgroup).to_string();
    o.primary = e.arn(&wg);
    let qid = rng.uuid();
    let mut j = Json::new(&mut o.req);
    j.obj();
    match name {
        "StartQueryExecution" => {
            let db = e.pick(rng, Kind::GlueDb);
            let table = e.pick(rng, Kind::GlueTable);
            let (y, m, d, _, _) = date_parts(e.t);
            let q = format!(
                "SELECT date_trunc('hour', event_time) AS hour, status, count(*) AS n FROM \"{db}\".\"{table}\" WHERE year = '{y}' AND month = '{m:02}' AND day = '{d:02}' GROUP BY 1, 2 ORDER BY 1 DESC LIMIT {}",
                100 + rng.below(900)
            );
            j.ks("queryString", &q);
            j.ks("clientRequestToken", &rng.uuid());
            j.ko("queryExecutionContext");
            j.ks("database", db);
            j.ks("catalog", "AwsDataCatalog");
            j.end();
            j.ko("resultConfiguration");
            j.ks(
                "outputLocation",
                &format!("s3://{}-{}-athena-results/", e.w.company, e.acct.env),
            );
            j.end();
            j.ks("workGroup", &wg);
        }
        "GetQueryExecution"
        | "GetQueryResults"
        | "StopQueryExecution"
        | "GetQueryRuntimeStatistics" => {
            j.ks("queryExecutionId", &qid);
            if name == "GetQueryResults" {
                j.kn("maxResults", 1000);
            }
        }
        "BatchGetQueryExecution" => {
            j.ka("queryExecutionIds");
            for _ in 0..1 + rng.skewed(20) {
                j.str(&rng.uuid());
            }
            j.end_arr();
        }
        _ => j.ks("workGroup", &wg),
    }
    j.end();
    if name == "StartQueryExecution" && !e.failed {
        let mut j = Json::new(&mut o.resp);
        j.obj();
        j.ks("queryExecutionId", &qid);
        j.end();
    }
}

fn states(e: &Ev, rng: &mut Rng, o: &mut Out) {
    let name = e.call.name;
    let sm = e.pick(rng, Kind::StateMachine).to_string();
    let arn = e.arn(&sm);
    o.primary = arn.clone();
    let exec = format!(
        "arn:aws:states:{}:{}:execution:{sm}:{}",
        e.region,
        e.acct.id,
        rng.uuid()
    );
    let mut j = Json::new(&mut o.req);
    j.obj();
    match name {
        "StartExecution" | "StartSyncExecution" => {
            j.ks("stateMachineArn", &arn);
            j.ks("name", &rng.uuid());
            j.ks("input", HIDDEN);
        }
        "DescribeExecution"
        | "GetExecutionHistory"
        | "StopExecution"
        | "DescribeStateMachineForExecution" => {
            j.ks("executionArn", &exec);
            if name == "GetExecutionHistory" {
                j.kn("maxResults", 100);
                j.kb("reverseOrder", true);
                j.kb("includeExecutionData", false);
            }
        }
        "SendTaskSuccess" | "SendTaskFailure" | "SendTaskHeartbeat" => {
            j.ks("taskToken", &{
                let n = 300 + rng.below(400) as usize;
                rng.base64(n)
            });
            if name == "SendTaskSuccess" {
                j.ks("output", HIDDEN);
            }
        }
        "ListStateMachines" | "ListActivities" => paging(&mut j, e, rng),
        "ListExecutions" => {
            j.ks("stateMachineArn", &arn);
            j.ks(
                "statusFilter",
                ["RUNNING", "FAILED", "SUCCEEDED"][rng.index(3)],
            );
            j.kn("maxResults", 100);
        }
        _ => j.ks("stateMachineArn", &arn),
    }
    j.end();
    if !e.failed && name.starts_with("Start") {
        let mut j = Json::new(&mut o.resp);
        j.obj();
        j.ks("executionArn", &exec);
        j.ks("startDate", &java_date(e.t));
        j.end();
    }
}
