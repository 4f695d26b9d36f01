//! Ingest: source objects -> decode -> Arrow batches -> the Parquet store.
//!
//! [`ingest_paths`] walks local inputs ([`source`]); [`aws::s3`] lists a bucket and
//! [`aws::lookup`] pages through CloudTrail event history. Each hands its objects to the
//! same [`run`]: decoding on all cores ([`decode`] into [`batch`]), then through a
//! bounded channel to one [`EventWriter`](crate::store::writer::EventWriter), which
//! de-duplicates and writes them. The sources read are recorded in the manifest at each
//! checkpoint and at the end, after their events are on disk. Bad input is reported as a
//! [`Problem`] and skipped; the rest carries on. Events whose time is implausible for their
//! object ([`plausible`]) are stored apart, in the `outliers` table, and reported.

pub mod authz;
pub mod authz_rows;
pub mod aws;
pub mod batch;
pub mod decode;
pub mod derive;
pub mod gunzip;
pub mod kind;
pub mod last_accessed;
pub mod layout;
pub mod load;
pub mod memory;
pub mod org;
pub mod plausible;
pub mod record;
pub mod report_rows;
pub mod source;
pub mod sso;

use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::store::manifest::{self, Manifest, SourceEntry};
use crate::store::writer::{EventWriter, WriterOptions};
use crate::store::{Store, StoreError};
use batch::{DecodedBatch, EventBatchBuilder, OutlierBatch};
use plausible::{Clock, TimeBounds};
use source::SourceFile;

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Cores the run uses: at most this many threads decode objects or write files at
    /// once (`--threads`).
    pub threads: usize,
    /// Writer tunables.
    pub writer: WriterOptions,
    /// Bytes of decompressed text the decoding threads may hold together, and so the most
    /// one object may be (see [`memory`]).
    pub decode_memory: usize,
    /// How often the sources read so far are made durable and recorded in the manifest,
    /// so that an interrupted run resumes after them.
    pub checkpoint_every: Duration,
    /// The accounts, regions and delivery days to read, where paths show them.
    pub selection: layout::Selection,
    /// The time each object is read, which bounds its plausible event times when its name
    /// shows no delivery time.
    pub clock: Clock,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            threads: crate::cores::available(),
            writer: WriterOptions::default(),
            decode_memory: (DEFAULT_MEMORY_MIB << 20) / 4,
            checkpoint_every: Duration::from_secs(60),
            selection: layout::Selection::default(),
            clock: Clock::system(),
        }
    }
}

/// The default ingest memory budget (`--memory-mib`), in MiB: with what the catalogue, the
/// de-duplication keys and the writing threads hold besides, ingest peaks under 512 MiB.
pub const DEFAULT_MEMORY_MIB: usize = 128;

impl IngestOptions {
    /// Shares an ingest memory budget (`--memory-mib`): a quarter for decompressed text,
    /// the rest for the writer's buffered rows.
    pub fn set_memory_budget(&mut self, bytes: usize) {
        self.decode_memory = bytes / 4;
        self.writer.memory_budget = bytes - self.decode_memory;
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
    /// A remote listing found `objects` so far.
    fn listing(&self, _objects: u64) {}
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
    /// Files read by this run (recorded in the manifest, days of event history still
    /// filling aside).
    pub files_ingested: u64,
    /// Files skipped because the manifest already has them.
    pub files_unchanged: u64,
    /// Files that could not be read or decoded at all.
    pub files_failed: u64,
    /// CloudTrail digest files skipped.
    pub digests_skipped: u64,
    /// Non-JSON files inside directories, left alone.
    pub files_ignored: u64,
    /// Files outside `--since`/`--until`/`--account`/`--trail-region`, left alone.
    pub files_not_selected: u64,
    /// Valid records read.
    pub events_read: u64,
    /// Events new to the store.
    pub events_stored: u64,
    /// Events the store (or this run) already had.
    pub duplicates: u64,
    /// Records left out as malformed.
    pub records_skipped: u64,
    /// Of the duplicates, events whose eventID the store (or this run) holds for another
    /// event (another time or name): left out, each named in `problems`.
    pub conflicting_ids: u64,
    /// Events stored apart, in the `outliers` table, because their time is implausible:
    /// before CloudTrail began, or more than a day after their file was delivered or read.
    pub outliers: u64,
    /// The first of them, with their file and position.
    pub outlier_examples: Vec<OutlierExample>,
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
    /// Source objects read per second.
    pub files_per_second: f64,
    /// Valid records per second.
    pub events_per_second: f64,
    /// MB (10^6 bytes) of JSON per second.
    pub json_mb_per_second: f64,
    /// Everything that was skipped, in order.
    pub problems: Vec<Problem>,
    /// Requests made to S3 or CloudTrail, for remote sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<RemoteStats>,
}

/// An event stored apart because its time is implausible.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OutlierExample {
    /// The source object.
    pub path: PathBuf,
    /// The 1-based position of the record in it.
    pub record: u64,
    /// Its `eventTime` as written.
    pub event_time: String,
    /// Why the time is implausible.
    pub reason: String,
}

impl fmt::Display for OutlierExample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}`: record {}: `eventTime` `{}` is {}",
            self.path.display(),
            self.record,
            self.event_time,
            self.reason
        )
    }
}

/// At most this many outliers are named in a report; the rest are counted.
const OUTLIER_EXAMPLES: usize = 5;

/// What a remote ingest asked of the service.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RemoteStats {
    /// Listing requests (ListObjectsV2 pages) or LookupEvents pages.
    pub list_requests: u64,
    /// Objects fetched (GetObject), or days of event history read.
    pub fetched: u64,
    /// Objects the manifest already had (same key and ETag): not fetched.
    pub not_fetched: u64,
    /// Seconds spent listing before fetching began.
    pub list_seconds: f64,
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
    /// A remote source could not be used at all (no such bucket, no credentials, ...).
    #[error("{0}")]
    Remote(String),
}

/// What a decoding thread reports for one file.
enum FileResult {
    /// The manifest already has it; with the content hash when its content is known
    /// under another name (recorded, so the next run skips it without reading).
    Unchanged(SourceFile, Option<String>),
    /// Read and decoded; `problems` are the records or lines left out.
    Decoded {
        file: SourceFile,
        hash: String,
        decoded: DecodedBatch,
        /// Events set apart for their implausible time.
        outliers: Vec<OutlierBatch>,
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

/// `messages` cut to [`PROBLEMS_PER_FILE`], the rest counted in a last line
/// (`and 3 more malformed records`).
fn capped(mut messages: Vec<String>, what: &str) -> Vec<String> {
    if messages.len() > PROBLEMS_PER_FILE {
        let more = messages.len() - PROBLEMS_PER_FILE;
        messages.truncate(PROBLEMS_PER_FILE);
        messages.push(format!("and {more} more {what}"));
    }
    messages
}

/// One object handed to a decoding thread by an [`Objects`] source.
pub enum Next {
    /// Its bytes are in the buffer given to [`Objects::next`].
    Read(SourceFile),
    /// The manifest already has it: not read.
    Unchanged(SourceFile),
    /// It could not be read or fetched.
    Failed(SourceFile, String),
}

/// Where a run's objects come from: each decoding thread asks for the next one.
pub trait Objects: Sync {
    /// The next object, its bytes read into `raw`; `None` when there are no more.
    fn next(&self, known: &Manifest, raw: &mut Vec<u8>) -> Option<Next>;
}

/// Local files, read by the decoding threads themselves.
struct LocalFiles<'a> {
    files: &'a [SourceFile],
    next: AtomicUsize,
    /// The most bytes one file may be (it is read whole).
    limit: usize,
}

impl Objects for LocalFiles<'_> {
    fn next(&self, known: &Manifest, raw: &mut Vec<u8>) -> Option<Next> {
        let file = self.files.get(self.next.fetch_add(1, Ordering::Relaxed))?;
        if known.has_path(&file.path.to_string_lossy(), file.size, file.modified) {
            return Some(Next::Unchanged(file.clone()));
        }
        if file.size > self.limit as u64 {
            let message = memory::too_large(file.size, self.limit);
            return Some(Next::Failed(file.clone(), message));
        }
        raw.clear();
        // One byte past the limit tells a file that grew since it was listed.
        let read = std::fs::File::open(&file.path)
            .and_then(|f| f.take(self.limit as u64 + 1).read_to_end(raw));
        Some(match read {
            Ok(_) if raw.len() > self.limit => {
                raw.clear();
                Next::Failed(file.clone(), memory::grew_too_large(self.limit))
            }
            Ok(_) => Next::Read(file.clone()),
            Err(e) => Next::Failed(file.clone(), e.to_string()),
        })
    }
}

/// Ingests files and directories into the store.
pub fn ingest_paths(
    store: &Store,
    inputs: &[PathBuf],
    options: &IngestOptions,
    observer: &dyn IngestObserver,
) -> Result<IngestReport, IngestError> {
    let mut found = source::discover(inputs);
    // Not CloudTrail: `load` routes them; here they are named and skipped.
    for (path, kind) in std::mem::take(&mut found.routed) {
        found.unreadable.push((
            path,
            format!(
                "{} are not CloudTrail logs: `trailcut ingest` routes them to their reader",
                kind.describe()
            ),
        ));
    }
    ingest_found(store, found, options, observer)
}

/// Ingests the CloudTrail logs `found` by [`source::discover`].
pub fn ingest_found(
    store: &Store,
    mut found: source::Discovery,
    options: &IngestOptions,
    observer: &dyn IngestObserver,
) -> Result<IngestReport, IngestError> {
    let started = Instant::now();
    let _lock = store.open_for_write()?;
    let before = found.files.len();
    if !options.selection.is_everything() {
        found
            .files
            .retain(|f| options.selection.includes(&f.path.to_string_lossy()));
    }
    let mut report = IngestReport {
        files_not_selected: (before - found.files.len()) as u64,
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
    let files = LocalFiles {
        files: &found.files,
        next: AtomicUsize::new(0),
        limit: options.decode_memory,
    };
    run(store, &known, &files, report, started, options, observer)
}

/// Decodes every object of `objects` and writes their events: the part of an ingest
/// that every source shares. The caller holds the store's write lock and has counted
/// what it found in `report`.
pub fn run(
    store: &Store,
    known: &Manifest,
    objects: &dyn Objects,
    mut report: IngestReport,
    started: Instant,
    options: &IngestOptions,
    observer: &dyn IngestObserver,
) -> Result<IngestReport, IngestError> {
    let run_id = new_run_id();
    let threads = options.threads.max(1);
    // `threads` cores in all, shared by decoding and writing.
    let cores = std::sync::Arc::new(crate::cores::Cores::new(threads));
    let writer_options = WriterOptions {
        cores: std::sync::Arc::clone(&cores),
        ..options.writer.clone()
    };
    let mut writer = EventWriter::try_new(store.clone(), run_id.clone(), writer_options)?;
    let mut ledger = Ledger {
        store,
        run_id: &run_id,
        pending: Vec::new(),
        segments: Vec::new(),
        last: Instant::now(),
        every: options.checkpoint_every,
    };
    let (results_tx, results_rx) = crossbeam_channel::bounded::<FileResult>(threads * 2);
    let memory = memory::DecodeMemory::new(options.decode_memory);

    let write_result: Result<(), IngestError> = std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = results_tx.clone();
            let clock = &options.clock;
            let memory = &memory;
            let cores = &cores;
            scope.spawn(move || {
                let mut scratch = Scratch {
                    raw: Vec::new(),
                    json: memory.buffer(),
                };
                while let Some(next) = objects.next(known, &mut scratch.raw) {
                    let decoded = {
                        let _core = cores.acquire();
                        decode_next(next, known, clock, &mut scratch)
                    };
                    if tx.send(decoded).is_err() {
                        break;
                    }
                }
            });
        }
        drop(results_tx);
        loop {
            // Wake for checkpoints even while a slow source sends nothing.
            let wait = ledger.every.saturating_sub(ledger.last.elapsed());
            let absorbed = match results_rx.recv_timeout(wait.max(Duration::from_millis(10))) {
                Ok(result) => absorb(result, &mut writer, &mut ledger, &mut report, observer),
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => Ok(()),
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
            }
            .and_then(|()| ledger.maybe_checkpoint(&mut writer));
            if let Err(e) = absorbed {
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
    ledger.finish()?;

    report.partitions = written.partitions;
    report.compactions = written.compactions;
    report.seconds = started.elapsed().as_secs_f64();
    if report.seconds > 0.0 {
        report.files_per_second = report.files_ingested as f64 / report.seconds;
        report.events_per_second = report.events_read as f64 / report.seconds;
        report.json_mb_per_second = report.bytes_json as f64 / 1e6 / report.seconds;
    }
    Ok(report)
}

/// The manifest entries of a run: held until their events are on disk, then appended at
/// a checkpoint or at the end.
struct Ledger<'a> {
    store: &'a Store,
    run_id: &'a str,
    pending: Vec<SourceEntry>,
    /// The names of the segments appended at checkpoints.
    segments: Vec<String>,
    last: Instant,
    every: Duration,
}

impl Ledger<'_> {
    fn maybe_checkpoint(&mut self, writer: &mut EventWriter) -> Result<(), IngestError> {
        if self.pending.is_empty() || self.last.elapsed() < self.every {
            return Ok(());
        }
        writer.checkpoint()?;
        let name = format!(
            "part-{}-c{:04}.parquet",
            self.run_id,
            self.segments.len() + 1
        );
        manifest::append_named(self.store, &name, &self.pending)?;
        crate::store::snapshot::commit(self.store)?;
        self.segments.push(name);
        self.pending.clear();
        self.last = Instant::now();
        Ok(())
    }

    /// Appends the run's segment. A run that checkpointed writes all its entries as one
    /// segment, then removes the checkpoint segments, so the manifest does not grow a file
    /// a minute; a crash in between leaves entries twice, which loading merges.
    fn finish(self) -> Result<(), IngestError> {
        manifest::append_run(self.store, self.run_id, &self.segments, &self.pending)?;
        let segments: Vec<PathBuf> = self
            .segments
            .iter()
            .map(|name| self.store.manifest_dir().join(name))
            .collect();
        crate::store::retired::retire(self.store, &segments)?;
        // The run's events, their rollups and its manifest segment become visible together.
        crate::store::snapshot::commit(self.store)?;
        Ok(())
    }

    /// Records a source, unless it is not settled (a day of event history still filling).
    fn push(&mut self, file: &SourceFile, entry: SourceEntry) {
        if file.settled {
            self.pending.push(entry);
        }
    }
}

fn absorb(
    result: FileResult,
    writer: &mut EventWriter,
    ledger: &mut Ledger<'_>,
    report: &mut IngestReport,
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
    let entry = |file: &SourceFile, hash: String| SourceEntry {
        path: file.path.to_string_lossy().into_owned(),
        size: file.size,
        modified: file.modified,
        content_hash: hash,
        records: 0,
        stored: 0,
        duplicates: 0,
        skipped: 0,
        ingested_at: now_micros(),
        run_id: ledger.run_id.to_owned(),
        etag: file.etag.clone(),
    };
    match result {
        FileResult::Unchanged(file, hash) => {
            report.files_unchanged += 1;
            if let Some(hash) = hash {
                report.bytes_read += file.size;
                let alias = entry(&file, hash);
                ledger.push(&file, alias);
            }
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
            outliers,
            records,
            skipped,
            json_bytes,
            problems,
        } => {
            for message in problems {
                problem(&file.path, message);
            }
            if !outliers.is_empty() {
                let source = file.path.to_string_lossy();
                report.outliers +=
                    crate::store::outliers::write(ledger.store, &source, &hash, &outliers)?;
                let room = OUTLIER_EXAMPLES.saturating_sub(report.outlier_examples.len());
                let named = outliers.iter().flat_map(|o| &o.outliers).take(room);
                report
                    .outlier_examples
                    .extend(named.map(|o| OutlierExample {
                        path: file.path.clone(),
                        record: o.record,
                        event_time: o.event_time.clone(),
                        reason: o.reason.clone(),
                    }));
            }
            let events = decoded.batch.num_rows() as u64;
            let outcome = writer.add(decoded)?;
            report.conflicting_ids += outcome.conflicts.len() as u64;
            let conflicts = outcome.conflicts.iter().map(|(id, time, name)| {
                format!(
                    "event `{id}` ({name} at {time}): the store already holds another event \
                     under this eventID; the first one is kept"
                )
            });
            let conflicts = capped(
                conflicts.collect(),
                "events whose eventID the store holds for another event",
            );
            for message in conflicts {
                problem(&file.path, message);
            }
            report.files_ingested += 1;
            report.events_read += events;
            report.events_stored += outcome.stored;
            report.duplicates += outcome.duplicates;
            report.records_skipped += skipped;
            report.bytes_read += file.size;
            report.bytes_json += json_bytes;
            let read = SourceEntry {
                records,
                stored: outcome.stored,
                duplicates: outcome.duplicates,
                skipped,
                ..entry(&file, hash)
            };
            ledger.push(&file, read);
            observer.file_done(file.size);
        }
    }
    Ok(())
}

/// Buffers a decoding thread reuses from file to file, so that large allocations are not
/// made, zeroed and returned to the system once per file.
struct Scratch<'m> {
    raw: Vec<u8>,
    /// Decompressed text, its capacity leased from the run's [`memory::DecodeMemory`].
    json: memory::TextBuffer<'m>,
}

/// Hashes and decodes one object whose bytes are in `scratch.raw` (runs on a decoding
/// thread).
fn decode_next(
    next: Next,
    known: &Manifest,
    clock: &Clock,
    scratch: &mut Scratch<'_>,
) -> FileResult {
    let file = match next {
        Next::Read(file) => file,
        Next::Unchanged(file) => return FileResult::Unchanged(file, None),
        Next::Failed(file, message) => return FileResult::Failed { file, message },
    };
    let hash = blake3::hash(&scratch.raw).to_hex().to_string();
    if known.has_content(&hash) {
        return FileResult::Unchanged(file, Some(hash));
    }
    let bounds = TimeBounds::for_object(&file.path.to_string_lossy(), clock.now());
    let result = decode_file(file, hash, bounds, &scratch.raw, &mut scratch.json);
    scratch.json.settle();
    result
}

/// Decodes the bytes of one source object into a batch and its problems; events outside
/// `bounds` are set apart.
fn decode_file(
    file: SourceFile,
    hash: String,
    bounds: TimeBounds,
    bytes: &[u8],
    json: &mut dyn gunzip::OutputBuffer,
) -> FileResult {
    let mut builder = EventBatchBuilder::new().with_bounds(bounds);
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
    let problems: Vec<String> = line_errors
        .iter()
        .map(|e| format!("line {}: invalid JSON: {}", e.line, e.message))
        .chain(
            record_errors
                .iter()
                .map(|e| format!("record {}: {}", e.record, e.message)),
        )
        .collect();
    let problems = capped(problems, "malformed records");
    let records = decode::RecordSink::seen(&builder) + line_errors.len() as u64;
    let decoded = builder.finish();
    FileResult::Decoded {
        file,
        hash,
        decoded,
        outliers: builder.take_outliers(),
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
