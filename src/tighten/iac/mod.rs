//! A plan as infrastructure code (`tighten --iac terraform|cloudformation`), beside the
//! aws CLI scripts: `terraform/main.tf` and `cloudformation/template.json`, for teams
//! that manage IAM as code, where a policy changed with the aws CLI is put back by the next
//! `terraform apply` or stack update.
//!
//! A plan first becomes a list of `Change`s (`changes.rs`), which each format then writes:
//! - `hcl.rs`: the one quoting function for HCL strings, documents as heredocs, labels;
//! - `terraform.rs`: `import` and `resource` blocks for what changes, `removed` blocks for
//!   what goes (docs/tighten.md says why and where Terraform cannot do it in one apply);
//! - `cloudformation.rs`: a template fragment with the new documents as resources, and
//!   what goes listed in its metadata (a template cannot say "remove").
//!
//! The documents are the text of `policies/*.json` (`scps/*.json`), so that code, files and
//! scripts never disagree; this module reads the plan and writes text, nothing else.

mod changes;
mod cloudformation;
mod hcl;
mod terraform;

pub use hcl::{Labels, hcl_string, json_heredoc, plain_json};

use super::engine::ScpTightened;
use super::outcome::{OutputFile, Tightened};
use super::time_text;
use changes::{Change, Removal, Stage, permission_set_changes, plan_changes, scp_changes};

/// A form of infrastructure code `--iac` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IacFormat {
    /// `terraform/main.tf`.
    Terraform,
    /// `cloudformation/template.json`.
    CloudFormation,
}

/// Where the Terraform file goes, relative to the output directory.
pub const TERRAFORM_PATH: &str = "terraform/main.tf";
/// Where the CloudFormation template goes, relative to the output directory.
pub const CLOUDFORMATION_PATH: &str = "cloudformation/template.json";

/// The files of `formats` for `changes`, each starting with `header`.
fn files(formats: &[IacFormat], header: &[String], changes: &[Change<'_>]) -> Vec<OutputFile> {
    let mut formats = formats.to_vec();
    formats.sort();
    formats.dedup();
    formats
        .into_iter()
        .map(|format| match format {
            IacFormat::Terraform => OutputFile {
                path: TERRAFORM_PATH.to_owned(),
                text: terraform::main_tf(header, changes),
                executable: false,
            },
            IacFormat::CloudFormation => OutputFile {
                path: CLOUDFORMATION_PATH.to_owned(),
                text: cloudformation::template(header, changes),
                executable: false,
            },
        })
        .collect()
}

impl Tightened {
    /// The plan as infrastructure code (`--iac`): `terraform/main.tf`,
    /// `cloudformation/template.json`, for the formats asked.
    pub fn iac_files(&self, formats: &[IacFormat]) -> Vec<OutputFile> {
        let changes = match &self.permission_set {
            Some(set) => permission_set_changes(&self.plan, set),
            None => plan_changes(&self.plan),
        };
        files(formats, &self.header(), &changes)
    }
}

impl ScpTightened {
    /// The new SCP as infrastructure code (`--iac`).
    pub fn iac_files(&self, formats: &[IacFormat]) -> Vec<OutputFile> {
        let header = vec![
            format!(
                "trailcut tighten: SCP {} ({}) for {}",
                self.scope.name, self.scope.id, self.org_entity
            ),
            format!(
                "evidence window {} .. {}",
                time_text(self.window.since),
                time_text(self.window.until)
            ),
            "Run with the management account's credentials.".to_owned(),
        ];
        files(formats, &header, &scp_changes(self))
    }
}

#[cfg(test)]
mod tests;
