//! Writes decoded events into `events/`: de-duplicates by eventID against the store and
//! within the run, buffers rows per day within a memory budget, writes each buffer as a
//! Parquet file in call order (`parquet_io::RowKey`), and compacts small files at the end.
//!
//! Crash safety: every file is written under a temporary name, synced, then renamed, and
//! holds only events the store did not have. A run killed at any moment therefore leaves
//! a store without duplicates; the manifest is written after all data (by the caller), so
//! a re-run reads the unrecorded sources again and their events de-duplicate to exactly
//! what is missing. Compaction swaps files through the [`journal`](super::journal).

use std::collections::{HashMap, HashSet};

use super::parquet_io::KeySet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use arrow::array::RecordBatch;
use crossbeam_channel::{Receiver, Sender, bounded};

use super::batch::DecodedBatch;
use super::parquet_io::{self, WrittenFile};
use super::{Store, StoreError, TMP_SUFFIX, durable_rename, journal, parquet_files, usage};
use crate::cores::Cores;
use crate::request::resource::IamNames;

/// Tunables of the writer.
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Bytes of Arrow data buffered or being written: past half of it the day that has gone
    /// longest without new rows is written out, and buffered and in-flight rows together
    /// wait below all of it.
    pub memory_budget: usize,
    /// Target rows per events file; compaction merges files below half of it or below an
    /// eighth of a row group, whichever is smaller.
    pub target_file_rows: u64,
    /// De-duplication keys held in memory before the days behind the run are evicted (days
    /// with buffered rows keep theirs, so this is a threshold, not a cap).
    pub max_cached_keys: usize,
    /// The cores the run may use (all by default), shared with its decoders: one flush
    /// thread per core, each holding one while it sorts, rolls up and encodes, so that at
    /// the end of a run the last days are written in parallel.
    pub cores: Arc<Cores>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        Self {
            memory_budget: 96 << 20,
            target_file_rows: 2_000_000,
            // Some 25 MiB of keys: three days at 10M events a month. Sources are read in
            // delivery-date order, so the days evicted are behind the run and rarely
            // reloaded; a larger cache only makes peak memory grow with the trail.
            max_cached_keys: 1_000_000,
            cores: Arc::new(Cores::all()),
        }
    }
}

/// What the writer did with one decoded batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddOutcome {
    /// New events kept for writing.
    pub stored: u64,
    /// Events the store or this run already had.
    pub duplicates: u64,
    /// Of the duplicates, those whose eventID the store or this run holds with another
    /// time or name: a different event reusing an id. The first one is kept; these are
    /// left out and named (eventID, eventTime, eventName).
    pub conflicts: Vec<(String, String, String)>,
}

/// What a finished run wrote.
#[derive(Debug, Clone, Default)]
pub struct WriteSummary {
    /// Events written.
    pub events: u64,
    /// Day partitions that received events.
    pub partitions: usize,
    /// Files left in those partitions after compaction.
    pub files: usize,
    /// Compactions performed (small files merged into one).
    pub compactions: usize,
}

struct DayBuffer {
    batches: Vec<RecordBatch>,
    bytes: usize,
    rows: usize,
    /// When the day last received rows (a counter of `buffer` calls).
    last_touch: u64,
}

struct FlushJob {
    day: i32,
    batches: Vec<RecordBatch>,
    /// The batches' size, held against the memory budget until they are freed.
    held: Held,
}

/// Bytes held in flight, given back when dropped: when the job is encoded, when it is
/// dropped unsent, and when a flush thread unwinds from a panic, so that the writer never
/// waits for memory no thread will free.
struct Held {
    in_flight: Arc<InFlight>,
    bytes: usize,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.in_flight.release(self.bytes);
    }
}

/// Bytes of day buffers handed to the flush threads and not yet written: counted against
/// the memory budget together with the buffered ones, so that slow disks or a burst of
/// flushes cannot pile up buffers beyond it.
#[derive(Default)]
struct InFlight {
    bytes: std::sync::Mutex<usize>,
    written: std::sync::Condvar,
}

impl InFlight {
    /// Waits until `n` more bytes fit under `limit` (or nothing is in flight), then holds them.
    fn acquire(&self, n: usize, limit: usize) {
        let mut bytes = self.bytes.lock().unwrap_or_else(|e| e.into_inner());
        while *bytes > 0 && *bytes + n > limit {
            bytes = self.written.wait(bytes).unwrap_or_else(|e| e.into_inner());
        }
        *bytes += n;
    }

    /// Waits until at most `limit` bytes are in flight.
    fn wait_for_at_most(&self, limit: usize) {
        let mut bytes = self.bytes.lock().unwrap_or_else(|e| e.into_inner());
        while *bytes > limit {
            bytes = self.written.wait(bytes).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn release(&self, n: usize) {
        let mut bytes = self.bytes.lock().unwrap_or_else(|e| e.into_inner());
        *bytes = bytes.saturating_sub(n);
        self.written.notify_all();
    }
}

/// Writes events into a store opened for writing.
pub struct EventWriter {
    store: Store,
    options: WriterOptions,
    run_id: String,
    buffers: HashMap<i32, DayBuffer>,
    buffered_bytes: usize,
    keys: HashMap<i32, KeySet>,
    cached_keys: usize,
    /// Days whose keys were evicted since the flush threads last finished every job.
    unsettled: HashSet<i32>,
    touched: HashSet<i32>,
    clock: u64,
    events: u64,
    flushers: FlushPool,
    /// The IAM snapshot's names, for the resources of IAM calls in the usage rollup.
    names: Arc<IamNames>,
}

/// Threads that sort and write day buffers, fed through a channel of one slot so that at
/// most one buffer waits while the others are being written.
struct FlushPool {
    store: Store,
    run_id: String,
    names: Arc<IamNames>,
    in_flight: Arc<InFlight>,
    cores: Arc<Cores>,
    threads: usize,
    jobs: Option<Sender<FlushJob>>,
    handles: Vec<JoinHandle<FlushResult>>,
}

/// What one flush thread wrote: each file with its day.
type FlushResult = Result<Vec<(i32, WrittenFile)>, StoreError>;

impl FlushPool {
    fn start(
        store: &Store,
        run_id: &str,
        options: &WriterOptions,
        names: Arc<IamNames>,
    ) -> Result<Self, StoreError> {
        let mut pool = FlushPool {
            store: store.clone(),
            run_id: run_id.to_owned(),
            names,
            in_flight: Arc::default(),
            cores: Arc::clone(&options.cores),
            threads: options.cores.total(),
            jobs: None,
            handles: Vec::new(),
        };
        pool.restart()?;
        Ok(pool)
    }

    fn restart(&mut self) -> Result<(), StoreError> {
        let (jobs, receiver) = bounded::<FlushJob>(1);
        for _ in 0..self.threads {
            let (store, run, receiver) =
                (self.store.clone(), self.run_id.clone(), receiver.clone());
            let names = Arc::clone(&self.names);
            let cores = Arc::clone(&self.cores);
            let handle = std::thread::Builder::new()
                .name("trailcut-flush".into())
                .spawn(move || flush_loop(&store, &run, &names, &cores, receiver))
                .map_err(StoreError::io(self.store.events_dir()))?;
            self.handles.push(handle);
        }
        self.jobs = Some(jobs);
        Ok(())
    }

    /// Queues a job; `false` when every flush thread has stopped (on an error that
    /// `join` reports).
    fn send(&self, job: FlushJob) -> bool {
        self.jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send(job).is_ok())
    }

    /// Waits for every queued job and returns the files written.
    fn join(&mut self) -> Result<Vec<(i32, WrittenFile)>, StoreError> {
        drop(self.jobs.take());
        let mut written = Vec::new();
        let mut first_error = None;
        for handle in self.handles.drain(..) {
            match handle.join() {
                Ok(Ok(files)) => written.extend(files),
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                }
                Err(_) => {
                    first_error.get_or_insert(StoreError::Io {
                        path: self.store.events_dir(),
                        source: std::io::Error::other("a flush thread panicked"),
                    });
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(written),
        }
    }
}

static FILE_SEQ: AtomicU64 = AtomicU64::new(0);

impl EventWriter {
    /// A writer for `store`; `run_id` names the files it writes. Fails only when its
    /// flush threads cannot be started.
    pub fn try_new(
        store: Store,
        run_id: String,
        options: WriterOptions,
    ) -> Result<Self, StoreError> {
        let names = Arc::new(usage::load_iam_names(&store)?);
        let flushers = FlushPool::start(&store, &run_id, &options, Arc::clone(&names))?;
        Ok(Self {
            store,
            options,
            run_id,
            buffers: HashMap::new(),
            buffered_bytes: 0,
            keys: HashMap::new(),
            cached_keys: 0,
            unsettled: HashSet::new(),
            touched: HashSet::new(),
            clock: 0,
            events: 0,
            flushers,
            names,
        })
    }

    /// De-duplicates a decoded batch and buffers its new events.
    pub fn add(&mut self, decoded: DecodedBatch) -> Result<AddOutcome, StoreError> {
        let DecodedBatch { batch, keys, days } = decoded;
        let keys = parquet_io::batch_keys(&batch, Some(&keys))?;
        let mut outcome = AddOutcome::default();
        // Row indices of new events, per day, in arrival order.
        let mut by_day: Vec<(i32, Vec<u32>)> = Vec::new();
        // The keys of every day of the batch, loaded before any row is placed: evicting a
        // day whose new rows are not buffered yet would lose their keys.
        let mut batch_days = days.clone();
        batch_days.sort_unstable();
        batch_days.dedup();
        for &day in &batch_days {
            if !self.keys.contains_key(&day) {
                self.load_keys(day, &batch_days)?;
            }
        }
        for (row, (&key, &day)) in keys.iter().zip(&days).enumerate() {
            let set = self.keys.get_mut(&day).expect("keys loaded above");
            if let Some(held) = set.get(&key) {
                outcome.duplicates += 1;
                if !held.same_content(key) {
                    outcome.conflicts.push(describe_row(&batch, row));
                }
                continue;
            }
            set.insert(key);
            self.cached_keys += 1;
            outcome.stored += 1;
            match by_day.iter_mut().find(|(d, _)| *d == day) {
                Some((_, rows)) => rows.push(row as u32),
                None => by_day.push((day, vec![row as u32])),
            }
        }
        let whole = by_day.len() == 1 && by_day[0].1.len() == batch.num_rows();
        for (day, rows) in by_day {
            let part = if whole {
                batch.clone()
            } else {
                parquet_io::take_rows(&batch, &rows)?
            };
            self.buffer(day, part)?;
        }
        self.events += outcome.stored;
        Ok(outcome)
    }

    fn buffer(&mut self, day: i32, batch: RecordBatch) -> Result<(), StoreError> {
        let bytes = parquet_io::batch_bytes(&batch);
        let rows = batch.num_rows();
        self.clock += 1;
        let buffer = self.buffers.entry(day).or_insert_with(|| DayBuffer {
            batches: Vec::new(),
            bytes: 0,
            rows: 0,
            last_touch: 0,
        });
        buffer.last_touch = self.clock;
        buffer.batches.push(batch);
        buffer.bytes += bytes;
        buffer.rows += rows;
        self.buffered_bytes += bytes;
        self.touched.insert(day);
        let full = buffer.rows as u64 >= self.options.target_file_rows;
        if full {
            self.flush_day(day)?;
        }
        // Rows buffered and rows being written share the budget. Past half of it, write
        // out the day that has gone longest without new rows: trails arrive roughly in time
        // order, so that day is usually complete and becomes one file that never needs
        // compacting, and the other half fills while it is written. Over the whole budget,
        // wait for writes to finish.
        let budget = self.options.memory_budget;
        while self.buffered_bytes > budget / 2 {
            let Some(stalest) = self
                .buffers
                .iter()
                .min_by_key(|(_, b)| b.last_touch)
                .map(|(d, _)| *d)
            else {
                break;
            };
            self.flush_day(stalest)?;
        }
        self.flushers
            .in_flight
            .wait_for_at_most(budget.saturating_sub(self.buffered_bytes));
        Ok(())
    }

    fn flush_day(&mut self, day: i32) -> Result<(), StoreError> {
        let Some(buffer) = self.buffers.remove(&day) else {
            return Ok(());
        };
        self.buffered_bytes -= buffer.bytes;
        // Buffered and in-flight rows share the budget: wait for writes to finish first.
        let limit = self
            .options
            .memory_budget
            .saturating_sub(self.buffered_bytes)
            .max(buffer.bytes);
        self.flushers.in_flight.acquire(buffer.bytes, limit);
        let job = FlushJob {
            day,
            batches: buffer.batches,
            held: Held {
                in_flight: Arc::clone(&self.flushers.in_flight),
                bytes: buffer.bytes,
            },
        };
        if !self.flushers.send(job) {
            // The flush threads stopped on an error: report it.
            self.flushers.join()?;
        }
        Ok(())
    }

    /// Loads the keys of a day from its files, evicting other days than `keep` when the
    /// cache is full.
    fn load_keys(&mut self, day: i32, keep: &[i32]) -> Result<(), StoreError> {
        if self.cached_keys > self.options.max_cached_keys {
            self.evict_keys(keep);
        }
        if self.unsettled.contains(&day) {
            // Rows of this day may still be on their way to disk: wait for them, so that
            // the keys read below include them.
            self.settle()?;
        }
        let mut set = KeySet::default();
        let files = parquet_files(&self.store.partition_dir(day))?;
        parquet_io::read_keys(&files, &mut set)?;
        self.cached_keys += set.len();
        self.keys.insert(day, set);
        Ok(())
    }

    /// Drops the cached keys of the days not in `keep` that have no rows buffered:
    /// days behind the run, since sources come in delivery-date order. Their rows may still
    /// be being written; [`load_keys`](Self::load_keys) waits for that if such a day comes
    /// back.
    fn evict_keys(&mut self, keep: &[i32]) {
        let days: Vec<i32> = self
            .keys
            .keys()
            .copied()
            .filter(|d| !keep.contains(d) && !self.buffers.contains_key(d))
            .collect();
        for day in days {
            if let Some(set) = self.keys.remove(&day) {
                self.cached_keys -= set.len();
                self.unsettled.insert(day);
            }
        }
    }

    /// Writes everything buffered and waits until it is on disk, so that the caller can
    /// record the sources read so far in the manifest: a run interrupted later resumes
    /// after them. The days stay open; `finish` compacts the small files this leaves.
    pub fn checkpoint(&mut self) -> Result<(), StoreError> {
        let days: Vec<i32> = self.buffers.keys().copied().collect();
        for day in days {
            self.flush_day(day)?;
        }
        self.settle()
    }

    /// Waits until every job handed to the flush threads is on disk.
    fn settle(&mut self) -> Result<(), StoreError> {
        self.flushers.join()?;
        self.unsettled.clear();
        self.flushers.restart()
    }

    /// Writes what is buffered, waits for all files, and compacts the days touched.
    pub fn finish(mut self) -> Result<WriteSummary, StoreError> {
        let days: Vec<i32> = self.buffers.keys().copied().collect();
        for day in days {
            self.flush_day(day)?;
        }
        self.flushers.join()?;
        let mut summary = WriteSummary {
            events: self.events,
            partitions: self.touched.len(),
            ..WriteSummary::default()
        };
        let mut touched: Vec<i32> = self.touched.iter().copied().collect();
        touched.sort_unstable();
        for day in touched {
            let (files, compacted) = compact_day(
                &self.store,
                &self.run_id,
                day,
                self.options.target_file_rows,
                &self.names,
            )?;
            summary.files += files;
            summary.compactions += usize::from(compacted);
        }
        Ok(summary)
    }
}

/// The eventID, eventTime and eventName of `row`, as text, for a message.
fn describe_row(batch: &RecordBatch, row: usize) -> (String, String, String) {
    let text = |name: &str| -> String {
        batch
            .column_by_name(name)
            .and_then(|c| arrow::util::display::array_value_to_string(c, row).ok())
            .unwrap_or_default()
    };
    (
        text(super::schema::col::EVENTID),
        text(super::schema::col::EVENTTIME),
        text(super::schema::col::EVENTNAME),
    )
}

/// A new events file name for `run_id`: `part-<run>-<seq>.parquet`.
pub fn next_file_name(run_id: &str) -> String {
    let seq = FILE_SEQ.fetch_add(1, Ordering::Relaxed);
    format!("part-{run_id}-{seq:05}.parquet")
}

/// The flush thread: puts each job's rows in call order and writes them as one file, with its
/// usage rollup. The rollup is renamed into place first: a crash in between leaves a
/// rollup without events, which [`usage::repair`] removes, never events without rollup.
fn flush_loop(
    store: &Store,
    run_id: &str,
    names: &IamNames,
    cores: &Cores,
    jobs: Receiver<FlushJob>,
) -> Result<Vec<(i32, WrittenFile)>, StoreError> {
    let mut written = Vec::new();
    let mut failed = None;
    // Every job received is released, even after an error, so that the writer never waits
    // for memory that no thread will free; after an error the rest are dropped unwritten.
    for job in jobs {
        let FlushJob { day, batches, held } = job;
        if failed.is_some() {
            continue;
        }
        // The core is held while the job is sorted, rolled up and encoded, not while its
        // files are flushed to disk; its rows are freed before that too.
        let encoded = {
            let _core = cores.acquire();
            encode_job(store, run_id, names, day, batches)
        };
        drop(held);
        match encoded.and_then(EncodedJob::sync) {
            Ok(file) => written.push(file),
            Err(e) => failed = Some(e),
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(written),
    }
}

/// A job's rollup and events file, written under temporary names and not yet synced.
struct EncodedJob {
    day: i32,
    usage: (parquet_io::Unsynced, PathBuf),
    events: (parquet_io::Unsynced, PathBuf),
}

/// Writes one job's rollup, then its events file, under temporary names.
fn encode_job(
    store: &Store,
    run_id: &str,
    names: &IamNames,
    day: i32,
    batches: Vec<RecordBatch>,
) -> Result<EncodedJob, StoreError> {
    let schema = parquet_io::schema();
    let dir = store.partition_dir(day);
    std::fs::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
    let name = next_file_name(run_id);
    let path = dir.join(&name);
    let usage = usage::write_for(store, &path, &batches, names)?;
    let tmp = dir.join(format!("{name}{TMP_SUFFIX}"));
    let events = parquet_io::write_sorted(&tmp, &schema, &batches)?;
    Ok(EncodedJob {
        day,
        usage,
        events: (events, path),
    })
}

impl EncodedJob {
    /// Syncs both files and renames them into place, the rollup first.
    fn sync(self) -> Result<(i32, WrittenFile), StoreError> {
        let (usage, usage_path) = self.usage;
        let usage_tmp = usage.sync()?.path;
        let (events, path) = self.events;
        let mut file = events.sync()?;
        durable_rename(&usage_tmp, &usage_path)?;
        super::failpoint::hit("flush:rollup");
        durable_rename(&file.path, &path)?;
        file.path = path;
        Ok((self.day, file))
    }
}

/// Files under this many rows are merged with their day's other small files.
///
/// An eighth of a row group, some 1.5 to 2 MB of Parquet: big enough that a file's own
/// cost (open, footer) is lost in its scan. A day bigger than half the writer's memory
/// budget is flushed in parts of some 25,000 rows or more (the default budget); merging
/// those would read and write the day twice (a third of ingest time at 10M events) for no
/// faster query. What is merged is a day's tail: events delivered after the day was written.
const COMPACT_BELOW_ROWS: u64 = (parquet_io::ROW_GROUP_ROWS / 8) as u64;

/// Merges a day's small files into files of the target size. Small is under half the
/// target or under [`COMPACT_BELOW_ROWS`], whichever is less.
/// Returns the number of files left and whether anything was merged.
fn compact_day(
    store: &Store,
    run_id: &str,
    day: i32,
    target_rows: u64,
    names: &IamNames,
) -> Result<(usize, bool), StoreError> {
    let dir = store.partition_dir(day);
    let files = parquet_files(&dir)?;
    let mut small = Vec::new();
    for path in &files {
        if parquet_io::row_count(path)? < (target_rows / 2).min(COMPACT_BELOW_ROWS) {
            small.push(path.clone());
        }
    }
    if small.len() < 2 {
        return Ok((files.len(), false));
    }
    let schema = parquet_io::schema();
    // Enough rows per input batch to stream efficiently, few enough that k inputs fit.
    let batch_rows = (8 * 1024 * 16 / small.len()).clamp(256, 8 * 1024);
    let mut outputs: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut writer: Option<(
        PathBuf,
        PathBuf,
        parquet::arrow::ArrowWriter<std::fs::File>,
        u64,
    )> = None;
    // The rollup of the output file being written.
    let mut rollup = usage::Rollup::new();
    let mut rollups: Vec<(PathBuf, PathBuf)> = Vec::new();
    parquet_io::merge_sorted(&small, batch_rows, |batch| {
        if writer.is_none() {
            let name = next_file_name(run_id);
            let tmp = dir.join(format!("{name}{TMP_SUFFIX}"));
            let file = std::fs::File::create(&tmp).map_err(StoreError::io(&tmp))?;
            let w = parquet::arrow::ArrowWriter::try_new(
                file,
                schema.clone(),
                Some(parquet_io::writer_properties()),
            )
            .map_err(|source| StoreError::Parquet {
                path: tmp.clone(),
                source,
            })?;
            writer = Some((tmp, dir.join(name), w, 0));
        }
        let full = {
            let (tmp, _, w, rows) = writer.as_mut().expect("opened above");
            w.write(&batch).map_err(|source| StoreError::Parquet {
                path: tmp.clone(),
                source,
            })?;
            *rows += batch.num_rows() as u64;
            *rows >= target_rows
        };
        rollup.add(&batch, names)?;
        if full && let Some((tmp, fin, w, _)) = writer.take() {
            close_synced(&tmp, w)?;
            rollups.push(usage::write_rollup(
                store,
                &fin,
                &std::mem::take(&mut rollup),
            )?);
            outputs.push((tmp, fin));
        }
        Ok(())
    })?;
    if let Some((tmp, fin, w, _)) = writer.take() {
        close_synced(&tmp, w)?;
        rollups.push(usage::write_rollup(store, &fin, &rollup)?);
        outputs.push((tmp, fin));
    }
    // The merged files and their rollups replace the small files and theirs, in one swap.
    let mut remove = small.clone();
    remove.extend(
        small
            .iter()
            .map(|f| usage::usage_file(store, f))
            .filter(|u| u.exists()),
    );
    outputs.extend(rollups);
    let merged = outputs.len() / 2;
    super::failpoint::hit("compact:written");
    journal::swap(store, &outputs, &remove)?;
    Ok((files.len() - small.len() + merged, true))
}

/// Closes a Parquet writer and syncs its file.
pub fn close_synced(
    tmp: &std::path::Path,
    w: parquet::arrow::ArrowWriter<std::fs::File>,
) -> Result<(), StoreError> {
    let file = w.into_inner().map_err(|source| StoreError::Parquet {
        path: tmp.to_path_buf(),
        source,
    })?;
    file.sync_all().map_err(StoreError::io(tmp))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(events: &[(&str, &str)]) -> DecodedBatch {
        let records: Vec<String> = events
            .iter()
            .map(|(id, time)| {
                format!(
                    r#"{{"eventVersion":"1.08","eventTime":"{time}","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","eventID":"{id}","recipientAccountId":"123456789012","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/a","accountId":"123456789012"}}}}"#
                )
            })
            .collect();
        crate::testing::decoded(&format!("[{}]", records.join(",")))
    }

    fn stored_rows(store: &Store) -> usize {
        let mut rows = 0;
        for dir in std::fs::read_dir(store.events_dir()).unwrap() {
            for file in parquet_files(&dir.unwrap().path()).unwrap() {
                rows += parquet_io::row_count(&file).unwrap() as usize;
            }
        }
        rows
    }

    /// A batch spanning two days, with the key cache full: loading the second day's keys
    /// must not evict the first day's, whose new keys are not buffered yet.
    #[test]
    fn a_full_key_cache_never_forgets_the_keys_of_the_batch_being_added() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let _lock = store.open_for_write().unwrap();
        let options = WriterOptions {
            max_cached_keys: 0,
            ..WriterOptions::default()
        };
        let mut writer = EventWriter::try_new(store.clone(), "test".into(), options).unwrap();
        let first = decoded(&[
            ("e1", "2026-01-01T10:00:00Z"),
            ("e2", "2026-01-02T10:00:00Z"),
            ("e3", "2026-01-01T11:00:00Z"),
        ]);
        assert_eq!(writer.add(first).unwrap().stored, 3);
        let again = decoded(&[
            ("e1", "2026-01-01T10:00:00Z"),
            ("e3", "2026-01-01T11:00:00Z"),
            ("e4", "2026-01-03T10:00:00Z"),
            ("e2", "2026-01-02T10:00:00Z"),
        ]);
        let outcome = writer.add(again).unwrap();
        assert_eq!((outcome.stored, outcome.duplicates), (1, 3));
        writer.checkpoint().unwrap();
        // After a checkpoint every day is on disk and may be evicted and read back.
        let later = decoded(&[
            ("e4", "2026-01-03T10:00:00Z"),
            ("e1", "2026-01-01T10:00:00Z"),
        ]);
        let outcome = writer.add(later).unwrap();
        assert_eq!((outcome.stored, outcome.duplicates), (0, 2));
        writer.checkpoint().unwrap();
        // Nothing buffered: a batch with a new event of a cached day, then one of a day
        // not cached. Loading the second must keep the first day's keys.
        let mixed = decoded(&[
            ("e5", "2026-01-01T12:00:00Z"),
            ("e6", "2026-01-04T10:00:00Z"),
        ]);
        assert_eq!(writer.add(mixed).unwrap().stored, 2);
        let outcome = writer
            .add(decoded(&[("e5", "2026-01-01T12:00:00Z")]))
            .unwrap();
        assert_eq!((outcome.stored, outcome.duplicates), (0, 1));
        writer.finish().unwrap();
        assert_eq!(stored_rows(&store), 6);
    }
}
