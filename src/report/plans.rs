//! Tightening plans read back from `tighten --out` folders: each plan.json with the new
//! documents and the scripts beside it. The old documents are not in a plan folder; the
//! caller adds them from the store ([`PlanView::old_documents`]).
//!
//! plan.json is trailcut's own published format (docs/plan.schema.json); only the fields
//! the page shows are read, and a file that is not a plan is skipped with the reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A plan folder, read.
#[derive(Debug, Clone)]
pub struct PlanView {
    /// The folder, relative to the directory given (`development`), or its path.
    pub folder: String,
    pub plan: PlanFile,
    /// Each policy's new document by its plan.json `document` path, as written.
    pub documents: BTreeMap<String, String>,
    /// Each policy's (or the SCP's) document before, by policy key (the SCP's id); the
    /// caller fills it from the store.
    pub old_documents: BTreeMap<String, String>,
    /// The scripts (`apply.sh`, `rollback.sh`, `cleanup.sh`) and their text.
    pub scripts: Vec<(String, String)>,
}

/// The parts of plan.json the page shows.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanFile {
    pub scope: PlanScope,
    pub window: PlanWindow,
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
    #[serde(default)]
    pub changes: bool,
    #[serde(default)]
    pub policies: Vec<PlanPolicy>,
    #[serde(default)]
    pub moves: Vec<PlanMove>,
    /// SCP plans: each service the SCP allows.
    #[serde(default)]
    pub services: Vec<PlanItem>,
    /// SCP plans: the new SCP's path.
    #[serde(default)]
    pub document: Option<String>,
    pub replay: PlanReplay,
    #[serde(default)]
    pub permission_set: Option<PlanPermissionSet>,
}

/// What was tightened.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanScope {
    /// `group`, `user`, `role`, `policy`, `permission-set` or `scp`.
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub account: Option<String>,
    /// SCP: the policy id, the OU path and the accounts below it.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub org_entity: Option<String>,
    #[serde(default)]
    pub accounts: Vec<String>,
}

/// The evidence window.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanWindow {
    pub since: String,
    pub until: String,
}

/// One policy of the plan.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanPolicy {
    pub key: String,
    pub name: String,
    pub kind: String,
    pub outcome: String,
    pub summary: String,
    /// The new document's path in the folder.
    #[serde(default)]
    pub document: Option<String>,
    #[serde(default)]
    pub items: Vec<PlanItem>,
}

/// A service or an action, and what became of it.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanItem {
    pub name: String,
    /// `kept`, `removed`, `never-used` or `unobservable`.
    pub decision: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// Unobservable: whether it was kept.
    #[serde(default)]
    pub kept: Option<bool>,
    /// The use in the window.
    #[serde(default)]
    pub evidence: Option<PlanEvidence>,
    /// The use before the window.
    #[serde(default)]
    pub before: Option<PlanEvidence>,
}

/// Calls that speak for an item.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanEvidence {
    pub events: u64,
    #[serde(default)]
    pub first: Option<String>,
    #[serde(default)]
    pub last: Option<String>,
    #[serde(default)]
    pub principals: Vec<String>,
    #[serde(default)]
    pub sources: Vec<String>,
}

/// A change other than a document: a detachment, a group membership, a deletion.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanMove {
    #[serde(rename = "move")]
    pub kind: String,
    pub why: String,
    #[serde(default)]
    pub policy_name: Option<String>,
    #[serde(default)]
    pub entity: Option<PlanEntity>,
    #[serde(default)]
    pub user: Option<PlanEntity>,
    #[serde(default)]
    pub group: Option<PlanEntity>,
    #[serde(default)]
    pub owner: Option<PlanEntity>,
}

/// A user, group or role.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanEntity {
    pub kind: String,
    pub name: String,
}

impl PlanMove {
    /// The change in words: `detach ReadOnly from role ci`.
    pub fn text(&self) -> String {
        let entity = |e: &Option<PlanEntity>| {
            e.as_ref()
                .map(|e| format!("{} {}", e.kind, e.name))
                .unwrap_or_else(|| "?".to_owned())
        };
        let policy = self.policy_name.as_deref().unwrap_or("?");
        match self.kind.as_str() {
            "detach" => format!("detach {policy} from {}", entity(&self.entity)),
            "remove-from-group" => {
                format!("take {} out of {}", entity(&self.user), entity(&self.group))
            }
            "delete-policy" => format!("delete policy {policy}"),
            "delete-inline" => format!("delete inline policy {policy} of {}", entity(&self.owner)),
            other => other.to_owned(),
        }
    }
}

/// The replay of the window's calls against the new policies.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanReplay {
    #[serde(default)]
    pub principals: u64,
    #[serde(default)]
    pub events: u64,
    #[serde(default)]
    pub regressions: Vec<PlanRegression>,
    #[serde(default)]
    pub not_comparable: u64,
    /// Calls replayed with a resource the event does not name.
    #[serde(default)]
    pub underivable: u64,
    /// Principals whose policies are not all in the store: none of their calls compared.
    #[serde(default)]
    pub incomplete: Vec<String>,
    /// Principals not replayed at all.
    #[serde(default)]
    pub unknown_principals: Vec<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// A call the new policies would deny.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanRegression {
    pub principal: String,
    pub call: String,
    pub action: String,
    #[serde(default)]
    pub event_time: Option<String>,
    pub explanation: String,
}

/// A permission set's accounts and assignments.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanPermissionSet {
    pub name: String,
    #[serde(default)]
    pub managed_detached: Vec<String>,
    #[serde(default)]
    pub accounts: Vec<PlanAccount>,
    #[serde(default)]
    pub assignments: Vec<PlanAssignment>,
}

/// One account a permission set is provisioned to.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanAccount {
    pub account: String,
    pub events: u64,
    #[serde(default)]
    pub people: BTreeMap<String, u64>,
}

/// One assignment and its verdict.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanAssignment {
    pub account: String,
    pub principal_type: String,
    #[serde(default)]
    pub principal_name: Option<String>,
    pub principal_id: String,
    pub verdict: String,
    pub why: String,
}

/// Plans read, and the files that looked like plans and were not.
#[derive(Debug, Default)]
pub struct LoadedPlans {
    pub plans: Vec<PlanView>,
    /// `path: reason`.
    pub skipped: Vec<String>,
}

/// Every plan.json under `dir` (its own, or in folders below it, as bulk runs write them),
/// in path order, with the documents and scripts beside each.
pub fn load_plans(dir: &Path) -> std::io::Result<LoadedPlans> {
    if !dir.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("no directory `{}`", dir.display()),
        ));
    }
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .max_depth(3)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.file_name() == "plan.json")
        .map(|e| e.into_path())
        .collect();
    paths.sort();
    let mut loaded = LoadedPlans::default();
    for path in paths {
        match load_one(dir, &path) {
            Ok(view) => loaded.plans.push(view),
            Err(reason) => loaded.skipped.push(format!("{}: {reason}", path.display())),
        }
    }
    Ok(loaded)
}

fn load_one(dir: &Path, path: &Path) -> Result<PlanView, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let plan: PlanFile = serde_json::from_str(&text).map_err(|e| {
        format!(
            "not a trailcut plan: line {} column {}: {e}",
            e.line(),
            e.column()
        )
    })?;
    let folder_path = path.parent().unwrap_or(dir);
    let folder = folder_path
        .strip_prefix(dir)
        .ok()
        .map(|p| p.display().to_string())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| folder_path.display().to_string());
    let mut documents = BTreeMap::new();
    let wanted = plan
        .policies
        .iter()
        .filter_map(|p| p.document.as_deref())
        .chain(plan.document.as_deref());
    for relative in wanted {
        // Only paths inside the folder: a plan.json edited by hand does not reach out.
        if Path::new(relative)
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            continue;
        }
        if let Some(text) = read_regular(&folder_path.join(relative)) {
            documents.insert(relative.to_owned(), text);
        }
    }
    let scripts = ["apply.sh", "rollback.sh", "cleanup.sh"]
        .iter()
        .filter_map(|name| Some(((*name).to_owned(), read_regular(&folder_path.join(name))?)))
        .collect();
    Ok(PlanView {
        folder,
        plan,
        documents,
        old_documents: BTreeMap::new(),
        scripts,
    })
}

/// The text of `path` when it is a regular file: a symbolic link (which could put any file
/// of the machine into the page) or a pipe (which would block the run) is not read.
fn read_regular(path: &Path) -> Option<String> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_file() {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

/// One row of a side-by-side view: the old line, the new line, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SideBySide<'a> {
    Same(&'a str),
    Removed(&'a str),
    Added(&'a str),
    Changed(&'a str, &'a str),
}

/// `old` against `new` line by line, for a two-column view: a replaced run of lines pairs
/// its old and new lines row by row.
pub fn side_by_side<'a>(old: &'a str, new: &'a str) -> Vec<SideBySide<'a>> {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let diff = similar::TextDiff::from_slices(&old_lines, &new_lines);
    let mut rows = Vec::new();
    for op in diff.ops() {
        let (tag, o, n) = op.as_tag_tuple();
        match tag {
            similar::DiffTag::Equal => rows.extend(o.map(|i| SideBySide::Same(old_lines[i]))),
            similar::DiffTag::Delete => rows.extend(o.map(|i| SideBySide::Removed(old_lines[i]))),
            similar::DiffTag::Insert => rows.extend(n.map(|i| SideBySide::Added(new_lines[i]))),
            similar::DiffTag::Replace => {
                let (o, n): (Vec<usize>, Vec<usize>) = (o.collect(), n.collect());
                for k in 0..o.len().max(n.len()) {
                    rows.push(match (o.get(k), n.get(k)) {
                        (Some(&a), Some(&b)) => SideBySide::Changed(old_lines[a], new_lines[b]),
                        (Some(&a), None) => SideBySide::Removed(old_lines[a]),
                        (None, Some(&b)) => SideBySide::Added(new_lines[b]),
                        (None, None) => unreachable!("k is below one of the lengths"),
                    });
                }
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn links_out_of_a_plan_folder_are_not_followed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let plan = dir.path().join("p");
        std::fs::create_dir_all(plan.join("policies")).expect("mkdir");
        std::fs::write(
            plan.join("plan.json"),
            r#"{"scope": {"kind": "policy", "name": "P"}, "window": {"since": "a", "until": "b"},
                "policies": [{"key": "k", "name": "P", "kind": "customer-managed", "outcome": "rewritten",
                "summary": "s", "document": "policies/P.json", "items": []}],
                "replay": {"principals": 1, "events": 2, "regressions": [], "not_comparable": 0}}"#,
        )
        .expect("write");
        let secret = dir.path().join("secret.txt");
        std::fs::write(&secret, "SECRET").expect("write");
        std::os::unix::fs::symlink(&secret, plan.join("policies/P.json")).expect("link");
        std::os::unix::fs::symlink(&secret, plan.join("apply.sh")).expect("link");
        std::fs::write(plan.join("rollback.sh"), "echo rollback").expect("write");
        let loaded = load_plans(dir.path()).expect("reads");
        assert_eq!(loaded.plans.len(), 1);
        let view = &loaded.plans[0];
        assert!(view.documents.is_empty(), "{:?}", view.documents);
        assert_eq!(
            view.scripts,
            vec![("rollback.sh".to_owned(), "echo rollback".to_owned())]
        );
    }

    #[test]
    fn side_by_side_pairs_replaced_lines_and_keeps_the_rest() {
        let old = "{\n  \"a\",\n  \"b\",\n  \"c\"\n}";
        let new = "{\n  \"a\",\n  \"x\",\n  \"c\",\n  \"d\"\n}";
        let rows = side_by_side(old, new);
        assert_eq!(
            rows,
            vec![
                SideBySide::Same("{"),
                SideBySide::Same("  \"a\","),
                SideBySide::Changed("  \"b\",", "  \"x\","),
                SideBySide::Changed("  \"c\"", "  \"c\","),
                SideBySide::Added("  \"d\""),
                SideBySide::Same("}"),
            ]
        );
    }

    #[test]
    fn a_folder_without_plans_is_empty_and_a_stray_plan_json_is_skipped() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(load_plans(dir.path()).expect("reads").plans.is_empty());
        std::fs::create_dir(dir.path().join("x")).expect("mkdir");
        std::fs::write(dir.path().join("x/plan.json"), "{\"not\": 1}").expect("write");
        let loaded = load_plans(dir.path()).expect("reads");
        assert!(loaded.plans.is_empty());
        assert_eq!(loaded.skipped.len(), 1);
        assert!(
            loaded.skipped[0].contains("not a trailcut plan"),
            "{:?}",
            loaded.skipped
        );
        assert!(load_plans(&dir.path().join("none")).is_err());
    }
}
