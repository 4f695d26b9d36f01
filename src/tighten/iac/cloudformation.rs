//! `cloudformation/template.json`: a template fragment holding a plan's new documents as
//! resources, for a team whose IAM lives in CloudFormation stacks: merge each resource
//! into the stack's template (or replace the one it describes) and update the stack.
//!
//! - `AWS::IAM::ManagedPolicy` for a customer managed policy (existing, or a replacement
//!   of an AWS managed one), with `Groups`, `Users` and `Roles` the identities it is
//!   attached to after the plan; `AWS::IAM::GroupPolicy`, `UserPolicy`, `RolePolicy` for
//!   inline policies; `AWS::SSO::PermissionSet` with the new `InlinePolicy` and the
//!   `ManagedPolicies` left; `AWS::Organizations::Policy` for an SCP. Documents are JSON
//!   objects, laid out as in `policies/*.json` (one action per line).
//! - A resource that describes an existing object keeps it when it leaves a stack
//!   (`DeletionPolicy` and `UpdateReplacePolicy` `Retain`).
//! - A template cannot say "remove": what goes (detachments, group removals, deletions) is
//!   listed in the template's `Metadata.trailcut.removals`, for the reader to take out of
//!   the stack's template.
//!
//! Logical ids are the names' letters and digits after a word for the kind
//! (`ManagedPolicyExampleDevelopment`), unique within the template by a number after
//! them, the same for the same plan.

use std::collections::BTreeSet;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::json;
use serde_json::value::RawValue;

use super::super::plan::{Entity, EntityKind};
use super::hcl::plain_json;
use super::{Change, Removal, Stage};

/// The longest logical id CloudFormation takes is 255 characters; a name's part stays
/// well under it so that a number can follow.
const MAX_NAME_PART: usize = 200;

/// CloudFormation's limit on a template's description, in bytes.
const MAX_DESCRIPTION: usize = 1024;

/// A JSON value whose objects keep the order they are built in (serde_json's `Value`
/// sorts keys), with documents as their own text.
enum Node {
    Value(serde_json::Value),
    /// JSON text, written as it is.
    Raw(Box<RawValue>),
    Map(Vec<(String, Node)>),
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Value(value) => value.serialize(serializer),
            Node::Raw(raw) => raw.serialize(serializer),
            Node::Map(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

fn map(members: Vec<(&str, Node)>) -> Node {
    Node::Map(
        members
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

fn value(value: serde_json::Value) -> Node {
    Node::Value(value)
}

/// Where a resource's properties sit: `{ "Resources": { "Id": { "Properties": { ...`.
const PROPERTY_DEPTH: usize = 4;

/// A JSON document (pretty text) as a property value: its lines after the first indented
/// to where it sits, so that the template reads as one pretty layout.
fn document(text: &str) -> Node {
    let pad = "  ".repeat(PROPERTY_DEPTH);
    let mut out = String::with_capacity(text.len() * 2);
    for (i, line) in text.trim_end().split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    match RawValue::from_string(out) {
        Ok(raw) => Node::Raw(raw),
        // Documents come from trailcut's JSON writers; a text that is not JSON is kept as
        // a string rather than lost.
        Err(_) => value(json!(text)),
    }
}

/// Logical ids, unique within one template.
#[derive(Default)]
struct Ids {
    used: BTreeSet<String>,
}

impl Ids {
    /// `kind` followed by the letters and digits of `parts`, and a number when taken.
    fn id(&mut self, kind: &str, parts: &[&str]) -> String {
        let name: String = parts
            .iter()
            .flat_map(|p| p.chars())
            .filter(char::is_ascii_alphanumeric)
            .take(MAX_NAME_PART)
            .collect();
        let base = format!("{kind}{name}");
        let mut id = base.clone();
        let mut n = 1;
        while !self.used.insert(id.clone()) {
            n += 1;
            id = format!("{base}{n}");
        }
        id
    }
}

/// The names of the identities of `kind` among `entities`.
fn names(entities: &[&Entity], kind: EntityKind) -> Vec<String> {
    entities
        .iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.name.clone())
        .collect()
}

/// A resource: type, whether it describes an object that exists (kept when it leaves the
/// stack), metadata, properties.
fn resource(kind: &str, existing: bool, metadata: serde_json::Value, properties: Node) -> Node {
    let mut members = vec![("Type", value(json!(kind)))];
    if existing {
        members.push(("DeletionPolicy", value(json!("Retain"))));
        members.push(("UpdateReplacePolicy", value(json!("Retain"))));
    }
    members.push(("Metadata", value(json!({ "trailcut": metadata }))));
    members.push(("Properties", properties));
    map(members)
}

/// What a removal is, for the template's metadata.
fn removal(removal: &Removal<'_>) -> serde_json::Value {
    let stage = match removal.stage() {
        Stage::Apply => "apply",
        Stage::Cleanup => "cleanup",
    };
    let what = match removal {
        Removal::Detach {
            entity, policy_arn, ..
        } => json!({
            "remove": "attachment",
            "policy_arn": policy_arn,
            "from": { "kind": entity.kind.as_str(), "name": entity.name },
        }),
        Removal::RemoveFromGroup { user, group, .. } => json!({
            "remove": "group-membership", "user": user.name, "group": group.name,
        }),
        Removal::DeletePolicy { arn, .. } => json!({ "remove": "policy", "policy_arn": arn }),
        Removal::DeleteInline { owner, name, .. } => json!({
            "remove": "inline-policy",
            "policy_name": name,
            "owner": { "kind": owner.kind.as_str(), "name": owner.name },
        }),
        Removal::DetachFromPermissionSet {
            set, policy_arn, ..
        } => json!({
            "remove": "permission-set-managed-policy",
            "permission_set_arn": set.arn,
            "managed_policy_arn": policy_arn,
        }),
        Removal::DeletePermissionSetInline { set, .. } => json!({
            "remove": "permission-set-inline-policy", "permission_set_arn": set.arn,
        }),
        Removal::DeleteAssignment {
            set,
            instance,
            assignment: a,
            ..
        } => json!({
            "remove": "account-assignment",
            "instance_arn": instance,
            "permission_set_arn": set.arn,
            "target_id": a.account,
            "target_type": "AWS_ACCOUNT",
            "principal_type": a.principal_type,
            "principal_id": a.principal_id,
        }),
    };
    let mut what = what;
    what["stage"] = json!(stage);
    what["why"] = json!(removal.describe());
    what
}

/// `/a/b/Name` (a customer managed policy reference as the plan holds it) as
/// CloudFormation's `{Name, Path}`.
fn reference(text: &str) -> serde_json::Value {
    match text.rfind('/') {
        Some(at) => json!({ "Name": &text[at + 1..], "Path": &text[..=at] }),
        None => json!({ "Name": text, "Path": "/" }),
    }
}

/// The text of `cloudformation/template.json`.
pub(super) fn template(header: &[String], changes: &[Change<'_>]) -> String {
    let mut ids = Ids::default();
    let mut resources = Vec::new();
    let mut removals = Vec::new();
    let mut notes = Vec::new();
    for change in changes {
        match change {
            Change::ManagedPolicy(p) => {
                let id = ids.id("ManagedPolicy", &[&p.name]);
                let identities: Vec<&Entity> =
                    p.attached.iter().chain(&p.attach).copied().collect();
                let mut properties = vec![
                    ("ManagedPolicyName", value(json!(p.name))),
                    ("Path", value(json!(p.path))),
                ];
                if let Some(description) = &p.description {
                    properties.push(("Description", value(json!(description))));
                }
                properties.push(("PolicyDocument", document(&p.document)));
                for (key, kind) in [
                    ("Groups", EntityKind::Group),
                    ("Users", EntityKind::User),
                    ("Roles", EntityKind::Role),
                ] {
                    let names = names(&identities, kind);
                    if !names.is_empty() {
                        properties.push((key, value(json!(names))));
                    }
                }
                let mut metadata = json!({ "document": p.file, "note": p.note });
                if let Some(arn) = p.existing {
                    metadata["describes"] = json!(arn);
                    metadata["properties_not_written"] = json!(
                        "Description and Tags are not known to trailcut: keep the stack's \
                         (a new Description replaces the policy)"
                    );
                }
                resources.push((
                    id,
                    resource(
                        "AWS::IAM::ManagedPolicy",
                        p.existing.is_some(),
                        metadata,
                        map(properties),
                    ),
                ));
            }
            Change::InlinePolicy(p) => {
                let (kind, owner_key, word) = match p.owner.kind {
                    EntityKind::Group => ("AWS::IAM::GroupPolicy", "GroupName", "GroupPolicy"),
                    EntityKind::User => ("AWS::IAM::UserPolicy", "UserName", "UserPolicy"),
                    EntityKind::Role => ("AWS::IAM::RolePolicy", "RoleName", "RolePolicy"),
                };
                let id = ids.id(word, &[&p.owner.name, p.name]);
                resources.push((
                    id,
                    resource(
                        kind,
                        true,
                        json!({ "document": p.file, "note": p.note }),
                        map(vec![
                            (owner_key, value(json!(p.owner.name))),
                            ("PolicyName", value(json!(p.name))),
                            ("PolicyDocument", document(&p.document)),
                        ]),
                    ),
                ));
            }
            Change::PermissionSetInline(p) => {
                let id = ids.id("PermissionSet", &[&p.set.name]);
                let mut properties = vec![
                    ("InstanceArn", value(json!(p.instance))),
                    ("Name", value(json!(p.set.name))),
                    ("InlinePolicy", document(&p.document)),
                    ("ManagedPolicies", value(json!([]))),
                ];
                if !p.set.customer_managed_kept.is_empty() {
                    let references: Vec<serde_json::Value> = p
                        .set
                        .customer_managed_kept
                        .iter()
                        .map(|r| reference(r))
                        .collect();
                    properties.push(("CustomerManagedPolicyReferences", value(json!(references))));
                }
                resources.push((
                    id,
                    resource(
                        "AWS::SSO::PermissionSet",
                        true,
                        json!({
                            "document": p.file,
                            "note": p.note,
                            "describes": p.set.arn,
                            "properties_not_written": "Description, SessionDuration, \
                                RelayStateType, PermissionsBoundary and Tags are not known to \
                                trailcut: keep the stack's",
                        }),
                        map(properties),
                    ),
                ));
            }
            Change::Scp(p) => {
                let id = ids.id("ServiceControlPolicy", &[p.name]);
                resources.push((
                    id,
                    resource(
                        "AWS::Organizations::Policy",
                        true,
                        json!({
                            "document": p.file,
                            "note": p.note,
                            "describes": p.id,
                            "properties_not_written": "Description and Tags are not known to \
                                trailcut: keep the stack's",
                        }),
                        map(vec![
                            ("Name", value(json!(p.name))),
                            ("Type", value(json!("SERVICE_CONTROL_POLICY"))),
                            ("Content", document(&p.content)),
                            ("TargetIds", value(json!(p.targets))),
                        ]),
                    ),
                ));
            }
            Change::Removal(r) => removals.push(removal(r)),
            Change::Note(text) => notes.push(text.clone()),
        }
    }
    let mut description = header.join("; ");
    if description.len() > MAX_DESCRIPTION {
        let mut end = MAX_DESCRIPTION - 3;
        while !description.is_char_boundary(end) {
            end -= 1;
        }
        description.truncate(end);
        description.push_str("...");
    }
    let mut metadata = json!({
        "header": header,
        "about": "The plan's new documents as CloudFormation resources, beside apply.sh: merge \
            them into the stack that holds these objects and update it. What goes is listed in \
            removals: take it out of the stack's template (stage cleanup: once the change has \
            proven itself, as cleanup.sh). docs/tighten.md, \"Terraform and CloudFormation\".",
        "removals": removals,
    });
    if !notes.is_empty() {
        metadata["notes"] = json!(notes);
    }
    let template = map(vec![
        ("AWSTemplateFormatVersion", value(json!("2010-09-09"))),
        ("Description", value(json!(description))),
        ("Metadata", value(json!({ "trailcut": metadata }))),
        (
            "Resources",
            Node::Map(resources.into_iter().collect::<Vec<(String, Node)>>()),
        ),
    ]);
    let text = serde_json::to_string_pretty(&template).expect("a template has string keys only");
    plain_json(&text) + "\n"
}
