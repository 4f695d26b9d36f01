//! Turns the bytes of one source object into CloudTrail records, whatever the shape.
//!
//! Shapes: `{"Records":[...]}` (CloudTrail's S3 delivery), a bare JSON array, NDJSON (one
//! object per line), EventBridge envelopes (the record in `detail`) and LookupEvents output
//! (`Events[].CloudTrailEvent`, the record as a JSON string), gzipped or not. The JSON is
//! parsed once: each record is handed to a [`RecordSink`] as soon as it is read, borrowed
//! from the decompressed buffer. This module knows nothing of Arrow or of the store.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::gunzip::{Gunzip, GunzipError};
use super::record::{CloudTrailRecord, Text};

/// Receives records in file order.
pub trait RecordSink {
    /// Takes one record. Validation failures are the sink's to record; they do not stop
    /// the file.
    fn push(&mut self, record: CloudTrailRecord<'_>);
    /// How many records the sink has been given so far (valid or not).
    fn seen(&self) -> u64;
}

/// Why a whole source object could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The gzip stream is corrupt or truncated.
    #[error("corrupt gzip stream: {source}")]
    Gzip {
        #[source]
        source: GunzipError,
    },
    /// The content is not UTF-8.
    #[error("not UTF-8 text at byte {offset}")]
    Utf8 { offset: usize },
    /// The JSON is malformed; `record` is the 1-based record being read when it broke.
    #[error("record {record}: invalid JSON at line {line} column {column}: {message}")]
    Json {
        record: u64,
        line: usize,
        column: usize,
        message: String,
    },
}

/// A malformed line of an NDJSON file: the line is skipped, the rest of the file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number.
    pub line: usize,
    /// serde_json's message, without the position.
    pub message: String,
}

/// True when `bytes` start with the gzip magic number.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
}

/// Decompresses gzip `bytes` into `out` (cleared first), reusing its allocation; returns
/// `false`, leaving `out` empty, when `bytes` are not gzip.
pub fn decompress_into(bytes: &[u8], out: &mut Vec<u8>) -> Result<bool, GunzipError> {
    thread_local! {
        static GUNZIP: RefCell<Gunzip> = RefCell::new(Gunzip::new());
    }
    out.clear();
    if !is_gzip(bytes) {
        return Ok(false);
    }
    GUNZIP.with_borrow_mut(|gunzip| gunzip.decompress(bytes, out))?;
    Ok(true)
}

/// Decodes one source object (gzipped or plain JSON) into `sink`.
///
/// `scratch` holds the decompressed text and keeps its allocation for the next object.
/// NDJSON lines that fail are skipped and returned; any other malformation fails the whole
/// object, because a partly read CloudTrail file is not a trustworthy account of its events.
pub fn decode_object(
    bytes: &[u8],
    scratch: &mut Vec<u8>,
    sink: &mut dyn RecordSink,
) -> Result<DecodedObject, DecodeError> {
    let text: &[u8] =
        if decompress_into(bytes, scratch).map_err(|source| DecodeError::Gzip { source })? {
            scratch
        } else {
            bytes
        };
    let json_bytes = text.len() as u64;
    let text = std::str::from_utf8(text).map_err(|e| DecodeError::Utf8 {
        offset: e.valid_up_to(),
    })?;
    let skipped_lines = decode_str(text, sink)?;
    Ok(DecodedObject {
        json_bytes,
        skipped_lines,
    })
}

/// What [`decode_object`] read besides the records it pushed.
#[derive(Debug)]
pub struct DecodedObject {
    /// Bytes of JSON after decompression.
    pub json_bytes: u64,
    /// NDJSON lines that were skipped as malformed.
    pub skipped_lines: Vec<LineError>,
}

/// Decodes JSON text in any supported shape into `sink`.
pub fn decode_str(text: &str, sink: &mut dyn RecordSink) -> Result<Vec<LineError>, DecodeError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if looks_like_ndjson(text) {
        return Ok(decode_ndjson(text, sink));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let result = ItemSeed { sink: &mut *sink }
        .deserialize(&mut de)
        .and_then(|()| de.end());
    result.map_err(|e| json_error(&e, sink.seen() + 1))?;
    Ok(Vec::new())
}

fn json_error(e: &serde_json::Error, record: u64) -> DecodeError {
    DecodeError::Json {
        record,
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    }
}

/// serde_json appends " at line L column C"; the caller reports the position itself.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// NDJSON is told apart from one pretty-printed object by its first line: a complete
/// JSON object on its own, followed by more content.
fn looks_like_ndjson(text: &str) -> bool {
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') {
        return false;
    }
    // memchr rather than str::find: a CloudTrail object is one long line, scanned whole.
    let Some(newline) = memchr::memchr(b'\n', trimmed.as_bytes()) else {
        return false;
    };
    let (first, rest) = trimmed.split_at(newline);
    if rest.trim().is_empty() || !first.trim_end().ends_with('}') {
        return false;
    }
    serde_json::from_str::<de::IgnoredAny>(first).is_ok()
}

fn decode_ndjson(text: &str, sink: &mut dyn RecordSink) -> Vec<LineError> {
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut de = serde_json::Deserializer::from_str(line);
        let result = ItemSeed { sink: &mut *sink }
            .deserialize(&mut de)
            .and_then(|()| de.end());
        if let Err(e) = result {
            errors.push(LineError {
                line: index + 1,
                message: format!(
                    "{} at column {}",
                    strip_position(&e.to_string()),
                    e.column()
                ),
            });
        }
    }
    errors
}

/// Reads one JSON value that is a record, a container of records, or an array of either,
/// pushing every record it finds to the sink.
struct ItemSeed<'s> {
    sink: &'s mut dyn RecordSink,
}

impl<'de> DeserializeSeed<'de> for ItemSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a CloudTrail record, an object holding `Records`, `Events` or `detail`, or an array of them")
    }

    // `"Records": null` holds no records.
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(ItemSeed {
                sink: &mut *self.sink,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut record = CloudTrailRecord::default();
        // Set when the object turned out to hold records rather than be one.
        let mut container = false;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match key.as_str() {
                // CloudTrail's delivery file and the bare arrays inside it.
                "Records" | "Events" | "detail" => {
                    map.next_value_seed(ItemSeed {
                        sink: &mut *self.sink,
                    })?;
                    container = true;
                }
                // LookupEvents: the record is a JSON document inside a string.
                "CloudTrailEvent" => {
                    let inner: Text<'de> = map.next_value()?;
                    let mut de = serde_json::Deserializer::from_str(inner.as_str());
                    ItemSeed {
                        sink: &mut *self.sink,
                    }
                    .deserialize(&mut de)
                    .and_then(|()| de.end())
                    .map_err(|e| de::Error::custom(format!("in `CloudTrailEvent`: {e}")))?;
                    container = true;
                }
                name => {
                    if !record.read_field(name, &mut map)? {
                        let raw: &'de RawValue = map.next_value()?;
                        record.extra.push((key.0.into_owned(), raw));
                    }
                }
            }
        }
        if !container {
            self.sink.push(record);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// Collects event names; records without one are counted as seen only.
    #[derive(Default)]
    struct Names {
        names: Vec<String>,
        extras: Vec<Vec<String>>,
        seen: u64,
    }

    impl RecordSink for Names {
        fn push(&mut self, record: CloudTrailRecord<'_>) {
            self.seen += 1;
            if let Some(name) = record.event_name {
                self.names.push(name.0.into_owned());
                self.extras
                    .push(record.extra.iter().map(|(k, _)| k.clone()).collect());
            }
        }
        fn seen(&self) -> u64 {
            self.seen
        }
    }

    fn names(text: &str) -> Vec<String> {
        let mut sink = Names::default();
        let skipped = decode_str(text, &mut sink).unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        sink.names
    }

    const A: &str = r#"{"eventTime":"2024-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"A","eventID":"1"}"#;
    const B: &str = r#"{"eventTime":"2024-01-01T00:00:01Z","eventSource":"s3.amazonaws.com","eventName":"B","eventID":"2"}"#;

    #[test]
    fn records_object() {
        assert_eq!(names(&format!(r#"{{"Records":[{A},{B}]}}"#)), ["A", "B"]);
        assert_eq!(names(r#"{"Records":[]}"#), Vec::<String>::new());
        assert_eq!(names(r#"{"Records":null}"#), Vec::<String>::new());
    }

    #[test]
    fn bare_array_pretty_printed() {
        assert_eq!(names(&format!("[\n  {A},\n  {B}\n]\n")), ["A", "B"]);
    }

    #[test]
    fn a_single_pretty_record_is_not_ndjson() {
        let pretty = A.replace(",", ",\n  ");
        assert_eq!(names(&pretty), ["A"]);
    }

    #[test]
    fn ndjson() {
        assert_eq!(names(&format!("{A}\n{B}\n\n")), ["A", "B"]);
        assert_eq!(names(&format!("{A}\r\n{B}")), ["A", "B"]);
    }

    #[test]
    fn ndjson_bad_line_is_skipped_and_the_rest_read() {
        let mut sink = Names::default();
        let skipped =
            decode_str(&format!("{A}\n{{\"eventName\": oops}}\n{B}\n"), &mut sink).unwrap();
        assert_eq!(sink.names, ["A", "B"]);
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].line, 2);
    }

    #[test]
    fn eventbridge_envelope() {
        let envelope = format!(
            r#"{{"version":"0","id":"x","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","account":"1","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":["arn:aws:s3:::b"],"detail":{A}}}"#
        );
        assert_eq!(names(&envelope), ["A"]);
        // Envelopes as NDJSON, as Firehose writes them.
        assert_eq!(names(&format!("{envelope}\n{envelope}\n")), ["A", "A"]);
    }

    #[test]
    fn lookup_events_output() {
        let inner = serde_json::to_string(A).unwrap();
        let text = format!(
            r#"{{"Events":[{{"EventId":"1","EventName":"A","ReadOnly":"true","EventTime":"2024-01-01T00:00:00+00:00","Resources":[],"CloudTrailEvent":{inner}}}],"NextToken":"abc"}}"#
        );
        assert_eq!(names(&text), ["A"]);
    }

    #[test]
    fn unknown_fields_are_kept_with_their_path() {
        let text = r#"{"eventTime":"2024-01-01T00:00:00Z","eventSource":"s","eventName":"A","newTopLevel":{"x":1},
            "userIdentity":{"type":"IAMUser","identityProvider":"p","sessionContext":{"sessionIssuer":{"type":"Role","extraIssuer":1}}}}"#;
        let mut sink = Names::default();
        decode_str(text, &mut sink).unwrap();
        let mut extras = sink.extras[0].clone();
        extras.sort();
        assert_eq!(
            extras,
            [
                "newTopLevel",
                "userIdentity.identityProvider",
                "userIdentity.sessionContext.sessionIssuer.extraIssuer"
            ]
        );
    }

    #[test]
    fn scalar_types_are_lenient() {
        let text = r#"{"eventTime":"2024-01-01T00:00:00Z","eventSource":"s","eventName":"A","readOnly":"true","managementEvent":false,"apiVersion":20150331}"#;
        assert_eq!(names(text), ["A"]);
    }

    #[test]
    fn invalid_json_names_the_record_and_position() {
        let mut sink = Names::default();
        let err = decode_str(
            &format!("{{\"Records\":[{A},{B},{{\"eventName\":}}]}}"),
            &mut sink,
        )
        .unwrap_err();
        match err {
            DecodeError::Json {
                record,
                line,
                column,
                ..
            } => {
                assert_eq!(record, 3);
                assert_eq!(line, 1);
                assert!(column > 200, "{column}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn truncated_json_is_an_error() {
        let text = format!(r#"{{"Records":[{A},{B}"#);
        let mut sink = Names::default();
        assert!(matches!(
            decode_str(&text, &mut sink),
            Err(DecodeError::Json { record: 3, .. })
        ));
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn gzip_and_multi_member_gzip() {
        let one = gzip(format!(r#"{{"Records":[{A}]}}"#).as_bytes());
        let mut sink = Names::default();
        decode_object(&one, &mut Vec::new(), &mut sink).unwrap();
        assert_eq!(sink.names, ["A"]);
        // Two gzip members of NDJSON concatenated, as some log shippers write.
        let mut two = gzip(format!("{A}\n").as_bytes());
        two.extend(gzip(format!("{B}\n").as_bytes()));
        let mut sink = Names::default();
        decode_object(&two, &mut Vec::new(), &mut sink).unwrap();
        assert_eq!(sink.names, ["A", "B"]);
    }

    #[test]
    fn truncated_gzip_is_an_error() {
        let data = gzip(format!(r#"{{"Records":[{A},{B}]}}"#).repeat(50).as_bytes());
        let cut = &data[..data.len() / 2];
        let mut sink = Names::default();
        assert!(matches!(
            decode_object(cut, &mut Vec::new(), &mut sink),
            Err(DecodeError::Gzip { .. })
        ));
    }

    #[test]
    fn not_utf8_is_an_error() {
        let mut sink = Names::default();
        assert!(matches!(
            decode_object(b"[\xff\xfe]", &mut Vec::new(), &mut sink),
            Err(DecodeError::Utf8 { offset: 1 })
        ));
    }

    #[test]
    fn a_bom_is_ignored() {
        assert_eq!(names(&format!("\u{feff}[{A}]")), ["A"]);
    }

    #[test]
    fn wrong_top_level_type_is_an_error() {
        let mut sink = Names::default();
        assert!(decode_str("42", &mut sink).is_err());
        assert!(decode_str("\"text\"", &mut sink).is_err());
    }
}
