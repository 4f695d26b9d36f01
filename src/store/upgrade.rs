//! `trailcut store upgrade`: rewrites events files written by an older trailcut into the
//! current schema, so that every file has the mapping columns (`iam_actions`, ...).
//!
//! Each partition is rewritten file by file (the rows and their order are kept) and the
//! new files replace the old ones through the [`journal`](super::journal), so an
//! interrupted upgrade leaves either the old files or the new ones, never both.

use std::path::{Path, PathBuf};

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::writer::{close_synced, next_file_name};
use super::{Store, StoreError, TMP_SUFFIX, journal, parquet_files, parquet_io};
use crate::store::mapcols::{lacks_mapping_columns, with_mapping_columns};

/// What an upgrade found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpgradeSummary {
    /// Events files looked at.
    pub files: usize,
    /// Files rewritten (the rest were current).
    pub rewritten: usize,
    /// Rows in the rewritten files.
    pub rows: u64,
}

/// Whether an events file was written before the current schema.
pub fn is_outdated(path: &Path) -> Result<bool, StoreError> {
    let file = std::fs::File::open(path).map_err(StoreError::io(path))?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|source| StoreError::Parquet {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(lacks_mapping_columns(builder.schema()))
}

/// The events files of the store that are outdated.
pub fn outdated_files(store: &Store) -> Result<Vec<PathBuf>, StoreError> {
    let mut outdated = Vec::new();
    for dir in partition_dirs(store)? {
        for path in parquet_files(&dir)? {
            if is_outdated(&path)? {
                outdated.push(path);
            }
        }
    }
    Ok(outdated)
}

fn partition_dirs(store: &Store) -> Result<Vec<PathBuf>, StoreError> {
    let events = store.events_dir();
    let entries = match std::fs::read_dir(&events) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io(&events)(e)),
    };
    let mut dirs = Vec::new();
    for entry in entries {
        let path = entry.map_err(StoreError::io(&events))?.path();
        if path.is_dir() {
            dirs.push(path);
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// Rewrites every outdated events file. The caller holds the store's write lock.
/// `progress` is called with the number of files done and the total outdated.
pub fn upgrade(
    store: &Store,
    run_id: &str,
    mut progress: impl FnMut(usize, usize),
) -> Result<UpgradeSummary, StoreError> {
    let mut summary = UpgradeSummary::default();
    let mut outdated_by_dir: Vec<(PathBuf, Vec<PathBuf>)> = Vec::new();
    for dir in partition_dirs(store)? {
        let mut outdated = Vec::new();
        for path in parquet_files(&dir)? {
            summary.files += 1;
            if is_outdated(&path)? {
                outdated.push(path);
            }
        }
        if !outdated.is_empty() {
            outdated_by_dir.push((dir, outdated));
        }
    }
    let total: usize = outdated_by_dir.iter().map(|(_, f)| f.len()).sum();
    progress(0, total);
    for (dir, outdated) in outdated_by_dir {
        let mut outputs = Vec::with_capacity(outdated.len());
        for old in &outdated {
            let name = next_file_name(run_id);
            let tmp = dir.join(format!("{name}{TMP_SUFFIX}"));
            summary.rows += rewrite(old, &tmp)?;
            outputs.push((tmp, dir.join(name)));
            summary.rewritten += 1;
            progress(summary.rewritten, total);
        }
        journal::swap(store, &outputs, &outdated)?;
    }
    // The rewritten files have new names: their rollups are built, the old ones dropped.
    super::usage::repair(store)?;
    super::snapshot::commit(store)?;
    Ok(summary)
}

/// Copies `old` into `tmp` in the current schema; returns the rows written.
fn rewrite(old: &Path, tmp: &Path) -> Result<u64, StoreError> {
    let parquet_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::Parquet { path, source }
    };
    let file = std::fs::File::create(tmp).map_err(StoreError::io(tmp))?;
    let mut writer = parquet::arrow::ArrowWriter::try_new(
        file,
        parquet_io::schema(),
        Some(parquet_io::writer_properties()),
    )
    .map_err(parquet_err(tmp))?;
    let mut rows = 0;
    for batch in parquet_io::open_reader(old, 64 * 1024, None)? {
        let batch = with_mapping_columns(batch?)?;
        rows += batch.num_rows() as u64;
        writer.write(&batch).map_err(parquet_err(tmp))?;
    }
    close_synced(tmp, writer)?;
    Ok(rows)
}
