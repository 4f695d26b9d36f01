//! `terraform/main.tf`: a plan's changes in Terraform's language (1.7 or newer, the AWS
//! provider), for a team that manages IAM with Terraform.
//!
//! - An existing policy's new document is an `import` block (adopting the policy into the
//!   state, or a no-op where the state already holds it at that address) and its
//!   `resource` block with the document as a heredoc: `terraform apply` updates the policy
//!   in place (a new default version for a managed policy, as apply.sh does).
//! - A new policy (a replacement of an AWS managed one) is a `resource` block, with its
//!   attachments.
//! - What goes is a `removed` block with `lifecycle { destroy = true }` for the address the
//!   object has in this file's naming (with the import id in a comment). Terraform cannot
//!   import and destroy in one configuration (an import needs the resource block, a removed
//!   block its absence), so a removed block destroys only what the state already holds at
//!   that address; deletions, which cleanup.sh makes once the change has proven itself, are
//!   written commented out. docs/tighten.md ("Terraform and CloudFormation") has the rest.
//!
//! The import ids are those of the AWS provider's documentation (terraform-provider-aws,
//! `website/docs/r/<resource>.html.markdown`, section "Import"): `aws_iam_policy` by ARN;
//! `aws_iam_group_policy`, `aws_iam_user_policy`, `aws_iam_role_policy` by
//! `owner_name:policy_name`; `aws_iam_*_policy_attachment` by `name/policy_arn`;
//! `aws_iam_user_group_membership` by `user/group`; `aws_ssoadmin_permission_set_inline_policy`
//! by `permission_set_arn,instance_arn`; `aws_ssoadmin_managed_policy_attachment` by
//! `managed_policy_arn,permission_set_arn,instance_arn`; `aws_ssoadmin_account_assignment`
//! by `principal_id,principal_type,target_id,AWS_ACCOUNT,permission_set_arn,instance_arn`;
//! `aws_organizations_policy` by policy id.
//!
//! Every value passes through [`hcl_string`] or [`json_heredoc`], every comment through
//! `script::comment`, every label through [`Labels`].

use std::fmt::Write as _;

use super::super::plan::{Entity, EntityKind};
use super::super::scp::SCP_MAX_CHARS;
use super::super::script::comment;
use super::hcl::{Labels, hcl_string, json_heredoc};
use super::{Change, Removal, Stage};

/// An attribute's value.
enum Value {
    /// HCL as it goes in: a quoted string from [`hcl_string`], a reference, a list of
    /// identifiers.
    Code(String),
    /// A JSON document, written as a heredoc.
    Json(String),
}

/// A block: its comment lines, its head (`resource "aws_iam_policy" "x"`: fixed words and
/// labels only), attributes and nested blocks.
struct Block {
    comments: Vec<String>,
    head: String,
    attributes: Vec<(&'static str, Value)>,
    blocks: Vec<Block>,
}

impl Block {
    fn new(head: String) -> Block {
        Block {
            comments: Vec::new(),
            head,
            attributes: Vec::new(),
            blocks: Vec::new(),
        }
    }

    fn comment(mut self, text: impl Into<String>) -> Block {
        self.comments.push(text.into());
        self
    }

    fn string(self, name: &'static str, value: &str) -> Block {
        self.code(name, hcl_string(value))
    }

    fn code(mut self, name: &'static str, code: String) -> Block {
        self.attributes.push((name, Value::Code(code)));
        self
    }

    fn json(mut self, name: &'static str, json: &str) -> Block {
        self.attributes.push((name, Value::Json(json.to_owned())));
        self
    }

    fn block(mut self, block: Block) -> Block {
        self.blocks.push(block);
        self
    }

    /// Writes the block at `indent`; `disabled` writes every line as a comment.
    fn write(&self, out: &mut String, indent: usize, disabled: bool) {
        let pad = " ".repeat(indent);
        let mut lines = Vec::new();
        for text in &self.comments {
            lines.push(format!("{pad}# {}", comment(text)));
        }
        lines.push(format!("{pad}{} {{", self.head));
        let width = self
            .attributes
            .iter()
            .map(|(name, _)| name.len())
            .max()
            .unwrap_or(0);
        for (name, value) in &self.attributes {
            let value = match value {
                Value::Code(code) => code.clone(),
                Value::Json(json) => json_heredoc(json, indent + 2),
            };
            let text = format!("{pad}  {name:<width$} = {value}");
            lines.extend(text.split('\n').map(str::to_owned));
        }
        for (i, block) in self.blocks.iter().enumerate() {
            if i > 0 || !self.attributes.is_empty() {
                lines.push(String::new());
            }
            let mut inner = String::new();
            block.write(&mut inner, indent + 2, false);
            lines.extend(inner.lines().map(str::to_owned));
        }
        lines.push(format!("{pad}}}"));
        for line in lines {
            match (disabled, line.is_empty()) {
                (true, true) => out.push('#'),
                (true, false) => out.push_str("# "),
                (false, _) => {}
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
}

/// `aws_iam_group_policy_attachment` and its identity argument (`group`), for `kind`.
fn attachment_type(kind: EntityKind) -> (String, &'static str) {
    (
        format!("aws_iam_{}_policy_attachment", kind.as_str()),
        kind.as_str(),
    )
}

/// The `lifecycle` block of a removal: destroy the object, not only forget it.
fn destroy() -> Block {
    Block::new("lifecycle".to_owned()).code("destroy", "true".to_owned())
}

/// A `removed` block for `removal`: the resource type, its label here, and the import id
/// of the object in a comment.
fn removed(labels: &mut Labels, removal: &Removal<'_>) -> Block {
    let (kind, parts, id): (String, Vec<&str>, String) = match removal {
        Removal::Detach {
            entity,
            policy_arn,
            policy_name,
            ..
        } => (
            attachment_type(entity.kind).0,
            vec![&entity.name, policy_name],
            format!("{}/{policy_arn}", entity.name),
        ),
        Removal::RemoveFromGroup { user, group, .. } => (
            "aws_iam_user_group_membership".to_owned(),
            vec![&user.name, &group.name],
            format!("{}/{}", user.name, group.name),
        ),
        Removal::DeletePolicy { arn, name, .. } => {
            ("aws_iam_policy".to_owned(), vec![name], (*arn).to_owned())
        }
        Removal::DeleteInline { owner, name, .. } => (
            format!("aws_iam_{}_policy", owner.kind.as_str()),
            vec![&owner.name, name],
            format!("{}:{name}", owner.name),
        ),
        Removal::DetachFromPermissionSet {
            set,
            instance,
            policy_arn,
        } => (
            "aws_ssoadmin_managed_policy_attachment".to_owned(),
            vec![
                &set.name,
                policy_arn.rsplit('/').next().unwrap_or(policy_arn),
            ],
            format!("{policy_arn},{},{instance}", set.arn),
        ),
        Removal::DeletePermissionSetInline { set, instance } => (
            "aws_ssoadmin_permission_set_inline_policy".to_owned(),
            vec![&set.name],
            format!("{},{instance}", set.arn),
        ),
        Removal::DeleteAssignment {
            set,
            instance,
            assignment: a,
            ..
        } => (
            "aws_ssoadmin_account_assignment".to_owned(),
            vec![
                &set.name,
                &a.account,
                a.principal_name.as_deref().unwrap_or(&a.principal_id),
            ],
            format!(
                "{},{},{},AWS_ACCOUNT,{},{instance}",
                a.principal_id, a.principal_type, a.account, set.arn
            ),
        ),
    };
    let label = labels.label(&kind, &parts);
    Block::new("removed".to_owned())
        .comment(removal.describe())
        .comment(format!("import id: {id}"))
        .code("from", format!("{kind}.{label}"))
        .block(destroy())
}

/// An `import` block.
fn import(to: &str, id: &str) -> Block {
    Block::new("import".to_owned())
        .code("to", to.to_owned())
        .string("id", id)
}

/// `resource "TYPE" "LABEL"`.
fn resource(kind: &str, label: &str) -> Block {
    Block::new(format!("resource \"{kind}\" \"{label}\""))
}

/// Keeps what trailcut does not know of an adopted object (its description and tags) as
/// AWS holds it: without this, `terraform apply` would clear them (and a policy's new
/// description would replace the policy).
fn keep_unknown() -> Block {
    Block::new("lifecycle".to_owned())
        .comment("trailcut does not read these: keep them as AWS holds them")
        .code("ignore_changes", "[description, tags]".to_owned())
}

/// The text of `terraform/main.tf`.
pub(super) fn main_tf(header: &[String], changes: &[Change<'_>]) -> String {
    let mut out = String::new();
    for line in header {
        let _ = writeln!(out, "# {}", comment(line));
    }
    for line in [
        "",
        "The plan as Terraform (1.7 or newer, the AWS provider), beside apply.sh; docs/tighten.md",
        "(\"Terraform and CloudFormation\") describes it. Review before applying.",
        "- import blocks adopt what the change updates (a no-op where your state holds it at",
        "  that address); terraform apply then writes each new document (policies/*.json).",
        "- removed blocks detach and remove: they destroy only what your state holds at that",
        "  address. Point `from` at your own address, or let apply.sh do these (Terraform",
        "  cannot import and destroy in one configuration).",
        "- Deletions (cleanup.sh's) are commented out: enable them once the change has proven",
        "  itself.",
    ] {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            let _ = writeln!(out, "# {line}");
        }
    }
    let mut labels = Labels::default();
    let mut blocks: Vec<(Block, bool)> = Vec::new();
    let mut notes = Vec::new();
    for change in changes {
        match change {
            Change::ManagedPolicy(p) => {
                let label = labels.label("aws_iam_policy", &[&p.name]);
                if let Some(arn) = p.existing {
                    blocks.push((
                        import(&format!("aws_iam_policy.{label}"), arn).comment(&p.note),
                        false,
                    ));
                }
                let mut policy = resource("aws_iam_policy", &label)
                    .string("name", &p.name)
                    .string("path", &p.path);
                if p.existing.is_none() {
                    policy = policy.comment(&p.note);
                }
                if let Some(description) = &p.description {
                    policy = policy.string("description", description);
                }
                policy = policy.json("policy", &p.document);
                if p.existing.is_some() {
                    policy = policy.block(keep_unknown());
                }
                blocks.push((policy, false));
                for entity in &p.attach {
                    blocks.push((attachment(&mut labels, entity, &p.name, &label), false));
                }
            }
            Change::InlinePolicy(p) => {
                let kind = format!("aws_iam_{}_policy", p.owner.kind.as_str());
                let label = labels.label(&kind, &[&p.owner.name, p.name]);
                blocks.push((
                    import(
                        &format!("{kind}.{label}"),
                        &format!("{}:{}", p.owner.name, p.name),
                    )
                    .comment(&p.note),
                    false,
                ));
                blocks.push((
                    resource(&kind, &label)
                        .string("name", p.name)
                        .string(p.owner.kind.as_str(), &p.owner.name)
                        .json("policy", &p.document),
                    false,
                ));
            }
            Change::PermissionSetInline(p) => {
                let kind = "aws_ssoadmin_permission_set_inline_policy";
                let label = labels.label(kind, &[&p.set.name]);
                let mut block = resource(kind, &label)
                    .string("instance_arn", &p.instance)
                    .string("permission_set_arn", &p.set.arn)
                    .json("inline_policy", &p.document);
                if p.existing {
                    blocks.push((
                        import(
                            &format!("{kind}.{label}"),
                            &format!("{},{}", p.set.arn, p.instance),
                        )
                        .comment(&p.note)
                        .comment(
                            "the provider provisions the permission set to its accounts when \
                             the inline policy changes",
                        ),
                        false,
                    ));
                } else {
                    block = block.comment(&p.note).comment(
                        "the permission set has no inline policy yet: this creates it (and the \
                         provider provisions the set)",
                    );
                }
                blocks.push((block, false));
            }
            Change::Scp(p) => {
                let kind = "aws_organizations_policy";
                let label = labels.label(kind, &[p.name]);
                blocks.push((
                    import(&format!("{kind}.{label}"), p.id).comment(&p.note),
                    false,
                ));
                let block = resource(kind, &label)
                    .string("name", p.name)
                    .string("type", "SERVICE_CONTROL_POLICY");
                // Organizations counts every character of an SCP, so the heredoc's final
                // newline must fit too; else the content is one quoted string.
                let block = if p.content.trim_end().contains('\n')
                    && p.content.chars().count() <= SCP_MAX_CHARS
                {
                    block.json("content", &p.content)
                } else {
                    block.string("content", p.content.trim_end())
                };
                blocks.push((block.block(keep_unknown()), false));
            }
            Change::Removal(removal) => {
                let block = removed(&mut labels, removal);
                blocks.push((block, removal.stage() == Stage::Cleanup));
            }
            Change::Note(text) => notes.push(text.clone()),
        }
    }
    let cleanup = blocks.iter().filter(|(_, disabled)| *disabled).count();
    for (block, disabled) in blocks.iter().filter(|(_, disabled)| !*disabled) {
        out.push('\n');
        block.write(&mut out, 0, *disabled);
    }
    if cleanup > 0 {
        let _ = write!(
            out,
            "\n# Deletions of what nobody used (cleanup.sh's): a deletion cannot be undone, so\n\
             # these wait until the change has proven itself. Remove the leading `# ` to enable.\n"
        );
        for (block, _) in blocks.iter().filter(|(_, disabled)| *disabled) {
            out.push('\n');
            block.write(&mut out, 0, true);
        }
    }
    for text in &notes {
        let _ = write!(out, "\n# {}\n", comment(text));
    }
    if blocks.is_empty() {
        out.push_str("\n# Nothing to change.\n");
    }
    out
}

/// The attachment of a new policy (`policy_label`) to `entity`.
fn attachment(
    labels: &mut Labels,
    entity: &Entity,
    policy_name: &str,
    policy_label: &str,
) -> Block {
    let (kind, argument) = attachment_type(entity.kind);
    let label = labels.label(&kind, &[&entity.name, policy_name]);
    resource(&kind, &label)
        .string(argument, &entity.name)
        .code("policy_arn", format!("aws_iam_policy.{policy_label}.arn"))
}
