//! How deeply JSON read from users may nest: one scan of the text, before any parser
//! recurses or builds a tree, that stops at the first value nested too deep and names it
//! by its JSON path.
//!
//! A legitimate IAM policy is a few levels deep (document, statement list, statement,
//! condition operator, key, value list); the AWS outputs trailcut reads add a few more
//! around it. Hostile input nested tens of thousands deep would otherwise overflow the
//! stack of a recursive reader or cost gigabytes in the trees it builds. The scan keeps
//! one small frame per level up to the limit and nothing else: it does not validate the
//! JSON (the parser that follows does), it only counts brackets outside strings.
//!
//! Used by the policy reader (`policy::json`) and by the readers of authorization
//! details, Organizations outputs and last-accessed reports. The CloudTrail record
//! decoder (`ingest::decode`) has its own bounds.

/// The deepest nesting trailcut reads: far beyond any policy or AWS output, far below
/// what a recursive reader's stack can take.
pub const MAX_DEPTH: usize = 64;

/// A value nested deeper than the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: nested deeper than {limit} levels")]
pub struct TooDeep {
    /// The JSON path of the first object or array past the limit (`$.a.b[0]`).
    pub path: String,
    /// The limit it went past.
    pub limit: usize,
}

/// One open object or array on the way to the current position.
enum Frame {
    /// An object: the byte range of its current key (quotes excluded), and whether the
    /// next string read is a key.
    Object {
        key: Option<(usize, usize)>,
        awaiting_key: bool,
    },
    /// An array, at its current index.
    Array { index: usize },
}

/// `bytes` as a JSON tree, after [`check`] against [`MAX_DEPTH`]: the one way the readers
/// of AWS outputs parse a file. The error says what is wrong and where (line and column).
pub fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, String> {
    check(bytes, MAX_DEPTH).map_err(|e| e.to_string())?;
    serde_json::from_slice(bytes)
        .map_err(|e| format!("not JSON (line {}, column {}): {e}", e.line(), e.column()))
}

/// Checks that no object or array of `text` is nested more than `limit` levels deep (the
/// top-level value is level 1). Text that is not JSON passes or fails by its brackets;
/// its syntax is the parser's to judge.
pub fn check(text: &[u8], limit: usize) -> Result<(), TooDeep> {
    let mut frames: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'"' => {
                let start = i + 1;
                let end = string_end(text, start);
                if let Some(Frame::Object { key, awaiting_key }) = frames.last_mut()
                    && *awaiting_key
                {
                    *key = Some((start, end));
                    *awaiting_key = false;
                }
                // Past the closing quote (or the end of an unterminated string).
                i = end + 1;
                continue;
            }
            open @ (b'{' | b'[') => {
                if frames.len() >= limit {
                    return Err(TooDeep {
                        path: render(text, &frames),
                        limit,
                    });
                }
                frames.push(if open == b'{' {
                    Frame::Object {
                        key: None,
                        awaiting_key: true,
                    }
                } else {
                    Frame::Array { index: 0 }
                });
            }
            b'}' | b']' => {
                frames.pop();
            }
            b',' => match frames.last_mut() {
                Some(Frame::Object { awaiting_key, .. }) => *awaiting_key = true,
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The index of the quote closing a string whose contents start at `start` (the text's
/// length when it is unterminated).
fn string_end(text: &[u8], start: usize) -> usize {
    let mut i = start;
    while let Some(offset) = memchr::memchr2(b'"', b'\\', &text[i..]) {
        let at = i + offset;
        if text[at] == b'"' {
            return at;
        }
        // A backslash escapes the next byte (for `\u`, the four hex digits that follow
        // are no quote or backslash anyway).
        i = at + 2;
        if i >= text.len() {
            break;
        }
    }
    text.len()
}

/// The JSON path of the current position: `$`, then `.Key`, `["odd key"]` or `[3]` per level.
fn render(text: &[u8], frames: &[Frame]) -> String {
    let mut out = String::from("$");
    for frame in frames {
        match frame {
            Frame::Object {
                key: Some((start, end)),
                ..
            } => {
                let raw = &text[*start - 1..(*end + 1).min(text.len())];
                let key = serde_json::from_slice::<String>(raw)
                    .unwrap_or_else(|_| String::from_utf8_lossy(&text[*start..*end]).into_owned());
                push_key(&mut out, &key);
            }
            // An object entered before its first key: not valid JSON, nothing to name.
            Frame::Object { key: None, .. } => {}
            Frame::Array { index } => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

/// Appends one key to a JSON path: `.Key` when it is an identifier, else `["key"]` with
/// the key as a JSON string (`["aws:SourceIp"]`).
pub fn push_key(path: &mut String, key: &str) {
    let mut chars = key.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if identifier {
        path.push('.');
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&serde_json::Value::String(key.to_owned()).to_string());
        path.push(']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deep(levels: usize) -> String {
        format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
    }

    #[test]
    fn counts_levels_from_the_top_value() {
        assert_eq!(check(deep(3).as_bytes(), 3), Ok(()));
        assert_eq!(
            check(deep(4).as_bytes(), 3),
            Err(TooDeep {
                path: "$[0][0][0]".to_owned(),
                limit: 3
            })
        );
        assert_eq!(check(b"1", 0), Ok(()));
        assert!(check(b"{}", 0).is_err());
        // Siblings do not add up: depth is per path.
        assert_eq!(check(b"[[1],[2],{\"a\":[3]}]", 3), Ok(()));
    }

    #[test]
    fn names_the_path_with_keys_and_indices() {
        let text = r#"{"Statement": [{"Effect": "Allow"}, {"Condition": {"StringEquals": {"aws:x": [[1]]}}}]}"#;
        let err = check(text.as_bytes(), 6).unwrap_err();
        assert_eq!(
            err.path,
            r#"$.Statement[1].Condition.StringEquals["aws:x"][0]"#
        );
        assert_eq!(
            err.to_string(),
            r#"$.Statement[1].Condition.StringEquals["aws:x"][0]: nested deeper than 6 levels"#
        );
        assert_eq!(check(text.as_bytes(), 7), Ok(()));
    }

    #[test]
    fn brackets_and_quotes_inside_strings_do_not_count() {
        let text = r#"{"a\"[{": "[[[[{{{{\\", "b": ["]]]", "\\\"[["]}"#;
        assert_eq!(check(text.as_bytes(), 2), Ok(()));
        let err = check(br#"{"k\"ey": {"x": 1}}"#, 1).unwrap_err();
        assert_eq!(err.path, r#"$["k\"ey"]"#);
    }

    #[test]
    fn a_hundred_thousand_levels_stop_at_the_limit() {
        let text = deep(100_000);
        let err = check(text.as_bytes(), MAX_DEPTH).unwrap_err();
        assert_eq!(err.path, format!("${}", "[0]".repeat(MAX_DEPTH)));
        let objects = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
        let err = check(objects.as_bytes(), MAX_DEPTH).unwrap_err();
        assert_eq!(err.path, format!("${}", ".a".repeat(MAX_DEPTH)));
    }

    #[test]
    fn malformed_text_does_not_panic() {
        for text in [
            "\"", "\"\\", "{\"", "{\"a", "]]]}}", "{,,[", "{\"a\\", "[\"\\u12", "{{{",
        ] {
            let _ = check(text.as_bytes(), 2);
        }
        assert!(check(b"{{{", 2).is_err());
    }

    #[test]
    fn keys_are_rendered_as_identifiers_or_quoted() {
        let mut path = String::from("$");
        push_key(&mut path, "Statement");
        push_key(&mut path, "aws:SourceIp");
        push_key(&mut path, "");
        push_key(&mut path, "1a");
        assert_eq!(path, r#"$.Statement["aws:SourceIp"][""]["1a"]"#);
    }
}
