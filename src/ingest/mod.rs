//! Ingest: source objects -> decode -> Arrow batches -> the Parquet store.
//!
//! [`ingest_paths`] walks the inputs ([`source`]), decodes files on all cores
//! ([`decode`] into [`batch`]), and feeds the batches through a bounded channel to one
//! [`EventWriter`](crate::store::writer::EventWriter), which de-duplicates and writes them.
//! The manifest is appended last. Bad input is reported as a [`Problem`] and skipped; the
//! rest carries on.

pub mod authz;
pub mod authz_rows;
pub mod aws;
pub mod batch;
pub mod decode;
pub mod derive;
pub mod gunzip;
pub mod last_accessed;
pub mod mapcols;
pub mod org;
pub mod record;
pub mod source;

use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde::Serialize;

use crate::store::manifest::{self, Manifest, SourceEntry};
use crate::store::writer::{EventWriter, WriterOptions};
use crate::store::{Store, StoreError};
use batch::{DecodedBatch, EventBatchBuilder};
use source::SourceFile;

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Decoding threads.
    pub threads: usize,
    /// Writer tunables.
    pub writer: WriterOptions,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            writer: WriterOptions::default(),
        }
    }
}

/// Something wrong with one input; the rest of the run carries on.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// The source object.
    pub path: PathBuf,
    /// What was wrong, with the position in the object where there is one.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "skipping `{}`: {}", self.path.display(), self.message)
    }
}

/// Hears about an ingest as it goes (progress bars, logs). Every method has a default.
pub trait IngestObserver: Sync {
    /// The inputs were walked.
    fn started(&self, _files: u64, _bytes: u64) {}
    /// One file was handled (read, skipped as known, or failed).
    fn file_done(&self, _bytes: u64) {}
    /// Something was skipped.
    fn problem(&self, _problem: &Problem) {}
    /// Data is written; compaction and the manifest follow.
    fn finishing(&self) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl IngestObserver for Quiet {}

/// The figures of one ingest run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestReport {
    /// Trail files found (digests and non-JSON files excluded).
    pub files: u64,
    /// Files read and recorded in the manifest by this run.
    pub files_ingested: u64,
    /// Files skipped because the manifest already has them.
    pub files_unchanged: u64,
    /// Files that could not be read or decoded at all.
    pub files_failed: u64,
    /// CloudTrail digest files skipped.
    pub digests_skipped: u64,
    /// Non-JSON files inside directories, left alone.
    pub files_ignored: u64,
    /// Valid records read.
    pub events_read: u64,
    /// Events new to the store.
    pub events_stored: u64,
    /// Events the store (or this run) already had.
    pub duplicates: u64,
    /// Records left out as malformed.
    pub records_skipped: u64,
    /// Bytes read from disk.
    pub bytes_read: u64,
    /// Bytes of JSON after decompression.
    pub bytes_json: u64,
    /// Day partitions written.
    pub partitions: usize,
    /// Small files merged by compaction.
    pub compactions: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Valid records per second.
    pub events_per_second: f64,
    /// MB (10^6 bytes) of JSON per second.
    pub json_mb_per_second: f64,
    /// Everything that was skipped, in order.
    pub problems: Vec<Problem>,
}

impl IngestReport {
    /// True when anything was skipped: the exit status should then be non-zero.
    pub fn skipped_anything(&self) -> bool {
        self.files_failed > 0 || self.records_skipped > 0 || !self.problems.is_empty()
    }
}

/// Errors that stop an ingest run (bad input does not: it becomes a [`Problem`]).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The store could not be written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a decoding thread reports for one file.
enum FileResult {
    /// The manifest already has it.
    Unchanged(SourceFile),
    /// Read and decoded; `problems` are the records or lines left out.
    Decoded {
        file: SourceFile,
        hash: String,
        decoded: DecodedBatch,
        records: u64,
        skipped: u64,
        json_bytes: u64,
        problems: Vec<String>,
    },
    /// Unreadable or undecodable as a whole.
    Failed { file: SourceFile, message: String },
}

/// At most this many problems are reported per file; the rest are counted.
const PROBLEMS_PER_FILE: usize = 5;

/// Ingests files and directories into the store.
pub fn ingest_paths(
    store: &Store,
    inputs: &[PathBuf],
    options: &IngestOptions,
    observer: &dyn IngestObserver,
) -> Result<IngestReport, IngestError> {
    let started = Instant::now();
    let _lock = store.open_for_write()?;
    let found = source::discover(inputs);
    let mut report = IngestReport {
        files: found.files.len() as u64,
        digests_skipped: found.digests,
        files_ignored: found.ignored,
        ..IngestReport::default()
    };
    for (path, message) in &found.unreadable {
        report.files_failed += 1;
        let problem = Problem {
            path: path.clone(),
            message: message.clone(),
        };
        observer.problem(&problem);
        report.problems.push(problem);
    }
    observer.started(report.files, found.total_bytes());

    let known = Manifest::load(store)?;
    let run_id = new_run_id();
    let mut writer = EventWriter::try_new(store.clone(), run_id.clone(), options.writer.clone())?;
    let mut entries = Vec::new();
    let next = AtomicUsize::new(0);
    let threads = options.threads.max(1);
    let (results_tx, results_rx) = crossbeam_channel::bounded::<FileResult>(threads * 2);

    let write_result: Result<(), IngestError> = std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = results_tx.clone();
            let (files, next, known) = (&found.files, &next, &known);
            scope.spawn(move || {
                let mut scratch = Scratch::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(i) else { break };
                    if tx.send(read_file(file, known, &mut scratch)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(results_tx);
        for result in results_rx.iter() {
            if let Err(e) = absorb(
                result,
                &mut writer,
                &mut entries,
                &mut report,
                &run_id,
                observer,
            ) {
                // Stop the decoders quickly: dropping the receiver ends their sends.
                drop(results_rx);
                return Err(e);
            }
        }
        Ok(())
    });
    write_result?;
    observer.finishing();
    let written = writer.finish()?;
    manifest::append(store, &run_id, &entries)?;

    report.files_ingested = entries.len() as u64;
    report.partitions = written.partitions;
    report.compactions = written.compactions;
    report.seconds = started.elapsed().as_secs_f64();
    if report.seconds > 0.0 {
        report.events_per_second = report.events_read as f64 / report.seconds;
        report.json_mb_per_second = report.bytes_json as f64 / 1e6 / report.seconds;
    }
    Ok(report)
}

fn absorb(
    result: FileResult,
    writer: &mut EventWriter,
    entries: &mut Vec<SourceEntry>,
    report: &mut IngestReport,
    run_id: &str,
    observer: &dyn IngestObserver,
) -> Result<(), IngestError> {
    let mut problem = |path: &PathBuf, message: String| {
        let p = Problem {
            path: path.clone(),
            message,
        };
        observer.problem(&p);
        report.problems.push(p);
    };
    match result {
        FileResult::Unchanged(file) => {
            report.files_unchanged += 1;
            observer.file_done(file.size);
        }
        FileResult::Failed { file, message } => {
            report.files_failed += 1;
            report.bytes_read += file.size;
            problem(&file.path, message);
            observer.file_done(file.size);
        }
        FileResult::Decoded {
            file,
            hash,
            decoded,
            records,
            skipped,
            json_bytes,
            problems,
        } => {
            for message in problems {
                problem(&file.path, message);
            }
            let events = decoded.batch.num_rows() as u64;
            let outcome = writer.add(decoded)?;
            report.events_read += events;
            report.events_stored += outcome.stored;
            report.duplicates += outcome.duplicates;
            report.records_skipped += skipped;
            report.bytes_read += file.size;
            report.bytes_json += json_bytes;
            entries.push(SourceEntry {
                path: file.path.to_string_lossy().into_owned(),
                size: file.size,
                modified: file.modified,
                content_hash: hash,
                records,
                stored: outcome.stored,
                duplicates: outcome.duplicates,
                skipped,
                ingested_at: now_micros(),
                run_id: run_id.to_owned(),
            });
            observer.file_done(file.size);
        }
    }
    Ok(())
}

/// Buffers a decoding thread reuses from file to file, so that large allocations are not
/// made, zeroed and returned to the system once per file.
#[derive(Default)]
struct Scratch {
    raw: Vec<u8>,
    json: Vec<u8>,
}

/// Reads, hashes and decodes one file (runs on a decoding thread).
fn read_file(file: &SourceFile, known: &Manifest, scratch: &mut Scratch) -> FileResult {
    let path_key = file.path.to_string_lossy();
    if known.has_path(&path_key, file.size, file.modified) {
        return FileResult::Unchanged(file.clone());
    }
    scratch.raw.clear();
    let read = std::fs::File::open(&file.path).and_then(|mut f| f.read_to_end(&mut scratch.raw));
    if let Err(e) = read {
        return FileResult::Failed {
            file: file.clone(),
            message: e.to_string(),
        };
    }
    let hash = blake3::hash(&scratch.raw).to_hex().to_string();
    if known.has_content(&hash) {
        return FileResult::Unchanged(file.clone());
    }
    decode_file(file.clone(), hash, &scratch.raw, &mut scratch.json)
}

/// Decodes the bytes of one source object into a batch and its problems.
fn decode_file(file: SourceFile, hash: String, bytes: &[u8], json: &mut Vec<u8>) -> FileResult {
    let mut builder = EventBatchBuilder::new();
    let (json_bytes, line_errors) = match decode::decode_object(bytes, json, &mut builder) {
        Ok(decoded) => (decoded.json_bytes, decoded.skipped_lines),
        Err(e) => {
            return FileResult::Failed {
                file,
                message: e.to_string(),
            };
        }
    };
    let record_errors = builder.take_errors();
    let skipped = (record_errors.len() + line_errors.len()) as u64;
    let mut problems: Vec<String> = line_errors
        .iter()
        .map(|e| format!("line {}: invalid JSON: {}", e.line, e.message))
        .chain(
            record_errors
                .iter()
                .map(|e| format!("record {}: {}", e.record, e.message)),
        )
        .collect();
    if problems.len() > PROBLEMS_PER_FILE {
        let more = problems.len() - PROBLEMS_PER_FILE;
        problems.truncate(PROBLEMS_PER_FILE);
        problems.push(format!("and {more} more malformed records"));
    }
    let records = decode::RecordSink::seen(&builder) + line_errors.len() as u64;
    FileResult::Decoded {
        file,
        hash,
        decoded: builder.finish(),
        records,
        skipped,
        json_bytes,
        problems,
    }
}

fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// A run id that sorts by time and is unique across processes.
/// A run id, unique per process and start time: `20261128T072512-1a2b3c4d`.
pub fn new_run_id() -> String {
    let now = chrono::Utc::now();
    let nonce = blake3::hash(
        format!(
            "{}{}",
            std::process::id(),
            now.timestamp_nanos_opt().unwrap_or(0)
        )
        .as_bytes(),
    );
    format!("{}-{}", now.format("%Y%m%dT%H%M%S"), &nonce.to_hex()[..8])
}
