//! `trailcut gen-trail`: writes a synthetic, realistic trail in the S3 layout with its
//! ground truth, for benchmarks and tests.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::{Status, thousands};
use crate::synth::{GenOptions, generate};

/// Flags of `trailcut gen-trail`.
#[derive(Debug, Args)]
#[command(after_help = "\
Writes AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz (several accounts and
regions; IAM users, assumed-role sessions, AWS services; long-tailed usage; errors and
AccessDenied; data events; records of 1 to 3 KB), ground-truth.json: for each principal,
the calls it made and how many succeeded, and iam/authorization-details-<account>.json: an
IAM snapshot in which every user and role has a policy allowing `*`, for `trailcut authz
ingest` and `trailcut tighten`. The same seed always writes the same bytes.")]
pub struct GenTrailArgs {
    /// Number of events
    #[arg(long, value_name = "N")]
    pub events: u64,

    /// Output directory (created)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Random seed
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,

    /// Days the trail covers
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub days: u32,

    /// First day (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", default_value = "2026-01-05")]
    pub start: chrono::NaiveDate,

    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
}

/// Runs `trailcut gen-trail`.
pub fn run(args: GenTrailArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let options = GenOptions {
        events: args.events,
        out: args.out.clone(),
        seed: args.seed,
        start: args.start,
        days: args.days,
        ..GenOptions::default()
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(args.events);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} generating [{bar:30}] {pos}/{len} events, eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    });
    let progress = |n: u64| {
        if let Some(bar) = &bar {
            bar.inc(n);
        }
    };
    let summary = generate(&options, &progress)?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if args.json {
        serde_json::to_writer_pretty(
            &mut *out,
            &serde_json::json!({
                "events": summary.events,
                "files": summary.files,
                "bytes_gz": summary.bytes_gz,
                "bytes_json": summary.bytes_json,
                "principals": summary.principals,
                "accounts": summary.accounts,
                "seconds": summary.seconds,
            }),
        )?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "wrote {} events in {} files to `{}` ({:.1} MB gzipped, {:.1} MB of JSON, {} principals in {} accounts) in {:.1} s",
            thousands(summary.events),
            thousands(summary.files),
            args.out.display(),
            summary.bytes_gz as f64 / 1e6,
            summary.bytes_json as f64 / 1e6,
            summary.principals,
            summary.accounts,
            summary.seconds,
        )?;
        writeln!(
            out,
            "ground truth: `{}`",
            args.out.join("ground-truth.json").display()
        )?;
        writeln!(
            out,
            "ingest it with: trailcut ingest {}",
            args.out.join("AWSLogs").display()
        )?;
    }
    Ok(Status::Success)
}
