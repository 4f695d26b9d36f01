//! From what CloudTrail records (eventSource, eventName, eventType) to the IAM actions the
//! call needed.
//!
//! The rules, in order, each recorded as the mapping's [`Provenance`]:
//!
//! 1. events that are not API calls (`AwsServiceEvent`, `AwsConsoleSignIn`, Insights,
//!    `AwsVpceEvent`, `AwsConsoleAction`) grant nothing: [`MappingStatus::NotApiCall`];
//! 2. calls that need no permission (`sts:GetCallerIdentity`, ...): `Permissionless`;
//! 3. trailcut's table of renames (`renames.tsv`), where the API and the permission differ;
//! 4. the event name itself, when the catalogue has that action for the service;
//! 5. the event name without an API-version suffix (Lambda's `GetFunction20150331v2`,
//!    CloudFront's `GetDistribution2020_05_31`), when the catalogue has that.
//!
//! Anything else is `Unmapped`: never guessed. Every action returned is the catalogue's own
//! spelling of an action that exists. The service prefix comes from the event source host
//! (`cloudtrail-service-mappings.json` from iann0036/iam-dataset plus a few of our own).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::catalog::{Action, ActionCatalog};
use crate::request::dependent::{Dependent, Trigger};

/// Host -> prefix for event sources whose prefix is not the host's first label.
const SERVICE_MAPPINGS: &str = include_str!("cloudtrail-service-mappings.json");
/// trailcut's own renames; see the file's header.
const RENAMES: &str = include_str!("renames.tsv");
/// Dependent actions with their triggers; see `request/dependent.rs`.
const DEPENDENT: &str = include_str!("dependent.tsv");

/// Event sources missing from the iam-dataset table.
const EXTRA_SERVICES: &[(&str, &str)] = &[
    ("email.amazonaws.com", "ses"),
    // Amazon Lex's model-building and runtime endpoints, V1 and V2 (CloudTrail records
    // the endpoint host; IAM has the one `lex` prefix).
    ("models.lex.amazonaws.com", "lex"),
    ("runtime.lex.amazonaws.com", "lex"),
    ("models-v2-lex.amazonaws.com", "lex"),
    ("runtime-v2-lex.amazonaws.com", "lex"),
    ("monitoring.amazonaws.com", "cloudwatch"),
    // DynamoDB Streams' own endpoint: its calls (GetRecords, GetShardIterator,
    // DescribeStream, ListStreams) are `dynamodb:` permissions of the same names.
    ("streams.dynamodb.amazonaws.com", "dynamodb"),
    ("tagging.amazonaws.com", "tag"),
];

/// Calls no IAM policy needs to allow (AWS documents them as always permitted; the SDK
/// map of iann0036/iamlive lists the same three).
const PERMISSIONLESS: &[&str] = &[
    "sts:GetCallerIdentity",
    "sts:GetSessionToken",
    "dynamodb:DescribeEndpoints",
];

/// Event types that record something other than an authorised API call.
const NOT_API_CALLS: &[&str] = &[
    "AwsServiceEvent",
    "AwsConsoleSignIn",
    "AwsConsoleAction",
    "AwsCloudTrailInsight",
    "AwsVpceEvent",
];

/// What kind of answer a mapping is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MappingStatus {
    /// The call needed the actions listed.
    Mapped,
    /// The call needs no permission.
    Permissionless,
    /// The event is not an API call and grants nothing.
    NotApiCall,
    /// trailcut does not know the action; never guessed.
    Unmapped,
}

impl MappingStatus {
    /// The name stored in the `mapping_status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            MappingStatus::Mapped => "mapped",
            MappingStatus::Permissionless => "permissionless",
            MappingStatus::NotApiCall => "not_api_call",
            MappingStatus::Unmapped => "unmapped",
        }
    }
}

/// Which rule produced a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provenance {
    /// The event type is not an API call.
    EventType,
    /// The permissionless list.
    Permissionless,
    /// trailcut's rename table (`src/mapping/renames.tsv`).
    RenameTable,
    /// The event name is the action's name in the catalogue.
    SameName,
    /// The event name less an API-version suffix is the action's name.
    VersionSuffix,
    /// No rule applied.
    None,
}

impl Provenance {
    /// A stable name for JSON and SQL.
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::EventType => "event-type",
            Provenance::Permissionless => "permissionless-list",
            Provenance::RenameTable => "rename-table",
            Provenance::SameName => "catalog-same-name",
            Provenance::VersionSuffix => "catalog-version-suffix",
            Provenance::None => "none",
        }
    }
}

/// The actions one call needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// What kind of answer this is.
    pub status: MappingStatus,
    /// The IAM service prefix of the event source, when known.
    pub service: Option<&'static str>,
    /// Actions the call needed, the primary first (empty unless `Mapped`; the one action
    /// itself when `Permissionless`).
    pub actions: Vec<&'static str>,
    /// The rule that produced this answer.
    pub provenance: Provenance,
    /// Why, in words, for rename-table rows.
    pub note: Option<&'static str>,
    /// Actions the call may also need, each with the condition that makes it needed
    /// (`request::dependent::needed` checks them against an event).
    pub dependent: Vec<Dependent>,
}

/// The mapping rules with their tables, built once.
#[derive(Debug)]
pub struct EventMapper {
    catalog: &'static ActionCatalog,
    services: HashMap<String, &'static str>,
    /// (prefix, lower-cased event name) -> (actions, note).
    renames: HashMap<(String, String), (Vec<&'static str>, &'static str)>,
    /// (prefix, lower-cased event name) -> dependent actions.
    dependent: HashMap<(String, String), Vec<Dependent>>,
    /// Host rows kept from iam-dataset's table (their prefix is in the catalogue).
    dataset_hosts: usize,
}

/// One table behind the mapping, for `trailcut mapping sources`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRows {
    /// The provenance its answers carry (or `dependent` for dependent actions).
    pub provenance: &'static str,
    /// Where the rows come from.
    pub source: &'static str,
    /// How many rows it has.
    pub rows: usize,
}

/// Why a mapping table is wrong (a defect in trailcut's own data, caught by tests).
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// The service table is not a JSON object of strings.
    #[error("service mapping table: {0}")]
    Services(String),
    /// A rename row is malformed or names an action the catalogue lacks.
    #[error("renames.tsv line {line}: {message}")]
    Rename { line: usize, message: String },
    /// A dependent-action row is malformed or names an action the catalogue lacks.
    #[error("dependent.tsv line {line}: {message}")]
    Dependent { line: usize, message: String },
}

impl EventMapper {
    /// The mapper over the embedded catalogue and tables, built on first use.
    pub fn embedded() -> &'static EventMapper {
        static MAPPER: OnceLock<EventMapper> = OnceLock::new();
        MAPPER.get_or_init(|| {
            Self::try_new(ActionCatalog::embedded())
                .expect("the embedded mapping tables are valid (checked by unit tests)")
        })
    }

    /// Builds the mapper, checking every table row against `catalog`.
    pub fn try_new(catalog: &'static ActionCatalog) -> Result<Self, MappingError> {
        let table: HashMap<String, String> = serde_json::from_str(SERVICE_MAPPINGS)
            .map_err(|e| MappingError::Services(e.to_string()))?;
        let mut services: HashMap<String, &'static str> = HashMap::new();
        let pairs = table
            .iter()
            .map(|(h, p)| (h.as_str(), p.as_str()))
            .chain(EXTRA_SERVICES.iter().copied());
        let mut dataset_hosts = 0;
        for (host, prefix) in pairs {
            // Keep the catalogue's own (static) spelling of the prefix.
            if let Some(service) = catalog.service(prefix) {
                services.insert(host.to_ascii_lowercase(), service.prefix.as_str());
                dataset_hosts += usize::from(table.contains_key(host));
            }
        }
        let mut renames = HashMap::new();
        for (index, line) in RENAMES.lines().enumerate() {
            let line_no = index + 1;
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |message: String| MappingError::Rename {
                line: line_no,
                message,
            };
            let fields: Vec<&'static str> = line.split('\t').collect();
            let [prefix, event, actions, note] = fields[..] else {
                return Err(bad(format!(
                    "expected 4 tab-separated fields, found {}",
                    fields.len()
                )));
            };
            let mut resolved = Vec::new();
            for name in actions.split_whitespace() {
                let action = catalog
                    .action(name)
                    .ok_or_else(|| bad(format!("`{name}` is not in the catalogue")))?;
                resolved.push(action.name.as_str());
            }
            if resolved.is_empty() {
                return Err(bad("no actions".to_owned()));
            }
            let key = (prefix.to_ascii_lowercase(), event.to_ascii_lowercase());
            if renames.insert(key, (resolved, note)).is_some() {
                return Err(bad(format!("`{prefix}` `{event}` is listed twice")));
            }
        }
        Ok(Self {
            catalog,
            services,
            renames,
            dependent: load_dependent(catalog)?,
            dataset_hosts,
        })
    }

    /// The IAM service prefix of an event source host (`monitoring.amazonaws.com` ->
    /// `cloudwatch`); the host's first label when the catalogue has that prefix.
    pub fn service_prefix(&self, event_source: &str) -> Option<&'static str> {
        let host = event_source.trim().to_ascii_lowercase();
        if let Some(prefix) = self.services.get(&host) {
            return Some(prefix);
        }
        let label = host.strip_suffix(".amazonaws.com").unwrap_or(&host);
        let label = label.split('.').next()?;
        self.catalog.service(label).map(|s| s.prefix.as_str())
    }

    /// Maps one event. `event_type` may be empty (LookupEvents sometimes omits it; the call
    /// is then assumed to be an API call).
    pub fn map(&self, event_source: &str, event_name: &str, event_type: &str) -> Mapping {
        let service = self.service_prefix(event_source);
        let unmapped = |provenance| Mapping {
            status: MappingStatus::Unmapped,
            service,
            actions: Vec::new(),
            provenance,
            note: None,
            dependent: Vec::new(),
        };
        if NOT_API_CALLS.contains(&event_type) {
            return Mapping {
                status: MappingStatus::NotApiCall,
                service,
                actions: Vec::new(),
                provenance: Provenance::EventType,
                note: None,
                dependent: Vec::new(),
            };
        }
        let Some(prefix) = service else {
            return unmapped(Provenance::None);
        };
        let full = |name: &str| self.catalog.action(&format!("{prefix}:{name}"));
        let found = |action: &'static Action, provenance| {
            let name = action.name.as_str();
            if PERMISSIONLESS.iter().any(|p| p.eq_ignore_ascii_case(name)) {
                Mapping {
                    status: MappingStatus::Permissionless,
                    service,
                    actions: vec![name],
                    provenance: Provenance::Permissionless,
                    note: None,
                    dependent: Vec::new(),
                }
            } else {
                Mapping {
                    status: MappingStatus::Mapped,
                    service,
                    actions: vec![name],
                    provenance,
                    note: None,
                    dependent: Vec::new(),
                }
            }
        };
        let mut mapping = self.map_call(prefix, event_name, service, found, full);
        if mapping.status == MappingStatus::Mapped {
            mapping.dependent = self.dependent_of(prefix, event_name);
        }
        mapping
    }

    fn map_call(
        &self,
        prefix: &'static str,
        event_name: &str,
        service: Option<&'static str>,
        found: impl Fn(&'static Action, Provenance) -> Mapping,
        full: impl Fn(&str) -> Option<&'static Action>,
    ) -> Mapping {
        let key = (prefix.to_owned(), event_name.to_ascii_lowercase());
        if let Some((actions, note)) = self.renames.get(&key) {
            return Mapping {
                status: MappingStatus::Mapped,
                service,
                actions: actions.clone(),
                provenance: Provenance::RenameTable,
                note: Some(note),
                dependent: Vec::new(),
            };
        }
        if let Some(action) = full(event_name) {
            return found(action, Provenance::SameName);
        }
        if let Some(base) = strip_version_suffix(event_name)
            && let Some(action) = full(base)
        {
            return found(action, Provenance::VersionSuffix);
        }
        Mapping {
            status: MappingStatus::Unmapped,
            service,
            actions: Vec::new(),
            provenance: Provenance::None,
            note: None,
            dependent: Vec::new(),
        }
    }

    /// The dependent-action rows of a call, by its event name or, failing that, the name
    /// without an API-version suffix (`CreateFunction20150331` -> `CreateFunction`).
    fn dependent_of(&self, prefix: &str, event_name: &str) -> Vec<Dependent> {
        let lookup = |name: &str| {
            self.dependent
                .get(&(prefix.to_owned(), name.to_ascii_lowercase()))
                .cloned()
        };
        lookup(event_name)
            .or_else(|| strip_version_suffix(event_name).and_then(lookup))
            .unwrap_or_default()
    }

    /// Number of dependent-action rows by source (`iamlive`, `iam-policy-autopilot`).
    pub fn dependent_rows_by_source(&self) -> Vec<(&'static str, usize)> {
        let mut counts: HashMap<&'static str, usize> = HashMap::new();
        for row in self.dependent.values().flatten() {
            *counts.entry(row.source).or_default() += 1;
        }
        let mut counts: Vec<_> = counts.into_iter().collect();
        counts.sort();
        counts
    }

    /// The tables behind the mapping and their sizes, by the provenance they give.
    pub fn table_rows(&self) -> Vec<TableRows> {
        let dependent = self.dependent_rows_by_source();
        let dependent_rows = |source: &str| {
            dependent
                .iter()
                .find(|(s, _)| *s == source)
                .map_or(0, |(_, n)| *n)
        };
        vec![
            TableRows {
                provenance: "service-prefix",
                source: "iann0036/iam-dataset aws/map.json (event source host -> prefix)",
                rows: self.dataset_hosts,
            },
            TableRows {
                provenance: "service-prefix",
                source: "trailcut EXTRA_SERVICES (hosts missing from iam-dataset)",
                rows: EXTRA_SERVICES.len(),
            },
            TableRows {
                provenance: Provenance::EventType.as_str(),
                source: "trailcut NOT_API_CALLS (event types that are not API calls)",
                rows: NOT_API_CALLS.len(),
            },
            TableRows {
                provenance: Provenance::Permissionless.as_str(),
                source: "trailcut PERMISSIONLESS (as in iamlive's SDK map)",
                rows: PERMISSIONLESS.len(),
            },
            TableRows {
                provenance: Provenance::RenameTable.as_str(),
                source: "trailcut src/mapping/renames.tsv",
                rows: self.renames.len(),
            },
            TableRows {
                provenance: Provenance::SameName.as_str(),
                source: "the IAM catalogue's actions (event name = action name)",
                rows: self.catalog.actions().len(),
            },
            TableRows {
                provenance: Provenance::VersionSuffix.as_str(),
                source: "the IAM catalogue's actions (name less an API-version suffix)",
                rows: self.catalog.actions().len(),
            },
            TableRows {
                provenance: "dependent",
                source: "iann0036/iamlive SDK map: iam:PassRole by request parameter",
                rows: dependent_rows("iamlive"),
            },
            TableRows {
                provenance: "dependent",
                source: "awslabs/iam-policy-autopilot: forward-access (KMS) and auth alternatives",
                rows: dependent_rows("iam-policy-autopilot"),
            },
        ]
    }

    /// Every action any rule can emit: the rename table's and the permissionless list's
    /// (the same-name rules only ever emit catalogue actions).
    pub fn table_actions(&self) -> Vec<&'static str> {
        let mut all: Vec<&'static str> = self
            .renames
            .values()
            .flat_map(|(actions, _)| actions.iter().copied())
            .collect();
        all.extend(self.dependent.values().flatten().map(|d| d.action));
        all.extend(
            PERMISSIONLESS
                .iter()
                .filter_map(|p| self.catalog.action(p).map(|a| a.name.as_str())),
        );
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// Reads `dependent.tsv`: prefix, event name, dependent action, trigger, source.
fn load_dependent(
    catalog: &'static ActionCatalog,
) -> Result<HashMap<(String, String), Vec<Dependent>>, MappingError> {
    let mut table: HashMap<(String, String), Vec<Dependent>> = HashMap::new();
    for (index, line) in DEPENDENT.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |message: String| MappingError::Dependent {
            line: index + 1,
            message,
        };
        let fields: Vec<&'static str> = line.split('\t').collect();
        let [prefix, event, action, trigger, source] = fields[..] else {
            return Err(bad(format!(
                "expected 5 tab-separated fields, found {}",
                fields.len()
            )));
        };
        let action = catalog
            .action(action)
            .ok_or_else(|| bad(format!("`{action}` is not in the catalogue")))?;
        if catalog.service(prefix).is_none() {
            return Err(bad(format!("`{prefix}` is not a service prefix")));
        }
        let trigger =
            Trigger::parse(trigger).ok_or_else(|| bad(format!("bad trigger `{trigger}`")))?;
        table
            .entry((prefix.to_ascii_lowercase(), event.to_ascii_lowercase()))
            .or_default()
            .push(Dependent {
                action: action.name.as_str(),
                trigger,
                source,
            });
    }
    Ok(table)
}

/// `GetFunction20150331v2` -> `GetFunction`, `ListFunctions20150331` -> `ListFunctions`,
/// `GetDistribution2020_05_31` -> `GetDistribution`: API-version suffixes some services
/// put in CloudTrail event names.
pub fn strip_version_suffix(event_name: &str) -> Option<&str> {
    let bytes = event_name.as_bytes();
    // Optional trailing `v<digits>`.
    let mut end = bytes.len();
    let digits_end = end;
    while end > 0 && bytes[end - 1].is_ascii_digit() {
        end -= 1;
    }
    if end < digits_end && end > 0 && bytes[end - 1] == b'v' {
        end -= 1;
    } else {
        end = digits_end;
    }
    // A date: 8 digits, or YYYY_MM_DD.
    let head = &event_name[..end];
    let base = if head.len() > 8 && head[head.len() - 8..].bytes().all(|b| b.is_ascii_digit()) {
        &head[..head.len() - 8]
    } else if head.len() > 10 {
        let date = &head.as_bytes()[head.len() - 10..];
        let shape = date.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'_'
            } else {
                b.is_ascii_digit()
            }
        });
        if !shape {
            return None;
        }
        &head[..head.len() - 10]
    } else {
        return None;
    };
    (!base.is_empty()).then_some(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapper() -> &'static EventMapper {
        EventMapper::embedded()
    }

    fn actions(source: &str, name: &str) -> Vec<&'static str> {
        let m = mapper().map(source, name, "AwsApiCall");
        assert_eq!(m.status, MappingStatus::Mapped, "{source} {name}: {m:?}");
        m.actions
    }

    #[test]
    fn every_table_action_exists_in_the_catalogue() {
        let catalog = ActionCatalog::embedded();
        let all = mapper().table_actions();
        assert!(all.len() > 30);
        for action in all {
            assert_eq!(
                catalog.action(action).map(|a| a.name.as_str()),
                Some(action)
            );
        }
    }

    #[test]
    fn service_prefixes_from_hosts() {
        let m = mapper();
        assert_eq!(
            m.service_prefix("monitoring.amazonaws.com"),
            Some("cloudwatch")
        );
        assert_eq!(m.service_prefix("email.amazonaws.com"), Some("ses"));
        assert_eq!(m.service_prefix("s3.amazonaws.com"), Some("s3"));
        assert_eq!(m.service_prefix("amazonmq.amazonaws.com"), Some("mq"));
        assert_eq!(m.service_prefix("models.lex.amazonaws.com"), Some("lex"));
        assert_eq!(m.service_prefix("S3.AMAZONAWS.COM"), Some("s3"));
        assert_eq!(m.service_prefix("nosuchservice.amazonaws.com"), None);
    }

    /// Issue 18, finding 10: calls on the DynamoDB Streams endpoint were unmapped.
    #[test]
    fn dynamodb_streams_calls_are_dynamodb_actions() {
        let catalog = ActionCatalog::embedded();
        let streams = "streams.dynamodb.amazonaws.com";
        assert_eq!(mapper().service_prefix(streams), Some("dynamodb"));
        for name in [
            "GetRecords",
            "GetShardIterator",
            "DescribeStream",
            "ListStreams",
        ] {
            let m = mapper().map(streams, name, "AwsApiCall");
            assert_eq!(m.status, MappingStatus::Mapped, "{name}: {m:?}");
            assert_eq!(m.provenance, Provenance::SameName, "{name}");
            let want = format!("dynamodb:{name}");
            assert_eq!(m.actions, [want.as_str()]);
            // The catalogue's own spelling of an action that exists.
            for action in &m.actions {
                assert_eq!(
                    catalog.action(action).map(|a| a.name.as_str()),
                    Some(*action)
                );
            }
        }
        // Kinesis' calls of the same name stay Kinesis'.
        assert_eq!(
            actions("kinesis.amazonaws.com", "GetRecords"),
            ["kinesis:GetRecords"]
        );
    }

    /// The renames public tools get wrong (issue 3).
    #[test]
    fn s3_renames() {
        let s3 = "s3.amazonaws.com";
        assert_eq!(
            actions(s3, "PutBucketReplication"),
            ["s3:PutReplicationConfiguration"]
        );
        assert_eq!(
            actions(s3, "GetBucketLifecycle"),
            ["s3:GetLifecycleConfiguration"]
        );
        assert_eq!(
            actions(s3, "GetBucketEncryption"),
            ["s3:GetEncryptionConfiguration"]
        );
        assert_eq!(
            actions(s3, "DeleteBucketLifecycle"),
            ["s3:PutLifecycleConfiguration"]
        );
        for list in ["ListObjects", "ListObjectsV2", "HeadBucket"] {
            assert_eq!(actions(s3, list), ["s3:ListBucket"], "{list}");
        }
        assert_eq!(actions(s3, "HeadObject"), ["s3:GetObject"]);
        assert_eq!(actions(s3, "ListBuckets"), ["s3:ListAllMyBuckets"]);
        assert_eq!(actions(s3, "ListObjectVersions"), ["s3:ListBucketVersions"]);
        assert_eq!(actions(s3, "DeleteObjects"), ["s3:DeleteObject"]);
        assert_eq!(actions(s3, "CopyObject"), ["s3:PutObject", "s3:GetObject"]);
        for part in [
            "CreateMultipartUpload",
            "UploadPart",
            "CompleteMultipartUpload",
        ] {
            assert_eq!(actions(s3, part), ["s3:PutObject"], "{part}");
        }
        assert_eq!(actions(s3, "GetBucketCors"), ["s3:GetBucketCORS"]);
        let m = mapper().map(s3, "PutBucketReplication", "AwsApiCall");
        assert_eq!(m.provenance, Provenance::RenameTable);
        assert!(m.note.is_some());
        // Names that are already actions map to themselves, in the catalogue's case.
        assert_eq!(actions(s3, "GetObject"), ["s3:GetObject"]);
        assert_eq!(actions(s3, "getbucketacl"), ["s3:GetBucketAcl"]);
    }

    #[test]
    fn version_suffixes_lambda_and_kms() {
        let lambda = "lambda.amazonaws.com";
        assert_eq!(
            actions(lambda, "GetFunction20150331v2"),
            ["lambda:GetFunction"]
        );
        assert_eq!(
            actions(lambda, "ListFunctions20150331"),
            ["lambda:ListFunctions"]
        );
        assert_eq!(actions(lambda, "Invoke"), ["lambda:InvokeFunction"]);
        assert_eq!(
            mapper()
                .map(lambda, "GetFunction20150331v2", "AwsApiCall")
                .provenance,
            Provenance::VersionSuffix
        );
        assert_eq!(
            actions("cloudfront.amazonaws.com", "GetDistribution2020_05_31"),
            ["cloudfront:GetDistribution"]
        );
        assert_eq!(
            actions("kms.amazonaws.com", "ReEncrypt"),
            ["kms:ReEncryptFrom", "kms:ReEncryptTo"]
        );
        assert_eq!(strip_version_suffix("GetFunction"), None);
        assert_eq!(strip_version_suffix("20150331"), None);
    }

    #[test]
    fn permissionless_not_api_calls_and_unknowns() {
        let m = mapper().map("sts.amazonaws.com", "GetCallerIdentity", "AwsApiCall");
        assert_eq!(m.status, MappingStatus::Permissionless);
        assert_eq!(m.actions, ["sts:GetCallerIdentity"]);
        let signin = mapper().map("signin.amazonaws.com", "ConsoleLogin", "AwsConsoleSignIn");
        assert_eq!(signin.status, MappingStatus::NotApiCall);
        assert!(
            signin.actions.is_empty(),
            "no fake signin:ConsoleLogin action"
        );
        let service_event = mapper().map("kms.amazonaws.com", "RotateKey", "AwsServiceEvent");
        assert_eq!(service_event.status, MappingStatus::NotApiCall);
        // Not an action and in no table: reported, not guessed.
        let unknown = mapper().map("s3.amazonaws.com", "FrobnicateBucket", "AwsApiCall");
        assert_eq!(unknown.status, MappingStatus::Unmapped);
        assert_eq!(unknown.service, Some("s3"));
        assert!(unknown.actions.is_empty());
        let no_service = mapper().map("nosuch.amazonaws.com", "Get", "AwsApiCall");
        assert_eq!(no_service.status, MappingStatus::Unmapped);
        assert_eq!(no_service.service, None);
    }

    /// The mistakes public event-to-policy tools make, one row per class: the wrong answer
    /// must not be ours, and where the wrong action name does not exist it must not be in
    /// the catalogue either (so a test like this one cannot pass by accident).
    #[test]
    fn error_classes_of_public_tools() {
        let catalog = ActionCatalog::embedded();
        // (event source, event name, event type, what a naive tool emits, trailcut's answer)
        let cases: &[(&str, &str, &str, &str, &[&str])] = &[
            // The event name taken as the action although IAM names it differently.
            (
                "s3.amazonaws.com",
                "PutBucketReplication",
                "AwsApiCall",
                "s3:PutBucketReplication",
                &["s3:PutReplicationConfiguration"],
            ),
            (
                "s3.amazonaws.com",
                "ListObjectsV2",
                "AwsApiCall",
                "s3:ListObjectsV2",
                &["s3:ListBucket"],
            ),
            (
                "s3.amazonaws.com",
                "HeadObject",
                "AwsApiCall",
                "s3:HeadObject",
                &["s3:GetObject"],
            ),
            (
                "s3.amazonaws.com",
                "DeleteBucketLifecycle",
                "AwsApiCall",
                "s3:DeleteBucketLifecycle",
                &["s3:PutLifecycleConfiguration"],
            ),
            (
                "kms.amazonaws.com",
                "ReEncrypt",
                "AwsApiCall",
                "kms:ReEncrypt",
                &["kms:ReEncryptFrom", "kms:ReEncryptTo"],
            ),
            // One of two actions dropped.
            (
                "s3.amazonaws.com",
                "CopyObject",
                "AwsApiCall",
                "s3:CopyObject",
                &["s3:PutObject", "s3:GetObject"],
            ),
            // The API-version suffix kept.
            (
                "lambda.amazonaws.com",
                "GetFunction20150331v2",
                "AwsApiCall",
                "lambda:GetFunction20150331v2",
                &["lambda:GetFunction"],
            ),
            (
                "lambda.amazonaws.com",
                "Invoke",
                "AwsApiCall",
                "lambda:Invoke",
                &["lambda:InvokeFunction"],
            ),
            // The host's first label taken as the service prefix.
            (
                "monitoring.amazonaws.com",
                "PutMetricData",
                "AwsApiCall",
                "monitoring:PutMetricData",
                &["cloudwatch:PutMetricData"],
            ),
            (
                "email.amazonaws.com",
                "SendEmail",
                "AwsApiCall",
                "email:SendEmail",
                &["ses:SendEmail"],
            ),
            // The action spelled in the event's case rather than IAM's.
            (
                "s3.amazonaws.com",
                "GetBucketCors",
                "AwsApiCall",
                "s3:GetBucketCors",
                &["s3:GetBucketCORS"],
            ),
        ];
        for (source, name, kind, wrong, right) in cases {
            let m = mapper().map(source, name, kind);
            assert_eq!(m.status, MappingStatus::Mapped, "{source} {name}");
            assert_eq!(&m.actions[..], *right, "{source} {name}");
            assert!(!m.actions.contains(wrong), "{source} {name}");
            let exact = |a: &str| catalog.action(a).is_some_and(|x| x.name == a);
            assert!(
                !exact(wrong),
                "{wrong} exists as spelled: not an error class"
            );
        }
        // Events that are not calls turned into fake actions, and calls that need no
        // permission put into policies.
        for (source, name, kind, fake) in [
            (
                "signin.amazonaws.com",
                "ConsoleLogin",
                "AwsConsoleSignIn",
                "signin:ConsoleLogin",
            ),
            (
                "kms.amazonaws.com",
                "RotateKey",
                "AwsServiceEvent",
                "kms:RotateKey",
            ),
        ] {
            let m = mapper().map(source, name, kind);
            assert_eq!(m.status, MappingStatus::NotApiCall);
            assert!(m.actions.is_empty(), "{fake}");
        }
        let m = mapper().map("sts.amazonaws.com", "GetCallerIdentity", "AwsApiCall");
        assert_eq!(m.status, MappingStatus::Permissionless);
        // An unknown call guessed rather than reported.
        let m = mapper().map("s3.amazonaws.com", "GetBucketFrobnication", "AwsApiCall");
        assert_eq!(m.status, MappingStatus::Unmapped);
        assert!(m.actions.is_empty());
        // A dependent action left out: the role a new function runs as must be passable.
        let m = mapper().map(
            "lambda.amazonaws.com",
            "CreateFunction20150331",
            "AwsApiCall",
        );
        let event = crate::request::json::EventJson::new(
            Some(r#"{"functionName":"f","role":"arn:aws:iam::1:role/r"}"#),
            None,
            None,
        );
        assert_eq!(
            crate::request::dependent::needed(&m.dependent, &event),
            ["iam:PassRole"]
        );
    }
}
