//! IAM's size limits, and the steps that make a resource-level rewrite fit them.

use super::{EntityKind, Level, Outcome, Plan, PolicyKind, PolicyPlan, RewriteOptions, Scope};
use crate::catalog::ActionCatalog;

/// IAM's size limit for `p`'s new document, in characters other than whitespace: a
/// managed policy's, or that of all the inline policies of a user, group or role together.
pub fn size_limit(p: &PolicyPlan) -> usize {
    match (&p.kind, &p.owner) {
        (PolicyKind::Inline, Some(owner)) => match owner.kind {
            EntityKind::User => 2_048,
            EntityKind::Group => 5_120,
            EntityKind::Role => 10_240,
        },
        _ => 6_144,
    }
}

/// A new document IAM would refuse for its size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the new {policy} would be {chars} characters, over IAM's {limit}, even after the \
     fallbacks to fewer resources and to exact actions: keep whole services (--level service) \
     unless that is the level asked, pin the statements that list many actions as written \
     (--keep-sid), or split the policy in two"
)]
pub struct Oversized {
    pub policy: String,
    pub chars: usize,
    pub limit: usize,
}

/// The first new document of `plan` that IAM would refuse for its size.
pub fn oversized(plan: &Plan) -> Option<Oversized> {
    plan.policies.iter().find_map(|p| {
        if !matches!(
            p.outcome,
            Outcome::Rewritten | Outcome::NotEditable | Outcome::Replaced
        ) {
            return None;
        }
        let document = p.rewritten.document.as_ref()?;
        let chars = document
            .to_json_string()
            .chars()
            .filter(|c| !c.is_whitespace())
            .count();
        let limit = size_limit(p);
        (chars > limit).then(|| Oversized {
            policy: p.name.clone(),
            chars,
            limit,
        })
    })
}

/// Why no plan could be made.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// A rewrite failed its own check: a defect.
    #[error("refusing to write {policy}: {source} (a defect: please report it)")]
    Rewrite {
        policy: String,
        #[source]
        source: super::RewriteError,
    },
    /// Even the coarsest step leaves a document over IAM's limit.
    #[error(transparent)]
    Oversized(#[from] Oversized),
}

/// A plan whose documents fit IAM's limits, and what was given up to fit them.
#[derive(Debug)]
pub struct Fitted {
    pub plan: Plan,
    /// Set when the rewrite is coarser than asked.
    pub warning: Option<String>,
}

/// Plans `scope` with `options`; at resource level a document over IAM's size limit is
/// made smaller step by step: half as many ARNs per action each time, down to one; then
/// the actions of a service sharing their resources, again from `options.max_arns` down;
/// then the action level. Each step stays inside the action level's result.
pub fn fit(
    scope: &Scope,
    options: &RewriteOptions,
    catalog: &ActionCatalog,
) -> Result<Fitted, FitError> {
    let mut step = options.clone();
    let plan = loop {
        let plan = super::plan(scope, &step, catalog)
            .map_err(|(policy, source)| FitError::Rewrite { policy, source })?;
        let Some(too_large) = oversized(&plan) else {
            break plan;
        };
        match (step.level, step.max_arns, step.pool_by_service) {
            (Level::Resource, n, _) if n > 1 => step.max_arns = n / 2,
            (Level::Resource, _, false) => {
                step.pool_by_service = true;
                step.max_arns = options.max_arns;
            }
            (Level::Resource, _, true) => step.level = Level::Action,
            _ => return Err(too_large.into()),
        }
    };
    let warning = if step.level == Level::Action && options.level == Level::Resource {
        Some(
            "no resource-level document fits IAM's size limits: written at action level (each \
             action on its statement's Resource)"
                .to_owned(),
        )
    } else if step.max_arns != options.max_arns || step.pool_by_service {
        Some(format!(
            "to fit IAM's size limits, resources were generalised past {} per {}{}",
            step.max_arns,
            if step.pool_by_service {
                "service"
            } else {
                "action"
            },
            if step.pool_by_service {
                " (the actions of a service share the resources any of them used)"
            } else {
                ""
            }
        ))
    } else {
        None
    };
    Ok(Fitted { plan, warning })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tighten::testing::{entity, policy, used};
    use crate::tighten::{Evidence, ResourceUse, ScopePolicy, Source};

    fn scope(p: ScopePolicy) -> Scope {
        Scope {
            policies: vec![p],
            ..Scope::default()
        }
    }

    /// A role's inline policy allowing all of EC2, of which `n` actions were used.
    fn ec2_inline(n: usize) -> ScopePolicy {
        let role = entity(EntityKind::Role, "builder");
        let catalog = ActionCatalog::embedded();
        let names: Vec<&str> = catalog
            .service_actions("ec2")
            .iter()
            .take(n)
            .map(|a| a.name.as_str())
            .collect();
        let mut p = policy(
            "Build",
            PolicyKind::Inline,
            r#""ec2:*""#,
            &[],
            used(&role.arn, &names),
        );
        p.key = "inline:role/builder:Build".to_owned();
        p.arn = None;
        p.owner = Some(role);
        p
    }

    #[test]
    fn iam_limits_depend_on_the_kind_of_policy_and_its_owner() {
        let catalog = ActionCatalog::embedded();
        let plan = crate::tighten::plan(&scope(ec2_inline(3)), &RewriteOptions::default(), catalog)
            .unwrap();
        let mut p = plan.policies[0].clone();
        assert_eq!(size_limit(&p), 10_240);
        p.owner = Some(entity(EntityKind::User, "u"));
        assert_eq!(size_limit(&p), 2_048);
        p.owner = Some(entity(EntityKind::Group, "g"));
        assert_eq!(size_limit(&p), 5_120);
        p.kind = PolicyKind::CustomerManaged;
        assert_eq!(size_limit(&p), 6_144);
    }

    #[test]
    fn an_action_level_rewrite_over_the_limit_is_refused_with_the_way_out() {
        let catalog = ActionCatalog::embedded();
        // 3 actions fit in a role's 10,240 characters; 600 do not.
        let small = fit(&scope(ec2_inline(3)), &RewriteOptions::default(), catalog).unwrap();
        assert!(small.warning.is_none());
        assert!(oversized(&small.plan).is_none());
        let e = fit(&scope(ec2_inline(600)), &RewriteOptions::default(), catalog).unwrap_err();
        let FitError::Oversized(o) = &e else {
            panic!("{e}")
        };
        assert_eq!(o.policy, "Build");
        assert_eq!(o.limit, 10_240);
        assert!(o.chars > o.limit);
        assert!(e.to_string().contains("--level service"), "{e}");
    }

    /// A role's policy allowing `s3:GetObject`, used on `arns`, planned at resource level.
    fn fit_objects(arns: impl IntoIterator<Item = String>) -> Fitted {
        let role = entity(EntityKind::Role, "reader");
        let mut p = policy(
            "Reader",
            PolicyKind::CustomerManaged,
            r#""s3:GetObject""#,
            std::slice::from_ref(&role),
            used(&role.arn, &["s3:GetObject"]),
        );
        let mut objects = ResourceUse::default();
        for arn in arns {
            objects
                .arns
                .insert(arn, Evidence::one(Source::Trail, &role.arn, Some(1), 1));
        }
        p.usage.resources.insert("s3:GetObject".to_owned(), objects);
        let options = RewriteOptions {
            level: Level::Resource,
            ..RewriteOptions::default()
        };
        fit(&scope(p), &options, ActionCatalog::embedded()).unwrap()
    }

    fn document_text(fitted: &Fitted) -> String {
        fitted.plan.policies[0]
            .rewritten
            .document
            .as_ref()
            .unwrap()
            .to_json_string()
    }

    #[test]
    fn a_resource_level_rewrite_is_generalised_until_it_fits() {
        // One action used on 10 objects with long keys in each of 2 buckets: 20 ARNs
        // written out (--max-arns' default) are over a managed policy's 6,144 characters;
        // generalised past 10, they are one pattern per bucket.
        let fitted = fit_objects((0..2).flat_map(|bucket| {
            (0..10).map(move |key| {
                format!(
                    "arn:aws:s3:::bucket-{bucket}/dir-{key}/{}.csv",
                    "x".repeat(380)
                )
            })
        }));
        assert!(oversized(&fitted.plan).is_none());
        assert_eq!(
            fitted.warning.as_deref(),
            Some("to fit IAM's size limits, resources were generalised past 10 per action")
        );
        let text = document_text(&fitted);
        assert!(text.contains("arn:aws:s3:::bucket-0/*"), "{text}");
    }

    #[test]
    fn resources_that_never_fit_fall_back_to_the_action_level() {
        // 40 buckets, one long object each: no pattern covers two of them.
        let fitted = fit_objects(
            (0..40).map(|bucket| format!("arn:aws:s3:::bucket-{bucket}-{}", "y".repeat(200))),
        );
        assert!(
            fitted
                .warning
                .as_deref()
                .is_some_and(|w| w.starts_with("no resource-level document fits")),
            "{:?}",
            fitted.warning
        );
        let text = document_text(&fitted);
        assert!(!text.contains("bucket-"), "{text}");
    }
}
