//! What every script trailcut writes shares: the quoting of names ([`shell_word`],
//! [`flag`], [`comment`], [`file_name`]), where documents go, and SCP mode's script. The
//! scripts of a user, group, role or policy plan are in `apply.rs`.
//!
//! A script is code built from untrusted input: user, group, role and policy names come
//! from authorization-details files, an SCP's name and id from Organizations, and IAM and
//! Organizations allow characters a shell gives meaning to. So nothing is pasted raw:
//! every value passes through [`shell_word`] and is bound to its flag with `=` (a name
//! that starts with `-` cannot become an option of the aws CLI), and every comment through
//! [`comment`] (a newline or carriage return in a name cannot end the comment). File names
//! come from [`file_name`], which keeps only characters that need no quoting.

use std::fmt::Write as _;

use super::plan::{PolicyKind, PolicyPlan};

/// Where a policy's new document is written, relative to the output directory: each kind
/// in its own place, so that names never collide (an AWS managed policy's replacement and a
/// customer-managed policy of the same name, inline policies of different owners).
/// Whether a plan's policy key is an IAM Identity Center permission set's ARN.
pub fn is_permission_set(key: &str) -> bool {
    key.starts_with("arn:") && key.contains(":permissionSet/")
}

pub fn document_path(policy: &PolicyPlan) -> String {
    if is_permission_set(&policy.key) {
        return format!("policies/permission-set/{}.json", file_name(&policy.name));
    }
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
            c if deceptive(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether `c` can make a line read differently from what it holds: a control character
/// (newline, carriage return, escape, ...), a line or paragraph separator, or a
/// bidirectional control. Every generator escapes these in what it writes (comments
/// here, HCL strings and heredocs in `iac`).
pub(super) fn deceptive(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// The lines every script starts with: the shebang, `header` as comments, and `set -eu`.
pub(super) fn preamble(header: &[String], review: &[&str]) -> String {
    let mut s = String::from("#!/bin/sh\n");
    for line in header
        .iter()
        .map(String::as_str)
        .chain(review.iter().copied())
    {
        let _ = writeln!(s, "# {}", comment(line));
    }
    s.push_str("set -eu\ncd \"$(dirname \"$0\")\"\n");
    s
}

/// One aws CLI command: `aws SERVICE VERB` and its options, each value one shell word
/// bound to its flag.
pub(super) fn aws(service: &str, verb: &str, options: &[(&str, &str)]) -> String {
    let mut line = format!("aws {service} {verb}");
    for (name, value) in options {
        line.push(' ');
        line.push_str(&flag(name, value));
    }
    line
}

/// A comment line of its own, before a command.
pub(super) fn note(s: &mut String, text: &str) {
    let _ = writeln!(s, "\n# {}", comment(text));
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
    let mut s = preamble(
        &header,
        &["Review before running. Every command is idempotent only as far as IAM makes it so."],
    );
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
    let _ = writeln!(
        s,
        "{}",
        aws(
            "organizations",
            "update-policy",
            &[("--policy-id", change.id), ("--content", &content)],
        )
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
    use crate::tighten::plan::{Entity, EntityKind, Move, Outcome, Plan};
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
        if [ \"$1\" = sts ]; then printf '%s\\n' \"$AWS_ACCOUNT\"; fi\n\
        case \"$2\" in describe-*-status) echo SUCCEEDED;; *-permission-set|delete-account-assignment) echo req;; esac\n";

    /// Runs `script` as `out/apply.sh` in a new directory; see [`run_in`].
    #[cfg(unix)]
    fn run_recorded(script: &str, account: &str, succeeds: bool) -> Vec<Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        run_in(dir.path(), "apply.sh", script, account, succeeds)
    }

    /// Runs `script` as `dir/out/NAME` with the fake `aws` first on the PATH (scripts run
    /// in one `dir` share their record of steps done); returns the calls it made, or
    /// panics with the script's output when it does not end as `succeeds` says.
    #[cfg(unix)]
    fn run_in(
        dir: &std::path::Path,
        name: &str,
        script: &str,
        account: &str,
        succeeds: bool,
    ) -> Vec<Vec<String>> {
        use std::os::unix::fs::PermissionsExt;
        let bin = dir.join("bin");
        let out = dir.join("out");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(bin.join("aws"), FAKE_AWS).unwrap();
        std::fs::set_permissions(bin.join("aws"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(out.join(name), script).unwrap();
        let log = dir.join("aws.log");
        let _ = std::fs::remove_file(&log);
        let output = std::process::Command::new("/bin/sh")
            .arg(out.join(name))
            .current_dir(dir)
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
        for entry in walkdir::WalkDir::new(dir) {
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
        let sts = strings(&[
            "sts",
            "get-caller-identity",
            "--query",
            "Account",
            "--output",
            "text",
        ]);
        let mut policies = Vec::new();
        let mut moves = Vec::new();
        // What apply.sh, rollback.sh and cleanup.sh each call, in order.
        let (mut apply, mut undo, mut clean) = (vec![sts.clone()], Vec::new(), vec![sts.clone()]);
        let mut undo_moves = Vec::new();
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
            apply.push(vec![
                "iam".into(),
                "delete-policy-version".into(),
                format!("--policy-arn={arn}"),
                format!("--version-id=v1{name}"),
            ]);
            apply.push(vec![
                "iam".into(),
                "create-policy-version".into(),
                format!("--policy-arn={arn}"),
                format!("--policy-document=file://{}", document_path(&managed)),
                "--set-as-default".into(),
                "--query".into(),
                "PolicyVersion.VersionId".into(),
                "--output".into(),
                "text".into(),
            ]);
            apply.push(vec![
                "iam".into(),
                "put-user-policy".into(),
                format!("--user-name={name}"),
                format!("--policy-name={name}"),
                format!("--policy-document=file://{}", document_path(&inline)),
            ]);
            // Undone in the reverse order; the fake aws printed no version id, so there
            // is no created version to delete.
            undo.push(vec![
                "iam".into(),
                "put-user-policy".into(),
                format!("--user-name={name}"),
                format!("--policy-name={name}"),
                format!(
                    "--policy-document=file://{}",
                    crate::tighten::apply::original_path(&inline).unwrap()
                ),
            ]);
            undo.push(vec![
                "iam".into(),
                "set-default-policy-version".into(),
                format!("--policy-arn={arn}"),
                format!("--version-id=v5{name}"),
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
            let detach = |verb: &str| {
                vec![
                    "iam".into(),
                    format!("{verb}-group-policy"),
                    format!("--group-name=g{name}"),
                    format!("--policy-arn={arn}"),
                ]
            };
            let membership = |verb: &str| {
                vec![
                    "iam".into(),
                    verb.into(),
                    format!("--group-name=g{name}"),
                    format!("--user-name={name}"),
                ]
            };
            apply.push(detach("detach"));
            apply.push(membership("remove-user-from-group"));
            undo_moves.push(detach("attach"));
            undo_moves.push(membership("add-user-to-group"));
            clean.push(vec![
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
        clean.push(vec![
            "iam".into(),
            "delete-policy-version".into(),
            format!("--policy-arn={gone_arn}"),
            format!("--version-id=v1{}", HOSTILE[1]),
        ]);
        clean.push(vec![
            "iam".into(),
            "delete-policy".into(),
            format!("--policy-arn={gone_arn}"),
        ]);
        let plan = Plan { policies, moves };
        let header: Vec<String> = HOSTILE.iter().map(|h| format!("scope {h}")).collect();
        let scripts = crate::tighten::apply::iam_scripts(&plan, &header, account);
        let dir = tempfile::tempdir().unwrap();
        let run =
            |name: &str, script: &str, ok: bool| run_in(dir.path(), name, script, account, ok);
        // Credentials of another account stop each script before its first change.
        for script in [&scripts.apply, &scripts.rollback, &scripts.cleanup] {
            let other = tempfile::tempdir().unwrap();
            let calls = run_in(other.path(), "s.sh", script, "123456789012", false);
            assert_eq!(calls, std::slice::from_ref(&sts), "{script}");
        }
        assert_eq!(
            run("apply.sh", &scripts.apply, true),
            apply,
            "{}",
            scripts.apply
        );
        // Run again: every step is done, nothing is called twice.
        assert_eq!(
            run("apply.sh", &scripts.apply, true),
            std::slice::from_ref(&sts)
        );
        // The rollback undoes each step in the reverse order, once.
        let mut expected_undo = vec![sts.clone()];
        expected_undo.extend(
            undo_moves
                .chunks(2)
                .rev()
                .flat_map(|c| [c[1].clone(), c[0].clone()]),
        );
        expected_undo.extend(undo.chunks(2).rev().flat_map(|c| c.iter().cloned()));
        assert_eq!(
            run("rollback.sh", &scripts.rollback, true),
            expected_undo,
            "{}",
            scripts.rollback
        );
        assert_eq!(
            run("rollback.sh", &scripts.rollback, true),
            std::slice::from_ref(&sts)
        );
        // cleanup.sh runs only after apply.sh; then a rollback cannot bring deletions back.
        assert_eq!(
            run("cleanup.sh", &scripts.cleanup, false),
            std::slice::from_ref(&sts)
        );
        run("apply.sh", &scripts.apply, true);
        assert_eq!(
            run("cleanup.sh", &scripts.cleanup, true),
            clean,
            "{}",
            scripts.cleanup
        );
        assert_eq!(
            run("cleanup.sh", &scripts.cleanup, true),
            std::slice::from_ref(&sts)
        );
        assert_eq!(
            run("rollback.sh", &scripts.rollback, false),
            std::slice::from_ref(&sts)
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
    #[cfg(unix)]
    #[test]
    fn a_hostile_permission_set_and_assignments_reach_sso_admin_as_themselves() {
        use crate::tighten::permission_set::{AssignmentRow, AssignmentVerdict, PermissionSetPlan};
        let account = "1234$(touch pwned)";
        let name = HOSTILE.concat();
        let instance = format!("arn:aws:sso:::instance/ssoins-{}", HOSTILE[1]);
        let arn = format!("arn:aws:sso:::permissionSet/ssoins-x/ps-{}", HOSTILE[0]);
        let mut p = policy(&name, PolicyKind::Inline, &[], Outcome::Rewritten);
        p.key = arn.clone();
        let managed = format!("arn:aws:iam::aws:policy/{}", HOSTILE[2]);
        let assignments: Vec<AssignmentVerdict> = HOSTILE
            .iter()
            .map(|h| AssignmentVerdict {
                assignment: AssignmentRow {
                    account: format!("acct{h}"),
                    principal_type: format!("GROUP{h}"),
                    principal_id: format!("id{h}"),
                    principal_name: Some(format!("name{h}")),
                    people: Vec::new(),
                },
                verdict: "remove",
                why: h.to_string(),
            })
            .collect();
        let ps = PermissionSetPlan {
            name: name.clone(),
            arn: arn.clone(),
            instance_arn: Some(instance.clone()),
            owner_account: Some(account.to_owned()),
            inline_before: Some("{}".to_owned()),
            had_inline_policy: true,
            managed_detached: vec![managed.clone()],
            customer_managed_kept: HOSTILE.iter().map(|h| h.to_string()).collect(),
            boundary_kept: None,
            accounts: Vec::new(),
            assignments,
            inline_policy_chars: 0,
            inline_policy_limit: 10_240,
        };
        let plan = Plan {
            policies: vec![p.clone()],
            moves: Vec::new(),
        };
        let header: Vec<String> = HOSTILE.iter().map(|h| format!("scope {h}")).collect();
        let scripts = crate::tighten::apply::permission_set_scripts(&plan, &ps, &header);
        let set = |verb: &str, extra: &[String]| {
            let mut call = vec![
                "sso-admin".to_owned(),
                verb.to_owned(),
                format!("--instance-arn={instance}"),
                format!("--permission-set-arn={arn}"),
            ];
            call.extend(extra.iter().cloned());
            call
        };
        let query = |what: &str| strings(&["--query", what, "--output", "text"]);
        let sts = strings(&[
            "sts",
            "get-caller-identity",
            "--query",
            "Account",
            "--output",
            "text",
        ]);
        let provision = {
            let mut call = set(
                "provision-permission-set",
                &["--target-type=ALL_PROVISIONED_ACCOUNTS".to_owned()],
            );
            call.extend(query("PermissionSetProvisioningStatus.RequestId"));
            call
        };
        let status = {
            let mut call = strings(&["sso-admin", "describe-permission-set-provisioning-status"]);
            call.push(format!("--instance-arn={instance}"));
            call.push("--provision-permission-set-request-id=req".to_owned());
            call.extend(query("PermissionSetProvisioningStatus.Status"));
            call
        };
        let dir = tempfile::tempdir().unwrap();
        let run =
            |name: &str, script: &str, ok: bool| run_in(dir.path(), name, script, account, ok);
        assert_eq!(
            run("apply.sh", &scripts.apply, true),
            [
                sts.clone(),
                set(
                    "put-inline-policy-to-permission-set",
                    &[format!("--inline-policy=file://{}", document_path(&p))]
                ),
                set(
                    "detach-managed-policy-from-permission-set",
                    &[format!("--managed-policy-arn={managed}")]
                ),
                provision.clone(),
                status.clone(),
            ],
            "{}",
            scripts.apply
        );
        let mut removals = vec![sts.clone()];
        for h in HOSTILE {
            let mut call = set(
                "delete-account-assignment",
                &[
                    format!("--target-id=acct{h}"),
                    "--target-type=AWS_ACCOUNT".to_owned(),
                    format!("--principal-type=GROUP{h}"),
                    format!("--principal-id=id{h}"),
                ],
            );
            call.extend(query("AccountAssignmentDeletionStatus.RequestId"));
            removals.push(call);
            let mut poll = strings(&["sso-admin", "describe-account-assignment-deletion-status"]);
            poll.push(format!("--instance-arn={instance}"));
            poll.push("--account-assignment-deletion-request-id=req".to_owned());
            poll.extend(query("AccountAssignmentDeletionStatus.Status"));
            removals.push(poll);
        }
        // The rollback: the original inline policy back, the managed policy attached
        // again, then provisioned.
        assert_eq!(
            run("rollback.sh", &scripts.rollback, true),
            [
                sts.clone(),
                set(
                    "attach-managed-policy-to-permission-set",
                    &[format!("--managed-policy-arn={managed}")]
                ),
                set(
                    "put-inline-policy-to-permission-set",
                    &[format!(
                        "--inline-policy=file://{}",
                        crate::tighten::apply::original_path(&p).unwrap()
                    )]
                ),
                provision,
                status,
            ],
            "{}",
            scripts.rollback
        );
        run("apply.sh", &scripts.apply, true);
        assert_eq!(
            run("cleanup.sh", &scripts.cleanup, true),
            removals,
            "{}",
            scripts.cleanup
        );
    }
}
