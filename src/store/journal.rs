//! Atomic swaps of data files: "these new files replace those old ones", surviving a crash
//! at any moment.
//!
//! The new files are written completely under temporary names first. The journal naming
//! both sets is then made durable, and only then are the new files renamed into place and
//! the old ones moved aside ([`retired`](super::retired): readers of an earlier snapshot
//! may still read them). A writer that finds a journal on start rolls it forward, so the
//! directories never keep both sets once the store has been reopened, and never neither.
//! Readers see the swap when the writer next [commits](super::snapshot::commit).

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Store, StoreError, durable_rename, failpoint, retired, sync_dir};

/// One whole Parquet file of a table: `<root>/<table>/<stem>.parquet`.
#[derive(Debug, Clone, Copy)]
pub struct TableFile<'a> {
    pub table: &'a str,
    pub stem: &'a str,
    pub batch: &'a arrow::array::RecordBatch,
}

impl<'a> TableFile<'a> {
    /// One file per table, each named `stem`: the batches in `tables`' order.
    pub fn each(
        tables: &[&'a str],
        stem: &'a str,
        batches: &'a [arrow::array::RecordBatch],
    ) -> Vec<Self> {
        tables
            .iter()
            .zip(batches)
            .map(|(table, batch)| TableFile { table, stem, batch })
            .collect()
    }
}

/// Replaces table files whole, with a state file beside them when given (`(path, bytes)`,
/// a path inside the store): each is written and synced under a temporary name, then all
/// are swapped in at once, so that a crash leaves either every file replaced or none. The
/// one write-and-swap of the tables that are replaced rather than appended to (IAM
/// snapshots, organisations, last-accessed jobs).
pub fn replace_files(
    store: &Store,
    files: &[TableFile<'_>],
    state: Option<(&Path, &[u8])>,
) -> Result<(), StoreError> {
    let mut add = Vec::with_capacity(files.len() + 1);
    for file in files {
        let dir = store.root().join(file.table);
        fs::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
        let tmp = dir.join(format!("{}.parquet{}", file.stem, super::TMP_SUFFIX));
        super::parquet_io::write_file(
            &tmp,
            &file.batch.schema(),
            [file.batch],
            super::parquet_io::plain_properties(),
        )?;
        add.push((tmp, dir.join(format!("{}.parquet", file.stem))));
    }
    if let Some((path, bytes)) = state {
        let tmp = path.with_extension(format!("json{}", super::TMP_SUFFIX));
        write_synced(&tmp, bytes)?;
        add.push((tmp, path.to_path_buf()));
    }
    // Renaming over the old files replaces them; nothing to remove.
    swap(store, &add, &[])
}

/// A swap in progress, paths relative to the store root.
#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    /// `(temporary, final)` names of the new files.
    add: Vec<(PathBuf, PathBuf)>,
    /// Files the new ones replace.
    remove: Vec<PathBuf>,
}

fn journal_path(store: &Store) -> PathBuf {
    store.meta_dir().join("journal.json")
}

/// Replaces the files `remove` with `add` (`(temporary, final)` pairs, absolute paths
/// inside the store, the temporaries already written and synced).
pub fn swap(
    store: &Store,
    add: &[(PathBuf, PathBuf)],
    remove: &[PathBuf],
) -> Result<(), StoreError> {
    let relative = |p: &Path| p.strip_prefix(store.root()).unwrap_or(p).to_path_buf();
    let journal = Journal {
        add: add
            .iter()
            .map(|(t, f)| (relative(t), relative(f)))
            .collect(),
        remove: remove.iter().map(|p| relative(p)).collect(),
    };
    let path = journal_path(store);
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_vec_pretty(&journal).map_err(|e| StoreError::Journal {
        path: path.clone(),
        message: e.to_string(),
    })?;
    write_synced(&tmp, &text)?;
    durable_rename(&tmp, &path)?;
    failpoint::hit("swap:journal");
    apply(store, &journal)?;
    fs::remove_file(&path).map_err(StoreError::io(&path))?;
    sync_dir(&store.meta_dir())?;
    failpoint::hit("swap:done");
    Ok(())
}

/// Rolls forward a swap that an earlier process started and did not finish.
pub fn recover(store: &Store) -> Result<(), StoreError> {
    let path = journal_path(store);
    let text = match fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io(&path)(e)),
    };
    let journal: Journal = serde_json::from_slice(&text).map_err(|e| StoreError::Journal {
        path: path.clone(),
        message: e.to_string(),
    })?;
    apply(store, &journal)?;
    fs::remove_file(&path).map_err(StoreError::io(&path))?;
    sync_dir(&store.meta_dir())
}

fn apply(store: &Store, journal: &Journal) -> Result<(), StoreError> {
    let root = store.root();
    let mut dirs = std::collections::BTreeSet::new();
    for (tmp, fin) in &journal.add {
        let (tmp, fin) = (root.join(tmp), root.join(fin));
        if tmp.exists() {
            // A reader may hold the file being written over.
            retired::keep_replaced(store, &fin)?;
            fs::rename(&tmp, &fin).map_err(StoreError::io(&fin))?;
            if let Some(dir) = fin.parent() {
                dirs.insert(dir.to_path_buf());
            }
            failpoint::hit("swap:added");
        }
    }
    // The new files are durable before the old ones leave.
    for dir in dirs {
        sync_dir(&dir)?;
    }
    let remove: Vec<PathBuf> = journal.remove.iter().map(|old| root.join(old)).collect();
    retired::retire(store, &remove)
}

/// Writes `bytes` to `path` and syncs the file.
pub fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    use std::io::Write;
    let mut file = fs::File::create(path).map_err(StoreError::io(path))?;
    file.write_all(bytes).map_err(StoreError::io(path))?;
    file.sync_all().map_err(StoreError::io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupted_swap_is_rolled_forward() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        fs::create_dir_all(store.meta_dir()).unwrap();
        let part = dir.path().join("events/date=2024-01-01");
        fs::create_dir_all(&part).unwrap();
        for name in ["a.parquet", "b.parquet", "c.parquet.tmp"] {
            fs::write(part.join(name), name).unwrap();
        }
        // The journal is durable but the process died before applying it.
        let journal = Journal {
            add: vec![(
                "events/date=2024-01-01/c.parquet.tmp".into(),
                "events/date=2024-01-01/c.parquet".into(),
            )],
            remove: vec![
                "events/date=2024-01-01/a.parquet".into(),
                "events/date=2024-01-01/b.parquet".into(),
            ],
        };
        fs::write(journal_path(&store), serde_json::to_vec(&journal).unwrap()).unwrap();
        recover(&store).unwrap();
        let mut left: Vec<_> = fs::read_dir(&part)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["c.parquet"]);
        // The replaced files wait for the readers that may hold them.
        assert!(
            retired::retired_path(&store, Path::new("events/date=2024-01-01/a.parquet")).exists()
        );
        assert!(!journal_path(&store).exists());
        // Recovering twice is harmless.
        recover(&store).unwrap();
    }
}
