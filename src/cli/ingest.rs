//! `trailcut ingest PATH...`: flags to [`IngestOptions`], a progress bar on a terminal,
//! problems on stderr as they happen, and a summary (or `--json`) at the end.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::{Status, thousands};
use crate::ingest::{IngestObserver, IngestOptions, IngestReport, Problem, ingest_paths};
use crate::store::Store;

/// Flags of `trailcut ingest`.
#[derive(Debug, Args)]
#[command(after_help = "\
Reads .json, .json.gz, .jsonl and .ndjson files: CloudTrail's {\"Records\":[...]}, bare arrays,
NDJSON, EventBridge envelopes and `aws cloudtrail lookup-events` output. Digest files are
skipped. Re-running is safe: files in the manifest are skipped and events are stored once
per eventID. Exit status 1 means some input was skipped; the messages say which and where.")]
pub struct IngestArgs {
    /// Files or directories (walked recursively, e.g. a downloaded AWSLogs/ tree)
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,

    /// Decoding threads (default: all cores)
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Memory for buffered events before they are written, in MiB
    #[arg(long, value_name = "MIB", default_value_t = 192)]
    pub memory_mib: usize,

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
    options.writer.memory_budget = args.memory_mib.max(16) << 20;
    let observer = Progress::new(!args.quiet && std::io::stderr().is_terminal());
    let report = ingest_paths(&Store::new(store), &args.paths, &options, &observer)?;
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

/// Prints the human summary of an ingest run.
pub fn write_summary(r: &IngestReport, store: &Path, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "ingested {} files into `{}`: {} events read, {} new, in {:.1} s ({} events/s, {:.0} MB/s of JSON)",
        thousands(r.files_ingested),
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
        ("malformed records skipped", r.records_skipped),
        ("files that could not be read", r.files_failed),
    ];
    for (label, n) in rows {
        if n > 0 {
            writeln!(out, "  {label:<36} {:>12}", thousands(n))?;
        }
    }
    Ok(())
}

/// A progress bar on stderr (when it is a terminal) that also prints problems.
struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    fn new(show: bool) -> Self {
        Self {
            bar: show.then(|| {
                let bar = ProgressBar::new(0);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar.set_message("ingesting");
                bar
            }),
        }
    }

    fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl IngestObserver for Progress {
    fn started(&self, _files: u64, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(bytes);
        }
    }

    fn file_done(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
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
