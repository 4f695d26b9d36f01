//! Issue 9: `trailcut ingest s3://...` against a real S3 server on loopback: s3s (the
//! protocol: SigV4, XML, ListObjectsV2 with delimiters and pagination) over s3s-fs (objects
//! as files), started in-process by each test. A thin wrapper logs every request, adds the
//! ETags real S3 lists, and can answer SlowDown or stall a GET on demand.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use s3s::dto::{
    ETag, GetObjectInput, GetObjectOutput, HeadBucketInput, HeadBucketOutput, HeadObjectInput,
    HeadObjectOutput, ListObjectsV2Input, ListObjectsV2Output,
};
use s3s::{S3, S3Request, S3Response, S3Result, s3_error};
use serde_json::Value;

use crate::common::{sample_trail, trailcut};

const ACCESS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// What the server saw and what it is told to do.
#[derive(Default)]
struct State {
    /// (prefix, delimiter) of every ListObjectsV2 request.
    lists: Vec<(String, Option<String>)>,
    /// Key of every GetObject request.
    gets: Vec<String>,
    /// Keys to answer with SlowDown, and how many more times.
    slow_down: HashMap<String, u32>,
    /// Stall every GET after this many.
    stall_after: Option<usize>,
    /// Keys whose body breaks off half-way, and how many more times.
    break_body: HashMap<String, u32>,
}

struct Wrapped {
    fs: s3s_fs::FileSystem,
    root: PathBuf,
    state: Arc<Mutex<State>>,
}

#[async_trait::async_trait]
impl S3 for Wrapped {
    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let bucket = req.input.bucket.clone();
        self.state.lock().unwrap().lists.push((
            req.input.prefix.clone().unwrap_or_default(),
            req.input.delimiter.clone(),
        ));
        let mut response = self.fs.list_objects_v2(req).await?;
        // s3s-fs lists no ETags; S3 lists every object's (MD5 for single-part uploads).
        for object in response.output.contents.iter_mut().flatten() {
            let key = object.key.clone().unwrap_or_default();
            let bytes = std::fs::read(self.root.join(&bucket).join(&key)).unwrap();
            object.e_tag = Some(ETag::Strong(md5_hex(&bytes)));
        }
        Ok(response)
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let key = req.input.key.clone();
        let bucket = req.input.bucket.clone();
        let (slow_down, stall, break_body) = {
            let mut state = self.state.lock().unwrap();
            state.gets.push(key.clone());
            let take = |map: &mut HashMap<String, u32>| match map.get_mut(&key) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            };
            let slow_down = take(&mut state.slow_down);
            let break_body = take(&mut state.break_body);
            let stall = state.stall_after.is_some_and(|n| state.gets.len() > n);
            (slow_down, stall, break_body)
        };
        if stall {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        if slow_down {
            return Err(s3_error!(SlowDown, "Please reduce your request rate."));
        }
        let mut response = self.fs.get_object(req).await?;
        if break_body {
            // Half the bytes, then the connection drops (the length header promised all).
            let bytes = std::fs::read(self.root.join(&bucket).join(&key)).unwrap();
            let half = bytes::Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
            let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = vec![
                Ok(half),
                Err(std::io::Error::other("connection reset by peer")),
            ];
            response.output.body =
                Some(s3s::dto::StreamingBlob::wrap(futures::stream::iter(chunks)));
        }
        Ok(response)
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        self.fs.head_object(req).await
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        self.fs.head_bucket(req).await
    }
}

fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An S3 server on 127.0.0.1, serving the buckets under a temporary directory.
pub struct S3Server {
    pub url: String,
    root: tempfile::TempDir,
    state: Arc<Mutex<State>>,
}

impl S3Server {
    pub fn start() -> Self {
        use hyper_util::rt::{TokioExecutor, TokioIo};
        use hyper_util::server::conn::auto::Builder;

        let root = tempfile::tempdir().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let wrapped = Wrapped {
            fs: s3s_fs::FileSystem::new(root.path()).unwrap(),
            root: root.path().to_path_buf(),
            state: state.clone(),
        };
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let mut builder = s3s::service::S3ServiceBuilder::new(wrapped);
                builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
                let service = builder.build();
                let http = Builder::new(TokioExecutor::new());
                loop {
                    let Ok((socket, _)) = listener.accept().await else {
                        continue;
                    };
                    let connection = http
                        .serve_connection(TokioIo::new(socket), service.clone())
                        .into_owned();
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                }
            });
        });
        let addr = addr_rx.recv().unwrap();
        Self {
            url: format!("http://{addr}"),
            root,
            state,
        }
    }

    /// Copies every file under `from` into `bucket` under the key prefix `under`.
    pub fn upload(&self, bucket: &str, from: &Path, under: &str) -> usize {
        let mut n = 0;
        for entry in walkdir::WalkDir::new(from) {
            let entry = entry.unwrap();
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry.path().strip_prefix(from).unwrap();
            let to = self.root.path().join(bucket).join(under).join(rel);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(entry.path(), to).unwrap();
            n += 1;
        }
        n
    }

    /// Writes one object.
    pub fn put(&self, bucket: &str, key: &str, bytes: &[u8]) {
        let to = self.root.path().join(bucket).join(key);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, bytes).unwrap();
    }

    fn take_log(&self) -> (Vec<(String, Option<String>)>, Vec<String>) {
        let mut state = self.state.lock().unwrap();
        (
            std::mem::take(&mut state.lists),
            std::mem::take(&mut state.gets),
        )
    }

    /// `trailcut ingest` against this server.
    pub fn ingest(&self, store: &Path, args: &[&str]) -> (i32, Value, String) {
        let output = trailcut()
            .arg("--store")
            .arg(store)
            .arg("ingest")
            .args(args)
            .args(["--endpoint-url", &self.url, "--json"])
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env_remove("AWS_PROFILE")
            .timeout(Duration::from_secs(300))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let report = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{e}: stdout {:?} stderr {stderr}", output.stdout));
        (output.status.code().unwrap_or(-1), report, stderr)
    }
}

/// Every event column of a store, one JSON object per event, in eventid order.
fn all_events(store: &Path) -> Vec<serde_json::Map<String, Value>> {
    crate::common::rows(store, "SELECT * FROM events ORDER BY eventid")
}

fn local_ingest(store: &Path, path: &Path, extra: &[&str]) -> Value {
    let output = trailcut()
        .arg("--store")
        .arg(store)
        .arg("ingest")
        .arg(path)
        .args(extra)
        .arg("--json")
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap()
}

fn n(report: &Value, pointer: &str) -> u64 {
    report
        .pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("no {pointer} in {report}"))
}

#[test]
fn a_bucket_ingests_the_same_rows_as_disk_and_a_rerun_fetches_nothing() {
    let server = S3Server::start();
    let uploaded = server.upload("trail-bucket", &sample_trail(), "");
    let dir = tempfile::tempdir().unwrap();
    let (from_s3, from_disk) = (dir.path().join("s3"), dir.path().join("disk"));

    let (status, first, stderr) = server.ingest(&from_s3, &["s3://trail-bucket"]);
    assert_eq!(status, 0, "{stderr}");
    eprintln!("s3 ingest: {first}");
    let disk = local_ingest(&from_disk, &sample_trail(), &[]);
    // (Digest files are not even listed: the walk never enters CloudTrail-Digest/.)
    for field in [
        "/files",
        "/files_ingested",
        "/events_read",
        "/events_stored",
    ] {
        assert_eq!(n(&first, field), n(&disk, field), "{field}");
    }
    assert!(n(&first, "/files") > 1000 && n(&first, "/files") < uploaded as u64);
    assert_eq!(n(&first, "/remote/fetched"), n(&first, "/files"));
    assert_eq!(all_events(&from_s3), all_events(&from_disk));
    let (lists, gets) = server.take_log();
    assert_eq!(gets.len() as u64, n(&first, "/files"));
    // Walked level by level: every listing has the delimiter, and none lists the bucket
    // recursively.
    assert!(
        lists.iter().all(|(_, d)| d.as_deref() == Some("/")),
        "{lists:?}"
    );
    assert!(
        !lists.iter().any(|(p, _)| p.contains("CloudTrail-Digest")),
        "{lists:?}"
    );

    let (status, second, stderr) = server.ingest(&from_s3, &["s3://trail-bucket"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(n(&second, "/remote/fetched"), 0);
    assert_eq!(n(&second, "/remote/not_fetched"), n(&first, "/files"));
    assert_eq!(n(&second, "/files_unchanged"), n(&first, "/files"));
    assert_eq!(n(&second, "/events_stored"), 0);
    let (_, gets) = server.take_log();
    assert!(gets.is_empty(), "a re-run fetched {gets:?}");
    assert_eq!(all_events(&from_s3), all_events(&from_disk));

    // Each object is in the manifest under its URL with its ETag.
    let manifest = crate::common::rows(
        &from_s3,
        "SELECT path, etag FROM manifest WHERE path LIKE 's3://trail-bucket/AWSLogs/%' LIMIT 1",
    );
    assert_eq!(manifest.len(), 1);
    assert!(
        manifest[0]["etag"].as_str().unwrap().len() >= 32,
        "{manifest:?}"
    );
}

/// One region and two delivery days.
const WINDOW: &[&str] = &[
    "--trail-region",
    "eu-west-1",
    "--since",
    "2026-11-12",
    "--until",
    "2026-11-13",
];

#[test]
fn only_the_selected_accounts_regions_and_days_are_listed() {
    let server = S3Server::start();
    // An organisation trail under a key prefix: the sample account, and a second one.
    let trail = sample_trail().join("AWSLogs/123456789012");
    server.upload(
        "org-bucket",
        &trail,
        "cloudtrail/AWSLogs/o-a1b2c3d4e5/123456789012",
    );
    server.upload(
        "org-bucket",
        &trail,
        "cloudtrail/AWSLogs/o-a1b2c3d4e5/444455556666",
    );
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let (status, report, stderr) = server.ingest(
        &store,
        &[
            &["s3://org-bucket/cloudtrail", "--account", "444455556666"],
            WINDOW,
        ]
        .concat(),
    );
    assert_eq!(status, 0, "{stderr}");
    let (lists, gets) = server.take_log();
    let prefixes: Vec<&str> = lists.iter().map(|(p, _)| p.as_str()).collect();
    assert!(
        prefixes.iter().all(|p| !p.contains("/123456789012/")),
        "listed an account not asked for: {prefixes:?}"
    );
    assert!(
        prefixes
            .iter()
            .filter(|p| p.contains("/CloudTrail/")
                && p.len() > "cloudtrail/AWSLogs/o-a1b2c3d4e5/444455556666/CloudTrail/".len())
            .all(|p| p.contains("/eu-west-1/")),
        "listed a region not asked for: {prefixes:?}"
    );
    assert!(
        !prefixes
            .iter()
            .any(|p| p.ends_with("/2026/11/11/") || p.ends_with("/2026/11/14/")),
        "listed a day outside the window: {prefixes:?}"
    );
    assert!(prefixes.contains(
        &"cloudtrail/AWSLogs/o-a1b2c3d4e5/444455556666/CloudTrail/eu-west-1/2026/11/13/"
    ));
    assert!(
        gets.iter()
            .all(|k| k.contains("/444455556666/CloudTrail/eu-west-1/2026/11/1"))
    );

    // The same selection over the same tree on disk reads the same objects.
    let local = dir.path().join("local");
    let on_disk = dir.path().join("tree");
    std::fs::create_dir_all(&on_disk).unwrap();
    copy_tree(&trail, &on_disk.join("AWSLogs/o-a1b2c3d4e5/444455556666"));
    let disk = local_ingest(&local, &on_disk, WINDOW);
    assert!(n(&disk, "/files_not_selected") > 0);
    assert_eq!(n(&report, "/files"), n(&disk, "/files"));
    assert_eq!(gets.len() as u64, n(&disk, "/files"));
    assert_eq!(n(&report, "/events_stored"), n(&disk, "/events_stored"));
    assert!(n(&report, "/events_stored") > 0);
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn throttled_and_broken_gets_are_retried_and_a_corrupt_object_is_reported_while_the_rest_is_ingested()
 {
    let server = S3Server::start();
    server.upload("trail-bucket", &sample_trail(), "");
    let day = "AWSLogs/123456789012/CloudTrail/eu-west-1/2026/11/13/";
    let throttled =
        format!("{day}123456789012_CloudTrail_eu-west-1_20261113T0833Z_NDGQAtGwxcHirY6X.json.gz");
    let corrupt =
        format!("{day}123456789012_CloudTrail_eu-west-1_20261113T2359Z_corrupt000000000.json.gz");
    server.put(
        "trail-bucket",
        &corrupt,
        b"\x1f\x8b\x08\x00 this is not gzip at all",
    );
    server
        .state
        .lock()
        .unwrap()
        .slow_down
        .insert(throttled.clone(), 2);
    let broken =
        format!("{day}123456789012_CloudTrail_eu-west-1_20261113T0931Z_ygP7gXUGWiTob2HA.json.gz");
    server
        .state
        .lock()
        .unwrap()
        .break_body
        .insert(broken.clone(), 1);

    let dir = tempfile::tempdir().unwrap();
    let (store, disk_store) = (dir.path().join("s3"), dir.path().join("disk"));
    let (status, report, stderr) = server.ingest(&store, &["s3://trail-bucket/AWSLogs/"]);
    assert_eq!(
        status, 1,
        "a skipped object makes the exit status 1: {stderr}"
    );
    assert!(
        stderr.contains(&format!("s3://trail-bucket/{corrupt}")),
        "the corrupt object is named: {stderr}"
    );
    assert_eq!(n(&report, "/files_failed"), 1);
    let (_, gets) = server.take_log();
    assert_eq!(
        gets.iter().filter(|k| **k == throttled).count(),
        3,
        "two SlowDown, then served"
    );
    assert_eq!(
        gets.iter().filter(|k| **k == broken).count(),
        2,
        "cut off once, then read whole"
    );

    // Everything else is in, exactly once.
    local_ingest(&disk_store, &sample_trail(), &[]);
    assert_eq!(all_events(&store), all_events(&disk_store));

    // The failed object is not in the manifest: the next run tries it again, alone.
    let (status, again, _) = server.ingest(&store, &["s3://trail-bucket/AWSLogs/"]);
    assert_eq!(status, 1);
    assert_eq!(n(&again, "/remote/fetched"), 1);
    let (_, gets) = server.take_log();
    assert_eq!(gets, [corrupt]);
}

#[test]
fn an_interrupted_run_resumes_after_its_last_checkpoint() {
    let server = S3Server::start();
    server.upload("trail-bucket", &sample_trail(), "");
    server.state.lock().unwrap().stall_after = Some(600);
    let dir = tempfile::tempdir().unwrap();
    let (store, disk_store) = (dir.path().join("s3"), dir.path().join("disk"));

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("trailcut"))
        .arg("--store")
        .arg(&store)
        .args([
            "ingest",
            "s3://trail-bucket",
            "--quiet",
            "--checkpoint-secs",
            "1",
        ])
        .args(["--endpoint-url", &server.url, "--concurrency", "4"])
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("stderr")).unwrap())
        .spawn()
        .unwrap();
    // Wait until the server stalls, give the decoders a moment, then kill the run.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while server.state.lock().unwrap().gets.len() < 604 {
        assert!(
            std::time::Instant::now() < deadline,
            "the run never got going: {:?} {}",
            child.try_wait(),
            std::fs::read_to_string(dir.path().join("stderr")).unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Past one checkpoint interval: what was decoded before the stall is recorded.
    std::thread::sleep(Duration::from_millis(2500));
    child.kill().unwrap();
    child.wait().unwrap();
    server.state.lock().unwrap().stall_after = None;
    server.take_log();

    let (status, resumed, stderr) = server.ingest(&store, &["s3://trail-bucket"]);
    assert_eq!(status, 0, "{stderr}");
    let skipped = n(&resumed, "/remote/not_fetched");
    assert!(
        skipped >= 500 && n(&resumed, "/remote/fetched") + skipped == n(&resumed, "/files"),
        "the resumed run fetched again what the first had recorded: {resumed}"
    );
    local_ingest(&disk_store, &sample_trail(), &[]);
    assert_eq!(
        all_events(&store),
        all_events(&disk_store),
        "events lost or doubled"
    );
}

#[test]
fn a_bucket_without_a_trail_at_its_top_is_refused_and_a_plain_prefix_is_read_whole() {
    let server = S3Server::start();
    let file = sample_trail().join(
        "AWSLogs/123456789012/CloudTrail/eu-west-1/2026/11/13/123456789012_CloudTrail_eu-west-1_20261113T0833Z_NDGQAtGwxcHirY6X.json.gz",
    );
    server.put(
        "exports",
        "misc/2026/events.json.gz",
        &std::fs::read(file).unwrap(),
    );
    server.put("exports", "misc/readme.txt", b"not a trail");
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");

    let output = trailcut()
        .arg("--store")
        .arg(&store)
        .args(["ingest", "s3://exports", "--endpoint-url", &server.url])
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no AWSLogs/ at the top of `s3://exports`"),
        "{stderr}"
    );
    assert!(stderr.contains("misc/"), "{stderr}");
    let (lists, gets) = server.take_log();
    assert_eq!(
        lists,
        [(String::new(), Some("/".to_owned()))],
        "only the top was listed"
    );
    assert!(gets.is_empty());

    let (status, report, stderr) = server.ingest(&store, &["s3://exports/misc"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(n(&report, "/files"), 1);
    assert_eq!(n(&report, "/files_ignored"), 1);
    assert!(n(&report, "/events_stored") > 0);
}

/// Issue 18, finding 7: from S3 too, a gzip bomb stops at a quarter of --memory-mib and an
/// object larger than one file may be is not even fetched; the rest is ingested.
#[test]
fn issue_18_a_bomb_and_an_oversized_object_are_reported_and_the_rest_ingested() {
    use std::io::Write;
    let server = S3Server::start();
    server.upload("trail-bucket", &sample_trail(), "");
    let day = "AWSLogs/123456789012/CloudTrail/eu-west-1/2026/11/13/";
    let bomb =
        format!("{day}123456789012_CloudTrail_eu-west-1_20261113T2358Z_bomb000000000000.json.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"{\"Records\":[").unwrap();
    gz.write_all(&vec![b' '; 20 << 20]).unwrap();
    server.put("trail-bucket", &bomb, &gz.finish().unwrap());
    let big =
        format!("{day}123456789012_CloudTrail_eu-west-1_20261113T2359Z_big0000000000000.json");
    server.put("trail-bucket", &big, &vec![b' '; 17 << 20]);

    let dir = tempfile::tempdir().unwrap();
    let (store, disk_store) = (dir.path().join("s3"), dir.path().join("disk"));
    let (status, report, stderr) = server.ingest(
        &store,
        &["s3://trail-bucket/AWSLogs/", "--memory-mib", "64"],
    );
    assert_eq!(status, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "skipping `s3://trail-bucket/{bomb}`: decompresses to more than 16 MiB"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "skipping `s3://trail-bucket/{big}`: 17 MiB is more than the 16 MiB one file may take"
        )),
        "{stderr}"
    );
    assert_eq!(n(&report, "/files_failed"), 2);
    let (_, gets) = server.take_log();
    assert!(gets.contains(&bomb));
    assert!(!gets.contains(&big), "the oversized object is not fetched");
    local_ingest(&disk_store, &sample_trail(), &[]);
    assert_eq!(all_events(&store), all_events(&disk_store));
}
