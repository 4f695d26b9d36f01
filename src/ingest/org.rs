//! AWS Organizations as the AWS CLI prints it: roots, OUs, accounts, service control
//! policies and their targets, merged into one picture of each organisation.
//!
//! Several of these outputs do not say which parent or policy they were asked about
//! (`list-organizational-units-for-parent`, `list-accounts-for-parent`,
//! `list-targets-for-policy`, `list-parents`): the id comes from `--parent`, `--policy-id`
//! or `--child`, or else from the file name (`list-accounts-for-parent.ou-ab12-11111111.json`),
//! and a file whose id cannot be found is refused with a message saying so.
//!
//! Each ingest merges its facts into the organisation's state (`_trailcut/org-<id>.json`,
//! later facts win) and rewrites the four tables from it, so the files can come in any
//! order and over several runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, RecordBatch, StringArray};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::nesting::MAX_DEPTH;
use crate::store::org_tables::{TABLES, table_schema};

/// Marks a policy summary of another type (see `policy_summary`).
const NOT_AN_SCP: &str = "\u{0}not an SCP: ";

/// Ids a file may not carry itself, from the command line.
#[derive(Debug, Clone, Default)]
pub struct OrgIds {
    /// The parent asked about (`list-organizational-units-for-parent`, `list-accounts-for-parent`).
    pub parent: Option<String>,
    /// The policy asked about (`list-targets-for-policy`).
    pub policy: Option<String>,
    /// The child asked about (`list-parents`).
    pub child: Option<String>,
}

impl OrgIds {
    /// Refuses an id Organizations could not have made (its documented patterns: `r-` and
    /// 4 to 32 lowercase letters or digits, `ou-` and two such groups, `p-` and 8 to 128
    /// letters, digits or `_`, a 12-digit account), naming the flag: ids reach the scripts
    /// trailcut writes.
    pub fn check(&self) -> Result<(), String> {
        let given = [
            ("--parent", &self.parent, &["r-", "ou-"][..]),
            ("--policy-id", &self.policy, &["p-"][..]),
            ("--child", &self.child, &["ou-", "account"][..]),
        ];
        for (flag, id, kinds) in given {
            let Some(id) = id else { continue };
            if !kinds.iter().any(|kind| is_org_id(kind, id)) {
                let what = match flag {
                    "--policy-id" => {
                        "an Organizations policy id (`p-` and 8 to 128 letters, digits or `_`)"
                    }
                    "--parent" => "an Organizations root or OU id (`r-ab12`, `ou-ab12-11111111`)",
                    _ => "an Organizations OU or account id (`ou-ab12-11111111`, 12 digits)",
                };
                return Err(format!("{flag}: `{id}` is not {what}"));
            }
        }
        Ok(())
    }
}

/// Whether `id` fits the pattern Organizations documents for ids of `kind` (`r-`, `ou-`,
/// `p-`, `account`).
pub fn is_org_id(kind: &str, id: &str) -> bool {
    let lower = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    match kind {
        "r-" => id.strip_prefix("r-").is_some_and(|s| lower(s, 4, 32)),
        "ou-" => id
            .strip_prefix("ou-")
            .and_then(|s| s.split_once('-'))
            .is_some_and(|(root, unit)| lower(root, 4, 32) && lower(unit, 8, 32)),
        "p-" => id.strip_prefix("p-").is_some_and(|s| {
            (8..=128).contains(&s.len())
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }),
        "account" => id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    }
}

/// A root or an organisational unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: String,
    pub name: Option<String>,
    pub arn: Option<String>,
    /// `ROOT` or `ORGANIZATIONAL_UNIT`.
    pub unit_type: String,
    pub parent: Option<String>,
}

/// A member account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub name: Option<String>,
    pub arn: Option<String>,
    pub email: Option<String>,
    pub status: Option<String>,
    pub parent: Option<String>,
}

/// A service control policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scp {
    pub id: String,
    pub name: Option<String>,
    pub arn: Option<String>,
    pub description: Option<String>,
    pub aws_managed: Option<bool>,
    /// The policy document (describe-policy's `Content`).
    pub document: Option<String>,
}

/// Where a policy is attached.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Target {
    pub target_id: String,
    /// `ROOT`, `ORGANIZATIONAL_UNIT` or `ACCOUNT`.
    pub target_type: Option<String>,
    pub name: Option<String>,
}

/// What trailcut knows of one organisation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    pub id: String,
    pub units: BTreeMap<String, Unit>,
    pub accounts: BTreeMap<String, Account>,
    pub policies: BTreeMap<String, Scp>,
    /// Policy id -> its targets.
    pub targets: BTreeMap<String, Vec<Target>>,
    /// The management account (SCPs do not restrict it): describe-organization's
    /// `MasterAccountId`, else the account field of the organisation's ARNs.
    #[serde(default)]
    pub management_account: Option<String>,
    /// Policies of other types (RCPs, tag policies, ...) that were left out, by id.
    #[serde(default)]
    pub skipped_policies: BTreeMap<String, String>,
}

/// Why an organisation file was refused.
#[derive(Debug, thiserror::Error)]
#[error("`{path}`: {message}")]
pub struct OrgFileError {
    pub path: PathBuf,
    pub message: String,
}

/// What one file said.
#[derive(Debug, Clone, PartialEq)]
pub enum OrgFacts {
    Units(Vec<Unit>),
    Accounts(Vec<Account>),
    /// `list-parents`: the child's parent.
    Parent {
        child: String,
        parent: String,
    },
    Policies(Vec<Scp>),
    Targets {
        policy: String,
        targets: Vec<Target>,
    },
    /// `describe-organization`: the organisation's id and management account.
    Organization {
        id: String,
        management: Option<String>,
    },
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The organisation id in an Organizations ARN
/// (`arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-...` -> `o-a1b2c3d4e5`).
pub fn org_of_arn(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    resource.split('/').find(|part| part.starts_with("o-"))
}

/// The first token of a file name that looks like an Organizations id of `kind`
/// (`r-`, `ou-`, `p-`, or a 12-digit account).
fn id_in_name(path: &Path, accept: &[&str]) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".json").unwrap_or(name);
    stem.split(['.', '_', ' ']).find_map(|token| {
        let is_account = token.len() == 12 && token.bytes().all(|b| b.is_ascii_digit());
        let matches = accept.iter().any(|prefix| match *prefix {
            "account" => is_account,
            prefix => token.starts_with(prefix) && token.len() > prefix.len(),
        });
        matches.then(|| token.to_owned())
    })
}

/// Reads one AWS CLI output file.
pub fn read_file(path: &Path, ids: &OrgIds) -> Result<OrgFacts, OrgFileError> {
    let bad = |message: String| OrgFileError {
        path: path.to_path_buf(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let value = crate::nesting::parse_json(&bytes).map_err(bad)?;
    let list = |key: &str| value.get(key).and_then(Value::as_array);
    let need = |given: &Option<String>, accept: &[&str], flag: &str, what: &str| {
        given
            .clone()
            .or_else(|| id_in_name(path, accept))
            .ok_or_else(|| {
                bad(format!(
                    "{what} does not say which it was asked about: pass {flag} ID or put the \
                     id in the file name (e.g. `{}`)",
                    match flag {
                        "--parent" => "list-accounts-for-parent.ou-ab12-11111111.json",
                        "--policy-id" => "list-targets-for-policy.p-12345678.json",
                        _ => "list-parents.123456789012.json",
                    }
                ))
            })
    };
    if let Some(roots) = list("Roots") {
        return Ok(OrgFacts::Units(
            roots
                .iter()
                .filter_map(|r| {
                    Some(Unit {
                        id: text(r, "Id")?,
                        name: text(r, "Name"),
                        arn: text(r, "Arn"),
                        unit_type: "ROOT".to_owned(),
                        parent: None,
                    })
                })
                .collect(),
        ));
    }
    if let Some(units) = list("OrganizationalUnits") {
        let parent = need(
            &ids.parent,
            &["r-", "ou-"],
            "--parent",
            "list-organizational-units-for-parent output",
        )?;
        return Ok(OrgFacts::Units(
            units
                .iter()
                .filter_map(|u| {
                    Some(Unit {
                        id: text(u, "Id")?,
                        name: text(u, "Name"),
                        arn: text(u, "Arn"),
                        unit_type: "ORGANIZATIONAL_UNIT".to_owned(),
                        parent: Some(parent.clone()),
                    })
                })
                .collect(),
        ));
    }
    if let Some(accounts) = list("Accounts") {
        // `list-accounts` (no parent: list-parents supplies it) or `list-accounts-for-parent`.
        let parent = ids
            .parent
            .clone()
            .or_else(|| id_in_name(path, &["r-", "ou-"]));
        return Ok(OrgFacts::Accounts(
            accounts
                .iter()
                .filter_map(|a| {
                    Some(Account {
                        id: text(a, "Id")?,
                        name: text(a, "Name"),
                        arn: text(a, "Arn"),
                        email: text(a, "Email"),
                        status: text(a, "State").or_else(|| text(a, "Status")),
                        parent: parent.clone(),
                    })
                })
                .collect(),
        ));
    }
    if let Some(parents) = list("Parents") {
        let child = need(
            &ids.child,
            &["ou-", "account"],
            "--child",
            "list-parents output",
        )?;
        let parent = parents
            .first()
            .and_then(|p| text(p, "Id"))
            .ok_or_else(|| bad("`Parents` is empty".to_owned()))?;
        return Ok(OrgFacts::Parent { child, parent });
    }
    if let Some(policies) = list("Policies") {
        return Ok(OrgFacts::Policies(
            policies.iter().filter_map(policy_summary).collect(),
        ));
    }
    if let Some(policy) = value.get("Policy") {
        let summary = policy
            .get("PolicySummary")
            .and_then(policy_summary)
            .ok_or_else(|| bad("`Policy` has no `PolicySummary` with an `Id`".to_owned()))?;
        let document = text(policy, "Content");
        // The document is a string in the file: its nesting is checked on its own.
        if let Some(document) = &document {
            crate::nesting::check(document.as_bytes(), MAX_DEPTH)
                .map_err(|e| bad(format!("$.Policy.Content: the document it holds: {e}")))?;
        }
        return Ok(OrgFacts::Policies(vec![Scp {
            document,
            ..summary
        }]));
    }
    if let Some(targets) = list("Targets") {
        let policy = need(
            &ids.policy,
            &["p-"],
            "--policy-id",
            "list-targets-for-policy output",
        )?;
        return Ok(OrgFacts::Targets {
            policy,
            targets: targets
                .iter()
                .filter_map(|t| {
                    Some(Target {
                        target_id: text(t, "TargetId")?,
                        target_type: text(t, "Type"),
                        name: text(t, "Name"),
                    })
                })
                .collect(),
        });
    }
    if let Some(org) = value.get("Organization") {
        let id = text(org, "Id").ok_or_else(|| bad("`Organization` has no `Id`".to_owned()))?;
        let management = text(org, "MasterAccountId").or_else(|| text(org, "ManagementAccountId"));
        return Ok(OrgFacts::Organization { id, management });
    }
    Err(bad(
        "not an AWS Organizations CLI output trailcut reads (list-roots, \
         list-organizational-units-for-parent, list-accounts[-for-parent], list-parents, \
         list-policies, describe-policy, list-targets-for-policy, describe-organization)"
            .to_owned(),
    ))
}

fn policy_summary(p: &Value) -> Option<Scp> {
    // Resource control, tag, backup and other policy types are not SCPs: an RCP that
    // allows everything must not count as an SCP allow. Marked here, left out on merge.
    let kind = text(p, "Type");
    if kind
        .as_deref()
        .is_some_and(|k| k != "SERVICE_CONTROL_POLICY")
    {
        return Some(Scp {
            id: text(p, "Id")?,
            name: text(p, "Name"),
            description: kind.map(|k| format!("{NOT_AN_SCP}{k}")),
            ..Scp::default()
        });
    }
    Some(Scp {
        id: text(p, "Id")?,
        name: text(p, "Name"),
        arn: text(p, "Arn"),
        description: text(p, "Description"),
        aws_managed: p.get("AwsManaged").and_then(Value::as_bool),
        document: None,
    })
}

impl OrgFacts {
    /// The organisation these facts name through their ARNs, if any.
    pub fn org_id(&self) -> Option<String> {
        let from = |arns: &mut dyn Iterator<Item = &Option<String>>| {
            arns.flatten()
                .find_map(|a| org_of_arn(a))
                .map(str::to_owned)
        };
        match self {
            OrgFacts::Units(units) => from(&mut units.iter().map(|u| &u.arn)),
            OrgFacts::Accounts(accounts) => from(&mut accounts.iter().map(|a| &a.arn)),
            OrgFacts::Policies(policies) => from(&mut policies.iter().map(|p| &p.arn)),
            OrgFacts::Organization { id, .. } => Some(id.clone()),
            OrgFacts::Parent { .. } | OrgFacts::Targets { .. } => None,
        }
    }
}

impl Organization {
    /// Merges `facts` in; later facts win field by field.
    pub fn merge(&mut self, facts: OrgFacts) {
        fn or<T: Clone>(new: &Option<T>, old: &Option<T>) -> Option<T> {
            new.clone().or_else(|| old.clone())
        }
        match facts {
            OrgFacts::Units(units) => {
                for u in units {
                    let old = self.units.get(&u.id).cloned().unwrap_or_default();
                    let merged = Unit {
                        name: or(&u.name, &old.name),
                        arn: or(&u.arn, &old.arn),
                        parent: or(&u.parent, &old.parent),
                        ..u
                    };
                    self.units.insert(merged.id.clone(), merged);
                }
            }
            OrgFacts::Accounts(accounts) => {
                for a in accounts {
                    let old = self.accounts.get(&a.id).cloned().unwrap_or_default();
                    let merged = Account {
                        name: or(&a.name, &old.name),
                        arn: or(&a.arn, &old.arn),
                        email: or(&a.email, &old.email),
                        status: or(&a.status, &old.status),
                        parent: or(&a.parent, &old.parent),
                        ..a
                    };
                    self.accounts.insert(merged.id.clone(), merged);
                }
            }
            OrgFacts::Parent { child, parent } => {
                if let Some(a) = self.accounts.get_mut(&child) {
                    a.parent = Some(parent);
                } else if let Some(u) = self.units.get_mut(&child) {
                    u.parent = Some(parent);
                } else if child.starts_with("ou-") {
                    self.units.insert(
                        child.clone(),
                        Unit {
                            id: child,
                            unit_type: "ORGANIZATIONAL_UNIT".to_owned(),
                            parent: Some(parent),
                            ..Unit::default()
                        },
                    );
                } else {
                    self.accounts.insert(
                        child.clone(),
                        Account {
                            id: child,
                            parent: Some(parent),
                            ..Account::default()
                        },
                    );
                }
            }
            OrgFacts::Policies(policies) => {
                for p in policies {
                    if let Some(kind) = p
                        .description
                        .as_deref()
                        .and_then(|d| d.strip_prefix(NOT_AN_SCP))
                    {
                        self.skipped_policies.insert(p.id.clone(), kind.to_owned());
                        continue;
                    }
                    let old = self.policies.get(&p.id).cloned().unwrap_or_default();
                    let merged = Scp {
                        name: or(&p.name, &old.name),
                        arn: or(&p.arn, &old.arn),
                        description: or(&p.description, &old.description),
                        aws_managed: or(&p.aws_managed, &old.aws_managed),
                        document: or(&p.document, &old.document),
                        ..p
                    };
                    self.policies.insert(merged.id.clone(), merged);
                }
            }
            OrgFacts::Targets {
                policy,
                mut targets,
            } => {
                targets.sort();
                targets.dedup();
                self.targets.insert(policy, targets);
            }
            OrgFacts::Organization { management, .. } => {
                if management.is_some() {
                    self.management_account = management;
                }
            }
        }
    }

    /// The management account: from describe-organization, else the account field every
    /// Organizations ARN carries.
    pub fn management(&self) -> Option<String> {
        self.management_account.clone().or_else(|| {
            self.units
                .values()
                .filter_map(|u| u.arn.as_deref())
                .chain(self.accounts.values().filter_map(|a| a.arn.as_deref()))
                .find_map(|arn| arn.split(':').nth(4).filter(|a| !a.is_empty()))
                .map(str::to_owned)
        })
    }

    /// The entity path of a unit or account (`o-a1b2c3d4e5/r-ab12/ou-ab12-11111111`), as
    /// far as the known parents reach; `None` when a parent is unknown or the chain loops.
    pub fn path_of(&self, id: &str) -> Option<String> {
        let mut chain = vec![id.to_owned()];
        let mut parent = self
            .accounts
            .get(id)
            .and_then(|a| a.parent.clone())
            .or_else(|| self.units.get(id).and_then(|u| u.parent.clone()));
        let is_root = self.units.get(id).is_some_and(|u| u.unit_type == "ROOT");
        if is_root {
            return Some(format!("{}/{id}", self.id));
        }
        while let Some(p) = parent {
            if chain.contains(&p) || chain.len() > 8 {
                return None;
            }
            chain.push(p.clone());
            let unit = self.units.get(&p)?;
            if unit.unit_type == "ROOT" {
                chain.push(self.id.clone());
                chain.reverse();
                return Some(chain.join("/"));
            }
            parent = unit.parent.clone();
        }
        None
    }

    /// The policies attached to any entity on the path of `account` (root, OUs, account):
    /// the SCPs that apply to it, by entity from the root down.
    pub fn scps_on_path(&self, account: &str) -> Vec<(String, Vec<&Scp>)> {
        let Some(path) = self.path_of(account) else {
            return Vec::new();
        };
        path.split('/')
            .skip(1)
            .map(|entity| {
                let attached = self
                    .targets
                    .iter()
                    .filter(|(_, ts)| ts.iter().any(|t| t.target_id == entity))
                    .filter_map(|(policy, _)| self.policies.get(policy))
                    .collect();
                (entity.to_owned(), attached)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_organizations_could_not_hold_are_refused() {
        for (kind, id) in [
            ("p-", "p-7hq2c4xz"),
            ("p-", "p-FullAWSAccess"),
            ("r-", "r-ab12"),
            ("ou-", "ou-ab12-11111111"),
            ("account", "123456789012"),
        ] {
            assert!(is_org_id(kind, id), "{id}");
        }
        for (kind, id) in [
            ("p-", "p-7hq2c4xz;touch pwned"),
            ("p-", "p-$(id)abcdefgh"),
            ("p-", "p-short"),
            ("r-", "r-AB12"),
            ("ou-", "ou-ab12-1111\n111"),
            ("account", "12345678901x"),
        ] {
            assert!(!is_org_id(kind, id), "{id}");
        }
        let ids = OrgIds {
            policy: Some("p-7hq2c4xz`id`".to_owned()),
            ..OrgIds::default()
        };
        assert!(ids.check().unwrap_err().contains("--policy-id"));
        assert!(OrgIds::default().check().is_ok());
    }

    #[test]
    fn ids_from_arns_and_file_names() {
        assert_eq!(
            org_of_arn("arn:aws:organizations::123456789012:ou/o-a1b2c3d4e5/ou-ab12-11111111"),
            Some("o-a1b2c3d4e5")
        );
        assert_eq!(
            org_of_arn("arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"),
            None
        );
        let p = Path::new("/x/list-accounts-for-parent.ou-ab12-11111111.json");
        assert_eq!(
            id_in_name(p, &["r-", "ou-"]).as_deref(),
            Some("ou-ab12-11111111")
        );
        let p = Path::new("list-parents.210987654321.json");
        assert_eq!(
            id_in_name(p, &["ou-", "account"]).as_deref(),
            Some("210987654321")
        );
        assert_eq!(id_in_name(Path::new("accounts.json"), &["r-", "ou-"]), None);
    }

    #[test]
    fn paths_follow_parents_to_the_root() {
        let mut org = Organization {
            id: "o-a1b2c3d4e5".to_owned(),
            ..Organization::default()
        };
        org.merge(OrgFacts::Units(vec![Unit {
            id: "r-ab12".into(),
            unit_type: "ROOT".into(),
            ..Unit::default()
        }]));
        org.merge(OrgFacts::Units(vec![Unit {
            id: "ou-ab12-11111111".into(),
            name: Some("Development".into()),
            unit_type: "ORGANIZATIONAL_UNIT".into(),
            parent: Some("r-ab12".into()),
            ..Unit::default()
        }]));
        org.merge(OrgFacts::Parent {
            child: "210987654321".into(),
            parent: "ou-ab12-11111111".into(),
        });
        assert_eq!(
            org.path_of("210987654321").as_deref(),
            Some("o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/210987654321")
        );
        assert_eq!(
            org.path_of("r-ab12").as_deref(),
            Some("o-a1b2c3d4e5/r-ab12")
        );
        assert_eq!(org.path_of("999999999999"), None);
        org.merge(OrgFacts::Targets {
            policy: "p-1".into(),
            targets: vec![Target {
                target_id: "ou-ab12-11111111".into(),
                ..Target::default()
            }],
        });
        org.merge(OrgFacts::Policies(vec![Scp {
            id: "p-1".into(),
            name: Some("NewServiceTest".into()),
            ..Scp::default()
        }]));
        let on_path = org.scps_on_path("210987654321");
        assert_eq!(on_path.len(), 3);
        assert_eq!(on_path[1].0, "ou-ab12-11111111");
        assert_eq!(on_path[1].1[0].name.as_deref(), Some("NewServiceTest"));
    }
}

/// What `trailcut org ingest` did.
#[derive(Debug, Default, Serialize)]
pub struct OrgReport {
    /// The organisation the files described.
    pub org_id: Option<String>,
    /// Files read.
    pub files: usize,
    /// Rows per table after the merge.
    pub rows: BTreeMap<&'static str, usize>,
    /// Accounts and OUs whose path to the root is not known yet (a parent is missing).
    pub without_path: Vec<String>,
    /// Files refused, with the reason.
    pub errors: Vec<String>,
    /// Facts that leave the picture incomplete (an SCP without known targets, a policy of
    /// another type left out).
    pub warnings: Vec<String>,
}

/// The organisations known to the store.
pub fn known_orgs(store: &crate::store::Store) -> Vec<String> {
    crate::store::org_tables::known_orgs(store)
}

/// Loads what the store knows of an organisation.
pub fn load(
    store: &crate::store::Store,
    org: &str,
) -> Result<Organization, crate::store::StoreError> {
    match crate::store::org_tables::read_state(store, org)? {
        Some(bytes) => {
            serde_json::from_slice(&bytes).map_err(|e| crate::store::StoreError::Journal {
                path: crate::store::org_tables::state_path(store, org),
                message: e.to_string(),
            })
        }
        None => Ok(Organization {
            id: org.to_owned(),
            ..Organization::default()
        }),
    }
}

fn strings(values: Vec<Option<String>>) -> ArrayRef {
    Arc::new(StringArray::from(values))
}

/// The four tables' rows for `org`, in `store::org_tables`' schemas.
pub fn batches(org: &Organization) -> Result<[RecordBatch; 4], arrow::error::ArrowError> {
    let org_col = |n: usize| strings(vec![Some(org.id.clone()); n]);
    let units: Vec<_> = org.units.values().collect();
    let units = RecordBatch::try_new(
        table_schema(TABLES[0]).expect("known"),
        vec![
            org_col(units.len()),
            strings(units.iter().map(|u| Some(u.id.clone())).collect()),
            strings(units.iter().map(|u| u.name.clone()).collect()),
            strings(units.iter().map(|u| u.arn.clone()).collect()),
            strings(units.iter().map(|u| Some(u.unit_type.clone())).collect()),
            strings(units.iter().map(|u| u.parent.clone()).collect()),
            strings(units.iter().map(|u| org.path_of(&u.id)).collect()),
        ],
    )?;
    let accounts: Vec<_> = org.accounts.values().collect();
    let management = org.management();
    let accounts = RecordBatch::try_new(
        table_schema(TABLES[1]).expect("known"),
        vec![
            org_col(accounts.len()),
            strings(accounts.iter().map(|a| Some(a.id.clone())).collect()),
            strings(accounts.iter().map(|a| a.name.clone()).collect()),
            strings(accounts.iter().map(|a| a.arn.clone()).collect()),
            strings(accounts.iter().map(|a| a.email.clone()).collect()),
            strings(accounts.iter().map(|a| a.status.clone()).collect()),
            strings(accounts.iter().map(|a| a.parent.clone()).collect()),
            strings(accounts.iter().map(|a| org.path_of(&a.id)).collect()),
            Arc::new(BooleanArray::from(
                accounts
                    .iter()
                    .map(|a| Some(management.as_deref() == Some(a.id.as_str())))
                    .collect::<Vec<_>>(),
            )),
        ],
    )?;
    let policies: Vec<_> = org.policies.values().collect();
    let scps = RecordBatch::try_new(
        table_schema(TABLES[2]).expect("known"),
        vec![
            org_col(policies.len()),
            strings(policies.iter().map(|p| Some(p.id.clone())).collect()),
            strings(policies.iter().map(|p| p.name.clone()).collect()),
            strings(policies.iter().map(|p| p.arn.clone()).collect()),
            strings(policies.iter().map(|p| p.description.clone()).collect()),
            Arc::new(BooleanArray::from(
                policies.iter().map(|p| p.aws_managed).collect::<Vec<_>>(),
            )),
            strings(policies.iter().map(|p| p.document.clone()).collect()),
        ],
    )?;
    let targets: Vec<(&String, &Target)> = org
        .targets
        .iter()
        .flat_map(|(p, ts)| ts.iter().map(move |t| (p, t)))
        .collect();
    let scp_targets = RecordBatch::try_new(
        table_schema(TABLES[3]).expect("known"),
        vec![
            org_col(targets.len()),
            strings(targets.iter().map(|(p, _)| Some((*p).clone())).collect()),
            strings(
                targets
                    .iter()
                    .map(|(p, _)| org.policies.get(*p).and_then(|s| s.name.clone()))
                    .collect(),
            ),
            strings(
                targets
                    .iter()
                    .map(|(_, t)| Some(t.target_id.clone()))
                    .collect(),
            ),
            strings(targets.iter().map(|(_, t)| t.target_type.clone()).collect()),
            strings(targets.iter().map(|(_, t)| t.name.clone()).collect()),
            strings(
                targets
                    .iter()
                    .map(|(_, t)| org.path_of(&t.target_id))
                    .collect(),
            ),
        ],
    )?;
    Ok([units, accounts, scps, scp_targets])
}

/// Reads the files, merges them into their organisation's state and rewrites its tables.
pub fn ingest_org(
    store: &crate::store::Store,
    paths: &[PathBuf],
    ids: &OrgIds,
) -> Result<OrgReport, crate::store::StoreError> {
    let mut report = OrgReport::default();
    let mut facts = Vec::new();
    for path in paths {
        match read_file(path, ids) {
            Ok(f) => {
                facts.push(f);
                report.files += 1;
            }
            Err(e) => report.errors.push(e.to_string()),
        }
    }
    ingest_facts(store, facts, report)
}

/// Merges facts (from files or from the Organizations API) into their organisation's state
/// and rewrites its tables.
pub fn ingest_facts(
    store: &crate::store::Store,
    facts: Vec<OrgFacts>,
    mut report: OrgReport,
) -> Result<OrgReport, crate::store::StoreError> {
    let named: Vec<String> = {
        let mut v: Vec<String> = facts.iter().filter_map(OrgFacts::org_id).collect();
        v.sort();
        v.dedup();
        v
    };
    let org_id = match named.as_slice() {
        [one] => one.clone(),
        [] => match known_orgs(store).as_slice() {
            [one] => one.clone(),
            _ => {
                report.errors.push(
                    "none of the files names its organisation (no ARN with an o-... id): \
                     add list-roots or describe-organization output"
                        .to_owned(),
                );
                return Ok(report);
            }
        },
        many => {
            report.errors.push(format!(
                "the files describe several organisations ({}): ingest them separately",
                many.join(", ")
            ));
            return Ok(report);
        }
    };
    if facts.is_empty() {
        return Ok(report);
    }
    let _lock = store.open_for_write()?;
    let mut org = load(store, &org_id)?;
    for f in facts {
        org.merge(f);
    }
    for (id, kind) in &org.skipped_policies {
        report.warnings.push(format!(
            "policy {id} is a {kind}, not a service control policy: left out"
        ));
    }
    for (id, p) in &org.policies {
        if !org.targets.contains_key(id) {
            report.warnings.push(format!(
                "SCP {} ({id}) has no known targets: ingest `list-targets-for-policy` for it, \
                 or it is applied nowhere",
                p.name.as_deref().unwrap_or("?")
            ));
        }
    }
    report.without_path = org
        .units
        .keys()
        .chain(org.accounts.keys())
        .filter(|id| org.path_of(id).is_none())
        .cloned()
        .collect();
    let batches = batches(&org)?;
    for (table, batch) in crate::store::org_tables::TABLES.iter().zip(&batches) {
        report.rows.insert(table, batch.num_rows());
    }
    let state = serde_json::to_vec_pretty(&org).map_err(|e| crate::store::StoreError::Journal {
        path: crate::store::org_tables::state_path(store, &org_id),
        message: e.to_string(),
    })?;
    crate::store::org_tables::replace(store, &org_id, &batches, &state)?;
    report.org_id = Some(org_id);
    Ok(report)
}
