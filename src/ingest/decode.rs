//! Turns the bytes of one source object into CloudTrail records, whatever the shape.
//!
//! Shapes: `{"Records":[...]}` (CloudTrail's S3 delivery), a bare JSON array, NDJSON (one
//! object per line), EventBridge envelopes (the record in `detail`) and LookupEvents output
//! (`Events[].CloudTrailEvent`, the record as a JSON string), gzipped or not. The JSON is
//! parsed once: each record is handed to a [`RecordSink`] as soon as it is read, borrowed
//! from the decompressed buffer. This module knows nothing of Arrow or of the store.
//!
//! One bad record costs one record. When a record's content does not decode (a field of
//! the wrong type, bytes that are not UTF-8, nesting past the limit) the one pass stops,
//! and the document is read again item by item ([`RecoverSeed`]): records already handed
//! over are passed by, each further record is decoded on its own, and one that fails is
//! handed to the sink as rejected, with why. Only files with such a record pay for the
//! second reading. Malformed JSON (a truncated file) still fails the whole object, as do
//! objects that hold no records at all.

use std::cell::RefCell;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::gunzip::{Gunzip, GunzipError, OutputBuffer};
use super::record::{CloudTrailRecord, Text};

/// Receives records in file order.
pub trait RecordSink {
    /// Takes one record. Validation failures are the sink's to record; they do not stop
    /// the file.
    fn push(&mut self, record: CloudTrailRecord<'_>);
    /// Takes note of a record that could not be decoded, with why; it counts as seen.
    fn reject(&mut self, message: String);
    /// How many records the sink has been given so far (valid or not, rejected included).
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
    /// The object decompresses to more than one object may take.
    #[error(
        "decompresses to more than {} MiB, the most one file may take (a quarter of --memory-mib)",
        limit >> 20
    )]
    TooLarge { limit: usize },
    /// The content is not UTF-8 and not JSON either.
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
    /// Valid JSON that holds no records (a number, a string).
    #[error("not CloudTrail records: {message}")]
    NotRecords { message: String },
}

/// A malformed line of an NDJSON file: the line is skipped, the rest of the file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number.
    pub line: usize,
    /// serde_json's message, without the position.
    pub message: String,
}

/// How deep containers of records (`Records`, `Events`, `detail`, arrays, `CloudTrailEvent`
/// strings) may nest. Real shapes use three at most; the limit keeps hostile nesting from
/// recursing through the decoder.
pub const MAX_NESTING: usize = 8;

/// True when `bytes` start with the gzip magic number.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
}

/// Decompresses gzip `bytes` into `out` (emptied first), reusing its allocation; returns
/// `false`, leaving `out` empty, when `bytes` are not gzip.
pub fn decompress_into(bytes: &[u8], out: &mut dyn OutputBuffer) -> Result<bool, GunzipError> {
    thread_local! {
        static GUNZIP: RefCell<Gunzip> = RefCell::new(Gunzip::new());
    }
    out.bytes().clear();
    if !is_gzip(bytes) {
        return Ok(false);
    }
    GUNZIP.with_borrow_mut(|gunzip| gunzip.decompress(bytes, out))?;
    Ok(true)
}

/// Decodes one source object (gzipped or plain JSON) into `sink`.
///
/// `out` holds the decompressed text, keeps its allocation for the next object and bounds
/// how large that text may be. NDJSON lines that are not JSON are skipped and returned;
/// records that do not decode are rejected to the sink; malformed JSON fails the whole
/// object, because a partly read CloudTrail file is not a trustworthy account of its
/// events (and, not recorded, it is read again on the next run).
pub fn decode_object(
    bytes: &[u8],
    out: &mut dyn OutputBuffer,
    sink: &mut dyn RecordSink,
) -> Result<DecodedObject, DecodeError> {
    let gzipped = decompress_into(bytes, out).map_err(|e| match e {
        GunzipError::TooLarge { limit } => DecodeError::TooLarge { limit },
        source => DecodeError::Gzip { source },
    })?;
    let (json_bytes, skipped_lines) = if gzipped {
        let text = out.bytes();
        (text.len(), decode_bytes(text, sink)?)
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        (bytes.len(), decode_text(text, Invalid::NONE, sink)?)
    } else {
        // Made valid in a copy, within the same bound as decompressed text.
        if bytes.len() > out.limit() {
            return Err(DecodeError::TooLarge { limit: out.limit() });
        }
        out.make_room(bytes.len());
        out.bytes().extend_from_slice(bytes);
        (bytes.len(), decode_bytes(out.bytes(), sink)?)
    };
    Ok(DecodedObject {
        json_bytes: json_bytes as u64,
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
    decode_text(text, Invalid::NONE, sink)
}

/// Decodes text that may hold bytes that are not UTF-8: they are replaced by `?` in place
/// (which keeps every offset) and the records holding them are rejected.
fn decode_bytes(text: &mut [u8], sink: &mut dyn RecordSink) -> Result<Vec<LineError>, DecodeError> {
    if let Ok(text) = std::str::from_utf8(text) {
        return decode_text(text, Invalid::NONE, sink);
    }
    let mut spans = Vec::new();
    let mut offset = 0;
    for chunk in text.utf8_chunks() {
        let start = offset + chunk.valid().len();
        offset = start + chunk.invalid().len();
        if offset > start {
            spans.push(start..offset);
        }
    }
    for span in &spans {
        text[span.clone()].fill(b'?');
    }
    let at: Vec<usize> = spans.iter().map(|span| span.start).collect();
    let text = std::str::from_utf8(text).map_err(|e| DecodeError::Utf8 {
        offset: e.valid_up_to(),
    })?;
    decode_text(text, Invalid { text, at: &at }, sink)
}

/// The offsets of the bytes of a text that were not UTF-8 (each now `?`).
#[derive(Clone, Copy)]
struct Invalid<'t> {
    text: &'t str,
    at: &'t [usize],
}

impl Invalid<'_> {
    const NONE: Invalid<'static> = Invalid { text: "", at: &[] };

    /// The first invalid byte inside `part`, when `part` is a slice of the text.
    fn within(&self, part: &str) -> Option<usize> {
        if self.at.is_empty() {
            return None;
        }
        let start = (part.as_ptr() as usize).checked_sub(self.text.as_ptr() as usize)?;
        if start + part.len() > self.text.len() {
            return None;
        }
        let first = self.at.partition_point(|&a| a < start);
        self.at
            .get(first)
            .copied()
            .filter(|&a| a < start + part.len())
    }
}

fn decode_text(
    text: &str,
    invalid: Invalid<'_>,
    sink: &mut dyn RecordSink,
) -> Result<Vec<LineError>, DecodeError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if looks_like_ndjson(text) {
        return Ok(decode_ndjson(text, invalid, sink));
    }
    // Only an object or an array can hold records: anything else fails the file.
    let holds_records = matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['));
    decode_document(text, invalid, sink, holds_records).map_err(|e| {
        if e.is_data() {
            DecodeError::NotRecords {
                message: strip_position(&e.to_string()),
            }
        } else if let Some(&offset) = invalid.at.first() {
            DecodeError::Utf8 { offset }
        } else {
            json_error(&e, sink.seen() + 1)
        }
    })?;
    Ok(Vec::new())
}

/// Decodes one JSON document: in one pass, or, when a record in it does not decode (and
/// `recover` allows), item by item.
fn decode_document(
    text: &str,
    invalid: Invalid<'_>,
    sink: &mut dyn RecordSink,
    recover: bool,
) -> Result<(), serde_json::Error> {
    let mut skip = 0;
    if invalid.within(text).is_none() {
        let before = sink.seen();
        let mut de = serde_json::Deserializer::from_str(text);
        let result = ItemSeed {
            sink: &mut *sink,
            depth: 0,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end());
        match result {
            Ok(()) => return Ok(()),
            Err(e) if !recover || !e.is_data() => return Err(e),
            Err(_) => skip = sink.seen() - before,
        }
    }
    let mut recovery = Recovery {
        sink,
        skip,
        invalid,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    RecoverSeed {
        recovery: &mut recovery,
        depth: 0,
    }
    .deserialize(&mut de)?;
    de.end()
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

fn decode_ndjson(text: &str, invalid: Invalid<'_>, sink: &mut dyn RecordSink) -> Vec<LineError> {
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if let Err(e) = decode_document(line, invalid, sink, true) {
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

/// What a key says about the object it is in.
enum Key {
    /// Its value holds records: `Records` (CloudTrail's delivery file), `Events`
    /// (LookupEvents), `detail` (an EventBridge envelope).
    Holds,
    /// Its value is a record as a JSON document inside a string: LookupEvents'
    /// `CloudTrailEvent`.
    Embeds,
    /// A field of the record the object is, unless another key makes it a container.
    Field,
}

impl Key {
    fn of(key: &str) -> Self {
        match key {
            "Records" | "Events" | "detail" => Key::Holds,
            "CloudTrailEvent" => Key::Embeds,
            _ => Key::Field,
        }
    }
}

/// Reads one JSON value that is a record, a container of records, or an array of either,
/// pushing every record it finds to the sink. Stops at the first record that does not
/// decode.
struct ItemSeed<'s> {
    sink: &'s mut dyn RecordSink,
    /// Containers around this value.
    depth: usize,
}

impl ItemSeed<'_> {
    fn inner(&mut self) -> ItemSeed<'_> {
        ItemSeed {
            sink: &mut *self.sink,
            depth: self.depth + 1,
        }
    }
}

impl<'de> DeserializeSeed<'de> for ItemSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.depth > MAX_NESTING {
            return Err(de::Error::custom(too_deep()));
        }
        d.deserialize_any(self)
    }
}

fn too_deep() -> String {
    format!("records nested in more than {MAX_NESTING} containers")
}

const EXPECTING: &str =
    "a CloudTrail record, an object holding `Records`, `Events` or `detail`, or an array of them";

impl<'de> Visitor<'de> for ItemSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(EXPECTING)
    }

    // `"Records": null` holds no records.
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(self.inner())?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut record = CloudTrailRecord::default();
        // Set when the object turned out to hold records rather than be one.
        let mut container = false;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match Key::of(key.as_str()) {
                Key::Holds => {
                    map.next_value_seed(self.inner())?;
                    container = true;
                }
                Key::Embeds => {
                    let inner: Text<'de> = map.next_value()?;
                    let mut de = serde_json::Deserializer::from_str(inner.as_str());
                    self.inner()
                        .deserialize(&mut de)
                        .and_then(|()| de.end())
                        .map_err(|e| de::Error::custom(format!("in `CloudTrailEvent`: {e}")))?;
                    container = true;
                }
                Key::Field => {
                    if !record.read_field(key.as_str(), &mut map)? {
                        record.read_extra(key, &mut map)?;
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

/// A sink for a second reading: passes by the records the first one handed over, and
/// knows where the text was not UTF-8.
struct Recovery<'s, 't> {
    sink: &'s mut dyn RecordSink,
    /// Records the first reading pushed before it stopped.
    skip: u64,
    invalid: Invalid<'t>,
}

impl Recovery<'_, '_> {
    fn push(&mut self, record: CloudTrailRecord<'_>) {
        if self.skip > 0 {
            self.skip -= 1;
        } else {
            self.sink.push(record);
        }
    }

    fn reject(&mut self, message: String) {
        self.sink.reject(message);
    }
}

/// Reads one JSON value like [`ItemSeed`], but decodes each record on its own from its
/// fields kept raw: a record that fails is rejected and the reading goes on. Only
/// malformed JSON stops it.
struct RecoverSeed<'r, 's, 't> {
    recovery: &'r mut Recovery<'s, 't>,
    depth: usize,
}

impl<'s, 't> RecoverSeed<'_, 's, 't> {
    fn inner(&mut self) -> RecoverSeed<'_, 's, 't> {
        RecoverSeed {
            recovery: &mut *self.recovery,
            depth: self.depth + 1,
        }
    }

    fn not_a_record<E>(self, found: de::Unexpected<'_>) -> Result<(), E> {
        self.recovery
            .reject(format!("expected a CloudTrail record, found {found}"));
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for RecoverSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.depth > MAX_NESTING {
            d.deserialize_ignored_any(IgnoredAny)?;
            self.recovery.reject(too_deep());
            return Ok(());
        }
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecoverSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(EXPECTING)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.not_a_record(de::Unexpected::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.not_a_record(de::Unexpected::Signed(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.not_a_record(de::Unexpected::Unsigned(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.not_a_record(de::Unexpected::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.not_a_record(de::Unexpected::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(self.inner())?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        // The fields of a record, kept raw until the object turns out not to be a container.
        let mut fields: Vec<(Text<'de>, &'de RawValue)> = Vec::new();
        let mut container = false;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match Key::of(key.as_str()) {
                Key::Holds => {
                    map.next_value_seed(self.inner())?;
                    container = true;
                }
                Key::Embeds => {
                    let raw: &'de RawValue = map.next_value()?;
                    self.inner().embedded(raw);
                    container = true;
                }
                Key::Field => fields.push((key, map.next_value()?)),
            }
        }
        if !container {
            self.record(&fields);
        }
        Ok(())
    }
}

impl RecoverSeed<'_, '_, '_> {
    /// Decodes a record from its raw fields, or rejects it with why.
    fn record(self, fields: &[(Text<'_>, &RawValue)]) {
        let invalid = fields.iter().find_map(|(key, value)| {
            (self.recovery.invalid.within(key.as_str()))
                .or_else(|| self.recovery.invalid.within(value.get()))
        });
        if let Some(offset) = invalid {
            self.recovery
                .reject(format!("not UTF-8 text at byte {offset}"));
            return;
        }
        let map = de::value::MapDeserializer::<_, serde_json::Error>::new(
            fields.iter().map(|(key, value)| (key.as_str(), *value)),
        );
        match CloudTrailRecord::deserialize(map) {
            Ok(record) => self.recovery.push(record),
            Err(e) => self.recovery.reject(strip_position(&e.to_string())),
        }
    }

    /// A LookupEvents `CloudTrailEvent`: a JSON document inside a string, read on its own.
    fn embedded(self, raw: &RawValue) {
        if let Some(offset) = self.recovery.invalid.within(raw.get()) {
            self.recovery
                .reject(format!("not UTF-8 text at byte {offset}"));
            return;
        }
        let inner = match serde_json::from_str::<Text<'_>>(raw.get()) {
            Ok(inner) => inner,
            Err(e) => {
                let message = strip_position(&e.to_string());
                self.recovery
                    .reject(format!("`CloudTrailEvent`: {message}"));
                return;
            }
        };
        let mut de = serde_json::Deserializer::from_str(inner.as_str());
        let read = RecoverSeed {
            recovery: &mut *self.recovery,
            depth: self.depth,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end());
        if let Err(e) = read {
            let message = strip_position(&e.to_string());
            self.recovery
                .reject(format!("`CloudTrailEvent` is not JSON: {message}"));
        }
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
        /// Rejected records: position and why.
        rejected: Vec<(u64, String)>,
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
        fn reject(&mut self, message: String) {
            self.seen += 1;
            self.rejected.push((self.seen, message));
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
        let text = r#"{"eventTime":"2024-01-01T00:00:00Z","eventSource":"s","eventName":"A","newTopLevel":{"x":1},"nullField":null,
            "userIdentity":{"type":"IAMUser","identityProvider":"p","sessionContext":{"sessionIssuer":{"type":"Role","extraIssuer":1}}}}"#;
        let mut sink = Names::default();
        decode_str(text, &mut sink).unwrap();
        let mut extras = sink.extras[0].clone();
        extras.sort();
        assert_eq!(
            extras,
            [
                "newTopLevel",
                "nullField",
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
    fn not_utf8_and_not_json_is_an_error() {
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

    /// Decodes `text` that must not fail as a whole: the names read and the records rejected.
    fn read(text: &str) -> (Vec<String>, Vec<(u64, String)>) {
        let mut sink = Names::default();
        let skipped = decode_str(text, &mut sink).unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        (sink.names, sink.rejected)
    }

    /// A record like `B` whose `tlsDetails` is a list, as one producer writes it.
    const BAD_TLS: &str = r#"{"eventTime":"2024-01-01T00:00:02Z","eventSource":"s3.amazonaws.com","eventName":"X","tlsDetails":["TLSv1.3"]}"#;
    /// A record whose `userIdentity` is a string.
    const BAD_IDENTITY: &str = r#"{"eventTime":"2024-01-01T00:00:02Z","eventSource":"s3.amazonaws.com","eventName":"X","userIdentity":"AIDAEXAMPLE"}"#;

    #[test]
    fn a_record_of_the_wrong_type_costs_only_itself_in_every_shape() {
        let envelope = |record: &str| {
            format!(
                r#"{{"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","detail":{record}}}"#
            )
        };
        let lookup = |record: &str| {
            let inner = serde_json::to_string(record).unwrap();
            format!(r#"{{"EventId":"1","EventName":"X","CloudTrailEvent":{inner}}}"#)
        };
        for bad in [BAD_TLS, BAD_IDENTITY] {
            let shapes = [
                format!(r#"{{"Records":[{A},{bad},{B}]}}"#),
                format!("[\n  {A},\n  {bad},\n  {B}\n]\n"),
                format!("{A}\n{bad}\n{B}\n"),
                format!("{}\n{}\n{}\n", envelope(A), envelope(bad), envelope(B)),
                format!("[{},{},{}]", envelope(A), envelope(bad), envelope(B)),
                format!(
                    r#"{{"Events":[{},{},{}],"NextToken":"t"}}"#,
                    lookup(A),
                    lookup(bad),
                    lookup(B)
                ),
                format!(r#"[{{"Records":[{A}]}},{{"Records":[{bad},{B}]}}]"#),
            ];
            for text in shapes {
                let (names, rejected) = read(&text);
                assert_eq!(names, ["A", "B"], "{text}");
                assert_eq!(rejected.len(), 1, "{text}: {rejected:?}");
                assert_eq!(rejected[0].0, 2, "{text}");
                let field = if bad == BAD_TLS {
                    "invalid type: sequence, expected an object at `tlsDetails`"
                } else {
                    "invalid type: string \"AIDAEXAMPLE\", expected an object at `userIdentity`"
                };
                assert_eq!(rejected[0].1, field, "{text}");
            }
        }
    }

    #[test]
    fn a_nested_field_of_the_wrong_type_is_named_by_its_path() {
        let bad = r#"{"eventName":"X","userIdentity":{"type":"IAMUser","sessionContext":{"sessionIssuer":{"arn":{"x":1}}}}}"#;
        let (names, rejected) = read(&format!(r#"{{"Records":[{bad},{A}]}}"#));
        assert_eq!(names, ["A"]);
        assert_eq!(
            rejected,
            [(
                1,
                "invalid type: map, expected a string, number or boolean at \
                 `userIdentity.sessionContext.sessionIssuer.arn`"
                    .to_owned()
            )]
        );
        let (_, rejected) = read(&format!(r#"[{A},{{"eventName":"X","readOnly":"maybe"}}]"#));
        assert_eq!(rejected[0].0, 2);
        assert!(rejected[0].1.ends_with("at `readOnly`"), "{rejected:?}");
    }

    #[test]
    fn real_records_with_one_broken_keep_the_others() {
        let fixture = include_str!(
            "../../tests/fixtures/stratus/aws.credential-access.ec2-get-password-data.json"
        );
        let mut records: Vec<serde_json::Value> = serde_json::from_str(fixture).unwrap();
        let total = records.len();
        records[4]["tlsDetails"] = serde_json::json!(["TLSv1.2"]);
        records[20]["userIdentity"] = serde_json::json!("AIDAEXAMPLE");
        let text = serde_json::json!({ "Records": records }).to_string();
        let gzipped = gzip(text.as_bytes());
        let mut sink = Names::default();
        decode_object(&gzipped, &mut Vec::new(), &mut sink).unwrap();
        assert_eq!(sink.names.len(), total - 2);
        assert_eq!(sink.seen, total as u64);
        let positions: Vec<u64> = sink.rejected.iter().map(|(at, _)| *at).collect();
        assert_eq!(positions, [5, 21]);
    }

    #[test]
    fn bytes_that_are_not_utf8_cost_their_record() {
        let mut text =
            format!(r#"{{"Records":[{A},{{"eventName":"X","userAgent":"caf"#).into_bytes();
        let offset = text.len();
        text.extend(b"\xe9 \xff\"},");
        text.extend(format!("{B}]}}").as_bytes());
        for bytes in [text.clone(), gzip(&text)] {
            let mut sink = Names::default();
            let decoded = decode_object(&bytes, &mut Vec::new(), &mut sink).unwrap();
            assert_eq!(decoded.json_bytes, text.len() as u64);
            assert_eq!(sink.names, ["A", "B"]);
            assert_eq!(
                sink.rejected,
                [(2, format!("not UTF-8 text at byte {offset}"))]
            );
        }
        // In NDJSON, and inside a LookupEvents record's string.
        let mut ndjson = format!("{A}\n").into_bytes();
        ndjson.extend(b"{\"eventName\":\"\xc3\"}\n");
        ndjson.extend(format!("{B}\n").as_bytes());
        let mut sink = Names::default();
        decode_object(&ndjson, &mut Vec::new(), &mut sink).unwrap();
        assert_eq!(sink.names, ["A", "B"]);
        assert_eq!(sink.rejected.len(), 1);
        let mut lookup = br#"{"Events":[{"CloudTrailEvent":"{\"eventName\":\"Y"#.to_vec();
        lookup.extend(b"\xff");
        lookup.extend(br#"\"}"},"#);
        lookup.extend(
            format!(
                r#"{{"CloudTrailEvent":{}}}]}}"#,
                serde_json::to_string(A).unwrap()
            )
            .as_bytes(),
        );
        let mut sink = Names::default();
        decode_object(&lookup, &mut Vec::new(), &mut sink).unwrap();
        assert_eq!(sink.names, ["A"]);
        assert_eq!(sink.rejected.len(), 1);
        assert_eq!(sink.rejected[0].0, 1);
    }

    #[test]
    fn invalid_json_after_a_bad_record_still_fails_the_file() {
        // The bad record is read past; the break is reported at the record it is in.
        let text = format!(r#"{{"Records":[{A},{BAD_TLS},{B},{{"eventName":"#);
        let mut sink = Names::default();
        match decode_str(&text, &mut sink) {
            Err(DecodeError::Json { record, .. }) => assert_eq!(record, 4),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn deep_nesting_is_refused_per_record_without_recursion() {
        let deep =
            |open: &str, close: &str, n: usize| format!("{}1{}", open.repeat(n), close.repeat(n));
        let cases = [
            (
                format!(
                    r#"{{"eventName":"X","requestParameters":{}}}"#,
                    deep("[", "]", 50_000)
                ),
                "nested more than 100 levels deep at `requestParameters`",
            ),
            (
                format!(
                    r#"{{"eventName":"X","newField":{}}}"#,
                    deep("{\"a\":", "}", 50_000)
                ),
                "nested more than 100 levels deep at `newField`",
            ),
            (
                format!(
                    r#"{{"eventName":"X","userIdentity":{{"x":{}}}}}"#,
                    deep("[", "]", 101)
                ),
                "nested more than 100 levels deep at `userIdentity.x`",
            ),
            (
                format!(
                    r#"{{"eventName":"X","resources":{}}}"#,
                    deep("[", "]", 50_000)
                ),
                "nested more than 100 levels deep at `resources`",
            ),
        ];
        for (record, message) in &cases {
            let (names, rejected) = read(&format!(r#"{{"Records":[{A},{record},{B}]}}"#));
            assert_eq!(names, ["A", "B"]);
            assert_eq!(rejected, [(2, (*message).to_owned())]);
        }
        // Exactly at the limit is kept.
        let (names, _) = read(&format!(
            r#"[{{"eventName":"X","requestParameters":{}}}]"#,
            deep("[", "]", 100)
        ));
        assert_eq!(names, ["X"]);
        // Records inside containers nested without end: one item, rejected.
        let (names, rejected) = read(&format!("[{A},{}]", deep("[", "]", 100_000)));
        assert_eq!(names, ["A"]);
        assert_eq!(
            rejected,
            [(
                2,
                format!("records nested in more than {MAX_NESTING} containers")
            )]
        );
        let mut sink = Names::default();
        let text = format!(r#"{{"Records":{}}}"#, deep("{\"Records\":", "}", 100_000));
        decode_str(&text, &mut sink).unwrap();
        assert_eq!(sink.rejected.len(), 1);
    }

    #[test]
    fn not_records_is_an_error_of_the_file() {
        let mut sink = Names::default();
        assert!(matches!(
            decode_str("42", &mut sink),
            Err(DecodeError::NotRecords { .. })
        ));
        // Inside a container, a value that is no record costs one record.
        let (names, rejected) = read(&format!(r#"{{"Records":[42,{A}]}}"#));
        assert_eq!(names, ["A"]);
        assert_eq!(
            rejected,
            [(
                1,
                "expected a CloudTrail record, found integer `42`".to_owned()
            )]
        );
    }

    #[test]
    fn wrong_top_level_type_is_an_error() {
        let mut sink = Names::default();
        assert!(decode_str("42", &mut sink).is_err());
        assert!(decode_str("\"text\"", &mut sink).is_err());
    }
}
