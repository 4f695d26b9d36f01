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
use parquet::arrow::ArrowSchemaConverter;
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::SortingColumn;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use super::StoreError;
use super::schema::{col, events_schema};
use crate::ingest::derive::event_key;

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
pub fn writer_properties() -> WriterProperties {
    // Sorting columns are numbered by leaf column, after the struct fields before it.
    let time_leaf = ArrowSchemaConverter::new()
        .convert(&events_schema())
        .ok()
        .and_then(|descr| {
            descr
                .columns()
                .iter()
                .position(|c| c.path().string() == col::EVENTTIME)
        })
        .unwrap_or(0);
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(zstd_level()).unwrap_or_default(),
        ))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        // Min/max statistics cost a comparison per value; they are kept (per row group, see
        // below) only on the columns that queries filter on, where they prune scans.
        .set_statistics_enabled(EnabledStatistics::None)
        .set_created_by(format!("trailcut {}", env!("CARGO_PKG_VERSION")))
        .set_sorting_columns(Some(vec![SortingColumn {
            column_idx: time_leaf as i32,
            descending: false,
            nulls_first: false,
        }]));
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
    // thrown away when it overflows; zstd does better on these columns alone.
    for unique in [
        col::EVENTTIME,
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
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(unique), false);
    }
    builder.build()
}

fn parquet_err(path: &Path) -> impl FnOnce(parquet::errors::ParquetError) -> StoreError + '_ {
    move |source| StoreError::Parquet {
        path: path.to_path_buf(),
        source,
    }
}

/// Rows per output batch when writing sorted data: bounds the extra memory of a sort to
/// one chunk rather than a second copy of everything.
const SORT_CHUNK_ROWS: usize = 64 * 1024;

/// The rows of `batches` in `eventtime` order (stable, so equal times keep their arrival
/// order), as `(batch, row)` pairs.
pub fn event_time_order(batches: &[RecordBatch]) -> Result<Vec<(usize, usize)>, StoreError> {
    let mut keyed: Vec<(i64, usize, usize)> =
        Vec::with_capacity(batches.iter().map(|b| b.num_rows()).sum());
    for (b, batch) in batches.iter().enumerate() {
        let times = batch
            .column_by_name(col::EVENTTIME)
            .and_then(|c| c.as_primitive_opt::<arrow::datatypes::TimestampMicrosecondType>())
            .ok_or_else(|| {
                arrow::error::ArrowError::SchemaError(
                    "events batch without microsecond `eventtime`".into(),
                )
            })?;
        keyed.extend(times.values().iter().enumerate().map(|(r, t)| (*t, b, r)));
    }
    keyed.sort_by_key(|(t, _, _)| *t);
    Ok(keyed.into_iter().map(|(_, b, r)| (b, r)).collect())
}

/// Writes `batches` to `path` sorted by `eventtime`, one chunk at a time, and syncs it.
pub fn write_sorted(
    path: &Path,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<WrittenFile, StoreError> {
    let order = event_time_order(batches)?;
    let refs: Vec<&RecordBatch> = batches.iter().collect();
    let file = File::create(path).map_err(StoreError::io(path))?;
    let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(writer_properties()))
        .map_err(parquet_err(path))?;
    for chunk in order.chunks(SORT_CHUNK_ROWS) {
        let sorted = interleave_record_batch(&refs, chunk)?;
        writer.write(&sorted).map_err(parquet_err(path))?;
    }
    let file = writer.into_inner().map_err(parquet_err(path))?;
    file.sync_all().map_err(StoreError::io(path))?;
    let bytes = file.metadata().map_err(StoreError::io(path))?.len();
    Ok(WrittenFile {
        path: path.to_path_buf(),
        rows: order.len() as u64,
        bytes,
    })
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
    let file = File::create(path).map_err(StoreError::io(path))?;
    let mut writer =
        ArrowWriter::try_new(file, schema.clone(), Some(properties)).map_err(parquet_err(path))?;
    let mut rows = 0u64;
    for batch in batches {
        rows += batch.num_rows() as u64;
        writer.write(batch).map_err(parquet_err(path))?;
    }
    let file = writer.into_inner().map_err(parquet_err(path))?;
    file.sync_all().map_err(StoreError::io(path))?;
    let bytes = file.metadata().map_err(StoreError::io(path))?.len();
    Ok(WrittenFile {
        path: path.to_path_buf(),
        rows,
        bytes,
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

/// Merges files that are each sorted by `eventtime` into one sorted stream, holding one
/// batch of `batch_rows` per input in memory; `emit` receives the output in order.
pub fn merge_sorted(
    files: &[PathBuf],
    batch_rows: usize,
    mut emit: impl FnMut(RecordBatch) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    struct Input {
        reader: ParquetRecordBatchReader,
        batch: RecordBatch,
        times: TimestampMicrosecondArray,
        pos: usize,
    }
    fn next_batch(
        reader: &mut ParquetRecordBatchReader,
    ) -> Result<Option<(RecordBatch, TimestampMicrosecondArray)>, StoreError> {
        loop {
            match reader.next() {
                None => return Ok(None),
                Some(batch) => {
                    // Files from an older trailcut gain the columns added since.
                    let batch = crate::ingest::mapcols::with_mapping_columns(batch?)?;
                    if batch.num_rows() == 0 {
                        continue;
                    }
                    let times = batch
                        .column_by_name(col::EVENTTIME)
                        .and_then(|c| {
                            c.as_primitive_opt::<arrow::datatypes::TimestampMicrosecondType>()
                        })
                        .cloned()
                        .ok_or_else(|| {
                            arrow::error::ArrowError::SchemaError(
                                "events file without microsecond `eventtime`".into(),
                            )
                        })?;
                    return Ok(Some((batch, times)));
                }
            }
        }
    }

    let mut inputs = Vec::with_capacity(files.len());
    let mut heap = BinaryHeap::new();
    for path in files {
        let mut reader = open_reader(path, batch_rows, None)?;
        if let Some((batch, times)) = next_batch(&mut reader)? {
            heap.push(Reverse((times.value(0), inputs.len())));
            inputs.push(Input {
                reader,
                batch,
                times,
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
            heap.push(Reverse((input.times.value(input.pos), s)));
        } else {
            // The batch is used up: emit what refers to it before replacing it.
            flush(&inputs, &mut pending, &mut emit)?;
            let input = &mut inputs[s];
            if let Some((batch, times)) = next_batch(&mut input.reader)? {
                heap.push(Reverse((times.value(0), s)));
                input.batch = batch;
                input.times = times;
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
