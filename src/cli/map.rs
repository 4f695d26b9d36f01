//! `trailcut map`: the IAM actions one CloudTrail call needed, and why.

use std::io::Write;

use clap::Args;

use super::Status;
use crate::mapping::{EventMapper, MappingStatus};

/// Flags of `trailcut map`.
#[derive(Debug, Args)]
#[command(after_help = "\
Prints the actions one per line, the primary first. Dependent actions (iam:PassRole when
the request passes a role, kms:Decrypt when the object is KMS-encrypted, ...) are listed on
stderr with the condition that makes them needed; at ingest they are stored in
`iam_dependent_actions` only when the event shows that condition. Permissionless calls and
events that are not API calls print no action and say so on stderr. Exit status 1 when the call is
unmapped (trailcut does not guess), 0 otherwise.

Examples:
  trailcut map s3.amazonaws.com PutBucketReplication     s3:PutReplicationConfiguration
  trailcut map lambda.amazonaws.com GetFunction20150331v2
  trailcut map --json kms.amazonaws.com ReEncrypt
  trailcut map lambda.amazonaws.com CreateFunction20150331   (+ iam:PassRole of `role`)")]
pub struct MapArgs {
    /// The event source host (`s3.amazonaws.com`)
    pub event_source: String,
    /// The event name (`ListObjectsV2`)
    pub event_name: String,
    /// The event type (`AwsApiCall`, `AwsServiceEvent`, `AwsConsoleSignIn`, ...)
    #[arg(long, default_value = "AwsApiCall", value_name = "TYPE")]
    pub event_type: String,
    /// Print JSON: status, service, actions, provenance, dependent actions
    #[arg(long)]
    pub json: bool,
}

/// Runs `trailcut map`.
pub fn run(args: MapArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let m = EventMapper::embedded().map(&args.event_source, &args.event_name, &args.event_type);
    if args.json {
        let value = serde_json::json!({
            "event_source": args.event_source,
            "event_name": args.event_name,
            "event_type": args.event_type,
            "status": m.status.as_str(),
            "service": m.service,
            "actions": m.actions,
            "primary": m.actions.first(),
            "provenance": m.provenance.as_str(),
            "note": m.note,
            "dependent": m.dependent.iter().map(|d| serde_json::json!({
                "action": d.action,
                "trigger": d.trigger.kind(),
                "when": d.trigger.describe(),
                "source": d.source,
            })).collect::<Vec<_>>(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        match m.status {
            MappingStatus::Mapped => {
                for action in &m.actions {
                    writeln!(out, "{action}")?;
                }
                for d in &m.dependent {
                    eprintln!(
                        "dependent: {} {} ({})",
                        d.action,
                        d.trigger.describe(),
                        d.source
                    );
                }
            }
            MappingStatus::Permissionless => {
                eprintln!("{}: needs no permission", m.actions.join(", "));
            }
            MappingStatus::NotApiCall => {
                eprintln!(
                    "a `{}` event is not an API call: it needs no permission",
                    args.event_type
                );
            }
            MappingStatus::Unmapped => {
                let service = m.service.map_or_else(
                    || format!("`{}` is not a known event source", args.event_source),
                    |s| format!("service `{s}` has no action for `{}`", args.event_name),
                );
                eprintln!("unmapped: {service}");
            }
        }
    }
    Ok(if m.status == MappingStatus::Unmapped {
        Status::Partial
    } else {
        Status::Success
    })
}
