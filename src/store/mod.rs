//! The store: a directory of Parquet tables that trailcut writes and any engine can read.
//!
//! ```text
//! <store>/
//!   events/date=YYYY-MM-DD/part-<run>-<n>.parquet   CloudTrail events, in call order
//!   usage/date=YYYY-MM-DD/part-<run>-<n>.parquet    the usage rollup of the events file
//!                                                    of the same name
//!   manifest/part-<run>.parquet                      one row per ingested source object
//!   outliers/<content hash>.parquet                  events with implausible times, kept
//!                                                    apart from `events`, per object
//!   _trailcut/lock                                   held while a command writes
//!   _trailcut/journal.json                           a file swap in progress (compaction)
//!   _trailcut/snapshot.json                          the files readers see (last commit)
//!   _trailcut/readers                                shared-locked while a reader reads
//!   _trailcut/retired/<path>                         replaced files readers may still hold
//! ```
//!
//! This module owns the layout, the lock and crash recovery; [`writer`] writes events,
//! [`manifest`] the source ledger, [`snapshot`] commits what readers see, [`view`] is one
//! reader's frozen copy of it, [`tables`] registers everything with DataFusion.
//! Names starting with `_` or `.` are invisible to Hive-style readers (Spark, Athena,
//! DuckDB), so trailcut's bookkeeping never shows up as data.

pub mod authz_tables;
pub mod batch;
pub mod failpoint;
pub mod journal;
pub mod manifest;
pub mod mapcols;
pub mod org_tables;
pub mod outliers;
pub mod parquet_io;
pub mod personcols;
pub mod report_tables;
pub mod retired;
pub mod schema;
pub mod snapshot;
pub mod sso_tables;
pub mod stats;
pub mod tables;
pub mod upgrade;
pub mod usage;
pub mod view;
pub mod writer;

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An I/O error on a named path.
    #[error("`{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Another trailcut process is writing to the store.
    #[error("the store `{0}` is locked by another trailcut process")]
    Locked(PathBuf),
    /// A Parquet file could not be read or written.
    #[error("`{path}`: {source}")]
    Parquet {
        path: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// An Arrow kernel failed.
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    /// The journal of an interrupted swap is unreadable.
    #[error("`{path}`: unreadable journal: {message}")]
    Journal { path: PathBuf, message: String },
}

impl StoreError {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io { path, source }
    }
}

/// A store directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// The name of the events table and its directory.
pub const EVENTS: &str = "events";
/// The name of the manifest table and its directory.
pub const MANIFEST: &str = "manifest";
const META: &str = "_trailcut";
/// `_trailcut/format`: the events schema version every file of the store has.
const FORMAT_FILE: &str = "format";
/// The events schema version this trailcut writes: 2 added the mapping columns, 3 the
/// person columns.
pub const FORMAT_VERSION: u32 = 3;

impl Store {
    /// A handle on the store at `root`; nothing is touched until it is used.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<store>/events`.
    pub fn events_dir(&self) -> PathBuf {
        self.root.join(EVENTS)
    }

    /// `<store>/events/date=YYYY-MM-DD` for a day counted from the epoch.
    pub fn partition_dir(&self, day: i32) -> PathBuf {
        self.events_dir().join(format!("date={}", format_day(day)))
    }

    /// `<store>/manifest`.
    pub fn manifest_dir(&self) -> PathBuf {
        self.root.join(MANIFEST)
    }

    /// `<store>/_trailcut`, trailcut's own bookkeeping.
    pub fn meta_dir(&self) -> PathBuf {
        self.root.join(META)
    }

    /// Whether the store has been written to.
    pub fn exists(&self) -> bool {
        self.root.join(EVENTS).is_dir() || self.root.join(MANIFEST).is_dir()
    }

    /// Opens the store for writing: creates the layout, takes the lock and finishes or
    /// discards whatever an interrupted writer left behind.
    pub fn open_for_write(&self) -> Result<WriteLock, StoreError> {
        for dir in [self.events_dir(), self.manifest_dir(), self.meta_dir()] {
            fs::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
        }
        let lock_path = self.meta_dir().join("lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(StoreError::io(&lock_path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(StoreError::Locked(self.root.clone())),
            Err(fs::TryLockError::Error(e)) => return Err(StoreError::io(&lock_path)(e)),
        }
        retired::prepare(self)?;
        journal::recover(self)?;
        remove_temporaries(&self.events_dir())?;
        remove_temporaries(&self.manifest_dir())?;
        remove_temporaries(&self.root.join(outliers::OUTLIERS))?;
        if !self.has_events_files() {
            // Every file this store will hold is written in the current schema.
            self.mark_current()?;
        }
        // The usage rollup of a store from before it, or of a run that died between a
        // rollup and its events file.
        usage::repair(self)?;
        // What a killed run wrote and did not commit (each file holds only events the
        // store did not have) becomes visible; replaced files go once no reader holds them.
        snapshot::commit(self)?;
        Ok(WriteLock { _file: file })
    }

    fn has_events_files(&self) -> bool {
        walkdir::WalkDir::new(self.events_dir())
            .into_iter()
            .filter_map(|e| e.ok())
            .any(|e| e.path().extension().is_some_and(|x| x == "parquet"))
    }

    /// Whether every events file is in the current schema: the store was created by this
    /// version or upgraded (`trailcut store upgrade`), or it has no events yet.
    pub fn is_current(&self) -> bool {
        let recorded = fs::read_to_string(self.meta_dir().join(FORMAT_FILE))
            .ok()
            .and_then(|text| text.trim().parse::<u32>().ok());
        recorded.is_some_and(|v| v >= FORMAT_VERSION) || !self.has_events_files()
    }

    /// Records that every events file is in the current schema.
    pub fn mark_current(&self) -> Result<(), StoreError> {
        let path = self.meta_dir().join(FORMAT_FILE);
        journal::write_synced(&path, format!("{FORMAT_VERSION}\n").as_bytes())
    }
}

/// Held while a command writes to the store; released on drop.
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
}

/// The suffix of files being written; never read as data.
pub const TMP_SUFFIX: &str = ".tmp";

/// Deletes `*.tmp` files under `dir`: the partial output of an interrupted writer.
fn remove_temporaries(dir: &Path) -> Result<(), StoreError> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.map_err(|e| StoreError::Io {
            path: dir.to_path_buf(),
            source: e.into(),
        })?;
        let path = entry.path();
        if entry.file_type().is_file() && path.to_string_lossy().ends_with(TMP_SUFFIX) {
            fs::remove_file(path).map_err(StoreError::io(path))?;
        }
    }
    Ok(())
}

/// `YYYY-MM-DD` of a day counted from 1970-01-01.
pub fn format_day(day: i32) -> String {
    let date = chrono::DateTime::from_timestamp(i64::from(day) * 86_400, 0)
        .map(|t| t.date_naive())
        .unwrap_or_default();
    date.format("%Y-%m-%d").to_string()
}

/// The Parquet files directly under `dir`, sorted by name.
pub fn parquet_files(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io(dir)(e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(StoreError::io(dir))?.path();
        if path.extension().is_some_and(|e| e == "parquet") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Renames `from` to `to` and makes the rename durable.
pub fn durable_rename(from: &Path, to: &Path) -> Result<(), StoreError> {
    fs::rename(from, to).map_err(StoreError::io(to))?;
    sync_dir(to.parent().unwrap_or(Path::new(".")))
}

/// Flushes a directory entry to disk (no-op where directories cannot be opened).
pub fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    match File::open(dir) {
        Ok(d) => d.sync_all().or(Ok(())),
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_format_as_iso_dates() {
        assert_eq!(format_day(0), "1970-01-01");
        assert_eq!(format_day(19_934), "2024-07-30");
    }

    #[test]
    fn a_second_writer_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let _held = store.open_for_write().unwrap();
        assert!(matches!(store.open_for_write(), Err(StoreError::Locked(_))));
    }
}
