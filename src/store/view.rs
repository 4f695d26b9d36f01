//! What one reader sees: the last committed [snapshot](super::snapshot) of `events`, `usage`
//! and `manifest`, and the files of the other tables, frozen when the reader opens and
//! served to DataFusion as an object store (`trailcut-store://view/<table>/`).
//!
//! DataFusion lists a table's files from the view, never from the directories, so a query
//! sees one committed state from its first statement to its last, whatever writers do
//! meanwhile. A file is read from where it was when the view opened; a file a writer has
//! since replaced is read from its retired copy ([`retired`](super::retired)), which stays
//! while the view's lease is held. The view only reads: SQL cannot write through it.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::object_store::path::Path;
use datafusion::object_store::{
    self, CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload,
    ObjectMeta, ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult,
};
use futures::stream::{self, BoxStream, StreamExt};

use super::retired::{self, ReadLease};
use super::snapshot::{self, Snapshot};
use super::usage::USAGE;
use super::{EVENTS, Store, StoreError};

/// The URL scheme of store views.
pub const URL_SCHEME: &str = "trailcut-store";
const STORE_NAME: &str = "trailcut store view";

/// A file as the view saw it when it opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    size: u64,
    modified: SystemTime,
}

impl Seen {
    fn of(meta: &std::fs::Metadata) -> Self {
        Seen {
            size: meta.len(),
            modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        }
    }
}

/// A file of the view.
#[derive(Debug, Clone)]
struct Entry {
    location: Path,
    /// Relative to the store root, `/`-separated.
    relative: String,
    seen: Seen,
}

/// The files one reader reads, frozen when it opened, and its lease on them.
#[derive(Debug)]
pub struct StoreView {
    store: Store,
    /// By object store path, as DataFusion names them.
    files: BTreeMap<String, Entry>,
    /// The snapshot the view was built from.
    snapshot: Snapshot,
    /// Files of the snapshot found neither in place nor retired.
    missing: Vec<String>,
    committed: bool,
    _lease: Option<ReadLease>,
}

impl StoreView {
    /// Opens a view of `store`: takes a reader's lease, then reads the committed snapshot
    /// (or, in a store no writer of this version has opened, lists the directories).
    pub fn open(store: &Store) -> Result<Self, StoreError> {
        let lease = retired::lease(store)?;
        let (snapshot, committed) = match Snapshot::read(store)? {
            Some(snapshot) => (snapshot, true),
            None => (Snapshot::of_directories(store)?, false),
        };
        let mut files = BTreeMap::new();
        let mut missing = Vec::new();
        for relative in &snapshot.files {
            let found = [
                store.root().join(relative),
                retired::retired_path(store, std::path::Path::new(relative)),
            ]
            .iter()
            .find_map(|path| std::fs::metadata(path).ok());
            match found {
                Some(meta) => insert(&mut files, relative.clone(), &meta),
                None => missing.push(relative.clone()),
            }
        }
        // The other tables (IAM, organisation, reports) are replaced file by file through
        // the journal and never compacted: their files as they are now.
        if let Ok(entries) = std::fs::read_dir(store.root()) {
            for entry in entries.filter_map(Result::ok) {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with(['_', '.'])
                    || snapshot::TABLES.contains(&name.as_str())
                    || !entry.path().is_dir()
                {
                    continue;
                }
                for file in walkdir::WalkDir::new(entry.path())
                    .into_iter()
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_file())
                    .filter(|e| e.path().extension().is_some_and(|x| x == "parquet"))
                {
                    let (Ok(relative), Ok(meta)) =
                        (file.path().strip_prefix(store.root()), file.metadata())
                    else {
                        continue;
                    };
                    let relative: Vec<String> = relative
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect();
                    insert(&mut files, relative.join("/"), &meta);
                }
            }
        }
        Ok(StoreView {
            store: store.clone(),
            files,
            snapshot,
            missing,
            committed,
            _lease: lease,
        })
    }

    /// Whether a writer would commit something else: no snapshot yet, a file of it gone
    /// (deleted by hand), or events files without their rollup (a store from before it).
    /// Opening the store for writing repairs all three.
    pub fn needs_repair(&self) -> bool {
        !self.committed || !self.missing.is_empty() || self.rollup_lags()
    }

    /// Files of the snapshot that are gone.
    pub fn missing(&self) -> &[String] {
        &self.missing
    }

    /// Whether an events file of the view lacks its rollup file.
    pub fn rollup_lags(&self) -> bool {
        let events = format!("{EVENTS}/");
        let has = |relative: String| {
            let key = Path::from_iter(relative.split('/'));
            self.files.contains_key(key.as_ref())
        };
        self.files.values().any(|e| {
            e.relative
                .strip_prefix(&events)
                .is_some_and(|rest| !has(format!("{USAGE}/{rest}")))
        })
    }

    /// Whether the committed snapshot is still the one this view read.
    pub fn is_current(&self) -> bool {
        Snapshot::read(&self.store)
            .ok()
            .flatten()
            .is_some_and(|s| s == self.snapshot)
    }

    /// The tables (top-level directories) with files in the view, sorted.
    pub fn tables(&self) -> Vec<String> {
        let mut tables: Vec<String> = self
            .files
            .values()
            .filter_map(|e| e.relative.split_once('/').map(|(t, _)| t.to_owned()))
            .collect();
        tables.dedup();
        tables
    }

    /// Every file of the view, by its path relative to the store root (`events/date=.../x.parquet`).
    pub fn file_paths(&self) -> Vec<&str> {
        self.files.values().map(|e| e.relative.as_str()).collect()
    }

    /// Opens the version of the file at `relative` the view saw (in place, or retired since).
    pub fn open_relative(&self, relative: &str) -> std::io::Result<File> {
        let location = Path::from_iter(relative.split('/'));
        self.open_file(&location)
            .map(|(file, _)| file)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::NotFound, e.to_string()))
    }

    /// Whether `table` has any file in the view.
    pub fn has_files(&self, table: &str) -> bool {
        let prefix = format!("{table}/");
        self.files
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix))
    }

    /// The URL of the view (an object store URL: scheme and authority).
    pub fn url() -> ObjectStoreUrl {
        ObjectStoreUrl::parse(format!("{URL_SCHEME}://view/")).expect("a valid constant URL")
    }

    /// The listing URL of `table` in the view.
    pub fn table_url(table: &str) -> String {
        format!("{URL_SCHEME}://view/{table}/")
    }

    fn meta(entry: &Entry) -> ObjectMeta {
        ObjectMeta {
            location: entry.location.clone(),
            last_modified: DateTime::<Utc>::from(entry.seen.modified),
            size: entry.seen.size,
            e_tag: None,
            version: None,
        }
    }

    /// The files under `prefix` (whole path segments), with their metadata.
    fn under(&self, prefix: Option<&Path>) -> Vec<ObjectMeta> {
        let prefix = prefix.map(|p| p.as_ref().to_owned()).unwrap_or_default();
        self.files
            .iter()
            .filter(|(k, _)| {
                prefix.is_empty()
                    || k.strip_prefix(&prefix)
                        .is_some_and(|rest| rest.starts_with('/'))
            })
            .map(|(_, entry)| Self::meta(entry))
            .collect()
    }

    /// Opens the version of `location` the view saw: in place, or retired since.
    fn open_file(&self, location: &Path) -> object_store::Result<(File, ObjectMeta)> {
        let key = location.as_ref();
        let not_found = |message: &str| object_store::Error::NotFound {
            path: key.to_owned(),
            source: message.to_owned().into(),
        };
        let entry = self
            .files
            .get(key)
            .ok_or_else(|| not_found("not in the store's committed snapshot"))?;
        let candidates = [
            self.store.root().join(&entry.relative),
            retired::retired_path(&self.store, std::path::Path::new(&entry.relative)),
        ];
        for path in candidates {
            let Ok(file) = File::open(&path) else {
                continue;
            };
            if file.metadata().is_ok_and(|m| Seen::of(&m) == entry.seen) {
                return Ok((file, Self::meta(entry)));
            }
        }
        Err(not_found(
            "replaced and deleted while a reader held it (a writer without the reader lease?)",
        ))
    }
}

/// Adds a file under the object store path DataFusion will ask for.
fn insert(files: &mut BTreeMap<String, Entry>, relative: String, meta: &std::fs::Metadata) {
    let location = Path::from_iter(relative.split('/'));
    let entry = Entry {
        location: location.clone(),
        relative,
        seen: Seen::of(meta),
    };
    files.insert(location.as_ref().to_owned(), entry);
}

fn read_range(file: &mut File, range: Range<u64>) -> std::io::Result<Bytes> {
    use std::io::{Seek, SeekFrom};
    file.seek(SeekFrom::Start(range.start))?;
    let mut buf = Vec::with_capacity((range.end - range.start) as usize);
    file.take(range.end - range.start).read_to_end(&mut buf)?;
    Ok(Bytes::from(buf))
}

fn io_error(location: &Path, e: std::io::Error) -> object_store::Error {
    object_store::Error::Generic {
        store: STORE_NAME,
        source: format!("`{location}`: {e}").into(),
    }
}

fn read_only(location: &Path) -> object_store::Error {
    object_store::Error::NotSupported {
        source: format!("`{location}`: the store is read-only to SQL").into(),
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> object_store::Result<T> + Send + 'static,
) -> object_store::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|source| object_store::Error::JoinError { source })?
}

impl std::fmt::Display for StoreView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{STORE_NAME} of `{}`", self.store.root().display())
    }
}

#[async_trait::async_trait]
impl ObjectStore for StoreView {
    async fn put_opts(
        &self,
        location: &Path,
        _payload: PutPayload,
        _opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        Err(read_only(location))
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        _opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        Err(read_only(location))
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        let (mut file, meta) = self.open_file(location)?;
        let range = match &options.range {
            Some(range) => range
                .as_range(meta.size)
                .map_err(|e| io_error(location, std::io::Error::other(e.to_string())))?,
            None => 0..meta.size,
        };
        let bytes = if options.head {
            Bytes::new()
        } else {
            let location = location.clone();
            let range = range.clone();
            blocking(move || read_range(&mut file, range).map_err(|e| io_error(&location, e)))
                .await?
        };
        Ok(GetResult {
            payload: GetResultPayload::Stream(stream::once(async move { Ok(bytes) }).boxed()),
            meta,
            range,
            attributes: Default::default(),
        })
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[Range<u64>],
    ) -> object_store::Result<Vec<Bytes>> {
        let (mut file, _) = self.open_file(location)?;
        let location = location.clone();
        let ranges = ranges.to_vec();
        blocking(move || {
            ranges
                .into_iter()
                .map(|r| read_range(&mut file, r).map_err(|e| io_error(&location, e)))
                .collect()
        })
        .await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        locations
            .map(|location| location.and_then(|l| Err(read_only(&l))))
            .boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        stream::iter(self.under(prefix).into_iter().map(Ok)).boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        let depth = prefix.map_or(0, |p| p.parts().count());
        let mut common_prefixes = std::collections::BTreeSet::new();
        let mut objects = Vec::new();
        for meta in self.under(prefix) {
            let parts: Vec<_> = meta.location.parts().collect();
            if parts.len() == depth + 1 {
                objects.push(meta);
            } else if parts.len() > depth + 1 {
                common_prefixes.insert(Path::from_iter(parts.into_iter().take(depth + 1)));
            }
        }
        Ok(ListResult {
            common_prefixes: common_prefixes.into_iter().collect(),
            objects,
        })
    }

    async fn copy_opts(
        &self,
        _from: &Path,
        to: &Path,
        _options: CopyOptions,
    ) -> object_store::Result<()> {
        Err(read_only(to))
    }
}

/// Registers `view` as the object store of its URL in `ctx`, replacing an earlier view.
pub fn register(ctx: &datafusion::prelude::SessionContext, view: Arc<StoreView>) {
    ctx.register_object_store(StoreView::url().as_ref(), view);
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::object_store::ObjectStoreExt;

    fn write(root: &std::path::Path, relative: &str, bytes: &[u8]) {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn a_view_reads_the_files_it_opened_with_after_writers_replace_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let _lock = store.open_for_write().unwrap();
        write(dir.path(), "events/date=2026-01-01/a.parquet", b"events a");
        write(dir.path(), "usage/date=2026-01-01/a.parquet", b"usage a");
        write(dir.path(), "principals/1.parquet", b"iam v1");
        snapshot::commit(&store).unwrap();
        let view = StoreView::open(&store).unwrap();
        assert!(!view.needs_repair());
        assert_eq!(view.tables(), ["events", "principals", "usage"]);

        // A compaction replaces `a`; an IAM snapshot is written over `1`.
        write(
            dir.path(),
            "events/date=2026-01-01/b.parquet.tmp",
            b"events b",
        );
        write(dir.path(), "principals/1.parquet.tmp", b"iam version 2");
        let root = dir.path();
        super::super::journal::swap(
            &store,
            &[
                (
                    root.join("events/date=2026-01-01/b.parquet.tmp"),
                    root.join("events/date=2026-01-01/b.parquet"),
                ),
                (
                    root.join("principals/1.parquet.tmp"),
                    root.join("principals/1.parquet"),
                ),
            ],
            &[
                root.join("events/date=2026-01-01/a.parquet"),
                root.join("usage/date=2026-01-01/a.parquet"),
            ],
        )
        .unwrap();
        snapshot::commit(&store).unwrap();

        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let read = |path: &str| {
                let path = Path::from(path);
                let view = &view;
                async move {
                    let size = view.head(&path).await.unwrap().size;
                    view.get_range(&path, 0..size).await.unwrap()
                }
            };
            assert_eq!(read("events/date=2026-01-01/a.parquet").await, "events a");
            assert_eq!(read("principals/1.parquet").await, "iam v1");
            let listed: Vec<ObjectMeta> = view
                .list(Some(&Path::from("events")))
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .map(Result::unwrap)
                .collect();
            assert_eq!(listed.len(), 1);
            assert_eq!(
                listed[0].location.as_ref(),
                "events/date=2026-01-01/a.parquet"
            );
            assert!(matches!(
                view.put(
                    &Path::from("events/x.parquet"),
                    PutPayload::from_static(b"x")
                )
                .await,
                Err(object_store::Error::NotSupported { .. })
            ));
        });
        // The replaced files stay while the view holds them, then go with the next commit.
        snapshot::commit(&store).unwrap();
        assert!(retired::retired_dir(&store).exists());
        drop(view);
        snapshot::commit(&store).unwrap();
        assert!(!retired::retired_dir(&store).exists());
        let view = StoreView::open(&store).unwrap();
        assert!(view.has_files("events") && !view.has_files("usage"));
        assert!(view.needs_repair(), "`b` has no rollup");
    }
}
