//! `trailcut collect sso`: IAM Identity Center's instances, permission sets with their
//! policies and account assignments (sso-admin), and the Identity Store's users, groups and
//! memberships, as the same facts `trailcut sso ingest` reads from the CLI's outputs.

use aws_sdk_ssoadmin::error::ProvideErrorMetadata;
use aws_sdk_ssoadmin::primitives::DateTime;

use super::describe;
use crate::ingest::sso::{
    Assignment, Boundary, CustomerPolicy, Group, Instance, ManagedPolicy, Membership,
    PermissionSet, PermissionSetRef, SsoFacts, User,
};

macro_rules! api {
    ($call:literal, $result:expr) => {
        $result.map_err(|e| anyhow::anyhow!("{}: {}", $call, describe(&e)))
    };
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

fn date(d: Option<&DateTime>) -> Option<String> {
    let d = d?;
    let millis = d.secs() * 1000 + i64::from((d.subsec_nanos() + 500_000) / 1_000_000);
    crate::ingest::sso::time_from_millis(millis)
}

/// Reads every instance the credentials see (the Identity Center home region's), each
/// permission set with its policies and its assignments in every account it is
/// provisioned to, and the users, groups and memberships of each instance's identity
/// store. `progress` is told the API calls made so far.
pub async fn collect_sso(
    admin: &aws_sdk_ssoadmin::Client,
    directory: &aws_sdk_identitystore::Client,
    mut progress: impl FnMut(usize),
) -> anyhow::Result<Vec<SsoFacts>> {
    let mut calls = 0usize;
    let mut tick = || {
        calls += 1;
        progress(calls);
    };
    let mut facts = Vec::new();
    let mut instances = Vec::new();
    let mut pages = admin.list_instances().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = api!("ListInstances", page)?;
        tick();
        instances.extend(page.instances().iter().filter_map(|i| {
            Some(Instance {
                arn: i.instance_arn()?.to_owned(),
                identity_store_id: owned(i.identity_store_id()),
                owner_account_id: owned(i.owner_account_id()),
                name: owned(i.name()),
                status: i.status().map(|s| s.as_str().to_owned()),
                created: date(i.created_date()),
            })
        }));
    }
    facts.push(SsoFacts::Instances(instances.clone()));
    for instance in &instances {
        let mut arns = Vec::new();
        let mut pages = admin
            .list_permission_sets()
            .instance_arn(&instance.arn)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = api!("ListPermissionSets", page)?;
            tick();
            arns.extend(page.permission_sets().iter().cloned());
        }
        facts.push(SsoFacts::PermissionSetList(arns.clone()));
        for arn in &arns {
            let which = || PermissionSetRef::Arn(arn.clone());
            let described = api!(
                "DescribePermissionSet",
                admin
                    .describe_permission_set()
                    .instance_arn(&instance.arn)
                    .permission_set_arn(arn)
                    .send()
                    .await
            )?;
            tick();
            if let Some(p) = described.permission_set() {
                facts.push(SsoFacts::Described(PermissionSet {
                    arn: arn.clone(),
                    name: owned(p.name()),
                    description: owned(p.description()),
                    session_duration: owned(p.session_duration()),
                    relay_state: owned(p.relay_state()),
                    created: date(p.created_date()),
                    ..PermissionSet::default()
                }));
            }
            let inline = api!(
                "GetInlinePolicyForPermissionSet",
                admin
                    .get_inline_policy_for_permission_set()
                    .instance_arn(&instance.arn)
                    .permission_set_arn(arn)
                    .send()
                    .await
            )?;
            tick();
            facts.push(SsoFacts::Inline(
                which(),
                inline.inline_policy().unwrap_or_default().to_owned(),
            ));
            let mut managed = Vec::new();
            let mut pages = admin
                .list_managed_policies_in_permission_set()
                .instance_arn(&instance.arn)
                .permission_set_arn(arn)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = api!("ListManagedPoliciesInPermissionSet", page)?;
                tick();
                managed.extend(page.attached_managed_policies().iter().filter_map(|m| {
                    Some(ManagedPolicy {
                        arn: m.arn()?.to_owned(),
                        name: owned(m.name()),
                    })
                }));
            }
            facts.push(SsoFacts::Managed(which(), managed));
            let mut customer = Vec::new();
            let mut pages = admin
                .list_customer_managed_policy_references_in_permission_set()
                .instance_arn(&instance.arn)
                .permission_set_arn(arn)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = api!("ListCustomerManagedPolicyReferencesInPermissionSet", page)?;
                tick();
                customer.extend(page.customer_managed_policy_references().iter().map(|c| {
                    CustomerPolicy {
                        name: c.name().to_owned(),
                        path: c.path().unwrap_or("/").to_owned(),
                    }
                }));
            }
            facts.push(SsoFacts::Customer(which(), customer));
            let boundary = admin
                .get_permissions_boundary_for_permission_set()
                .instance_arn(&instance.arn)
                .permission_set_arn(arn)
                .send()
                .await;
            tick();
            let boundary = match boundary {
                Ok(b) => b.permissions_boundary().and_then(|b| {
                    match (
                        b.managed_policy_arn(),
                        b.customer_managed_policy_reference(),
                    ) {
                        (Some(arn), _) => Some(Boundary::Managed(arn.to_owned())),
                        (None, Some(c)) => Some(Boundary::Customer(CustomerPolicy {
                            name: c.name().to_owned(),
                            path: c.path().unwrap_or("/").to_owned(),
                        })),
                        (None, None) => None,
                    }
                }),
                // No boundary is a ResourceNotFoundException.
                Err(e)
                    if e.as_service_error().and_then(|s| s.code())
                        == Some("ResourceNotFoundException") =>
                {
                    None
                }
                Err(e) => {
                    return Err(anyhow::anyhow!(
                        "GetPermissionsBoundaryForPermissionSet: {}",
                        describe(&e)
                    ));
                }
            };
            facts.push(SsoFacts::Boundary(which(), boundary));
            let mut accounts = Vec::new();
            let mut pages = admin
                .list_accounts_for_provisioned_permission_set()
                .instance_arn(&instance.arn)
                .permission_set_arn(arn)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = api!("ListAccountsForProvisionedPermissionSet", page)?;
                tick();
                accounts.extend(page.account_ids().iter().cloned());
            }
            let mut all = Vec::new();
            for account in accounts {
                let mut assignments = Vec::new();
                let mut pages = admin
                    .list_account_assignments()
                    .instance_arn(&instance.arn)
                    .account_id(&account)
                    .permission_set_arn(arn)
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page = api!("ListAccountAssignments", page)?;
                    tick();
                    assignments.extend(page.account_assignments().iter().filter_map(|a| {
                        Some(Assignment {
                            permission_set_arn: a.permission_set_arn()?.to_owned(),
                            account_id: a.account_id()?.to_owned(),
                            principal_type: a.principal_type()?.as_str().to_owned(),
                            principal_id: a.principal_id()?.to_owned(),
                        })
                    }));
                }
                facts.push(SsoFacts::Assignments(
                    assignments.clone(),
                    Some((
                        account.clone(),
                        arn.rsplit('/').next().unwrap_or(arn).to_owned(),
                    )),
                ));
                all.extend(assignments);
            }
            // The accounts it is provisioned to are all it is assigned in: an account whose
            // last assignment went is no longer listed, and its assignments go too.
            facts.push(SsoFacts::AllAssignments(arn.clone(), all));
        }
        let Some(store) = &instance.identity_store_id else {
            continue;
        };
        let mut users = Vec::new();
        let mut pages = directory
            .list_users()
            .identity_store_id(store)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = api!("ListUsers", page)?;
            tick();
            users.extend(page.users().iter().map(|u| {
                let emails = u.emails();
                let email = emails
                    .iter()
                    .find(|e| e.primary())
                    .or(emails.first())
                    .and_then(|e| owned(e.value()));
                User {
                    identity_store_id: store.clone(),
                    user_id: u.user_id().to_owned(),
                    user_name: owned(u.user_name()),
                    display_name: owned(u.display_name()),
                    email,
                    status: u.user_status().map(|s| s.as_str().to_owned()),
                }
            }));
        }
        facts.push(SsoFacts::Users(users));
        let mut groups = Vec::new();
        let mut pages = directory
            .list_groups()
            .identity_store_id(store)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = api!("ListGroups", page)?;
            tick();
            groups.extend(page.groups().iter().map(|g| Group {
                identity_store_id: store.clone(),
                group_id: g.group_id().to_owned(),
                display_name: owned(g.display_name()),
                description: owned(g.description()),
            }));
        }
        for group in &groups {
            let mut members = Vec::new();
            let mut pages = directory
                .list_group_memberships()
                .identity_store_id(store)
                .group_id(&group.group_id)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = api!("ListGroupMemberships", page)?;
                tick();
                members.extend(page.group_memberships().iter().filter_map(|m| {
                    let user = match m.member_id()? {
                        aws_sdk_identitystore::types::MemberId::UserId(id) => id.clone(),
                        _ => return None,
                    };
                    Some(Membership {
                        identity_store_id: store.clone(),
                        group_id: group.group_id.clone(),
                        user_id: user,
                    })
                }));
            }
            facts.push(SsoFacts::Memberships(members, Some(group.group_id.clone())));
        }
        facts.push(SsoFacts::Groups(groups));
    }
    Ok(facts)
}
