//! Issue 18, finding 1 and 2: the scripts trailcut writes cannot be hijacked by the names
//! they carry. The sample account's group and policies, and the sample organisation's SCP,
//! are renamed to names a shell would act on (`$()`, backticks, quotes, `;`, `${IFS}`,
//! newlines, carriage returns, a leading `--`); `tighten` is run on the renamed store and on
//! the original, and each script (apply.sh, then rollback.sh, apply.sh and cleanup.sh) is run
//! against a fake `aws` that records its arguments.
//! The renamed run must make exactly the original's calls with the names swapped, and
//! nothing else may run.

use std::path::{Path, PathBuf};

use crate::common::{ingest, repo, sample_trail, trailcut};

/// Original name -> hostile name. Longer names first: they contain the shorter ones.
pub(crate) const RENAMES: &[(&str, &str)] = &[
    (
        "Development-PassLambdaRoles",
        "--debug;PassLambda$(cd${IFS}..;touch${IFS}pwned)",
    ),
    (
        "ExampleDevelopment",
        "Ex`touch pwned`'ample\"\r\ntouch pwned",
    ),
    ("Development", "Dev\ntouch pwned\n# 'it''s' ${IFS}|&"),
];

pub(crate) const SCP_RENAMES: &[(&str, &str)] =
    &[("NewServiceTest", "NST$(cd${IFS}..;touch${IFS}pwned)")];

/// A fake `aws`: records each call's arguments (NUL-separated, a call ended by `\x1e`) and
/// answers `sts get-caller-identity` with the sample account.
const FAKE_AWS: &str = "#!/bin/sh\n\
    for a in \"$@\"; do printf '%s\\0' \"$a\"; done >> \"$AWS_LOG\"\n\
    printf '\\036\\0' >> \"$AWS_LOG\"\n\
    if [ \"$1\" = sts ]; then echo 123456789012; fi\n";

/// `text` with every JSON string equal to, or ending in `/` + , an original name renamed.
fn rename_json(text: &str, renames: &[(&str, &str)]) -> String {
    let mut text = text.to_owned();
    for (from, to) in renames {
        let to_json = serde_json::to_string(to).unwrap();
        let inner = &to_json[1..to_json.len() - 1];
        text = text
            .replace(&format!("\"{from}\""), &to_json)
            .replace(&format!("/{from}\""), &format!("/{inner}\""));
    }
    text
}

/// A store with the sample trail and the sample IAM details (and organisation), the names
/// renamed as `renames` says.
pub(crate) fn store(dir: &Path, renames: &[(&str, &str)], scp_renames: &[(&str, &str)]) {
    ingest(dir, &[sample_trail()]);
    let inputs = dir.join("inputs");
    std::fs::create_dir_all(inputs.join("org")).unwrap();
    let mut authz = Vec::new();
    for account in ["123456789012", "210987654321"] {
        let name = format!("authorization-details-{account}.json");
        let text = std::fs::read_to_string(repo().join("sample_data/iam").join(&name)).unwrap();
        std::fs::write(inputs.join(&name), rename_json(&text, renames)).unwrap();
        authz.push(inputs.join(&name));
    }
    trailcut()
        .arg("--store")
        .arg(dir)
        .args(["authz", "ingest"])
        .args(&authz)
        .assert()
        .success();
    let mut org = Vec::new();
    for entry in std::fs::read_dir(repo().join("sample_data/org")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let copy = inputs.join("org").join(path.file_name().unwrap());
        std::fs::write(&copy, rename_json(&text, scp_renames)).unwrap();
        org.push(copy);
    }
    trailcut()
        .arg("--store")
        .arg(dir)
        .args(["org", "ingest"])
        .args(&org)
        .assert()
        .success();
}

/// Runs `tighten ARGS --out` on `store`; returns the output directory.
fn tighten(store: &Path, args: &[&str]) -> PathBuf {
    let out = store.join("out");
    let output = trailcut()
        .arg("--store")
        .arg(store)
        .arg("tighten")
        .args(args)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.code() == Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// Runs `out/apply.sh`, then (IAM mode) rollback.sh, apply.sh again and cleanup.sh, each
/// with the fake `aws` first on the PATH, from `out`'s parent; returns the calls they made.
/// Fails when a file named `pwned` appears anywhere above `out`.
fn run(root: &Path, out: &Path) -> Vec<Vec<String>> {
    let mut calls = run_script(root, out, "apply.sh");
    if out.join("rollback.sh").exists() {
        for script in ["rollback.sh", "apply.sh", "cleanup.sh"] {
            calls.extend(run_script(root, out, script));
        }
    }
    calls
}

/// Runs `out/NAME` as [`run`] does; returns the calls it made.
fn run_script(root: &Path, out: &Path, name: &str) -> Vec<Vec<String>> {
    use std::os::unix::fs::PermissionsExt;
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("aws"), FAKE_AWS).unwrap();
    std::fs::set_permissions(bin.join("aws"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let log = root.join("aws.log");
    let _ = std::fs::remove_file(&log);
    let script = out.join(name);
    let output = std::process::Command::new(&script)
        .current_dir(root)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("AWS_LOG", &log)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(
        output.status.success(),
        "{}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    let pwned: Vec<PathBuf> = walkdir::WalkDir::new(root.parent().unwrap())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "pwned")
        .map(|e| e.path().to_owned())
        .collect();
    assert!(pwned.is_empty(), "{pwned:?}\n{text}");
    let mut calls = Vec::new();
    let mut call = Vec::new();
    for field in std::fs::read(&log)
        .unwrap()
        .split(|b| *b == 0)
        .filter(|f| !f.is_empty())
    {
        if field == b"\x1e" {
            calls.push(std::mem::take(&mut call));
        } else {
            call.push(String::from_utf8(field.to_vec()).unwrap());
        }
    }
    calls
}

/// `calls` with the original names renamed, as the hostile run should have made them. A
/// `file://` path keeps the name as the file system sees it: only characters that need no
/// quoting, the rest `_`.
fn renamed(calls: &[Vec<String>], renames: &[(&str, &str)]) -> Vec<Vec<String>> {
    calls
        .iter()
        .map(|call| {
            call.iter()
                .map(|arg| {
                    let mut arg = arg.clone();
                    for (from, to) in renames {
                        let to = if arg.contains("=file://") {
                            trailcut::tighten::file_name(to)
                        } else {
                            (*to).to_owned()
                        };
                        arg = arg.replace(&format!("/{from}"), &format!("/{to}"));
                        arg = arg.replace(&format!("={from}"), &format!("={to}"));
                    }
                    arg
                })
                .collect()
        })
        .collect()
}

/// Differential run: the same tightening on the original and on the renamed store.
fn differential(args: &[&str], renames: &[(&str, &str)], scp_renames: &[(&str, &str)]) {
    let root = tempfile::tempdir().unwrap();
    let plain = root.path().join("plain");
    let hostile = root.path().join("hostile");
    store(&plain, &[], &[]);
    store(&hostile, renames, scp_renames);
    let plain_out = tighten(&plain, args);
    let expected = run(&plain, &plain_out);
    assert!(expected.iter().any(|call| call[0] != "sts"), "{expected:?}");
    if plain_out.join("rollback.sh").exists() {
        // The rollback ran and undid something: the previous default version is back.
        assert!(
            expected.iter().any(|call| call
                .get(1)
                .is_some_and(|v| v == "set-default-policy-version")),
            "{expected:?}"
        );
    }
    let hostile_args: Vec<String> = args
        .iter()
        .map(|a| {
            renames
                .iter()
                .chain(scp_renames)
                .find(|(from, _)| from == a)
                .map_or((*a).to_owned(), |(_, to)| (*to).to_owned())
        })
        .collect();
    let hostile_args: Vec<&str> = hostile_args.iter().map(String::as_str).collect();
    let out = tighten(&hostile, &hostile_args);
    let calls = run(&hostile, &out);
    let all: Vec<(&str, &str)> = renames.iter().chain(scp_renames).copied().collect();
    assert_eq!(calls, renamed(&expected, &all));
    // The documents the commands point at are where they say.
    for call in &calls {
        for arg in call {
            if let Some((_, path)) = arg.split_once("=file://") {
                assert!(out.join(path).is_file(), "{path}");
            }
        }
    }
    // No comment carries a raw line break or carriage return: the only ones in the
    // scripts are inside a quoted word, as the name holds them.
    for name in ["apply.sh", "rollback.sh", "cleanup.sh"] {
        let script = std::fs::read_to_string(out.join(name)).unwrap_or_default();
        for line in script.lines().filter(|l| l.starts_with('#')) {
            assert!(!line.contains('\r'), "{name}: {line:?}");
        }
    }
}

#[test]
fn iam_scripts_carry_hostile_group_and_policy_names_as_plain_arguments() {
    differential(
        &["--group", "Development", "--level", "service"],
        RENAMES,
        &[],
    );
}

#[test]
fn scp_scripts_carry_a_hostile_scp_name_as_a_plain_argument() {
    differential(
        &[
            "--scp",
            "NewServiceTest",
            "--org-entity",
            "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111",
            "--days",
            "180",
            "--partial-trail",
        ],
        &[],
        SCP_RENAMES,
    );
}

#[test]
fn an_organizations_id_that_organizations_could_not_hold_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("targets.json");
    std::fs::write(&file, r#"{"Targets": []}"#).unwrap();
    trailcut()
        .arg("--store")
        .arg(dir.path())
        .args(["org", "ingest", "--policy-id", "p-7hq2c4xz;touch pwned"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "`p-7hq2c4xz;touch pwned` is not an Organizations policy id",
        ));
}
