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
    if super::script::is_permission_set(&policy.key) {
        return Some(format!(
            "policies/original/permission-set/{}.json",
            file_name(&policy.name)
        ));
    }
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
        .map(|l| match l.rfind(" --query ") {
            // `v=$(aws ... --query X --output text)`: the command, without what it prints.
            Some(at) if l.ends_with(" --output text)") => &l[..at],
            _ => l,
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
    for r in plan.replacements() {
        let (p, managed, name, staying) = (r.policy, r.managed, &r.name, &r.staying);
        let replacement = format!("arn:{}:iam::{account}:policy/{name}", partition(managed));
        let document = format!("file://{}", document_path(p));
        let step = Step {
            id: id(&steps),
            note: r.note(&summary(p)),
            apply: vec![aws(
                "iam",
                "create-policy",
                &[
                    ("--policy-name", name),
                    ("--policy-document", &document),
                    ("--description", &r.description()),
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
        for entity in staying {
            let step = Step {
                id: id(&steps),
                note: format!("{name} to {} {}", entity.kind.as_str(), entity.name),
                apply: vec![attachment("attach", entity, &replacement)],
                records: None,
                undo: vec![attachment("detach", entity, &replacement)],
            };
            steps.push(step);
        }
        for entity in staying {
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
fn head(header: &[String], account: Option<&str>, role: &str) -> String {
    let review =
        format!("Review before running. Each step done is recorded in {MARKS} beside this script:");
    let mut s = preamble(
        header,
        &[role, &review, "run again, a script skips what is done."],
    );
    match account {
        Some(account) => {
            let _ = writeln!(
                s,
                "account=$(aws sts get-caller-identity --query Account --output text)\n\
                 if [ \"$account\" != {} ]; then\n  \
                 echo {} \"$account\" >&2\n  \
                 exit 1\nfi",
                shell_word(account),
                shell_word(&format!(
                    "these changes are for account {account}, the credentials are for"
                ))
            );
        }
        None => note(
            &mut s,
            "the account these changes are for is not known: run with credentials for it",
        ),
    }
    let _ = writeln!(
        s,
        "marks={MARKS}\n\
         done_step() {{ [ -f \"$marks\" ] && grep -q -e \"^$1\\$\" -e \"^$1 \" \"$marks\"; }}\n\
         mark() {{ printf '%s\\n' \"$*\" >> \"$marks\"; }}\n\
         noted() {{ sed -n \"s/^$1 //p\" \"$marks\"; }}\n\
         unmark() {{ grep -v -e \"^$1\\$\" -e \"^$1 \" \"$marks\" > \"$marks.tmp\" || true; mv \"$marks.tmp\" \"$marks\"; }}"
    );
    s
}

/// apply.sh, rollback.sh and cleanup.sh for `plan`; `header` lines become comments at the
/// top; `account` is the account the plan is for.
pub fn iam_scripts(plan: &Plan, header: &[String], account: &str) -> Scripts {
    let steps = apply_steps(plan, account);
    let cleanup = cleanup_steps(plan);
    let mut notes = String::new();
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
            &mut notes,
            &format!(
                "{} is AWS managed: not editable. {}; {replacement}",
                p.name,
                summary(p)
            ),
        );
    }
    render(
        header,
        Some(account),
        &steps,
        &cleanup,
        &notes,
        &[],
        AfterCleanup::Refuse("policies"),
    )
}

/// What rollback.sh does once cleanup.sh has run: refuse (what it deleted held the
/// undo's ground: IAM policies), or say what stays gone and undo the rest (assignments).
enum AfterCleanup {
    Refuse(&'static str),
    Warn(&'static str),
}

/// The three scripts of `steps` (apply.sh, and rollback.sh undoing them in reverse, then
/// running `rollback_tail`) and `cleanup` (cleanup.sh): `notes` follow apply.sh's steps;
/// `deleted` says what cleanup.sh deletes. Without an `account` nothing is checked.
fn render(
    header: &[String],
    account: Option<&str>,
    steps: &[Step],
    cleanup: &[Step],
    notes: &str,
    rollback_tail: &[String],
    cleaned: AfterCleanup,
) -> Scripts {
    let mut apply = head(
        header,
        account,
        "apply.sh: carries the plan out; rollback.sh undoes it",
    );
    for step in steps {
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
    apply.push_str(notes);
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
    match cleaned {
        AfterCleanup::Refuse(deleted) => {
            let _ = writeln!(
                rollback,
                "if [ -f \"$marks\" ] && grep -q '^c[0-9]' \"$marks\"; then\n  \
                 echo {} >&2\n  \
                 exit 1\nfi",
                shell_word(&format!(
                    "cleanup.sh has deleted {deleted}: a rollback cannot bring them back"
                ))
            );
        }
        AfterCleanup::Warn(removed) => {
            let _ = writeln!(
                rollback,
                "if [ -f \"$marks\" ] && grep -q '^c[0-9]' \"$marks\"; then\n  \
                 echo {} >&2\nfi",
                shell_word(&format!(
                    "cleanup.sh has removed {removed}: this rollback does not bring them back"
                ))
            );
        }
    }
    for step in steps.iter().rev() {
        note(&mut rollback, &format!("undo: {}", step.note));
        let _ = writeln!(rollback, "if done_step {}; then", step.id);
        for line in &step.undo {
            let _ = writeln!(rollback, "  {line}");
        }
        let _ = writeln!(rollback, "  unmark {}\nfi", step.id);
    }
    for line in rollback_tail {
        let _ = writeln!(rollback, "{line}");
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
    for step in cleanup {
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

/// apply.sh, rollback.sh and cleanup.sh of a permission set's plan: the new inline policy
/// put and the AWS managed policies detached in Identity Center, then the permission set
/// provisioned to every account it is in (waiting for it); cleanup.sh removes the unused
/// assignments. Run with credentials of the instance's account (`owner_account`).
pub fn permission_set_scripts(
    plan: &Plan,
    ps: &super::permission_set::PermissionSetPlan,
    header: &[String],
) -> Scripts {
    let instance = ps.instance();
    let set = [
        ("--instance-arn", instance.as_str()),
        ("--permission-set-arn", ps.arn.as_str()),
    ];
    let with = |extra: &[(&str, &str)]| -> Vec<(String, String)> {
        set.iter()
            .chain(extra)
            .map(|(f, v)| ((*f).to_owned(), (*v).to_owned()))
            .collect()
    };
    let call = |verb: &str, flags: Vec<(String, String)>| -> String {
        let flags: Vec<(&str, &str)> = flags
            .iter()
            .map(|(f, v)| (f.as_str(), v.as_str()))
            .collect();
        aws("sso-admin", verb, &flags)
    };
    let mut steps = Vec::new();
    let id = |steps: &Vec<Step>| format!("s{}", steps.len() + 1);
    let policy = plan.policies.first();
    let original = policy.and_then(original_path);
    let put_original = |original: &Option<String>| match (ps.had_inline_policy, original) {
        (true, Some(path)) => call(
            "put-inline-policy-to-permission-set",
            with(&[("--inline-policy", &format!("file://{path}"))]),
        ),
        _ => call("delete-inline-policy-from-permission-set", with(&[])),
    };
    match policy.map(|p| (p, p.outcome)) {
        Some((p, Outcome::Rewritten)) => steps.push(Step {
            id: id(&steps),
            note: format!(
                "permission set {}: the new inline policy ({})",
                ps.name,
                summary(p)
            ),
            apply: vec![call(
                "put-inline-policy-to-permission-set",
                with(&[("--inline-policy", &format!("file://{}", document_path(p)))]),
            )],
            records: None,
            undo: vec![put_original(&original)],
        }),
        Some((_, Outcome::Emptied)) if ps.had_inline_policy => steps.push(Step {
            id: id(&steps),
            note: format!(
                "permission set {}: nothing of it was used, the inline policy goes",
                ps.name
            ),
            apply: vec![call("delete-inline-policy-from-permission-set", with(&[]))],
            records: None,
            undo: vec![put_original(&original)],
        }),
        _ => {}
    }
    for arn in &ps.managed_detached {
        steps.push(Step {
            id: id(&steps),
            note: format!(
                "permission set {}: detach {arn}, whose used grants are in the inline policy",
                ps.name
            ),
            apply: vec![call(
                "detach-managed-policy-from-permission-set",
                with(&[("--managed-policy-arn", arn)]),
            )],
            records: None,
            undo: vec![call(
                "attach-managed-policy-to-permission-set",
                with(&[("--managed-policy-arn", arn)]),
            )],
        });
    }
    // Changes reach the accounts only once provisioned; provisioning is asynchronous.
    let provision = |what: &str| -> Vec<String> {
        vec![
            format!(
                "v=$({} --query PermissionSetProvisioningStatus.RequestId --output text)",
                call(
                    "provision-permission-set",
                    with(&[("--target-type", "ALL_PROVISIONED_ACCOUNTS")])
                )
            ),
            format!(
                "n=0; while :; do s=$({} --provision-permission-set-request-id=\"$v\" --query PermissionSetProvisioningStatus.Status --output text) || exit 1; [ \"$s\" = IN_PROGRESS ] || break; n=$((n+1)); [ $n -lt 360 ] || break; sleep 5; done",
                aws(
                    "sso-admin",
                    "describe-permission-set-provisioning-status",
                    &[("--instance-arn", &instance)]
                )
            ),
            format!(
                "if [ \"$s\" != SUCCEEDED ]; then echo {} \"$s\" >&2; exit 1; fi",
                shell_word(&format!("provisioning {what} ended"))
            ),
        ]
    };
    let rollback_tail = if steps.is_empty() {
        Vec::new()
    } else {
        steps.push(Step {
            id: id(&steps),
            note: format!(
                "provision permission set {} to every account it is in, and wait",
                ps.name
            ),
            apply: provision("the change"),
            records: None,
            undo: Vec::new(),
        });
        let mut tail = vec![
            "# the permission set as it was, provisioned to every account it is in".to_owned(),
        ];
        tail.extend(provision("the rollback"));
        tail
    };
    let mut cleanup = Vec::new();
    for v in ps.assignments.iter().filter(|v| v.verdict == "remove") {
        let a = &v.assignment;
        let n = cleanup.len() + 1;
        cleanup.push(Step {
            id: format!("c{n}"),
            note: format!(
                "remove the assignment of {} {} in account {}: {}",
                a.principal_type.to_ascii_lowercase(),
                a.principal_name.as_deref().unwrap_or(&a.principal_id),
                a.account,
                v.why
            ),
            apply: vec![
                format!(
                    "v=$({} --query AccountAssignmentDeletionStatus.RequestId --output text)",
                    call(
                        "delete-account-assignment",
                        with(&[
                            ("--target-id", &a.account),
                            ("--target-type", "AWS_ACCOUNT"),
                            ("--principal-type", &a.principal_type),
                            ("--principal-id", &a.principal_id),
                        ])
                    )
                ),
                format!(
                    "n=0; while :; do s=$({} --account-assignment-deletion-request-id=\"$v\" --query AccountAssignmentDeletionStatus.Status --output text) || exit 1; [ \"$s\" = IN_PROGRESS ] || break; n=$((n+1)); [ $n -lt 360 ] || break; sleep 5; done",
                    aws("sso-admin", "describe-account-assignment-deletion-status", &[("--instance-arn", &instance)])
                ),
                format!(
                    "if [ \"$s\" != SUCCEEDED ]; then echo {} \"$s\" >&2; exit 1; fi",
                    shell_word("removing the assignment ended")
                ),
            ],
            records: None,
            undo: Vec::new(),
        });
    }
    let mut notes = String::new();
    note(
        &mut notes,
        "sso-admin answers in Identity Center's home region: run with AWS_REGION set to it",
    );
    for kept in &ps.customer_managed_kept {
        note(
            &mut notes,
            &format!("customer managed policy reference {kept} is kept as it is"),
        );
    }
    render(
        header,
        ps.owner_account.as_deref(),
        &steps,
        &cleanup,
        &notes,
        &rollback_tail,
        AfterCleanup::Warn("assignments (create-account-assignment makes them again)"),
    )
}
