//! `trailcut demo`: the main job on the bundled sample data, in a temporary store, so a
//! new user sees what trailcut does with one command: ingest the trail, the IAM details,
//! the organisation and the last-accessed reports, then tighten the seed's four stories.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use super::{Status, runtime};
use crate::ingest::authz::ingest_authorization;
use crate::ingest::last_accessed::{Subject, ingest_reports};
use crate::ingest::org::{OrgIds, ingest_org};
use crate::ingest::{IngestOptions, Quiet, ingest_paths};
use crate::sql::Session;
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

/// One job of the sample reports: its subject, the service of a with-entities report, and
/// its files.
type ReportJob = (Subject, Option<String>, Vec<PathBuf>);

/// `INDEX.tsv` of the sample reports: each subject (and service) with its files.
fn report_index(dir: &Path) -> anyhow::Result<Vec<ReportJob>> {
    let path = dir.join("INDEX.tsv");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let mut jobs: Vec<ReportJob> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split('\t');
        let file = dir.join(fields.next().unwrap_or_default());
        let args: Vec<&str> = fields.flat_map(str::split_whitespace).collect();
        let value = |flag: &str| {
            args.iter()
                .position(|a| *a == flag)
                .and_then(|i| args.get(i + 1))
                .copied()
        };
        let subject = match (value("--arn"), value("--entity-path")) {
            (Some(arn), _) => Subject::from_arn(arn),
            (None, Some(path)) => Subject::from_entity_path(path),
            (None, None) => Err("no --arn or --entity-path".to_owned()),
        }
        .map_err(|e| anyhow::anyhow!("{}:{}: {e}", path.display(), n + 1))?;
        let service = value("--service").map(str::to_owned);
        match jobs
            .iter_mut()
            .find(|(s, svc, _)| *s == subject && *svc == service)
        {
            Some((_, _, files)) => files.push(file),
            None => jobs.push((subject, service, vec![file])),
        }
    }
    Ok(jobs)
}

fn files_in(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|f| f.extension().is_some_and(|e| e == "json"));
    files.sort();
    Ok(files)
}

/// One of the seed's stories: `trailcut tighten` with these flags on sample_data.
#[derive(Debug, Clone, Copy)]
pub struct Story {
    pub title: &'static str,
    /// Its output directory's name.
    pub name: &'static str,
    pub args: &'static [&'static str],
}

/// The seed's four stories (sample_data/README.md tells them), as the demo runs them and
/// the tests check them.
pub const STORIES: [Story; 4] = [
    Story {
        title: "The Development group, cut from power-user to the services it used (seed story 1)",
        name: "development",
        args: &[
            "--group",
            "Development",
            "--level",
            "service",
            "--keep-sid",
            "RequiredIamAndOrgsActions",
        ],
    },
    Story {
        title: "nikhilj's unused access, traced to the policies and groups that grant it (story 2)",
        name: "nikhilj",
        args: &["--user", "nikhilj", "--level", "service"],
    },
    Story {
        title: "ExamplePolicy1, trimmed from the use of every identity it is attached to (story 3)",
        name: "example-policy1",
        args: &["--policy", "ExamplePolicy1", "--level", "service"],
    },
    Story {
        title: "The Development OU's SCP denies the services unused for 180 days (story 4)",
        name: "development-ou",
        args: &[
            "--scp",
            "NewServiceTest",
            "--org-entity",
            "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111",
            "--days",
            "180",
        ],
    },
];

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
    let (store_dir, out_dir) = match &args.keep_store {
        Some(dir) => (dir.clone(), dir.with_extension("tighten")),
        None => {
            temp = tempfile::tempdir().context("cannot create a temporary store")?;
            (temp.path().join("store"), temp.path().join("tighten"))
        }
    };
    let store = Store::new(&store_dir);

    writeln!(
        out,
        "== 1. Ingest the sample trail, the accounts' IAM details, the organisation and the \
         last-accessed reports ({})\n",
        data.display()
    )?;
    let report = ingest_paths(&store, &[trail], &IngestOptions::default(), &Quiet)?;
    super::ingest::write_summary(&report, &store_dir, out)?;
    let authz = ingest_authorization(&store, &files_in(&data.join("iam"))?, None)?;
    super::authz::finish(&authz, false, out)?;
    let org = ingest_org(&store, &files_in(&data.join("org"))?, &OrgIds::default())?;
    super::org::finish(&org, false, out)?;
    let mut jobs = 0;
    for (subject, service, files) in report_index(&data.join("last-accessed"))? {
        let summary = ingest_reports(&store, &subject, None, service.as_deref(), &files)?;
        anyhow::ensure!(summary.errors.is_empty(), "{}", summary.errors.join("; "));
        jobs += summary.jobs.len();
    }
    writeln!(out, "last-accessed: {jobs} jobs")?;

    runtime()?.block_on(async {
        let session = Session::open(&store).await?;
        writeln!(
            out,
            "\n== 2. Who did what: principals, their services, and when they were last seen\n"
        )?;
        let overview = "SELECT principal_arn, count(*) AS events, count(errorcode) AS errors, \
             count(DISTINCT eventsource) AS services, CAST(max(eventtime) AS DATE) AS last_seen \
             FROM events WHERE principal_arn IS NOT NULL GROUP BY principal_arn ORDER BY events DESC LIMIT 12";
        show(&session, overview, out).await?;
        anyhow::Ok(())
    })?;

    let mut status = Status::Success;
    for (i, story) in STORIES.iter().enumerate() {
        writeln!(out, "\n== {}. {}\n", i + 3, story.title)?;
        let dir = out_dir.join(story.name);
        let dir_text = dir.display().to_string();
        let mut argv = story.args.to_vec();
        argv.extend(["--out", dir_text.as_str()]);
        writeln!(out, "$ trailcut tighten {}\n", argv.join(" "))?;
        let tighten = super::tighten::parse_args(&argv)?;
        if super::tighten::run(&store_dir, tighten, out)? != Status::Success {
            status = Status::Partial;
        }
        let script = std::fs::read_to_string(dir.join("apply.sh")).unwrap_or_default();
        let commands: Vec<&str> = script.lines().filter(|l| l.starts_with("aws ")).collect();
        writeln!(out, "\napply.sh:")?;
        for command in commands {
            writeln!(out, "  {command}")?;
        }
    }
    writeln!(
        out,
        "\nNext: `trailcut query` opens a SQL shell over a store (`--list` shows the named \
         queries); `trailcut tighten --help` explains every option.{}",
        match &args.keep_store {
            Some(_) => format!(
                " The store is in {}, the outputs in {}.",
                store_dir.display(),
                out_dir.display()
            ),
            None => String::new(),
        }
    )?;
    Ok(status)
}

async fn show(session: &Session, sql: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    let batches = session.run(sql).await?;
    write_batches(&batches, OutputFormat::Table, out)?;
    Ok(())
}
