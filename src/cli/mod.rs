//! The command line: one file per verb, each with its `Args` (clap derive) and one `run`
//! that builds the library's typed options and writes output to a `Write`.

pub mod authz;
pub mod bench;
pub mod catalog;
pub mod collect;
pub mod demo;
pub mod gen_trail;
pub mod ingest;
pub mod last_accessed;
pub mod map;
pub mod mapping;
pub mod org;
pub mod outdir;
pub mod policy;
pub mod policy_event;
pub mod query;
pub mod report;
pub mod sso;
pub mod store;
pub mod tighten;
pub mod tighten_bulk;
pub mod who_grants;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

/// How a command ended, as scripts see it. README.md and `trailcut --help` list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything asked was done.
    Success = 0,
    /// The work finished, but some input was skipped or matched nothing (see the messages
    /// on stderr). The questions `policy eval`, `policy event` and `who-grants` answer say
    /// "no" with it, as their help documents.
    Partial = 1,
    /// Nothing useful was done: bad usage, unreadable store or input, SQL error.
    Error = 2,
    /// `tighten --check`: a rewrite would change something.
    ChangeDue = 3,
    /// `tighten`: calls in the window would be denied by the new policies (the plan is
    /// written, to read; `--allow-regressions` accepts them).
    Regressions = 4,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        ExitCode::from(status as u8)
    }
}

/// An error and its causes on one line, each said once: a cause whose text an outer
/// message already holds (`StoreError::Io` prints its `io::Error`, which is also its
/// source) is not repeated.
pub fn error_text(error: &anyhow::Error) -> String {
    if let Some(message) = error.chain().find_map(|cause| {
        let datafusion = cause
            .downcast_ref::<datafusion::error::DataFusionError>()
            .or_else(|| match cause.downcast_ref::<crate::sql::SqlError>() {
                Some(crate::sql::SqlError::Query(e)) => Some(e),
                _ => None,
            })?;
        crate::sql::error::user_message(datafusion)
    }) {
        return message;
    }
    let mut text = String::new();
    for cause in error.chain() {
        let message = cause.to_string();
        if message.is_empty() || text.contains(&message) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&message);
    }
    text
}

const ABOUT: &str = "Least privilege for AWS from CloudTrail evidence: ingest trails into a local \
Parquet store, ask SQL about who used what, and cut IAM policies down to what was used.";

const AFTER_HELP: &str = "\
Examples:
  trailcut demo                                   the whole job on the bundled sample data
  trailcut ingest ~/trails/AWSLogs                 ingest a downloaded trail (S3 layout or any tree)
  trailcut query --name service_usage --param days=90
  trailcut query \"SELECT eventname, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC\"
  trailcut query                                  interactive SQL shell
  trailcut catalog expand 's3:Get*'               the IAM actions a pattern stands for

Exit status: 0 success; 1 finished, but some input was skipped or matched nothing (for
policy eval, policy event and who-grants: the answer is no); 2 error, nothing done;
3 tighten --check: a change is due; 4 tighten: the replay found calls the new policies
would deny.
The store is a directory of plain Parquet files (see docs/store.md); DuckDB, Spark
and Athena read it too.";

/// The store at `path`, which must exist: a command that reads it says so rather than
/// answer from nothing.
pub fn existing_store(path: &std::path::Path) -> anyhow::Result<crate::store::Store> {
    let store = crate::store::Store::new(path);
    if !store.exists() {
        anyhow::bail!(
            "no store at `{}`: run `trailcut ingest PATH` first, or pass --store DIR (or set \
             TRAILCUT_STORE)",
            path.display()
        );
    }
    Ok(store)
}

/// The store when `--store` and `TRAILCUT_STORE` do not name one.
pub const DEFAULT_STORE: &str = "./trailcut-store";

/// The command line of `trailcut`.
#[derive(Debug, Parser)]
#[command(name = "trailcut", version, long_version = long_version(), about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    /// The store directory
    #[arg(
        long,
        global = true,
        env = "TRAILCUT_STORE",
        default_value = DEFAULT_STORE,
        value_name = "DIR"
    )]
    pub store: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest CloudTrail logs into the store: files, directories, s3:// prefixes or event history
    Ingest(ingest::IngestArgs),
    /// Run SQL over the store (an argument, a file, a named query, or a shell)
    Query(query::QueryArgs),
    /// Write an HTML report of the store and tightening plans, to read before cutting
    Report(report::ReportArgs),
    /// Run the main job on the bundled sample data: load it, tighten the five stories, write the report
    Demo(demo::DemoArgs),
    /// Write a synthetic, realistic trail with its ground truth (benchmarks, tests)
    GenTrail(gen_trail::GenTrailArgs),
    /// Measure ingest, store size, every named query and a tightening on a large trail
    Bench(bench::BenchArgs),
    /// The embedded IAM action catalogue: info, show, expand patterns, list
    Catalog(catalog::CatalogArgs),
    /// The IAM actions one CloudTrail call needed (EVENTSOURCE EVENTNAME)
    Map(map::MapArgs),
    /// How the store's events map to IAM actions: `trailcut mapping coverage`
    Mapping(mapping::MappingArgs),
    /// Maintain the store: `trailcut store upgrade` after updating trailcut
    Store(store::StoreArgs),
    /// IAM users, groups, roles and policies: `trailcut authz ingest FILE...`
    Authz(authz::AuthzArgs),
    /// AWS Organizations tree and SCPs: `trailcut org ingest FILE...`
    Org(org::OrgArgs),
    /// IAM Identity Center permission sets, assignments, users and groups: `trailcut sso ingest FILE...`
    Sso(sso::SsoArgs),
    /// What a policy allows (`expand`) and AWS's decision for one request (`eval`)
    Policy(policy::PolicyArgs),
    /// Which policies give a principal a service, and through which group
    WhoGrants(who_grants::WhoGrantsArgs),
    /// IAM last-accessed reports (Access Advisor): `trailcut last-accessed ingest`
    LastAccessed(last_accessed::LastAccessedArgs),
    /// Collect from AWS with the SDK: `trailcut collect authz | org | sso | last-accessed`
    Collect(collect::CollectArgs),
    /// Cut a group's, user's, role's or policy's permissions down to what was used
    Tighten(tighten::TightenArgs),
}

/// `--version`: the program's version and the date and size of its IAM catalogue.
fn long_version() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let info = crate::catalog::CatalogInfo::embedded();
        format!(
            "{}\nIAM action catalogue of {}: {} actions in {} services ({} {})",
            env!("CARGO_PKG_VERSION"),
            info.date(),
            thousands(info.actions as u64),
            thousands(info.services as u64),
            info.package,
            info.version
        )
    })
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<Status> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // The verbs that change the store finish their work and report its status even when
    // nobody reads their output any more (`trailcut ingest ... | head -1`); the reading
    // verbs stop at the first write that fails, as `head` wants.
    let mut keeps_going = KeepsGoing::new(stdout.lock());
    match cli.command {
        Command::Ingest(args) => ingest::run(&cli.store, args, &mut keeps_going),
        Command::Query(args) => query::run(&cli.store, args, &mut out),
        Command::Report(args) => report::run(&cli.store, args, &mut out),
        Command::Demo(args) => demo::run(&cli.store, args, &mut out),
        Command::GenTrail(args) => gen_trail::run(args, &mut keeps_going),
        Command::Bench(args) => bench::run(args, &mut out),
        Command::Catalog(args) => catalog::run(args, &mut out),
        Command::Map(args) => map::run(args, &mut out),
        Command::Mapping(args) => mapping::run(&cli.store, args, &mut out),
        Command::Store(args) => store::run(&cli.store, args, &mut keeps_going),
        Command::Authz(args) => authz::run(&cli.store, args, &mut keeps_going),
        Command::Org(args) => org::run(&cli.store, args, &mut keeps_going),
        Command::Sso(args) => sso::run(&cli.store, args, &mut keeps_going),
        Command::Policy(args) => policy::run(&cli.store, args, &mut out),
        Command::WhoGrants(args) => who_grants::run(&cli.store, args, &mut out),
        Command::LastAccessed(args) => last_accessed::run(&cli.store, args, &mut keeps_going),
        Command::Collect(args) => collect::run(&cli.store, args, &mut keeps_going),
        Command::Tighten(args) => tighten::run(&cli.store, args, &mut keeps_going),
    }
}

/// Output that outlives its reader: once a write finds the pipe closed, this and every
/// later write are dropped as if written, so a command that changes the store is never
/// cut short, nor its exit status changed, by `| head`.
pub struct KeepsGoing<W> {
    inner: W,
    closed: bool,
}

impl<W> KeepsGoing<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            closed: false,
        }
    }
}

impl<W: std::io::Write> std::io::Write for KeepsGoing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        match self.inner.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(buf.len())
            }
            other => other,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.inner.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }
}

/// The process's peak resident set size, where the OS tells it (Linux: `VmHWM`).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(kib * 1024)
}

/// A multi-threaded tokio runtime for the verbs that use DataFusion.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Parses `YYYY-MM-DD` (start of the day, UTC) or RFC 3339 into microseconds.
pub fn parse_time(text: &str, end_of_day: bool) -> anyhow::Result<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp_micros());
    }
    let day = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("`{text}` is not a date (YYYY-MM-DD or RFC 3339)"))?;
    let time = if end_of_day {
        day.and_hms_micro_opt(23, 59, 59, 999_999)
    } else {
        day.and_hms_opt(0, 0, 0)
    }
    .expect("a valid time of day");
    Ok(time.and_utc().timestamp_micros())
}

/// `n` and a noun, singular for one, the number with thousands separators: `1 file`,
/// `1,265 files`.
pub fn count(n: u64, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{} {noun}s", thousands(n)),
    }
}

/// Formats an integer with thousands separators: `1234567` -> `1,234,567` (the report's
/// function: one implementation below both).
pub use crate::report::html::count as thousands;

#[cfg(test)]
mod tests {
    #[test]
    fn an_error_says_its_cause_once() {
        let full = std::io::Error::from_raw_os_error(28);
        let store = crate::store::StoreError::io("/s/events/x.parquet")(full);
        let error = anyhow::Error::new(store).context("cannot write the store");
        assert_eq!(
            super::error_text(&error),
            "cannot write the store: `/s/events/x.parquet`: No space left on device (os error 28)"
        );
        let plain = anyhow::anyhow!("inner").context("outer");
        assert_eq!(super::error_text(&plain), "outer: inner");
    }

    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
