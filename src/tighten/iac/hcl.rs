//! HCL text from untrusted values: the one quoting function for Terraform strings
//! ([`hcl_string`]), documents as heredocs ([`json_heredoc`]), and resource labels
//! ([`Labels`]). Nothing else in `terraform.rs` writes a value into HCL; comments go through
//! `script::comment`, as in the shell scripts.
//!
//! The rules are HCL's native syntax (hashicorp/hcl, `hclsyntax/spec.md` "Template
//! Expressions" and the scanner `hclsyntax/scan_tokens.rl`):
//! - in a quoted string, `\` starts an escape (`\\`, `\"`, `\n`, `\r`, `\t`, `\uNNNN`), and
//!   `${` and `%{` start an interpolation or a directive, written literally as `$${` and
//!   `%%{`; a raw newline ends the string with an error;
//! - in a heredoc, backslashes are literal and only `${` and `%{` need escaping; the
//!   heredoc ends at the first line that is its marker, spaces around it ignored.
//!
//! So IAM policy variables (`${aws:username}`) come out as `$${aws:username}`, and
//! Terraform writes `${aws:username}` into the policy.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::super::script::deceptive;

/// `text` as one HCL quoted string that Terraform reads as `text`, character for
/// character: `\` and `"` escaped, newline, carriage return and tab as `\n`, `\r`, `\t`,
/// every other control character, line separator and bidirectional control as `\uNNNN`
/// (so a name cannot end the string, break the line or read differently from what it
/// holds), and `${`, `%{` as `$${`, `%%{` (so nothing in it is interpolated).
pub fn hcl_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if deceptive(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// JSON text with every deceptive character (control characters other than the newline
/// between lines, line separators, bidirectional controls) written as a JSON `\uNNNN`
/// escape: the same JSON value, and a text that reads as what it holds. Valid for text
/// from trailcut's JSON writers, where such characters occur only inside strings (the
/// writers escape the controls below U+0020 there themselves).
pub fn plain_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c != '\n' && deceptive(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// A JSON document (pretty text, one member or item per line, as trailcut writes it to
/// `policies/*.json`) as an HCL heredoc whose value is `json` and a final newline: the
/// introducer `<<-MARKER`, each line indented by `indent + 2` spaces (`<<-` takes the
/// common indentation off again), the marker on a line of its own at `indent`.
/// `${` and `%{` are escaped as in [`hcl_string`] (backslashes are literal in a heredoc),
/// deceptive characters as by [`plain_json`], and the marker is `EOT` unless a line of the
/// body is `EOT` (spaces aside), then the first of `EOT_1`, `EOT_2`, ... that none is.
pub fn json_heredoc(json: &str, indent: usize) -> String {
    let lines: Vec<String> = plain_json(json)
        .trim_end_matches('\n')
        .split('\n')
        .map(escape_templates)
        .collect();
    let mut marker = "EOT".to_owned();
    let mut n = 0;
    while lines.iter().any(|l| l.trim() == marker) {
        n += 1;
        marker = format!("EOT_{n}");
    }
    let pad = " ".repeat(indent + 2);
    let mut out = format!("<<-{marker}\n");
    for line in &lines {
        if !line.is_empty() {
            out.push_str(&pad);
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&" ".repeat(indent));
    out.push_str(&marker);
    out
}

/// `${` and `%{` written `$${` and `%%{`, the rest as it is.
fn escape_templates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if matches!(c, '$' | '%') && chars.peek() == Some(&'{') {
            out.push(c);
        }
    }
    out
}

/// Terraform resource labels, unique per resource type within one file: derived from
/// names (`Development_PowerUserAccess-Trailcut`), each character outside
/// `[A-Za-z0-9_-]` written `_`, `_` in front of one that would start with a digit or `-`,
/// and `_2`, `_3`, ... after a label already given for that type. The same names in the
/// same order give the same labels, so a later run's file diffs cleanly against this one.
#[derive(Debug, Default)]
pub struct Labels {
    used: BTreeSet<(String, String)>,
}

impl Labels {
    /// A new label for a resource of `kind` named by `parts` (joined with `_`).
    pub fn label(&mut self, kind: &str, parts: &[&str]) -> String {
        let base = identifier(&parts.join("_"));
        let mut label = base.clone();
        let mut n = 1;
        while !self.used.insert((kind.to_owned(), label.clone())) {
            n += 1;
            label = format!("{base}_{n}");
        }
        label
    }
}

/// `text` as an identifier of the form `[A-Za-z_][A-Za-z0-9_-]*`.
fn identifier(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Names a doctored authorization-details file can hold, that HCL, a shell or a
    /// reader would act on.
    pub const HOSTILE: &[&str] = &[
        "NST$(cd${IFS}..;touch${IFS}pwned)",
        "a`touch pwned`b",
        "it's \"quoted\"\\",
        "x;touch pwned;",
        "line\ntouch pwned\n# ",
        "cr\rtouch pwned\t",
        "${aws:username}%{ if true }x%{ endif }",
        "$${already}%%{escaped}$$${three}",
        "end\\",
        "back\\slash\\\"\u{202e}\u{1b}[2J\u{2028}",
        "\nEOT\n  EOT  \n",
        "--debug",
        "",
    ];

    /// What Terraform reads from a quoted HCL string: the escapes of
    /// `hclsyntax/scan_string_lit.rl` and the template rule that `$${` is `${` and
    /// `%%{` is `%{` (`TemplateNotInterp` in `scan_tokens.rl`: `$` followed by `${` is
    /// literal). Panics on what HCL would refuse: a raw newline, an unescaped `"`, an
    /// interpolation or directive, an unknown escape.
    pub fn read_hcl_string(quoted: &str) -> String {
        let inner = quoted
            .strip_prefix('"')
            .and_then(|q| q.strip_suffix('"'))
            .unwrap_or_else(|| panic!("not quoted: {quoted}"));
        let chars: Vec<char> = inner.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '\\' => {
                    let e = chars[i + 1];
                    i += 2;
                    match e {
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        'u' => {
                            let hex: String = chars[i..i + 4].iter().collect();
                            out.push(
                                char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap(),
                            );
                            i += 4;
                        }
                        other => panic!("unknown escape \\{other} in {quoted}"),
                    }
                }
                '$' | '%' if chars.get(i + 1) == Some(&c) && chars.get(i + 2) == Some(&'{') => {
                    out.push(c);
                    out.push('{');
                    i += 3;
                }
                '$' | '%' if chars.get(i + 1) == Some(&'{') => {
                    panic!("a template sequence at {i} in {quoted}")
                }
                '"' | '\n' | '\r' => panic!("raw {c:?} in {quoted}"),
                c => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        out
    }

    /// What Terraform reads from a `<<-` heredoc (the whole text from `<<-` to the
    /// marker): the lines up to the first that is the marker, the common indentation of
    /// the lines taken off, `$${` and `%%{` as `${` and `%{`, each line ended by a newline.
    pub fn read_heredoc(text: &str) -> String {
        let (intro, body) = text.split_once('\n').unwrap();
        let marker = intro.strip_prefix("<<-").unwrap();
        let mut lines = Vec::new();
        for line in body.split('\n') {
            if line.trim() == marker {
                break;
            }
            lines.push(line);
        }
        let indent = lines
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start_matches(' ').len())
            .min()
            .unwrap_or(0);
        let mut out = String::new();
        for line in lines {
            let line = line.get(indent..).unwrap_or("");
            let chars: Vec<char> = line.chars().collect();
            let mut i = 0;
            while i < chars.len() {
                let c = chars[i];
                if matches!(c, '$' | '%')
                    && chars.get(i + 1) == Some(&c)
                    && chars.get(i + 2) == Some(&'{')
                {
                    out.push(c);
                    out.push('{');
                    i += 3;
                } else if matches!(c, '$' | '%') && chars.get(i + 1) == Some(&'{') {
                    panic!("a template sequence in {line}");
                } else {
                    out.push(c);
                    i += 1;
                }
            }
            out.push('\n');
        }
        out
    }

    #[test]
    fn hcl_strings_read_back_as_the_text_and_interpolate_nothing() {
        for text in HOSTILE {
            let quoted = hcl_string(text);
            assert_eq!(&read_hcl_string(&quoted), text, "{quoted}");
            assert!(!quoted.contains('\n') && !quoted.contains('\r'), "{quoted}");
            assert!(!quoted.chars().any(deceptive), "{quoted}");
        }
        assert_eq!(hcl_string("${aws:username}"), r#""$${aws:username}""#);
        assert_eq!(hcl_string("%{ if x }"), r#""%%{ if x }""#);
        assert_eq!(hcl_string("$${x}"), r#""$$${x}""#);
        assert_eq!(hcl_string("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(hcl_string("\u{202e}\u{7}"), r#""\u202e\u0007""#);
        assert_eq!(hcl_string("$ { % {"), r#""$ { % {""#);
    }

    #[test]
    fn a_document_with_policy_variables_keeps_them_for_iam() {
        let json = "{\n  \"Resource\": \"arn:aws:s3:::b/${aws:username}/*\",\n  \"Sid\": \"%{x}\\\\\"\n}\n";
        let heredoc = json_heredoc(json, 2);
        assert!(
            heredoc.contains("arn:aws:s3:::b/$${aws:username}/*"),
            "{heredoc}"
        );
        assert!(heredoc.contains("\"%%{x}\\\\\""), "{heredoc}");
        assert_eq!(read_heredoc(&heredoc), json);
        assert!(
            heredoc.starts_with("<<-EOT\n    {\n      \"Resource\""),
            "{heredoc}"
        );
        assert!(heredoc.ends_with("\n    }\n  EOT"), "{heredoc}");
    }

    #[test]
    fn a_heredoc_marker_never_ends_the_body_early() {
        // Not JSON, but what a body holding marker-like lines would be.
        let body = "{\nEOT\n  EOT  \n EOT_1\n}\n";
        let heredoc = json_heredoc(body, 0);
        assert!(heredoc.starts_with("<<-EOT_2\n"), "{heredoc}");
        assert_eq!(read_heredoc(&heredoc), body);
        // Hostile names inside a JSON document stay inside their strings.
        for text in HOSTILE {
            let json = format!(
                "{{\n  \"Sid\": {}\n}}\n",
                serde_json::to_string(text).unwrap()
            );
            let heredoc = json_heredoc(&json, 2);
            let read = read_heredoc(&heredoc);
            let value: serde_json::Value = serde_json::from_str(&read).unwrap();
            assert_eq!(value["Sid"], *text, "{heredoc}");
            assert!(heredoc.starts_with("<<-EOT\n"), "{heredoc}");
            assert!(
                !heredoc.chars().any(|c| c != '\n' && deceptive(c)),
                "{heredoc}"
            );
        }
    }

    #[test]
    fn labels_are_identifiers_unique_per_type_and_stable() {
        let mut labels = Labels::default();
        assert_eq!(
            labels.label("aws_iam_policy", &["ExampleDevelopment"]),
            "ExampleDevelopment"
        );
        assert_eq!(
            labels.label("aws_iam_policy", &["ExampleDevelopment"]),
            "ExampleDevelopment_2"
        );
        assert_eq!(
            labels.label("aws_iam_policy", &["ExampleDevelopment"]),
            "ExampleDevelopment_3"
        );
        assert_eq!(
            labels.label(
                "aws_iam_group_policy_attachment",
                &["Dev", "PowerUserAccess-Trailcut"]
            ),
            "Dev_PowerUserAccess-Trailcut"
        );
        assert_eq!(
            labels.label("aws_iam_policy", &["ExampleDevelopment"]),
            "ExampleDevelopment_4"
        );
        assert_eq!(labels.label("aws_iam_policy", &["9lives"]), "_9lives");
        assert_eq!(labels.label("aws_iam_policy", &["-x"]), "_-x");
        assert_eq!(labels.label("aws_iam_policy", &[""]), "_");
        assert_eq!(labels.label("aws_iam_policy", &["é"]), "__2");
        let mut again = Labels::default();
        for text in HOSTILE {
            let label = again.label("t", &[text, "p"]);
            let mut chars = label.chars();
            let first = chars.next().unwrap();
            assert!(first.is_ascii_alphabetic() || first == '_', "{label}");
            assert!(
                chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "{label}"
            );
        }
    }
}
