//! IAM Identity Center from the AWS CLI's JSON outputs (or `trailcut collect sso`, which
//! writes the same files): instances, permission sets with their policies, account
//! assignments, and the Identity Store's users, groups and memberships, merged into one
//! state and written as the `sso_*` and `identity_store_*` tables.
//!
//! Each file is one command's output, recognised by its top-level key. Four outputs do not
//! say which permission set they describe (`get-inline-policy-for-permission-set`,
//! `list-managed-policies-in-permission-set`,
//! `list-customer-managed-policy-references-in-permission-set`,
//! `get-permissions-boundary-for-permission-set`): the permission set's id (`ps-...`) goes
//! in the file name, as sample_data/identity-center has them
//! (`get-inline-policy-for-permission-set.ps-0123456789abcdef.json`), or its ARN in a
//! `PermissionSetArn` key beside the output's own.
//!
//! Lists are complete answers: `list-instances` replaces the instances,
//! `list-permission-sets` an instance's permission sets, `list-users` and `list-groups`
//! an identity store's users and groups, `list-group-memberships` a group's members, and
//! `list-account-assignments` the assignments of one permission set in one account.
//! Everything else updates what the store already has.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::sso_tables::{self, TABLES, table_schema};
use crate::store::{Store, StoreError};

/// An Identity Center instance (`list-instances`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub arn: String,
    pub identity_store_id: Option<String>,
    pub owner_account_id: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    pub created: Option<String>,
}

/// An AWS managed policy attached to a permission set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: Option<String>,
}

/// A customer managed policy a permission set refers to by name and path: the policy of
/// that name in each account the permission set is provisioned to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CustomerPolicy {
    pub name: String,
    pub path: String,
}

/// A permission set's permissions boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Boundary {
    Managed(String),
    Customer(CustomerPolicy),
}

/// A permission set with what each of its outputs said; `None` where no output was given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PermissionSet {
    pub arn: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub session_duration: Option<String>,
    pub relay_state: Option<String>,
    pub created: Option<String>,
    /// The inline policy document as given (`Some("")` when the output said there is none).
    pub inline_policy: Option<String>,
    pub managed: Option<Vec<ManagedPolicy>>,
    pub customer_managed: Option<Vec<CustomerPolicy>>,
    pub boundary: Option<Boundary>,
}

impl PermissionSet {
    /// `arn:aws:sso:::permissionSet/ssoins-X/ps-Y` -> `ps-Y`.
    pub fn id(&self) -> &str {
        self.arn.rsplit('/').next().unwrap_or(&self.arn)
    }

    /// The instance the permission set belongs to, from its ARN.
    pub fn instance_arn(&self) -> Option<String> {
        instance_of(&self.arn)
    }
}

/// `arn:aws:sso:::permissionSet/ssoins-X/ps-Y` -> `arn:aws:sso:::instance/ssoins-X`.
pub fn instance_of(permission_set_arn: &str) -> Option<String> {
    let (head, resource) = permission_set_arn.split_once(":permissionSet/")?;
    let instance = resource.split('/').next()?;
    Some(format!("{head}:instance/{instance}"))
}

/// A permission set assigned to a user or group in an account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Assignment {
    pub permission_set_arn: String,
    pub account_id: String,
    /// `USER` or `GROUP`.
    pub principal_type: String,
    pub principal_id: String,
}

/// An Identity Store user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub identity_store_id: String,
    pub user_id: String,
    pub user_name: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub status: Option<String>,
}

/// An Identity Store group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub identity_store_id: String,
    pub group_id: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
}

/// A user in a group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Membership {
    pub identity_store_id: String,
    pub group_id: String,
    pub user_id: String,
}

/// Everything the store knows of Identity Center, merged from every output given so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IdentityCenter {
    /// By instance ARN.
    pub instances: BTreeMap<String, Instance>,
    /// By permission set ARN.
    pub permission_sets: BTreeMap<String, PermissionSet>,
    pub assignments: BTreeSet<Assignment>,
    /// By `identity_store_id/user_id`.
    pub users: BTreeMap<String, User>,
    /// By `identity_store_id/group_id`.
    pub groups: BTreeMap<String, Group>,
    pub memberships: BTreeSet<Membership>,
}

/// Which permission set an output that does not name one is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PermissionSetRef {
    Arn(String),
    /// `ps-...`, from the file name.
    Id(String),
}

/// What one output said.
#[derive(Debug, Clone, PartialEq)]
pub enum SsoFacts {
    Instances(Vec<Instance>),
    /// `list-permission-sets`: ARNs.
    PermissionSetList(Vec<String>),
    Described(PermissionSet),
    Inline(PermissionSetRef, String),
    Managed(PermissionSetRef, Vec<ManagedPolicy>),
    Customer(PermissionSetRef, Vec<CustomerPolicy>),
    Boundary(PermissionSetRef, Option<Boundary>),
    /// `list-account-assignments` (or `-for-principal`), with the account and permission
    /// set it was asked about when its file name says (so that an empty answer empties it).
    Assignments(Vec<Assignment>, Option<(String, String)>),
    /// Every assignment of one permission set, in every account (`collect sso`).
    AllAssignments(String, Vec<Assignment>),
    Users(Vec<User>),
    Groups(Vec<Group>),
    /// `list-group-memberships`: the members, and the group asked about when the file name
    /// or the caller says (so that an empty answer empties it).
    Memberships(Vec<Membership>, Option<String>),
}

/// Why an Identity Center file was refused.
#[derive(Debug, thiserror::Error)]
#[error("`{path}`: {message}")]
pub struct SsoFileError {
    pub path: PathBuf,
    pub message: String,
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// A time as the tables hold it: RFC 3339, UTC, milliseconds.
pub fn time_from_millis(millis: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// A time field: CLI v2 prints ISO 8601 with an offset, the API (and `--cli-...` options)
/// epoch seconds; both become [`time_from_millis`]'s form (text that is neither is kept).
fn time(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(
            chrono::DateTime::parse_from_rfc3339(s)
                .ok()
                .and_then(|t| time_from_millis(t.timestamp_millis()))
                .unwrap_or_else(|| s.clone()),
        ),
        Value::Number(n) => n
            .as_f64()
            .and_then(|secs| time_from_millis((secs * 1000.0).round() as i64)),
        _ => None,
    }
}

/// The `ps-...` id in a file's name.
fn permission_set_in_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".json").unwrap_or(name);
    stem.split(['.', '_', ' ', '/'])
        .find(|t| t.starts_with("ps-") && t.len() > 3)
        .map(str::to_owned)
}

/// Reads one AWS CLI output.
pub fn read_file(path: &Path) -> Result<SsoFacts, SsoFileError> {
    let bad = |message: String| SsoFileError {
        path: path.to_path_buf(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let value = crate::nesting::parse_json(&bytes).map_err(bad)?;
    read_value(&value, path).map_err(bad)
}

fn read_value(value: &Value, path: &Path) -> Result<SsoFacts, String> {
    let list = |key: &str| value.get(key).and_then(Value::as_array);
    let which = || -> Result<PermissionSetRef, String> {
        if let Some(arn) = value.get("PermissionSetArn").and_then(Value::as_str) {
            return Ok(PermissionSetRef::Arn(arn.to_owned()));
        }
        permission_set_in_name(path)
            .map(PermissionSetRef::Id)
            .ok_or_else(|| {
                "this output does not say which permission set it describes: put its id in \
                 the file name (e.g. `get-inline-policy-for-permission-set.ps-0123456789abcdef.json`) \
                 or add a \"PermissionSetArn\" key"
                    .to_owned()
            })
    };
    if let Some(items) = list("Instances") {
        if items.iter().any(|i| i.get("InstanceArn").is_none()) {
            return Err(
                "an `Instances` list without `InstanceArn`: not `aws sso-admin \
                        list-instances` output (EC2's run-instances has that key too)"
                    .into(),
            );
        }
        return Ok(SsoFacts::Instances(
            items
                .iter()
                .filter_map(|i| {
                    Some(Instance {
                        arn: text(i, "InstanceArn")?,
                        identity_store_id: text(i, "IdentityStoreId"),
                        owner_account_id: text(i, "OwnerAccountId"),
                        name: text(i, "Name"),
                        status: text(i, "Status"),
                        created: time(i, "CreatedDate"),
                    })
                })
                .collect(),
        ));
    }
    if let Some(items) = list("PermissionSets") {
        let arns: Vec<String> = items
            .iter()
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect();
        if arns.len() != items.len() {
            return Err("`PermissionSets` should list permission set ARNs".into());
        }
        return Ok(SsoFacts::PermissionSetList(arns));
    }
    if let Some(p) = value.get("PermissionSet").filter(|p| p.is_object()) {
        let arn =
            text(p, "PermissionSetArn").ok_or("`PermissionSet` without `PermissionSetArn`")?;
        return Ok(SsoFacts::Described(PermissionSet {
            arn,
            name: text(p, "Name"),
            description: text(p, "Description"),
            session_duration: text(p, "SessionDuration"),
            relay_state: text(p, "RelayState"),
            created: time(p, "CreatedDate"),
            ..PermissionSet::default()
        }));
    }
    if let Some(policy) = value.get("InlinePolicy") {
        let policy = match policy {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            // A document given as an object (a hand-made file): kept as its JSON text.
            other @ Value::Object(_) => other.to_string(),
            _ => return Err("`InlinePolicy` should be the policy document as a string".into()),
        };
        if !policy.trim().is_empty() {
            crate::policy::PolicyDocument::parse(&policy)
                .map_err(|e| format!("the inline policy is not a policy document: {e}"))?;
        }
        return Ok(SsoFacts::Inline(which()?, policy));
    }
    if let Some(items) = list("AttachedManagedPolicies") {
        let policies = items
            .iter()
            .filter_map(|p| {
                Some(ManagedPolicy {
                    arn: text(p, "Arn")?,
                    name: text(p, "Name"),
                })
            })
            .collect();
        return Ok(SsoFacts::Managed(which()?, policies));
    }
    if let Some(items) = list("CustomerManagedPolicyReferences") {
        let policies = items.iter().filter_map(customer_policy).collect();
        return Ok(SsoFacts::Customer(which()?, policies));
    }
    if let Some(b) = value.get("PermissionsBoundary") {
        let boundary = if let Some(arn) = text(b, "ManagedPolicyArn") {
            Some(Boundary::Managed(arn))
        } else {
            b.get("CustomerManagedPolicyReference")
                .and_then(customer_policy)
                .map(Boundary::Customer)
        };
        return Ok(SsoFacts::Boundary(which()?, boundary));
    }
    if let Some(items) = list("AccountAssignments") {
        // `list-account-assignments.ACCOUNT.ps-....json`: the pair it answers for.
        let asked = path.file_name().and_then(|n| n.to_str()).and_then(|name| {
            let tokens: Vec<&str> = name.split(['.', '_', ' ']).collect();
            let account = tokens
                .iter()
                .find(|t| t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit()))?;
            let ps = tokens
                .iter()
                .find(|t| t.starts_with("ps-") && t.len() > 3)?;
            Some(((*account).to_owned(), (*ps).to_owned()))
        });
        return Ok(SsoFacts::Assignments(
            items
                .iter()
                .filter_map(|a| {
                    Some(Assignment {
                        permission_set_arn: text(a, "PermissionSetArn")?,
                        account_id: text(a, "AccountId")?,
                        principal_type: text(a, "PrincipalType")?,
                        principal_id: text(a, "PrincipalId")?,
                    })
                })
                .collect(),
            asked,
        ));
    }
    if let Some(items) = list("Users") {
        if items
            .iter()
            .any(|u| u.get("Arn").is_some() || u.get("IdentityStoreId").is_none())
        {
            return Err(
                "users without `IdentityStoreId`: not `aws identitystore list-users` output \
                 (IAM's users come from `aws iam get-account-authorization-details`)"
                    .into(),
            );
        }
        return Ok(SsoFacts::Users(
            items
                .iter()
                .filter_map(|u| {
                    let emails = u.get("Emails").and_then(Value::as_array);
                    let email = emails.and_then(|e| {
                        e.iter()
                            .find(|m| m.get("Primary").and_then(Value::as_bool) == Some(true))
                            .or(e.first())
                            .and_then(|m| text(m, "Value"))
                    });
                    Some(User {
                        identity_store_id: text(u, "IdentityStoreId")?,
                        user_id: text(u, "UserId")?,
                        user_name: text(u, "UserName"),
                        display_name: text(u, "DisplayName"),
                        email,
                        status: text(u, "UserStatus"),
                    })
                })
                .collect(),
        ));
    }
    if let Some(items) = list("Groups") {
        if items
            .iter()
            .any(|g| g.get("Arn").is_some() || g.get("IdentityStoreId").is_none())
        {
            return Err(
                "groups without `IdentityStoreId`: not `aws identitystore list-groups` output \
                 (IAM's groups come from `aws iam get-account-authorization-details`)"
                    .into(),
            );
        }
        return Ok(SsoFacts::Groups(
            items
                .iter()
                .filter_map(|g| {
                    Some(Group {
                        identity_store_id: text(g, "IdentityStoreId")?,
                        group_id: text(g, "GroupId")?,
                        display_name: text(g, "DisplayName"),
                        description: text(g, "Description"),
                    })
                })
                .collect(),
        ));
    }
    if let Some(items) = list("GroupMemberships") {
        // `list-group-memberships.GROUP-ID.json`: the group it answers for.
        let asked = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("list-group-memberships."))
            .and_then(|n| n.strip_suffix(".json"))
            .filter(|id| !id.is_empty())
            .map(str::to_owned);
        return Ok(SsoFacts::Memberships(
            items
                .iter()
                .filter_map(|m| {
                    Some(Membership {
                        identity_store_id: text(m, "IdentityStoreId")?,
                        group_id: text(m, "GroupId")?,
                        user_id: m.get("MemberId").and_then(|id| text(id, "UserId"))?,
                    })
                })
                .collect(),
            asked,
        ));
    }
    Err(
        "not an IAM Identity Center output trailcut reads (list-instances, \
         list-permission-sets, describe-permission-set, get-inline-policy-for-permission-set, \
         list-managed-policies-in-permission-set, \
         list-customer-managed-policy-references-in-permission-set, \
         get-permissions-boundary-for-permission-set, list-account-assignments, \
         identitystore list-users, list-groups, list-group-memberships)"
            .into(),
    )
}

fn customer_policy(v: &Value) -> Option<CustomerPolicy> {
    Some(CustomerPolicy {
        name: text(v, "Name")?,
        path: text(v, "Path").unwrap_or_else(|| "/".to_owned()),
    })
}

impl IdentityCenter {
    fn find(&mut self, which: &PermissionSetRef) -> Option<&mut PermissionSet> {
        match which {
            PermissionSetRef::Arn(arn) => Some(
                self.permission_sets
                    .entry(arn.clone())
                    .or_insert_with(|| PermissionSet {
                        arn: arn.clone(),
                        ..PermissionSet::default()
                    }),
            ),
            PermissionSetRef::Id(id) => {
                let mut found = self
                    .permission_sets
                    .values_mut()
                    .filter(|p| p.arn.ends_with(&format!("/{id}")));
                let first = found.next();
                if found.next().is_some() {
                    return None;
                }
                first
            }
        }
    }

    /// Merges one output; an error when it names a permission set the store does not know.
    pub fn merge(&mut self, facts: SsoFacts) -> Result<(), String> {
        let unknown = |which: &PermissionSetRef| match which {
            PermissionSetRef::Id(id) => format!(
                "permission set {id} is not known: give its `describe-permission-set` output \
                 (or `list-permission-sets`) too"
            ),
            PermissionSetRef::Arn(arn) => format!("permission set {arn} is not known"),
        };
        match facts {
            // Each account's `list-instances` names its own instances: updated, never
            // dropped for being absent from another account's answer.
            SsoFacts::Instances(instances) => {
                for i in instances {
                    self.instances.insert(i.arn.clone(), i);
                }
            }
            SsoFacts::PermissionSetList(arns) => {
                let listed: BTreeSet<&String> = arns.iter().collect();
                let instances: BTreeSet<String> =
                    arns.iter().filter_map(|a| instance_of(a)).collect();
                self.permission_sets.retain(|arn, p| {
                    listed.contains(arn)
                        || !p.instance_arn().is_some_and(|i| instances.contains(&i))
                });
                // A permission set gone takes its assignments with it.
                let known = &self.permission_sets;
                self.assignments.retain(|a| {
                    known.contains_key(&a.permission_set_arn)
                        || !instance_of(&a.permission_set_arn)
                            .is_some_and(|i| instances.contains(&i))
                });
                for arn in arns {
                    self.permission_sets
                        .entry(arn.clone())
                        .or_insert_with(|| PermissionSet {
                            arn,
                            ..PermissionSet::default()
                        });
                }
            }
            SsoFacts::Described(described) => {
                let p = self
                    .permission_sets
                    .entry(described.arn.clone())
                    .or_default();
                p.arn = described.arn;
                p.name = described.name;
                p.description = described.description;
                p.session_duration = described.session_duration;
                p.relay_state = described.relay_state;
                p.created = described.created;
            }
            SsoFacts::Inline(which, policy) => {
                self.find(&which)
                    .ok_or_else(|| unknown(&which))?
                    .inline_policy = Some(policy);
            }
            SsoFacts::Managed(which, policies) => {
                self.find(&which).ok_or_else(|| unknown(&which))?.managed = Some(policies);
            }
            SsoFacts::Customer(which, policies) => {
                self.find(&which)
                    .ok_or_else(|| unknown(&which))?
                    .customer_managed = Some(policies);
            }
            SsoFacts::Boundary(which, boundary) => {
                self.find(&which).ok_or_else(|| unknown(&which))?.boundary = boundary;
            }
            SsoFacts::Assignments(assignments, asked) => {
                let pairs: BTreeSet<(String, String)> = assignments
                    .iter()
                    .map(|a| (a.permission_set_arn.clone(), a.account_id.clone()))
                    .collect();
                self.assignments.retain(|a| {
                    let asked_about = asked.as_ref().is_some_and(|(account, ps)| {
                        &a.account_id == account
                            && a.permission_set_arn.ends_with(&format!("/{ps}"))
                    });
                    !asked_about
                        && !pairs.contains(&(a.permission_set_arn.clone(), a.account_id.clone()))
                });
                self.assignments.extend(assignments);
            }
            SsoFacts::AllAssignments(permission_set, assignments) => {
                self.assignments
                    .retain(|a| a.permission_set_arn != permission_set);
                self.assignments.extend(assignments);
            }
            SsoFacts::Users(users) => {
                let stores: BTreeSet<String> =
                    users.iter().map(|u| u.identity_store_id.clone()).collect();
                self.users
                    .retain(|_, u| !stores.contains(&u.identity_store_id));
                for u in users {
                    self.users
                        .insert(format!("{}/{}", u.identity_store_id, u.user_id), u);
                }
            }
            SsoFacts::Groups(groups) => {
                let stores: BTreeSet<String> =
                    groups.iter().map(|g| g.identity_store_id.clone()).collect();
                self.groups
                    .retain(|_, g| !stores.contains(&g.identity_store_id));
                for g in groups {
                    self.groups
                        .insert(format!("{}/{}", g.identity_store_id, g.group_id), g);
                }
            }
            SsoFacts::Memberships(members, asked) => {
                let groups: BTreeSet<(String, String)> = members
                    .iter()
                    .map(|m| (m.identity_store_id.clone(), m.group_id.clone()))
                    .collect();
                self.memberships.retain(|m| {
                    asked.as_deref() != Some(m.group_id.as_str())
                        && !groups.contains(&(m.identity_store_id.clone(), m.group_id.clone()))
                });
                self.memberships.extend(members);
            }
        }
        Ok(())
    }

    /// The identity store of an instance, when `list-instances` said it (else the only one
    /// the store knows).
    pub fn identity_store_of(&self, instance_arn: &str) -> Option<String> {
        if let Some(id) = self
            .instances
            .get(instance_arn)
            .and_then(|i| i.identity_store_id.clone())
        {
            return Some(id);
        }
        let stores: BTreeSet<&String> = self
            .users
            .values()
            .map(|u| &u.identity_store_id)
            .chain(self.groups.values().map(|g| &g.identity_store_id))
            .collect();
        (stores.len() == 1)
            .then(|| stores.into_iter().next().cloned())
            .flatten()
    }

    /// The user name (users) or display name (groups) of an assignment's principal.
    pub fn principal_name(&self, a: &Assignment) -> Option<String> {
        let store = instance_of(&a.permission_set_arn).and_then(|i| self.identity_store_of(&i))?;
        let key = format!("{store}/{}", a.principal_id);
        match a.principal_type.as_str() {
            "USER" => self.users.get(&key)?.user_name.clone(),
            "GROUP" => self.groups.get(&key)?.display_name.clone(),
            _ => None,
        }
    }

    /// The permission set named `name`, in any case.
    pub fn permission_set_named(&self, name: &str) -> Vec<&PermissionSet> {
        self.permission_sets
            .values()
            .filter(|p| {
                p.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .collect()
    }
}

fn strings(values: Vec<Option<String>>) -> ArrayRef {
    Arc::new(StringArray::from(values))
}

fn batch(
    table: usize,
    columns: Vec<Vec<Option<String>>>,
) -> Result<RecordBatch, arrow::error::ArrowError> {
    RecordBatch::try_new(
        table_schema(TABLES[table]).expect("a known table"),
        columns.into_iter().map(strings).collect(),
    )
}

/// Transposes rows into columns.
fn columns<const N: usize>(rows: Vec<[Option<String>; N]>) -> Vec<Vec<Option<String>>> {
    let mut columns: Vec<Vec<Option<String>>> =
        (0..N).map(|_| Vec::with_capacity(rows.len())).collect();
    for row in rows {
        for (column, value) in columns.iter_mut().zip(row) {
            column.push(value);
        }
    }
    columns
}

/// The seven tables' rows, in `store::sso_tables`' schemas.
pub fn batches(ic: &IdentityCenter) -> Result<[RecordBatch; 7], arrow::error::ArrowError> {
    let some = |s: &str| Some(s.to_owned());
    let instances = ic
        .instances
        .values()
        .map(|i| {
            [
                some(&i.arn),
                i.arn.rsplit('/').next().map(str::to_owned),
                i.identity_store_id.clone(),
                i.owner_account_id.clone(),
                i.name.clone(),
                i.status.clone(),
                i.created.clone(),
            ]
        })
        .collect();
    let boundary = |p: &PermissionSet| match &p.boundary {
        Some(Boundary::Managed(arn)) => [some(arn), None, None],
        Some(Boundary::Customer(c)) => [None, some(&c.name), some(&c.path)],
        None => [None, None, None],
    };
    let sets = ic
        .permission_sets
        .values()
        .map(|p| {
            let [b_arn, b_name, b_path] = boundary(p);
            [
                p.instance_arn(),
                some(&p.arn),
                some(p.id()),
                p.name.clone(),
                p.description.clone(),
                p.session_duration.clone(),
                p.relay_state.clone(),
                p.created.clone(),
                p.inline_policy.clone().filter(|d| !d.trim().is_empty()),
                b_arn,
                b_name,
                b_path,
            ]
        })
        .collect();
    let mut policies = Vec::new();
    for p in ic.permission_sets.values() {
        for m in p.managed.iter().flatten() {
            policies.push([
                some(&p.arn),
                p.name.clone(),
                some("aws_managed"),
                some(&m.arn),
                m.name
                    .clone()
                    .or_else(|| m.arn.rsplit('/').next().map(str::to_owned)),
                None,
            ]);
        }
        for c in p.customer_managed.iter().flatten() {
            policies.push([
                some(&p.arn),
                p.name.clone(),
                some("customer_managed"),
                None,
                some(&c.name),
                some(&c.path),
            ]);
        }
    }
    let assignments = ic
        .assignments
        .iter()
        .map(|a| {
            [
                instance_of(&a.permission_set_arn),
                some(&a.permission_set_arn),
                ic.permission_sets
                    .get(&a.permission_set_arn)
                    .and_then(|p| p.name.clone()),
                some(&a.account_id),
                some(&a.principal_type),
                some(&a.principal_id),
                ic.principal_name(a),
            ]
        })
        .collect();
    let users = ic
        .users
        .values()
        .map(|u| {
            [
                some(&u.identity_store_id),
                some(&u.user_id),
                u.user_name.clone(),
                u.display_name.clone(),
                u.email.clone(),
                u.status.clone(),
            ]
        })
        .collect();
    let groups = ic
        .groups
        .values()
        .map(|g| {
            [
                some(&g.identity_store_id),
                some(&g.group_id),
                g.display_name.clone(),
                g.description.clone(),
            ]
        })
        .collect();
    let members = ic
        .memberships
        .iter()
        .map(|m| {
            let key = |id: &str| format!("{}/{id}", m.identity_store_id);
            [
                some(&m.identity_store_id),
                some(&m.group_id),
                ic.groups
                    .get(&key(&m.group_id))
                    .and_then(|g| g.display_name.clone()),
                some(&m.user_id),
                ic.users
                    .get(&key(&m.user_id))
                    .and_then(|u| u.user_name.clone()),
            ]
        })
        .collect();
    Ok([
        batch(0, columns::<7>(instances))?,
        batch(1, columns::<12>(sets))?,
        batch(2, columns::<6>(policies))?,
        batch(3, columns::<7>(assignments))?,
        batch(4, columns::<6>(users))?,
        batch(5, columns::<4>(groups))?,
        batch(6, columns::<5>(members))?,
    ])
}

/// What an ingest of Identity Center outputs did.
#[derive(Debug, Default, Serialize)]
pub struct SsoReport {
    /// Files read.
    pub files: usize,
    /// Rows per table after the merge.
    pub rows: BTreeMap<&'static str, usize>,
    /// Files refused, with the reason.
    pub errors: Vec<String>,
    /// What leaves the picture incomplete: permission sets without their outputs,
    /// assignments to principals the Identity Store outputs do not have.
    pub warnings: Vec<String>,
}

/// Loads what the store knows of Identity Center.
pub fn load(store: &Store) -> Result<IdentityCenter, StoreError> {
    match sso_tables::read_state(store)? {
        Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| StoreError::Journal {
            path: sso_tables::state_path(store),
            message: e.to_string(),
        }),
        None => Ok(IdentityCenter::default()),
    }
}

/// Reads the files, merges them into the store's Identity Center state (descriptions
/// before the outputs that refer to them) and rewrites the tables.
pub fn ingest_sso(store: &Store, paths: &[PathBuf]) -> Result<SsoReport, StoreError> {
    let mut report = SsoReport::default();
    let mut facts = Vec::new();
    for path in paths {
        match read_file(path) {
            Ok(f) => facts.push((format!("`{}`", path.display()), f)),
            Err(e) => report.errors.push(e.to_string()),
        }
    }
    ingest_facts(store, facts, report)
}

/// Merges facts (from files or from the API, each with where it came from) into the
/// store's Identity Center state and rewrites the tables.
pub fn ingest_facts(
    store: &Store,
    mut facts: Vec<(String, SsoFacts)>,
    mut report: SsoReport,
) -> Result<SsoReport, StoreError> {
    if facts.is_empty() {
        return Ok(report);
    }
    // Outputs that name a permission set by id only go after those that describe it.
    let refers = |f: &SsoFacts| {
        matches!(
            f,
            SsoFacts::Inline(PermissionSetRef::Id(_), _)
                | SsoFacts::Managed(PermissionSetRef::Id(_), _)
                | SsoFacts::Customer(PermissionSetRef::Id(_), _)
                | SsoFacts::Boundary(PermissionSetRef::Id(_), _)
        )
    };
    facts.sort_by_key(|(_, f)| refers(f));
    let _lock = store.open_for_write()?;
    let mut ic = load(store)?;
    for (path, f) in facts {
        match ic.merge(f) {
            Ok(()) => report.files += 1,
            Err(message) => report.errors.push(format!("{path}: {message}")),
        }
    }
    report.warnings = ic.gaps();
    let batches = batches(&ic)?;
    for (table, batch) in TABLES.iter().zip(&batches) {
        report.rows.insert(table, batch.num_rows());
    }
    let state = serde_json::to_vec_pretty(&ic).map_err(|e| StoreError::Journal {
        path: sso_tables::state_path(store),
        message: e.to_string(),
    })?;
    sso_tables::replace(store, &batches, &state)?;
    Ok(report)
}

impl IdentityCenter {
    /// What is missing for a full picture, one line each.
    pub fn gaps(&self) -> Vec<String> {
        let mut gaps = Vec::new();
        for p in self.permission_sets.values() {
            let name = p.name.as_deref().unwrap_or(p.id());
            if p.name.is_none() {
                gaps.push(format!(
                    "permission set {} has no `describe-permission-set` output: its name is unknown",
                    p.arn
                ));
            }
            let mut missing = Vec::new();
            if p.inline_policy.is_none() {
                missing.push("get-inline-policy-for-permission-set");
            }
            if p.managed.is_none() {
                missing.push("list-managed-policies-in-permission-set");
            }
            if p.customer_managed.is_none() {
                missing.push("list-customer-managed-policy-references-in-permission-set");
            }
            if !missing.is_empty() {
                gaps.push(format!(
                    "permission set {name}: no {} output, so its policies are not all known",
                    missing.join(", ")
                ));
            }
        }
        let known_users = !self.users.is_empty();
        let known_groups = !self.groups.is_empty();
        for a in &self.assignments {
            let checkable = match a.principal_type.as_str() {
                "USER" => known_users,
                "GROUP" => known_groups,
                _ => false,
            };
            if checkable && self.principal_name(a).is_none() {
                gaps.push(format!(
                    "the {} {} assigned in account {} is not in the Identity Store outputs",
                    a.principal_type.to_ascii_lowercase(),
                    a.principal_id,
                    a.account_id
                ));
            }
        }
        gaps
    }
}

/// Writes `facts` as the AWS CLI's outputs into `dir`, one file per command and subject,
/// named as `sso ingest` reads them back (`describe-permission-set.ps-....json`,
/// `list-account-assignments.ACCOUNT.ps-....json`, ...); returns the files written.
pub fn write_cli_files(dir: &Path, facts: &[SsoFacts]) -> std::io::Result<usize> {
    use serde_json::json;
    std::fs::create_dir_all(dir)?;
    let id = |arn: &str| arn.rsplit('/').next().unwrap_or(arn).to_owned();
    let which = |w: &PermissionSetRef| match w {
        PermissionSetRef::Arn(arn) => id(arn),
        PermissionSetRef::Id(ps) => ps.clone(),
    };
    let mut files: Vec<(String, Value)> = Vec::new();
    for f in facts {
        match f {
            SsoFacts::Instances(list) => files.push((
                "list-instances.json".into(),
                json!({"Instances": list.iter().map(|i| json!({
                    "InstanceArn": i.arn, "IdentityStoreId": i.identity_store_id,
                    "OwnerAccountId": i.owner_account_id, "Name": i.name,
                    "Status": i.status, "CreatedDate": i.created,
                })).collect::<Vec<_>>()}),
            )),
            SsoFacts::PermissionSetList(arns) => {
                let instance = arns
                    .first()
                    .and_then(|a| instance_of(a))
                    .map(|i| id(&i))
                    .unwrap_or_else(|| "empty".to_owned());
                files.push((
                    format!("list-permission-sets.{instance}.json"),
                    json!({ "PermissionSets": arns }),
                ));
            }
            SsoFacts::Described(p) => files.push((
                format!("describe-permission-set.{}.json", id(&p.arn)),
                json!({"PermissionSet": {
                    "Name": p.name, "PermissionSetArn": p.arn, "Description": p.description,
                    "CreatedDate": p.created, "SessionDuration": p.session_duration,
                    "RelayState": p.relay_state,
                }}),
            )),
            SsoFacts::Inline(w, policy) => files.push((
                format!("get-inline-policy-for-permission-set.{}.json", which(w)),
                json!({ "InlinePolicy": policy }),
            )),
            SsoFacts::Managed(w, list) => files.push((
                format!("list-managed-policies-in-permission-set.{}.json", which(w)),
                json!({"AttachedManagedPolicies": list.iter()
                    .map(|m| json!({"Name": m.name, "Arn": m.arn})).collect::<Vec<_>>()}),
            )),
            SsoFacts::Customer(w, list) => files.push((
                format!(
                    "list-customer-managed-policy-references-in-permission-set.{}.json",
                    which(w)
                ),
                json!({"CustomerManagedPolicyReferences": list.iter()
                    .map(|c| json!({"Name": c.name, "Path": c.path})).collect::<Vec<_>>()}),
            )),
            SsoFacts::Boundary(w, Some(boundary)) => files.push((
                format!(
                    "get-permissions-boundary-for-permission-set.{}.json",
                    which(w)
                ),
                json!({"PermissionsBoundary": match boundary {
                    Boundary::Managed(arn) => json!({"ManagedPolicyArn": arn}),
                    Boundary::Customer(c) => json!({"CustomerManagedPolicyReference":
                        {"Name": c.name, "Path": c.path}}),
                }}),
            )),
            SsoFacts::Boundary(_, None) => {}
            SsoFacts::AllAssignments(..) => {}
            SsoFacts::Assignments(list, asked) => {
                let Some((account, ps)) = asked.clone().or_else(|| {
                    list.first()
                        .map(|a| (a.account_id.clone(), id(&a.permission_set_arn)))
                }) else {
                    continue;
                };
                files.push((
                    format!("list-account-assignments.{account}.{ps}.json"),
                    json!({"AccountAssignments": list.iter().map(|a| json!({
                        "AccountId": a.account_id, "PermissionSetArn": a.permission_set_arn,
                        "PrincipalType": a.principal_type, "PrincipalId": a.principal_id,
                    })).collect::<Vec<_>>()}),
                ));
            }
            SsoFacts::Users(list) => {
                let Some(first) = list.first() else { continue };
                files.push((
                    format!("list-users.{}.json", first.identity_store_id),
                    json!({"Users": list.iter().map(|u| json!({
                        "IdentityStoreId": u.identity_store_id, "UserId": u.user_id,
                        "UserName": u.user_name, "DisplayName": u.display_name,
                        "Emails": u.email.iter().map(|e| json!({"Value": e, "Primary": true}))
                            .collect::<Vec<_>>(),
                        "UserStatus": u.status,
                    })).collect::<Vec<_>>()}),
                ));
            }
            SsoFacts::Groups(list) => {
                let Some(first) = list.first() else { continue };
                files.push((
                    format!("list-groups.{}.json", first.identity_store_id),
                    json!({"Groups": list.iter().map(|g| json!({
                        "IdentityStoreId": g.identity_store_id, "GroupId": g.group_id,
                        "DisplayName": g.display_name, "Description": g.description,
                    })).collect::<Vec<_>>()}),
                ));
            }
            SsoFacts::Memberships(list, asked) => {
                let Some(group) = asked
                    .clone()
                    .or_else(|| list.first().map(|m| m.group_id.clone()))
                else {
                    continue;
                };
                files.push((
                    format!("list-group-memberships.{group}.json"),
                    json!({"GroupMemberships": list.iter().map(|m| json!({
                        "IdentityStoreId": m.identity_store_id, "GroupId": m.group_id,
                        "MemberId": {"UserId": m.user_id},
                    })).collect::<Vec<_>>()}),
                ));
            }
        }
    }
    for (name, value) in &files {
        // Ids come from AWS; a name is made of them and must stay one file in `dir`.
        let name = crate::tighten::file_name(name);
        let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
        std::fs::write(dir.join(name), text + "\n")?;
    }
    Ok(files.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(json: &str, name: &str) -> Result<SsoFacts, String> {
        read_value(&serde_json::from_str(json).expect("json"), Path::new(name))
    }

    const PS: &str = "arn:aws:sso:::permissionSet/ssoins-1111222233334444/ps-aaaabbbbccccdddd";

    #[test]
    fn each_output_is_recognised_and_merged() {
        let mut ic = IdentityCenter::default();
        let inline = r#"{"InlinePolicy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}"}"#;
        // The inline policy before its description: refused, by id.
        let early = facts(
            inline,
            "get-inline-policy-for-permission-set.ps-aaaabbbbccccdddd.json",
        );
        assert!(
            ic.merge(early.clone().expect("read"))
                .unwrap_err()
                .contains("describe-permission-set")
        );
        for (json, name) in [
            (
                r#"{"Instances":[{"InstanceArn":"arn:aws:sso:::instance/ssoins-1111222233334444","IdentityStoreId":"d-1234567890","OwnerAccountId":"123456789012","CreatedDate":1714557600.123,"Status":"ACTIVE"}]}"#,
                "list-instances.json",
            ),
            (
                &format!(
                    r#"{{"PermissionSet":{{"Name":"Developers","PermissionSetArn":"{PS}","SessionDuration":"PT8H","CreatedDate":"2024-05-01T10:00:00.123000+00:00"}}}}"#
                ),
                "describe-permission-set.ps-aaaabbbbccccdddd.json",
            ),
            (
                r#"{"AttachedManagedPolicies":[{"Name":"AdministratorAccess","Arn":"arn:aws:iam::aws:policy/AdministratorAccess"}]}"#,
                "list-managed-policies-in-permission-set.ps-aaaabbbbccccdddd.json",
            ),
            (
                &format!(
                    r#"{{"PermissionSetArn":"{PS}","CustomerManagedPolicyReferences":[{{"Name":"team-boundary"}}]}}"#
                ),
                "anything.json",
            ),
            (
                &format!(
                    r#"{{"AccountAssignments":[{{"AccountId":"123456789012","PermissionSetArn":"{PS}","PrincipalType":"GROUP","PrincipalId":"g-1"}},{{"AccountId":"123456789012","PermissionSetArn":"{PS}","PrincipalType":"USER","PrincipalId":"u-9"}}]}}"#
                ),
                "list-account-assignments.json",
            ),
            (
                r#"{"Users":[{"IdentityStoreId":"d-1234567890","UserId":"u-1","UserName":"alice@example.com","Emails":[{"Value":"a@x","Primary":false},{"Value":"alice@example.com","Primary":true}]}]}"#,
                "list-users.json",
            ),
            (
                r#"{"Groups":[{"IdentityStoreId":"d-1234567890","GroupId":"g-1","DisplayName":"Developers"}]}"#,
                "list-groups.json",
            ),
            (
                r#"{"GroupMemberships":[{"IdentityStoreId":"d-1234567890","MembershipId":"m-1","GroupId":"g-1","MemberId":{"UserId":"u-1"}}]}"#,
                "list-group-memberships.g-1.json",
            ),
        ] {
            ic.merge(facts(json, name).expect(name)).expect(name);
        }
        ic.merge(early.expect("read")).expect("now known");
        let p = &ic.permission_sets[PS];
        assert_eq!(p.name.as_deref(), Some("Developers"));
        assert!(
            p.inline_policy
                .as_deref()
                .is_some_and(|d| d.contains("s3:GetObject"))
        );
        assert_eq!(
            p.customer_managed.as_ref().map(|c| c[0].path.as_str()),
            Some("/")
        );
        assert_eq!(
            ic.instances["arn:aws:sso:::instance/ssoins-1111222233334444"]
                .created
                .as_deref(),
            Some("2024-05-01T10:00:00.123Z")
        );
        assert_eq!(
            ic.users["d-1234567890/u-1"].email.as_deref(),
            Some("alice@example.com")
        );
        // The user u-9 is not in the Identity Store outputs; the boundary output is missing
        // (not a gap: none is the common case), the descriptions are all there.
        let gaps = ic.gaps();
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        assert!(gaps[0].contains("u-9"));
        let [_, sets, policies, assignments, _, _, members] = batches(&ic).expect("batches");
        assert_eq!(sets.num_rows(), 1);
        assert_eq!(policies.num_rows(), 2);
        assert_eq!(assignments.num_rows(), 2);
        assert_eq!(members.num_rows(), 1);
        // A new assignment listing for the pair replaces it.
        ic.merge(
            facts(
                &format!(r#"{{"AccountAssignments":[{{"AccountId":"123456789012","PermissionSetArn":"{PS}","PrincipalType":"GROUP","PrincipalId":"g-1"}}]}}"#),
                "x.json",
            )
            .expect("read"),
        )
        .expect("merge");
        assert_eq!(ic.assignments.len(), 1);
        assert!(ic.gaps().is_empty());
    }

    #[test]
    fn outputs_that_cannot_be_placed_are_refused_with_the_fix() {
        let no_id = facts(r#"{"InlinePolicy": ""}"#, "inline.json").unwrap_err();
        assert!(no_id.contains("ps-0123456789abcdef"), "{no_id}");
        let iam = facts(
            r#"{"Users":[{"UserName":"paulo","Arn":"arn:aws:iam::123456789012:user/paulo"}]}"#,
            "users.json",
        )
        .unwrap_err();
        assert!(iam.contains("get-account-authorization-details"), "{iam}");
        let bad = facts(
            r#"{"InlinePolicy": "{\"Statement\": 5}"}"#,
            "get-inline-policy-for-permission-set.ps-1.json",
        )
        .unwrap_err();
        assert!(bad.contains("not a policy document"), "{bad}");
        assert!(facts(r#"{"Other": []}"#, "x.json").is_err());
        // EC2's run-instances and IAM's list-users have the same top-level keys.
        let ec2 = facts(
            r#"{"Instances":[{"InstanceId":"i-0123"}],"ReservationId":"r-1"}"#,
            "x.json",
        );
        assert!(ec2.unwrap_err().contains("InstanceArn"));
        let iam = facts(
            r#"{"Users":[{"UserName":"paulo","UserId":"AIDA1","Arn":"arn:aws:iam::123456789012:user/paulo"}]}"#,
            "users.json",
        );
        assert!(iam.unwrap_err().contains("IdentityStoreId"));
    }

    #[test]
    fn empty_answers_empty_what_they_were_asked_about() {
        let mut ic = IdentityCenter::default();
        let instance = |arn: &str| {
            format!(r#"{{"Instances":[{{"InstanceArn":"{arn}","IdentityStoreId":"d-1"}}]}}"#)
        };
        for (json, name) in [
            (instance("arn:aws:sso:::instance/ssoins-1111222233334444"), "list-instances.json".to_owned()),
            (format!(r#"{{"PermissionSets":["{PS}"]}}"#), "list-permission-sets.json".to_owned()),
            (
                format!(r#"{{"AccountAssignments":[{{"AccountId":"123456789012","PermissionSetArn":"{PS}","PrincipalType":"GROUP","PrincipalId":"g-1"}}]}}"#),
                "list-account-assignments.123456789012.ps-aaaabbbbccccdddd.json".to_owned(),
            ),
            (
                r#"{"GroupMemberships":[{"IdentityStoreId":"d-1","GroupId":"g-1","MemberId":{"UserId":"u-1"}}]}"#.to_owned(),
                "list-group-memberships.g-1.json".to_owned(),
            ),
        ] {
            ic.merge(facts(&json, &name).expect(&name)).expect(&name);
        }
        assert_eq!((ic.assignments.len(), ic.memberships.len()), (1, 1));
        // Another account's list-instances adds its instance, and drops none.
        ic.merge(
            facts(
                &instance("arn:aws:sso:::instance/ssoins-9999"),
                "list-instances.json",
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(ic.instances.len(), 2);
        // Empty answers, their subject in the file name.
        for (json, name) in [
            (
                r#"{"AccountAssignments":[]}"#,
                "list-account-assignments.123456789012.ps-aaaabbbbccccdddd.json",
            ),
            (
                r#"{"GroupMemberships":[]}"#,
                "list-group-memberships.g-1.json",
            ),
        ] {
            ic.merge(facts(json, name).expect(name)).expect(name);
        }
        assert_eq!((ic.assignments.len(), ic.memberships.len()), (0, 0));
        // A permission set no longer listed takes its assignments with it.
        ic.merge(
            facts(
                &format!(r#"{{"AccountAssignments":[{{"AccountId":"123456789012","PermissionSetArn":"{PS}","PrincipalType":"GROUP","PrincipalId":"g-1"}}]}}"#),
                "a.json",
            )
            .unwrap(),
        )
        .unwrap();
        ic.merge(
            facts(
                r#"{"PermissionSets":["arn:aws:sso:::permissionSet/ssoins-1111222233334444/ps-0000000000000000"]}"#,
                "list-permission-sets.json",
            )
            .unwrap(),
        )
        .unwrap();
        assert!(!ic.permission_sets.contains_key(PS));
        assert!(ic.assignments.is_empty());
    }
}
