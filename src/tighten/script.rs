//! `apply.sh`: the aws CLI commands that carry a plan out, in an order that never leaves a
//! principal with less than the plan gives it halfway (new versions before detachments,
//! detachments before deletions), for an administrator to review and run.
//!
//! A script is code built from untrusted input: user, group, role and policy names come
//! from authorization-details files, an SCP's name and id from Organizations, and IAM and
//! Organizations allow characters a shell gives meaning to. So nothing is pasted raw:
//! every value passes through [`shell_word`] and is bound to its flag with `=` (a name
//! that starts with `-` cannot become an option of the aws CLI), and every comment through
//! [`comment`] (a newline or carriage return in a name cannot end the comment). File names
//! come from [`file_name`], which keeps only characters that need no quoting.

use std::fmt::Write as _;

use super::plan::{EntityKind, Move, Outcome, Plan, PolicyKind, PolicyPlan};

/// IAM keeps at most five versions of a managed policy.
const MAX_VERSIONS: usize = 5;

/// Where a policy's new document is written, relative to the output directory: each kind
/// in its own place, so that names never collide (an AWS managed policy's replacement and a
/// customer-managed policy of the same name, inline policies of different owners).
pub fn document_path(policy: &PolicyPlan) -> String {
    match (&policy.kind, &policy.owner) {
        (PolicyKind::Inline, Some(owner)) => format!(
            "policies/inline/{}-{}/{}.json",
            owner.kind.as_str(),
            file_name(&owner.name),
            file_name(&policy.name)
        ),
        (PolicyKind::AwsManaged, _) => {
            format!("policies/aws-managed/{}.json", file_name(&policy.name))
        }
        _ => format!("policies/{}.json", file_name(&policy.name)),
    }
}

/// Where an SCP's new document is written, relative to the output directory.
pub fn scp_document_path(name: &str) -> String {
    format!("scps/{}.json", file_name(name))
}

/// A name as one path component: the characters IAM allows in names that no shell or
/// file system treats specially, everything else `_`; never empty, `.` or `..`.
pub fn file_name(text: &str) -> String {
    let name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    match name.as_str() {
        "" | "." | ".." => name.replace('.', "_") + "_",
        _ => name,
    }
}

/// `text` as exactly one shell word, whatever it holds: left bare when every character is
/// one no POSIX shell treats specially, else single-quoted with each `'` written `'\''`.
/// Inside single quotes nothing is special (`$()`, backticks, `${IFS}`, `;`, newlines), so
/// the word the shell reads is `text`, byte for byte.
pub fn shell_word(text: &str) -> String {
    let bare = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+,.@_-/:".contains(c));
    if bare {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// An option of the aws CLI with its value, as one shell word: `--flag=value`. The `=` binds
/// the value to its flag even when it starts with `-` (as the aws CLI documents for such
/// values), so a name can never be read as another option.
pub fn flag(name: &str, value: &str) -> String {
    format!("{name}={}", shell_word(value))
}

/// `text` made safe to follow `# ` on one line: control characters (newline, carriage
/// return, escape, ...), line and paragraph separators and the bidirectional controls that
/// can make a line read differently from what it holds are written as `\u{..}` escapes
/// (`\n`, `\r`, `\t` for the common ones), and a backslash as `\\`, so the text can be
/// read back.
pub fn comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control()
                || matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
                )
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c) =>
            {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn entity_flag(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "--user-name",
        EntityKind::Group => "--group-name",
        EntityKind::Role => "--role-name",
    }
}

/// The lines every script starts with: the shebang, `header` as comments, and `set -eu`.
fn preamble(header: &[String]) -> String {
    let mut s = String::from("#!/bin/sh\n");
    for line in header {
        let _ = writeln!(s, "# {}", comment(line));
    }
    s.push_str(
        "# Review before running. Every command is idempotent only as far as IAM makes it so.\n\
         set -eu\ncd \"$(dirname \"$0\")\"\n",
    );
    s
}

/// One aws CLI command: `aws SERVICE VERB` and its options, each value one shell word.
fn command(s: &mut String, service: &str, verb: &str, options: &[(&str, &str)]) {
    s.push_str("aws ");
    s.push_str(service);
    s.push(' ');
    s.push_str(verb);
    for (name, value) in options {
        s.push(' ');
        s.push_str(&flag(name, value));
    }
    s.push('\n');
}

/// A comment line of its own, before a command.
fn note(s: &mut String, text: &str) {
    let _ = writeln!(s, "\n# {}", comment(text));
}

/// The script for `plan`; `header` lines become comments at the top. With `account`, the
/// script first checks that the credentials are that account's.
pub fn apply_script(plan: &Plan, header: &[String], account: Option<&str>) -> String {
    let mut s = preamble(header);
    if let Some(account) = account {
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
    let mut any = false;
    // 1. New documents.
    for p in plan
        .policies
        .iter()
        .filter(|p| p.outcome == Outcome::Rewritten)
    {
        any = true;
        let document = format!("file://{}", document_path(p));
        note(&mut s, &format!("{}: {}", p.name, summary(p)));
        match (&p.kind, &p.owner, &p.arn) {
            (PolicyKind::Inline, Some(owner), _) => {
                let verb = match owner.kind {
                    EntityKind::User => "put-user-policy",
                    EntityKind::Group => "put-group-policy",
                    EntityKind::Role => "put-role-policy",
                };
                command(
                    &mut s,
                    "iam",
                    verb,
                    &[
                        (entity_flag(owner.kind), &owner.name),
                        ("--policy-name", &p.name),
                        ("--policy-document", &document),
                    ],
                );
            }
            (_, _, Some(arn)) => {
                if p.versions.len() >= MAX_VERSIONS {
                    // The oldest version that is not the default makes room for the new one.
                    if let Some(oldest) = p
                        .versions
                        .iter()
                        .find(|v| Some(*v) != p.default_version.as_ref())
                    {
                        command(
                            &mut s,
                            "iam",
                            "delete-policy-version",
                            &[("--policy-arn", arn), ("--version-id", oldest)],
                        );
                    }
                }
                s.push_str(&format!(
                    "aws iam create-policy-version {} {} --set-as-default\n",
                    flag("--policy-arn", arn),
                    flag("--policy-document", &document)
                ));
            }
            _ => {}
        }
    }
    // 2. Detachments and group removals.
    for m in &plan.moves {
        match m {
            Move::Detach {
                policy_key,
                policy_name,
                entity,
                why,
            } => {
                any = true;
                let verb = match entity.kind {
                    EntityKind::User => "detach-user-policy",
                    EntityKind::Group => "detach-group-policy",
                    EntityKind::Role => "detach-role-policy",
                };
                note(
                    &mut s,
                    &format!("{policy_name} from {}: {why}", entity.name),
                );
                command(
                    &mut s,
                    "iam",
                    verb,
                    &[
                        (entity_flag(entity.kind), &entity.name),
                        ("--policy-arn", policy_key),
                    ],
                );
            }
            Move::RemoveFromGroup { user, group, why } => {
                any = true;
                note(
                    &mut s,
                    &format!("{} out of {}: {why}", user.name, group.name),
                );
                command(
                    &mut s,
                    "iam",
                    "remove-user-from-group",
                    &[("--group-name", &group.name), ("--user-name", &user.name)],
                );
            }
            _ => {}
        }
    }
    // 3. Deletions: a managed policy's other versions first, as IAM requires.
    for m in &plan.moves {
        match m {
            Move::DeletePolicy {
                policy_key,
                policy_name,
                why,
            } => {
                any = true;
                note(&mut s, &format!("delete {policy_name}: {why}"));
                if let Some(p) = plan.policies.iter().find(|p| &p.key == policy_key) {
                    for v in p
                        .versions
                        .iter()
                        .filter(|v| Some(*v) != p.default_version.as_ref())
                    {
                        command(
                            &mut s,
                            "iam",
                            "delete-policy-version",
                            &[("--policy-arn", policy_key), ("--version-id", v)],
                        );
                    }
                }
                command(
                    &mut s,
                    "iam",
                    "delete-policy",
                    &[("--policy-arn", policy_key)],
                );
            }
            Move::DeleteInline {
                policy_name,
                owner,
                why,
            } => {
                any = true;
                let verb = match owner.kind {
                    EntityKind::User => "delete-user-policy",
                    EntityKind::Group => "delete-group-policy",
                    EntityKind::Role => "delete-role-policy",
                };
                note(
                    &mut s,
                    &format!("delete {policy_name} of {}: {why}", owner.name),
                );
                command(
                    &mut s,
                    "iam",
                    verb,
                    &[
                        (entity_flag(owner.kind), &owner.name),
                        ("--policy-name", policy_name),
                    ],
                );
            }
            _ => {}
        }
    }
    // AWS managed policies trailcut cannot edit.
    for p in plan
        .policies
        .iter()
        .filter(|p| p.outcome == Outcome::NotEditable)
    {
        let replacement = match &p.rewritten.document {
            Some(_) => format!("a customer-managed replacement is in {}", document_path(p)),
            None => "nothing of it is used".to_owned(),
        };
        note(
            &mut s,
            &format!(
                "{} is AWS managed: not editable. {}; {replacement}",
                p.name,
                summary(p)
            ),
        );
    }
    if !any {
        s.push_str("\n# Nothing to change.\n");
    }
    s
}

/// What an SCP-mode script carries out.
pub struct ScpChange<'a> {
    /// The SCP's name and id, as Organizations gave them.
    pub name: &'a str,
    pub id: &'a str,
    /// The entity path it was tightened for.
    pub entity: &'a str,
    /// The evidence window, as text.
    pub window: (&'a str, &'a str),
    /// The services the new Deny statement denies; empty when nothing changes.
    pub denied: &'a [&'a str],
}

/// The script of SCP mode: one `aws organizations update-policy` with the new document
/// (at [`scp_document_path`]), to run with the management account's credentials.
pub fn scp_apply_script(change: &ScpChange<'_>) -> String {
    let header = [
        format!(
            "trailcut tighten: SCP {} ({}) for {}",
            change.name, change.id, change.entity
        ),
        format!("evidence window {} .. {}", change.window.0, change.window.1),
        "Run with the management account's credentials.".to_owned(),
    ];
    let mut s = preamble(&header);
    if change.denied.is_empty() {
        s.push_str("\n# Nothing to change.\n");
        return s;
    }
    note(
        &mut s,
        &format!(
            "deny {}: unused by every account under the SCP's targets in the window",
            change.denied.join(", ")
        ),
    );
    let content = format!("file://{}", scp_document_path(change.name));
    command(
        &mut s,
        "organizations",
        "update-policy",
        &[("--policy-id", change.id), ("--content", &content)],
    );
    s
}

/// `kept 5 of 412 services, removed 407`.
pub fn summary(p: &PolicyPlan) -> String {
    let items = &p.rewritten.items;
    if items.is_empty() {
        return "every statement kept as written".to_owned();
    }
    let kept = items.iter().filter(|i| i.decision.keeps()).count();
    let noun = match items.first().map(|i| i.name.contains(':')) {
        Some(true) => "actions",
        _ => "services",
    };
    format!(
        "keeps {kept} of {} {noun}, removes {}",
        items.len(),
        items.len() - kept
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ActionCatalog;
    use crate::policy::PolicyDocument;
    use crate::tighten::plan::Entity;
    use crate::tighten::{RewriteOptions, Usage, Visibility, rewrite};

    fn policy(name: &str, kind: PolicyKind, versions: &[&str], outcome: Outcome) -> PolicyPlan {
        let document = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:CreateQueue","Resource":"*"}]}"#,
        )
        .unwrap();
        let rewritten = rewrite(
            &document,
            &Usage::default(),
            &Visibility::default(),
            &RewriteOptions::default(),
            ActionCatalog::embedded(),
        )
        .unwrap();
        let arn = format!("arn:aws:iam::123456789012:policy/{name}");
        PolicyPlan {
            key: arn.clone(),
            name: name.to_owned(),
            arn: (kind != PolicyKind::Inline).then_some(arn),
            kind,
            outcome,
            original: document,
            rewritten,
            owner: (kind == PolicyKind::Inline).then(|| Entity {
                kind: EntityKind::Role,
                name: "app role".to_owned(),
                arn: "arn:aws:iam::123456789012:role/app role".to_owned(),
            }),
            versions: versions.iter().map(|v| (*v).to_owned()).collect(),
            default_version: versions.last().map(|v| (*v).to_owned()),
            attached_to: Vec::new(),
            through: Vec::new(),
        }
    }

    fn commands(script: &str) -> Vec<&str> {
        script.lines().filter(|l| l.starts_with("aws ")).collect()
    }

    #[test]
    fn a_sixth_version_makes_room_and_a_deleted_policy_loses_its_versions_first() {
        let plan = Plan {
            policies: vec![
                policy(
                    "Full",
                    PolicyKind::CustomerManaged,
                    &["v1", "v2", "v3", "v4", "v5"],
                    Outcome::Rewritten,
                ),
                policy(
                    "Gone",
                    PolicyKind::CustomerManaged,
                    &["v1", "v2"],
                    Outcome::Emptied,
                ),
                policy("inline", PolicyKind::Inline, &[], Outcome::Rewritten),
            ],
            moves: vec![Move::DeletePolicy {
                policy_key: "arn:aws:iam::123456789012:policy/Gone".to_owned(),
                policy_name: "Gone".to_owned(),
                why: "unused".to_owned(),
            }],
        };
        let script = apply_script(&plan, &["test".to_owned()], Some("123456789012"));
        assert!(script.starts_with("#!/bin/sh\n# test\n"));
        assert!(script.contains("if [ \"$account\" != 123456789012 ]; then"));
        assert_eq!(
            commands(&script),
            [
                "aws iam delete-policy-version --policy-arn=arn:aws:iam::123456789012:policy/Full --version-id=v1",
                "aws iam create-policy-version --policy-arn=arn:aws:iam::123456789012:policy/Full --policy-document=file://policies/Full.json --set-as-default",
                "aws iam put-role-policy --role-name='app role' --policy-name=inline --policy-document=file://policies/inline/role-app_role/inline.json",
                "aws iam delete-policy-version --policy-arn=arn:aws:iam::123456789012:policy/Gone --version-id=v1",
                "aws iam delete-policy --policy-arn=arn:aws:iam::123456789012:policy/Gone",
            ]
        );
    }

    /// Names that IAM, Organizations or a doctored file can hold and a shell would act on.
    const HOSTILE: &[&str] = &[
        "NST$(cd${IFS}..;touch${IFS}pwned)",
        "a`touch pwned`b",
        "it's \"quoted\"",
        "x;touch pwned;",
        "line\ntouch pwned\n# ",
        "cr\rtouch pwned",
        "--debug",
        "${IFS}$HOME|touch pwned&",
        "back\\slash\u{202e}",
    ];

    /// A fake `aws` that records every call's arguments (NUL-separated, a call ended by
    /// `\x1e`) and answers `sts get-caller-identity` with `$AWS_ACCOUNT`.
    const FAKE_AWS: &str = "#!/bin/sh\n\
        for a in \"$@\"; do printf '%s\\0' \"$a\"; done >> \"$AWS_LOG\"\n\
        printf '\\036\\0' >> \"$AWS_LOG\"\n\
        if [ \"$1\" = sts ]; then printf '%s\\n' \"$AWS_ACCOUNT\"; fi\n";

    /// Runs `script` as `dir/out/apply.sh` with the fake `aws` first on the PATH; returns
    /// the calls it made, or panics with the script's output when it does not end as
    /// `succeeds` says.
    #[cfg(unix)]
    fn run_recorded(script: &str, account: &str, succeeds: bool) -> Vec<Vec<String>> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        let out = dir.path().join("out");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(bin.join("aws"), FAKE_AWS).unwrap();
        std::fs::set_permissions(bin.join("aws"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(out.join("apply.sh"), script).unwrap();
        let log = dir.path().join("aws.log");
        let output = std::process::Command::new("/bin/sh")
            .arg(out.join("apply.sh"))
            .current_dir(dir.path())
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("AWS_LOG", &log)
            .env("AWS_ACCOUNT", account)
            .output()
            .unwrap();
        assert_eq!(
            output.status.success(),
            succeeds,
            "{}\n{}",
            String::from_utf8_lossy(&output.stderr),
            script
        );
        // Nothing but the fake aws ran: no file appeared beside the script or above it.
        let mut found = Vec::new();
        for entry in walkdir::WalkDir::new(dir.path()) {
            let entry = entry.unwrap();
            if entry.file_name().to_string_lossy().contains("pwned") {
                found.push(entry.path().to_owned());
            }
        }
        assert!(found.is_empty(), "{found:?}\n{script}");
        let text = std::fs::read(&log).unwrap_or_default();
        let mut calls = Vec::new();
        let mut call = Vec::new();
        for field in text.split(|b| *b == 0).filter(|f| !f.is_empty()) {
            if field == b"\x1e" {
                calls.push(std::mem::take(&mut call));
            } else {
                call.push(String::from_utf8(field.to_vec()).unwrap());
            }
        }
        assert!(call.is_empty(), "a call without its end: {call:?}");
        calls
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn shell_words_read_back_as_the_text_exactly() {
        for text in HOSTILE.iter().copied().chain(["", "'", "''", "plain"]) {
            let script = format!("printf '%s\\0' {}", shell_word(text));
            let output = std::process::Command::new("/bin/sh")
                .arg("-c")
                .arg(&script)
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8(output.stdout).unwrap(),
                format!("{text}\0"),
                "{script}"
            );
        }
    }

    #[test]
    fn comments_hold_no_line_break_or_control_character() {
        for text in HOSTILE {
            let c = comment(text);
            assert!(!c.chars().any(|c| c.is_control()), "{c:?}");
            assert!(!c.contains('\u{202e}'), "{c:?}");
        }
        assert_eq!(comment("a\nb\\n"), "a\\nb\\\\n");
        assert_eq!(comment("x\u{1b}[2J"), "x\\u{1b}[2J");
        assert_eq!(file_name(".."), "___");
        assert_eq!(file_name("a/../b c"), "a_.._b_c");
    }

    #[cfg(unix)]
    #[test]
    fn hostile_names_reach_the_aws_cli_as_themselves_and_run_nothing_else() {
        let account = "1234$(touch pwned)";
        let mut policies = Vec::new();
        let mut moves = Vec::new();
        let mut expected: Vec<Vec<String>> = vec![strings(&[
            "sts",
            "get-caller-identity",
            "--query",
            "Account",
            "--output",
            "text",
        ])];
        for (i, name) in HOSTILE.iter().enumerate() {
            let name = format!("{name}{i}");
            let arn = format!("arn:aws:iam::123456789012:policy/{name}");
            let mut managed = policy(&name, PolicyKind::CustomerManaged, &[], Outcome::Rewritten);
            managed.versions = (1..=5).map(|v| format!("v{v}{name}")).collect();
            managed.default_version = managed.versions.last().cloned();
            let mut inline = policy(&name, PolicyKind::Inline, &[], Outcome::Rewritten);
            let owner = Entity {
                kind: EntityKind::User,
                name: name.clone(),
                arn: format!("arn:aws:iam::123456789012:user/{name}"),
            };
            inline.owner = Some(owner.clone());
            let group = Entity {
                kind: EntityKind::Group,
                name: format!("g{name}"),
                arn: format!("arn:aws:iam::123456789012:group/g{name}"),
            };
            expected.push(vec![
                "iam".into(),
                "delete-policy-version".into(),
                format!("--policy-arn={arn}"),
                format!("--version-id=v1{name}"),
            ]);
            expected.push(vec![
                "iam".into(),
                "create-policy-version".into(),
                format!("--policy-arn={arn}"),
                format!("--policy-document=file://{}", document_path(&managed)),
                "--set-as-default".into(),
            ]);
            expected.push(vec![
                "iam".into(),
                "put-user-policy".into(),
                format!("--user-name={name}"),
                format!("--policy-name={name}"),
                format!("--policy-document=file://{}", document_path(&inline)),
            ]);
            policies.push(managed);
            policies.push(inline);
            moves.push(Move::Detach {
                policy_key: arn.clone(),
                policy_name: name.clone(),
                entity: group.clone(),
                why: format!("why {name}"),
            });
            moves.push(Move::RemoveFromGroup {
                user: owner.clone(),
                group: group.clone(),
                why: format!("why {name}"),
            });
            moves.push(Move::DeleteInline {
                policy_name: name.clone(),
                owner: owner.clone(),
                why: format!("why {name}"),
            });
        }
        for (i, name) in HOSTILE.iter().enumerate() {
            let name = format!("{name}{i}");
            let arn = format!("arn:aws:iam::123456789012:policy/{name}");
            expected.push(vec![
                "iam".into(),
                "detach-group-policy".into(),
                format!("--group-name=g{name}"),
                format!("--policy-arn={arn}"),
            ]);
            expected.push(vec![
                "iam".into(),
                "remove-user-from-group".into(),
                format!("--group-name=g{name}"),
                format!("--user-name={name}"),
            ]);
        }
        for (i, name) in HOSTILE.iter().enumerate() {
            let name = format!("{name}{i}");
            expected.push(vec![
                "iam".into(),
                "delete-user-policy".into(),
                format!("--user-name={name}"),
                format!("--policy-name={name}"),
            ]);
        }
        // A deleted policy of hostile name: its versions, then itself.
        let gone = format!("{}gone", HOSTILE[0]);
        let gone_arn = format!("arn:aws:iam::123456789012:policy/{gone}");
        let mut deleted = policy(&gone, PolicyKind::CustomerManaged, &[], Outcome::Emptied);
        deleted.key = gone_arn.clone();
        deleted.versions = vec![format!("v1{}", HOSTILE[1]), "v2".into()];
        deleted.default_version = Some("v2".into());
        policies.push(deleted);
        moves.push(Move::DeletePolicy {
            policy_key: gone_arn.clone(),
            policy_name: gone.clone(),
            why: HOSTILE[4].to_owned(),
        });
        expected.push(vec![
            "iam".into(),
            "delete-policy-version".into(),
            format!("--policy-arn={gone_arn}"),
            format!("--version-id=v1{}", HOSTILE[1]),
        ]);
        expected.push(vec![
            "iam".into(),
            "delete-policy".into(),
            format!("--policy-arn={gone_arn}"),
        ]);
        let plan = Plan { policies, moves };
        let header: Vec<String> = HOSTILE.iter().map(|h| format!("scope {h}")).collect();
        let script = apply_script(&plan, &header, Some(account));
        assert_eq!(run_recorded(&script, account, true), expected, "{script}");
        // Credentials of another account stop the script before its first change.
        assert_eq!(
            run_recorded(&script, "123456789012", false),
            expected[..1],
            "{script}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_hostile_scp_name_and_id_reach_organizations_as_themselves() {
        for (i, name) in HOSTILE.iter().enumerate() {
            let id = format!("p-{}", HOSTILE[(i + 1) % HOSTILE.len()]);
            let denied = ["dms:*", "lex:*"];
            let script = scp_apply_script(&ScpChange {
                name,
                id: &id,
                entity: HOSTILE[(i + 2) % HOSTILE.len()],
                window: (HOSTILE[(i + 3) % HOSTILE.len()], "2026-01-01T00:00:00Z"),
                denied: &denied,
            });
            assert_eq!(
                run_recorded(&script, "unused", true),
                [vec![
                    "organizations".to_owned(),
                    "update-policy".to_owned(),
                    format!("--policy-id={id}"),
                    format!("--content=file://{}", scp_document_path(name)),
                ]],
                "{script}"
            );
        }
    }
}
