//! Reading and writing the Parquet files of the events table: writer settings, sorting
//! by event time, reading back de-duplication keys, and the streaming k-way merge used
//! by compaction. Knows the file format, not the store's layout or commit protocol.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, RecordBatch, TimestampMicrosecondArray};
use arrow::compute::{interleave_record_batch, take_record_batch};
use arrow::datatypes::{DataType, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowPredicateFn, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder, RowFilter,
};
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use super::StoreError;
use super::batch::event_key;
use super::schema::{col, events_schema};

/// Rows per row group: large enough for good compression, small enough that a scan
/// parallelises and a reader's memory stays modest.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

/// zstd level of events files (`TRAILCUT_ZSTD_LEVEL`, default 1): on generated trails level 3
/// costs a fifth more ingest time for a 1% smaller store; exposed for benchmarking.
fn zstd_level() -> i32 {
    std::env::var("TRAILCUT_ZSTD_LEVEL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// The writer settings of every events file.
///
/// Besides the row order ([`RowKey`]), what makes the files small without slowing ingest:
/// zstd at a low level, dictionaries for the columns that repeat, and for the columns that
/// do not, `DELTA_LENGTH_BYTE_ARRAY`: the lengths apart, the text in one run, so that zstd
/// sees the ids and JSON documents without a length between each two. Event times are
/// `DELTA_BINARY_PACKED`, small within a call and caller. BENCHMARKS.md has the figures.
pub fn writer_properties() -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(zstd_level()).unwrap_or_default(),
        ))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        // Min/max statistics cost a comparison per value; they are kept (per row group, see
        // below) only on the columns that queries filter on, where they prune scans.
        .set_statistics_enabled(EnabledStatistics::None)
        .set_created_by(format!("trailcut {}", env!("CARGO_PKG_VERSION")));
    for filtered in [
        &[col::EVENTTIME][..],
        &[col::EVENTSOURCE],
        &[col::EVENTNAME],
        &[col::AWSREGION],
        &[col::ERRORCODE],
        &[col::EVENTTYPE],
        &[col::READONLY],
        &[col::MANAGEMENTEVENT],
        &[col::RECIPIENTACCOUNTID],
        &[col::PRINCIPAL_ARN],
        &[col::SESSION_NAME],
        &[col::PERSON],
        &[col::PERSON_SOURCE],
        &[col::ACCOUNT_ID],
        &[col::EVENT_DATE],
        &[col::USERIDENTITY, "type"],
        &[col::USERIDENTITY, "arn"],
        &[col::USERIDENTITY, "accountid"],
        &[col::USERIDENTITY, "username"],
    ] {
        let path = ColumnPath::new(filtered.iter().map(|part| part.to_string()).collect());
        builder = builder.set_column_statistics_enabled(path, EnabledStatistics::Chunk);
    }
    // Unique or nearly unique per row: a dictionary would be built, hashed into and then
    // thrown away when it overflows.
    for unique in [
        col::EVENTID,
        col::REQUESTID,
        col::SHAREDEVENTID,
        col::REQUESTPARAMETERS,
        col::RESPONSEELEMENTS,
        col::ADDITIONALEVENTDATA,
        col::SERVICEEVENTDETAILS,
        col::ERRORMESSAGE,
        col::EXTRA,
    ] {
        builder = builder
            .set_column_dictionary_enabled(ColumnPath::from(unique), false)
            .set_column_encoding(ColumnPath::from(unique), Encoding::DELTA_LENGTH_BYTE_ARRAY);
    }
    builder
        .set_column_dictionary_enabled(ColumnPath::from(col::EVENTTIME), false)
        .set_column_encoding(
            ColumnPath::from(col::EVENTTIME),
            Encoding::DELTA_BINARY_PACKED,
        )
        .build()
}

fn parquet_err(path: &Path) -> impl FnOnce(parquet::errors::ParquetError) -> StoreError + '_ {
    move |source| StoreError::Parquet {
        path: path.to_path_buf(),
        source,
    }
}

/// Rows per output batch when writing sorted data: bounds the extra memory of a sort to
/// one chunk rather than a second copy of everything. 16,384 rows is some 20 MB of
/// CloudTrail events per flush thread; 8,192 made interleaving a fifth slower (each call
/// walks every input batch), 65,536 held 100 MB.
const SORT_CHUNK_ROWS: usize = 16 * 1024;

/// Where a row goes in an events file: by call (`eventsource`, `eventname`), then caller
/// (`principal_arn`, none first), then `eventtime`.
///
/// Rows of one call by one caller carry requests of one shape, the same user agent and
/// source address: side by side, zstd and the dictionaries find them. On generated trails
/// this order makes the events files a sixth smaller than time order (docs/store.md).
/// Queries lose nothing: they select days by the `date` partition, and no reader relies on
/// time order within a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RowKey<'a> {
    pub source: &'a str,
    pub name: &'a str,
    pub principal: Option<&'a str>,
    pub time: i64,
}

/// The columns of an events batch that [`RowKey`] reads.
struct KeyColumns {
    source: arrow::array::StringArray,
    name: arrow::array::StringArray,
    principal: arrow::array::StringArray,
    time: TimestampMicrosecondArray,
}

impl KeyColumns {
    fn of(batch: &RecordBatch) -> Result<Self, StoreError> {
        let text = |name: &str| -> Result<arrow::array::StringArray, StoreError> {
            let column = batch.column_by_name(name).ok_or_else(|| {
                arrow::error::ArrowError::SchemaError(format!("events batch without `{name}`"))
            })?;
            let column = arrow::compute::cast(column, &DataType::Utf8)?;
            Ok(column.as_string::<i32>().clone())
        };
        let time = batch
            .column_by_name(col::EVENTTIME)
            .and_then(|c| c.as_primitive_opt::<arrow::datatypes::TimestampMicrosecondType>())
            .cloned()
            .ok_or_else(|| {
                arrow::error::ArrowError::SchemaError(
                    "events batch without microsecond `eventtime`".into(),
                )
            })?;
        Ok(Self {
            source: text(col::EVENTSOURCE)?,
            name: text(col::EVENTNAME)?,
            principal: text(col::PRINCIPAL_ARN)?,
            time,
        })
    }

    fn key(&self, row: usize) -> RowKey<'_> {
        fn get(a: &arrow::array::StringArray, row: usize) -> Option<&str> {
            a.is_valid(row).then(|| a.value(row))
        }
        RowKey {
            source: get(&self.source, row).unwrap_or_default(),
            name: get(&self.name, row).unwrap_or_default(),
            principal: get(&self.principal, row),
            time: if self.time.is_valid(row) {
                self.time.value(row)
            } else {
                i64::MIN
            },
        }
    }
}

/// The rows of `batches` in [`RowKey`] order (stable: equal keys keep their arrival order),
/// as `(batch, row)` pairs.
///
/// Strings are compared once per distinct value, not once per comparison: each distinct
/// call and caller gets its rank among the others, and rows sort by integers.
pub fn row_order(batches: &[RecordBatch]) -> Result<Vec<(usize, usize)>, StoreError> {
    let columns = batches
        .iter()
        .map(KeyColumns::of)
        .collect::<Result<Vec<_>, _>>()?;
    type Ranks<'a, K> = std::collections::HashMap<K, u32, foldhash::fast::RandomState>;
    let mut calls: Ranks<'_, (&str, &str)> = Ranks::default();
    let mut principals: Ranks<'_, Option<&str>> = Ranks::default();
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let mut keyed: Vec<(u32, u32, i64, u32, u32)> = Vec::with_capacity(rows);
    for (b, c) in columns.iter().enumerate() {
        for r in 0..c.time.len() {
            let key = c.key(r);
            let next = calls.len() as u32;
            let call = *calls.entry((key.source, key.name)).or_insert(next);
            let next = principals.len() as u32;
            let principal = *principals.entry(key.principal).or_insert(next);
            keyed.push((call, principal, key.time, b as u32, r as u32));
        }
    }
    // First-seen numbers become ranks in string order.
    let (call_rank, principal_rank) = (value_ranks(calls), value_ranks(principals));
    for k in &mut keyed {
        k.0 = call_rank[k.0 as usize];
        k.1 = principal_rank[k.1 as usize];
    }
    keyed.sort_unstable();
    Ok(keyed
        .into_iter()
        .map(|(_, _, _, b, r)| (b as usize, r as usize))
        .collect())
}

/// The rank in value order of values numbered `0..n` (each number once, values distinct):
/// `rank[number]`. Rows then sort by ranks, comparing integers instead of the values.
pub fn value_ranks<K: Ord>(numbered: impl IntoIterator<Item = (K, u32)>) -> Vec<u32> {
    let mut by_value: Vec<(K, u32)> = numbered.into_iter().collect();
    by_value.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut rank = vec![0; by_value.len()];
    for (i, (_, number)) in by_value.into_iter().enumerate() {
        rank[number as usize] = i as u32;
    }
    rank
}

/// Writes `batches` to `path` in [`RowKey`] order, one chunk at a time, without syncing it:
/// the caller syncs it once it has given back its core.
pub fn write_sorted(
    path: &Path,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<Unsynced, StoreError> {
    let order = row_order(batches)?;
    let refs: Vec<&RecordBatch> = batches.iter().collect();
    let chunks = order
        .chunks(SORT_CHUNK_ROWS)
        .map(|chunk| Ok(interleave_record_batch(&refs, chunk)?));
    write_stream(path, schema, chunks, writer_properties())
}

/// A Parquet file written and closed but not yet flushed to disk.
#[derive(Debug)]
pub struct Unsynced {
    file: File,
    path: PathBuf,
    rows: u64,
}

impl Unsynced {
    /// Flushes the file to disk.
    pub fn sync(self) -> Result<WrittenFile, StoreError> {
        let path = &self.path;
        self.file.sync_all().map_err(StoreError::io(path))?;
        let bytes = self.file.metadata().map_err(StoreError::io(path))?.len();
        Ok(WrittenFile {
            path: self.path,
            rows: self.rows,
            bytes,
        })
    }
}

/// A Parquet file written to a temporary path, flushed to disk.
#[derive(Debug, Clone)]
pub struct WrittenFile {
    /// Where it was written.
    pub path: PathBuf,
    /// Rows in it.
    pub rows: u64,
    /// Its size on disk.
    pub bytes: u64,
}

/// Settings for trailcut's small tables (the manifest): zstd, nothing else special.
pub fn plain_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_created_by(format!("trailcut {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Writes batches to `path` as one Parquet file and syncs it.
pub fn write_file<'a>(
    path: &Path,
    schema: &SchemaRef,
    batches: impl IntoIterator<Item = &'a RecordBatch>,
    properties: WriterProperties,
) -> Result<WrittenFile, StoreError> {
    write_unsynced(path, schema, batches, properties)?.sync()
}

/// Writes batches to `path` as one Parquet file, without syncing it.
pub fn write_unsynced<'a>(
    path: &Path,
    schema: &SchemaRef,
    batches: impl IntoIterator<Item = &'a RecordBatch>,
    properties: WriterProperties,
) -> Result<Unsynced, StoreError> {
    let batches = batches.into_iter().map(|batch| Ok(batch.clone()));
    write_stream(path, schema, batches, properties)
}

/// Writes batches to `path` as one Parquet file as they come, without syncing it; the
/// first batch that fails stops the write with its error.
pub fn write_stream(
    path: &Path,
    schema: &SchemaRef,
    batches: impl IntoIterator<Item = Result<RecordBatch, StoreError>>,
    properties: WriterProperties,
) -> Result<Unsynced, StoreError> {
    let file = File::create(path).map_err(StoreError::io(path))?;
    let mut writer =
        ArrowWriter::try_new(file, schema.clone(), Some(properties)).map_err(parquet_err(path))?;
    let mut rows = 0u64;
    for batch in batches {
        let batch = batch?;
        rows += batch.num_rows() as u64;
        writer.write(&batch).map_err(parquet_err(path))?;
    }
    let file = writer.into_inner().map_err(parquet_err(path))?;
    Ok(Unsynced {
        file,
        path: path.to_path_buf(),
        rows,
    })
}

/// Opens a Parquet file for reading in batches of `batch_rows`, optionally projecting
/// to some top-level columns.
pub fn open_reader(
    path: &Path,
    batch_rows: usize,
    columns: Option<&[&str]>,
) -> Result<ParquetRecordBatchReader, StoreError> {
    let file = File::open(path).map_err(StoreError::io(path))?;
    let mut builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(parquet_err(path))?
        .with_batch_size(batch_rows);
    if let Some(columns) = columns {
        let mask = ProjectionMask::columns(builder.parquet_schema(), columns.iter().copied());
        builder = builder.with_projection(mask);
    }
    builder.build().map_err(parquet_err(path))
}

/// Opens a Parquet file for reading only the rows that `keep` selects: `keep` sees
/// batches of the columns `filter_columns` and answers one boolean per row; the other
/// columns are decoded for the kept rows only.
pub fn open_filtered_reader(
    path: &Path,
    batch_rows: usize,
    filter_columns: &[&str],
    keep: impl FnMut(RecordBatch) -> Result<arrow::array::BooleanArray, arrow::error::ArrowError>
    + Send
    + 'static,
) -> Result<ParquetRecordBatchReader, StoreError> {
    let file = File::open(path).map_err(StoreError::io(path))?;
    // The page index lets the reader skip the pages that hold no kept row instead of
    // decompressing them.
    let options = parquet::arrow::arrow_reader::ArrowReaderOptions::new()
        .with_page_index_policy(parquet::file::metadata::PageIndexPolicy::Optional);
    let builder = ParquetRecordBatchReaderBuilder::try_new_with_options(file, options)
        .map_err(parquet_err(path))?
        .with_batch_size(batch_rows);
    let mask = ProjectionMask::columns(builder.parquet_schema(), filter_columns.iter().copied());
    let filter = RowFilter::new(vec![Box::new(ArrowPredicateFn::new(mask, keep))]);
    builder
        .with_row_filter(filter)
        .build()
        .map_err(parquet_err(path))
}

/// Number of rows in a Parquet file, from its footer.
pub fn row_count(path: &Path) -> Result<u64, StoreError> {
    let file = File::open(path).map_err(StoreError::io(path))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(parquet_err(path))?;
    Ok(builder.metadata().file_metadata().num_rows() as u64)
}

/// A de-duplication key: the event id's 128-bit value ([`event_key`]) with its low 8 bits
/// replaced by a fingerprint of the event's time and name. Equality and hashing look at the
/// other 120 bits only, so a set finds an event by its id, and the fingerprint it holds
/// tells a re-delivery (same time and name) from a different event that reuses the id, at
/// no memory cost over a set of ids. A different event escapes notice when its
/// fingerprint collides (1 in 256); it is never stored twice either way.
#[derive(Debug, Clone, Copy)]
pub struct EventKey(u128);

impl EventKey {
    /// The key of an event with id key `id` (from [`event_key`]), `eventtime` and `eventname`.
    pub fn new(id: u128, time: Option<i64>, name: Option<&str>) -> Self {
        let mut h = (time.unwrap_or(i64::MIN) as u64) ^ 0x9e37_79b9_7f4a_7c15;
        for b in name.unwrap_or_default().bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        let fingerprint = (h ^ (h >> 32) ^ (h >> 16) ^ (h >> 8)) as u8;
        Self((id & !0xff) | u128::from(fingerprint))
    }

    /// Whether `other` carries the same time and name (as far as the fingerprint tells).
    pub fn same_content(self, other: EventKey) -> bool {
        self.0 as u8 == other.0 as u8
    }
}

impl PartialEq for EventKey {
    fn eq(&self, other: &Self) -> bool {
        self.0 >> 8 == other.0 >> 8
    }
}

impl Eq for EventKey {}

impl std::hash::Hash for EventKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.0 >> 8).hash(state);
    }
}

/// De-duplication keys, hashed with foldhash (SipHash cost 3% of ingest).
pub type KeySet = HashSet<EventKey, foldhash::fast::RandomState>;

/// The de-duplication keys of the rows of `batch`, which has `eventid`, `eventtime` and
/// `eventname` columns (others are ignored); `ids` are the rows' id keys when the caller
/// has them, else they are computed from `eventid`.
pub fn batch_keys(batch: &RecordBatch, ids: Option<&[u128]>) -> Result<Vec<EventKey>, StoreError> {
    let missing = |name: &str| {
        arrow::error::ArrowError::SchemaError(format!("no column `{name}` in an events batch"))
    };
    let times = batch
        .column_by_name(col::EVENTTIME)
        .ok_or_else(|| missing(col::EVENTTIME))?
        .as_primitive_opt::<arrow::datatypes::TimestampMicrosecondType>()
        .ok_or_else(|| missing(col::EVENTTIME))?;
    let names = arrow::compute::cast(
        batch
            .column_by_name(col::EVENTNAME)
            .ok_or_else(|| missing(col::EVENTNAME))?,
        &DataType::Utf8,
    )?;
    let names = names.as_string::<i32>();
    let computed;
    let ids = match ids {
        Some(ids) => ids,
        None => {
            let column = arrow::compute::cast(
                batch
                    .column_by_name(col::EVENTID)
                    .ok_or_else(|| missing(col::EVENTID))?,
                &DataType::Utf8,
            )?;
            computed = column
                .as_string::<i32>()
                .iter()
                .map(|id| event_key(id.unwrap_or_default()))
                .collect::<Vec<_>>();
            &computed
        }
    };
    Ok(ids
        .iter()
        .enumerate()
        .map(|(row, &id)| {
            let time = times.is_valid(row).then(|| times.value(row));
            let name = names.is_valid(row).then(|| names.value(row));
            EventKey::new(id, time, name)
        })
        .collect())
}

/// The de-duplication keys of every event in `files`.
pub fn read_keys(files: &[PathBuf], into: &mut KeySet) -> Result<(), StoreError> {
    for path in files {
        let columns = [col::EVENTID, col::EVENTTIME, col::EVENTNAME];
        for batch in open_reader(path, 64 * 1024, Some(&columns))? {
            let batch = batch?;
            let ids = batch.column_by_name(col::EVENTID);
            // A row without an eventid has no key, as before fingerprints.
            let keys = batch_keys(&batch, None)?.into_iter().enumerate();
            into.extend(
                keys.filter(|(row, _)| ids.is_some_and(|c| c.is_valid(*row)))
                    .map(|(_, key)| key),
            );
        }
    }
    Ok(())
}

/// Merges files that are each in [`RowKey`] order into one stream in that order, holding
/// one batch of `batch_rows` per input in memory; `emit` receives the output in order.
/// (Files from before that order are in time order: they merge without loss, in a looser
/// order.)
pub fn merge_sorted(
    files: &[PathBuf],
    batch_rows: usize,
    mut emit: impl FnMut(RecordBatch) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    struct Input {
        reader: ParquetRecordBatchReader,
        batch: RecordBatch,
        keys: KeyColumns,
        pos: usize,
    }
    /// A row's key, owned, for the heap.
    type Owned = (String, String, Option<String>, i64);
    fn owned(key: RowKey<'_>) -> Owned {
        (
            key.source.to_owned(),
            key.name.to_owned(),
            key.principal.map(str::to_owned),
            key.time,
        )
    }
    fn next_batch(
        reader: &mut ParquetRecordBatchReader,
    ) -> Result<Option<(RecordBatch, KeyColumns)>, StoreError> {
        loop {
            match reader.next() {
                None => return Ok(None),
                Some(batch) => {
                    // Files from an older trailcut gain the columns added since.
                    let batch = crate::store::mapcols::with_mapping_columns(batch?)?;
                    if batch.num_rows() == 0 {
                        continue;
                    }
                    let keys = KeyColumns::of(&batch)?;
                    return Ok(Some((batch, keys)));
                }
            }
        }
    }

    let mut inputs = Vec::with_capacity(files.len());
    let mut heap = BinaryHeap::new();
    for path in files {
        let mut reader = open_reader(path, batch_rows, None)?;
        if let Some((batch, keys)) = next_batch(&mut reader)? {
            heap.push(Reverse((owned(keys.key(0)), inputs.len())));
            inputs.push(Input {
                reader,
                batch,
                keys,
                pos: 0,
            });
        }
    }
    let mut pending: Vec<(usize, usize)> = Vec::with_capacity(batch_rows);
    let flush = |inputs: &[Input],
                 pending: &mut Vec<(usize, usize)>,
                 emit: &mut dyn FnMut(RecordBatch) -> Result<(), StoreError>|
     -> Result<(), StoreError> {
        if pending.is_empty() {
            return Ok(());
        }
        let batches: Vec<&RecordBatch> = inputs.iter().map(|i| &i.batch).collect();
        let out = interleave_record_batch(&batches, pending)?;
        pending.clear();
        emit(out)
    };
    while let Some(Reverse((_, s))) = heap.pop() {
        let input = &mut inputs[s];
        pending.push((s, input.pos));
        input.pos += 1;
        if input.pos < input.batch.num_rows() {
            heap.push(Reverse((owned(input.keys.key(input.pos)), s)));
        } else {
            // The batch is used up: emit what refers to it before replacing it.
            flush(&inputs, &mut pending, &mut emit)?;
            let input = &mut inputs[s];
            if let Some((batch, keys)) = next_batch(&mut input.reader)? {
                heap.push(Reverse((owned(keys.key(0)), s)));
                input.batch = batch;
                input.keys = keys;
                input.pos = 0;
            }
        }
        if pending.len() >= batch_rows {
            flush(&inputs, &mut pending, &mut emit)?;
        }
    }
    flush(&inputs, &mut pending, &mut emit)
}

/// An events batch with only the rows at `indices`.
pub fn take_rows(batch: &RecordBatch, indices: &[u32]) -> Result<RecordBatch, StoreError> {
    let indices = arrow::array::UInt32Array::from(indices.to_vec());
    Ok(take_record_batch(batch, &indices)?)
}

/// Rough in-memory size of a batch, for the writer's memory budget.
pub fn batch_bytes(batch: &RecordBatch) -> usize {
    batch
        .columns()
        .iter()
        .map(|c| c.get_array_memory_size())
        .sum()
}

/// The schema all events files share.
pub fn schema() -> SchemaRef {
    events_schema()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, StringArray, TimestampMicrosecondArray};

    use super::*;

    /// A batch with the columns [`RowKey`] reads.
    type Row = (&'static str, &'static str, Option<&'static str>, i64);

    fn batch(rows: &[Row]) -> RecordBatch {
        let text = |f: fn(&Row) -> Option<&'static str>| -> ArrayRef {
            Arc::new(rows.iter().map(f).collect::<StringArray>())
        };
        RecordBatch::try_from_iter([
            (col::EVENTSOURCE, text(|r| Some(r.0))),
            (col::EVENTNAME, text(|r| Some(r.1))),
            (col::PRINCIPAL_ARN, text(|r| r.2)),
            (
                col::EVENTTIME,
                Arc::new(TimestampMicrosecondArray::from(
                    rows.iter().map(|r| r.3).collect::<Vec<_>>(),
                )) as ArrayRef,
            ),
        ])
        .unwrap()
    }

    #[test]
    fn rows_go_by_call_then_caller_then_time_and_ties_keep_arrival_order() {
        let first = batch(&[
            ("s3.amazonaws.com", "GetObject", Some("arn:b"), 5),
            ("iam.amazonaws.com", "GetRole", None, 9),
            ("s3.amazonaws.com", "GetObject", Some("arn:a"), 7),
            ("s3.amazonaws.com", "GetObject", Some("arn:b"), 1),
        ]);
        let second = batch(&[
            ("s3.amazonaws.com", "GetObject", Some("arn:b"), 5),
            ("iam.amazonaws.com", "GetRole", Some("arn:a"), 2),
            ("s3.amazonaws.com", "DeleteObject", Some("arn:z"), 0),
        ]);
        let order = row_order(&[first, second]).unwrap();
        assert_eq!(
            order,
            [
                (0, 1), // iam GetRole, no principal
                (1, 1), // iam GetRole, arn:a
                (1, 2), // s3 DeleteObject
                (0, 2), // s3 GetObject arn:a
                (0, 3), // s3 GetObject arn:b at 1
                (0, 0), // s3 GetObject arn:b at 5, first to arrive
                (1, 0), // the same key, second
            ]
        );
    }
}
