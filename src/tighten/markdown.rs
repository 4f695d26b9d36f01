//! A run as Markdown, for a change ticket (`plan.md` beside plan.json, `tighten
//! --markdown`): what is tightened, over which window and evidence; per policy, what is
//! kept and removed with its evidence and the old and new documents as a diff (one action
//! per line, so the diff is the change); the other changes; the replay; the commands.
//!
//! Every name from the store goes through [`cell`] in a table and into fenced blocks
//! otherwise; Markdown is read, not run, but a name must not break the page's structure.

use std::fmt::Write as _;

use super::outcome::Tightened;
use super::plan::Outcome;
use super::rewrite::Verdict;
use super::script::{document_path, summary};
use super::text::evidence_line;
use crate::policy::PolicyDocument;

/// Items listed per table before `... and N more`.
const LISTED: usize = 40;

/// Text from the store as Markdown that shows it as it is: no line break, and no
/// character that would start a link, an HTML tag, code or a table cell.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '[' | ']' | '|' | '`' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text from the store as inline code: a backtick cannot end it, `|` cannot split a
/// table cell, no line break.
fn code(text: &str) -> String {
    let inner: String = text
        .chars()
        .map(|c| match c {
            '`' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    format!("`{}`", inner.replace('|', "\\|"))
}

/// A fence longer than any backtick run in `text`.
fn fence(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// A document with one action, resource and condition value per line: each line of a
/// diff is one grant.
fn lines(document: &PolicyDocument) -> String {
    document.to_json_string_pretty()
}

/// The unified diff from `old` to `new`, three lines of context.
fn diff(old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header("before", "after")
        .to_string()
}

/// The run as Markdown.
pub fn write_markdown(t: &Tightened) -> String {
    let mut md = String::new();
    let target = &t.target;
    let _ = writeln!(
        md,
        "# trailcut tighten: {} {}\n",
        target.kind.as_str(),
        cell(&target.name)
    );
    let _ = writeln!(md, "- ARN: {}", code(&target.arn));
    if !target.account.is_empty() {
        let _ = writeln!(md, "- account: {}", cell(&target.account));
    }
    let _ = writeln!(
        md,
        "- window: {} .. {} ({} days)",
        &super::time_text(t.window.since)[..10],
        &super::time_text(t.window.until)[..10],
        t.window.days()
    );
    let _ = writeln!(md, "- evidence: {}", t.sources.describe());
    let level = super::text::level_name(t.level);
    let _ = writeln!(md, "- level: {level}");
    let r = &t.replay;
    let _ = writeln!(
        md,
        "- replay: {} successful calls ({} actions) of {} principals, **{} would be denied**",
        r.events,
        r.actions,
        r.principals,
        r.regressions.len()
    );
    for warning in &t.warnings {
        let _ = writeln!(md, "- warning: {}", cell(warning));
    }
    if let Some(ps) = &t.permission_set {
        let _ = writeln!(md, "\n## Accounts and people\n");
        let _ = writeln!(md, "| account | calls | people |\n|---|---:|---|");
        for a in &ps.accounts {
            let people: Vec<String> = a
                .people
                .iter()
                .map(|(who, n)| format!("{} {n}", cell(super::text::person_label(who))))
                .collect();
            let _ = writeln!(
                md,
                "| {} | {} | {} |",
                cell(&a.account),
                a.events,
                people.join(", ")
            );
        }
        let _ = writeln!(
            md,
            "\n| assignment | account | verdict | why |\n|---|---|---|---|"
        );
        for v in &ps.assignments {
            let a = &v.assignment;
            let _ = writeln!(
                md,
                "| {} {} | {} | {} | {} |",
                a.principal_type.to_ascii_lowercase(),
                cell(a.principal_name.as_deref().unwrap_or(&a.principal_id)),
                cell(&a.account),
                v.verdict,
                cell(&v.why)
            );
        }
    }
    for p in &t.plan.policies {
        let kind = super::text::kind_name(p.kind);
        let _ = writeln!(
            md,
            "\n## {} ({kind}): {}\n\n{}\n",
            cell(&p.name),
            super::text::outcome_text(p.outcome),
            cell(&summary(p))
        );
        let items = &p.rewritten.items;
        if !items.is_empty() {
            let _ = writeln!(md, "| item | decision | evidence |\n|---|---|---|");
            let (never, listed): (Vec<_>, Vec<_>) = items.iter().partition(|i| {
                i.decision == Verdict::Removed && i.before.is_none() && i.evidence.is_none()
            });
            for item in listed.iter().take(LISTED) {
                let (decision, evidence) = match item.decision {
                    Verdict::Kept => ("kept", item.evidence.as_ref().map(evidence_line)),
                    Verdict::NeverUsed => ("allowed", None),
                    Verdict::Removed => (
                        "removed",
                        item.before.as_ref().map(|e| {
                            format!("none in the window; before it: {}", evidence_line(e))
                        }),
                    ),
                    Verdict::Unobservable { blind, kept } => (
                        if kept {
                            "kept, unobservable"
                        } else {
                            "removed, unobservable"
                        },
                        Some(blind.describe()),
                    ),
                };
                let _ = writeln!(
                    md,
                    "| {} | {decision} | {} |",
                    code(&item.name),
                    cell(&evidence.unwrap_or_default())
                );
            }
            if listed.len() > LISTED {
                let _ = writeln!(md, "| ... | | and {} more |", listed.len() - LISTED);
            }
            if !never.is_empty() {
                let _ = writeln!(md, "| {} more | removed | never seen used |", never.len());
            }
        }
        if let Some(new) = &p.rewritten.document
            && matches!(
                p.outcome,
                Outcome::Rewritten | Outcome::Replaced | Outcome::NotEditable
            )
        {
            let text = diff(&lines(&p.original), &lines(new));
            let f = fence(&text);
            let _ = writeln!(
                md,
                "\nThe document ({}), before and after:\n\n{f}diff\n{text}{f}",
                code(&document_path(p))
            );
        }
    }
    if !t.plan.moves.is_empty() {
        let _ = writeln!(md, "\n## Other changes\n");
        for m in &t.plan.moves {
            let _ = writeln!(md, "- {}", cell(&super::text::move_line(m)));
        }
    }
    if !r.regressions.is_empty() {
        let _ = writeln!(md, "\n## Calls the new policies would deny\n");
        for reg in r.regressions.iter().take(LISTED) {
            let _ = writeln!(md, "- {}", cell(&super::text::regression_line(reg)));
        }
    }
    let _ = writeln!(
        md,
        "\n## To apply\n\nReview `apply.sh` (and `rollback.sh`, which undoes it) in this folder; \
         `cleanup.sh` deletes what nobody used, once the change has proven itself."
    );
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_break_a_table_or_a_fence() {
        assert_eq!(cell("a|b\n`c`"), "a\\|b \\`c\\`");
        assert_eq!(
            cell("[x](javascript:alert(1))<script>"),
            "\\[x\\](javascript:alert(1))&lt;script&gt;"
        );
        assert_eq!(code("a`b|c\nd"), "`a'b\\|c d`");
        assert_eq!(fence("no ticks"), "```");
        assert_eq!(fence("a ```` b"), "`````");
    }

    #[test]
    fn a_diff_shows_each_removed_action_on_its_own_line() {
        let old = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","sqs:SendMessage"],"Resource":"*"}]}"#,
        )
        .unwrap();
        let new = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}]}"#,
        )
        .unwrap();
        let d = diff(&lines(&old), &lines(&new));
        // Each grant on its own line: the removed ones are the removed lines (the last kept
        // one changes only by its comma).
        assert!(d.contains("-        \"s3:PutObject\",\n"), "{d}");
        assert!(d.contains("-        \"sqs:SendMessage\"\n"), "{d}");
        assert!(d.contains("+        \"s3:GetObject\"\n"), "{d}");
        assert!(!d.contains("Resource\": \"*\"\n-"), "{d}");
    }
}
