//! `trailcut report` on the sample, read back in a real browser: headless Chromium loads
//! the page from a file, a script the test adds reads the figures out of the DOM the
//! browser built, and any console message (an error, an uncaught exception, a script that
//! does not parse) fails the test. The figures are checked against the store and the plans.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use trailcut::cli::demo::STORIES;

use crate::common::{rows, sample_store, trailcut};

/// The Chromium to drive: `TRAILCUT_CHROMIUM`, else `chromium` on the PATH (`.ci/run`
/// installs Debian's package when it is missing).
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("TRAILCUT_CHROMIUM") {
        return PathBuf::from(path);
    }
    for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        for name in ["chromium", "chromium-browser"] {
            let path = dir.join(name);
            if path.is_file() {
                return path;
            }
        }
    }
    panic!(
        "the report test needs Chromium: `apt-get install chromium` (.ci/run installs it), or \
         set TRAILCUT_CHROMIUM to its path"
    );
}

/// Loads `page` in headless Chromium: the DOM after its scripts ran, and every console
/// message the page produced.
fn browse(page: &Path) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect();
    assert!(output.status.success(), "chromium failed: {stderr}");
    (String::from_utf8(output.stdout).unwrap(), console)
}

/// Reads the page's figures out of the DOM, into `<pre id="extract">` as JSON. Added after
/// the page's own script, so the table sorting it checks is the page's.
const EXTRACT: &str = r#"<script>
(function () {
  function num(td) { return Number(td.getAttribute('data-n')); }
  var out = { services: {}, maps: [], plans: [] };
  out.events = document.querySelector('#fig-events b').textContent;
  document.querySelectorAll('#services tbody tr').forEach(function (tr) {
    out.services[tr.getAttribute('data-service')] = num(tr.cells[1]);
  });
  document.querySelectorAll('.map').forEach(function (m) {
    var stopped = m.querySelector('.stopped');
    out.maps.push({ kind: m.getAttribute('data-kind'), title: m.querySelector('h3').textContent,
                    cells: m.querySelectorAll('svg rect').length,
                    stopped: stopped ? stopped.textContent : '' });
  });
  document.querySelectorAll('.plan').forEach(function (p) {
    var items = [], silent = 0, diffs = [];
    p.querySelectorAll('tr[data-item]').forEach(function (tr) {
      items.push([tr.getAttribute('data-item'), tr.getAttribute('data-decision')]);
    });
    p.querySelectorAll('details.silent').forEach(function (d) { silent += Number(d.getAttribute('data-silent')); });
    p.querySelectorAll('table.diff').forEach(function (t) {
      diffs.push({ removed: Number(t.getAttribute('data-removed-lines')),
                   added: Number(t.getAttribute('data-added-lines')),
                   after: Array.prototype.map.call(t.querySelectorAll('td.ins, td.chg-new'),
                                                   function (c) { return c.textContent; }).join('\n') });
    });
    out.plans.push({ name: p.getAttribute('data-plan'), kind: p.getAttribute('data-kind'),
                     items: items, silent: silent, diffs: diffs,
                     replayed: Number(p.querySelector('[data-replayed]').getAttribute('data-replayed')),
                     regressions: Number(p.querySelector('[data-regressions]').getAttribute('data-regressions')),
                     scripts: p.querySelectorAll('details pre').length });
  });
  var th = document.querySelectorAll('#services th')[1];
  th.click();
  var up = num(document.querySelector('#services tbody tr').cells[1]);
  th.click();
  var down = num(document.querySelector('#services tbody tr').cells[1]);
  out.sorted = [up, down];
  var pre = document.createElement('pre');
  pre.id = 'extract';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"#;

/// The JSON the extract script left in the dumped DOM.
fn extracted(dom: &str) -> Value {
    let start = dom
        .find("<pre id=\"extract\">")
        .expect("the extract script ran")
        + 18;
    let end = start + dom[start..].find("</pre>").unwrap();
    let text = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    serde_json::from_str(&text).unwrap()
}

/// The sample's report with the plans of stories 1 (Development), 2 (nikhilj) and 4 (the
/// OU's SCP), and the page with the extract script added.
fn sample_report() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let plans = dir.path().join("plans");
    for story in [&STORIES[0], &STORIES[1], &STORIES[3]] {
        trailcut()
            .arg("--store")
            .arg(sample_store())
            .arg("tighten")
            .args(story.args)
            .arg("--out")
            .arg(plans.join(story.name))
            .assert()
            .success();
    }
    let page = dir.path().join("report.html");
    let out = trailcut()
        .arg("--store")
        .arg(sample_store())
        .args(["report", "--plans"])
        .arg(&plans)
        .arg("--out")
        .arg(&page)
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("3 plans"), "{stdout}");
    let html = std::fs::read_to_string(&page).unwrap();
    let probe = dir.path().join("probe.html");
    let at = html.rfind("</body>").expect("a whole page");
    std::fs::write(&probe, format!("{}{EXTRACT}{}", &html[..at], &html[at..])).unwrap();
    (dir, page, probe)
}

fn plan_json(dir: &Path, story: &str) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(dir.join("plans").join(story).join("plan.json")).unwrap(),
    )
    .unwrap()
}

/// (name, decision) of the items a plan lists in full, and how many it counts per service.
fn expected_items(items: &[&Value]) -> (BTreeSet<(String, String)>, usize) {
    let mut shown = BTreeSet::new();
    let mut silent = 0;
    for item in items {
        let decision = item["decision"].as_str().unwrap();
        let quiet = decision != "kept"
            && item["kept"] != Value::Bool(true)
            && item.get("evidence").is_none()
            && item.get("before").is_none();
        if quiet {
            silent += 1;
        } else {
            shown.insert((
                item["name"].as_str().unwrap().to_owned(),
                decision.to_owned(),
            ));
        }
    }
    (shown, silent)
}

fn dom_items(plan: &Value) -> BTreeSet<(String, String)> {
    plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_sample_report_opens_in_chromium_without_a_console_message_and_holds_the_store_figures() {
    let (dir, page, probe) = sample_report();
    // The page as written: nothing on the console.
    let (_, console) = browse(&page);
    assert!(console.is_empty(), "console messages: {console:#?}");
    let (dom, console) = browse(&probe);
    assert!(console.is_empty(), "console messages: {console:#?}");
    let got = extracted(&dom);

    // Events and calls per service, against the events table itself.
    let store = sample_store();
    let total = rows(store, "SELECT count(*) AS n FROM events")[0]["n"]
        .as_i64()
        .unwrap();
    assert_eq!(
        got["events"].as_str().unwrap().replace(',', ""),
        total.to_string()
    );
    let per_service: BTreeMap<String, i64> = rows(
        store,
        "SELECT coalesce(iam_service, eventsource) AS s, count(*) AS n FROM events GROUP BY 1",
    )
    .into_iter()
    .map(|r| {
        (
            r["s"].as_str().unwrap().to_owned(),
            r["n"].as_i64().unwrap(),
        )
    })
    .collect();
    let shown: BTreeMap<String, i64> = got["services"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
        .collect();
    assert_eq!(shown, per_service);
    // The page's own script sorts: ascending, then descending.
    let max = per_service.values().max().unwrap();
    let min = per_service.values().min().unwrap();
    assert_eq!(got["sorted"], serde_json::json!([min, max]));

    // The Development group's heatmap, with the services its members stopped using: each
    // service story 1 removed on the trail's evidence before the window.
    let maps = got["maps"].as_array().unwrap();
    let development = maps
        .iter()
        .find(|m| m["kind"] == "group" && m["title"] == "group Development")
        .expect("a heatmap of the Development group");
    assert!(development["cells"].as_u64().unwrap() > 20);
    let stopped = development["stopped"].as_str().unwrap();
    let dev_plan = plan_json(dir.path(), STORIES[0].name);
    let mut left = 0;
    for policy in dev_plan["policies"].as_array().unwrap() {
        for item in policy["items"].as_array().unwrap() {
            let trail_before = item["before"]["sources"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s == "trail"));
            if item["decision"] == "removed" && trail_before && item["name"] != "iam" {
                let name = item["name"].as_str().unwrap();
                assert!(
                    stopped.contains(&format!("{name} (")),
                    "{name} not in {stopped}"
                );
                left += 1;
            }
        }
    }
    assert!(
        left >= 5,
        "story 1 removes cloudformation, dynamodb, lambda, sns, sqs: {left}"
    );

    // Each plan: its items and decisions as plan.json has them, a side-by-side view, the
    // replay, the scripts.
    let plans = got["plans"].as_array().unwrap();
    assert_eq!(plans.len(), 3);
    let find = |name: &str| plans.iter().find(|p| p["name"] == name).unwrap();
    for (story, name) in [
        (STORIES[0].name, "Development"),
        (STORIES[1].name, "nikhilj"),
    ] {
        let plan = plan_json(dir.path(), story);
        let all: Vec<&Value> = plan["policies"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["items"].as_array().unwrap())
            .collect();
        let (shown, silent) = expected_items(&all);
        let dom = find(name);
        assert_eq!(dom_items(dom), shown, "{name}");
        assert_eq!(dom["silent"].as_u64().unwrap() as usize, silent, "{name}");
        assert_eq!(dom["replayed"], plan["replay"]["events"], "{name}");
        assert_eq!(dom["regressions"].as_u64().unwrap(), 0);
        assert!(
            dom["scripts"].as_u64().unwrap() >= 2,
            "{name}: apply.sh and rollback.sh"
        );
        let changed = plan["policies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| !["unchanged", "left-with-group"].contains(&p["outcome"].as_str().unwrap()))
            .count();
        assert!(
            !dom["diffs"].as_array().unwrap().is_empty() && changed > 0,
            "{name}"
        );
        for diff in dom["diffs"].as_array().unwrap() {
            assert!(diff["removed"].as_u64().unwrap() > 0, "{name}: {diff}");
        }
    }
    // nikhilj: App-Dev-ElasticTranscoder emptied (every line of it removed, nothing after)
    // and the AWS managed AutoScalingFullAccess cut to the autoscaling he used.
    let nikhilj = find("nikhilj");
    let diffs = nikhilj["diffs"].as_array().unwrap();
    assert!(
        diffs.iter().any(
            |d| d["after"].as_str().unwrap().starts_with("(nothing left")
                && d["removed"].as_u64().unwrap() > 5
        ),
        "{nikhilj}"
    );
    assert!(dom_items(nikhilj).contains(&("autoscaling".to_owned(), "kept".to_owned())));
    // The OU's SCP: a Deny for each service the accounts stopped using, shown as added.
    let scp_plan = plan_json(dir.path(), STORIES[3].name);
    let scp = find("NewServiceTest");
    assert_eq!(scp["kind"], "scp");
    let services: Vec<&Value> = scp_plan["services"].as_array().unwrap().iter().collect();
    assert_eq!(dom_items(scp), expected_items(&services).0);
    let diff = &scp["diffs"][0];
    assert!(diff["added"].as_u64().unwrap() > 0, "{diff}");
    let after = diff["after"].as_str().unwrap();
    assert!(after.contains("\"Deny\""), "{after}");
    for service in services.iter().filter(|s| s["decision"] == "removed") {
        let name = service["name"].as_str().unwrap();
        assert!(
            after.contains(&format!("\"{name}:*\"")),
            "{name} not denied in {after}"
        );
    }
}

#[test]
fn the_browser_check_sees_a_broken_script() {
    // The check above relies on Chromium logging console messages to stderr: a page with
    // an error must show one, or the check could pass on a broken page.
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("broken.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><p>x</p><script>undefinedFunction();</script>\
         <script>var a = ;</script></body></html>",
    )
    .unwrap();
    let (dom, console) = browse(&page);
    assert!(dom.contains("<p>x</p>"));
    assert_eq!(console.len(), 2, "{console:#?}");
    assert!(console[0].contains("undefinedFunction"), "{console:#?}");
}

#[test]
fn hostile_names_stay_text_and_bad_plans_are_named() {
    // A plan folder holding a plan.json that is not one, and a scope that matches nobody:
    // the page is still written, the bad file named, exit status 1.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("odd")).unwrap();
    std::fs::write(dir.path().join("odd/plan.json"), "{\"scope\": 3}").unwrap();
    let page = dir.path().join("r.html");
    let out = trailcut()
        .arg("--store")
        .arg(sample_store())
        .args([
            "report",
            "--principal",
            "<script>alert(1)</script>",
            "--plans",
        ])
        .arg(dir.path())
        .arg("--out")
        .arg(&page)
        .assert()
        .code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("odd/plan.json: not a trailcut plan"),
        "{stderr}"
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("<script>alert"), "the scope is escaped");
    assert!(html.contains("principal &lt;script&gt;alert(1)&lt;/script&gt;"));
    // No events in scope: the principal table is empty, not an error.
    assert!(html.contains("<table class=\"sortable\" id=\"principal-table\">"));
}

#[test]
fn tighten_computes_the_plans_of_the_scope() {
    // --tighten with --group: that group's plan, the same cut story 1 makes at that level.
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("g.html");
    trailcut()
        .arg("--store")
        .arg(sample_store())
        .args([
            "report",
            "--group",
            "Development",
            "--tighten",
            "service",
            "--days",
            "90",
            "--out",
        ])
        .arg(&page)
        .assert()
        .success();
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("<div class=\"plan\"").count(), 1);
    assert!(html.contains("data-plan=\"Development\" data-kind=\"group\""));
    assert!(html.contains("computed with --tighten service"));
    for kept in ["cloudtrail", "ec2", "kms", "logs", "s3"] {
        assert!(
            html.contains(&format!("data-item=\"{kept}\" data-decision=\"kept\"")),
            "{kept}"
        );
    }
    assert!(html.contains("data-item=\"lambda\" data-decision=\"removed\""));
    // One subject at a time, and a pattern is none.
    for args in [
        &["--group", "Development", "--role", "ci-deploy"][..],
        &["--principal", "nikhilj"][..],
    ] {
        trailcut()
            .arg("--store")
            .arg(sample_store())
            .arg("report")
            .args(args)
            .args(["--tighten", "service", "--out"])
            .arg(dir.path().join("x.html"))
            .assert()
            .code(2)
            .stderr(predicates::str::contains("--tighten tightens"));
    }
    assert!(!dir.path().join("x.html").exists());
    // Only the group's members are in the principal table.
    assert!(html.contains("user/dev-ana") && !html.contains("user/nikhilj\">"));
}

/// `report` over `store` into a temporary page: its exit status and the page.
fn page_of(store: &Path, args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("r.html");
    let out = trailcut()
        .arg("--store")
        .arg(store)
        .arg("report")
        .args(args)
        .arg("--out")
        .arg(&page)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(code < 2, "{}", String::from_utf8_lossy(&out.stderr));
    (code, std::fs::read_to_string(&page).unwrap())
}

#[test]
fn what_the_store_lacks_is_said_not_counted_as_zero() {
    // A trail without IAM details: granted is unknown (n/a), not 0, and the page says why.
    let trail_only = tempfile::tempdir().unwrap();
    crate::common::ingest(trail_only.path(), &[crate::common::sample_trail()]);
    let (code, html) = page_of(trail_only.path(), &[]);
    assert_eq!(code, 0);
    assert!(
        html.contains("The store&#39;s `principals` table is empty"),
        "warning shown"
    );
    let table = &html[html.find("id=\"principal-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let principals = table.matches("<tr data-principal=").count();
    assert!(principals > 10);
    assert_eq!(
        table.matches(">n/a</td>").count(),
        2 * principals,
        "granted: n/a twice a row"
    );
    // IAM details without a trail: every user and role is idle, the plans still show.
    let iam_only = tempfile::tempdir().unwrap();
    crate::common::ingest_sample_iam(iam_only.path());
    let (code, html) = page_of(iam_only.path(), &[]);
    assert_eq!(code, 1, "no event: a warning");
    let idle = &html[html.find("id=\"idle\"").unwrap()..];
    assert!(idle.contains("user/nikhilj"), "every principal is idle");
}

#[test]
fn a_boundary_is_not_an_unattached_policy_and_replay_caveats_show() {
    let (dir, page, _) = sample_report();
    let html = std::fs::read_to_string(&page).unwrap();
    let orphans = &html[html.find("id=\"orphans\"").unwrap()..];
    let orphans = &orphans[..orphans.find("</table>").unwrap()];
    assert!(
        !orphans.contains("CIDeployBoundary"),
        "ci-deploy's boundary is in use"
    );
    // nikhilj's replay left some actions uncompared: the page says so next to its verdict.
    let plan = plan_json(dir.path(), STORIES[1].name);
    let n = plan["replay"]["not_comparable"].as_u64().unwrap();
    assert!(n > 0);
    assert!(
        html.contains(&format!(
            "{n} actions were not allowed for certain before either"
        )),
        "caveat of {n}"
    );
}

#[test]
fn a_long_window_keeps_the_page_small() {
    // Two events five years apart and many accounts: the charts put several days in a cell
    // and draw the busiest account and region pairs only.
    let dir = tempfile::tempdir().unwrap();
    let trail = dir.path().join("trail");
    std::fs::create_dir(&trail).unwrap();
    let mut records = Vec::new();
    for account in 0..30 {
        for region in ["us-east-1", "eu-west-1", "ap-south-1"] {
            for (i, time) in ["2021-11-01T10:00:00Z", "2026-11-01T10:00:00Z"]
                .iter()
                .enumerate()
            {
                records.push(serde_json::json!({
                    "eventVersion": "1.08", "eventTime": time, "eventSource": "s3.amazonaws.com",
                    "eventName": "ListBuckets", "awsRegion": region,
                    "eventID": format!("{account}-{region}-{i}"),
                    "recipientAccountId": format!("{:012}", 100000000000u64 + account),
                    "userIdentity": {"type": "IAMUser", "accountId": format!("{:012}", 100000000000u64 + account),
                                     "arn": format!("arn:aws:iam::{:012}:user/u{account}", 100000000000u64 + account)},
                }));
            }
        }
    }
    std::fs::write(
        trail.join("t.json"),
        serde_json::json!({ "Records": records }).to_string(),
    )
    .unwrap();
    let store = dir.path().join("store");
    crate::common::ingest(&store, &[trail]);
    let (_, html) = page_of(&store, &[]);
    assert!(html.len() < 2_000_000, "{} bytes", html.len());
    assert!(
        html.contains("each cell is 16 days"),
        "5 years in 120 columns"
    );
    assert!(html.contains("30 quieter account and region pairs left out"));
}
