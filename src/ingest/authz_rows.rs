//! One account's authorization details as the rows of the store's IAM tables
//! (`store::authz_tables`): principals, group members, attachments (direct and through
//! groups), every policy version, and the grants of each policy's current document.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Int32Builder, Int64Builder, ListBuilder, RecordBatch, StringBuilder,
    TimestampMicrosecondBuilder,
};

use super::authz::{AccountAuthorization, InlinePolicy, document_text, parse_iam_date};
use crate::catalog::ActionCatalog;
use crate::policy::{ActionClause, Effect, PolicyDocument, ResourceClause};
use crate::store::authz_tables::{TABLES, table_schema};

/// What did not go into the tables, per account.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RowsReport {
    /// Rows written per table, in `TABLES` order.
    pub rows: [usize; 5],
    /// Problems that left something out (a document that does not parse, a policy attached
    /// but absent from the file), each naming what it concerns.
    pub warnings: Vec<String>,
}

/// A policy document to expand into grants.
struct Current<'a> {
    key: String,
    name: &'a str,
    kind: &'static str,
    document: String,
}

/// The five tables' batches for one account, in `TABLES` order.
pub fn account_batches(
    account: &AccountAuthorization,
    snapshot_time: i64,
    catalog: &ActionCatalog,
) -> Result<([RecordBatch; 5], RowsReport), arrow::error::ArrowError> {
    let id = account.account_id.as_str();
    let d = &account.details;
    let mut report = RowsReport::default();
    let date = |t: &Option<String>| t.as_deref().and_then(parse_iam_date);
    let policy_type = |arn: &str| {
        if arn.starts_with("arn:aws:iam::aws:") || arn.contains(":iam::aws:policy/") {
            "aws_managed"
        } else {
            "customer_managed"
        }
    };
    let inline_key = |owner_arn: &str, name: &str| format!("inline:{owner_arn}:{name}");
    let mut current: Vec<Current<'_>> = Vec::new();

    // principals
    let mut p = Cols::new(9);
    let mut p_created = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut p_last_used = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let tags_json = |tags: &[super::authz::Tag]| {
        (!tags.is_empty()).then(|| {
            let map: serde_json::Map<String, serde_json::Value> = tags
                .iter()
                .map(|t| (t.key.clone(), serde_json::Value::String(t.value.clone())))
                .collect();
            serde_json::Value::Object(map).to_string()
        })
    };
    for u in &d.user_detail_list {
        p.row([
            Some("user"),
            Some(&u.user_name),
            Some(&u.arn),
            u.user_id.as_deref(),
            u.path.as_deref(),
        ]);
        p_created.append_option(date(&u.create_date));
        p_last_used.append_null();
        p.tail([
            None,
            u.permissions_boundary
                .as_ref()
                .map(|b| b.permissions_boundary_arn.clone()),
            tags_json(&u.tags),
            None,
        ]);
    }
    for g in &d.group_detail_list {
        p.row([
            Some("group"),
            Some(&g.group_name),
            Some(&g.arn),
            g.group_id.as_deref(),
            g.path.as_deref(),
        ]);
        p_created.append_option(date(&g.create_date));
        p_last_used.append_null();
        p.tail([None, None, None, None]);
    }
    for r in &d.role_detail_list {
        p.row([
            Some("role"),
            Some(&r.role_name),
            Some(&r.arn),
            r.role_id.as_deref(),
            r.path.as_deref(),
        ]);
        p_created.append_option(date(&r.create_date));
        let last = r.role_last_used.as_ref();
        p_last_used.append_option(last.and_then(|l| date(&l.last_used_date)));
        let trust = match r.assume_role_policy_document.as_deref().map(document_text) {
            Some(Ok(text)) => Some(text),
            Some(Err(e)) => {
                report
                    .warnings
                    .push(format!("{}: trust policy: {e}", r.arn));
                None
            }
            None => None,
        };
        p.tail([
            last.and_then(|l| l.region.clone()),
            r.permissions_boundary
                .as_ref()
                .map(|b| b.permissions_boundary_arn.clone()),
            tags_json(&r.tags),
            trust,
        ]);
    }
    let principals = p.finish_principals(p_created, p_last_used, id, snapshot_time)?;

    // group_members
    let group_arns: HashMap<&str, &str> = d
        .group_detail_list
        .iter()
        .map(|g| (g.group_name.as_str(), g.arn.as_str()))
        .collect();
    let mut gm = Cols::new(4);
    for u in &d.user_detail_list {
        for g in &u.group_list {
            gm.row([
                Some(g.as_str()),
                group_arns.get(g.as_str()).copied(),
                Some(&u.user_name),
                Some(&u.arn),
            ]);
        }
    }
    let group_members = gm.finish_plain(GROUP_MEMBERS_I, id, snapshot_time)?;

    // attachments, and the inline documents for policies/grants
    let managed_names: HashMap<&str, &str> = d
        .policies
        .iter()
        .map(|m| (m.arn.as_str(), m.policy_name.as_str()))
        .collect();
    let mut at = Cols::new(9);
    let mut inline_rows: Vec<(&str, &InlinePolicy)> = Vec::new();
    let mut attach = |kind: &str,
                      name: &str,
                      arn: &str,
                      managed: &[super::authz::AttachedPolicy],
                      inline: &[InlinePolicy],
                      via_group: Option<(&str, &str)>| {
        let via = if via_group.is_some() {
            "group"
        } else {
            "direct"
        };
        let group = via_group.map(|(n, _)| n);
        for m in managed {
            let policy_name = m
                .policy_name
                .as_deref()
                .or_else(|| managed_names.get(m.policy_arn.as_str()).copied())
                .unwrap_or_else(|| m.policy_arn.rsplit('/').next().unwrap_or(&m.policy_arn));
            at.row([
                Some(kind),
                Some(name),
                Some(arn),
                Some(m.policy_arn.as_str()),
                Some(m.policy_arn.as_str()),
                Some(policy_name),
                Some(policy_type(&m.policy_arn)),
                Some(via),
                group,
            ]);
        }
        let owner = via_group.map_or(arn, |(_, a)| a);
        for i in inline {
            let key = inline_key(owner, &i.policy_name);
            at.row([
                Some(kind),
                Some(name),
                Some(arn),
                Some(&key),
                None,
                Some(&i.policy_name),
                Some("inline"),
                Some(via),
                group,
            ]);
        }
    };
    let groups: HashMap<&str, &super::authz::GroupDetail> = d
        .group_detail_list
        .iter()
        .map(|g| (g.group_name.as_str(), g))
        .collect();
    for u in &d.user_detail_list {
        attach(
            "user",
            &u.user_name,
            &u.arn,
            &u.attached_managed_policies,
            &u.user_policy_list,
            None,
        );
        for gname in &u.group_list {
            match groups.get(gname.as_str()) {
                Some(g) => attach(
                    "user",
                    &u.user_name,
                    &u.arn,
                    &g.attached_managed_policies,
                    &g.group_policy_list,
                    Some((&g.group_name, &g.arn)),
                ),
                None => report.warnings.push(format!(
                    "{}: group `{gname}` is not in the file; its policies are missing",
                    u.arn
                )),
            }
        }
        inline_rows.extend(u.user_policy_list.iter().map(|i| (u.arn.as_str(), i)));
    }
    for g in &d.group_detail_list {
        attach(
            "group",
            &g.group_name,
            &g.arn,
            &g.attached_managed_policies,
            &g.group_policy_list,
            None,
        );
        inline_rows.extend(g.group_policy_list.iter().map(|i| (g.arn.as_str(), i)));
    }
    for r in &d.role_detail_list {
        attach(
            "role",
            &r.role_name,
            &r.arn,
            &r.attached_managed_policies,
            &r.role_policy_list,
            None,
        );
        inline_rows.extend(r.role_policy_list.iter().map(|i| (r.arn.as_str(), i)));
    }
    let attachments = at.finish_plain(ATTACHMENTS_I, id, snapshot_time)?;

    // Attached managed policies the file has no document for.
    let mut missing: Vec<&str> = d
        .user_detail_list
        .iter()
        .flat_map(|u| &u.attached_managed_policies)
        .chain(
            d.group_detail_list
                .iter()
                .flat_map(|g| &g.attached_managed_policies),
        )
        .chain(
            d.role_detail_list
                .iter()
                .flat_map(|r| &r.attached_managed_policies),
        )
        .map(|m| m.policy_arn.as_str())
        .filter(|arn| !managed_names.contains_key(arn))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    for arn in missing {
        report.warnings.push(format!(
            "{arn} is attached but the file has no document for it: its grants are unknown"
        ));
    }

    // policies
    let mut po = PolicyCols::default();
    for m in &d.policies {
        let kind = policy_type(&m.arn);
        if m.policy_version_list.is_empty() {
            report
                .warnings
                .push(format!("{}: no policy version in the file", m.arn));
        }
        for v in &m.policy_version_list {
            let document = match document_text(&v.document) {
                Ok(text) => text,
                Err(e) => {
                    report
                        .warnings
                        .push(format!("{} {}: {e}", m.arn, v.version_id));
                    continue;
                }
            };
            let is_default = v.is_default_version
                || m.default_version_id.as_deref() == Some(v.version_id.as_str());
            if is_default {
                current.push(Current {
                    key: m.arn.clone(),
                    name: &m.policy_name,
                    kind,
                    document: document.clone(),
                });
            }
            po.push(PolicyRow {
                key: &m.arn,
                arn: Some(&m.arn),
                name: &m.policy_name,
                id: m.policy_id.as_deref(),
                kind,
                path: m.path.as_deref(),
                owner: None,
                default_version: m.default_version_id.as_deref(),
                attachment_count: m.attachment_count,
                created: date(&m.create_date),
                updated: date(&m.update_date),
                version_id: Some(&v.version_id),
                is_default,
                version_created: date(&v.create_date),
                document: &document,
            });
        }
    }
    for (owner, i) in &inline_rows {
        let key = inline_key(owner, &i.policy_name);
        let document = match document_text(&i.policy_document) {
            Ok(text) => text,
            Err(e) => {
                report
                    .warnings
                    .push(format!("{owner} inline `{}`: {e}", i.policy_name));
                continue;
            }
        };
        po.push(PolicyRow {
            key: &key,
            arn: None,
            name: &i.policy_name,
            id: None,
            kind: "inline",
            path: None,
            owner: Some(owner),
            default_version: None,
            attachment_count: None,
            created: None,
            updated: None,
            version_id: None,
            is_default: true,
            version_created: None,
            document: &document,
        });
        current.push(Current {
            key,
            name: &i.policy_name,
            kind: "inline",
            document,
        });
    }
    let policies = po.finish(id, snapshot_time)?;

    // policy_grants
    let mut gr = GrantCols::default();
    for c in &current {
        let doc = match PolicyDocument::parse(&c.document) {
            Ok(doc) => doc,
            Err(e) => {
                report
                    .warnings
                    .push(format!("{}: {e}; no grants recorded for it", c.key));
                continue;
            }
        };
        for (index, statement) in doc.statements.iter().enumerate() {
            let (resources, not_resource) = match &statement.resource {
                Some(ResourceClause::Resource(list)) => (Some(list.items()), false),
                Some(ResourceClause::NotResource(list)) => (Some(list.items()), true),
                None => (None, false),
            };
            let not_action = matches!(statement.action, ActionClause::NotAction(_));
            let effect = match statement.effect {
                Effect::Allow => "Allow",
                Effect::Deny => "Deny",
            };
            for action in statement.actions(catalog) {
                gr.push(GrantRow {
                    key: &c.key,
                    name: c.name,
                    kind: c.kind,
                    index: index as i32,
                    sid: statement.sid.as_deref(),
                    effect,
                    action,
                    not_action,
                    resources,
                    not_resource,
                    has_condition: !statement.condition.is_empty(),
                });
            }
        }
    }
    let grants = gr.finish(id, snapshot_time)?;

    let batches = [principals, group_members, attachments, policies, grants];
    for (i, b) in batches.iter().enumerate() {
        report.rows[i] = b.num_rows();
    }
    Ok((batches, report))
}

const GROUP_MEMBERS_I: usize = 1;
const ATTACHMENTS_I: usize = 2;

fn schema_of(i: usize) -> arrow::datatypes::SchemaRef {
    table_schema(TABLES[i]).expect("a known table")
}

/// The `account_id` and `snapshot_time` columns every IAM table starts and ends with.
fn account_and_time(account: &str, time: i64, rows: usize) -> (ArrayRef, ArrayRef) {
    let accounts: ArrayRef = Arc::new(arrow::array::StringArray::from_iter_values(
        std::iter::repeat_n(account, rows),
    ));
    let times: ArrayRef = Arc::new(
        arrow::array::TimestampMicrosecondArray::from_iter_values(std::iter::repeat_n(time, rows))
            .with_timezone("UTC"),
    );
    (accounts, times)
}

/// N string columns between `account_id` and `snapshot_time`.
struct Cols {
    cols: Vec<StringBuilder>,
    rows: usize,
}

impl Cols {
    fn new(n: usize) -> Self {
        Self {
            cols: (0..n).map(|_| StringBuilder::new()).collect(),
            rows: 0,
        }
    }

    /// Appends the first values of a row (all of it for plain tables).
    fn row<const N: usize>(&mut self, values: [Option<&str>; N]) {
        for (col, v) in self.cols.iter_mut().zip(values) {
            col.append_option(v);
        }
        self.rows += 1;
    }

    /// The last four string columns of `principals`.
    fn tail(&mut self, values: [Option<String>; 4]) {
        let start = self.cols.len() - 4;
        for (col, v) in self.cols[start..].iter_mut().zip(values) {
            col.append_option(v);
        }
    }

    fn prefix_suffix(&self, account: &str, time: i64) -> (ArrayRef, ArrayRef) {
        account_and_time(account, time, self.rows)
    }

    fn finish_plain(
        mut self,
        table: usize,
        account: &str,
        time: i64,
    ) -> Result<RecordBatch, arrow::error::ArrowError> {
        let (accounts, times) = self.prefix_suffix(account, time);
        let mut columns = vec![accounts];
        columns.extend(
            self.cols
                .iter_mut()
                .map(|c| Arc::new(c.finish()) as ArrayRef),
        );
        columns.push(times);
        RecordBatch::try_new(schema_of(table), columns)
    }

    fn finish_principals(
        mut self,
        mut created: TimestampMicrosecondBuilder,
        mut last_used: TimestampMicrosecondBuilder,
        account: &str,
        time: i64,
    ) -> Result<RecordBatch, arrow::error::ArrowError> {
        let (accounts, times) = self.prefix_suffix(account, time);
        let mut strings: Vec<ArrayRef> = self
            .cols
            .iter_mut()
            .map(|c| Arc::new(c.finish()) as ArrayRef)
            .collect();
        // type, name, arn, id, path | created, last used | region, boundary, tags, trust
        let tail = strings.split_off(5);
        let mut columns = vec![accounts];
        columns.extend(strings);
        columns.push(Arc::new(created.finish()));
        columns.push(Arc::new(last_used.finish()));
        columns.extend(tail);
        columns.push(times);
        RecordBatch::try_new(schema_of(0), columns)
    }
}

struct PolicyRow<'a> {
    key: &'a str,
    arn: Option<&'a str>,
    name: &'a str,
    id: Option<&'a str>,
    kind: &'a str,
    path: Option<&'a str>,
    owner: Option<&'a str>,
    default_version: Option<&'a str>,
    attachment_count: Option<i64>,
    created: Option<i64>,
    updated: Option<i64>,
    version_id: Option<&'a str>,
    is_default: bool,
    version_created: Option<i64>,
    document: &'a str,
}

#[derive(Default)]
struct PolicyCols {
    strings: [StringBuilder; 8],
    attachment_count: Int64Builder,
    created: TimestampMicrosecondBuilder,
    updated: TimestampMicrosecondBuilder,
    version_id: StringBuilder,
    is_default: BooleanBuilder,
    version_created: TimestampMicrosecondBuilder,
    document: StringBuilder,
    rows: usize,
}

impl PolicyCols {
    fn push(&mut self, r: PolicyRow<'_>) {
        let values = [
            Some(r.key),
            r.arn,
            Some(r.name),
            r.id,
            Some(r.kind),
            r.path,
            r.owner,
            r.default_version,
        ];
        for (col, v) in self.strings.iter_mut().zip(values) {
            col.append_option(v);
        }
        self.attachment_count.append_option(r.attachment_count);
        self.created.append_option(r.created);
        self.updated.append_option(r.updated);
        self.version_id.append_option(r.version_id);
        self.is_default.append_value(r.is_default);
        self.version_created.append_option(r.version_created);
        self.document.append_value(r.document);
        self.rows += 1;
    }

    fn finish(mut self, account: &str, time: i64) -> Result<RecordBatch, arrow::error::ArrowError> {
        let (accounts, times) = account_and_time(account, time, self.rows);
        let mut columns = vec![accounts];
        columns.extend(
            self.strings
                .iter_mut()
                .map(|c| Arc::new(c.finish()) as ArrayRef),
        );
        columns.push(Arc::new(self.attachment_count.finish()));
        columns.push(Arc::new(self.created.finish().with_timezone("UTC")));
        columns.push(Arc::new(self.updated.finish().with_timezone("UTC")));
        columns.push(Arc::new(self.version_id.finish()));
        columns.push(Arc::new(self.is_default.finish()));
        columns.push(Arc::new(self.version_created.finish().with_timezone("UTC")));
        columns.push(Arc::new(self.document.finish()));
        columns.push(times);
        RecordBatch::try_new(schema_of(3), columns)
    }
}

struct GrantRow<'a> {
    key: &'a str,
    name: &'a str,
    kind: &'a str,
    index: i32,
    sid: Option<&'a str>,
    effect: &'a str,
    action: &'a str,
    not_action: bool,
    resources: Option<&'a [String]>,
    not_resource: bool,
    has_condition: bool,
}

#[derive(Default)]
struct GrantCols {
    key: StringBuilder,
    name: StringBuilder,
    kind: StringBuilder,
    index: Int32Builder,
    sid: StringBuilder,
    effect: StringBuilder,
    action: StringBuilder,
    not_action: BooleanBuilder,
    resources: ListBuilder<StringBuilder>,
    not_resource: BooleanBuilder,
    has_condition: BooleanBuilder,
    rows: usize,
}

impl GrantCols {
    fn push(&mut self, r: GrantRow<'_>) {
        self.key.append_value(r.key);
        self.name.append_value(r.name);
        self.kind.append_value(r.kind);
        self.index.append_value(r.index);
        self.sid.append_option(r.sid);
        self.effect.append_value(r.effect);
        self.action.append_value(r.action);
        self.not_action.append_value(r.not_action);
        match r.resources {
            Some(list) => {
                for resource in list {
                    self.resources.values().append_value(resource);
                }
                self.resources.append(true);
            }
            None => self.resources.append(false),
        }
        self.not_resource.append_value(r.not_resource);
        self.has_condition.append_value(r.has_condition);
        self.rows += 1;
    }

    fn finish(mut self, account: &str, time: i64) -> Result<RecordBatch, arrow::error::ArrowError> {
        let (accounts, times) = account_and_time(account, time, self.rows);
        let columns: Vec<ArrayRef> = vec![
            accounts,
            Arc::new(self.key.finish()),
            Arc::new(self.name.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.index.finish()),
            Arc::new(self.sid.finish()),
            Arc::new(self.effect.finish()),
            Arc::new(self.action.finish()),
            Arc::new(self.not_action.finish()),
            Arc::new(self.resources.finish()),
            Arc::new(self.not_resource.finish()),
            Arc::new(self.has_condition.finish()),
            times,
        ];
        RecordBatch::try_new(schema_of(4), columns)
    }
}
