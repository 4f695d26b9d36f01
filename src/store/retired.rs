//! Replaced files, and the readers that may still hold them.
//!
//! A file that a swap removes is not deleted but moved to `_trailcut/retired/<its path>`,
//! and a file that a swap writes over is first linked there: the table's directory holds
//! the new files only, as writers and other engines expect, while a reader whose snapshot
//! names the old file still finds it (by its retired path, or through a descriptor it
//! already opened).
//!
//! Readers hold a shared lock on `_trailcut/readers` for as long as they read a snapshot
//! ([`lease`]). Right after a [commit](super::snapshot::commit), the writer deletes the
//! retired files if it can take that lock exclusively: no reader can then hold a snapshot
//! that names them, and a reader that starts later reads the new snapshot. While readers
//! run, the files wait for the next commit, in this process or a later one.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use super::{Store, StoreError, failpoint, sync_dir};

const DIR: &str = "retired";
const READERS: &str = "readers";

/// `_trailcut/retired`.
pub fn retired_dir(store: &Store) -> PathBuf {
    store.meta_dir().join(DIR)
}

/// Where a file of the store goes when it is replaced: the same relative path under
/// `_trailcut/retired/`. `relative` is relative to the store root.
pub fn retired_path(store: &Store, relative: &Path) -> PathBuf {
    retired_dir(store).join(relative)
}

fn relative<'a>(store: &Store, path: &'a Path) -> &'a Path {
    path.strip_prefix(store.root()).unwrap_or(path)
}

/// Moves `files` (absolute paths inside the store) out of their tables; files already gone
/// are skipped, so that rolling a swap forward twice is harmless.
pub fn retire(store: &Store, files: &[PathBuf]) -> Result<(), StoreError> {
    let mut dirs = BTreeSet::new();
    for file in files {
        let target = retired_path(store, relative(store, file));
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(StoreError::io(parent))?;
        }
        match fs::rename(file, &target) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(StoreError::io(file)(e)),
        }
        if let Some(dir) = file.parent() {
            dirs.insert(dir.to_path_buf());
        }
        failpoint::hit("swap:removed");
    }
    // One sync per directory: the removals are durable before the swap is forgotten.
    for dir in dirs {
        sync_dir(&dir)?;
    }
    Ok(())
}

/// Keeps the current version of `path` readable at its retired path before a new file is
/// renamed over it. Nothing to do when `path` does not exist.
pub fn keep_replaced(store: &Store, path: &Path) -> Result<(), StoreError> {
    if !path.exists() {
        return Ok(());
    }
    let target = retired_path(store, relative(store, path));
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent).map_err(StoreError::io(parent))?;
    }
    // Linked under a temporary name and renamed, so that an older retired version is
    // replaced whole.
    let mut tmp = target.clone().into_os_string();
    tmp.push(super::TMP_SUFFIX);
    let tmp = PathBuf::from(tmp);
    let _ = fs::remove_file(&tmp);
    match fs::hard_link(path, &tmp) {
        Ok(()) => fs::rename(&tmp, &target).map_err(StoreError::io(&target)),
        // A file system without hard links: a reader of the old version may fail, as
        // before retired files existed.
        Err(_) => Ok(()),
    }
}

/// Creates the readers' lock file if the store has none yet, so that readers need not.
pub fn prepare(store: &Store) -> Result<(), StoreError> {
    let path = store.meta_dir().join(READERS);
    open_readers(&path).map(drop).map_err(StoreError::io(&path))
}

/// Deletes the retired files when no reader holds a snapshot. Called right after a commit,
/// with the write lock held.
pub fn collect(store: &Store) -> Result<(), StoreError> {
    let dir = retired_dir(store);
    if !dir.exists() {
        return Ok(());
    }
    let path = store.meta_dir().join(READERS);
    let file = open_readers(&path).map_err(StoreError::io(&path))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => return Ok(()),
        Err(fs::TryLockError::Error(e)) => return Err(StoreError::io(&path)(e)),
    }
    failpoint::hit("gc:collect");
    fs::remove_dir_all(&dir).map_err(StoreError::io(&dir))
}

fn open_readers(path: &Path) -> std::io::Result<File> {
    File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

/// A reader's claim on the snapshot it read: replaced files stay until it is dropped.
#[derive(Debug)]
pub struct ReadLease {
    _file: File,
}

/// Takes a reader's lease on `store`; `None` where there is nothing to protect (no store
/// yet) or no way to (read-only media, where no writer can replace anything either). Waits
/// while a writer is deleting retired files.
pub fn lease(store: &Store) -> Result<Option<ReadLease>, StoreError> {
    let path = store.meta_dir().join(READERS);
    let file = match open_readers(&path) {
        Ok(file) => file,
        Err(_) => match File::open(&path) {
            Ok(file) => file,
            Err(_) => return Ok(None),
        },
    };
    file.lock_shared().map_err(StoreError::io(&path))?;
    Ok(Some(ReadLease { _file: file }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retired_files_wait_for_the_readers() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        fs::create_dir_all(store.meta_dir()).unwrap();
        let file = dir.path().join("events/date=2026-01-01/a.parquet");
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(&file, b"old").unwrap();
        let held = lease(&store).unwrap().unwrap();
        retire(&store, std::slice::from_ref(&file)).unwrap();
        let moved = retired_path(&store, Path::new("events/date=2026-01-01/a.parquet"));
        assert!(!file.exists());
        assert_eq!(fs::read(&moved).unwrap(), b"old");
        collect(&store).unwrap();
        assert!(moved.exists(), "deleted under a reader");
        drop(held);
        collect(&store).unwrap();
        assert!(!retired_dir(&store).exists());
        // Retiring again (a swap rolled forward twice) skips what is gone.
        retire(&store, &[file]).unwrap();
    }

    #[test]
    fn a_file_written_over_keeps_its_old_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        fs::create_dir_all(store.meta_dir()).unwrap();
        let file = dir.path().join("principals/1.parquet");
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(&file, b"v1").unwrap();
        keep_replaced(&store, &file).unwrap();
        fs::write(file.with_extension("tmp"), b"v2").unwrap();
        fs::rename(file.with_extension("tmp"), &file).unwrap();
        let old = retired_path(&store, Path::new("principals/1.parquet"));
        assert_eq!(fs::read(&old).unwrap(), b"v1");
        assert_eq!(fs::read(&file).unwrap(), b"v2");
    }
}
