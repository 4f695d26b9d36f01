//! `trailcut store stats`: what each table and column of the store weighs on disk and
//! uncompressed, read from the Parquet footers of the committed snapshot (no data page is
//! read). The source for sizing the store elsewhere: what a query that reads some columns
//! scans in Athena, Spark or Trino is the sum of those columns' compressed bytes.

use std::collections::BTreeMap;

use parquet::file::metadata::ParquetMetaDataReader;

use super::view::StoreView;
use super::{Store, StoreError};

/// One column of a table, over all its files.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ColumnStats {
    /// The column's path (`useridentity.arn` for a nested field).
    pub column: String,
    /// Bytes in the files (after encoding and zstd).
    pub compressed: u64,
    /// Bytes once decompressed (still encoded: dictionaries, run lengths).
    pub uncompressed: u64,
}

/// One table.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TableStats {
    pub table: String,
    pub files: u64,
    pub rows: u64,
    /// Bytes of the files on disk, footers included.
    pub file_bytes: u64,
    pub compressed: u64,
    pub uncompressed: u64,
    /// Largest first.
    pub columns: Vec<ColumnStats>,
}

/// A file the footer of which could not be read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unreadable {
    pub file: String,
    pub error: String,
}

/// The store's tables, by name.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StoreStats {
    pub tables: Vec<TableStats>,
    pub unreadable: Vec<Unreadable>,
}

/// Reads every Parquet footer of the store's committed snapshot.
pub fn stats(store: &Store) -> Result<StoreStats, StoreError> {
    let view = StoreView::open(store)?;
    let mut tables: BTreeMap<String, (TableStats, BTreeMap<String, ColumnStats>)> = BTreeMap::new();
    let mut unreadable = Vec::new();
    for relative in view.file_paths() {
        if !relative.ends_with(".parquet") {
            continue;
        }
        let Some((table, _)) = relative.split_once('/') else {
            continue;
        };
        let read = view
            .open_relative(relative)
            .map_err(|e| e.to_string())
            .and_then(|file| {
                let bytes = file.metadata().map_err(|e| e.to_string())?.len();
                let meta = ParquetMetaDataReader::new()
                    .parse_and_finish(&file)
                    .map_err(|e| e.to_string())?;
                Ok((bytes, meta))
            });
        let (bytes, meta) = match read {
            Ok(read) => read,
            Err(error) => {
                unreadable.push(Unreadable {
                    file: relative.to_owned(),
                    error,
                });
                continue;
            }
        };
        let (t, columns) = tables.entry(table.to_owned()).or_insert_with(|| {
            (
                TableStats {
                    table: table.to_owned(),
                    ..TableStats::default()
                },
                BTreeMap::new(),
            )
        });
        t.files += 1;
        t.file_bytes += bytes;
        for group in meta.row_groups() {
            t.rows += group.num_rows().max(0) as u64;
            for chunk in group.columns() {
                let name = chunk.column_path().string();
                let c = columns.entry(name.clone()).or_insert_with(|| ColumnStats {
                    column: name,
                    ..ColumnStats::default()
                });
                let compressed = chunk.compressed_size().max(0) as u64;
                let uncompressed = chunk.uncompressed_size().max(0) as u64;
                c.compressed += compressed;
                c.uncompressed += uncompressed;
                t.compressed += compressed;
                t.uncompressed += uncompressed;
            }
        }
    }
    let tables = tables
        .into_values()
        .map(|(mut t, columns)| {
            t.columns = columns.into_values().collect();
            t.columns.sort_by(|a, b| {
                b.compressed
                    .cmp(&a.compressed)
                    .then_with(|| a.column.cmp(&b.column))
            });
            t
        })
        .collect();
    Ok(StoreStats { tables, unreadable })
}
