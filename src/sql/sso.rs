//! What tightening a permission set reads from the store: the permission set with its
//! policies and assignments (the `sso_*` and `identity_store_*` tables), the roles it
//! provisioned (the view `sso_roles` and the trail), and who used them.

use std::collections::{BTreeMap, BTreeSet};

use super::iam::{quote, quote_list, strings};
use super::tighten::{ints, over_window};
use super::{Session, SqlResult};
use crate::tighten::Window;
use crate::tighten::permission_set::{AssignmentRow, PermissionSetRow};

/// The permission set named `name` (in any case), `None` when the store has none.
pub async fn permission_set(session: &Session, name: &str) -> SqlResult<Option<PermissionSetRow>> {
    let sets = session
        .run(&format!(
            "SELECT p.permission_set_arn, p.name, p.instance_arn, p.inline_policy, \
               COALESCE(p.boundary_policy_arn, p.boundary_policy_path || p.boundary_policy_name) AS boundary, \
               i.owner_account_id \
             FROM sso_permission_sets p LEFT JOIN sso_instances i ON i.instance_arn = p.instance_arn \
             WHERE lower(p.name) = lower({}) ORDER BY p.permission_set_arn",
            quote(name)
        ))
        .await?;
    let arns = strings(&sets, "permission_set_arn")?;
    let Some(Some(arn)) = arns.first().cloned() else {
        return Ok(None);
    };
    if arns.len() > 1 {
        let all: Vec<String> = arns.into_iter().flatten().collect();
        return Err(super::SqlError::Lookup(format!(
            "`{name}` names {} permission sets (in several Identity Center instances): {}",
            all.len(),
            all.join(", ")
        )));
    }
    let first = |column: &str| -> SqlResult<Option<String>> {
        Ok(strings(&sets, column)?.into_iter().next().flatten())
    };
    let mut row = PermissionSetRow {
        name: first("name")?.unwrap_or_else(|| name.to_owned()),
        arn: arn.clone(),
        instance_arn: first("instance_arn")?,
        owner_account: first("owner_account_id")?,
        inline_policy: first("inline_policy")?,
        boundary: first("boundary")?,
        ..PermissionSetRow::default()
    };
    let policies = session
        .run(&format!(
            "SELECT policy_kind, policy_arn, policy_name, policy_path \
             FROM sso_permission_set_policies WHERE permission_set_arn = {} \
             ORDER BY policy_kind, policy_arn, policy_path, policy_name",
            quote(&arn)
        ))
        .await?;
    let (kinds, arns, names, paths) = (
        strings(&policies, "policy_kind")?,
        strings(&policies, "policy_arn")?,
        strings(&policies, "policy_name")?,
        strings(&policies, "policy_path")?,
    );
    for i in 0..kinds.len() {
        match (kinds[i].as_deref(), &arns[i], &names[i]) {
            (Some("aws_managed"), Some(arn), _) => row.managed.push(arn.clone()),
            (Some("customer_managed"), _, Some(name)) => row.customer_managed.push((
                name.clone(),
                paths[i].clone().unwrap_or_else(|| "/".to_owned()),
            )),
            _ => {}
        }
    }
    let assigned = session
        .run(&format!(
            "SELECT a.account_id, a.principal_type, a.principal_id, a.principal_name, \
               COALESCE(u.user_id, m.user_id) AS user_id, COALESCE(u.user_name, m.user_name) AS user_name \
             FROM sso_assignments a \
             LEFT JOIN identity_store_users u ON a.principal_type = 'USER' AND u.user_id = a.principal_id \
             LEFT JOIN identity_store_memberships m ON a.principal_type = 'GROUP' AND m.group_id = a.principal_id \
             WHERE a.permission_set_arn = {} \
             ORDER BY a.account_id, a.principal_type, a.principal_id, user_name",
            quote(&arn)
        ))
        .await?;
    let (accounts, types, ids, names, user_ids, user_names) = (
        strings(&assigned, "account_id")?,
        strings(&assigned, "principal_type")?,
        strings(&assigned, "principal_id")?,
        strings(&assigned, "principal_name")?,
        strings(&assigned, "user_id")?,
        strings(&assigned, "user_name")?,
    );
    let mut by_key: BTreeMap<(String, String, String), AssignmentRow> = BTreeMap::new();
    for i in 0..accounts.len() {
        let (Some(account), Some(kind), Some(id)) = (&accounts[i], &types[i], &ids[i]) else {
            continue;
        };
        let a = by_key
            .entry((account.clone(), kind.clone(), id.clone()))
            .or_insert_with(|| AssignmentRow {
                account: account.clone(),
                principal_type: kind.clone(),
                principal_id: id.clone(),
                principal_name: names[i].clone(),
                people: Vec::new(),
            });
        if let Some(user) = &user_ids[i] {
            a.people.push((user.clone(), user_names[i].clone()));
        }
    }
    row.assignments = by_key.into_values().collect();
    let roles = session
        .run(&format!(
            "SELECT account_id, role_arn FROM sso_roles WHERE permission_set_name = {name} \
             UNION \
             SELECT DISTINCT account_id, principal_arn AS role_arn FROM usage \
             WHERE sso_permission_set(principal_arn) = {name} \
             ORDER BY account_id, role_arn",
            name = quote(&row.name)
        ))
        .await?;
    let (accounts, arns) = (strings(&roles, "account_id")?, strings(&roles, "role_arn")?);
    let mut seen = BTreeSet::new();
    for (account, arn) in accounts.into_iter().zip(arns) {
        if let (Some(account), Some(arn)) = (account, arn)
            && seen.insert(arn.clone())
        {
            row.roles.push((account, arn));
        }
    }
    Ok(Some(row))
}

/// The names of every permission set the store knows.
pub async fn permission_set_names(session: &Session) -> SqlResult<Vec<String>> {
    let batches = session
        .run("SELECT DISTINCT name FROM sso_permission_sets WHERE name IS NOT NULL ORDER BY name")
        .await?;
    Ok(strings(&batches, "name")?.into_iter().flatten().collect())
}

/// Per principal, its successful calls in `window` by person (`""` for calls no rule
/// attributes): the rollup for whole days, the events for the window's edges.
pub async fn people_of(
    session: &Session,
    principals: &BTreeSet<String>,
    window: &Window,
) -> SqlResult<BTreeMap<String, BTreeMap<String, u64>>> {
    let mut out: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    if principals.is_empty() {
        return Ok(out);
    }
    let list = quote_list(principals.iter());
    let batches = over_window(
        session,
        window,
        |days| {
            format!(
                "SELECT u.principal_arn, COALESCE(p.user_name, u.person, '') AS person, \
                   sum(u.events) AS events \
                 FROM usage u LEFT JOIN identity_store_users p \
                   ON u.person_source = 'identity_center_user' AND p.user_id = u.person \
                 WHERE {days} AND u.principal_arn IN ({list}) \
                   AND u.role = 'primary' AND u.outcome = 'success' \
                 GROUP BY 1, 2"
            )
        },
        |edge| {
            format!(
                "SELECT e.principal_arn, COALESCE(p.user_name, e.person, '') AS person, \
                   count(*) AS events \
                 FROM events e LEFT JOIN identity_store_users p \
                   ON e.person_source = 'identity_center_user' AND p.user_id = e.person \
                 WHERE {edge} AND e.principal_arn IN ({list}) AND e.errorcode IS NULL \
                 GROUP BY 1, 2"
            )
        },
    )
    .await?;
    let principals = strings(&batches, "principal_arn")?;
    let people = strings(&batches, "person")?;
    let events = ints(&batches, "events")?;
    for i in 0..principals.len() {
        if let (Some(p), Some(who), Some(n)) = (&principals[i], &people[i], events[i]) {
            *out.entry(p.clone())
                .or_default()
                .entry(who.clone())
                .or_default() += n.max(0) as u64;
        }
    }
    Ok(out)
}

/// A role an Identity Center user can assume: a permission set assigned to them (or to a
/// group they are in), provisioned in an account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserRole {
    pub user_name: String,
    pub account: String,
    pub permission_set: String,
    pub role_arn: String,
    /// `assigned` or `group NAME`.
    pub held_through: String,
}

/// The roles the Identity Center user `who` (user name, email, display name or user id, in
/// any case) can assume, narrowed to `account` and `permission_set` when given. An error
/// names the closest user when none matches, and says so when the user holds nothing there.
pub async fn user_roles(
    session: &Session,
    who: &str,
    account: Option<&str>,
    permission_set: Option<&str>,
) -> anyhow::Result<Vec<UserRole>> {
    let users = session
        .run(&format!(
            "SELECT user_id, user_name, lower(user_name) = lower({w}) AS exact \
             FROM identity_store_users \
             WHERE lower(user_name) = lower({w}) OR lower(email) = lower({w}) \
                OR lower(display_name) = lower({w}) OR user_id = {w} \
                OR (strpos({w}, '@') = 0 AND (lower(split_part(user_name, '@', 1)) = lower({w}) \
                    OR lower(split_part(email, '@', 1)) = lower({w}))) \
             ORDER BY user_name",
            w = quote(who)
        ))
        .await?;
    let mut ids = strings(&users, "user_id")?;
    let mut names = strings(&users, "user_name")?;
    // An exact user name wins over an email, display name or name before the @.
    let exact = strings(&users, "exact")?;
    if exact.iter().any(|e| e.as_deref() == Some("true")) {
        let keep: Vec<bool> = exact.iter().map(|e| e.as_deref() == Some("true")).collect();
        let mut k = keep.iter();
        ids.retain(|_| *k.next().unwrap_or(&false));
        let mut k = keep.iter();
        names.retain(|_| *k.next().unwrap_or(&false));
    }
    let (user_id, user_name) = match (ids.as_slice(), names.as_slice()) {
        ([Some(id)], [name]) => (id.clone(), name.clone().unwrap_or_else(|| id.clone())),
        ([], _) => {
            let known = session
                .run("SELECT user_name FROM identity_store_users WHERE user_name IS NOT NULL")
                .await?;
            let known: Vec<String> = strings(&known, "user_name")?
                .into_iter()
                .flatten()
                .collect();
            // A typo of the whole name, or of its part before the `@`.
            let wanted = who.to_ascii_lowercase();
            let local = |n: &&String| n.split('@').next().unwrap_or(n).to_ascii_lowercase();
            let hint = crate::nearest::closest(&wanted, known.iter(), |n| n.to_ascii_lowercase())
                .or_else(|| crate::nearest::closest(&wanted, known.iter(), local))
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_else(|| {
                    if known.is_empty() {
                        ": the store has no Identity Store users (trailcut sso ingest)".to_owned()
                    } else {
                        String::new()
                    }
                });
            anyhow::bail!("no Identity Center user `{who}`{hint}");
        }
        _ => anyhow::bail!("`{who}` names several Identity Center users: give the user name"),
    };
    let mut filter = String::new();
    if let Some(account) = account {
        filter.push_str(&format!(" AND h.account_id = {}", quote(account)));
    }
    if let Some(set) = permission_set {
        filter.push_str(&format!(
            " AND lower(h.permission_set_name) = lower({})",
            quote(set)
        ));
    }
    let held = session
        .run(&format!(
            "WITH h AS ( \
               SELECT a.permission_set_name, a.account_id, 'assigned' AS held_through \
               FROM sso_assignments a WHERE a.principal_type = 'USER' AND a.principal_id = {id} \
               UNION ALL \
               SELECT a.permission_set_name, a.account_id, 'group ' || COALESCE(a.principal_name, a.principal_id) \
               FROM sso_assignments a JOIN identity_store_memberships m \
                 ON a.principal_type = 'GROUP' AND m.group_id = a.principal_id \
               WHERE m.user_id = {id}) \
             SELECT h.account_id, h.permission_set_name, r.role_arn, \
               array_to_string(array_sort(array_agg(DISTINCT h.held_through)), ', ') AS held_through \
             FROM h LEFT JOIN sso_roles r \
               ON r.account_id = h.account_id AND r.permission_set_name = h.permission_set_name \
             WHERE true {filter} \
             GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            id = quote(&user_id)
        ))
        .await?;
    let (accounts, sets, roles, through) = (
        strings(&held, "account_id")?,
        strings(&held, "permission_set_name")?,
        strings(&held, "role_arn")?,
        strings(&held, "held_through")?,
    );
    let mut out = Vec::new();
    let mut unprovisioned = Vec::new();
    for i in 0..accounts.len() {
        let (Some(account), Some(set)) = (&accounts[i], &sets[i]) else {
            continue;
        };
        match &roles[i] {
            Some(role) => out.push(UserRole {
                user_name: user_name.clone(),
                account: account.clone(),
                permission_set: set.clone(),
                role_arn: role.clone(),
                held_through: through[i].clone().unwrap_or_default(),
            }),
            None => unprovisioned.push(format!("{set} in {account}")),
        }
    }
    if out.is_empty() {
        let narrowed = if filter.is_empty() { "" } else { " there" };
        let missing = if unprovisioned.is_empty() {
            String::new()
        } else {
            format!(
                "; {} assigned, but no IAM snapshot holds the role it provisioned (ingest \
                 the account's authorization details)",
                unprovisioned.join(", ")
            )
        };
        anyhow::bail!("{user_name} holds no permission set{narrowed}{missing}");
    }
    Ok(out)
}
