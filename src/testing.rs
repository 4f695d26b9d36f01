//! Fixtures for unit tests in more than one module: events decoded from CloudTrail JSON
//! exactly as ingest decodes them, so that a store test reads rows a real run would write.

use std::path::PathBuf;

use arrow::array::RecordBatch;

use crate::ingest::batch::EventBatchBuilder;
use crate::ingest::decode::decode_str;
use crate::store::batch::DecodedBatch;

/// The records of `json` (any shape ingest reads) as one decoded batch.
pub fn decoded(json: &str) -> DecodedBatch {
    let mut builder = EventBatchBuilder::new();
    decode_str(json, &mut builder).expect("fixture JSON decodes");
    builder.finish()
}

/// The sample trail's events (the gzip files under sample_data/trail), mapping columns
/// included, in one batch.
pub fn sample_events() -> RecordBatch {
    use std::io::Read as _;
    let mut builder = EventBatchBuilder::new();
    let mut stack = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample_data/trail")];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(
                std::fs::read_dir(&path)
                    .expect("sample_data/trail")
                    .map(|e| e.expect("a directory entry").path()),
            );
        } else if path.to_string_lossy().ends_with(".json.gz")
            && !path.to_string_lossy().contains("Digest")
        {
            let mut text = String::new();
            flate2::read::MultiGzDecoder::new(std::fs::File::open(&path).expect("a sample file"))
                .read_to_string(&mut text)
                .expect("gzip");
            decode_str(&text, &mut builder).expect("sample records decode");
        }
    }
    let batch = builder.finish().batch;
    crate::store::mapcols::with_mapping_columns(batch).expect("mapping columns")
}
