//! The manifest: one row per ingested source object (path, size, modification time,
//! content hash, events), so that a re-run skips what is already stored.
//!
//! Stored as append-only Parquet segments under `manifest/`, one per ingest run, written
//! after the run's data: a source is in the manifest only once all its events are on disk.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, RecordBatch, StringArray, TimestampMicrosecondArray, UInt64Array,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use super::parquet_io::{open_reader, plain_properties, write_file, write_stream};
use super::{Store, StoreError, TMP_SUFFIX, durable_rename, parquet_files};

/// One ingested source object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceEntry {
    /// Where it was read from: an absolute path, an `s3://bucket/key` URL, or
    /// `lookup-events://<account>/<region>/<day>` for a day of CloudTrail event history.
    pub path: String,
    /// Size in bytes as stored (compressed).
    pub size: u64,
    /// Modification time, microseconds since the epoch.
    pub modified: i64,
    /// BLAKE3 of the stored bytes, hex.
    pub content_hash: String,
    /// Records the object held (valid or not).
    pub records: u64,
    /// Events newly stored from it.
    pub stored: u64,
    /// Events the store already had.
    pub duplicates: u64,
    /// Records left out as malformed.
    pub skipped: u64,
    /// When it was ingested, microseconds since the epoch.
    pub ingested_at: i64,
    /// The ingest run that read it.
    pub run_id: String,
    /// The S3 ETag of the object, for objects fetched from S3.
    pub etag: Option<String>,
}

/// The schema of the manifest table.
pub fn manifest_schema() -> SchemaRef {
    let ts = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    Arc::new(Schema::new(vec![
        Field::new("path", DataType::Utf8, false),
        Field::new("size", DataType::UInt64, false),
        Field::new("modified", ts.clone(), false),
        Field::new("content_hash", DataType::Utf8, false),
        Field::new("records", DataType::UInt64, false),
        Field::new("stored", DataType::UInt64, false),
        Field::new("duplicates", DataType::UInt64, false),
        Field::new("skipped", DataType::UInt64, false),
        Field::new("ingested_at", ts, false),
        Field::new("run_id", DataType::Utf8, false),
        // Added with S3 ingest: segments written before it read it as null.
        Field::new("etag", DataType::Utf8, true),
    ]))
}

/// What the store already holds, for skipping sources.
#[derive(Debug, Default)]
pub struct Manifest {
    by_path: HashMap<String, (u64, i64)>,
    etags: HashMap<String, String>,
    hashes: HashSet<String>,
}

impl Manifest {
    /// Reads every manifest segment of the store.
    pub fn load(store: &Store) -> Result<Self, StoreError> {
        let mut manifest = Manifest::default();
        for file in parquet_files(&store.manifest_dir())? {
            for batch in open_reader(
                &file,
                64 * 1024,
                Some(&["path", "size", "modified", "content_hash", "etag"]),
            )? {
                let batch = batch?;
                let col = |name: &str| -> Result<ArrayRef, StoreError> {
                    let c = batch.column_by_name(name).ok_or_else(|| {
                        arrow::error::ArrowError::SchemaError(format!("manifest without `{name}`"))
                    })?;
                    Ok(c.clone())
                };
                let paths = arrow::compute::cast(&col("path")?, &DataType::Utf8)?;
                let hashes = arrow::compute::cast(&col("content_hash")?, &DataType::Utf8)?;
                let sizes = col("size")?;
                let modified = col("modified")?;
                let sizes = sizes.as_primitive::<arrow::datatypes::UInt64Type>();
                let modified =
                    modified.as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
                let etags = match batch.column_by_name("etag") {
                    Some(etags) => Some(arrow::compute::cast(etags, &DataType::Utf8)?),
                    None => None,
                };
                for i in 0..batch.num_rows() {
                    let path = paths.as_string::<i32>().value(i).to_owned();
                    if let Some(etags) = &etags
                        && etags.is_valid(i)
                    {
                        let etag = etags.as_string::<i32>().value(i).to_owned();
                        manifest.etags.insert(path.clone(), etag);
                    }
                    manifest
                        .by_path
                        .insert(path, (sizes.value(i), modified.value(i)));
                    manifest
                        .hashes
                        .insert(hashes.as_string::<i32>().value(i).to_owned());
                }
            }
        }
        Ok(manifest)
    }

    /// The paths (or URLs) of every source ingested.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.by_path.keys().map(String::as_str)
    }

    /// True when the object at `path` was ingested with this size and modification time.
    pub fn has_path(&self, path: &str, size: u64, modified: i64) -> bool {
        self.by_path.get(path) == Some(&(size, modified))
    }

    /// True when a source of this name was recorded, whatever its size or time.
    pub fn contains(&self, path: &str) -> bool {
        self.by_path.contains_key(path)
    }

    /// True when the S3 object at `url` was ingested with this ETag.
    pub fn has_etag(&self, url: &str, etag: &str) -> bool {
        self.etags.get(url).is_some_and(|known| known == etag)
    }

    /// True when an object with this content was ingested, under any path.
    pub fn has_content(&self, content_hash: &str) -> bool {
        self.hashes.contains(content_hash)
    }

    /// Sources recorded.
    pub fn len(&self) -> usize {
        self.by_path.len()
    }

    /// True when nothing was ever ingested.
    pub fn is_empty(&self) -> bool {
        self.by_path.is_empty()
    }
}

/// Appends a segment for `entries`; written under a temporary name and renamed, so it is
/// either complete or absent.
pub fn append(store: &Store, run_id: &str, entries: &[SourceEntry]) -> Result<(), StoreError> {
    append_named(store, &format!("part-{run_id}.parquet"), entries)
}

/// Appends a segment under `name` (a run's checkpoints each get their own name).
pub fn append_named(store: &Store, name: &str, entries: &[SourceEntry]) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let schema = manifest_schema();
    let batch = entries_batch(entries)?;
    let dir = store.manifest_dir();
    let tmp = dir.join(format!("{name}{TMP_SUFFIX}"));
    write_file(&tmp, &schema, [&batch], plain_properties())?;
    durable_rename(&tmp, &dir.join(name))?;
    Ok(())
}

/// Appends the run's segment: the entries of its checkpoint segments (`segments`, names in
/// the manifest directory), read back one batch at a time, then `entries`. A long run keeps
/// only the entries since its last checkpoint in memory. The checkpoint segments are left
/// for the caller to retire.
pub fn append_run(
    store: &Store,
    run_id: &str,
    segments: &[String],
    entries: &[SourceEntry],
) -> Result<(), StoreError> {
    if segments.is_empty() {
        return append(store, run_id, entries);
    }
    let schema = manifest_schema();
    let dir = store.manifest_dir();
    let readers = segments
        .iter()
        .map(|segment| open_reader(&dir.join(segment), 64 * 1024, None))
        .collect::<Result<Vec<_>, _>>()?;
    // Columns by position: a segment written by this run has the schema above.
    let recorded = readers.into_iter().flatten().map(|batch| {
        Ok(RecordBatch::try_new(
            schema.clone(),
            batch?.columns().to_vec(),
        )?)
    });
    let pending = (!entries.is_empty()).then(|| entries_batch(entries));
    let name = format!("part-{run_id}.parquet");
    let tmp = dir.join(format!("{name}{TMP_SUFFIX}"));
    write_stream(&tmp, &schema, recorded.chain(pending), plain_properties())?.sync()?;
    durable_rename(&tmp, &dir.join(name))
}

/// The entries as one batch in [`manifest_schema`].
fn entries_batch(entries: &[SourceEntry]) -> Result<RecordBatch, StoreError> {
    let schema = manifest_schema();
    let u64s = |f: fn(&SourceEntry) -> u64| -> ArrayRef {
        Arc::new(UInt64Array::from_iter_values(entries.iter().map(f)))
    };
    let strings = |f: fn(&SourceEntry) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(entries.iter().map(f)))
    };
    let times = |f: fn(&SourceEntry) -> i64| -> ArrayRef {
        Arc::new(
            TimestampMicrosecondArray::from_iter_values(entries.iter().map(f)).with_timezone("UTC"),
        )
    };
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            strings(|e| &e.path),
            u64s(|e| e.size),
            times(|e| e.modified),
            strings(|e| &e.content_hash),
            u64s(|e| e.records),
            u64s(|e| e.stored),
            u64s(|e| e.duplicates),
            u64s(|e| e.skipped),
            times(|e| e.ingested_at),
            strings(|e| &e.run_id),
            Arc::new(StringArray::from_iter(
                entries.iter().map(|e| e.etag.as_deref()),
            )),
        ],
    )?;
    debug_assert!(batch.column(0).null_count() == 0);
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, size: u64, etag: Option<&str>) -> SourceEntry {
        SourceEntry {
            path: path.to_owned(),
            size,
            modified: 1_700_000_000_000_000 + size as i64,
            content_hash: format!("{size:064x}"),
            records: size * 10,
            stored: size * 9,
            duplicates: size,
            skipped: 0,
            ingested_at: 1_800_000_000_000_000,
            run_id: "run".to_owned(),
            etag: etag.map(str::to_owned),
        }
    }

    #[test]
    fn a_run_segment_holds_its_checkpoints_entries_and_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        std::fs::create_dir_all(store.manifest_dir()).unwrap();
        let first = [
            entry("/t/a.json.gz", 1, None),
            entry("s3://b/k", 2, Some("\"e2\"")),
        ];
        let second = [entry("/t/c.json.gz", 3, None)];
        append_named(&store, "part-run-c0001.parquet", &first).unwrap();
        append_named(&store, "part-run-c0002.parquet", &second).unwrap();
        let segments = ["part-run-c0001.parquet", "part-run-c0002.parquet"].map(String::from);
        append_run(&store, "run", &segments, &[entry("/t/d.json.gz", 4, None)]).unwrap();
        for segment in &segments {
            std::fs::remove_file(store.manifest_dir().join(segment)).unwrap();
        }

        let manifest = Manifest::load(&store).unwrap();
        assert_eq!(manifest.len(), 4);
        for e in first
            .iter()
            .chain(&second)
            .chain([&entry("/t/d.json.gz", 4, None)])
        {
            assert!(manifest.has_path(&e.path, e.size, e.modified), "{}", e.path);
            assert!(manifest.has_content(&e.content_hash), "{}", e.path);
        }
        assert!(manifest.has_etag("s3://b/k", "\"e2\""));
        let rows: usize = open_reader(
            &store.manifest_dir().join("part-run.parquet"),
            1024,
            Some(&["records"]),
        )
        .unwrap()
        .map(|b| b.unwrap().num_rows())
        .sum();
        assert_eq!(rows, 4);
    }
}
