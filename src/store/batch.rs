//! What the writer takes from a source: rows in the `events` schema with the
//! de-duplication key and UTC day of each, and the outliers set apart. Ingest builds them;
//! the store defines them, as it defines its schema.

use arrow::array::RecordBatch;

/// One finished batch with what the sink needs to partition and de-duplicate it.
#[derive(Debug)]
pub struct DecodedBatch {
    /// Rows in the `events` schema.
    pub batch: RecordBatch,
    /// The de-duplication key of each row.
    pub keys: Vec<u128>,
    /// The UTC day (days since the epoch) of each row.
    pub days: Vec<i32>,
}

/// A record set aside because its time is not plausible for its object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outlier {
    /// 1-based position of the record in its source object.
    pub record: u64,
    /// Its `eventTime` as written.
    pub event_time: String,
    /// Why the time is not plausible, e.g. "before CloudTrail began (2013-11-01T00:00:00Z)".
    pub reason: String,
}

/// The outliers of one `ingest::batch::EventBatchBuilder::finish`: their rows in the `events` schema,
/// and an [`Outlier`] for each row, in order.
#[derive(Debug)]
pub struct OutlierBatch {
    /// The rows, decoded like any other.
    pub batch: RecordBatch,
    /// Where each row came from and why it is set aside.
    pub outliers: Vec<Outlier>,
}

/// The 128-bit key that identifies an event for de-duplication: the UUID itself when
/// `eventID` is one (always, for CloudTrail), otherwise a BLAKE3 digest of the text.
pub fn event_key(event_id: &str) -> u128 {
    parse_uuid(event_id).unwrap_or_else(|| {
        let hash = blake3::hash(event_id.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&hash.as_bytes()[..16]);
        u128::from_be_bytes(bytes)
    })
}

fn parse_uuid(text: &str) -> Option<u128> {
    let b = text.as_bytes();
    if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    let mut v = 0u128;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            continue;
        }
        let digit = (c as char).to_digit(16)?;
        v = (v << 4) | u128::from(digit);
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_keys_are_exact_and_others_hashed() {
        assert_eq!(
            event_key("c64c4ded-ef03-4e5c-81eb-153b118d72f2"),
            0xc64c4ded_ef03_4e5c_81eb_153b118d72f2
        );
        assert_ne!(event_key("not-a-uuid"), event_key("not-a-uuid2"));
        assert_eq!(event_key("not-a-uuid"), event_key("not-a-uuid"));
    }
}
