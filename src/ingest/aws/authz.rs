//! `trailcut collect authz`: `GetAccountAuthorizationDetails`, every page, written as the
//! AWS CLI prints it, then read by the same code as `trailcut authz ingest`.

use aws_sdk_iam::primitives::{DateTime, DateTimeFormat};
use aws_sdk_iam::types::{AttachedPolicy, PolicyDetail, Tag};
use serde_json::{Value, json};

use super::describe;

fn date(d: Option<&DateTime>) -> Value {
    d.and_then(|d| d.fmt(DateTimeFormat::DateTime).ok())
        .map_or(Value::Null, Value::String)
}

fn attached(list: &[AttachedPolicy]) -> Value {
    Value::Array(
        list.iter()
            .map(|p| json!({"PolicyName": p.policy_name(), "PolicyArn": p.policy_arn()}))
            .collect(),
    )
}

/// Inline policies: IAM returns documents URL-encoded, as strings; file ingest decodes them.
fn inline(list: &[PolicyDetail]) -> Value {
    Value::Array(
        list.iter()
            .map(|p| json!({"PolicyName": p.policy_name(), "PolicyDocument": p.policy_document()}))
            .collect(),
    )
}

fn tags(list: &[Tag]) -> Value {
    Value::Array(
        list.iter()
            .map(|t| json!({"Key": t.key(), "Value": t.value()}))
            .collect(),
    )
}

/// One page of the API's answer in the CLI's JSON shape.
pub fn page_json(
    out: &aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput,
) -> Value {
    let users: Vec<Value> = out
        .user_detail_list()
        .iter()
        .map(|u| {
            json!({
                "Path": u.path(), "UserName": u.user_name(), "UserId": u.user_id(),
                "Arn": u.arn(), "CreateDate": date(u.create_date()),
                "UserPolicyList": inline(u.user_policy_list()),
                "GroupList": u.group_list(),
                "AttachedManagedPolicies": attached(u.attached_managed_policies()),
                "PermissionsBoundary": u.permissions_boundary().map(|b| json!({
                    "PermissionsBoundaryArn": b.permissions_boundary_arn(),
                })),
                "Tags": tags(u.tags()),
            })
        })
        .collect();
    let groups: Vec<Value> = out
        .group_detail_list()
        .iter()
        .map(|g| {
            json!({
                "Path": g.path(), "GroupName": g.group_name(), "GroupId": g.group_id(),
                "Arn": g.arn(), "CreateDate": date(g.create_date()),
                "GroupPolicyList": inline(g.group_policy_list()),
                "AttachedManagedPolicies": attached(g.attached_managed_policies()),
            })
        })
        .collect();
    let roles: Vec<Value> = out
        .role_detail_list()
        .iter()
        .map(|r| {
            json!({
                "Path": r.path(), "RoleName": r.role_name(), "RoleId": r.role_id(),
                "Arn": r.arn(), "CreateDate": date(r.create_date()),
                "AssumeRolePolicyDocument": r.assume_role_policy_document(),
                "RolePolicyList": inline(r.role_policy_list()),
                "AttachedManagedPolicies": attached(r.attached_managed_policies()),
                "PermissionsBoundary": r.permissions_boundary().map(|b| json!({
                    "PermissionsBoundaryArn": b.permissions_boundary_arn(),
                })),
                "Tags": tags(r.tags()),
                "RoleLastUsed": r.role_last_used().map(|l| json!({
                    "LastUsedDate": date(l.last_used_date()),
                    "Region": l.region(),
                })),
            })
        })
        .collect();
    let policies: Vec<Value> = out
        .policies()
        .iter()
        .map(|p| {
            json!({
                "PolicyName": p.policy_name(), "PolicyId": p.policy_id(), "Arn": p.arn(),
                "Path": p.path(), "DefaultVersionId": p.default_version_id(),
                "AttachmentCount": p.attachment_count(),
                "PermissionsBoundaryUsageCount": p.permissions_boundary_usage_count(),
                "IsAttachable": p.is_attachable(),
                "CreateDate": date(p.create_date()), "UpdateDate": date(p.update_date()),
                "PolicyVersionList": p.policy_version_list().iter().map(|v| json!({
                    "Document": v.document(),
                    "VersionId": v.version_id(),
                    "IsDefaultVersion": v.is_default_version(),
                    "CreateDate": date(v.create_date()),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "UserDetailList": users,
        "GroupDetailList": groups,
        "RoleDetailList": roles,
        "Policies": policies,
        "IsTruncated": out.is_truncated(),
    })
}

/// Fetches every page; `progress` is told the page count as it grows.
pub async fn collect_pages(
    iam: &aws_sdk_iam::Client,
    mut progress: impl FnMut(usize),
) -> anyhow::Result<Vec<Value>> {
    let mut pages = Vec::new();
    let mut stream = iam
        .get_account_authorization_details()
        .into_paginator()
        .send();
    while let Some(page) = stream.next().await {
        let page =
            page.map_err(|e| anyhow::anyhow!("GetAccountAuthorizationDetails: {}", describe(&e)))?;
        pages.push(page_json(&page));
        progress(pages.len());
    }
    Ok(pages)
}
