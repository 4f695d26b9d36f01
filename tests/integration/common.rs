//! Helpers shared by the integration tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use trailcut::ingest::{IngestOptions, IngestReport, Quiet, ingest_paths};
use trailcut::sql::Session;
use trailcut::store::Store;

/// The `trailcut` binary built for these tests.
pub fn trailcut() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("trailcut").unwrap()
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `sample_data/trail`.
pub fn sample_trail() -> PathBuf {
    repo().join("sample_data/trail")
}

/// Ingests `paths` into `store` with default options and no output.
pub fn ingest(store: &Path, paths: &[PathBuf]) -> IngestReport {
    ingest_paths(&Store::new(store), paths, &IngestOptions::default(), &Quiet).expect("ingest")
}

/// Runs SQL over a store.
pub fn sql(store: &Path, sql: &str) -> Vec<RecordBatch> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let session = Session::open(&Store::new(store)).await.unwrap();
        session
            .run(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    })
}

/// Runs SQL and returns the rows as JSON objects.
pub fn rows(store: &Path, query: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let batches = sql(store, query);
    let mut buf = Vec::new();
    {
        let mut writer = arrow::json::ArrayWriter::new(&mut buf);
        for b in &batches {
            writer.write(b).unwrap();
        }
        writer.finish().unwrap();
    }
    if buf.is_empty() {
        return Vec::new();
    }
    serde_json::from_slice(&buf).unwrap()
}

/// A single integer from a `SELECT count(*) ...`-like query.
pub fn scalar(store: &Path, query: &str) -> i64 {
    let rows = rows(store, query);
    assert_eq!(rows.len(), 1, "{query}");
    let value = rows[0].values().next().expect("one column");
    value.as_i64().unwrap_or_else(|| panic!("{query}: {value}"))
}

/// The lines of a gzip-compressed fixture (`tests/fixtures/...jsonl.gz`).
pub fn gzip_lines(relative: &str) -> Vec<String> {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(repo().join(relative)).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text.lines().map(str::to_owned).collect()
}

/// Ingests the sample accounts' authorization details into `store`.
pub fn ingest_sample_iam(store: &Path) {
    trailcut()
        .arg("--store")
        .arg(store)
        .args(["authz", "ingest"])
        .args(sample_files("sample_data/iam"))
        .assert()
        .success();
}

/// The files of a folder of the sample, sorted.
pub fn sample_files(relative: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join(relative))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Ingests the sample's IAM Identity Center outputs (`sample_data/identity-center`).
pub fn ingest_sample_sso(store: &Path) {
    trailcut()
        .arg("--store")
        .arg(store)
        .args(["sso", "ingest"])
        .args(sample_files("sample_data/identity-center"))
        .assert()
        .success();
}

/// Ingests the sample organisation (`sample_data/org`) into `store`.
pub fn ingest_sample_org(store: &Path) {
    let files: Vec<PathBuf> = std::fs::read_dir(repo().join("sample_data/org"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    trailcut()
        .arg("--store")
        .arg(store)
        .args(["org", "ingest"])
        .args(&files)
        .assert()
        .success();
}

/// `INDEX.tsv`: the files of each subject (and service), as `trailcut` arguments.
pub fn sample_report_index() -> BTreeMap<Vec<String>, Vec<PathBuf>> {
    let dir = repo().join("sample_data/last-accessed");
    let text = std::fs::read_to_string(dir.join("INDEX.tsv")).unwrap();
    let mut jobs: BTreeMap<Vec<String>, Vec<PathBuf>> = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut fields = line.split('\t');
        let file = dir.join(fields.next().unwrap());
        let args: Vec<String> = fields
            .flat_map(|f| f.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .collect();
        jobs.entry(args).or_default().push(file);
    }
    jobs
}

/// Ingests every report of `sample_data/last-accessed` as INDEX.tsv says.
pub fn ingest_sample_reports(store: &Path) {
    for (args, files) in sample_report_index() {
        trailcut()
            .arg("--store")
            .arg(store)
            .args(["last-accessed", "ingest"])
            .args(&args)
            .args(&files)
            .assert()
            .success();
    }
}

/// Every piece of sample_data in one store, built once per test run: the trail, the IAM
/// details, the organisation, Identity Center and every last-accessed report.
pub fn sample_store() -> &'static Path {
    static STORE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    STORE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            ingest(dir.path(), &[sample_trail()]);
            ingest_sample_iam(dir.path());
            ingest_sample_org(dir.path());
            ingest_sample_sso(dir.path());
            ingest_sample_reports(dir.path());
            dir
        })
        .path()
}
