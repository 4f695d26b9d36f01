//! What an input file is, so that `trailcut ingest PATH...` can take a whole folder of AWS
//! outputs and route each file to its reader: CloudTrail records, IAM authorization
//! details, AWS Organizations listings, IAM last-accessed reports, or an index that says
//! whom the reports are about.
//!
//! A CloudTrail log file is known by its name (`..._CloudTrail_...`) without being opened;
//! any other JSON file by the first top-level key of the first 64 KiB of its text
//! (decompressed when gzipped) that only one kind of output has. A file that shows none is
//! read as CloudTrail, as before: its reader says what is wrong with it.

use std::io::Read;
use std::path::Path;

/// The kinds of input trailcut reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// CloudTrail records (`{"Records": [...]}`, or one event per line).
    Trail,
    /// `aws iam get-account-authorization-details`.
    AuthorizationDetails,
    /// `aws organizations describe-organization`, `list-roots`, `list-accounts-for-parent`,
    /// `describe-policy`, `list-targets-for-policy`, ...
    Organization,
    /// `aws sso-admin` and `aws identitystore` outputs: IAM Identity Center.
    IdentityCenter,
    /// `aws iam get-service-last-accessed-details` and its kin.
    LastAccessed,
    /// A tab-separated index naming each report's subject (`INDEX.tsv`).
    ReportIndex,
    /// The ground truth `gen-trail` and the sample data's generator write beside a trail:
    /// for tests, not ingested.
    GroundTruth,
}

impl InputKind {
    /// The kind in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            InputKind::Trail => "CloudTrail logs",
            InputKind::AuthorizationDetails => "IAM authorization details",
            InputKind::Organization => "AWS Organizations listings",
            InputKind::LastAccessed => "IAM last-accessed reports",
            InputKind::ReportIndex => "report indexes",
            InputKind::IdentityCenter => "IAM Identity Center outputs",
            InputKind::GroundTruth => "ground truths of generated trails",
        }
    }

    /// What `n` files of the kind are called: `CloudTrail log files`.
    pub fn noun(self, n: usize) -> &'static str {
        let (one, many) = match self {
            InputKind::Trail => ("CloudTrail log file", "CloudTrail log files"),
            InputKind::AuthorizationDetails => (
                "IAM authorization details file",
                "IAM authorization details files",
            ),
            InputKind::Organization => ("AWS Organizations listing", "AWS Organizations listings"),
            InputKind::LastAccessed => ("IAM last-accessed report", "IAM last-accessed reports"),
            InputKind::ReportIndex => ("report index", "report indexes"),
            InputKind::IdentityCenter => {
                ("IAM Identity Center output", "IAM Identity Center outputs")
            }
            InputKind::GroundTruth => (
                "ground truth of a generated trail (not ingested)",
                "ground truths of generated trails (not ingested)",
            ),
        };
        if n == 1 { one } else { many }
    }
}

/// How much of a file's text is looked at.
const SNIFF_BYTES: u64 = 64 * 1024;

/// The file name of the index that says whom the last-accessed reports beside it are about.
pub const INDEX_NAME: &str = "INDEX.tsv";

/// What the file at `path` is. Errors only when it cannot be read.
pub fn sniff(path: &Path) -> std::io::Result<InputKind> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.contains("_CloudTrail_") {
        return Ok(InputKind::Trail);
    }
    if name.to_ascii_lowercase().ends_with(".tsv") {
        return Ok(InputKind::ReportIndex);
    }
    let mut prefix = Vec::new();
    let file = std::fs::File::open(path)?;
    if name.to_ascii_lowercase().ends_with(".gz") {
        let mut gz = flate2::read::MultiGzDecoder::new(file).take(SNIFF_BYTES);
        // A corrupt gzip file is the trail reader's to report, with its position.
        if gz.read_to_end(&mut prefix).is_err() {
            return Ok(InputKind::Trail);
        }
    } else {
        file.take(SNIFF_BYTES).read_to_end(&mut prefix)?;
    }
    Ok(kind_of_text(&prefix))
}

/// The kind the start of a JSON text shows.
pub fn kind_of_text(prefix: &[u8]) -> InputKind {
    top_level_keys(prefix)
        .iter()
        .find_map(|key| kind_of_key(key))
        .unwrap_or(InputKind::Trail)
}

/// The kind a top-level key belongs to, when only one kind of output has it.
fn kind_of_key(key: &str) -> Option<InputKind> {
    Some(match key {
        "Records" => InputKind::Trail,
        "UserDetailList" | "GroupDetailList" | "RoleDetailList" => InputKind::AuthorizationDetails,
        "Organization"
        | "Roots"
        | "OrganizationalUnits"
        | "Accounts"
        | "Targets"
        | "Parents"
        | "Children"
        | "Policy"
        | "Policies" => InputKind::Organization,
        "JobStatus"
        | "JobType"
        | "JobCreationDate"
        | "ServicesLastAccessed"
        | "EntityDetailsList"
        | "AccessDetails"
        | "PoliciesGrantingServiceAccess" => InputKind::LastAccessed,
        "Instances"
        | "PermissionSets"
        | "PermissionSet"
        | "InlinePolicy"
        | "AttachedManagedPolicies"
        | "CustomerManagedPolicyReferences"
        | "PermissionsBoundary"
        | "AccountAssignments"
        | "Users"
        | "Groups"
        | "GroupMemberships" => InputKind::IdentityCenter,
        "generator" | "seed" => InputKind::GroundTruth,
        _ => return None,
    })
}

/// The keys of the top-level object among the first bytes of a JSON text, in order, as
/// far as the bytes go (values are skipped, not parsed). Empty for anything but an object.
fn top_level_keys(text: &[u8]) -> Vec<String> {
    let mut keys = Vec::new();
    let mut i = skip_space(text, 0);
    // A UTF-8 byte order mark.
    if text[i..].starts_with(b"\xEF\xBB\xBF") {
        i = skip_space(text, i + 3);
    }
    if text.get(i) != Some(&b'{') {
        return keys;
    }
    i += 1;
    loop {
        i = skip_space(text, i);
        match text.get(i) {
            Some(b'"') => {}
            _ => return keys,
        }
        let Some((key, end)) = string_at(text, i) else {
            return keys;
        };
        keys.push(key);
        i = skip_space(text, end);
        if text.get(i) != Some(&b':') {
            return keys;
        }
        let Some(end) = skip_value(text, i + 1) else {
            return keys;
        };
        i = skip_space(text, end);
        match text.get(i) {
            Some(b',') => i += 1,
            _ => return keys,
        }
    }
}

fn skip_space(text: &[u8], mut i: usize) -> usize {
    while text.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
        i += 1;
    }
    i
}

/// The string starting at the quote at `i` (escapes kept as written: keys that matter have
/// none) and the index after its closing quote.
fn string_at(text: &[u8], i: usize) -> Option<(String, usize)> {
    let mut j = i + 1;
    while let Some(&b) = text.get(j) {
        match b {
            b'\\' => j += 2,
            b'"' => return Some((String::from_utf8_lossy(&text[i + 1..j]).into_owned(), j + 1)),
            _ => j += 1,
        }
    }
    None
}

/// The index after the value starting at or after `i`, or `None` when the bytes end first.
fn skip_value(text: &[u8], i: usize) -> Option<usize> {
    let mut i = skip_space(text, i);
    let mut depth = 0usize;
    loop {
        match *text.get(i)? {
            b'"' => i = string_at(text, i)?.1,
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                i += 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            b',' if depth == 0 => return Some(i),
            _ => i += 1,
        }
        if depth == 0 && matches!(text.get(i), Some(b',' | b'}')) {
            return Some(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> InputKind {
        kind_of_text(text.as_bytes())
    }

    #[test]
    fn keys_are_read_past_values_of_every_shape() {
        let text = r#" {"a": {"x": [1, "}", {"y": "\"]"}]}, "b" : "s\"tr", "c": -1.5e3, "d": null, "e": [] }"#;
        assert_eq!(top_level_keys(text.as_bytes()), ["a", "b", "c", "d", "e"]);
        // Cut short: the keys so far.
        assert_eq!(top_level_keys(&text.as_bytes()[..30]), ["a"]);
        assert!(top_level_keys(b"[1, 2]").is_empty());
        assert_eq!(top_level_keys(b"\xEF\xBB\xBF{\"Records\":[]}"), ["Records"]);
    }

    #[test]
    fn each_aws_output_is_known_by_its_keys() {
        assert_eq!(
            kind(r#"{"Records": [{"eventVersion": "1.08"}]}"#),
            InputKind::Trail
        );
        assert_eq!(
            kind(r#"{"UserDetailList": [], "GroupDetailList": [], "Policies": []}"#),
            InputKind::AuthorizationDetails
        );
        // The same key as list-policies, but after a key only authorization details have.
        assert_eq!(
            kind(r#"{"IsTruncated": false, "RoleDetailList": [], "Policies": []}"#),
            InputKind::AuthorizationDetails
        );
        assert_eq!(
            kind(r#"{"Policies": [{"Id": "p-1"}]}"#),
            InputKind::Organization
        );
        assert_eq!(
            kind(r#"{"Organization": {"Id": "o-1"}}"#),
            InputKind::Organization
        );
        assert_eq!(
            kind(r#"{"JobStatus": "COMPLETED", "ServicesLastAccessed": []}"#),
            InputKind::LastAccessed
        );
        assert_eq!(
            kind(r#"{"PoliciesGrantingServiceAccess": []}"#),
            InputKind::LastAccessed
        );
        assert_eq!(kind(r#"{"seed": 7, "events": 10}"#), InputKind::GroundTruth);
        // Anything else goes to the trail reader, which says what is wrong.
        assert_eq!(kind(r#"{"eventVersion": "1.08"}"#), InputKind::Trail);
        assert_eq!(kind("not json"), InputKind::Trail);
    }

    #[test]
    fn the_sample_data_is_recognised_file_by_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
        let expect = [
            ("iam", InputKind::AuthorizationDetails),
            ("org", InputKind::Organization),
            ("trail", InputKind::Trail),
        ];
        for (dir, want) in expect {
            for entry in walkdir::WalkDir::new(root.join(dir)) {
                let entry = entry.unwrap();
                if entry.file_type().is_file() {
                    assert_eq!(
                        sniff(entry.path()).unwrap(),
                        want,
                        "{}",
                        entry.path().display()
                    );
                }
            }
        }
        for entry in std::fs::read_dir(root.join("last-accessed")).unwrap() {
            let path = entry.unwrap().path();
            let want = if path.ends_with(INDEX_NAME) {
                InputKind::ReportIndex
            } else {
                InputKind::LastAccessed
            };
            assert_eq!(sniff(&path).unwrap(), want, "{}", path.display());
        }
        let truth = root.join("trail-ground-truth.json");
        assert_eq!(sniff(&truth).unwrap(), InputKind::GroundTruth);
    }
}
