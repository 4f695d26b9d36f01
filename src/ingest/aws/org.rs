//! `trailcut collect org`: the organisation's tree and its service control policies from
//! the Organizations API, as the same facts `trailcut org ingest` reads from files.

use aws_sdk_organizations::types::PolicyType;

use super::describe;
use crate::ingest::org::{Account, OrgFacts, Scp, Target, Unit};

macro_rules! api {
    ($call:literal, $result:expr) => {
        $result.map_err(|e| anyhow::anyhow!("{}: {}", $call, describe(&e)))
    };
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

/// Walks the organisation from its roots: OUs and accounts under each parent, then every
/// SCP with its document and targets. `progress` is told the API calls made so far.
pub async fn collect_org(
    client: &aws_sdk_organizations::Client,
    mut progress: impl FnMut(usize),
) -> anyhow::Result<Vec<OrgFacts>> {
    let mut calls = 0usize;
    let mut tick = |calls: &mut usize| {
        *calls += 1;
        progress(*calls);
    };
    let mut facts = Vec::new();
    let organization = api!(
        "DescribeOrganization",
        client.describe_organization().send().await
    )?;
    tick(&mut calls);
    if let Some(o) = organization.organization()
        && let Some(id) = o.id()
    {
        facts.push(OrgFacts::Organization {
            id: id.to_owned(),
            management: owned(o.master_account_id()),
        });
    }
    let mut parents = Vec::new();
    let mut pages = client.list_roots().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = api!("ListRoots", page)?;
        tick(&mut calls);
        let roots: Vec<Unit> = page
            .roots()
            .iter()
            .filter_map(|r| {
                Some(Unit {
                    id: r.id()?.to_owned(),
                    name: owned(r.name()),
                    arn: owned(r.arn()),
                    unit_type: "ROOT".to_owned(),
                    parent: None,
                })
            })
            .collect();
        parents.extend(roots.iter().map(|r| r.id.clone()));
        facts.push(OrgFacts::Units(roots));
    }
    while let Some(parent) = parents.pop() {
        let mut pages = client
            .list_organizational_units_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = api!("ListOrganizationalUnitsForParent", page)?;
            tick(&mut calls);
            let units: Vec<Unit> = page
                .organizational_units()
                .iter()
                .filter_map(|u| {
                    Some(Unit {
                        id: u.id()?.to_owned(),
                        name: owned(u.name()),
                        arn: owned(u.arn()),
                        unit_type: "ORGANIZATIONAL_UNIT".to_owned(),
                        parent: Some(parent.clone()),
                    })
                })
                .collect();
            parents.extend(units.iter().map(|u| u.id.clone()));
            facts.push(OrgFacts::Units(units));
        }
        let mut pages = client
            .list_accounts_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = api!("ListAccountsForParent", page)?;
            tick(&mut calls);
            let accounts = page
                .accounts()
                .iter()
                .filter_map(|a| {
                    Some(Account {
                        id: a.id()?.to_owned(),
                        name: owned(a.name()),
                        arn: owned(a.arn()),
                        email: owned(a.email()),
                        status: a
                            .state()
                            .map(|s| s.as_str().to_owned())
                            .or_else(|| a.status().map(|s| s.as_str().to_owned())),
                        parent: Some(parent.clone()),
                    })
                })
                .collect();
            facts.push(OrgFacts::Accounts(accounts));
        }
    }
    let mut ids = Vec::new();
    let mut pages = client
        .list_policies()
        .filter(PolicyType::ServiceControlPolicy)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = api!("ListPolicies", page)?;
        tick(&mut calls);
        ids.extend(page.policies().iter().filter_map(|p| owned(p.id())));
    }
    for id in ids {
        let described = api!(
            "DescribePolicy",
            client.describe_policy().policy_id(&id).send().await
        )?;
        tick(&mut calls);
        if let Some(policy) = described.policy() {
            let summary = policy.policy_summary();
            facts.push(OrgFacts::Policies(vec![Scp {
                id: id.clone(),
                name: owned(summary.and_then(|s| s.name())),
                arn: owned(summary.and_then(|s| s.arn())),
                description: owned(summary.and_then(|s| s.description())),
                aws_managed: summary.map(|s| s.aws_managed()),
                document: owned(policy.content()),
            }]));
        }
        let mut targets = Vec::new();
        let mut pages = client
            .list_targets_for_policy()
            .policy_id(&id)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = api!("ListTargetsForPolicy", page)?;
            tick(&mut calls);
            targets.extend(page.targets().iter().filter_map(|t| {
                Some(Target {
                    target_id: t.target_id()?.to_owned(),
                    target_type: t.r#type().map(|k| k.as_str().to_owned()),
                    name: owned(t.name()),
                })
            }));
        }
        facts.push(OrgFacts::Targets {
            policy: id,
            targets,
        });
    }
    Ok(facts)
}
