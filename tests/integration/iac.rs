//! Issue 23, item 4: `tighten --iac terraform --iac cloudformation` writes the plan as
//! Terraform and CloudFormation beside apply.sh. main.tf is read by another parser than
//! trailcut's (python-hcl2, from the virtual environment .ci/run makes), its strings and
//! heredocs evaluated as Terraform would (`$${` is `${`): every document in it must equal,
//! as JSON, the file in policies/ (scps/) the scripts use, every import must name the
//! object plan.json names, and hostile names must come out as themselves. The template's
//! documents must equal the files too.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use trailcut::cli::demo::STORIES;

use crate::common::trailcut;

/// The python-hcl2 the test reads main.tf with (.ci/run installs it).
const PYTHON_HCL2: &str = "python-hcl2==8.1.4";

/// A Python with python-hcl2: `TRAILCUT_TEST_PYTHON`, else the virtual environment
/// .ci/run makes.
fn python() -> &'static Path {
    static PYTHON: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PYTHON.get_or_init(find_python)
}

fn find_python() -> PathBuf {
    let default = PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
        .join(".cache/trailcut-py/bin/python");
    let candidates: Vec<PathBuf> = std::env::var_os("TRAILCUT_TEST_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain([default])
        .collect();
    for python in &candidates {
        let has_hcl2 = Command::new(python)
            .args(["-c", "import hcl2"])
            .output()
            .is_ok_and(|o| o.status.success());
        if has_hcl2 {
            return python.clone();
        }
    }
    panic!(
        "no Python with python-hcl2 (tried {candidates:?}): run .ci/run, which makes it, or \
         `python3 -m venv ~/.cache/trailcut-py && ~/.cache/trailcut-py/bin/pip install \
         {PYTHON_HCL2}` (or set TRAILCUT_TEST_PYTHON)"
    );
}

/// main.tf's blocks, as `tests/fixtures/iac/read_terraform.py` evaluates them.
fn read_terraform(path: &Path) -> Vec<Value> {
    let out = Command::new(python())
        .arg(crate::common::repo().join("tests/fixtures/iac/read_terraform.py"))
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python-hcl2 cannot read {}: {}\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(path).unwrap_or_default()
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn json_file(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Runs `trailcut --store STORE tighten ARGS --out DIR --iac terraform --iac
/// cloudformation`, which must succeed.
fn tighten(store: &Path, args: &[&str], dir: &Path) {
    let out = trailcut()
        .arg("--store")
        .arg(store)
        .arg("tighten")
        .args(args)
        .arg("--out")
        .arg(dir)
        .args(["--iac", "terraform", "--iac", "cloudformation"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A document the plan writes: the resource type that must hold it in main.tf, what
/// names it there (`name`, or the permission set's ARN), its file, and the id of the
/// import that adopts the object (none for one the change creates).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expected {
    kind: String,
    name: String,
    file: String,
    import: Option<String>,
}

fn text(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_owned()
}

/// The documents plan.json says the run wrote.
fn expected(plan: &Value) -> BTreeSet<Expected> {
    let mut documents = BTreeSet::new();
    if plan["scope"]["kind"] == "scp" {
        if !plan["document"].is_null() {
            documents.insert(Expected {
                kind: "aws_organizations_policy".into(),
                name: text(&plan["scope"]["name"]),
                file: text(&plan["document"]),
                import: Some(text(&plan["scope"]["id"])),
            });
        }
        return documents;
    }
    let set = &plan["permission_set"];
    for p in plan["policies"].as_array().unwrap() {
        let name = text(&p["name"]);
        match (p["kind"].as_str().unwrap(), p["outcome"].as_str().unwrap()) {
            (_, "rewritten") if !set.is_null() => {
                documents.insert(Expected {
                    kind: "aws_ssoadmin_permission_set_inline_policy".into(),
                    name: text(&set["arn"]),
                    file: text(&p["document"]),
                    import: (set["had_inline_policy"] == true)
                        .then(|| format!("{},{}", text(&set["arn"]), text(&set["instance_arn"]))),
                });
            }
            ("customer-managed", "rewritten") => {
                documents.insert(Expected {
                    kind: "aws_iam_policy".into(),
                    name,
                    file: text(&p["document"]),
                    import: Some(text(&p["arn"])),
                });
            }
            ("aws-managed", "replaced") => {
                documents.insert(Expected {
                    kind: "aws_iam_policy".into(),
                    name: format!("{name}-Trailcut"),
                    file: text(&p["document"]),
                    import: None,
                });
            }
            ("inline", "rewritten") => {
                // `inline:OWNER_ARN:NAME`, the owner `arn:aws:iam::ACCOUNT:KIND/PATH/OWNER`.
                let key = text(&p["key"]);
                let owner = key
                    .strip_prefix("inline:")
                    .and_then(|k| k.strip_suffix(&format!(":{name}")))
                    .unwrap();
                let (kind, path) = owner.rsplit(':').next().unwrap().split_once('/').unwrap();
                let owner_name = path.rsplit('/').next().unwrap();
                documents.insert(Expected {
                    kind: format!("aws_iam_{kind}_policy"),
                    name,
                    file: text(&p["document"]),
                    import: Some(format!("{owner_name}:{}", text(&p["name"]))),
                });
            }
            _ => {}
        }
    }
    documents
}

/// The attribute of a resource that holds its document.
fn document_attribute(kind: &str) -> Option<&'static str> {
    match kind {
        "aws_iam_policy"
        | "aws_iam_group_policy"
        | "aws_iam_user_policy"
        | "aws_iam_role_policy" => Some("policy"),
        "aws_ssoadmin_permission_set_inline_policy" => Some("inline_policy"),
        "aws_organizations_policy" => Some("content"),
        _ => None,
    }
}

/// Checks `out`'s main.tf and template.json against its plan.json and documents; returns
/// main.tf's blocks and the template.
fn check(out: &Path) -> (Vec<Value>, Value) {
    let plan = json_file(&out.join("plan.json"));
    let documents = expected(&plan);
    let blocks = read_terraform(&out.join("terraform/main.tf"));
    let imports: Vec<&Value> = blocks
        .iter()
        .filter(|b| b["block"] == "import")
        .map(|b| &b["attributes"])
        .collect();
    let mut found = BTreeSet::new();
    let mut labels = BTreeSet::new();
    let mut adopted = 0;
    for block in blocks.iter().filter(|b| b["block"] == "resource") {
        let kind = block["type"].as_str().unwrap();
        let label = block["label"].as_str().unwrap();
        assert!(labels.insert((kind, label)), "{kind}.{label} twice");
        let Some(attribute) = document_attribute(kind) else {
            continue;
        };
        let a = &block["attributes"];
        let name = match kind {
            "aws_ssoadmin_permission_set_inline_policy" => &a["permission_set_arn"],
            _ => &a["name"],
        };
        let wanted = documents
            .iter()
            .find(|e| e.kind == kind && e.name == *name)
            .unwrap_or_else(|| panic!("{kind}.{label} ({name}) is no document of {documents:?}"));
        // The document Terraform writes is the file's, as JSON (and, but for escapes of
        // characters that make text read differently, as text).
        assert_eq!(
            parse(a[attribute].as_str().unwrap()),
            json_file(&out.join(&wanted.file)),
            "{kind}.{label} and {}",
            wanted.file
        );
        assert!(found.insert(wanted.clone()), "{wanted:?} twice");
        // The object is adopted by the id plan.json gives it, and only then.
        let to = format!("${{{kind}.{label}}}");
        let ids: Vec<String> = imports
            .iter()
            .filter(|i| i["to"] == to)
            .map(|i| text(&i["id"]))
            .collect();
        assert_eq!(
            ids,
            wanted.import.iter().cloned().collect::<Vec<_>>(),
            "{to}"
        );
        adopted += ids.len();
    }
    assert_eq!(found, documents, "main.tf holds every document, once");
    assert_eq!(
        adopted,
        imports.len(),
        "every import adopts a document's object"
    );
    for block in blocks.iter().filter(|b| b["block"] == "removed") {
        assert_eq!(
            block["attributes"]["lifecycle"],
            json!([{"destroy": true}]),
            "{block}"
        );
    }
    // The template: each resource's document is its file's.
    let template = json_file(&out.join("cloudformation/template.json"));
    let mut files = BTreeSet::new();
    for (id, resource) in template["Resources"].as_object().unwrap() {
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
        let properties = &resource["Properties"];
        let document = ["PolicyDocument", "InlinePolicy", "Content"]
            .iter()
            .find_map(|k| properties.get(*k))
            .unwrap_or_else(|| panic!("{id} holds no document"));
        let file = text(&resource["Metadata"]["trailcut"]["document"]);
        assert_eq!(document, &json_file(&out.join(&file)), "{id} and {file}");
        files.insert(file);
    }
    let wanted: BTreeSet<String> = documents.iter().map(|e| e.file.clone()).collect();
    assert_eq!(files, wanted, "the template holds every document");
    (blocks, template)
}

/// The `from` addresses of main.tf's removed blocks.
fn removed(blocks: &[Value]) -> Vec<String> {
    blocks
        .iter()
        .filter(|b| b["block"] == "removed")
        .map(|b| b["attributes"]["from"].as_str().unwrap().to_owned())
        .collect()
}

fn story(name: &str) -> &'static [&'static str] {
    STORIES.iter().find(|s| s.name == name).unwrap().args
}

#[test]
fn the_stories_as_terraform_and_cloudformation_hold_the_documents_of_policies() {
    let store = crate::common::sample_store();
    let root = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for s in &STORIES {
        let dir = root.path().join(s.name);
        tighten(store, s.args, &dir);
        runs.push((s.name, check(&dir), dir));
    }
    let run = |name: &str| runs.iter().find(|(n, _, _)| *n == name).unwrap();

    // Story 1: ExampleDevelopment adopted and rewritten; PowerUserAccess-Trailcut created
    // and attached; PowerUserAccess and the PassLambda policy detached; the policy's
    // deletion waits, commented out.
    let (_, (blocks, template), dir) = run("development");
    let attachment = blocks
        .iter()
        .find(|b| b["type"] == "aws_iam_group_policy_attachment")
        .unwrap();
    assert_eq!(attachment["attributes"]["group"], "Development");
    assert_eq!(
        attachment["attributes"]["policy_arn"],
        "${aws_iam_policy.PowerUserAccess-Trailcut.arn}"
    );
    assert_eq!(
        removed(blocks),
        [
            "${aws_iam_group_policy_attachment.Development_PowerUserAccess}",
            "${aws_iam_group_policy_attachment.Development_Development-PassLambdaRoles}",
        ]
    );
    let main_tf = std::fs::read_to_string(dir.join("terraform/main.tf")).unwrap();
    assert!(
        main_tf.contains("# removed {\n#   from = aws_iam_policy.Development-PassLambdaRoles\n"),
        "{main_tf}"
    );
    let resources = template["Resources"].as_object().unwrap();
    assert_eq!(
        resources["ManagedPolicyPowerUserAccessTrailcut"]["Properties"]["Groups"],
        json!(["Development"])
    );
    let removals = &template["Metadata"]["trailcut"]["removals"];
    assert_eq!(removals.as_array().unwrap().len(), 3);
    assert_eq!(removals[2]["remove"], "policy");
    assert_eq!(removals[2]["stage"], "cleanup");

    // Story 2: nothing rewritten, but nikhilj leaves security-team, IAMFullAccess leaves
    // him, App-Dev-ElasticTranscoder leaves app-dev.
    let (_, (blocks, _), _) = run("nikhilj");
    assert_eq!(
        removed(blocks),
        [
            "${aws_iam_user_group_membership.nikhilj_security-team}",
            "${aws_iam_group_policy_attachment.app-dev_App-Dev-ElasticTranscoder}",
            "${aws_iam_user_policy_attachment.nikhilj_IAMFullAccess}",
        ]
    );

    // Story 4: the SCP adopted by its id, with its type.
    let (_, (blocks, template), dir) = run("development-ou");
    let scp = blocks
        .iter()
        .find(|b| b["type"] == "aws_organizations_policy")
        .unwrap();
    assert_eq!(scp["attributes"]["name"], "NewServiceTest");
    assert_eq!(scp["attributes"]["type"], "SERVICE_CONTROL_POLICY");
    let resource = template["Resources"]["ServiceControlPolicyNewServiceTest"].clone();
    assert_eq!(resource["Type"], "AWS::Organizations::Policy");
    // Each target's id, the last step of its path.
    let plan = json_file(&dir.join("plan.json"));
    let targets: Vec<&str> = plan["scope"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert!(targets.contains(&"ou-ab12-11111111"), "{targets:?}");
    assert_eq!(resource["Properties"]["TargetIds"], json!(targets));

    // Story 5: the permission set's inline policy; AdministratorAccess detached; the
    // unused assignment's removal waits, commented out.
    let (_, (blocks, template), dir) = run("developers-permission-set");
    assert_eq!(
        removed(blocks),
        ["${aws_ssoadmin_managed_policy_attachment.Developers_AdministratorAccess}"]
    );
    let main_tf = std::fs::read_to_string(dir.join("terraform/main.tf")).unwrap();
    assert!(
        main_tf.contains("#   from = aws_ssoadmin_account_assignment.Developers_456789012345_"),
        "{main_tf}"
    );
    let set = template["Resources"]["PermissionSetDevelopers"].clone();
    assert_eq!(set["Type"], "AWS::SSO::PermissionSet");
    assert_eq!(set["Properties"]["ManagedPolicies"], json!([]));
}

#[test]
fn hostile_names_reach_terraform_and_cloudformation_as_themselves() {
    use crate::scripts::{RENAMES, SCP_RENAMES};
    let root = tempfile::tempdir().unwrap();
    let store = root.path().join("store");
    crate::scripts::store(&store, RENAMES, SCP_RENAMES);
    let renamed = |name: &str| {
        RENAMES
            .iter()
            .chain(SCP_RENAMES)
            .find(|(from, _)| *from == name)
            .unwrap()
            .1
    };
    let group = renamed("Development");
    let dir = root.path().join("group");
    tighten(
        &store,
        &[
            "--group",
            group,
            "--level",
            "service",
            "--replace-aws-managed",
        ],
        &dir,
    );
    let (blocks, template) = check(&dir);
    let policy = blocks
        .iter()
        .find(|b| {
            b["type"] == "aws_iam_policy"
                && b["attributes"]["path"] == "/"
                && b["attributes"].get("description").is_none()
        })
        .unwrap();
    assert_eq!(policy["attributes"]["name"], renamed("ExampleDevelopment"));
    let attachment = blocks
        .iter()
        .find(|b| b["type"] == "aws_iam_group_policy_attachment")
        .unwrap();
    assert_eq!(attachment["attributes"]["group"], group);
    assert_eq!(removed(&blocks).len(), 2);
    let resources = template["Resources"].as_object().unwrap();
    assert!(
        resources
            .values()
            .any(
                |r| r["Properties"]["ManagedPolicyName"] == renamed("ExampleDevelopment")
                    && r["Properties"]["Groups"] == json!([group])
            ),
        "{template:#}"
    );
    let removals = template["Metadata"]["trailcut"]["removals"]
        .as_array()
        .unwrap();
    assert!(
        removals
            .iter()
            .all(|r| r["from"]["name"] == group || r["remove"] == "policy")
    );

    let scp = renamed("NewServiceTest");
    let dir = root.path().join("scp");
    tighten(
        &store,
        &[
            "--scp",
            scp,
            "--org-entity",
            "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111",
            "--days",
            "180",
            "--partial-trail",
        ],
        &dir,
    );
    let (blocks, template) = check(&dir);
    let policy = blocks
        .iter()
        .find(|b| b["type"] == "aws_organizations_policy")
        .unwrap();
    assert_eq!(policy["attributes"]["name"], scp);
    let resource = template["Resources"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(resource["Properties"]["Name"], scp);
    // Nothing ran: no file named pwned anywhere.
    for entry in walkdir::WalkDir::new(root.path()) {
        let entry = entry.unwrap();
        assert_ne!(entry.file_name(), "pwned", "{}", entry.path().display());
    }
}

#[test]
fn a_bulk_run_writes_the_code_of_each_subject_and_no_flag_writes_none() {
    let store = crate::common::sample_store();
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("plans");
    let out = trailcut()
        .arg("--store")
        .arg(store)
        .args([
            "tighten",
            "--all-policies",
            "--exclude",
            "app-dev-*",
            "--level",
            "service",
            "--iac",
            "terraform,cloudformation",
        ])
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = json_file(&dir.join("summary.json"));
    let mut checked = 0;
    for row in summary["subjects"].as_array().unwrap() {
        check(&dir.join(row["detail"].as_str().unwrap()));
        checked += 1;
    }
    assert_eq!(checked, 6);
    // Without --iac, no code; --iac needs --out.
    let plain = root.path().join("plain");
    trailcut()
        .arg("--store")
        .arg(store)
        .arg("tighten")
        .args(story("example-policy1"))
        .arg("--out")
        .arg(&plain)
        .assert()
        .success();
    assert!(plain.join("plan.json").exists());
    assert!(!plain.join("terraform").exists() && !plain.join("cloudformation").exists());
    trailcut()
        .arg("--store")
        .arg(store)
        .args([
            "tighten",
            "--policy",
            "ExamplePolicy1",
            "--iac",
            "terraform",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--out"));
}
