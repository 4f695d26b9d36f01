//! Finds the source objects to ingest under the paths a user gave: files as given, and
//! inside directories every `.json`, `.jsonl` or `.ndjson` file, gzipped or not, such as
//! the S3 layout `AWSLogs/[o-orgid/]<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz`.
//! CloudTrail digest files are recognised and counted, never decoded; files of the other
//! kinds trailcut reads (IAM authorization details, organisation listings, last-accessed
//! reports and their `INDEX.tsv`) are set apart by [`super::kind::sniff`].

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::kind::{INDEX_NAME, InputKind, sniff};

/// One file to ingest.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Absolute, canonical path: the manifest's key.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, microseconds since the epoch.
    pub modified: i64,
    /// The S3 ETag, for objects listed in a bucket.
    pub etag: Option<String>,
    /// False for an object that may still grow (a day of event history not yet over):
    /// read, but not recorded in the manifest.
    pub settled: bool,
}

impl SourceFile {
    /// A local file or a settled remote object.
    pub fn new(path: PathBuf, size: u64, modified: i64) -> Self {
        Self {
            path,
            size,
            modified,
            etag: None,
            settled: true,
        }
    }
}

/// The result of walking the input paths.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Files to decode, in path order.
    pub files: Vec<SourceFile>,
    /// CloudTrail digest files skipped.
    pub digests: u64,
    /// Files inside directories that are not JSON (left alone).
    pub ignored: u64,
    /// Inputs that could not be read: the path and why.
    pub unreadable: Vec<(PathBuf, String)>,
    /// Files of other kinds than CloudTrail logs (IAM, organisation, reports, their
    /// indexes), for `ingest::load` to route.
    pub routed: Vec<(PathBuf, InputKind)>,
}

impl Discovery {
    /// Total bytes of the files to decode.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// True for CloudTrail digest files, which hold hashes of log files, not events.
pub fn is_digest(path: &Path) -> bool {
    path.components()
        .any(|c| c.as_os_str() == "CloudTrail-Digest")
        || path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().contains("_CloudTrail-Digest_"))
}

/// True for names trailcut reads when walking a directory.
pub fn is_json_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.ends_with(".json") || name.ends_with(".jsonl") || name.ends_with(".ndjson")
}

fn hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.')
}

/// Walks `inputs` (files or directories) into the list of files to ingest.
pub fn discover(inputs: &[PathBuf]) -> Discovery {
    let mut found = Discovery::default();
    for input in inputs {
        let walker = walkdir::WalkDir::new(input)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| !hidden(e));
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let path = e.path().unwrap_or(input).to_path_buf();
                    let message = e
                        .io_error()
                        .map_or_else(|| e.to_string(), |io| io.to_string());
                    found.unreadable.push((path, message));
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            let named_directly = entry.depth() == 0;
            if is_digest(path) {
                found.digests += 1;
                continue;
            }
            if !named_directly && !is_json_name(path) {
                if entry.file_name() == INDEX_NAME {
                    found
                        .routed
                        .push((path.to_path_buf(), InputKind::ReportIndex));
                } else {
                    found.ignored += 1;
                }
                continue;
            }
            match sniff(path) {
                Ok(InputKind::Trail) => {}
                Ok(kind) => {
                    found.routed.push((path.to_path_buf(), kind));
                    continue;
                }
                Err(e) => {
                    found.unreadable.push((path.to_path_buf(), e.to_string()));
                    continue;
                }
            }
            match describe(path) {
                Ok(file) => found.files.push(file),
                Err(e) => found.unreadable.push((path.to_path_buf(), e.to_string())),
            }
        }
    }
    // CloudTrail's layout puts the account and region before the date, so path order would
    // sweep every day once per account and region. Reading in delivery-date order instead
    // lets the writer finish each day in one go.
    found
        .files
        .sort_by_cached_key(|f| (delivery_date(&f.path), f.path.clone()));
    found
}

/// The `YYYY/MM/DD` directories of CloudTrail's layout, as a number `YYYYMMDD`.
pub fn delivery_date(path: &Path) -> Option<u32> {
    let parts: Vec<&str> = path
        .parent()?
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    parts.windows(3).rev().find_map(|w| {
        let all_digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if all_digits(w[0], 4) && all_digits(w[1], 2) && all_digits(w[2], 2) {
            format!("{}{}{}", w[0], w[1], w[2]).parse().ok()
        } else {
            None
        }
    })
}

fn describe(path: &Path) -> std::io::Result<SourceFile> {
    let meta = std::fs::metadata(path)?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_micros() as i64);
    Ok(SourceFile::new(
        std::fs::canonicalize(path)?,
        meta.len(),
        modified,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_and_json_names_are_recognised() {
        assert!(is_digest(Path::new(
            "AWSLogs/123/CloudTrail-Digest/us-east-1/2024/01/01/123_CloudTrail-Digest_us-east-1_t_us-east-1_20240101T000000Z.json.gz"
        )));
        assert!(!is_digest(Path::new(
            "AWSLogs/123/CloudTrail/us-east-1/2024/01/01/a.json.gz"
        )));
        assert!(is_json_name(Path::new("a.json.gz")));
        assert!(is_json_name(Path::new("a.JSON")));
        assert!(is_json_name(Path::new("events.ndjson")));
        assert!(!is_json_name(Path::new("notes.txt")));
    }

    #[test]
    fn files_are_read_in_delivery_date_order() {
        assert_eq!(
            delivery_date(Path::new(
                "/t/AWSLogs/o-1/111/CloudTrail/us-east-1/2024/03/09/f.json.gz"
            )),
            Some(20240309)
        );
        assert_eq!(delivery_date(Path::new("/t/misc/f.json")), None);
        let dir = tempfile::tempdir().unwrap();
        for p in [
            "AWSLogs/111/CloudTrail/us-east-1/2024/01/02/a.json",
            "AWSLogs/111/CloudTrail/us-east-1/2024/01/01/b.json",
            "AWSLogs/222/CloudTrail/eu-west-1/2024/01/01/c.json",
        ] {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "[]").unwrap();
        }
        let names: Vec<String> = discover(&[dir.path().to_path_buf()])
            .files
            .iter()
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["b.json", "c.json", "a.json"]);
    }

    #[test]
    fn a_missing_input_is_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.json"), "[]").unwrap();
        std::fs::write(dir.path().join("readme.txt"), "x").unwrap();
        let found = discover(&[dir.path().to_path_buf(), dir.path().join("missing")]);
        assert_eq!(found.files.len(), 1);
        assert_eq!(found.ignored, 1);
        assert_eq!(found.unreadable.len(), 1);
    }
}
