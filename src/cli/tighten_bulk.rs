//! `trailcut tighten --all-policies | --all-groups | --all-roles | --all-users`: one
//! [`tighten_all`] call, one output directory per subject under `--out`, `summary.json`
//! beside them, and a summary table.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, bail};

use super::Status;
use crate::tighten::bulk::{BulkRequest, BulkResult, Skipped, tighten_all};
use crate::tighten::{EvidenceSource, IacFormat, file_name};

/// One row of the summary.
#[derive(Debug, serde::Serialize)]
struct Row {
    kind: &'static str,
    account: String,
    name: String,
    /// `changes`, `no change` or `error`.
    result: &'static str,
    /// Policies rewritten, emptied or replaced; moves besides.
    policies_changed: usize,
    moves: usize,
    /// Calls the replay found the new policies would deny.
    regressions: usize,
    /// The subject's folder under `--out`, or the error.
    detail: String,
}

/// The summary file, marking the directory as a bulk run's output.
#[derive(Debug, serde::Serialize)]
struct Summary<'a> {
    trailcut_bulk_summary: u32,
    subjects: &'a [Row],
    excluded: Vec<String>,
    aws_managed_roles_left_out: Vec<String>,
}

/// What a bulk run writes, and how it ends.
pub struct Outputs<'a> {
    /// `--out`: a folder per subject is written here.
    pub dir: Option<&'a Path>,
    /// `--check`: nothing is written; exit 3 when a change is due.
    pub check: bool,
    pub allow_regressions: bool,
    /// `--iac`: infrastructure code in each subject's folder.
    pub iac: &'a [IacFormat],
}

/// Runs a bulk tightening and writes its outputs.
pub fn run(
    request: &BulkRequest,
    source: &dyn EvidenceSource,
    catalog: &crate::catalog::ActionCatalog,
    outputs: Outputs<'_>,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    let Outputs {
        dir: out_dir,
        check,
        allow_regressions,
        iac,
    } = outputs;
    if out_dir.is_none() && !check {
        bail!("a bulk run writes one plan per subject: give --out DIR (or --check)");
    }
    let (results, skipped) = tighten_all(request, source, catalog)?;
    let dir = out_dir.filter(|_| !check);
    if let Some(dir) = dir {
        prepare(dir)?;
    }
    let mut rows = Vec::new();
    for r in &results {
        rows.push(row(r, dir, iac)?);
    }
    if let Some(dir) = dir {
        let summary = Summary {
            trailcut_bulk_summary: 1,
            subjects: &rows,
            excluded: skipped
                .excluded
                .iter()
                .map(|(kind, s)| format!("{} {}", kind.as_str(), s.name))
                .collect(),
            aws_managed_roles_left_out: skipped.aws_roles.iter().map(|s| s.name.clone()).collect(),
        };
        let text = serde_json::to_string_pretty(&summary)? + "\n";
        std::fs::write(dir.join("summary.json"), text)
            .with_context(|| format!("cannot write {}", dir.join("summary.json").display()))?;
    }
    write_table(out, &rows, &skipped)?;
    let errors = rows.iter().filter(|r| r.result == "error").count();
    let regressions: usize = rows.iter().map(|r| r.regressions).sum();
    Ok(if regressions > 0 && !allow_regressions {
        eprintln!(
            "error: the replay found {regressions} call(s) the new policies would deny (see \
             each subject's plan); --allow-regressions to accept"
        );
        Status::Regressions
    } else if check && rows.iter().any(|r| r.result == "changes") {
        Status::ChangeDue
    } else if errors > 0 {
        Status::Partial
    } else {
        Status::Success
    })
}

/// The row of one subject, its outputs written under `dir`.
fn row(r: &BulkResult, dir: Option<&Path>, iac: &[IacFormat]) -> anyhow::Result<Row> {
    let folder = format!(
        "{}-{}-{}",
        r.kind.as_str(),
        r.subject.account,
        file_name(&r.subject.name)
    );
    let mut row = Row {
        kind: r.kind.as_str(),
        account: r.subject.account.clone(),
        name: r.subject.name.clone(),
        result: "error",
        policies_changed: 0,
        moves: 0,
        regressions: 0,
        detail: String::new(),
    };
    match &r.result {
        Err(e) => row.detail = e.to_string(),
        Ok(t) => {
            row.policies_changed = t.plan.policies.iter().filter(|p| p.outcome.cuts()).count();
            row.moves = t.plan.moves.len();
            row.regressions = t.replay.regressions.len();
            row.result = if t.plan.changes() {
                "changes"
            } else {
                "no change"
            };
            if let Some(dir) = dir {
                let plan_json = t.plan_json();
                let mut files = t.files(&plan_json);
                files.extend(t.iac_files(iac));
                super::outdir::write(&dir.join(&folder), &files)?;
                row.detail = folder;
            }
        }
    }
    Ok(row)
}

/// The top directory of a bulk run: new, empty, or a previous bulk run's whose subjects
/// were not applied; a previous run's folders are removed.
fn prepare(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        return std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create {}", dir.display()));
    }
    let entries: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    if entries.is_empty() {
        return Ok(());
    }
    let previous = std::fs::read_to_string(dir.join("summary.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|v| v.get("trailcut_bulk_summary").is_some());
    if !previous {
        bail!(
            "--out {} is not empty and is not a previous bulk run's (no summary.json): give a \
             new or empty directory",
            dir.display()
        );
    }
    for entry in &entries {
        if entry.join(crate::tighten::MARKS).exists() {
            bail!(
                "--out {}: {} has been applied ({} records it): keep it for rollback.sh, or \
                 give another directory",
                dir.display(),
                entry.display(),
                crate::tighten::MARKS
            );
        }
    }
    for entry in entries {
        if entry.is_dir() {
            super::outdir::prepare(&entry)?;
            std::fs::remove_dir(&entry)
                .with_context(|| format!("cannot remove {}", entry.display()))?;
        } else if entry.file_name().is_some_and(|n| n == "summary.json") {
            std::fs::remove_file(&entry)?;
        } else {
            bail!(
                "--out {} holds `{}`, which trailcut did not write: move it away first",
                dir.display(),
                entry.display()
            );
        }
    }
    Ok(())
}

fn write_table(out: &mut dyn Write, rows: &[Row], skipped: &Skipped) -> std::io::Result<()> {
    let subject = |r: &Row| format!("{} {}", r.kind, r.name);
    let width = rows
        .iter()
        .map(|r| subject(r).len())
        .max()
        .unwrap_or(7)
        .max(7);
    writeln!(
        out,
        "{:<width$}  {:<12}  {:<9}  {:>8}  {:>5}  {:>11}  detail",
        "subject", "account", "result", "policies", "moves", "regressions"
    )?;
    for r in rows {
        writeln!(
            out,
            "{:<width$}  {:<12}  {:<9}  {:>8}  {:>5}  {:>11}  {}",
            subject(r),
            r.account,
            r.result,
            r.policies_changed,
            r.moves,
            r.regressions,
            r.detail
        )?;
    }
    let changed = rows.iter().filter(|r| r.result == "changes").count();
    let errors = rows.iter().filter(|r| r.result == "error").count();
    writeln!(
        out,
        "\n{} subjects: {changed} with changes, {} without, {errors} failed",
        rows.len(),
        rows.len() - changed - errors
    )?;
    if !skipped.excluded.is_empty() {
        writeln!(out, "excluded by --exclude: {}", skipped.excluded.len())?;
    }
    if !skipped.aws_roles.is_empty() {
        writeln!(
            out,
            "left out: {} role(s) AWS manages (service-linked, Identity Center); \
             --include-aws-roles takes them",
            skipped.aws_roles.len()
        )?;
    }
    Ok(())
}
