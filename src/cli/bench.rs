//! `trailcut bench`: the figures behind BENCHMARKS.md, measured end to end on this machine.
//! Generates a trail (or takes one), ingests it into a fresh store in a child process (so
//! that its peak RSS is the ingest's own), runs every named query and a tightening, and
//! prints one table (or `--json`).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use comfy_table::{Cell, Table, presets::UTF8_BORDERS_ONLY};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use super::{Status, thousands};
use crate::sql::Session;
use crate::sql::named;
use crate::store::Store;
use crate::synth::{GenOptions, generate};

/// Flags of `trailcut bench`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  trailcut bench --events 1000000            generate 1M events (reused on the next run)
  trailcut bench --events 10000000 --json    the issue's target size, for a dashboard
  trailcut bench --trail ./my-trail --iam authorization-details.json

Everything goes under --work (the global --store is not used): the generated trail
(trail-<N>-seed<S>-<D>d/, kept for the next run), a fresh store/ and the tightening's
output. Ingest runs as a child process so that its peak RSS is its own. Each query runs
once cold and --repeat times more; the figure is the median of those. The tightening takes
the IAM user or role with the most events, at action and at resource level, replay
included. Then `trailcut report` over the whole store, with the action-level plan: its wall
time and the page's size. Figures depend on the machine: BENCHMARKS.md says which one made
each.")]
pub struct BenchArgs {
    /// Generate a trail of this many events (reused from --work when it exists)
    #[arg(
        long,
        value_name = "N",
        required_unless_present = "trail",
        conflicts_with = "trail"
    )]
    pub events: Option<u64>,

    /// Benchmark an existing trail (directories or files of CloudTrail logs)
    #[arg(long, value_name = "DIR")]
    pub trail: Option<PathBuf>,

    /// IAM snapshots (get-account-authorization-details) for the tightening of --trail
    #[arg(long, value_name = "FILE", requires = "trail")]
    pub iam: Vec<PathBuf>,

    /// Working directory
    #[arg(long, value_name = "DIR", default_value = "./trailcut-bench")]
    pub work: PathBuf,

    /// Seed of the generated trail
    #[arg(long, value_name = "S", default_value_t = 7)]
    pub seed: u64,

    /// Days the generated trail covers
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub days: u32,

    /// Runs of each query after the first; the median is reported
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub repeat: usize,

    /// Cores for the ingest: decoding and writing together (default: all cores)
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Skip the tightening
    #[arg(long)]
    pub no_tighten: bool,

    /// Skip the report
    #[arg(long)]
    pub no_report: bool,

    /// Print the figures as JSON
    #[arg(long)]
    pub json: bool,
}

/// Total bytes of the files under `path` (a file or a directory).
fn bytes_under(path: &Path) -> u64 {
    walkdir::WalkDir::new(path)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// The `.json` files directly in `dir`, sorted.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// The machine, as BENCHMARKS.md names it.
fn machine() -> Value {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_kib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned());
    json!({
        "cores": cores,
        "memory_gib": memory_kib.map(|k| (k as f64 / 1048576.0 * 10.0).round() / 10.0),
        "cpu": model,
        "os": std::env::consts::OS,
        "trailcut": env!("CARGO_PKG_VERSION"),
    })
}

/// Runs this executable with `args`; returns its stdout (parsed JSON) and wall time.
fn child(args: &[&std::ffi::OsStr]) -> anyhow::Result<(Value, f64)> {
    let exe = std::env::current_exe().context("cannot find the trailcut executable")?;
    let started = Instant::now();
    let output = Command::new(&exe)
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    // 0: done; 1: done, some input skipped (said on stderr).
    if !matches!(output.status.code(), Some(0 | 1)) {
        anyhow::bail!(
            "`trailcut {}` failed ({})",
            args.iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" "),
            output.status
        );
    }
    let value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    Ok((value, seconds))
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

/// Runs `trailcut bench`.
pub fn run(args: BenchArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    std::fs::create_dir_all(&args.work)
        .with_context(|| format!("cannot create {}", args.work.display()))?;
    let mut report = serde_json::Map::new();
    report.insert("machine".into(), machine());
    let terminal = std::io::stderr().is_terminal() && !args.json;
    let say = |text: &str| {
        if terminal {
            eprintln!("{text}");
        }
    };

    // The trail.
    let (inputs, iam): (Vec<PathBuf>, Vec<PathBuf>) = match (args.events, &args.trail) {
        (Some(events), _) => {
            let dir = args
                .work
                .join(format!("trail-{events}-seed{}-{}d", args.seed, args.days));
            let reused = dir.join("ground-truth.json").is_file();
            let mut generation = json!({"events": events, "seed": args.seed, "days": args.days,
                                        "reused": reused});
            if !reused {
                if dir.exists() {
                    std::fs::remove_dir_all(&dir)
                        .with_context(|| format!("cannot remove {}", dir.display()))?;
                }
                let bar = terminal.then(|| {
                    let bar = ProgressBar::new(events);
                    bar.set_style(
                        ProgressStyle::with_template(
                            "generating [{bar:30}] {pos}/{len} events, eta {eta}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    );
                    bar
                });
                let options = GenOptions {
                    events,
                    out: dir.clone(),
                    seed: args.seed,
                    days: args.days,
                    ..GenOptions::default()
                };
                let summary = generate(&options, &|n| {
                    if let Some(bar) = &bar {
                        bar.inc(n);
                    }
                })?;
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
                generation["seconds"] = json!(summary.seconds);
            }
            report.insert("generate".into(), generation);
            let iam = json_files(&dir.join("iam"));
            (vec![dir.join("AWSLogs")], iam)
        }
        (None, Some(trail)) => (vec![trail.clone()], args.iam.clone()),
        (None, None) => anyhow::bail!("give --events N or --trail DIR"),
    };
    let input_bytes: u64 = inputs.iter().map(|p| bytes_under(p)).sum();

    // Ingest into a fresh store, in a child process.
    let store = args.work.join("store");
    if store.exists() {
        std::fs::remove_dir_all(&store)
            .with_context(|| format!("cannot remove {}", store.display()))?;
    }
    say("ingesting...");
    let mut ingest_args: Vec<&std::ffi::OsStr> = vec![
        os("--store"),
        store.as_os_str(),
        os("ingest"),
        os("--quiet"),
        os("--json"),
    ];
    let threads = args.threads.map(|t| t.to_string());
    if let Some(t) = &threads {
        ingest_args.extend([os("--threads"), os(t)]);
    }
    ingest_args.extend(inputs.iter().map(|p| p.as_os_str()));
    let (ingested, ingest_wall) = child(&ingest_args)?;
    let events_bytes = bytes_under(&store.join("events"));
    let usage_bytes = bytes_under(&store.join("usage"));
    report.insert(
        "ingest".into(),
        json!({
            "events_read": ingested["events_read"],
            "events_stored": ingested["events_stored"],
            "files": ingested["files_ingested"],
            "seconds": ingested["seconds"],
            "wall_seconds": ingest_wall,
            "events_per_second": ingested["events_per_second"],
            "json_mb_per_second": ingested["json_mb_per_second"],
            "bytes_json": ingested["bytes_json"],
            "bytes_input": input_bytes,
            "peak_rss_bytes": ingested["peak_rss_bytes"],
        }),
    );
    report.insert(
        "store".into(),
        json!({
            "events_bytes": events_bytes,
            "usage_bytes": usage_bytes,
            "events_percent_of_input": 100.0 * events_bytes as f64 / input_bytes.max(1) as f64,
            "total_percent_of_input":
                100.0 * (events_bytes + usage_bytes) as f64 / input_bytes.max(1) as f64,
        }),
    );

    // The IAM snapshot, for the tightening.
    if !iam.is_empty() && !args.no_tighten {
        let mut authz: Vec<&std::ffi::OsStr> = vec![
            os("--store"),
            store.as_os_str(),
            os("authz"),
            os("ingest"),
            os("--json"),
        ];
        authz.extend(iam.iter().map(|p| p.as_os_str()));
        let (_, seconds) = child(&authz)?;
        report.insert("authz_ingest_seconds".into(), json!(seconds));
    }

    // Every named query, in process.
    say("querying...");
    let runtime = super::runtime()?;
    let (queries, subject, weights) = runtime.block_on(async {
        let opened = Instant::now();
        let session = Session::open(&Store::new(&store)).await?;
        let open_ms = opened.elapsed().as_secs_f64() * 1e3;
        let mut queries = vec![json!({"query": "open the store", "cold_ms": open_ms})];
        // What each query reads of the files, for sizing it on another engine.
        let weights = crate::store::stats::stats(&Store::new(&store))?;
        for query in named::builtin() {
            let sql = query.render(&Default::default())?;
            let read = crate::sql::scan::columns_read(&session, &sql).await.ok();
            let scanned = read
                .as_ref()
                .map(|r| crate::sql::scan::bytes_read(r, &weights.tables));
            let mut times = Vec::new();
            let mut rows = 0;
            let mut error = None;
            for _ in 0..=args.repeat {
                let started = Instant::now();
                match session.run(&sql).await {
                    Ok(batches) => rows = batches.iter().map(|b| b.num_rows()).sum::<usize>(),
                    Err(e) => {
                        error = Some(e.to_string());
                        break;
                    }
                }
                times.push(started.elapsed().as_secs_f64() * 1e3);
            }
            let cold = times.first().copied();
            let mut warm: Vec<f64> = times.iter().skip(1).copied().collect();
            warm.sort_by(f64::total_cmp);
            queries.push(json!({
                "query": query.name,
                "rows": rows,
                "cold_ms": cold,
                "median_ms": warm.get(warm.len() / 2).copied().or(cold),
                "error": error,
                "scanned_bytes": scanned,
                "columns_read": read,
            }));
        }
        let subject = busiest_principal(&session).await?;
        anyhow::Ok((queries, subject, weights))
    })?;
    report.insert("queries".into(), Value::Array(queries));
    // Each table's files, rows and bytes (`store stats`), for sizing a larger store.
    let tables: Vec<Value> = weights
        .tables
        .iter()
        .map(|t| {
            json!({"table": t.table, "files": t.files, "rows": t.rows,
                   "file_bytes": t.file_bytes, "uncompressed": t.uncompressed})
        })
        .collect();
    report.insert("tables".into(), Value::Array(tables));

    // A tightening of the busiest user or role, at both levels.
    if let (Some((kind, name, account)), false) = (&subject, args.no_tighten) {
        let mut tightenings = Vec::new();
        for level in ["action", "resource"] {
            say(&format!("tightening {kind} {name} at {level} level..."));
            let dir = args.work.join(format!("tighten-{level}"));
            let flag = format!("--{kind}");
            let (plan, seconds) = child(&[
                os("--store"),
                store.as_os_str(),
                os("tighten"),
                os(&flag),
                os(name),
                os("--account"),
                os(account),
                os("--level"),
                os(level),
                os("--days"),
                os("36500"),
                os("--partial-trail"),
                os("--allow-regressions"),
                os("--json"),
                os("--out"),
                dir.as_os_str(),
            ])?;
            let replay = &plan["replay"];
            tightenings.push(json!({
                "principal": format!("{kind}/{name}"),
                "level": level,
                "seconds": seconds,
                "replayed_events": replay["events"],
                "regressions": replay["regressions"].as_array().map(Vec::len),
            }));
        }
        report.insert("tighten".into(), Value::Array(tightenings));
    }

    // The report over the whole store, with the action-level plan when there is one.
    if !args.no_report {
        say("writing the report...");
        let page = args.work.join("report.html");
        let plans = args.work.join("tighten-action");
        let mut argv = vec![
            os("--store"),
            store.as_os_str(),
            os("report"),
            os("--out"),
            page.as_os_str(),
        ];
        if plans.join("plan.json").is_file() && !args.no_tighten {
            argv.extend([os("--plans"), plans.as_os_str()]);
        }
        let (_, seconds) = child(&argv)?;
        report.insert(
            "report".into(),
            json!({ "seconds": seconds, "bytes": bytes_under(&page) }),
        );
    }

    let report = Value::Object(report);
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        write_table(&report, out)?;
    }
    Ok(Status::Success)
}

/// The IAM user or role with the most events: `(user|role, name, account)`.
async fn busiest_principal(session: &Session) -> anyhow::Result<Option<(String, String, String)>> {
    let batches = session
        .run(
            "SELECT p.principal_type AS kind, p.name AS name, p.account_id AS account \
             FROM usage u JOIN principals p ON u.principal_arn = p.arn \
             WHERE u.role = 'primary' AND p.principal_type IN ('user', 'role') \
             GROUP BY 1, 2, 3 ORDER BY sum(u.events) DESC, 2 LIMIT 1",
        )
        .await?;
    let column = |name: &str| crate::sql::iam::strings(&batches, name);
    let (kinds, names, accounts) = (column("kind")?, column("name")?, column("account")?);
    Ok(match (kinds.first(), names.first(), accounts.first()) {
        (Some(Some(k)), Some(Some(n)), Some(Some(a))) => Some((k.clone(), n.clone(), a.clone())),
        _ => None,
    })
}

fn number(value: &Value) -> Option<f64> {
    value.as_f64()
}

fn write_table(report: &Value, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut table = Table::new();
    table.load_style(UTF8_BORDERS_ONLY);
    table.set_header(vec!["figure", "value"]);
    let mut row = |label: &str, value: String| {
        table.add_row(vec![Cell::new(label), Cell::new(value)]);
    };
    let machine = &report["machine"];
    row(
        "machine",
        format!(
            "{} cores, {} GiB, {}",
            machine["cores"],
            machine["memory_gib"],
            machine["cpu"].as_str().unwrap_or("?")
        ),
    );
    let ingest = &report["ingest"];
    let int = |v: &Value| thousands(v.as_u64().unwrap_or_default());
    row("events ingested", int(&ingest["events_stored"]));
    row(
        "input",
        format!(
            "{:.0} MB on disk, {:.0} MB of JSON",
            number(&ingest["bytes_input"]).unwrap_or_default() / 1e6,
            number(&ingest["bytes_json"]).unwrap_or_default() / 1e6
        ),
    );
    row(
        "ingest",
        format!(
            "{:.2} s, {} events/s, {:.0} MB/s of JSON",
            number(&ingest["seconds"]).unwrap_or_default(),
            thousands(number(&ingest["events_per_second"]).unwrap_or_default() as u64),
            number(&ingest["json_mb_per_second"]).unwrap_or_default()
        ),
    );
    row(
        "ingest peak RSS",
        match number(&ingest["peak_rss_bytes"]) {
            Some(b) => format!("{:.0} MiB", b / 1048576.0),
            None => "unknown".to_owned(),
        },
    );
    let store = &report["store"];
    row(
        "store size",
        format!(
            "events {:.0} MB ({:.0}% of input), usage rollup {:.1} MB",
            number(&store["events_bytes"]).unwrap_or_default() / 1e6,
            number(&store["events_percent_of_input"]).unwrap_or_default(),
            number(&store["usage_bytes"]).unwrap_or_default() / 1e6
        ),
    );
    for query in report["queries"].as_array().into_iter().flatten() {
        let name = query["query"].as_str().unwrap_or("?");
        let value = match (query["error"].as_str(), number(&query["median_ms"])) {
            (Some(e), _) => format!("error: {e}"),
            (None, Some(ms)) => format!(
                "{ms:.0} ms (cold {:.0} ms, {} rows, reads {:.1} MB)",
                number(&query["cold_ms"]).unwrap_or_default(),
                thousands(query["rows"].as_u64().unwrap_or_default()),
                number(&query["scanned_bytes"]).unwrap_or_default() / 1e6
            ),
            (None, None) => format!("{:.0} ms", number(&query["cold_ms"]).unwrap_or_default()),
        };
        let label = if name.contains(' ') {
            name.to_owned()
        } else {
            format!("query {name}")
        };
        row(&label, value);
    }
    for t in report["tighten"].as_array().into_iter().flatten() {
        row(
            &format!(
                "tighten {} ({} level)",
                t["principal"].as_str().unwrap_or("?"),
                t["level"].as_str().unwrap_or("?")
            ),
            format!(
                "{:.2} s, {} events replayed, {} regressions",
                number(&t["seconds"]).unwrap_or_default(),
                int(&t["replayed_events"]),
                t["regressions"]
            ),
        );
    }
    if let Some(r) = report.get("report") {
        row(
            "report (HTML page)",
            format!(
                "{:.2} s, {:.1} MB",
                number(&r["seconds"]).unwrap_or_default(),
                number(&r["bytes"]).unwrap_or_default() / 1e6
            ),
        );
    }
    writeln!(out, "{table}")?;
    Ok(())
}
