//! `trailcut last-accessed ingest`: IAM service and action last-accessed reports (Access
//! Advisor) from the AWS CLI's JSON, into the store's report tables.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::{Args, Subcommand};

use super::Status;
use crate::ingest::last_accessed::{IngestSummary, Subject, ingest_reports};
use crate::ingest::load::{ingest_indexed, unknown_subject};
use crate::store::Store;

/// Flags of `trailcut last-accessed`.
#[derive(Debug, Args)]
pub struct LastAccessedArgs {
    #[command(subcommand)]
    pub command: LastAccessedCommand,
}

/// The sub-verbs of `trailcut last-accessed`.
#[derive(Debug, Subcommand)]
pub enum LastAccessedCommand {
    /// Ingest last-accessed reports about one subject (an IAM ARN or an entity path)
    #[command(after_help = "\
Reads the JSON the AWS CLI prints for
  aws iam get-service-last-accessed-details --job-id ID        (SERVICE_LEVEL or ACTION_LEVEL)
  aws iam get-service-last-accessed-details-with-entities --job-id ID --service-namespace NS
  aws iam get-organizations-access-report --job-id ID
  aws iam list-policies-granting-service-access --arn ARN --service-namespaces ...
None of them says whom it is about, so give the subject: --arn for the user, group, role
or policy the job was generated for (generate-service-last-accessed-details --arn), or
--entity-path for an Organizations report (generate-organizations-access-report
--entity-path). For many reports at once, --index FILE names each one's subject: a
tab-separated line per report, the file name (relative to the index), then `--arn ARN` or
`--entity-path PATH`, then `--service NS` for a with-entities report (sample_data's
last-accessed/INDEX.tsv is one); every report it lists is read, or only the FILEs given.
`trailcut ingest DIR` finds an INDEX.tsv by itself. A user, group or role subject that the
stored IAM snapshot does not have is warned about, with the closest name it has. Give every page of a job together; pages merge into one job. A job
ingested again replaces its earlier copy. Dates in ISO and boto3 forms are both read.

Tables: services_last_accessed, actions_last_accessed, entities_last_accessed,
policies_granting_service (see docs/store.md). A service never used in the tracking
period has a null last_authenticated.

Examples:
  trailcut last-accessed ingest --arn arn:aws:iam::123456789012:group/Development dev-*.json
  trailcut last-accessed ingest --index sample_data/last-accessed/INDEX.tsv
  trailcut query --name unused_services --param days=90

Exit status 1 when a file was refused or a job is missing pages, 2 when nothing was read.")]
    Ingest {
        /// Report files (pages of one job, or several jobs about the same subject)
        #[arg(required_unless_present = "index", value_name = "FILE")]
        files: Vec<PathBuf>,
        /// An index of reports and their subjects (INDEX.tsv): every report it lists, or
        /// the FILEs given
        #[arg(long, value_name = "FILE", conflicts_with_all = ["arn", "entity_path", "service", "job_id"])]
        index: Vec<PathBuf>,
        /// The IAM user, group, role or policy ARN the reports are about
        #[arg(long, value_name = "ARN", conflicts_with = "entity_path")]
        arn: Option<String>,
        /// The Organizations entity path an organizations access report is about
        #[arg(long, value_name = "PATH")]
        entity_path: Option<String>,
        /// The service namespace of a with-entities report (`s3`)
        #[arg(long, value_name = "NAMESPACE")]
        service: Option<String>,
        /// The job id (default: derived from the subject and the job's creation time)
        #[arg(long, value_name = "ID")]
        job_id: Option<String>,
        /// Print the summary as JSON
        #[arg(long)]
        json: bool,
    },
}

/// Runs `trailcut last-accessed`.
pub fn run(store: &Path, args: LastAccessedArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let LastAccessedCommand::Ingest {
        files,
        index,
        arn,
        entity_path,
        service,
        job_id,
        json,
    } = args.command;
    let store = Store::new(store);
    if !index.is_empty() {
        let (jobs, problems) = ingest_indexed(&store, &index, &files, !files.is_empty())?;
        // Nothing read: the problems are why, errors rather than warnings.
        let label = if jobs.is_empty() { "error" } else { "warning" };
        for problem in &problems {
            eprintln!("{label}: {problem}");
        }
        let mut summary = IngestSummary::default();
        for job in jobs {
            summary.jobs.extend(job.summary.jobs);
            summary.errors.extend(job.summary.errors);
            summary.warnings.extend(job.summary.warnings);
        }
        let status = finish(&summary, json, out)?;
        return Ok(if status == Status::Success && !problems.is_empty() {
            Status::Partial
        } else {
            status
        });
    }
    let subject = match (arn, entity_path) {
        (Some(arn), _) => Subject::from_arn(&arn).map_err(anyhow::Error::msg)?,
        (None, Some(path)) => Subject::from_entity_path(&path).map_err(anyhow::Error::msg)?,
        (None, None) => bail!(
            "a last-accessed report does not say whom it is about: pass --arn ARN (the user, \
             group, role or policy the job was generated for) or --entity-path PATH (an \
             Organizations report)"
        ),
    };
    let names = crate::store::usage::load_iam_names(&store)?;
    let unknown = unknown_subject(&subject, &names);
    if let Some(warning) = &unknown {
        eprintln!("warning: {warning}");
    }
    let summary = ingest_reports(
        &store,
        &subject,
        job_id.as_deref(),
        service.as_deref(),
        &files,
    )?;
    let status = finish(&summary, json, out)?;
    Ok(if status == Status::Success && unknown.is_some() {
        Status::Partial
    } else {
        status
    })
}

/// Prints what an ingest or a collection wrote; the exit status says whether all of it.
pub fn finish(summary: &IngestSummary, json: bool, out: &mut dyn Write) -> anyhow::Result<Status> {
    for error in &summary.errors {
        eprintln!("error: {error}");
    }
    for warning in &summary.warnings {
        eprintln!("warning: {warning}");
    }
    if json {
        serde_json::to_writer_pretty(&mut *out, summary)?;
        writeln!(out)?;
    } else {
        for job in &summary.jobs {
            let service = job
                .service
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            let files = match job.files.len() {
                0 => String::new(),
                1 => " from 1 file".to_owned(),
                n => format!(" from {n} files"),
            };
            writeln!(
                out,
                "{}: {} job {}{service}{files}: {} rows",
                job.subject, job.kind, job.job_id, job.rows
            )?;
        }
    }
    Ok(if summary.jobs.is_empty() {
        Status::Error
    } else if !summary.errors.is_empty() || !summary.warnings.is_empty() {
        Status::Partial
    } else {
        Status::Success
    })
}
