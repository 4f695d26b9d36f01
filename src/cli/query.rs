//! `trailcut query`: SQL from an argument, a file, a named query or stdin; with nothing
//! given on a terminal, an interactive shell with history.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use super::{Status, runtime};
use crate::sql::Session;
use crate::sql::named;
use crate::sql::output::{OutputFormat, write_batches};

/// Flags of `trailcut query`.
#[derive(Debug, Args)]
#[command(after_help = "\
Tables: events (one row per CloudTrail event; columns as in Athena's CloudTrail table plus
principal_arn, session_name, account_id, event_date; partitioned by `date`) and manifest
(one row per ingested file). See docs/store.md.

The store is read-only to SQL: INSERT, UPDATE, DELETE, DROP or replacing a store table,
and COPY or --out into the store's directory are refused. Files outside it can be read
(CREATE EXTERNAL TABLE) and written (COPY ... TO, --out).

Named queries (--name, in any case; `-` for `_`) check their parameters before any SQL
runs: `days` is a positive whole number; `principal` and `subject` are SQL LIKE patterns
over ARNs, and a bare name (`alice`) means that name at the end of an ARN (`%/alice`).
A named query with --param that returns no row says so on stderr and exits 1.

Examples:
  trailcut query --list
  trailcut query --name event_usage --param principal=alice --param days=30
  trailcut query \"SELECT eventsource, count(*) AS n FROM events GROUP BY 1 ORDER BY n DESC\"
  trailcut query -f my.sql --format json
  trailcut query --name service_usage --out usage.parquet")]
pub struct QueryArgs {
    /// SQL to run (several statements separated by `;`: the last one's result is printed)
    #[arg(value_name = "SQL", conflicts_with_all = ["file", "name", "list"])]
    pub sql: Option<String>,

    /// Read the SQL from a file
    #[arg(short = 'f', long, value_name = "FILE", conflicts_with_all = ["name", "list"])]
    pub file: Option<PathBuf>,

    /// Run a named query from queries/ (see --list)
    #[arg(long, value_name = "NAME", conflicts_with = "list")]
    pub name: Option<String>,

    /// A named query's parameter, as key=value (repeatable)
    #[arg(long = "param", value_name = "KEY=VALUE", requires = "name")]
    pub params: Vec<String>,

    /// List the named queries with their descriptions and parameters
    #[arg(long)]
    pub list: bool,

    /// Output format (default: table on a terminal, csv otherwise)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<OutputFormat>,

    /// Write the result to a Parquet file instead of printing it
    #[arg(long, value_name = "FILE.parquet")]
    pub out: Option<PathBuf>,
}

/// Runs `trailcut query`.
pub fn run(store: &Path, args: QueryArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    if args.list {
        list(out)?;
        return Ok(Status::Success);
    }
    let format = args.format.unwrap_or_else(|| {
        if std::io::stdout().is_terminal() {
            OutputFormat::Table
        } else {
            OutputFormat::Csv
        }
    });
    let sql = match (&args.sql, &args.file, &args.name) {
        (Some(sql), _, _) => Some(sql.clone()),
        (_, Some(file), _) => Some(
            std::fs::read_to_string(file)
                .with_context(|| format!("cannot read `{}`", file.display()))?,
        ),
        (_, _, Some(name)) => Some(named::find(name)?.render(&named::parse_params(&args.params)?)?),
        _ if !std::io::stdin().is_terminal() => {
            let mut sql = String::new();
            std::io::stdin().read_to_string(&mut sql)?;
            Some(sql)
        }
        _ => None,
    };
    let store = super::existing_store(store)?;
    super::store::warn_if_outdated(&store);
    let rt = runtime()?;
    rt.block_on(async {
        let mut session = Session::open(&store).await?;
        match sql {
            Some(sql) => {
                if let Some(path) = &args.out {
                    session.run_to_parquet(&sql, path).await?;
                    writeln!(out, "wrote `{}`", path.display())?;
                } else {
                    let batches = session.run(&sql).await?;
                    write_batches(&batches, format, out)?;
                    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
                    // A named query narrowed by a parameter that matched nothing says so:
                    // an empty answer is then more likely a typo than a fact.
                    if rows == 0 && format == OutputFormat::Table {
                        eprintln!("(0 rows)");
                    }
                    if rows == 0 && args.name.is_some() && !args.params.is_empty() {
                        eprintln!(
                            "warning: no rows: nothing in the store matched --param {}",
                            args.params.join(" --param ")
                        );
                        return Ok(Status::Partial);
                    }
                }
                Ok(Status::Success)
            }
            None => shell(&mut session, format, out).await,
        }
    })
}

fn list(out: &mut dyn Write) -> std::io::Result<()> {
    for q in named::builtin() {
        writeln!(out, "{}\n    {}", q.name, q.description)?;
        for p in &q.params {
            let default = p
                .default
                .as_deref()
                .map(|d| format!(" (default {d})"))
                .unwrap_or_default();
            writeln!(
                out,
                "    --param {}=...{}  {}",
                p.name, default, p.description
            )?;
        }
    }
    Ok(())
}

/// The interactive shell: statements end with `;`, `\d` lists tables, `\q` quits.
async fn shell(
    session: &mut Session,
    format: OutputFormat,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    let mut editor = rustyline::DefaultEditor::new()?;
    let history = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".trailcut_history"));
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    writeln!(
        out,
        "trailcut SQL shell: tables {}. End statements with `;`. \\d lists tables, \\d NAME describes one, \\q quits.",
        session.tables().join(", ")
    )?;
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() {
            "trailcut> "
        } else {
            "      ..> "
        };
        let line = match editor.readline(prompt) {
            Ok(line) => line,
            Err(rustyline::error::ReadlineError::Interrupted) => {
                buffer.clear();
                continue;
            }
            Err(rustyline::error::ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        };
        let trimmed = line.trim();
        if buffer.is_empty() && trimmed.starts_with('\\') {
            let _ = editor.add_history_entry(trimmed);
            let sql = match trimmed {
                "\\q" => break,
                "\\d" => "SHOW TABLES".to_owned(),
                other => match other.strip_prefix("\\d ") {
                    Some(table) => format!("DESCRIBE {}", table.trim()),
                    None => {
                        writeln!(out, "unknown command `{other}`: \\d, \\d NAME, \\q")?;
                        continue;
                    }
                },
            };
            print_result(session, &sql, format, out).await?;
            continue;
        }
        if matches!(trimmed, "quit" | "exit") && buffer.is_empty() {
            break;
        }
        buffer.push_str(&line);
        buffer.push('\n');
        if trimmed.ends_with(';') {
            let sql = std::mem::take(&mut buffer);
            let _ = editor.add_history_entry(sql.trim());
            print_result(session, &sql, format, out).await?;
        }
    }
    if let Some(h) = &history {
        let _ = editor.save_history(h);
    }
    Ok(Status::Success)
}

async fn print_result(
    session: &mut Session,
    sql: &str,
    format: OutputFormat,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    // Each statement reads the store's last commit.
    if let Err(e) = session.refresh().await {
        writeln!(out, "error: {e}")?;
        return Ok(());
    }
    match session.run(sql).await {
        Ok(batches) => {
            write_batches(&batches, format, out)?;
            writeln!(out, "{:.3} s", started.elapsed().as_secs_f64())?;
        }
        Err(e) => writeln!(out, "error: {e}")?,
    }
    Ok(())
}
