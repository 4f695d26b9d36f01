//! `trailcut policy event EVENTID`: one stored CloudTrail event replayed against its
//! principal's policies in the store: for each IAM action the call needed (its own and
//! the dependent ones), the request the event shows (resource, source address, region,
//! MFA, ...) and the decision, next to what AWS did.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, bail};
use clap::Args;

use super::{Status, runtime};
use crate::eval::{Decision, Request, evaluate};
use crate::request::event::{EventFacts, event_context};
use crate::request::resource::ResourceDeriver;
use crate::sql::Session;
use crate::sql::events::load_events;
use crate::sql::iam::{find_principal, load_principal, quote};

/// Flags of `trailcut policy event`.
#[derive(Debug, Args)]
#[command(after_help = "\
Needs the event in the store (`trailcut ingest`) and its principal's IAM details
(`trailcut authz ingest`; `trailcut org ingest` for SCPs). Conditions on keys the event
does not show (tags, for instance) are reported as undetermined, never assumed.

Exit status 0 when every action the call needed is allowed, 1 otherwise (a denied or
undetermined action, or an incomplete store), 2 on error.

Example:
  trailcut query \"SELECT eventid FROM events WHERE eventname = 'CreateFunction20150331' LIMIT 1\"
  trailcut policy event 3f1c...")]
pub struct EventArgs {
    /// The event's eventID
    pub event_id: String,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// One column of a one-row result as text.
/// Runs `trailcut policy event`.
pub fn run(store: &Path, args: EventArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let store = super::existing_store(store)?;
    let id = quote(&args.event_id);
    let (event, loaded, names) = runtime()?.block_on(async {
        let session = Session::open(&store).await?;
        let event = load_events(&session, &format!("eventid = {id}"))
            .await?
            .into_iter()
            .next()
            .with_context(|| format!("no event with eventID {id} in the store"))?;
        let principal = event
            .principal_arn
            .clone()
            .with_context(|| format!("event {id} names no principal"))?;
        let principal = find_principal(&session, &principal, None).await?;
        let loaded = load_principal(&session, principal).await?;
        anyhow::Ok((event, loaded, session.iam_names().clone()))
    })?;
    let status = event.mapping_status.clone().unwrap_or_default();
    if status != "mapped" {
        bail!("the event's call maps to no IAM action (mapping status `{status}`)");
    }
    let error = event.error_code.clone();
    let arn_refs = event.resource_refs();
    let facts = EventFacts {
        iam_names: Some(&names),
        ..event.facts(&arn_refs)
    };
    let context = event_context(&facts);
    let deriver = ResourceDeriver::new(&facts);
    let set = loaded.policy_set();
    let mut results = Vec::new();
    let mut all_allowed = loaded.is_complete();
    for (action, kind) in event
        .actions
        .iter()
        .map(|a| (a.as_str(), "call"))
        .chain(event.dependent.iter().map(|a| (a.as_str(), "dependent")))
    {
        // Each resource the call touched is authorised on its own.
        let derived = deriver.resources(action).arns;
        let resources: Vec<Option<String>> = if derived.is_empty() {
            vec![None]
        } else {
            derived.into_iter().map(Some).collect()
        };
        for resource in resources {
            let request = Request {
                action,
                resource: resource.as_deref(),
                context: &context,
            };
            let mut evaluation = evaluate(&set, &request);
            if evaluation.decision == Decision::Allow && !loaded.is_complete() {
                evaluation.decision = Decision::Undetermined;
            }
            all_allowed &= evaluation.decision == Decision::Allow;
            results.push((action, kind, resource, evaluation));
        }
    }
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    let outcome = match &error {
        None => "succeeded".to_owned(),
        Some(code) => format!("failed with {code}"),
    };
    if args.json {
        let value = serde_json::json!({
            "event_id": args.event_id,
            "call": format!("{} {}", facts.event_source, facts.event_name),
            "principal": loaded.principal.arn,
            "aws_outcome": outcome,
            "context": context.keys().collect::<Vec<_>>(),
            "actions": results.iter().map(|(action, kind, resource, e)| serde_json::json!({
                "action": action,
                "needed_as": kind,
                "resource": resource,
                "decision": e.decision.as_str(),
                "deciding": e.deciding.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "undetermined_keys": e.undetermined_keys(),
                "explanation": e.explanation,
            })).collect::<Vec<_>>(),
            "incomplete": loaded.warnings,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        writeln!(
            out,
            "{} {} by {}: AWS {outcome}",
            facts.event_source, facts.event_name, loaded.principal.arn
        )?;
        for (action, kind, resource, e) in &results {
            writeln!(
                out,
                "  {action} ({kind}) on {}: {}",
                resource.as_deref().unwrap_or("an unknown resource"),
                e.decision.as_str()
            )?;
            for s in &e.deciding {
                writeln!(out, "    decided by {s}")?;
            }
            for key in e.undetermined_keys() {
                writeln!(
                    out,
                    "    undetermined: depends on `{key}`, which the event does not show"
                )?;
            }
            if !e.explanation.is_empty() && e.decision != Decision::Allow {
                writeln!(out, "    {}", e.explanation)?;
            }
        }
    }
    Ok(if all_allowed {
        Status::Success
    } else {
        Status::Partial
    })
}
