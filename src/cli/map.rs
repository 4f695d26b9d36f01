//! `trailcut map`: the IAM actions one CloudTrail call needed, and why.

use std::io::Write;

use clap::Args;

use super::Status;
use crate::mapping::{EventMapper, MappingStatus};
use crate::request::dependent;
use crate::request::json::EventJson;

/// Flags of `trailcut map`.
#[derive(Debug, Args)]
#[command(after_help = "\
Prints the actions one per line, the primary first. Dependent actions (iam:PassRole when
the request passes a role, kms:Decrypt when the object is KMS-encrypted, ...) are listed on
stderr with the condition that makes them needed; at ingest they are stored in
`iam_dependent_actions` only when the event shows that condition. Give the event's
`--request` (and `--response`) JSON to see which of them it needed, as ingest decides: those
are printed after the call's actions. Permissionless calls and
events that are not API calls print no action and say so on stderr. Exit status 1 when the call is
unmapped (trailcut does not guess), 0 otherwise.

Examples:
  trailcut map s3.amazonaws.com PutBucketReplication     s3:PutReplicationConfiguration
  trailcut map lambda.amazonaws.com GetFunction20150331v2
  trailcut map --json kms.amazonaws.com ReEncrypt
  trailcut map lambda.amazonaws.com CreateFunction20150331   (+ iam:PassRole of `role`)
  trailcut map lambda.amazonaws.com CreateFunction20150331 --request '{\"role\":\"arn:aws:iam::1:role/r\"}'")]
pub struct MapArgs {
    /// The event source host (`s3.amazonaws.com`)
    pub event_source: String,
    /// The event name (`ListObjectsV2`)
    pub event_name: String,
    /// The event type (`AwsApiCall`, `AwsServiceEvent`, `AwsConsoleSignIn`, ...)
    #[arg(long, default_value = "AwsApiCall", value_name = "TYPE")]
    pub event_type: String,
    /// The event's `requestParameters` (JSON): print the dependent actions it shows were
    /// needed
    #[arg(long, value_name = "JSON")]
    pub request: Option<String>,
    /// The event's `responseElements` (JSON), read with `--request`
    #[arg(long, value_name = "JSON", requires = "request")]
    pub response: Option<String>,
    /// Print JSON: status, service, actions, provenance, dependent actions
    #[arg(long)]
    pub json: bool,
}

/// Runs `trailcut map`.
pub fn run(args: MapArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let m = EventMapper::embedded().map(&args.event_source, &args.event_name, &args.event_type);
    for (flag, text) in [("--request", &args.request), ("--response", &args.response)] {
        if let Some(text) = text {
            serde_json::from_str::<serde::de::IgnoredAny>(text)
                .map_err(|e| anyhow::anyhow!("{flag} is not JSON: {e}"))?;
        }
    }
    let event = EventJson::new(args.request.as_deref(), args.response.as_deref(), None);
    // `None` without an event: the dependent actions are candidates, not decided.
    let needed = args
        .request
        .is_some()
        .then(|| dependent::needed(&m.dependent, &event));
    let is_needed = |action: &str| needed.as_ref().map(|n| n.contains(&action));
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
                "needed": is_needed(d.action),
            })).collect::<Vec<_>>(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        match m.status {
            MappingStatus::Mapped => {
                for action in &m.actions {
                    writeln!(out, "{action}")?;
                }
                for action in needed.iter().flatten() {
                    writeln!(out, "{action}")?;
                }
                for d in &m.dependent {
                    let label = match is_needed(d.action) {
                        None => "dependent",
                        Some(true) => "dependent, needed by this request",
                        Some(false) => "dependent, not needed by this request",
                    };
                    eprintln!(
                        "{label}: {} {} ({})",
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
