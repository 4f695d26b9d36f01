//! The Terraform and CloudFormation of plans whose names would break code pasted raw: every
//! line of main.tf is one of the few shapes trailcut writes, every value reads back (as
//! Terraform reads it) as the name or document it came from, and the template's documents
//! equal the files.

use std::collections::{BTreeMap, BTreeSet};

use super::changes::*;
use super::hcl::plain_json;
use super::hcl::tests::{HOSTILE, read_hcl_string, read_heredoc};
use super::*;
use crate::policy::PolicyDocument;
use crate::tighten::permission_set::AssignmentVerdict;
use crate::tighten::permission_set::{AssignmentRow, PermissionSetPlan};
use crate::tighten::plan::{Entity, Move, Outcome, Plan, PolicyKind};
use crate::tighten::plan::{EntityKind, PolicyPlan};
use crate::tighten::rewrite::Rewritten;

/// A document holding IAM policy variables and `hostile` in a condition.
fn document(hostile: &str) -> PolicyDocument {
    let values = serde_json::to_string(&[hostile, "${aws:username}", "%{x}", "$${y}"]).unwrap();
    PolicyDocument::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Keep","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/${{aws:username}}/*","Condition":{{"StringLike":{{"s3:prefix":{values}}}}}}}]}}"#
    ))
    .unwrap()
}

fn entity(kind: EntityKind, name: &str) -> Entity {
    Entity {
        kind,
        name: name.to_owned(),
        arn: format!("arn:aws:iam::123456789012:{}/{name}", kind.as_str()),
    }
}

fn policy(name: &str, kind: PolicyKind, outcome: Outcome, hostile: &str) -> PolicyPlan {
    let arn = match kind {
        PolicyKind::AwsManaged => format!("arn:aws:iam::aws:policy/{name}"),
        _ => format!("arn:aws:iam::123456789012:policy/team/{name}"),
    };
    PolicyPlan {
        key: arn.clone(),
        name: name.to_owned(),
        arn: (kind != PolicyKind::Inline).then_some(arn),
        kind,
        outcome,
        original: document(hostile),
        rewritten: Rewritten {
            document: Some(document(hostile)),
            items: Vec::new(),
            untouched: Vec::new(),
            removed_statements: Vec::new(),
            changed: true,
        },
        owner: None,
        versions: vec!["v1".to_owned()],
        default_version: Some("v1".to_owned()),
        attached_to: Vec::new(),
        through: Vec::new(),
    }
}

/// A plan touching every kind of change, named by `name`.
fn hostile_plan(name: &str) -> Plan {
    let group = entity(EntityKind::Group, &format!("g{name}"));
    let user = entity(EntityKind::User, &format!("u{name}"));
    let role = entity(EntityKind::Role, &format!("r{name}"));
    let mut managed = policy(name, PolicyKind::CustomerManaged, Outcome::Rewritten, name);
    managed.attached_to = vec![group.clone(), user.clone()];
    let mut inline = policy(name, PolicyKind::Inline, Outcome::Rewritten, name);
    inline.key = format!("inline:{name}");
    inline.owner = Some(role.clone());
    let mut aws = policy(
        &format!("PowerUser{name}"),
        PolicyKind::AwsManaged,
        Outcome::Replaced,
        name,
    );
    aws.attached_to = vec![group.clone(), role.clone()];
    let gone = policy(
        &format!("gone{name}"),
        PolicyKind::CustomerManaged,
        Outcome::Emptied,
        name,
    );
    let moves = vec![
        Move::Detach {
            policy_key: managed.key.clone(),
            policy_name: managed.name.clone(),
            entity: user.clone(),
            why: format!("why {name}"),
        },
        Move::RemoveFromGroup {
            user: user.clone(),
            group: group.clone(),
            why: name.to_owned(),
        },
        Move::DeletePolicy {
            policy_key: gone.key.clone(),
            policy_name: gone.name.clone(),
            why: name.to_owned(),
        },
        Move::DeleteInline {
            policy_name: name.to_owned(),
            owner: role.clone(),
            why: name.to_owned(),
        },
    ];
    Plan {
        policies: vec![managed, inline, aws, gone],
        moves,
    }
}

/// main.tf read line by line the way Terraform's scanner would see it: comments, block
/// heads and ends, attributes whose value is a quoted string (read back), a heredoc (read
/// back), or one of the references and lists trailcut writes. Returns each block's head
/// with its attributes; panics on any other line.
fn read_main_tf(text: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut blocks = Vec::new();
    let mut depth = 0;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let code = line.trim_start();
        if code.is_empty() || code.starts_with('#') {
            assert!(
                !line.chars().any(crate::tighten::script::deceptive),
                "{line:?}"
            );
            continue;
        }
        if code == "}" {
            depth -= 1;
            continue;
        }
        if let Some(head) = code.strip_suffix(" {") {
            let words: Vec<&str> = head.split(' ').collect();
            assert!(
                ["resource", "import", "removed", "lifecycle"].contains(&words[0]),
                "{line:?}"
            );
            if words[0] == "resource" {
                assert_eq!(words.len(), 3, "{line:?}");
                for label in &words[1..] {
                    let inner = label.strip_prefix('"').unwrap().strip_suffix('"').unwrap();
                    assert!(
                        inner
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                        "{line:?}"
                    );
                }
            }
            if depth == 0 {
                blocks.push((head.to_owned(), BTreeMap::new()));
            }
            depth += 1;
            continue;
        }
        let (name, value) = code.split_once(" = ").unwrap_or_else(|| panic!("{line:?}"));
        let name = name.trim_end();
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{line:?}"
        );
        let value = if value.starts_with('"') {
            read_hcl_string(value)
        } else if let Some(marker) = value.strip_prefix("<<-") {
            let mut heredoc = format!("{value}\n");
            for body in lines.by_ref() {
                heredoc.push_str(body);
                heredoc.push('\n');
                if body.trim() == marker {
                    break;
                }
            }
            read_heredoc(&heredoc)
        } else {
            assert!(
                value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.[], ".contains(c)),
                "{line:?}"
            );
            value.to_owned()
        };
        let block = &mut blocks.last_mut().unwrap().1;
        block.insert(name.to_owned(), value);
    }
    assert_eq!(depth, 0);
    blocks
}

#[test]
fn hostile_names_come_out_of_terraform_as_themselves() {
    for name in HOSTILE {
        let plan = hostile_plan(name);
        let changes = plan_changes(&plan);
        let text = terraform::main_tf(&[format!("scope {name}")], &changes);
        let blocks = read_main_tf(&text);
        let heads: Vec<&str> = blocks.iter().map(|(h, _)| h.as_str()).collect();
        let managed = &plan.policies[0];
        // The file's text, its deceptive characters as JSON escapes: the same JSON value.
        let expected_document = plain_json(&(document(name).to_json_string_pretty() + "\n"));
        // The managed policy: imported by ARN, named, its path, the document as the file.
        let (_, import) = &blocks[0];
        assert_eq!(import["id"], managed.key, "{text}");
        let (head, attributes) = &blocks[1];
        assert!(
            head.starts_with("resource \"aws_iam_policy\" "),
            "{heads:?}"
        );
        assert_eq!(
            import["to"],
            format!("aws_iam_policy.{}", head.split('"').nth(3).unwrap())
        );
        assert_eq!(attributes["name"], **name);
        assert_eq!(attributes["path"], "/team/");
        assert_eq!(attributes["policy"], expected_document, "{text}");
        let value: serde_json::Value = serde_json::from_str(&attributes["policy"]).unwrap();
        assert_eq!(
            value["Statement"][0]["Resource"],
            "arn:aws:s3:::b/${aws:username}/*"
        );
        assert_eq!(
            value["Statement"][0]["Condition"]["StringLike"]["s3:prefix"][0],
            **name
        );
        // The inline policy of the role: imported as role:policy.
        assert_eq!(blocks[2].1["id"], format!("r{name}:{name}"));
        assert_eq!(blocks[3].1["role"], format!("r{name}"));
        assert_eq!(blocks[3].1["policy"], expected_document);
        // The replacement, its attachments by reference, the AWS managed policy detached.
        assert_eq!(blocks[4].1["name"], format!("PowerUser{name}-Trailcut"));
        assert_eq!(
            blocks[4].1["description"],
            format!("PowerUser{name} cut to what was used (trailcut)")
        );
        assert_eq!(blocks[5].1["group"], format!("g{name}"));
        assert!(blocks[5].1["policy_arn"].starts_with("aws_iam_policy."));
        assert!(blocks[5].1["policy_arn"].ends_with(".arn"));
        assert_eq!(blocks[6].1["role"], format!("r{name}"));
        // Removals: two detachments of the AWS managed one, the plan's detachment and
        // group removal; the deletions commented out.
        let removed: Vec<&String> = blocks
            .iter()
            .filter(|(h, _)| h == "removed")
            .map(|(_, a)| &a["from"])
            .collect();
        assert_eq!(removed.len(), 4, "{text}");
        assert!(removed[0].starts_with("aws_iam_group_policy_attachment."));
        assert!(removed[1].starts_with("aws_iam_role_policy_attachment."));
        assert!(removed[2].starts_with("aws_iam_user_policy_attachment."));
        assert!(removed[3].starts_with("aws_iam_user_group_membership."));
        assert_eq!(blocks.len(), 11, "{heads:?}");
        assert!(
            text.contains("\n# removed {\n#   from = aws_iam_policy."),
            "{text}"
        );
        assert!(
            text.contains("\n# removed {\n#   from = aws_iam_role_policy."),
            "{text}"
        );
        // Labels unique per type.
        let mut seen = BTreeSet::new();
        for (head, attributes) in &blocks {
            if head.starts_with("resource") {
                assert!(seen.insert(head.clone()), "{head}");
            }
            if let Some(to) = attributes.get("to").or(attributes.get("from")) {
                assert!(to.split('.').count() == 2, "{to}");
            }
        }
    }
}

#[test]
fn hostile_names_come_out_of_cloudformation_as_themselves() {
    for name in HOSTILE {
        let plan = hostile_plan(name);
        let text = cloudformation::template(&[format!("scope {name}")], &plan_changes(&plan));
        assert!(
            !text
                .chars()
                .any(|c| c != '\n' && crate::tighten::script::deceptive(c))
        );
        let template: serde_json::Value = serde_json::from_str(&text).unwrap();
        let expected: serde_json::Value =
            serde_json::from_str(&document(name).to_json_string_pretty()).unwrap();
        let resources = template["Resources"].as_object().unwrap();
        assert_eq!(resources.len(), 3, "{text}");
        for (id, resource) in resources {
            assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
            assert_eq!(resource["Properties"]["PolicyDocument"], expected, "{id}");
        }
        let managed = &resources[&format!(
            "ManagedPolicy{}",
            name.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        )];
        assert_eq!(managed["Properties"]["ManagedPolicyName"], **name);
        assert_eq!(
            managed["Properties"]["Groups"],
            serde_json::json!([format!("g{name}")])
        );
        assert!(
            managed["Properties"].get("Users").is_none(),
            "detached: {text}"
        );
        assert_eq!(managed["DeletionPolicy"], "Retain");
        let removals = template["Metadata"]["trailcut"]["removals"]
            .as_array()
            .unwrap();
        assert_eq!(removals.len(), 6);
        assert_eq!(removals[3]["user"], format!("u{name}"));
        assert_eq!(removals[4]["stage"], "cleanup");
        assert_eq!(removals[5]["owner"]["name"], format!("r{name}"));
    }
}

#[test]
fn a_document_reads_back_line_for_line_with_its_policy_variables() {
    let plan = hostile_plan("p");
    let text = terraform::main_tf(&[], &plan_changes(&plan));
    assert!(
        text.contains("\"arn:aws:s3:::b/$${aws:username}/*\""),
        "{text}"
    );
    assert!(text.contains("\"$${aws:username}\""), "{text}");
    assert!(text.contains("\"%%{x}\""), "{text}");
    assert!(text.contains("\"$$${y}\""), "{text}");
    // One action per line, as in the file.
    assert!(text.contains("\n          \"Action\": [\n            \"s3:GetObject\",\n            \"s3:PutObject\"\n          ],\n"), "{text}");
    // The template lays the document out as the file does, indented to its place.
    let template = cloudformation::template(&[], &plan_changes(&plan));
    assert!(
        template.contains("\n              \"Action\": [\n                \"s3:GetObject\",\n"),
        "{template}"
    );
    assert!(template.contains("\"$${y}\""));
}

#[test]
fn a_permission_set_and_its_removals_in_both_forms() {
    let name = HOSTILE.concat();
    let arn = format!("arn:aws:sso:::permissionSet/ssoins-1/ps-{}", HOSTILE[0]);
    let mut p = policy(&name, PolicyKind::Inline, Outcome::Rewritten, HOSTILE[1]);
    p.key = arn.clone();
    let set = PermissionSetPlan {
        name: name.clone(),
        arn: arn.clone(),
        instance_arn: None,
        owner_account: Some("123456789012".to_owned()),
        inline_before: None,
        had_inline_policy: false,
        managed_detached: vec!["arn:aws:iam::aws:policy/AdministratorAccess".to_owned()],
        customer_managed_kept: vec!["/team/Mine".to_owned()],
        boundary_kept: None,
        accounts: Vec::new(),
        assignments: vec![AssignmentVerdict {
            assignment: AssignmentRow {
                account: "456789012345".to_owned(),
                principal_type: "GROUP".to_owned(),
                principal_id: format!("id{}", HOSTILE[4]),
                principal_name: Some(HOSTILE[5].to_owned()),
                people: Vec::new(),
            },
            verdict: "remove",
            why: "nobody used it".to_owned(),
        }],
        inline_policy_chars: 0,
        inline_policy_limit: 10_240,
    };
    let plan = Plan {
        policies: vec![p],
        moves: Vec::new(),
    };
    let changes = permission_set_changes(&plan, &set);
    let text = terraform::main_tf(&[], &changes);
    let blocks = read_main_tf(&text);
    // No inline policy before: nothing to import, the resource creates it.
    assert!(
        blocks[0]
            .0
            .starts_with("resource \"aws_ssoadmin_permission_set_inline_policy\"")
    );
    assert_eq!(
        blocks[0].1["instance_arn"],
        "arn:aws:sso:::instance/ssoins-1"
    );
    assert_eq!(blocks[0].1["permission_set_arn"], arn);
    assert_eq!(
        blocks[0].1["inline_policy"],
        plain_json(&(document(HOSTILE[1]).to_json_string_pretty() + "\n"))
    );
    assert_eq!(blocks[1].0, "removed");
    assert!(blocks[1].1["from"].starts_with("aws_ssoadmin_managed_policy_attachment."));
    assert_eq!(blocks.len(), 2, "{text}");
    assert!(
        text.contains("#   from = aws_ssoadmin_account_assignment."),
        "{text}"
    );
    assert!(text.contains("# customer managed policy reference /team/Mine is kept as it is"));
    let template: serde_json::Value =
        serde_json::from_str(&cloudformation::template(&[], &changes)).unwrap();
    let resource = &template["Resources"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(resource["Type"], "AWS::SSO::PermissionSet");
    assert_eq!(resource["Properties"]["Name"], name);
    assert_eq!(
        resource["Properties"]["ManagedPolicies"],
        serde_json::json!([])
    );
    assert_eq!(
        resource["Properties"]["CustomerManagedPolicyReferences"],
        serde_json::json!([{"Name": "Mine", "Path": "/team/"}])
    );
    let removals = &template["Metadata"]["trailcut"]["removals"];
    assert_eq!(removals[1]["principal_id"], format!("id{}", HOSTILE[4]));
    assert_eq!(removals[1]["stage"], "cleanup");
}

#[test]
fn an_scp_is_adopted_by_its_id_and_keeps_organizations_limit() {
    for name in HOSTILE {
        let id = format!("p-{name}");
        let content = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": []\n}\n".to_owned();
        let scp = |content: String| {
            vec![Change::Scp(Scp {
                name,
                id: &id,
                content,
                file: "scps/x.json".to_owned(),
                targets: vec!["ou-1"],
                note: (*name).to_owned(),
            })]
        };
        let text = terraform::main_tf(&[], &scp(content.clone()));
        let blocks = read_main_tf(&text);
        assert_eq!(blocks[0].1["id"], id);
        assert_eq!(blocks[1].1["name"], **name);
        assert_eq!(blocks[1].1["type"], "SERVICE_CONTROL_POLICY");
        assert_eq!(blocks[1].1["content"], content);
        // A content at the limit has no room for the heredoc's newline.
        let full = format!("{{\"a\":\n\"{}\"}}\n", "x".repeat(5120 - 9));
        assert_eq!(full.chars().count(), 5120 + 1);
        let text = terraform::main_tf(&[], &scp(full.clone()));
        assert_eq!(
            read_main_tf(&text)[1].1["content"],
            full.trim_end(),
            "{text}"
        );
        let template: serde_json::Value =
            serde_json::from_str(&cloudformation::template(&[], &scp(content.clone()))).unwrap();
        let resource = template["Resources"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap();
        assert_eq!(resource["Properties"]["Name"], **name);
        assert_eq!(
            resource["Properties"]["TargetIds"],
            serde_json::json!(["ou-1"])
        );
        assert_eq!(
            resource["Properties"]["Content"],
            serde_json::from_str::<serde_json::Value>(&content).unwrap()
        );
    }
}

#[test]
fn a_plan_without_changes_says_so() {
    let text = terraform::main_tf(&["scope".to_owned()], &[]);
    assert!(text.ends_with("# Nothing to change.\n"), "{text}");
    assert!(read_main_tf(&text).is_empty());
    let template: serde_json::Value =
        serde_json::from_str(&cloudformation::template(&[], &[])).unwrap();
    assert!(template["Resources"].as_object().unwrap().is_empty());
    assert_eq!(policy_path("arn:aws:iam::1:policy/a/b/N"), "/a/b/");
    assert_eq!(policy_path("arn:aws:iam::1:policy/N"), "/");
}
