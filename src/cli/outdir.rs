//! The `--out` directory of `tighten`: new or empty, or a previous trailcut output, which
//! is cleared first so that no document of an earlier run is left beside the new plan.
//! Anything else is refused: trailcut never deletes a file it did not write.

use std::path::Path;

use anyhow::{Context as _, bail};

use crate::tighten::OutputFile;

/// What `tighten --out` writes at the top of its directory.
const OURS: &[&str] = &[
    "plan.json",
    "plan.md",
    "apply.sh",
    "rollback.sh",
    "cleanup.sh",
    "policies",
    "scps",
    "terraform",
    "cloudformation",
];

/// Writes `files` into `dir`, after checking and clearing it.
pub fn write(dir: &Path, files: &[OutputFile]) -> anyhow::Result<()> {
    prepare(dir)?;
    for file in files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, &file.text)
            .with_context(|| format!("cannot write {}", path.display()))?;
        #[cfg(unix)]
        if file.executable {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .with_context(|| format!("cannot make {} executable", path.display()))?;
        }
    }
    Ok(())
}

/// Makes `dir` ready for a new output: creates it, or clears a previous trailcut output in
/// it; refuses a directory that holds anything else.
pub fn prepare(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        return std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create {}", dir.display()));
    }
    if !dir.is_dir() {
        bail!("--out {} is a file, not a directory", dir.display());
    }
    let mut entries: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot read {}", dir.display()))?;
    if entries.is_empty() {
        return Ok(());
    }
    entries.sort();
    if entries.iter().any(|e| e == crate::tighten::MARKS) {
        bail!(
            "--out {} holds a plan that apply.sh has carried out ({} records its steps): keep \
             the directory for rollback.sh, or give another one",
            dir.display(),
            crate::tighten::MARKS
        );
    }
    if !is_previous_output(&dir.join("plan.json")) {
        bail!(
            "--out {} is not empty and holds no trailcut plan.json (it has {}): give a new or \
             empty directory, or the directory of a previous `tighten --out`",
            dir.display(),
            listing(&entries)
        );
    }
    let foreign: Vec<String> = entries
        .iter()
        .filter(|e| !OURS.contains(&e.as_str()))
        .cloned()
        .collect();
    if !foreign.is_empty() {
        bail!(
            "--out {} holds a previous trailcut output and files trailcut did not write ({}): \
             move them away, or give another directory",
            dir.display(),
            listing(&foreign)
        );
    }
    for entry in &entries {
        let path = dir.join(entry);
        let removed = if path.is_dir() && !path.is_symlink() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.with_context(|| format!("cannot remove the previous {}", path.display()))?;
    }
    Ok(())
}

/// Whether `path` is a plan.json trailcut wrote: a JSON object with its `schema_version`,
/// `scope` and `replay`.
fn is_previous_output(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|plan| {
        ["schema_version", "scope", "replay"]
            .iter()
            .all(|key| plan.get(key).is_some())
    })
}

/// Up to five names, quoted, and how many more.
fn listing(names: &[String]) -> String {
    let mut text: Vec<String> = names.iter().take(5).map(|n| format!("`{n}`")).collect();
    if names.len() > 5 {
        text.push(format!("and {} more", names.len() - 5));
    }
    text.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile {
            path: path.to_owned(),
            text: text.to_owned(),
            executable: path.ends_with(".sh"),
        }
    }

    const PLAN: &str = r#"{"schema_version":1,"scope":{},"replay":{}}"#;

    #[test]
    fn a_previous_output_is_cleared_and_nothing_else_is_touched() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let first = [
            file("plan.json", PLAN),
            file("apply.sh", "#!/bin/sh\n"),
            file("policies/Old.json", "{}"),
            file("policies/aws-managed/PowerUserAccess.json", "{}"),
        ];
        write(&dir, &first).unwrap();
        write(
            &dir,
            &[file("plan.json", PLAN), file("policies/New.json", "{}")],
        )
        .unwrap();
        assert!(dir.join("policies/New.json").exists());
        assert!(!dir.join("policies/Old.json").exists(), "no stale document");
        assert!(!dir.join("policies/aws-managed").exists());
        assert!(!dir.join("apply.sh").exists());

        std::fs::write(dir.join(crate::tighten::MARKS), "s1 v4\napplied\n").unwrap();
        let refused = write(&dir, &[file("plan.json", PLAN)])
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("keep the directory for rollback.sh"),
            "{refused}"
        );
        std::fs::remove_file(dir.join(crate::tighten::MARKS)).unwrap();

        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        let refused = write(&dir, &[file("plan.json", PLAN)])
            .unwrap_err()
            .to_string();
        assert!(refused.contains("`notes.txt`"), "{refused}");
        assert!(dir.join("notes.txt").exists() && dir.join("policies/New.json").exists());
    }

    #[test]
    fn a_directory_of_other_files_is_refused_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("report.pdf"), "x").unwrap();
        std::fs::write(tmp.path().join("plan.json"), r#"{"not":"ours"}"#).unwrap();
        let refused = write(tmp.path(), &[file("plan.json", PLAN)])
            .unwrap_err()
            .to_string();
        assert!(refused.contains("holds no trailcut plan.json"), "{refused}");
        assert!(refused.contains("`plan.json`, `report.pdf`"), "{refused}");
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("plan.json")).unwrap(),
            r#"{"not":"ours"}"#
        );
        let empty = tempfile::tempdir().unwrap();
        write(empty.path(), &[file("plan.json", PLAN)]).unwrap();
        let not_dir = tmp.path().join("report.pdf");
        assert!(
            write(&not_dir, &[])
                .unwrap_err()
                .to_string()
                .contains("is a file")
        );
    }
}
