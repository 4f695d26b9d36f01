//! `trailcut report --out FILE.html`: the store and tightening plans as one self-contained
//! HTML page (report::render over sql::report::gather).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::Args;

use super::{Status, runtime};
use crate::report::{load_plans, render};
use crate::sql::Session;
use crate::sql::report::{ReportScope, gather};

/// Flags of `trailcut report`.
#[derive(Debug, Args)]
#[command(after_help = "\
One HTML file, for a person to read before cutting permissions and to attach to a change
ticket. It opens offline (no server, nothing fetched) and its tables read the same with
scripts off; a small embedded script only sorts them when a header is clicked.

Sections:
  Overview          window, accounts, regions, events, principals, the share of calls mapped
                    to IAM actions, calls per service, and the trail's coverage per account,
                    region and day with its gaps in red (a gap is why a cut may be unsafe)
  Usage over time   events per day; per group (its members' calls) and per busiest
                    principal, successful calls by service and week as a heatmap, with the
                    services it stopped using
  Principals        services and actions granted against used, the last call in the trail
                    and the last use IAM's last-accessed reports give, the people behind roles
  Unused            services granted and unused, users and roles without a call in the
                    window, customer-managed policies attached to nobody
  Denied            denied calls by principal and action
  Plans             each plan under --plans (folders `trailcut tighten --out` wrote), or
                    computed with --tighten LEVEL (the scope's --group, --role or
                    --permission-set, else every group and customer-managed policy): the old
                    and new documents side by side with the changes marked, the evidence of
                    every kept and removed item, the replay and the scripts

Large stores: each table shows its first 200 rows in the stated order and says how many it
left out; 24 groups and 24 principals get heatmaps. Narrow with the scope flags.

Examples:
  trailcut demo && trailcut report --plans trailcut-demo --out report.html
  trailcut report --group Development --days 90 --out development.html
  trailcut report --group Development --tighten service --days 120 --out development.html
  trailcut report --account 123456789012 --plans ./plans --out account.html

Exit status: 0 written; 1 written, but some plan.json under --plans could not be read
(named on stderr); 2 error.")]
pub struct ReportArgs {
    /// The HTML file to write
    #[arg(long, value_name = "FILE.html", default_value = "trailcut-report.html")]
    pub out: PathBuf,
    /// Tightening plans to show: a folder `tighten --out` wrote, or a folder of them
    #[arg(long, value_name = "DIR")]
    pub plans: Option<PathBuf>,
    /// Compute the plans instead: tighten the scope's group, role or permission set at this
    /// level, or without one every group and customer-managed policy
    #[arg(long, value_name = "LEVEL", value_parser = ["service", "action", "resource"], conflicts_with = "plans")]
    pub tighten: Option<String>,
    /// With --tighten: accept a trail that covers only part of the window (as tighten's flag)
    #[arg(long, requires = "tighten")]
    pub partial_trail: bool,
    /// Only this account's principals and trail
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Only principals whose ARN matches (SQL LIKE, any case); a bare name means %/NAME
    #[arg(long, value_name = "PATTERN")]
    pub principal: Option<String>,
    /// Only this group's members (and the group's heatmap)
    #[arg(long, value_name = "NAME")]
    pub group: Option<String>,
    /// Only this role
    #[arg(long, value_name = "NAME")]
    pub role: Option<String>,
    /// Only the roles this IAM Identity Center permission set provisioned
    #[arg(long, value_name = "NAME")]
    pub permission_set: Option<String>,
    /// The last N whole UTC days up to the newest day in the store (default: every day)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub days: Option<u32>,
    /// From this UTC day, inclusive
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub since: Option<NaiveDate>,
    /// To this UTC day, inclusive
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub until: Option<NaiveDate>,
}

impl ReportArgs {
    /// The whole store, written to the default file, without plans.
    pub fn everything() -> Self {
        ReportArgs {
            out: PathBuf::from("trailcut-report.html"),
            plans: None,
            tighten: None,
            partial_trail: false,
            account: None,
            principal: None,
            group: None,
            role: None,
            permission_set: None,
            days: None,
            since: None,
            until: None,
        }
    }
}

/// Writes the report; says where, and how big.
pub fn run(store: &Path, mut args: ReportArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let store_dir = super::existing_store(store)?;
    // Computed plans and the page over one window: tighten's default, unless one is given.
    if args.tighten.is_some() && args.days.is_none() && args.since.is_none() && args.until.is_none()
    {
        args.days = Some(TIGHTEN_DAYS);
    }
    let mut status = Status::Success;
    let plans = match &args.plans {
        Some(dir) => {
            let loaded = load_plans(dir)
                .with_context(|| format!("reading plans under `{}`", dir.display()))?;
            for skipped in &loaded.skipped {
                eprintln!("warning: skipping {skipped}");
                status = Status::Partial;
            }
            if loaded.plans.is_empty() && loaded.skipped.is_empty() {
                eprintln!(
                    "warning: no plan.json under `{}` (write plans with `trailcut tighten --out DIR`)",
                    dir.display()
                );
                status = Status::Partial;
            }
            loaded.plans
        }
        None => Vec::new(),
    };
    // Plans computed here are written to a folder of their own, read back like --plans.
    let computed = match &args.tighten {
        Some(level) => {
            let dir = tempfile::tempdir().context("creating a folder for the plans")?;
            if tighten_scope(store, &args, level, dir.path())? != Status::Success {
                status = Status::Partial;
            }
            Some(dir)
        }
        None => None,
    };
    let plans = match &computed {
        Some(dir) => {
            let mut loaded = load_plans(dir.path())?.plans;
            if loaded.is_empty() {
                eprintln!("warning: --tighten computed no plan (tighten's messages are above)");
                status = Status::Partial;
            }
            for view in &mut loaded {
                // The folder is gone once the page is written: the scripts would point at
                // nothing. `tighten --out` writes them to keep.
                view.folder = format!(
                    "computed with --tighten {}; run trailcut tighten with --out DIR for its scripts",
                    args.tighten.as_deref().unwrap_or("")
                );
                view.scripts.clear();
            }
            loaded
        }
        None => plans,
    };
    let scope = ReportScope {
        account: args.account,
        principal: args.principal,
        group: args.group,
        role: args.role,
        permission_set: args.permission_set,
        days: args.days,
        since: args.since,
        until: args.until,
    };
    let report = runtime()?.block_on(async {
        let session = Session::open(&store_dir).await?;
        anyhow::Ok(gather(&session, &store.display().to_string(), &scope, plans).await?)
    })?;
    if report.overview.events == 0 {
        eprintln!("warning: no event of the scope in the window: the page has no calls");
        status = Status::Partial;
    }
    let page = render(&report);
    write_whole(&args.out, page.as_bytes())
        .with_context(|| format!("writing `{}`", args.out.display()))?;
    writeln!(
        out,
        "wrote {} ({} KB): {} events, {} principals, {} heatmaps, {} plans",
        args.out.display(),
        page.len().div_ceil(1024),
        crate::report::html::count(report.overview.events),
        report.principals_total,
        report.heatmaps.len(),
        report.plans.len()
    )?;
    Ok(status)
}

/// `trailcut tighten` over the report's scope into `dir`: its group, role or permission set,
/// or every group and customer-managed policy (of its account). Its own report is not
/// printed: the page holds the plans.
fn tighten_scope(
    store: &Path,
    args: &ReportArgs,
    level: &str,
    dir: &Path,
) -> anyhow::Result<Status> {
    let mut argv: Vec<String> = Vec::new();
    let subject = [
        ("--group", &args.group),
        ("--role", &args.role),
        ("--permission-set", &args.permission_set),
    ];
    let given: Vec<(&str, &String)> = subject
        .iter()
        .filter_map(|(flag, v)| v.as_ref().map(|v| (*flag, v)))
        .collect();
    match given.as_slice() {
        [(flag, name)] => argv.extend([flag.to_string(), (*name).clone()]),
        // A pattern names no one subject: every group and policy would be tightened, not
        // the principals the page shows.
        [] if args.principal.is_some() => anyhow::bail!(
            "--tighten tightens a --group, --role or --permission-set (or, with none, every group \
             and policy): --principal is a pattern; run `trailcut tighten --user NAME --out DIR` \
             and pass --plans DIR"
        ),
        [] => argv.extend(["--all-groups".to_owned(), "--all-policies".to_owned()]),
        _ => anyhow::bail!(
            "--tighten tightens one subject: give one of --group, --role and --permission-set"
        ),
    }
    if let Some(account) = &args.account {
        argv.extend(["--account".to_owned(), account.clone()]);
    }
    if let Some(days) = args.days {
        argv.extend(["--days".to_owned(), days.to_string()]);
    }
    if let Some(since) = args.since {
        argv.extend(["--since".to_owned(), since.to_string()]);
    }
    if let Some(until) = args.until {
        argv.extend(["--until".to_owned(), until.to_string()]);
    }
    argv.extend([
        "--level".to_owned(),
        level.to_owned(),
        "--allow-regressions".to_owned(),
    ]);
    if args.partial_trail {
        argv.push("--partial-trail".to_owned());
    }
    argv.extend(["--out".to_owned(), dir.display().to_string()]);
    let words: Vec<&str> = argv.iter().map(String::as_str).collect();
    eprintln!(
        "tightening: trailcut tighten {}",
        words[..words.len() - 2].join(" ")
    );
    let tighten = super::tighten::parse_args(&words)?;
    // Its report is the page's; its messages matter when something failed.
    let mut said = Vec::new();
    let status = super::tighten::run(store, tighten, &mut said)?;
    if status != Status::Success {
        std::io::stderr().write_all(&said)?;
    }
    Ok(status)
}

/// Writes `bytes` to `path` through a temporary file beside it, so a reader never opens
/// half a page and an earlier report survives a failed run. A link is written through; the
/// file keeps the mode of the one it replaces, else gets the umask's.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let path = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => std::fs::canonicalize(path)?,
        _ => path.to_path_buf(),
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        // Created as any file the user writes: the mode the umask allows.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        if let Ok(old) = std::fs::metadata(&path) {
            file.set_permissions(old.permissions())?;
        }
        file.sync_all()?;
        std::fs::rename(&temp, &path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// The window `--tighten` uses when none is given: tighten's own default.
const TIGHTEN_DAYS: u32 = 90;
