//! The three scripts of a plan, for an administrator to review and run with the aws CLI:
//!
//! - `apply.sh` carries the plan out in an order that never leaves a principal with less
//!   than the plan gives it halfway: new versions and rewritten inline policies first, then
//!   (under `--replace-aws-managed`) each replacement created and attached before the AWS
//!   managed policy it replaces is detached, then the other detachments and group removals.
//! - `rollback.sh` undoes, in the reverse order, exactly the steps apply.sh carried out:
//!   the previous default versions, the original inline documents, the attachments and
//!   memberships, and it removes the versions and replacements apply.sh created.
//! - `cleanup.sh` deletes what the plan found unused (policies and inline policies), once
//!   the change has proven itself: kept apart because a deletion cannot be rolled back.
//!
//! Each script checks the account of the credentials first. Each step is recorded in
//! `.trailcut-applied` beside the scripts when it succeeds, so a script run again (after a
//! failure halfway, or twice) skips what is done, and rollback.sh undoes only what was
//! done. Names pass through [`shell_word`] and [`flag`] and comments through [`comment`],
//! as in every script trailcut writes; step ids and version ids are trailcut's or IAM's.

use std::fmt::Write as _;

use super::plan::replacement_name;
use super::plan::{Entity, EntityKind, Move, Outcome, Plan, PolicyKind, PolicyPlan};
use super::script::{aws, document_path, file_name, note, preamble, shell_word, summary};

/// IAM keeps at most five versions of a managed policy.
const MAX_VERSIONS: usize = 5;

/// Where the steps done are recorded, beside the scripts.
pub const MARKS: &str = ".trailcut-applied";

/// The scripts of one plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scripts {
    pub apply: String,
    pub rollback: String,
    pub cleanup: String,
}

/// Where an inline policy's original document is written, for rollback.sh.
pub fn original_path(policy: &PolicyPlan) -> Option<String> {
    let owner = policy.owner.as_ref()?;
    (policy.kind == PolicyKind::Inline).then(|| {
        format!(
            "policies/original/inline/{}-{}/{}.json",
            owner.kind.as_str(),
            file_name(&owner.name),
            file_name(&policy.name)
        )
    })
}

/// The aws CLI commands of a script trailcut wrote that change something, each as one
/// line, without the account check and the step record around them (for the demo and
/// for tests).
pub fn script_commands(script: &str) -> Vec<&str> {
    script
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("v=$(").unwrap_or(l);
            l.starts_with("aws ").then_some(l)
        })
        .filter(|l| !l.starts_with("aws sts get-caller-identity"))
        .map(|l| {
            l.strip_suffix(" --query PolicyVersion.VersionId --output text)")
                .unwrap_or(l)
        })
        .collect()
}

/// One step: its id, what it does, and what undoes it (shell lines, values quoted).
struct Step {
    id: String,
    note: String,
    apply: Vec<String>,
    /// A value the step prints, recorded with its mark (a new version's id): the shell
    /// variable the apply lines set.
    records: Option<&'static str>,
    undo: Vec<String>,
}

fn entity_flag(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "--user-name",
        EntityKind::Group => "--group-name",
        EntityKind::Role => "--role-name",
    }
}

fn verb(action: &str, kind: EntityKind) -> String {
    format!("{action}-{}-policy", kind.as_str())
}

/// `attach` or `detach` of a managed policy to or from an identity.
fn attachment(action: &str, entity: &Entity, policy_arn: &str) -> String {
    aws(
        "iam",
        &verb(action, entity.kind),
        &[
            (entity_flag(entity.kind), &entity.name),
            ("--policy-arn", policy_arn),
        ],
    )
}

/// The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`).
fn partition(arn: &str) -> &str {
    arn.split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
}

/// The steps of apply.sh, in order.
fn apply_steps(plan: &Plan, account: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let id = |steps: &Vec<Step>| format!("s{}", steps.len() + 1);
    // 1. New documents.
    for p in plan
        .policies
        .iter()
        .filter(|p| p.outcome == Outcome::Rewritten)
    {
        let document = format!("file://{}", document_path(p));
        match (&p.kind, &p.owner, &p.arn) {
            (PolicyKind::Inline, Some(owner), _) => {
                let put = verb("put", owner.kind);
                let who = (entity_flag(owner.kind), owner.name.as_str());
                let undo = match original_path(p) {
                    Some(original) => vec![aws(
                        "iam",
                        &put,
                        &[
                            who,
                            ("--policy-name", &p.name),
                            ("--policy-document", &format!("file://{original}")),
                        ],
                    )],
                    None => Vec::new(),
                };
                let step = Step {
                    id: id(&steps),
                    note: format!("{} of {}: {}", p.name, owner.name, summary(p)),
                    apply: vec![aws(
                        "iam",
                        &put,
                        &[
                            who,
                            ("--policy-name", &p.name),
                            ("--policy-document", &document),
                        ],
                    )],
                    records: None,
                    undo,
                };
                steps.push(step);
            }
            (_, _, Some(arn)) => {
                let mut apply = Vec::new();
                if p.versions.len() >= MAX_VERSIONS {
                    // The oldest version that is not the default makes room for the new one.
                    if let Some(oldest) = p
                        .versions
                        .iter()
                        .find(|v| Some(*v) != p.default_version.as_ref())
                    {
                        apply.push(aws(
                            "iam",
                            "delete-policy-version",
                            &[("--policy-arn", arn), ("--version-id", oldest)],
                        ));
                    }
                }
                apply.push(format!(
                    "v=$({} --set-as-default --query PolicyVersion.VersionId --output text)",
                    aws(
                        "iam",
                        "create-policy-version",
                        &[("--policy-arn", arn), ("--policy-document", &document)]
                    )
                ));
                let mut undo = Vec::new();
                if let Some(previous) = &p.default_version {
                    undo.push(aws(
                        "iam",
                        "set-default-policy-version",
                        &[("--policy-arn", arn), ("--version-id", previous)],
                    ));
                }
                let step_id = id(&steps);
                undo.push(format!("v=$(noted {step_id})"));
                undo.push(format!(
                    "if [ -n \"$v\" ]; then {} --version-id=\"$v\"; fi",
                    aws("iam", "delete-policy-version", &[("--policy-arn", arn)])
                ));
                let step = Step {
                    id: step_id,
                    note: format!("{}: {}", p.name, summary(p)),
                    apply,
                    records: Some("v"),
                    undo,
                };
                steps.push(step);
            }
            _ => {}
        }
    }
    // 2. Replacements of AWS managed policies, where they stay attached: created and
    // attached before the AWS managed policy is detached.
    for p in plan
        .policies
        .iter()
        .filter(|p| p.outcome == Outcome::Replaced)
    {
        let (Some(_), Some(managed)) = (&p.rewritten.document, &p.arn) else {
            continue;
        };
        let staying: Vec<&Entity> = p
            .attached_to
            .iter()
            .filter(|e| !plan.detaches(&p.key, e))
            .collect();
        if staying.is_empty() {
            continue;
        }
        let name = replacement_name(&p.name);
        let replacement = format!("arn:{}:iam::{account}:policy/{name}", partition(managed));
        let document = format!("file://{}", document_path(p));
        let step = Step {
            id: id(&steps),
            note: format!(
                "{} is AWS managed: replaced by the customer-managed {name}; {}",
                p.name,
                summary(p)
            ),
            apply: vec![aws(
                "iam",
                "create-policy",
                &[
                    ("--policy-name", &name),
                    ("--policy-document", &document),
                    (
                        "--description",
                        &format!("{} cut to what was used (trailcut)", p.name),
                    ),
                ],
            )],
            records: None,
            undo: vec![aws(
                "iam",
                "delete-policy",
                &[("--policy-arn", &replacement)],
            )],
        };
        steps.push(step);
        for entity in &staying {
            let step = Step {
                id: id(&steps),
                note: format!("{name} to {} {}", entity.kind.as_str(), entity.name),
                apply: vec![attachment("attach", entity, &replacement)],
                records: None,
                undo: vec![attachment("detach", entity, &replacement)],
            };
            steps.push(step);
        }
        for entity in &staying {
            let step = Step {
                id: id(&steps),
                note: format!(
                    "{} from {} {}: {name} replaces it",
                    p.name,
                    entity.kind.as_str(),
                    entity.name
                ),
                apply: vec![attachment("detach", entity, managed)],
                records: None,
                undo: vec![attachment("attach", entity, managed)],
            };
            steps.push(step);
        }
    }
    // 3. Detachments and group removals.
    for m in &plan.moves {
        let step = match m {
            Move::Detach {
                policy_key,
                policy_name,
                entity,
                why,
            } => Step {
                id: id(&steps),
                note: format!("{policy_name} from {}: {why}", entity.name),
                apply: vec![attachment("detach", entity, policy_key)],
                records: None,
                undo: vec![attachment("attach", entity, policy_key)],
            },
            Move::RemoveFromGroup { user, group, why } => {
                let options = [
                    ("--group-name", group.name.as_str()),
                    ("--user-name", &user.name),
                ];
                Step {
                    id: id(&steps),
                    note: format!("{} out of {}: {why}", user.name, group.name),
                    apply: vec![aws("iam", "remove-user-from-group", &options)],
                    records: None,
                    undo: vec![aws("iam", "add-user-to-group", &options)],
                }
            }
            _ => continue,
        };
        steps.push(step);
    }
    steps
}

/// The steps of cleanup.sh: deletions, a managed policy's other versions first.
fn cleanup_steps(plan: &Plan) -> Vec<Step> {
    let mut steps = Vec::new();
    for m in &plan.moves {
        let (note, apply) = match m {
            Move::DeletePolicy {
                policy_key,
                policy_name,
                why,
            } => {
                let mut apply: Vec<String> = plan
                    .policies
                    .iter()
                    .filter(|p| &p.key == policy_key)
                    .flat_map(|p| {
                        p.versions
                            .iter()
                            .filter(|v| Some(*v) != p.default_version.as_ref())
                            .map(|v| {
                                aws(
                                    "iam",
                                    "delete-policy-version",
                                    &[("--policy-arn", policy_key), ("--version-id", v)],
                                )
                            })
                    })
                    .collect();
                apply.push(aws("iam", "delete-policy", &[("--policy-arn", policy_key)]));
                (format!("delete {policy_name}: {why}"), apply)
            }
            Move::DeleteInline {
                policy_name,
                owner,
                why,
            } => (
                format!("delete {policy_name} of {}: {why}", owner.name),
                vec![aws(
                    "iam",
                    &verb("delete", owner.kind),
                    &[
                        (entity_flag(owner.kind), &owner.name),
                        ("--policy-name", policy_name),
                    ],
                )],
            ),
            _ => continue,
        };
        steps.push(Step {
            id: format!("c{}", steps.len() + 1),
            note,
            apply,
            records: None,
            undo: Vec::new(),
        });
    }
    steps
}

/// The lines every script starts with ([`preamble`], `role` after the header), then the
/// account check and the step record's functions.
fn head(header: &[String], account: &str, role: &str) -> String {
    let review =
        format!("Review before running. Each step done is recorded in {MARKS} beside this script:");
    let mut s = preamble(
        header,
        &[role, &review, "run again, a script skips what is done."],
    );
    let _ = writeln!(
        s,
        "account=$(aws sts get-caller-identity --query Account --output text)\n\
         if [ \"$account\" != {} ]; then\n  \
         echo {} \"$account\" >&2\n  \
         exit 1\nfi\n\
         marks={MARKS}\n\
         done_step() {{ [ -f \"$marks\" ] && grep -q -e \"^$1\\$\" -e \"^$1 \" \"$marks\"; }}\n\
         mark() {{ printf '%s\\n' \"$*\" >> \"$marks\"; }}\n\
         noted() {{ sed -n \"s/^$1 //p\" \"$marks\"; }}\n\
         unmark() {{ grep -v -e \"^$1\\$\" -e \"^$1 \" \"$marks\" > \"$marks.tmp\" || true; mv \"$marks.tmp\" \"$marks\"; }}",
        shell_word(account),
        shell_word(&format!(
            "these changes are for account {account}, the credentials are for"
        ))
    );
    s
}

/// apply.sh, rollback.sh and cleanup.sh for `plan`; `header` lines become comments at the
/// top; `account` is the account the plan is for.
pub fn iam_scripts(plan: &Plan, header: &[String], account: &str) -> Scripts {
    let steps = apply_steps(plan, account);
    let cleanup = cleanup_steps(plan);

    let mut apply = head(
        header,
        account,
        "apply.sh: carries the plan out; rollback.sh undoes it",
    );
    for step in &steps {
        note(&mut apply, &step.note);
        let _ = writeln!(apply, "if ! done_step {}; then", step.id);
        for line in &step.apply {
            let _ = writeln!(apply, "  {line}");
        }
        match step.records {
            Some(var) => {
                let _ = writeln!(apply, "  mark {} \"${var}\"", step.id);
            }
            None => {
                let _ = writeln!(apply, "  mark {}", step.id);
            }
        }
        apply.push_str("fi\n");
    }
    for p in plan
        .policies
        .iter()
        .filter(|p| p.outcome == Outcome::NotEditable)
    {
        let replacement = match &p.rewritten.document {
            Some(_) => format!(
                "a customer-managed replacement is in {}; tighten --replace-aws-managed \
                 puts it in place",
                document_path(p)
            ),
            None => "nothing of it is used".to_owned(),
        };
        note(
            &mut apply,
            &format!(
                "{} is AWS managed: not editable. {}; {replacement}",
                p.name,
                summary(p)
            ),
        );
    }
    if !cleanup.is_empty() {
        note(
            &mut apply,
            &format!(
                "{} deletion{} of what nobody used: in cleanup.sh, to run once this change has \
                 proven itself",
                cleanup.len(),
                if cleanup.len() == 1 { "" } else { "s" }
            ),
        );
    }
    if steps.is_empty() {
        apply.push_str("\n# Nothing to change.\n");
    }
    apply.push_str("\nmark applied\necho 'applied: rollback.sh undoes it; cleanup.sh deletes what nobody used'\n");

    let mut rollback = head(
        header,
        account,
        "rollback.sh: undoes what apply.sh did, step by step",
    );
    let _ = writeln!(
        rollback,
        "if [ -f \"$marks\" ] && grep -q '^c[0-9]' \"$marks\"; then\n  \
         echo 'cleanup.sh has deleted policies: a rollback cannot bring them back' >&2\n  \
         exit 1\nfi"
    );
    for step in steps.iter().rev() {
        note(&mut rollback, &format!("undo: {}", step.note));
        let _ = writeln!(rollback, "if done_step {}; then", step.id);
        for line in &step.undo {
            let _ = writeln!(rollback, "  {line}");
        }
        let _ = writeln!(rollback, "  unmark {}\nfi", step.id);
    }
    rollback.push_str(
        "\nif [ -f \"$marks\" ]; then unmark applied; fi\n\
         if [ -f \"$marks\" ] && [ ! -s \"$marks\" ]; then rm -f \"$marks\"; fi\n\
         echo 'rolled back'\n",
    );

    let mut clean = head(
        header,
        account,
        "cleanup.sh: deletes what nobody used, after apply.sh; not undone by rollback.sh",
    );
    clean.push_str(
        "if ! done_step applied; then\n  \
         echo 'apply.sh has not run to its end here: run it first' >&2\n  \
         exit 1\nfi\n",
    );
    for step in &cleanup {
        note(&mut clean, &step.note);
        let _ = writeln!(clean, "if ! done_step {}; then", step.id);
        for line in &step.apply {
            let _ = writeln!(clean, "  {line}");
        }
        let _ = writeln!(clean, "  mark {}\nfi", step.id);
    }
    if cleanup.is_empty() {
        clean.push_str("\n# Nothing to delete.\n");
    }
    clean.push_str("\necho 'cleaned up: what nobody used is deleted'\n");
    Scripts {
        apply,
        rollback,
        cleanup: clean,
    }
}
