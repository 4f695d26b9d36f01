//! `trailcut catalog`: the embedded IAM action catalogue: where it came from, one action in
//! full, pattern expansion (and its complement, for NotAction), and listings by service and
//! access level.

use std::io::Write;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use super::Status;
use crate::catalog::{AccessLevel, Action, ActionCatalog, ActionPattern, CatalogInfo};

/// Flags of `trailcut catalog`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  trailcut catalog info
  trailcut catalog show s3:getobject              any case; prints the canonical name
  trailcut catalog expand 's3:Get*' 'iam:*Policy*'
  trailcut catalog expand --not 'iam:*' 'organizations:*'   what a NotAction allows
  trailcut catalog list --service s3 --access tagging")]
pub struct CatalogArgs {
    #[command(subcommand)]
    pub command: CatalogCommand,
}

/// The sub-verbs of `trailcut catalog`.
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Source, date and counts of the embedded catalogue
    Info {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// One action: access levels, resource types with ARN templates, condition keys
    Show {
        /// The action (`service:Name`, any case)
        action: String,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// The concrete actions that patterns stand for, one per line, sorted
    #[command(after_help = "\
A pattern that matches no action (a typo, an unknown service, an action newer than the
catalogue) is named on stderr with a close match when one exists, and the exit status is 1;
the other patterns' actions are still printed.")]
    Expand {
        /// Patterns such as `s3:Get*`, `iam:*Policy*`, `ec2:?escribe*`, `*`
        #[arg(required = true, value_name = "PATTERN")]
        patterns: Vec<String>,
        /// Print the actions matched by none of the patterns (what NotAction allows)
        #[arg(long)]
        not: bool,
    },
    /// Actions of a service and/or access level, one per line
    List {
        /// Service prefix (`s3`)
        #[arg(long, value_name = "PREFIX")]
        service: Option<String>,
        /// Access level: list, read, write, permissions-management, tagging
        #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
        access: Option<AccessLevel>,
    },
}

fn parse_level(text: &str) -> Result<AccessLevel, String> {
    AccessLevel::parse(text).ok_or_else(|| {
        format!(
            "unknown access level `{text}` (list, read, write, permissions-management, tagging)"
        )
    })
}

/// Runs `trailcut catalog`.
pub fn run(args: CatalogArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let catalog = ActionCatalog::embedded();
    match args.command {
        CatalogCommand::Info { json } => info(catalog.info(), json, out)?,
        CatalogCommand::Show { action, json } => {
            let Some(found) = catalog.action(&action) else {
                bail!(
                    "`{action}` is not an IAM action in the catalogue of {}",
                    catalog.info().date()
                );
            };
            show(catalog, found, json, out)?;
        }
        CatalogCommand::Expand { patterns, not } => {
            let patterns = patterns
                .iter()
                .map(|p| ActionPattern::parse(p))
                .collect::<Result<Vec<_>, _>>()?;
            // A pattern that matches nothing is a typo or an action newer than the
            // catalogue: said, and the exit status says the answer lacks it.
            let unmatched: Vec<_> = patterns
                .iter()
                .filter_map(|p| catalog.no_match(p))
                .collect();
            for found in &unmatched {
                eprintln!("warning: {found}");
            }
            let actions = if not {
                catalog.complement(&patterns)
            } else {
                catalog.expand_all(&patterns)
            };
            for action in actions {
                writeln!(out, "{}", action.name)?;
            }
            if !unmatched.is_empty() {
                return Ok(Status::Partial);
            }
        }
        CatalogCommand::List { service, access } => {
            if let Some(prefix) = &service
                && catalog.service(prefix).is_none()
            {
                bail!("`{prefix}` is not a service prefix in the catalogue");
            }
            for action in catalog.list(service.as_deref(), access) {
                writeln!(out, "{}", action.name)?;
            }
        }
    }
    Ok(Status::Success)
}

fn info(info: &CatalogInfo, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    if json {
        let value = serde_json::json!({
            "package": info.package,
            "version": info.version,
            "updated": info.updated,
            "services": info.services,
            "actions": info.actions,
            "resource_types": info.resource_types,
            "condition_keys": info.condition_keys,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
    } else {
        writeln!(out, "IAM action catalogue of {}", info.date())?;
        writeln!(
            out,
            "  source          {} {} (MIT)",
            info.package, info.version
        )?;
        writeln!(
            out,
            "  services        {}",
            super::thousands(info.services as u64)
        )?;
        writeln!(
            out,
            "  actions         {}",
            super::thousands(info.actions as u64)
        )?;
        writeln!(
            out,
            "  resource types  {}",
            super::thousands(info.resource_types as u64)
        )?;
        writeln!(
            out,
            "  condition keys  {}",
            super::thousands(info.condition_keys as u64)
        )?;
    }
    Ok(())
}

fn show(
    catalog: &ActionCatalog,
    action: &Action,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let service = catalog
        .service(action.service())
        .with_context(|| format!("service of `{}` missing from the catalogue", action.name))?;
    let arn_of = |kind: &str| {
        service
            .resource_types
            .iter()
            .find(|r| r.name == kind)
            .map(|r| r.arn.as_str())
    };
    if json {
        let value = serde_json::json!({
            "action": action.name,
            "service_name": service.name,
            "access_levels": action.access.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
            "resource_types": action.resources.iter().map(|r| serde_json::json!({
                "type": r.kind,
                "required": r.required,
                "arn": arn_of(&r.kind),
                "condition_keys": r.condition_keys,
            })).collect::<Vec<_>>(),
            "condition_keys": action.condition_keys,
            "dependent_actions": action.dependent_actions,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    let levels: Vec<&str> = action.access.iter().map(|l| l.as_str()).collect();
    writeln!(out, "{} ({})", action.name, service.name)?;
    writeln!(out, "  access level    {}", levels.join(", "))?;
    if action.resources.is_empty() {
        writeln!(
            out,
            "  resource types  none: the action applies to `*` only"
        )?;
    } else {
        writeln!(out, "  resource types")?;
        for r in &action.resources {
            let required = if r.required { " (required)" } else { "" };
            writeln!(
                out,
                "    {}{required}  {}",
                r.kind,
                arn_of(&r.kind).unwrap_or("?")
            )?;
        }
    }
    if !action.condition_keys.is_empty() {
        writeln!(
            out,
            "  condition keys  {}",
            action.condition_keys.join(", ")
        )?;
    }
    if !action.dependent_actions.is_empty() {
        writeln!(
            out,
            "  dependent       {}",
            action.dependent_actions.join(", ")
        )?;
    }
    Ok(())
}
