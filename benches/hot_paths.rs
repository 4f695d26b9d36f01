//! criterion benches of ingest's and tightening's hot paths: decoding a generated
//! CloudTrail file into Arrow, the usage rollup and the Parquet file of a day's events,
//! mapping calls to IAM actions, deriving an event's resources, and evaluating a request
//! against a policy set. `cargo bench --bench hot_paths`; BENCHMARKS.md has the
//! figures and how they relate to `trailcut bench`.

use std::hint::black_box;
use std::path::PathBuf;

use arrow::array::RecordBatch;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use trailcut::eval::{Context, NamedPolicy, PolicySet, Request, evaluate};
use trailcut::ingest::batch::EventBatchBuilder;
use trailcut::ingest::decode::decode_object;
use trailcut::mapping::EventMapper;
use trailcut::policy::PolicyDocument;
use trailcut::request::event::EventFacts;
use trailcut::request::resource::{IamNames, event_resources};
use trailcut::store::parquet_io;
use trailcut::store::usage::Rollup;
use trailcut::synth::GenOptions;

/// A generated trail of one day (seed 7, the generator `trailcut bench` uses), its files
/// with as many records as a busy account's five-minute delivery; kept for the run.
fn generated_trail() -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = GenOptions {
        events: 40_000,
        out: dir.path().join("trail"),
        seed: 7,
        days: 1,
        ..GenOptions::default()
    };
    trailcut::synth::generate(&options, &|_| {}).expect("generates");
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir.path())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().to_string_lossy().ends_with(".json.gz"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    (dir, files)
}

/// Every file of the trail decoded into batches, as a day's flush job holds them.
fn decoded(files: &[PathBuf]) -> Vec<RecordBatch> {
    let mut scratch = Vec::new();
    files
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).expect("readable");
            let mut builder = EventBatchBuilder::new();
            decode_object(&bytes, &mut scratch, &mut builder).expect("decodes");
            builder.finish().batch
        })
        .collect()
}

fn decode(c: &mut Criterion) {
    let (_dir, files) = generated_trail();
    // The file with the median number of records: a realistic object, not a 16-record one.
    let mut sized: Vec<(u64, &PathBuf)> = files
        .iter()
        .map(|f| (std::fs::metadata(f).map(|m| m.len()).unwrap_or(0), f))
        .collect();
    sized.sort();
    let path = sized[sized.len() / 2].1;
    let bytes = std::fs::read(path).expect("readable file");
    let mut scratch = Vec::new();
    let mut builder = EventBatchBuilder::new();
    let decoded = decode_object(&bytes, &mut scratch, &mut builder).expect("decodes");
    let records = builder.finish().batch.num_rows() as u64;
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Bytes(decoded.json_bytes));
    group.bench_function(
        format!(
            "gzip, JSON and Arrow: a generated {records}-record file ({} KB of JSON)",
            decoded.json_bytes / 1000
        ),
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

/// The flush thread's work on a day of 40,000 generated events: the usage rollup, and the
/// events file in call order.
fn write(c: &mut Criterion) {
    let (dir, files) = generated_trail();
    let batches = decoded(&files);
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let names = IamNames::default();
    let mut group = c.benchmark_group("write");
    group.throughput(Throughput::Elements(rows as u64));
    group.sample_size(10);
    group.bench_function(format!("usage rollup of {rows} events"), |b| {
        b.iter(|| {
            let mut rollup = Rollup::new();
            for batch in &batches {
                rollup.add(black_box(batch), &names).expect("adds");
            }
            black_box(rollup.to_batch().expect("a batch"))
        })
    });
    let out = dir.path().join("bench.parquet");
    group.bench_function(
        format!("{rows} events in call order to zstd Parquet"),
        |b| {
            b.iter(|| {
                parquet_io::write_sorted(&out, &parquet_io::schema(), black_box(&batches))
                    .expect("writes")
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

criterion_group!(hot_paths, decode, write, mapping, resources, evaluation);
criterion_main!(hot_paths);
