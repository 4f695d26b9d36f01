//! `aws iam get-account-authorization-details` output: the typed model of one account's
//! users, groups, roles and policies, read from one file or several pages.
//!
//! The model is what the IAM side of trailcut needs (who is in which group, which policies
//! reach whom, each policy's documents); unknown fields are ignored. Dates come in the
//! CLI's ISO form (`2019-12-18T19:10:08Z`) or boto3's (`2019-12-18 19:10:08+00:00`), and
//! policy documents as JSON objects (CLI) or URL-encoded strings (the raw API): both are
//! accepted. Documents keep their original text.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::nesting::MAX_DEPTH;

/// Why an authorization-details file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AuthzError {
    /// The file could not be read.
    #[error("`{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not the output of get-account-authorization-details.
    #[error("`{path}`: {message}")]
    Format { path: PathBuf, message: String },
}

/// One page of `get-account-authorization-details`, as the CLI or boto3 prints it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthorizationPage {
    #[serde(default)]
    pub user_detail_list: Vec<UserDetail>,
    #[serde(default)]
    pub group_detail_list: Vec<GroupDetail>,
    #[serde(default)]
    pub role_detail_list: Vec<RoleDetail>,
    #[serde(default)]
    pub policies: Vec<ManagedPolicyDetail>,
    #[serde(default)]
    pub is_truncated: bool,
}

impl AuthorizationPage {
    /// The ARNs of every user, group, role and managed policy of the page.
    pub fn arns(&self) -> impl Iterator<Item = &str> {
        self.user_detail_list
            .iter()
            .map(|u| u.arn.as_str())
            .chain(self.group_detail_list.iter().map(|g| g.arn.as_str()))
            .chain(self.role_detail_list.iter().map(|r| r.arn.as_str()))
            .chain(self.policies.iter().map(|p| p.arn.as_str()))
    }
}

/// An IAM user.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserDetail {
    #[serde(default)]
    pub path: Option<String>,
    pub user_name: String,
    #[serde(default)]
    pub user_id: Option<String>,
    pub arn: String,
    #[serde(default)]
    pub create_date: Option<String>,
    #[serde(default)]
    pub user_policy_list: Vec<InlinePolicy>,
    #[serde(default)]
    pub group_list: Vec<String>,
    #[serde(default)]
    pub attached_managed_policies: Vec<AttachedPolicy>,
    #[serde(default)]
    pub permissions_boundary: Option<Boundary>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// An IAM group.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupDetail {
    #[serde(default)]
    pub path: Option<String>,
    pub group_name: String,
    #[serde(default)]
    pub group_id: Option<String>,
    pub arn: String,
    #[serde(default)]
    pub create_date: Option<String>,
    #[serde(default)]
    pub group_policy_list: Vec<InlinePolicy>,
    #[serde(default)]
    pub attached_managed_policies: Vec<AttachedPolicy>,
}

/// An IAM role.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleDetail {
    #[serde(default)]
    pub path: Option<String>,
    pub role_name: String,
    #[serde(default)]
    pub role_id: Option<String>,
    pub arn: String,
    #[serde(default)]
    pub create_date: Option<String>,
    #[serde(default)]
    pub assume_role_policy_document: Option<Box<RawValue>>,
    #[serde(default)]
    pub role_policy_list: Vec<InlinePolicy>,
    #[serde(default)]
    pub attached_managed_policies: Vec<AttachedPolicy>,
    #[serde(default)]
    pub permissions_boundary: Option<Boundary>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub role_last_used: Option<RoleLastUsed>,
}

/// A policy embedded in a user, group or role.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    pub policy_name: String,
    pub policy_document: Box<RawValue>,
}

/// A managed policy attached to a user, group or role.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicy {
    #[serde(default)]
    pub policy_name: Option<String>,
    pub policy_arn: String,
}

/// A permissions boundary.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Boundary {
    pub permissions_boundary_arn: String,
}

/// A tag.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// When a role was last used (`{}` when never, within the tracking period).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleLastUsed {
    #[serde(default)]
    pub last_used_date: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
}

/// A managed policy (customer or AWS) with its versions.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedPolicyDetail {
    pub policy_name: String,
    #[serde(default)]
    pub policy_id: Option<String>,
    pub arn: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub default_version_id: Option<String>,
    #[serde(default)]
    pub attachment_count: Option<i64>,
    #[serde(default)]
    pub permissions_boundary_usage_count: Option<i64>,
    #[serde(default)]
    pub is_attachable: Option<bool>,
    #[serde(default)]
    pub create_date: Option<String>,
    #[serde(default)]
    pub update_date: Option<String>,
    #[serde(default)]
    pub policy_version_list: Vec<PolicyVersion>,
}

/// One version of a managed policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersion {
    pub document: Box<RawValue>,
    pub version_id: String,
    #[serde(default)]
    pub is_default_version: bool,
    #[serde(default)]
    pub create_date: Option<String>,
}

/// One account's authorization details, merged from its pages.
#[derive(Debug, Default)]
pub struct AccountAuthorization {
    /// The 12-digit account id, from the ARNs.
    pub account_id: String,
    /// Users, groups, roles and policies of every page.
    pub details: AuthorizationPage,
    /// The files it was read from.
    pub sources: Vec<PathBuf>,
    /// Why the pages do not add up to a whole snapshot (a missing last page).
    pub incomplete: Vec<String>,
    /// True when the same user, group, role or policy appears in two files: two snapshots
    /// given together, not pages of one.
    pub duplicated: bool,
    /// What the run should be told about how its files were read (a file naming several
    /// accounts was split among them).
    pub notes: Vec<String>,
}

/// One file read: its pages per account, and what the run should be told about it.
#[derive(Debug, Default)]
pub struct PageRead {
    /// The page of each account its ARNs name, in account order; one page with `None` for
    /// a file holding only AWS managed policies, which name no account.
    pub pages: Vec<(Option<String>, AuthorizationPage)>,
    /// Warnings for every account of the file (it was split among several accounts, or
    /// left out entities whose ARN names none).
    pub warnings: Vec<String>,
}

/// Reads one page and the accounts its ARNs belong to. A file whose ARNs name several
/// accounts (a merged or anonymised export) is split into one page per account, with a
/// warning.
pub fn read_page(path: &Path) -> Result<PageRead, AuthzError> {
    let bytes = std::fs::read(path).map_err(|source| AuthzError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |message: String| AuthzError::Format {
        path: path.to_path_buf(),
        message,
    };
    // Before any tree is built: documents written as objects are part of the file.
    let value = crate::nesting::parse_json(&bytes).map_err(bad)?;
    let known = [
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
    ];
    if !value
        .as_object()
        .is_some_and(|o| known.iter().any(|k| o.contains_key(*k)))
    {
        return Err(bad(
            "not the output of `aws iam get-account-authorization-details` (no \
             UserDetailList, GroupDetailList, RoleDetailList or Policies)"
                .to_owned(),
        ));
    }
    // Parse the text again (not the Value) so that documents keep their original text.
    let page: AuthorizationPage = serde_json::from_slice(&bytes)
        .map_err(|e| bad(format!("line {}, column {}: {e}", e.line(), e.column())))?;
    check_encoded_documents(&page).map_err(bad)?;
    let mut accounts = page_accounts(&page);
    if accounts.len() <= 1 {
        return Ok(PageRead {
            pages: vec![(accounts.pop(), page)],
            warnings: Vec::new(),
        });
    }
    let mut warnings = vec![format!(
        "`{}`: its ARNs name {} accounts ({}): stored as one snapshot per account, AWS \
         managed policies with each",
        path.display(),
        accounts.len(),
        accounts.join(", ")
    )];
    let (pages, unplaced) = split_by_account(page, &accounts);
    if !unplaced.is_empty() {
        warnings.push(format!(
            "`{}`: left out {} entit{} whose ARN names no account: {}",
            path.display(),
            unplaced.len(),
            if unplaced.len() == 1 { "y" } else { "ies" },
            unplaced
                .iter()
                .map(|arn| format!("`{arn}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(PageRead {
        pages: pages.into_iter().map(|(a, p)| (Some(a), p)).collect(),
        warnings,
    })
}

/// Splits a page among `accounts` (those its ARNs name, sorted): each user, group, role
/// and customer managed policy goes to the account of its ARN, AWS managed policies
/// (which belong to none) to every account. ARNs naming no account are returned apart.
fn split_by_account(
    page: AuthorizationPage,
    accounts: &[String],
) -> (Vec<(String, AuthorizationPage)>, Vec<String>) {
    let mut pages: Vec<(String, AuthorizationPage)> = accounts
        .iter()
        .map(|account| {
            let page = AuthorizationPage {
                is_truncated: page.is_truncated,
                ..AuthorizationPage::default()
            };
            (account.clone(), page)
        })
        .collect();
    let mut unplaced = Vec::new();
    let slot = |arn: &str| arn_account(arn).and_then(|a| accounts.iter().position(|x| x == a));
    for user in page.user_detail_list {
        match slot(&user.arn) {
            Some(i) => pages[i].1.user_detail_list.push(user),
            None => unplaced.push(user.arn),
        }
    }
    for group in page.group_detail_list {
        match slot(&group.arn) {
            Some(i) => pages[i].1.group_detail_list.push(group),
            None => unplaced.push(group.arn),
        }
    }
    for role in page.role_detail_list {
        match slot(&role.arn) {
            Some(i) => pages[i].1.role_detail_list.push(role),
            None => unplaced.push(role.arn),
        }
    }
    for policy in page.policies {
        if arn_account(&policy.arn) == Some("aws") {
            for (_, page) in &mut pages {
                page.policies.push(policy.clone());
            }
            continue;
        }
        match slot(&policy.arn) {
            Some(i) => pages[i].1.policies.push(policy),
            None => unplaced.push(policy.arn),
        }
    }
    (pages, unplaced)
}

/// Checks the nesting of the URL-encoded documents (the raw API's form), which the check
/// of the file's own text cannot see into: a document nested too deep is refused with its
/// file, as it is when written as an object.
fn check_encoded_documents(page: &AuthorizationPage) -> Result<(), String> {
    fn inline<'a>(
        documents: &mut Vec<(String, &'a RawValue)>,
        at: String,
        policies: &'a [InlinePolicy],
    ) {
        for (j, p) in policies.iter().enumerate() {
            documents.push((format!("{at}[{j}].PolicyDocument"), &p.policy_document));
        }
    }
    let mut documents: Vec<(String, &RawValue)> = Vec::new();
    for (i, u) in page.user_detail_list.iter().enumerate() {
        let at = format!("$.UserDetailList[{i}].UserPolicyList");
        inline(&mut documents, at, &u.user_policy_list);
    }
    for (i, g) in page.group_detail_list.iter().enumerate() {
        let at = format!("$.GroupDetailList[{i}].GroupPolicyList");
        inline(&mut documents, at, &g.group_policy_list);
    }
    for (i, r) in page.role_detail_list.iter().enumerate() {
        let at = format!("$.RoleDetailList[{i}].RolePolicyList");
        inline(&mut documents, at, &r.role_policy_list);
    }
    for (i, r) in page.role_detail_list.iter().enumerate() {
        if let Some(document) = r.assume_role_policy_document.as_deref() {
            documents.push((
                format!("$.RoleDetailList[{i}].AssumeRolePolicyDocument"),
                document,
            ));
        }
    }
    for (i, p) in page.policies.iter().enumerate() {
        for (j, v) in p.policy_version_list.iter().enumerate() {
            documents.push((
                format!("$.Policies[{i}].PolicyVersionList[{j}].Document"),
                &*v.document,
            ));
        }
    }
    for (path, raw) in documents {
        let text = raw.get().trim();
        if !text.starts_with('"') {
            continue;
        }
        // Undecodable documents are reported per document later (`document_text`).
        let Ok(encoded) = serde_json::from_str::<String>(text) else {
            continue;
        };
        let Ok(decoded) = percent_decode(&encoded) else {
            continue;
        };
        crate::nesting::check(decoded.as_bytes(), MAX_DEPTH)
            .map_err(|e| format!("{path}: the URL-encoded document: {e}"))?;
    }
    Ok(())
}

/// The accounts the page's user, group, role and customer policy ARNs name.
fn page_accounts(page: &AuthorizationPage) -> Vec<String> {
    let mut accounts: Vec<String> = page
        .arns()
        .filter_map(arn_account)
        .filter(|a| *a != "aws")
        .map(str::to_owned)
        .collect();
    accounts.sort();
    accounts.dedup();
    accounts
}

/// The account field of an ARN (`arn:aws:iam::123456789012:user/x` -> `123456789012`).
pub fn arn_account(arn: &str) -> Option<&str> {
    let account = arn.split(':').nth(4)?;
    (!account.is_empty()).then_some(account)
}

/// Reads every file and merges the pages of each account, in the order given. A page that
/// names no account (only AWS managed policies) joins the run's one account. Files that
/// cannot be read are returned as errors; the rest are merged.
pub fn read_accounts(paths: &[PathBuf]) -> (Vec<AccountAuthorization>, Vec<AuthzError>) {
    let mut accounts: Vec<AccountAuthorization> = Vec::new();
    let mut errors = Vec::new();
    let mut orphans = Vec::new();
    let mut truncated: std::collections::HashMap<String, usize> = Default::default();
    for path in paths {
        let read = match read_page(path) {
            Ok(read) => read,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        for (account_id, page) in read.pages {
            let Some(account_id) = account_id else {
                orphans.push((path.clone(), page));
                continue;
            };
            *truncated.entry(account_id.clone()).or_default() += usize::from(page.is_truncated);
            add_page(&mut accounts, account_id.clone(), path.clone(), page);
            if let Some(account) = accounts.iter_mut().find(|a| a.account_id == account_id) {
                account.notes.extend(read.warnings.iter().cloned());
            }
        }
    }
    for (path, page) in orphans {
        match accounts.as_slice() {
            [one] => {
                let id = one.account_id.clone();
                *truncated.entry(id.clone()).or_default() += usize::from(page.is_truncated);
                add_page(&mut accounts, id, path, page);
            }
            _ => errors.push(AuthzError::Format {
                path,
                message: "no user, group, role or customer-managed policy ARN names the \
                          account, and the run is not about exactly one account"
                    .to_owned(),
            }),
        }
    }
    // Every page but the last says more follow: as many truncated pages as files means
    // the last page is missing.
    for account in &mut accounts {
        let pages = account.sources.len();
        if truncated.get(&account.account_id).copied().unwrap_or(0) >= pages {
            account.incomplete.push(
                "the last page given says more follow (IsTruncated): pass every page".to_owned(),
            );
        }
        let mut arns: Vec<&str> = account.details.arns().collect();
        arns.sort_unstable();
        let before = arns.len();
        arns.dedup();
        if arns.len() < before {
            account.duplicated = true;
        }
    }
    (accounts, errors)
}

fn add_page(
    accounts: &mut Vec<AccountAuthorization>,
    account_id: String,
    path: PathBuf,
    page: AuthorizationPage,
) {
    let slot = match accounts.iter().position(|a| a.account_id == account_id) {
        Some(i) => &mut accounts[i],
        None => {
            accounts.push(AccountAuthorization {
                account_id,
                ..AccountAuthorization::default()
            });
            accounts.last_mut().expect("just pushed")
        }
    };
    let into = &mut slot.details;
    into.user_detail_list.extend(page.user_detail_list);
    into.group_detail_list.extend(page.group_detail_list);
    into.role_detail_list.extend(page.role_detail_list);
    into.policies.extend(page.policies);
    slot.sources.push(path);
}

/// A policy document's JSON text: objects as written (minified), URL-encoded strings (the
/// raw IAM API's form) decoded.
pub fn document_text(raw: &RawValue) -> Result<String, String> {
    let text = raw.get().trim();
    if text.starts_with('"') {
        let encoded: String = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let decoded = percent_decode(&encoded)?;
        serde_json::from_str::<serde::de::IgnoredAny>(&decoded)
            .map_err(|e| format!("the decoded document is not JSON: {e}"))?;
        let mut out = String::with_capacity(decoded.len());
        super::batch::minify_into(&decoded, &mut out);
        return Ok(out);
    }
    let mut out = String::with_capacity(text.len());
    super::batch::minify_into(text, &mut out);
    Ok(out)
}

/// Decodes `%XX` escapes. IAM encodes documents per RFC 3986, so `+` is a plus sign.
fn percent_decode(text: &str) -> Result<String, String> {
    if !text.contains('%') {
        return Ok(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("bad percent escape at byte {i}"))?;
                out.push(hex);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// Microseconds since the epoch of an IAM date in the CLI's ISO form or boto3's.
pub fn parse_iam_date(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_micros());
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%:z"] {
        if let Ok(t) = chrono::DateTime::parse_from_str(text, format) {
            return Some(t.timestamp_micros());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_forms() {
        let iso = parse_iam_date("2019-12-18T19:10:08Z").unwrap();
        assert_eq!(parse_iam_date("2019-12-18 19:10:08+00:00"), Some(iso));
        assert_eq!(parse_iam_date("2019-12-18T20:10:08+01:00"), Some(iso));
        assert_eq!(
            parse_iam_date("2019-12-18 19:10:08.250000+00:00"),
            Some(iso + 250_000)
        );
        assert_eq!(parse_iam_date("yesterday"), None);
    }

    #[test]
    fn documents_as_objects_or_url_encoded() {
        let object =
            RawValue::from_string("{ \"Version\": \"2012-10-17\", \"Statement\": [] }".to_owned())
                .unwrap();
        assert_eq!(
            document_text(&object).unwrap(),
            r#"{"Version":"2012-10-17","Statement":[]}"#
        );
        let encoded = RawValue::from_string(
            "\"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D\"".to_owned(),
        )
        .unwrap();
        assert_eq!(
            document_text(&encoded).unwrap(),
            r#"{"Version":"2012-10-17","Statement":[]}"#
        );
        let broken = RawValue::from_string("\"%7B%2\"".to_owned()).unwrap();
        assert!(document_text(&broken).is_err());
    }

    #[test]
    fn accounts_come_from_arns() {
        assert_eq!(
            arn_account("arn:aws:iam::012345678901:user/obama"),
            Some("012345678901")
        );
        assert_eq!(
            arn_account("arn:aws:iam::aws:policy/AdministratorAccess"),
            Some("aws")
        );
        assert_eq!(arn_account("nonsense"), None);
    }
}

/// What `trailcut authz ingest` did for one account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountReport {
    /// The account.
    pub account_id: String,
    /// The files (pages) its snapshot came from.
    pub sources: Vec<PathBuf>,
    /// When the snapshot was taken, RFC 3339.
    pub snapshot_time: String,
    /// The snapshot it replaced, if any (RFC 3339).
    pub replaced: Option<String>,
    /// True when the stored snapshot was kept (it is newer, or this run was incomplete).
    pub kept_stored: bool,
    /// Rows per table.
    pub rows: std::collections::BTreeMap<&'static str, usize>,
    /// What was left out, and why.
    pub warnings: Vec<String>,
}

/// What `trailcut authz ingest` did.
#[derive(Debug, Default, serde::Serialize)]
pub struct AuthzReport {
    /// One entry per account found.
    pub accounts: Vec<AccountReport>,
    /// Files that could not be read, with the reason.
    pub errors: Vec<String>,
}

fn rfc3339(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Ingests authorization-details files: each account's pages become one snapshot that
/// replaces the account's earlier one, unless the store's is newer. `taken_at`
/// (microseconds) dates the snapshot; by default, the newest modification time of its
/// files.
pub fn ingest_authorization(
    store: &crate::store::Store,
    paths: &[PathBuf],
    taken_at: Option<i64>,
) -> Result<AuthzReport, crate::store::StoreError> {
    use crate::store::authz_tables::{TABLES, replace_snapshot, snapshot_time};
    let (accounts, errors) = read_accounts(paths);
    let mut report = AuthzReport {
        errors: errors.iter().map(ToString::to_string).collect(),
        ..AuthzReport::default()
    };
    if accounts.is_empty() {
        return Ok(report);
    }
    let _lock = store.open_for_write()?;
    let names_before = crate::store::usage::load_iam_names(store)?;
    let catalog = crate::catalog::ActionCatalog::embedded();
    for account in accounts {
        let time = taken_at.unwrap_or_else(|| newest_mtime(&account.sources));
        let existing = snapshot_time(store, &account.account_id)?;
        let mut entry = AccountReport {
            account_id: account.account_id.clone(),
            sources: account.sources.clone(),
            snapshot_time: rfc3339(time),
            replaced: existing.map(rfc3339),
            kept_stored: false,
            rows: Default::default(),
            warnings: account.notes.clone(),
        };
        if account.duplicated {
            entry.warnings.push(format!(
                "the same principals or policies appear in several of its files ({}): these \
                 are separate snapshots, not pages of one; ingest them one at a time",
                account
                    .sources
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            entry.replaced = None;
            entry.kept_stored = existing.is_some();
            report.accounts.push(entry);
            continue;
        }
        if existing.is_some() && !report.errors.is_empty() {
            // A file of this run failed: it may have been one of this account's pages, and a
            // partial snapshot must not replace a whole one.
            entry.warnings.push(
                "a file of this run could not be read; the stored snapshot is kept".to_owned(),
            );
            entry.replaced = None;
            entry.kept_stored = true;
            report.accounts.push(entry);
            continue;
        }
        if existing.is_some_and(|e| e > time) {
            entry.kept_stored = true;
            entry.replaced = None;
            entry.warnings.push(format!(
                "the store has a newer snapshot of {} ({}); kept it",
                account.account_id,
                existing.map(rfc3339).unwrap_or_default()
            ));
            report.accounts.push(entry);
            continue;
        }
        let (batches, rows) = super::authz_rows::account_batches(&account, time, catalog)?;
        replace_snapshot(store, &account.account_id, &batches)?;
        entry.rows = TABLES.iter().copied().zip(rows.rows).collect();
        entry.warnings.extend(account.incomplete.iter().cloned());
        entry.warnings.extend(rows.warnings);
        report.accounts.push(entry);
    }
    if report.accounts.iter().any(|a| !a.kept_stored) {
        // Names in IAM requests may now resolve to ARNs in the usage rollup.
        crate::store::usage::refresh_iam(store, &names_before)?;
    }
    Ok(report)
}

fn newest_mtime(paths: &[PathBuf]) -> i64 {
    paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .filter_map(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_micros() as i64)
        .max()
        .unwrap_or(0)
}
