//! criterion benches of ingest's and tightening's hot paths: decoding a CloudTrail file
//! into Arrow, mapping calls to IAM actions, deriving an event's resources, and evaluating
//! a request against a policy set. `cargo bench --bench hot_paths`; BENCHMARKS.md has the
//! figures and how they relate to `trailcut bench`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use trailcut::eval::event::EventFacts;
use trailcut::eval::resource::event_resources;
use trailcut::eval::{Context, NamedPolicy, PolicySet, Request, evaluate};
use trailcut::ingest::batch::EventBatchBuilder;
use trailcut::ingest::decode::decode_object;
use trailcut::mapping::EventMapper;
use trailcut::policy::PolicyDocument;

/// The sample trail's largest log file.
fn sample_file() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample_data/trail");
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().to_string_lossy().ends_with(".json.gz"))
        .max_by_key(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .map(|e| e.into_path())
        .expect("sample_data/trail has log files")
}

fn decode(c: &mut Criterion) {
    let bytes = std::fs::read(sample_file()).expect("readable sample file");
    let mut scratch = Vec::new();
    let mut builder = EventBatchBuilder::new();
    let decoded = decode_object(&bytes, &mut scratch, &mut builder).expect("decodes");
    let records = builder.finish().batch.num_rows() as u64;
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Bytes(decoded.json_bytes));
    group.bench_function(
        format!("gzip, JSON and Arrow: a {records}-record file"),
        |b| {
            b.iter(|| {
                let mut builder = EventBatchBuilder::new();
                decode_object(black_box(&bytes), &mut scratch, &mut builder).expect("decodes");
                black_box(builder.finish())
            })
        },
    );
    group.finish();
}

/// Calls as a trail has them: common ones, renamed ones, data events, unknown ones.
const CALLS: &[(&str, &str)] = &[
    ("s3.amazonaws.com", "GetObject"),
    ("s3.amazonaws.com", "PutObject"),
    ("ec2.amazonaws.com", "DescribeInstances"),
    ("sts.amazonaws.com", "AssumeRole"),
    ("kms.amazonaws.com", "Decrypt"),
    ("lambda.amazonaws.com", "Invoke"),
    (
        "lambda.amazonaws.com",
        "UpdateFunctionConfiguration20150331v2",
    ),
    ("dynamodb.amazonaws.com", "Query"),
    ("iam.amazonaws.com", "PassRole"),
    ("monitoring.amazonaws.com", "PutMetricData"),
    ("signin.amazonaws.com", "ConsoleLogin"),
    ("example.amazonaws.com", "NoSuchCall"),
];

fn mapping(c: &mut Criterion) {
    let mapper = EventMapper::embedded();
    let mut group = c.benchmark_group("mapping");
    group.throughput(Throughput::Elements(CALLS.len() as u64));
    group.bench_function(format!("{} calls to IAM actions", CALLS.len()), |b| {
        b.iter(|| {
            for (source, name) in CALLS {
                black_box(mapper.map(black_box(source), black_box(name), "AwsApiCall"));
            }
        })
    });
    group.finish();
}

fn resources(c: &mut Criterion) {
    let listed: [&str; 0] = [];
    let facts = EventFacts {
        event_source: "s3.amazonaws.com",
        event_name: "CopyObject",
        region: Some("eu-west-1"),
        principal_arn: Some("arn:aws:iam::111122223333:role/etl"),
        account_id: Some("111122223333"),
        resources: &listed,
        request_parameters: Some(
            r#"{"bucketName":"example-data","Host":"example-data.s3.eu-west-1.amazonaws.com","key":"out/2026/11/part-0001.parquet","x-amz-copy-source":"example-raw/in/2026/11/part-0001.parquet"}"#,
        ),
        response_elements: None,
        ..EventFacts::default()
    };
    c.bench_function(
        "resources: the ARNs of s3:GetObject and s3:PutObject in a CopyObject",
        |b| {
            b.iter(|| {
                black_box(event_resources(black_box(&facts), "s3:GetObject"));
                black_box(event_resources(black_box(&facts), "s3:PutObject"));
            })
        },
    );
}

/// A PowerUser-like policy, a scoped S3 statement with a condition, and an SCP.
const IDENTITY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"PowerUser","Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},
 {"Sid":"Roles","Effect":"Allow","Action":["iam:CreateServiceLinkedRole","iam:ListRoles"],"Resource":"*"},
 {"Sid":"Data","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],
  "Resource":["arn:aws:s3:::example-data/*","arn:aws:s3:::example-raw/in/*"],
  "Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]},
               "Bool":{"aws:SecureTransport":"true"}}},
 {"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#;
const SCP: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"*","Resource":"*"},
 {"Effect":"Deny","Action":["ec2:*"],"Resource":"*",
  "Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}]}"#;

fn evaluation(c: &mut Criterion) {
    let identity = PolicyDocument::parse(IDENTITY).expect("valid policy");
    let scp = PolicyDocument::parse(SCP).expect("valid SCP");
    let set = PolicySet {
        identity: vec![NamedPolicy {
            name: "power".to_owned(),
            document: &identity,
        }],
        boundary: None,
        scps: vec![trailcut::eval::ScpLevel {
            entity: "r-ab12".to_owned(),
            policies: vec![NamedPolicy {
                name: "guard".to_owned(),
                document: &scp,
            }],
        }],
    };
    let mut context = Context::new();
    context.set("aws:RequestedRegion", vec!["eu-west-1".to_owned()]);
    context.set("aws:SecureTransport", vec!["true".to_owned()]);
    let requests = [
        (
            "s3:GetObject",
            Some("arn:aws:s3:::example-data/out/part-1.parquet"),
        ),
        (
            "ec2:StartInstances",
            Some("arn:aws:ec2:eu-west-1:111122223333:instance/i-1"),
        ),
        ("iam:PassRole", Some("arn:aws:iam::111122223333:role/etl")),
        ("s3:DeleteBucket", Some("arn:aws:s3:::example-data")),
        ("kms:Decrypt", None),
    ];
    let mut group = c.benchmark_group("evaluation");
    group.throughput(Throughput::Elements(requests.len() as u64));
    group.bench_function(
        format!("{} requests against identity and SCP", requests.len()),
        |b| {
            b.iter(|| {
                for (action, resource) in &requests {
                    let request = Request {
                        action,
                        resource: *resource,
                        context: &context,
                    };
                    black_box(evaluate(black_box(&set), &request));
                }
            })
        },
    );
    group.finish();
}

criterion_group!(hot_paths, decode, mapping, resources, evaluation);
criterion_main!(hot_paths);
