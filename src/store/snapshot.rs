//! The committed snapshot: `_trailcut/snapshot.json` names the files of `events`, `usage`
//! and `manifest` that readers see. A writer's files become visible only when it commits
//! (at a checkpoint, at the end of a run, when a store is opened for writing), so a reader
//! never sees a flush or a compaction half done: neither a rollup without its events file,
//! nor merged files beside the files they replace.
//!
//! A commit lists those directories under the write lock, at a moment when they are
//! consistent (no swap in progress, every flush finished), and replaces the snapshot
//! atomically (written under a temporary name, synced, renamed). Files the commit drops
//! were moved aside when they were replaced ([`retired`](super::retired)); after the
//! commit they are deleted as soon as no reader holds an older snapshot.
//!
//! The directories stay what writers and other engines read; the snapshot is trailcut's
//! readers' view of them.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::usage::USAGE;
use super::{EVENTS, MANIFEST, Store, StoreError, durable_rename, failpoint, journal};

/// The tables whose files readers take from the snapshot.
pub const TABLES: [&str; 3] = [EVENTS, USAGE, MANIFEST];

const FILE: &str = "snapshot.json";

/// A committed set of files: paths relative to the store root, `/`-separated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub files: BTreeSet<String>,
}

impl Snapshot {
    /// The last committed snapshot; `None` for a store no writer of this version opened.
    /// An unreadable one (edited by hand) counts as none: the directories say the same,
    /// and the next commit rewrites it.
    pub fn read(store: &Store) -> Result<Option<Snapshot>, StoreError> {
        let path = store.meta_dir().join(FILE);
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::io(&path)(e)),
        };
        Ok(serde_json::from_slice(&text).ok())
    }

    /// The files in the directories now: `events/<partition>/*.parquet`, the rollup files
    /// whose events file is there, `manifest/*.parquet`.
    pub fn of_directories(store: &Store) -> Result<Snapshot, StoreError> {
        let mut files = BTreeSet::new();
        let mut events = BTreeSet::new();
        for (partition, name) in partitioned_files(&store.events_dir())? {
            events.insert((partition.clone(), name.clone()));
            files.insert(format!("{EVENTS}/{partition}/{name}"));
        }
        // A rollup whose events file is not there yet (a flush under way) or any more (a
        // crash) is left out; `usage::repair` deletes it.
        for (partition, name) in partitioned_files(&super::usage::usage_dir(store))? {
            if events.contains(&(partition.clone(), name.clone())) {
                files.insert(format!("{USAGE}/{partition}/{name}"));
            }
        }
        for path in super::parquet_files(&store.manifest_dir())? {
            if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                files.insert(format!("{MANIFEST}/{name}"));
            }
        }
        Ok(Snapshot { files })
    }

    /// Whether an events file lacks its rollup (a store from before the rollup).
    pub fn rollup_lags(&self) -> bool {
        let usage_prefix = format!("{USAGE}/");
        self.files
            .iter()
            .filter_map(|f| f.strip_prefix(&format!("{EVENTS}/")).map(str::to_owned))
            .any(|rest| !self.files.contains(&format!("{usage_prefix}{rest}")))
    }
}

/// `(partition, file name)` of the Parquet files one level below `dir`.
fn partitioned_files(dir: &Path) -> Result<Vec<(String, String)>, StoreError> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(StoreError::io(dir)(e)),
    };
    for entry in entries {
        let partition = entry.map_err(StoreError::io(dir))?.path();
        if !partition.is_dir() {
            continue;
        }
        let Some(partition_name) = partition.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        for file in super::parquet_files(&partition)? {
            if let Some(name) = file.file_name().and_then(|n| n.to_str()) {
                out.push((partition_name.to_owned(), name.to_owned()));
            }
        }
    }
    Ok(out)
}

/// Makes what the directories hold now the snapshot readers see, then deletes replaced
/// files no reader can still hold. The caller holds the write lock and has no flush or
/// swap under way.
pub fn commit(store: &Store) -> Result<(), StoreError> {
    let listed = Snapshot::of_directories(store)?;
    if Snapshot::read(store)?.as_ref() != Some(&listed) {
        let path = store.meta_dir().join(FILE);
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_vec_pretty(&listed).map_err(|e| StoreError::Journal {
            path: path.clone(),
            message: e.to_string(),
        })?;
        journal::write_synced(&tmp, &text)?;
        failpoint::hit("commit:written");
        durable_rename(&tmp, &path)?;
        failpoint::hit("commit:done");
    }
    super::retired::collect(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_lists_complete_pairs_and_is_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        std::fs::create_dir_all(store.meta_dir()).unwrap();
        for path in [
            "events/date=2026-01-01/a.parquet",
            "events/date=2026-01-01/b.parquet",
            "events/date=2026-01-01/c.parquet.tmp",
            "usage/date=2026-01-01/a.parquet",
            // A rollup whose events file is not renamed in yet.
            "usage/date=2026-01-01/d.parquet",
            "manifest/part-1.parquet",
        ] {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"x").unwrap();
        }
        assert_eq!(Snapshot::read(&store).unwrap(), None);
        commit(&store).unwrap();
        let snapshot = Snapshot::read(&store).unwrap().unwrap();
        let files: Vec<&str> = snapshot.files.iter().map(String::as_str).collect();
        assert_eq!(
            files,
            [
                "events/date=2026-01-01/a.parquet",
                "events/date=2026-01-01/b.parquet",
                "manifest/part-1.parquet",
                "usage/date=2026-01-01/a.parquet",
            ]
        );
        // `b` has no rollup.
        assert!(snapshot.rollup_lags());
    }
}
