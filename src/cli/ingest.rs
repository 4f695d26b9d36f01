//! `trailcut ingest PATH... | s3://BUCKET[/PREFIX]... | --lookup-events`: flags to
//! [`IngestOptions`], a progress bar on a terminal, problems on stderr as they happen,
//! and a summary (or `--json`) at the end.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::{Status, parse_time, thousands};
use crate::ingest::aws::AwsOptions;
use crate::ingest::aws::lookup::{LookupOptions, default_since, ingest_lookup_events};
use crate::ingest::aws::s3::{S3Options, S3Url, ingest_s3};
use crate::ingest::kind::InputKind;
use crate::ingest::layout::Selection;
use crate::ingest::load::{Loaded, load};
use crate::ingest::{IngestObserver, IngestOptions, IngestReport, Problem};
use crate::store::Store;

/// Flags of `trailcut ingest`.
#[derive(Debug, Args)]
#[command(after_help = "\
Reads .json, .json.gz, .jsonl and .ndjson files: CloudTrail's {\"Records\":[...]}, bare arrays,
NDJSON, EventBridge envelopes and `aws cloudtrail lookup-events` output. Digest files are
skipped. The other AWS outputs trailcut reads are recognised in the same walk and routed to
their readers, so one command loads a whole folder such as sample_data/: IAM authorization
details (`authz ingest`), AWS Organizations listings (`org ingest`) and IAM last-accessed
reports (`last-accessed ingest`), whose subjects come from an INDEX.tsv beside them (a line
per report: the file name, a tab, `--arn ARN` or `--entity-path PATH`, and `--service NS`
for a with-entities report). The summary counts each kind. Re-running is safe: sources in the manifest are skipped and events are stored once
per eventID. Exit status 1 means some input was skipped; the messages say which and where:
a record that does not decode costs that record, a file that is not JSON (or decompresses
to more than a quarter of --memory-mib) costs that file.

eventTime may be RFC 3339 or a SIEM export's `YYYY-MM-DD HH:MM:SS[.fraction]` (UTC); a date
or time that does not exist (February 30, hour 24) or a leap second (:60) costs its record.
An event dated before CloudTrail began (2013-11-01), or more than a day after its file was
delivered (the time in a CloudTrail file name) or else read, is stored apart in the
`outliers` table, which no window or tightening reads, and counted in the summary.

From S3, trailcut walks AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ and lists only
the accounts, regions and days selected; objects whose key and ETag are in the manifest are
not fetched again, so a re-run (or a run resumed after an interruption) fetches only what is
new. Nothing is staged on disk. Credentials and region come from the standard AWS chain.
Needs s3:ListBucket on the bucket and s3:GetObject on the trail's keys; --lookup-events
needs cloudtrail:LookupEvents (README, section Permissions trailcut needs).

--lookup-events reads CloudTrail event history (90 days of management events) with
LookupEvents, two requests per second per region. Whole past days are recorded and not read
again; events also delivered to S3 are stored once.

--since and --until take YYYY-MM-DD or RFC 3339; for S3 and local trees they select the
YYYY/MM/DD delivery directories (inclusive), so events of the last minutes of a day may sit in
the next day's directory.

Examples:
  trailcut ingest ./AWSLogs
  trailcut ingest sample_data                        trail, IAM, organisation and reports
  trailcut ingest s3://org-trail-bucket --since 2026-09-01 --account 111122223333
  trailcut ingest s3://bucket/prefix/AWSLogs/o-a1b2c3d4e5 --trail-region us-east-1,eu-west-1
  trailcut ingest --lookup-events --trail-region us-east-1 --since 2026-11-01")]
pub struct IngestArgs {
    /// Files or directories (walked recursively, e.g. a downloaded AWSLogs/ tree), or
    /// s3://BUCKET[/PREFIX] URLs
    #[arg(value_name = "PATH|S3_URL", required_unless_present = "lookup_events")]
    pub paths: Vec<String>,

    /// Read CloudTrail event history (LookupEvents) instead of files
    #[arg(long, conflicts_with = "paths")]
    pub lookup_events: bool,

    /// First delivery day (YYYY-MM-DD or RFC 3339); for --lookup-events, 90 days ago by default
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Last delivery day, inclusive (YYYY-MM-DD or RFC 3339)
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Only these accounts (12 digits; repeat or separate with commas)
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub account: Vec<String>,

    /// Only these trail regions (repeat or separate with commas)
    #[arg(long, value_name = "REGION", value_delimiter = ',')]
    pub trail_region: Vec<String>,

    /// A named profile of the AWS config files (SSO profiles included)
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// The client's region: for S3 found from the bucket when not given; for
    /// --lookup-events the region read when --trail-region is not given
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// An S3-compatible endpoint, e.g. http://127.0.0.1:9000 (path-style requests)
    #[arg(long, value_name = "URL", env = "TRAILCUT_S3_ENDPOINT")]
    pub endpoint_url: Option<String>,

    /// S3 requests in flight at once
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub concurrency: usize,

    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,

    /// Cores to use: at most N threads decode or write at once (default: all cores)
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Memory for decoding and buffering, in MiB: a quarter for decompressed files (also
    /// the most one file may decompress to), the rest for events before they are written
    #[arg(long, value_name = "MIB", default_value_t = crate::ingest::DEFAULT_MEMORY_MIB)]
    pub memory_mib: usize,

    /// Seconds between checkpoints: the sources read so far are made durable and recorded,
    /// so that an interrupted run resumes after them
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub checkpoint_secs: u64,

    /// No progress bar
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `trailcut ingest`.
pub fn run(store: &Path, args: IngestArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let mut options = IngestOptions::default();
    if let Some(threads) = args.threads {
        options.threads = threads.max(1);
    }
    options.set_memory_budget(args.memory_mib.max(16) << 20);
    options.checkpoint_every = std::time::Duration::from_secs(args.checkpoint_secs);
    for account in &args.account {
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            bail!("--account `{account}` is not a 12-digit account id");
        }
    }
    let since = args
        .since
        .as_deref()
        .map(|t| parse_time(t, false))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|t| parse_time(t, true))
        .transpose()?;
    if let (Some(since), Some(until)) = (since, until)
        && since > until
    {
        bail!("--since is after --until: nothing to read");
    }
    let day = |micros: i64| chrono::DateTime::from_timestamp_micros(micros).map(|t| t.date_naive());
    options.selection = Selection {
        since: since.and_then(day),
        until: until.and_then(day),
        accounts: args.account.clone(),
        regions: args.trail_region.clone(),
    };
    let aws = AwsOptions {
        profile: args.profile.clone(),
        region: args.region.clone(),
        max_attempts: None,
    };
    let observer = Progress::new(!args.quiet && std::io::stderr().is_terminal());
    let store_handle = Store::new(store);
    let report = if args.lookup_events {
        if !args.account.is_empty() {
            bail!("--account does not apply to --lookup-events: it reads the credentials' account");
        }
        let now = chrono::Utc::now().timestamp_micros();
        let oldest = default_since(now);
        if since.is_some_and(|s| s < oldest) {
            eprintln!(
                "note: event history keeps 90 days: days before {} will be empty",
                chrono::DateTime::from_timestamp_micros(oldest)
                    .map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            );
        }
        let lookup = LookupOptions {
            aws,
            regions: args.trail_region.clone(),
            since: since.unwrap_or(oldest),
            until: until.map_or(now, |u| (u + 1).min(now)),
        };
        ingest_lookup_events(&store_handle, &lookup, &options, &observer)?
    } else {
        let urls: Vec<S3Url> = args.paths.iter().filter_map(|p| S3Url::parse(p)).collect();
        if urls.is_empty() {
            if let Some(bad) = args.paths.iter().find(|p| p.starts_with("s3://")) {
                bail!("`{bad}` is not an S3 URL: expected s3://BUCKET[/PREFIX]");
            }
            let paths: Vec<PathBuf> = args.paths.iter().map(PathBuf::from).collect();
            // Before the store is opened: a mistyped path must not leave an empty store.
            for path in &paths {
                if let Err(e) = std::fs::metadata(path) {
                    bail!("cannot read `{}`: {e}", path.display());
                }
            }
            let loaded = load(&store_handle, &paths, &options, &observer)?;
            observer.done();
            return finish_loaded(&loaded, store, args.json, out);
        } else if urls.len() != args.paths.len() {
            bail!("give local paths and s3:// URLs in separate runs");
        } else {
            let s3 = S3Options {
                aws,
                endpoint_url: args.endpoint_url.clone(),
                concurrency: args.concurrency.max(1),
            };
            ingest_s3(
                &store_handle,
                &urls,
                &options.selection,
                &s3,
                &options,
                &observer,
            )?
        }
    };
    observer.done();
    if args.json {
        let mut value = serde_json::to_value(&report)?;
        value["peak_rss_bytes"] = serde_json::json!(super::peak_rss_bytes());
        serde_json::to_writer_pretty(&mut *out, &value)?;
        writeln!(out)?;
    } else {
        write_summary(&report, store, out)?;
    }
    Ok(if report.skipped_anything() {
        Status::Partial
    } else {
        Status::Success
    })
}

/// Prints what an ingest of local paths did, kind by kind, and its exit status.
pub fn finish_loaded(
    loaded: &Loaded,
    store: &Path,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    if loaded.trail.is_none() && loaded.is_empty() {
        let digests = match loaded.digests_only {
            0 => String::new(),
            n => format!(" (only {n} CloudTrail digest file(s), which hold no events)"),
        };
        bail!(
            "found nothing to ingest{digests}: no CloudTrail logs (.json, .json.gz, .jsonl, \
             .ndjson) and no other AWS outputs trailcut reads"
        );
    }
    for problem in &loaded.problems {
        eprintln!("warning: {problem}");
    }
    if json {
        // The trail's report at the top, as before, with the other kinds beside it.
        let mut value = match &loaded.trail {
            Some(trail) => serde_json::to_value(trail)?,
            None => serde_json::json!({}),
        };
        value["peak_rss_bytes"] = serde_json::json!(super::peak_rss_bytes());
        value["kinds"] = serde_json::to_value(loaded)?;
        serde_json::to_writer_pretty(&mut *out, &value)?;
        writeln!(out)?;
    } else {
        if loaded.files.len() > 1 || !loaded.files.contains_key(&InputKind::Trail) {
            let kinds: Vec<String> = loaded
                .files
                .iter()
                .map(|(kind, n)| format!("{} {}", thousands(*n as u64), kind.noun(*n)))
                .collect();
            writeln!(out, "found {}", kinds.join(", "))?;
        }
        if let Some(authz) = &loaded.authorization {
            super::authz::finish(authz, false, out)?;
        }
        if let Some(org) = &loaded.organization {
            super::org::finish(org, false, out)?;
        }
        if let Some(sso) = &loaded.identity_center {
            super::sso::finish(sso, false, out)?;
        }
        for job in &loaded.reports {
            super::last_accessed::finish(&job.summary, false, out)?;
        }
        if let Some(trail) = &loaded.trail {
            write_summary(trail, store, out)?;
        }
    }
    Ok(if loaded.skipped_anything() {
        Status::Partial
    } else {
        Status::Success
    })
}

/// Prints the human summary of an ingest run.
pub fn write_summary(r: &IngestReport, store: &Path, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "ingested {} into `{}`: {} events read, {} new, in {:.1} s ({} events/s, {:.0} MB/s of JSON)",
        super::count(r.files_ingested, "file"),
        store.display(),
        thousands(r.events_read),
        thousands(r.events_stored),
        r.seconds,
        thousands(r.events_per_second as u64),
        r.json_mb_per_second,
    )?;
    let rows = [
        ("duplicate events (already stored)", r.duplicates),
        ("files unchanged since last ingest", r.files_unchanged),
        ("digest files skipped", r.digests_skipped),
        ("other files ignored", r.files_ignored),
        ("files outside the selection", r.files_not_selected),
        ("malformed records skipped", r.records_skipped),
        ("eventIDs reused by another event", r.conflicting_ids),
        ("files that could not be read", r.files_failed),
    ];
    for (label, n) in rows {
        if n > 0 {
            writeln!(out, "  {label:<36} {:>12}", thousands(n))?;
        }
    }
    if r.outliers > 0 {
        writeln!(
            out,
            "  {:<36} {:>12}  (stored apart: SELECT * FROM outliers)",
            "events with implausible times",
            thousands(r.outliers)
        )?;
        for example in &r.outlier_examples {
            writeln!(out, "    {example}")?;
        }
        let more = r.outliers.saturating_sub(r.outlier_examples.len() as u64);
        if more > 0 {
            writeln!(out, "    and {} more", thousands(more))?;
        }
    }
    if let Some(remote) = &r.remote {
        writeln!(
            out,
            "  {:<36} {:>12}",
            "listing requests",
            thousands(remote.list_requests)
        )?;
        writeln!(
            out,
            "  {:<36} {:>12}",
            "objects fetched",
            thousands(remote.fetched)
        )?;
        writeln!(
            out,
            "  {:<36} {:>12}",
            "not fetched (key and ETag known)",
            thousands(remote.not_fetched)
        )?;
    }
    Ok(())
}

/// A progress bar on stderr (when it is a terminal) that also prints problems.
struct Progress {
    bar: Option<ProgressBar>,
    /// Counting days of event history rather than bytes.
    by_days: std::sync::atomic::AtomicBool,
}

impl Progress {
    fn new(show: bool) -> Self {
        Self {
            bar: show.then(|| {
                // A spinner while sources are found (a bucket listing can take a while),
                // a bar once their number and size are known.
                let bar = ProgressBar::new_spinner();
                bar.set_message("finding sources");
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
                bar
            }),
            by_days: false.into(),
        }
    }

    fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl IngestObserver for Progress {
    fn listing(&self, objects: u64) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("listing: {} objects found", thousands(objects)));
            bar.tick();
        }
    }

    fn started(&self, files: u64, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.set_message("ingesting");
            // Days of event history have no size until read: count them instead.
            let by_days = bytes == 0 && files > 0;
            self.by_days
                .store(by_days, std::sync::atomic::Ordering::Relaxed);
            let template = if by_days {
                "{spinner} {msg} [{bar:30}] {pos}/{len} days eta {eta}"
            } else {
                "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
            };
            bar.set_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_length(if by_days { files } else { bytes });
        }
    }

    fn file_done(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            let by_days = self.by_days.load(std::sync::atomic::Ordering::Relaxed);
            bar.inc(if by_days { 1 } else { bytes });
        }
    }

    fn problem(&self, problem: &Problem) {
        match &self.bar {
            Some(bar) => bar.println(format!("warning: {problem}")),
            None => eprintln!("warning: {problem}"),
        }
    }

    fn finishing(&self) {
        if let Some(bar) = &self.bar {
            bar.set_message("compacting");
        }
    }
}
