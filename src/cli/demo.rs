//! `trailcut demo`: the main job on the bundled sample data, so a new user sees what
//! trailcut does with one command: load the trail, the IAM details, the organisation and
//! the last-accessed reports into the store (`--store`, by default ./trailcut-store), then
//! tighten the seed's four stories into `--out` (./trailcut-demo). The store stays, and the
//! demo ends with commands that work on it.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{Status, runtime};
use crate::ingest::load::load;
use crate::ingest::{IngestOptions, Quiet};
use crate::sql::Session;
use crate::sql::output::{OutputFormat, write_batches};
use crate::store::Store;
use crate::store::manifest::Manifest;

/// Flags of `trailcut demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The sample data directory (default: the repository's sample_data/)
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Where the five stories' plans and scripts go, one folder each, and report.html
    #[arg(long, value_name = "DIR", default_value = "trailcut-demo")]
    pub out: PathBuf,
}

fn default_data() -> PathBuf {
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    if bundled.is_dir() {
        bundled
    } else {
        PathBuf::from("sample_data")
    }
}

/// One of the seed's stories: `trailcut tighten` with these flags on sample_data.
#[derive(Debug, Clone, Copy)]
pub struct Story {
    pub title: &'static str,
    /// Its output directory's name.
    pub name: &'static str,
    pub args: &'static [&'static str],
}

/// The seed's four stories (sample_data/README.md tells them) and the Identity Center one,
/// as the demo runs them and the tests check them.
pub const STORIES: [Story; 5] = [
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
            "--replace-aws-managed",
        ],
    },
    Story {
        title: "nikhilj's unused access, traced to the policies and groups that grant it (seed story 2)",
        name: "nikhilj",
        args: &["--user", "nikhilj", "--level", "service"],
    },
    Story {
        title: "ExamplePolicy1, trimmed from the use of every identity it is attached to (seed story 3; sample_data's story 4)",
        name: "example-policy1",
        args: &["--policy", "ExamplePolicy1", "--level", "service"],
    },
    Story {
        title: "The Development OU's SCP denies the services unused for 180 days (seed story 4; sample_data's story 5)",
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
    Story {
        title: "The Developers permission set of IAM Identity Center, cut from AdministratorAccess to what its people used in three accounts",
        name: "developers-permission-set",
        args: &[
            "--permission-set",
            "Developers",
            "--level",
            "action",
            "--days",
            "120",
            "--drop-unobservable",
        ],
    },
];

/// Runs `trailcut demo`.
pub fn run(store_dir: &Path, args: DemoArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let data = args.data.unwrap_or_else(default_data);
    anyhow::ensure!(
        data.join("trail").is_dir(),
        "no sample trail at `{}` (pass --data DIR)",
        data.join("trail").display()
    );
    let store = Store::new(store_dir);
    refuse_a_store_of_other_data(&store, &data)?;
    let out_dir = args.out;
    let store_flag = if store_dir == Path::new(super::DEFAULT_STORE) {
        String::new()
    } else {
        format!(
            " --store {}",
            crate::tighten::shell_word(&store_dir.display().to_string())
        )
    };

    writeln!(
        out,
        "== 1. Ingest the sample trail, the accounts' IAM details, the organisation, IAM \
         Identity Center and the last-accessed reports, in one command:\n\n$ trailcut{store_flag} ingest {}\n",
        data.display()
    )?;
    let loaded = load(&store, &[data], &IngestOptions::default(), &Quiet)?;
    anyhow::ensure!(
        !loaded.skipped_anything(),
        "the sample data did not load cleanly: {}",
        loaded.problems.join("; ")
    );
    super::ingest::finish_loaded(&loaded, store_dir, false, out)?;

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
        let words: Vec<String> = argv.iter().map(|a| crate::tighten::shell_word(a)).collect();
        writeln!(out, "$ trailcut{store_flag} tighten {}\n", words.join(" "))?;
        let tighten = super::tighten::parse_args(&argv)?;
        if super::tighten::run(store_dir, tighten, out)? != Status::Success {
            status = Status::Partial;
        }
        for (script, when) in [
            ("apply.sh", ""),
            ("cleanup.sh", " (to run once the change has proven itself)"),
        ] {
            let text = std::fs::read_to_string(dir.join(script)).unwrap_or_default();
            let commands = crate::tighten::script_commands(&text);
            if commands.is_empty() {
                continue;
            }
            writeln!(out, "\n{script}{when}:")?;
            for command in commands {
                writeln!(out, "  {command}")?;
            }
        }
    }
    runtime()?.block_on(async {
        let session = Session::open(&store).await?;
        writeln!(
            out,
            "\n== {}. The people behind the roles: Identity Center sessions, sourceIdentity, a \
             role chain across accounts\n",
            STORIES.len() + 3
        )?;
        let roles = crate::sql::named::find("role_people")?.render(&Default::default())?;
        let people = format!(
            "SELECT regexp_replace(role_arn, '^.*/', '') AS role, person, established_by, \
             people_on_role AS people, events, services FROM ({roles}) AS r \
             ORDER BY people DESC, role, person"
        );
        show(&session, &people, out).await?;
        anyhow::Ok(())
    })?;
    writeln!(
        out,
        "\n== {}. The report: the store and the five plans as one HTML page\n",
        STORIES.len() + 4
    )?;
    let report = super::report::ReportArgs {
        out: out_dir.join("report.html"),
        plans: Some(out_dir.clone()),
        ..super::report::ReportArgs::everything()
    };
    if super::report::run(store_dir, report, out)? != Status::Success {
        status = Status::Partial;
    }
    writeln!(
        out,
        "\nThe store is in {}, each story's plan.json, plan.md, policies and scripts in {}, \
         the report in {}. Next, on this store:",
        store_dir.display(),
        out_dir.display(),
        out_dir.join("report.html").display()
    )?;
    let next = [
        ("query --list", "the named queries"),
        (
            "query --name service_usage",
            "who used which service, and when",
        ),
        (
            "tighten --group Development --level service --out dev-plan",
            "story 1 again, as you would run it",
        ),
        (
            "query --name person_activity --param person=carol%",
            "what one person did, across accounts and roles",
        ),
        (
            "query --name permission_set_holders",
            "who holds a permission set and did not use it",
        ),
        (
            "report --group Development --days 120 --out development.html",
            "one group's usage over time, as a page",
        ),
        ("query", "a SQL shell over the store"),
    ];
    let commands: Vec<String> = next
        .iter()
        .map(|(command, _)| format!("trailcut{store_flag} {command}"))
        .collect();
    let width = commands.iter().map(String::len).max().unwrap_or(0);
    for (command, (_, what)) in commands.iter().zip(next) {
        writeln!(out, "  {command:<width$}   {what}")?;
    }

    Ok(status)
}

/// The demo adds the sample's events to the store: refused when the store holds sources
/// from elsewhere, so that a user's own store is never mixed with the sample.
fn refuse_a_store_of_other_data(store: &Store, data: &Path) -> anyhow::Result<()> {
    if !store.exists() {
        return Ok(());
    }
    let data = std::fs::canonicalize(data).unwrap_or_else(|_| data.to_path_buf());
    let manifest = Manifest::load(store)?;
    if let Some(other) = manifest.paths().find(|p| !Path::new(p).starts_with(&data)) {
        anyhow::bail!(
            "the store `{}` holds data from elsewhere (`{other}`): the demo would add the \
             sample's events to it; pass --store DIR for a new store",
            store.root().display()
        );
    }
    Ok(())
}

async fn show(session: &Session, sql: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    let batches = session.run(sql).await?;
    write_batches(&batches, OutputFormat::Table, out)?;
    Ok(())
}
