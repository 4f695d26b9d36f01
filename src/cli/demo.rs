//! `trailcut demo`: the main job on the bundled sample data, in a temporary store, so a
//! new user sees what trailcut does with one command.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use super::{Status, runtime};
use crate::ingest::{IngestOptions, Quiet, ingest_paths};
use crate::sql::Session;
use crate::sql::named;
use crate::sql::output::{OutputFormat, write_batches};
use crate::store::Store;

/// Flags of `trailcut demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The sample data directory (default: the repository's sample_data/)
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Keep the store here instead of a temporary directory
    #[arg(long, value_name = "DIR")]
    pub keep_store: Option<PathBuf>,
}

fn default_data() -> PathBuf {
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    if bundled.is_dir() {
        bundled
    } else {
        PathBuf::from("sample_data")
    }
}

/// Runs `trailcut demo`.
pub fn run(args: DemoArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let data = args.data.unwrap_or_else(default_data);
    let trail = data.join("trail");
    anyhow::ensure!(
        trail.is_dir(),
        "no sample trail at `{}` (pass --data DIR)",
        trail.display()
    );
    let temp;
    let store_dir = match &args.keep_store {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::tempdir().context("cannot create a temporary store")?;
            temp.path().to_path_buf()
        }
    };
    let store = Store::new(&store_dir);

    writeln!(out, "== 1. Ingest the sample trail ({})\n", trail.display())?;
    let report = ingest_paths(&store, &[trail], &IngestOptions::default(), &Quiet)?;
    super::ingest::write_summary(&report, &store_dir, out)?;

    let rt = runtime()?;
    rt.block_on(async {
        let session = Session::open(&store).await?;
        writeln!(out, "\n== 2. Who did what: principals, their services, and when they were last seen\n")?;
        let overview = "SELECT principal_arn, count(*) AS events, count(errorcode) AS errors, \
             count(DISTINCT eventsource) AS services, CAST(max(eventtime) AS DATE) AS last_seen \
             FROM events WHERE principal_arn IS NOT NULL GROUP BY principal_arn ORDER BY events DESC";
        show(&session, overview, out).await?;

        writeln!(
            out,
            "\n== 3. The Development group's users: services they used successfully in the last 21 days (named query service_usage)\n"
        )?;
        let mut params = std::collections::BTreeMap::new();
        params.insert("days".to_owned(), "21".to_owned());
        params.insert("principal".to_owned(), "arn:aws:iam::123456789012:user/%".to_owned());
        let recent = named::find("service_usage")?.render(&params)?;
        let recent = format!(
            "SELECT principal_arn, eventsource, events, errors, CAST(last_seen AS DATE) AS last_seen FROM ({}) \
             WHERE principal_arn IN ('arn:aws:iam::123456789012:user/paulo', \
             'arn:aws:iam::123456789012:user/dev-ana', 'arn:aws:iam::123456789012:user/dev-raj') \
             AND events > errors ORDER BY principal_arn, events DESC",
            recent.trim().trim_end_matches(';')
        );
        show(&session, &recent, out).await?;

        writeln!(out, "\n== 4. Services IAM users used earlier but not in the last 90 days\n")?;
        let stale = "SELECT principal_arn, eventsource, count(*) AS events, CAST(max(eventtime) AS DATE) AS last_seen \
             FROM events WHERE principal_arn LIKE 'arn:aws:iam::%:user/%' GROUP BY principal_arn, eventsource \
             HAVING max(eventtime) < (SELECT max(eventtime) FROM events) - INTERVAL '90 days' \
             ORDER BY principal_arn, eventsource";
        show(&session, stale, out).await?;

        writeln!(out, "\n== 5. Calls refused for lack of permission (named query access_denied)\n")?;
        let denied = named::find("access_denied")?.render(&Default::default())?;
        let denied = format!(
            "SELECT principal_arn, eventsource, eventname, errorcode, denied FROM ({}) ORDER BY denied DESC LIMIT 10",
            denied.trim().trim_end_matches(';')
        );
        show(&session, &denied, out).await?;
        writeln!(
            out,
            "\nNext: `trailcut query` opens a SQL shell over a store; `trailcut query --list` shows the named queries."
        )?;
        anyhow::Ok(())
    })?;
    Ok(Status::Success)
}

async fn show(session: &Session, sql: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    let batches = session.run(sql).await?;
    write_batches(&batches, OutputFormat::Table, out)?;
    Ok(())
}
