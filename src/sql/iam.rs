//! A principal's policies, read from the store's IAM and organisation tables: its identity
//! policies (direct, inline and through groups), its permissions boundary, and the SCPs on
//! its account's path. What `trailcut policy eval --principal`, `who-grants` and
//! tightening evaluate against.

use std::collections::BTreeMap;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::DataType;

use super::{Session, SqlError, SqlResult};
use crate::policy::PolicyDocument;

pub use crate::eval::principal::{LoadedPolicy, PrincipalPolicies, PrincipalRef, Via};

/// `'text'` as a SQL string literal.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `'a', 'b'`: texts as a list of SQL string literals, for `IN (...)`.
pub fn quote_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    items
        .into_iter()
        .map(|i| quote(i.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The values of a column as text (cast to strings), nulls as `None`.
pub fn strings(batches: &[RecordBatch], column: &str) -> SqlResult<Vec<Option<String>>> {
    let mut out = Vec::new();
    for batch in batches {
        let array = batch
            .column_by_name(column)
            .ok_or_else(|| SqlError::NoColumn(column.to_owned()))?;
        let array = arrow::compute::cast(array, &DataType::Utf8)?;
        let array = array.as_string::<i32>();
        out.extend(
            (0..array.len()).map(|i| (!array.is_null(i)).then(|| array.value(i).to_owned())),
        );
    }
    Ok(out)
}

/// Finds a principal by name or ARN; `account` narrows it when the name exists in several
/// accounts (which is then an error without it: trailcut asks rather than guesses).
pub async fn find_principal(
    session: &Session,
    who: &str,
    account: Option<&str>,
) -> SqlResult<PrincipalRef> {
    // IAM names are unique within an account whatever their case, as IAM compares them.
    let mut sql = format!(
        "SELECT account_id, principal_type, name, arn, permissions_boundary FROM principals \
         WHERE (lower(name) = lower({q}) OR arn = {q})",
        q = quote(who)
    );
    if let Some(account) = account {
        sql.push_str(&format!(" AND account_id = {}", quote(account)));
    }
    sql.push_str(" ORDER BY account_id, principal_type");
    let batches = session.run(&sql).await?;
    let accounts = strings(&batches, "account_id")?;
    let types = strings(&batches, "principal_type")?;
    let names = strings(&batches, "name")?;
    let arns = strings(&batches, "arn")?;
    let boundaries = strings(&batches, "permissions_boundary")?;
    match accounts.len() {
        0 => {
            let any = session.run("SELECT 1 FROM principals LIMIT 1").await?;
            if any.iter().all(|b| b.num_rows() == 0) {
                return Err(SqlError::Lookup(
                    "the store has no IAM principals: run `trailcut authz ingest` with the \
                     output of `aws iam get-account-authorization-details` first"
                        .to_string(),
                ));
            }
            let hint = nearest_name(session, "principals", "name", who, account).await?;
            Err(SqlError::Lookup(format!(
                "no user, group or role named `{who}`{} in the store{hint}",
                account
                    .map(|a| format!(" in account {a}"))
                    .unwrap_or_default()
            )))
        }
        1 => Ok(PrincipalRef {
            account_id: accounts[0].clone().unwrap_or_default(),
            principal_type: types[0].clone().unwrap_or_default(),
            name: names[0].clone().unwrap_or_default(),
            arn: arns[0].clone().unwrap_or_default(),
            boundary: boundaries[0].clone(),
        }),
        _ => {
            let listed: Vec<String> = arns.iter().flatten().cloned().collect();
            Err(SqlError::Lookup(format!(
                "`{who}` names {} principals: {}; pass the ARN{}",
                listed.len(),
                listed.join(", "),
                if account.is_none() {
                    " or --account ID"
                } else {
                    ""
                }
            )))
        }
    }
}

/// ` (did you mean `NAME`?)` when a name in `column` of `table` (in `account`, when given)
/// is a typo away from `who`; empty otherwise.
pub async fn nearest_name(
    session: &Session,
    table: &str,
    column: &str,
    who: &str,
    account: Option<&str>,
) -> SqlResult<String> {
    let filter = account
        .map(|a| format!(" WHERE account_id = {}", quote(a)))
        .unwrap_or_default();
    let batches = session
        .run(&format!(
            "SELECT DISTINCT {column} AS name FROM {table}{filter}"
        ))
        .await?;
    let names: Vec<String> = strings(&batches, "name")?.into_iter().flatten().collect();
    let bare = who.rsplit('/').next().unwrap_or(who).to_ascii_lowercase();
    Ok(
        crate::nearest::closest(&bare, names.iter(), |n| n.to_ascii_lowercase())
            .map(|n| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default(),
    )
}

/// Loads everything that decides what `principal` may do.
pub async fn load_principal(
    session: &Session,
    principal: PrincipalRef,
) -> SqlResult<PrincipalPolicies> {
    let mut warnings = Vec::new();
    let account = quote(&principal.account_id);
    // Identity policies, each with the current document (left join: a policy attached but
    // absent from the snapshot is a warning, not a silent gap).
    let batches = session
        .run(&format!(
            "SELECT a.policy_key, a.policy_name, a.via, a.via_group, p.document \
             FROM attachments a LEFT JOIN policies p \
               ON p.account_id = a.account_id AND p.policy_key = a.policy_key AND p.is_default \
             WHERE a.account_id = {account} AND a.principal_arn = {arn} \
             ORDER BY a.via, a.via_group, a.policy_name",
            arn = quote(&principal.arn)
        ))
        .await?;
    let keys = strings(&batches, "policy_key")?;
    let names = strings(&batches, "policy_name")?;
    let vias = strings(&batches, "via")?;
    let groups = strings(&batches, "via_group")?;
    let documents = strings(&batches, "document")?;
    let mut identity = Vec::new();
    for i in 0..keys.len() {
        let key = keys[i].clone().unwrap_or_default();
        let name = names[i].clone().unwrap_or_default();
        match parse(&documents[i], &key, &mut warnings) {
            Some(document) => {
                let via = vias[i].as_deref().unwrap_or_default();
                let Some(via) = Via::from_attachment(via, groups[i].as_deref()) else {
                    warnings.push(format!(
                        "{key}: attached `{via}`, which trailcut does not know"
                    ));
                    continue;
                };
                identity.push(LoadedPolicy {
                    key,
                    name,
                    via,
                    document,
                })
            }
            None => continue,
        }
    }
    // Groups the user is in that the snapshot lacks: their policies are unknown.
    let missing = session
        .run(&format!(
            "SELECT group_name FROM group_members WHERE account_id = {account} \
             AND user_arn = {} AND group_arn IS NULL",
            quote(&principal.arn)
        ))
        .await?;
    for group in strings(&missing, "group_name")?.into_iter().flatten() {
        warnings.push(format!(
            "group `{group}` is not in the snapshot: its policies are unknown"
        ));
    }
    let boundary = match &principal.boundary {
        None => None,
        Some(arn) => {
            let batches = session
                .run(&format!(
                    "SELECT policy_name, document FROM policies WHERE account_id = {account} \
                     AND policy_key = {} AND is_default",
                    quote(arn)
                ))
                .await?;
            let names = strings(&batches, "policy_name")?;
            let documents = strings(&batches, "document")?;
            match documents.first().and_then(|d| parse(d, arn, &mut warnings)) {
                Some(document) => Some(LoadedPolicy {
                    key: arn.clone(),
                    name: names[0].clone().unwrap_or_default(),
                    via: Via::Boundary,
                    document,
                }),
                None => {
                    if documents.is_empty() {
                        warnings.push(format!(
                            "permissions boundary {arn} has no document in the store"
                        ));
                    }
                    None
                }
            }
        }
    };
    // SCPs do not restrict service-linked roles.
    let (org_path, scps) = if principal.arn.contains(":role/aws-service-role/") {
        (None, Vec::new())
    } else {
        load_scps(session, &principal.account_id, &mut warnings).await?
    };
    Ok(PrincipalPolicies {
        principal,
        identity,
        boundary,
        scps,
        org_path,
        warnings,
    })
}

/// The SCPs on an account's organisation path, by entity from the root down.
pub async fn load_scps(
    session: &Session,
    account: &str,
    warnings: &mut Vec<String>,
) -> SqlResult<(Option<String>, Vec<(String, Vec<LoadedPolicy>)>)> {
    let batches = session
        .run(&format!(
            "SELECT org_id, path, is_management FROM org_accounts WHERE id = {} ORDER BY org_id",
            quote(account)
        ))
        .await?;
    let orgs = strings(&batches, "org_id")?;
    let paths = strings(&batches, "path")?;
    let management = strings(&batches, "is_management")?;
    match orgs.len() {
        // In no ingested organisation: no SCPs to apply.
        0 => return Ok((None, Vec::new())),
        1 => {}
        _ => {
            warnings.push(format!(
                "account {account} is in {} ingested organisations; SCPs not applied",
                orgs.len()
            ));
            return Ok((None, Vec::new()));
        }
    }
    if management[0].as_deref() == Some("true") {
        return Ok((paths[0].clone(), Vec::new()));
    }
    let org = orgs[0].clone().unwrap_or_default();
    let Some(path) = paths[0].clone() else {
        warnings.push(format!(
            "account {account}'s path in {org} is not known (a parent's listing is missing): \
             its SCPs are unknown"
        ));
        return Ok((None, Vec::new()));
    };
    // An SCP listed without its targets may be attached on this path.
    let untargeted = session
        .run(&format!(
            "SELECT name FROM scps s WHERE s.org_id = {o} AND NOT EXISTS \
             (SELECT 1 FROM scp_targets t WHERE t.org_id = s.org_id AND t.policy_id = s.id)",
            o = quote(&org)
        ))
        .await?;
    for name in strings(&untargeted, "name")?.into_iter().flatten() {
        warnings.push(format!(
            "SCP `{name}` has no known targets: whether it applies to {account} is unknown"
        ));
    }
    let entities: Vec<&str> = path.split('/').skip(1).collect();
    let list = quote_list(&entities);
    let batches = session
        .run(&format!(
            "SELECT t.target_id, t.policy_id, t.policy_name, s.document \
             FROM scp_targets t LEFT JOIN scps s ON s.org_id = t.org_id AND s.id = t.policy_id \
             WHERE t.org_id = {o} AND t.target_id IN ({list}) ORDER BY t.policy_name",
            o = quote(&org)
        ))
        .await?;
    let targets = strings(&batches, "target_id")?;
    let ids = strings(&batches, "policy_id")?;
    let names = strings(&batches, "policy_name")?;
    let documents = strings(&batches, "document")?;
    let mut by_entity: BTreeMap<&str, Vec<LoadedPolicy>> = BTreeMap::new();
    for i in 0..targets.len() {
        let id = ids[i].clone().unwrap_or_default();
        let Some(document) = parse(&documents[i], &id, warnings) else {
            continue;
        };
        let entity = entities
            .iter()
            .find(|e| Some(**e) == targets[i].as_deref())
            .copied()
            .unwrap_or_default();
        by_entity.entry(entity).or_default().push(LoadedPolicy {
            key: id,
            name: names[i].clone().unwrap_or_default(),
            via: Via::Scp,
            document,
        });
    }
    let scps = entities
        .iter()
        .map(|e| ((*e).to_owned(), by_entity.remove(e).unwrap_or_default()))
        .collect();
    Ok((Some(path), scps))
}

fn parse(
    document: &Option<String>,
    key: &str,
    warnings: &mut Vec<String>,
) -> Option<PolicyDocument> {
    let Some(text) = document else {
        warnings.push(format!(
            "{key} has no document in the store: what it grants is unknown"
        ));
        return None;
    };
    match PolicyDocument::parse(text) {
        Ok(document) => Some(document),
        Err(e) => {
            warnings.push(format!("{key}: {e}"));
            None
        }
    }
}
