//! The run's report as text, for a terminal: what `trailcut tighten` prints.

use std::io::{self, Write};

use super::{
    Evidence, Level, Move, Outcome, PolicyKind, ResourceChoice, ScpTightened, StillAllowed,
    Tightened, Verdict, summary, time_text,
};

/// Items listed per kind before `... and N more`.
const LISTED: usize = 12;

/// The report of a run, as `trailcut tighten` prints it: what each policy keeps and loses
/// with the evidence, the other changes, refused calls and the replay.
pub fn write_report(out: &mut dyn Write, t: &Tightened) -> io::Result<()> {
    let Tightened {
        target,
        window,
        sources,
        level,
        warnings,
        plan,
        refused: denied,
        still_allowed: still,
        replay: replayed,
        permission_set,
    } = t;
    let evidence = sources.describe();
    writeln!(
        out,
        "{} {} ({}), {} level",
        target.kind.as_str(),
        target.name,
        target.arn,
        level_name(*level)
    )?;
    writeln!(
        out,
        "window {} .. {} ({} days); evidence: {evidence}",
        &time_text(window.since)[..10],
        &time_text(window.until)[..10],
        window.days()
    )?;
    for warning in warnings {
        writeln!(out, "warning: {warning}")?;
    }
    if let Some(ps) = permission_set {
        write_permission_set(out, ps)?;
    }
    for p in &plan.policies {
        let kind = kind_name(p.kind);
        let outcome = outcome_text(p.outcome);
        if p.outcome == Outcome::Boundary {
            writeln!(out, "\n{} ({kind}): {outcome}", p.name)?;
            continue;
        }
        writeln!(out, "\n{} ({kind}): {outcome}; {}", p.name, summary(p))?;
        if matches!(p.outcome, Outcome::LeftWithGroup | Outcome::Boundary) {
            continue;
        }
        let kept: Vec<_> = p
            .rewritten
            .items
            .iter()
            .filter(|i| i.decision == Verdict::Kept)
            .collect();
        // Every item kept on evidence, in full: what the new policy grants.
        for item in &kept {
            let e = item
                .evidence
                .as_ref()
                .map(evidence_line)
                .unwrap_or_default();
            writeln!(out, "  kept     {}  {e}", item.name)?;
            if let Some(choice) = &item.resources {
                writeln!(out, "           on {}", resource_line(choice))?;
            }
        }
        let subjects = match permission_set {
            Some(ps) => ps
                .accounts
                .iter()
                .flat_map(|a| a.role_arns.clone())
                .collect(),
            None => vec![target.arn.clone()],
        };
        write_unobservable(out, p, &subjects)?;
        let (seen, never): (Vec<_>, Vec<_>) = p
            .rewritten
            .items
            .iter()
            .filter(|i| i.decision == Verdict::Removed)
            .partition(|i| i.before.is_some());
        for item in seen.iter().take(LISTED) {
            let before = item.before.as_ref().map(evidence_line).unwrap_or_default();
            writeln!(
                out,
                "  removed  {}  no use in the window; before it: {before}",
                item.name
            )?;
        }
        if seen.len() > LISTED {
            writeln!(
                out,
                "  removed  ... and {} more used before the window",
                seen.len() - LISTED
            )?;
        }
        if !never.is_empty() {
            let shown: Vec<&str> = never.iter().take(LISTED).map(|i| i.name.as_str()).collect();
            let more = if never.len() > LISTED {
                format!(" and {} more", never.len() - LISTED)
            } else {
                String::new()
            };
            writeln!(
                out,
                "  removed  {}{more}: never seen used",
                shown.join(", ")
            )?;
        }
        for u in &p.rewritten.untouched {
            writeln!(
                out,
                "  as written: statement {} ({})",
                u.sid.clone().unwrap_or_else(|| format!("[{}]", u.index)),
                u.why
            )?;
        }
    }
    if !plan.moves.is_empty() {
        writeln!(out, "\nchanges besides new documents:")?;
        for m in &plan.moves {
            let line = move_line(m);
            writeln!(out, "  {line}")?;
        }
    }
    for StillAllowed {
        policy: name,
        removed_items_it_allows: count,
    } in still
    {
        writeln!(
            out,
            "\nnote: {name} (AWS managed) still allows {count} of the services or actions \
             removed above: until it is detached, the effective permissions of the principals \
             it reaches do not shrink"
        )?;
    }
    if !denied.not_granted.is_empty() {
        writeln!(
            out,
            "\nneeded but not granted (refused calls; never added):"
        )?;
        for (action, e) in &denied.not_granted {
            writeln!(out, "  {action}  {}", evidence_line(e))?;
        }
    }
    if !denied.although_granted.is_empty() {
        writeln!(
            out,
            "\nrefused although a policy here allows them (a condition, a Deny, a boundary, an \
             SCP or a resource policy decided):"
        )?;
        for (action, e) in &denied.although_granted {
            writeln!(out, "  {action}  {}", evidence_line(e))?;
        }
    }
    for (service, e) in &denied.attempts {
        writeln!(
            out,
            "\nnot counted: the reports' last use of {service} ({}) is a refused call in the \
             trail; the reports count attempts",
            evidence_line(e)
        )?;
    }
    writeln!(
        out,
        "\nreplayed {} ({}) of {}: {} would be denied{}",
        count(replayed.events, "event"),
        count(replayed.actions, "action"),
        count(replayed.principals, "principal"),
        replayed.regressions.len(),
        if replayed.not_comparable > 0 {
            format!(
                " ({} actions not allowed for certain before either: not compared)",
                replayed.not_comparable
            )
        } else {
            String::new()
        }
    )?;
    if *level == Level::Resource && replayed.underivable > 0 {
        writeln!(
            out,
            "  {} of those events have an action whose resources the event does not name: it \
             was replayed with the resource unknown, which only a `*` Resource allows for \
             certain (such actions keep their statement's Resource)",
            replayed.underivable
        )?;
    }
    if !replayed.incomplete.is_empty() {
        writeln!(
            out,
            "  not proven for {}: their policies are not all in the store (see the warnings), \
             so none of their calls was compared",
            replayed.incomplete.join(", ")
        )?;
    }
    for who in &replayed.unknown_principals {
        writeln!(out, "  not replayed: {who}")?;
    }
    for r in replayed.regressions.iter().take(LISTED) {
        writeln!(out, "  REGRESSION {}", regression_line(r))?;
    }
    if replayed.regressions.len() > LISTED {
        writeln!(
            out,
            "  ... and {} more (plan.json lists all)",
            replayed.regressions.len() - LISTED
        )?;
    }
    Ok(())
}

/// The report of an SCP-mode run, as `trailcut tighten --scp` prints it.
pub fn write_scp_report(out: &mut dyn Write, t: &ScpTightened) -> io::Result<()> {
    let ScpTightened {
        scope,
        org_entity: entity,
        window,
        warnings,
        rewrite,
        replay: replayed,
        ..
    } = t;
    let denied = t.denied();
    writeln!(out, "SCP {} ({}) for {entity}", scope.name, scope.id)?;
    writeln!(
        out,
        "window {} .. {} ({} days); accounts under its targets: {}",
        &time_text(window.since)[..10],
        &time_text(window.until)[..10],
        window.days(),
        if scope.accounts.is_empty() {
            "none".to_owned()
        } else {
            scope.accounts.join(", ")
        }
    )?;
    for warning in warnings {
        writeln!(out, "warning: {warning}")?;
    }
    if !scope.unplaced.is_empty() {
        writeln!(
            out,
            "warning: the place in the organisation of {} is unknown: if under the SCP, \
             their use is not counted",
            scope.unplaced.join(", ")
        )?;
    }
    for target in &scope.outside {
        writeln!(
            out,
            "warning: it is also attached to {target}, outside {entity}: the Deny reaches there too (its accounts' use is counted)"
        )?;
    }
    for item in &rewrite.items {
        let last = scope
            .last_reported
            .get(&item.name)
            .map(|t| format!(", last reported use {}", &time_text(*t)[..10]))
            .unwrap_or_default();
        match item.decision {
            Verdict::Kept => writeln!(
                out,
                "  allowed  {}  {}",
                item.name,
                item.evidence
                    .as_ref()
                    .map(evidence_line)
                    .unwrap_or_default()
            )?,
            Verdict::Removed => {
                writeln!(out, "  deny     {}  no use in the window{last}", item.name)?
            }
            Verdict::NeverUsed => writeln!(
                out,
                "  allowed  {}  never used in what the evidence covers (--deny-never-used denies it)",
                item.name
            )?,
            Verdict::Unobservable { blind, .. } => writeln!(
                out,
                "  allowed  {}  unobservable: {}",
                item.name,
                blind.describe()
            )?,
        }
    }
    match &rewrite.text {
        Some(text) => writeln!(
            out,
            "adds a Deny of {} service{} ({}); {} of {} characters",
            denied.len(),
            if denied.len() == 1 { "" } else { "s" },
            super::DENY_SID,
            text.chars().count(),
            super::SCP_MAX_CHARS
        )?,
        None => writeln!(out, "every service it allows is in use: nothing to change")?,
    }
    writeln!(
        out,
        "replayed {} ({}) of {}: {} would be denied",
        count(replayed.events, "event"),
        count(replayed.actions, "action"),
        count(replayed.principals, "principal"),
        replayed.regressions.len()
    )?;
    Ok(())
}

/// Where a kept action's `Resource` now points, for the report.
fn resource_line(choice: &ResourceChoice) -> String {
    let shown = |items: &[String]| {
        let more = items.len().saturating_sub(3);
        let list = items.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
        if more > 0 {
            format!("{list} and {more} more")
        } else {
            list
        }
    };
    match &choice.kept_because {
        Some(why) => format!("{} as written: {why}", shown(&choice.written)),
        None if choice.generalised.is_empty() => shown(&choice.written),
        None => format!(
            "{} ({} resources seen, generalised)",
            shown(&choice.written),
            choice.observed
        ),
    }
}

/// What the evidence could not see, a line per reason: the items (by service at action
/// level), which of them were used before the window, and which evidence would settle it.
fn write_unobservable(
    out: &mut dyn Write,
    p: &super::PolicyPlan,
    subjects: &[String],
) -> io::Result<()> {
    use std::collections::BTreeMap;
    // (reason, kept) -> items, in the plan's order.
    let mut groups: BTreeMap<(&'static str, bool), Vec<&super::Item>> = BTreeMap::new();
    let mut settle: BTreeMap<&'static str, String> = BTreeMap::new();
    for item in &p.rewritten.items {
        if let Verdict::Unobservable { blind, kept } = item.decision {
            groups.entry((blind.reason(), kept)).or_default().push(item);
            settle
                .entry(blind.reason())
                .or_insert_with(|| blind.settle(subjects));
        }
    }
    let mut kept_any = false;
    for ((reason, kept), items) in &groups {
        kept_any |= *kept;
        writeln!(
            out,
            "  {}  {}, unobservable: {reason}:",
            if *kept { "kept   " } else { "removed" },
            count(
                items.len(),
                if items[0].name.contains(':') {
                    "action"
                } else {
                    "service"
                }
            ),
        )?;
        writeln!(out, "           {}", by_service(items))?;
        let before: Vec<String> = items
            .iter()
            .filter_map(|i| {
                let e = i.before.as_ref()?;
                let last = e.last.map(|t| format!(", last {}", &time_text(t)[..10]));
                Some(format!(
                    "{} ({}{})",
                    i.name,
                    count(e.events as usize, "event"),
                    last.unwrap_or_default()
                ))
            })
            .collect();
        if !before.is_empty() {
            writeln!(
                out,
                "           used before the window, not in it: {}",
                before.join("; ")
            )?;
        }
        if let Some(how) = settle.get(reason) {
            writeln!(out, "           to settle it: {how}")?;
        }
    }
    if kept_any {
        writeln!(
            out,
            "           or --drop-unobservable removes what the evidence cannot see (the replay \
             still checks every call in the trail)"
        )?;
    }
    Ok(())
}

/// Item names, actions grouped by their service (`swf: 30 actions`) when there are many.
fn by_service(items: &[&super::Item]) -> String {
    let actions = items.iter().all(|i| i.name.contains(':'));
    if !actions || items.len() <= LISTED {
        return items
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
    }
    let mut services: Vec<(&str, usize)> = Vec::new();
    for item in items {
        let service = item.name.split(':').next().unwrap_or_default();
        match services.iter_mut().find(|(s, _)| *s == service) {
            Some((_, n)) => *n += 1,
            None => services.push((service, 1)),
        }
    }
    services
        .iter()
        .map(|(s, n)| format!("{s}: {}", count(*n, "action")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A person as the reports name them: the calls of sessions no rule explains are counted
/// under an empty name.
pub(super) fn person_label(who: &str) -> &str {
    if who.is_empty() {
        "(no person known)"
    } else {
        who
    }
}

/// `n` and a noun, singular for one: `1 principal`, `87 events`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

pub(super) fn evidence_line(e: &Evidence) -> String {
    let mut parts = Vec::new();
    if e.events > 0 {
        parts.push(count(e.events as usize, "event"));
    }
    if let Some(last) = e.last {
        parts.push(format!("last {}", &time_text(last)[..10]));
    }
    let who: Vec<&str> = e
        .principals
        .iter()
        .map(|p| p.rsplit(['/', ':']).next().unwrap_or(p))
        .collect();
    if !who.is_empty() {
        let shown = who.iter().take(3).copied().collect::<Vec<_>>().join(", ");
        let more = who.len().saturating_sub(3);
        parts.push(if more > 0 {
            format!("by {shown} and {more} more")
        } else {
            format!("by {shown}")
        });
    }
    let sources: Vec<String> = e
        .sources
        .iter()
        .map(|s| {
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect();
    format!("{} ({})", parts.join(", "), sources.join(", "))
}

/// A permission set's accounts, the people behind its roles, and its assignments.
fn write_permission_set(
    out: &mut dyn Write,
    ps: &super::permission_set::PermissionSetPlan,
) -> io::Result<()> {
    writeln!(
        out,
        "\nIAM Identity Center permission set {}: one policy for {}",
        ps.name,
        count(ps.accounts.len(), "account")
    )?;
    for a in &ps.accounts {
        let people: Vec<String> = a
            .people
            .iter()
            .map(|(who, n)| format!("{} {n}", person_label(who)))
            .collect();
        if a.role_arns.is_empty() {
            writeln!(out, "  {}: no provisioned role known", a.account)?;
        } else if a.events == 0 {
            writeln!(out, "  {}: not used in the window", a.account)?;
        } else {
            writeln!(
                out,
                "  {}: {} ({})",
                a.account,
                count(a.events as usize, "call"),
                people.join(", ")
            )?;
        }
    }
    if !ps.managed_detached.is_empty() {
        writeln!(
            out,
            "  its AWS managed policies are detached, what was used of them goes into the inline policy: {}",
            ps.managed_detached.join(", ")
        )?;
    }
    writeln!(
        out,
        "  new inline policy: {} of Identity Center's {} characters",
        ps.inline_policy_chars, ps.inline_policy_limit
    )?;
    for v in &ps.assignments {
        let a = &v.assignment;
        writeln!(
            out,
            "  assignment of {} {} in {}: {} ({})",
            a.principal_type.to_ascii_lowercase(),
            a.principal_name.as_deref().unwrap_or(&a.principal_id),
            a.account,
            v.verdict,
            v.why
        )?;
    }
    Ok(())
}

/// `service`, `action` or `resource`.
pub(super) fn level_name(level: Level) -> &'static str {
    match level {
        Level::Service => "service",
        Level::Action => "action",
        Level::Resource => "resource",
    }
}

/// A policy's kind in words.
pub(super) fn kind_name(kind: PolicyKind) -> &'static str {
    match kind {
        PolicyKind::AwsManaged => "AWS managed",
        PolicyKind::CustomerManaged => "customer managed",
        PolicyKind::Inline => "inline",
    }
}

/// What becomes of a policy, in words.
pub(super) fn outcome_text(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Unchanged => "unchanged",
        Outcome::Rewritten => "rewritten",
        Outcome::Emptied => "nothing kept: removed",
        Outcome::NotEditable => "AWS managed, not editable (--replace-aws-managed replaces it)",
        Outcome::Replaced => "AWS managed: replaced by a customer-managed copy of its rewrite",
        Outcome::LeftWithGroup => {
            "reaches the user only through groups the plan takes the user out of"
        }
        Outcome::Boundary => "a permissions boundary: not rewritten",
    }
}

/// A change besides new documents, in one line.
pub(super) fn move_line(m: &Move) -> String {
    match m {
        Move::Detach {
            policy_name,
            entity,
            why,
            ..
        } => format!(
            "detach {policy_name} from {} {}: {why}",
            entity.kind.as_str(),
            entity.name
        ),
        Move::RemoveFromGroup { user, group, why } => {
            format!("remove {} from group {}: {why}", user.name, group.name)
        }
        Move::DeletePolicy {
            policy_name, why, ..
        } => format!("delete {policy_name}: {why}"),
        Move::DeleteInline {
            policy_name,
            owner,
            why,
        } => format!("delete inline {policy_name} of {}: {why}", owner.name),
    }
}

/// A call the new policies would deny, in one line.
pub(super) fn regression_line(r: &super::replay::Regression) -> String {
    format!(
        "{} {} by {}: {} on {} would be {}: {}",
        r.event_time.as_deref().unwrap_or_default(),
        r.call,
        r.principal,
        r.action,
        r.resource.as_deref().unwrap_or("*"),
        r.decision,
        r.explanation
    )
}
