//! Deterministic generator of realistic synthetic CloudTrail trails, for benchmarks and tests.
//!
//! Owns everything under `src/synth/`: the organisation model (accounts, principals, resources),
//! the catalog of real services and event names, record writing, and the on-disk layout.
//! [`generate`] writes gzipped files in the real S3 layout
//! (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/...json.gz`) plus `ground-truth.json`,
//! which counts successes and errors per principal and call so that query results can be
//! checked against it, and `iam/authorization-details-<account>.json`, an IAM snapshot in
//! which every user and role has a `*` policy ([`iam`]).
//!
//! Output is a pure function of the options other than `out` and `threads`: the same seed gives
//! byte-identical files forever, whatever the thread count. Every file gets its own random
//! stream (from the seed and the file's index in a plan made up front), workers write whole
//! files, and per-file tallies are summed. Memory stays bounded: one file is built at a time
//! per worker, and the plan holds a few bytes per file.

mod bodies;
mod catalog;
pub mod iam;
mod json;
mod record;
mod rng;
mod world;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use chrono::NaiveDate;
use flate2::{Compression, GzBuilder};
use serde::{Deserialize, Serialize};

use catalog::PType;
use record::{Scratch, write_record};
use rng::{Rng, Weighted};
use world::{REGION_WEIGHTS, REGIONS, World};

/// Seconds in one delivery window (one file per account, region and window).
const WINDOW: i64 = 300;
/// Fewest and most events per file.
const MIN_FILE: u64 = 50;
const MAX_FILE: u64 = 500;
/// Stream tags, so that the plan, the world and the files draw from unrelated streams.
const PLAN_STREAM: u64 = 0x504c_414e;
const FILE_STREAM: u64 = 0x4649_4c45;

/// What to generate and where.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// Total events to write.
    pub events: u64,
    /// Output directory (created).
    pub out: PathBuf,
    /// Seed: the same seed and options give byte-identical output.
    pub seed: u64,
    /// First day covered (UTC).
    pub start: NaiveDate,
    /// Number of days covered.
    pub days: u32,
    /// Worker threads for generating and gzipping (0: available parallelism).
    pub threads: usize,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            events: 100_000,
            out: PathBuf::from("trail"),
            seed: 1,
            start: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or(NaiveDate::MIN),
            days: 30,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct GenSummary {
    /// Records written (always `options.events`).
    pub events: u64,
    /// `.json.gz` files written.
    pub files: u64,
    /// Total size of the gzipped files.
    pub bytes_gz: u64,
    /// Total size of the JSON before compression.
    pub bytes_json: u64,
    /// Distinct `principal_arn`s that made at least one call (entries in the ground truth).
    pub principals: usize,
    /// Accounts in the organisation.
    pub accounts: usize,
    /// Wall-clock time taken.
    pub seconds: f64,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// Reading or writing a file or directory failed.
    #[error("`{path}`: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Writing the ground truth failed.
    #[error("`{path}`: {source}")]
    Json {
        /// The ground-truth file.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
    /// The output directory already holds a trail; files of different seeds would mix.
    #[error("`{path}`: output directory already holds a trail, remove it or choose another")]
    NotEmpty {
        /// The existing `AWSLogs` directory.
        path: PathBuf,
    },
    /// The options cannot be honoured.
    #[error("invalid options: {0}")]
    Options(&'static str),
}

/// `ground-truth.json`: what the trail contains, per principal and call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// The seed used.
    pub seed: u64,
    /// Total records.
    pub events: u64,
    /// Total files.
    pub files: u64,
    /// One entry per `principal_arn`, sorted by it.
    pub principals: Vec<TruthPrincipal>,
}

/// One principal in the ground truth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthPrincipal {
    /// User/root ARN, role ARN (with path) for assumed roles, or `invokedBy` for services.
    pub principal_arn: String,
    /// `IAMUser`, `AssumedRole`, `AWSService` or `Root`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Calls made, sorted by eventSource then eventName.
    pub calls: Vec<TruthCall>,
}

/// One call of a principal in the ground truth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthCall {
    /// `eventSource`.
    #[serde(rename = "eventSource")]
    pub event_source: String,
    /// `eventName`.
    #[serde(rename = "eventName")]
    pub event_name: String,
    /// Records without `errorCode`.
    pub successes: u64,
    /// Records with `errorCode`.
    pub errors: u64,
}

/// One planned file.
#[derive(Debug, Clone, Copy)]
struct FilePlan {
    window: u32,
    account: u8,
    region: u8,
    count: u32,
}

/// Counts per (principal, call) made by one worker: `[successes, errors]`.
type Tally = HashMap<(u32, u16), [u64; 2]>;

/// Successes and errors per (eventSource, eventName).
type CallCounts<K> = BTreeMap<(K, K), [u64; 2]>;

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> GenError + '_ {
    move |source| GenError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Relative activity per UTC hour (US business hours dominate, Europe and APAC add shoulders).
const HOURLY: [f64; 24] = [
    0.35, 0.25, 0.2, 0.15, 0.12, 0.12, 0.2, 0.45, 0.6, 0.65, 0.6, 0.55, 0.7, 1.0, 1.2, 1.25, 1.2,
    1.15, 1.1, 1.0, 0.9, 0.75, 0.6, 0.45,
];

/// Weight of each 5-minute window: automation all day, nightly batch, human hours on weekdays.
fn window_weights(seed: u64, start_day: i64, days: u32) -> Vec<f64> {
    let per_day = (86_400 / WINDOW) as usize;
    let mut out = Vec::with_capacity(days as usize * per_day);
    for d in 0..i64::from(days) {
        let day = start_day + d;
        let weekday = (day + 3).rem_euclid(7) < 5; // 1970-01-01 was a Thursday.
        let jitter = 0.85 + 0.3 * Rng::stream(&[seed, 0x0044_4159, day as u64]).f64();
        for wi in 0..per_day {
            let hour = wi * WINDOW as usize / 3600;
            let human = HOURLY[hour] * if weekday { 1.0 } else { 0.2 };
            let batch = if hour == 2 { 0.6 } else { 0.0 };
            out.push((0.45 + batch + human) * jitter);
        }
    }
    out
}

/// Splits `events` into files and gives each an account, region and window.
fn plan(world: &World, seed: u64, start_day: i64, days: u32, events: u64) -> Vec<FilePlan> {
    let weights = window_weights(seed, start_day, days);
    let max_w = weights.iter().copied().fold(0.0, f64::max);
    let windows = Weighted::new(weights.iter().copied());
    let regions = Weighted::new(REGION_WEIGHTS);
    let mut rng = Rng::stream(&[seed, PLAN_STREAM]);
    let mut files = Vec::new();
    let mut remaining = events;
    while remaining > 0 {
        let window = windows.sample(&mut rng);
        let busy = weights[window] / max_w;
        let u = rng.f64();
        let share = (busy * (0.25 + 0.75 * u)).min(1.0);
        let mut count = MIN_FILE + ((MAX_FILE - MIN_FILE) as f64 * share) as u64;
        if remaining < count + MIN_FILE {
            count = remaining;
        }
        remaining -= count;
        files.push(FilePlan {
            window: window as u32,
            account: world.account_pick.sample(&mut rng) as u8,
            region: regions.sample(&mut rng) as u8,
            count: count as u32,
        });
    }
    // File order follows time; ties keep draw order, so the plan stays deterministic.
    files.sort_by_key(|f| (f.window, f.account, f.region));
    files
}

struct Worker<'a> {
    world: &'a World,
    plan: &'a [FilePlan],
    out: &'a Path,
    seed: u64,
    start: i64,
    json: Vec<u8>,
    gz: Vec<u8>,
    scratch: Scratch,
    dirs: HashSet<PathBuf>,
    tally: Tally,
    bytes_json: u64,
    bytes_gz: u64,
}

impl Worker<'_> {
    fn file(&mut self, index: usize) -> Result<u64, GenError> {
        let w = self.world;
        let f = self.plan[index];
        let mut rng = Rng::stream(&[self.seed, FILE_STREAM, index as u64]);
        let suffix = rng.alnum(16);
        let acct = &w.accounts[f.account as usize];
        let region = f.region as usize;
        let t0 = self.start + i64::from(f.window) * WINDOW;

        // Times within the window, in order.
        let mut offsets: Vec<u16> = (0..f.count)
            .map(|_| rng.below(WINDOW as u64) as u16)
            .collect();
        offsets.sort_unstable();

        // A handful of principals are active in any 5 minutes.
        let k = 2 + rng.below(7) as usize;
        let mut active: Vec<usize> = Vec::with_capacity(k);
        for _ in 0..k {
            let pi = acct.principals[acct.pick[region].sample(&mut rng)];
            if !active.contains(&pi) {
                active.push(pi);
            }
        }
        let active_pick = Weighted::new(active.iter().map(|&pi| w.principals[pi].weight));

        self.json.clear();
        self.json.extend_from_slice(b"{\"Records\":[");
        let mut prev: Option<(usize, usize)> = None;
        for (i, &off) in offsets.iter().enumerate() {
            if i > 0 {
                self.json.push(b',');
            }
            let (pi, rank) = match prev {
                Some(p) if rng.chance(0.2) => p,
                _ => {
                    let pi = active[active_pick.sample(&mut rng)];
                    let p = &w.principals[pi];
                    let rank = if region == 0 {
                        p.pick_all.sample(&mut rng)
                    } else {
                        p.pick_regional.sample(&mut rng)
                    };
                    (pi, rank)
                }
            };
            prev = Some((pi, rank));
            let t = t0 + i64::from(off);
            let error = write_record(
                &mut self.json,
                w,
                pi,
                rank,
                region,
                t,
                &mut rng,
                &mut self.scratch,
            );
            let call = w.principals[pi].calls[rank];
            self.tally.entry((pi as u32, call)).or_default()[usize::from(error)] += 1;
        }
        self.json.extend_from_slice(b"]}");

        // Path: AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<stamp>_<suffix>.json.gz
        let (y, m, d) = json::civil(t0.div_euclid(86_400));
        let secs = t0.rem_euclid(86_400);
        let region_name = REGIONS[region];
        let dir = self
            .out
            .join("AWSLogs")
            .join(&acct.id)
            .join("CloudTrail")
            .join(region_name)
            .join(format!("{y:04}"))
            .join(format!("{m:02}"))
            .join(format!("{d:02}"));
        if !self.dirs.contains(&dir) {
            std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
            self.dirs.insert(dir.clone());
        }
        let name = format!(
            "{}_CloudTrail_{region_name}_{y:04}{m:02}{d:02}T{:02}{:02}Z_{suffix}.json.gz",
            acct.id,
            secs / 3600,
            secs / 60 % 60
        );
        let path = dir.join(name);
        let mut gz = GzBuilder::new()
            .mtime(0)
            .write(std::mem::take(&mut self.gz), Compression::new(6));
        gz.write_all(&self.json).map_err(io_err(&path))?;
        let compressed = gz.finish().map_err(io_err(&path))?;
        std::fs::write(&path, &compressed).map_err(io_err(&path))?;
        self.bytes_json += self.json.len() as u64;
        self.bytes_gz += compressed.len() as u64;
        self.gz = compressed;
        self.gz.clear();
        Ok(u64::from(f.count))
    }
}

/// Writes a synthetic trail of exactly `options.events` records under `options.out`.
///
/// `progress` is called from worker threads with the number of events just written (one call
/// per file), so it must be `Sync`.
pub fn generate(
    options: &GenOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<GenSummary, GenError> {
    let started = Instant::now();
    if options.days == 0 {
        return Err(GenError::Options("days must be at least 1"));
    }
    let out = options.out.as_path();
    let logs = out.join("AWSLogs");
    if logs.is_dir()
        && std::fs::read_dir(&logs)
            .map_err(io_err(&logs))?
            .next()
            .is_some()
    {
        return Err(GenError::NotEmpty { path: logs });
    }
    std::fs::create_dir_all(out).map_err(io_err(out))?;

    let world = World::build(options.seed, options.events);
    let start_day = options
        .start
        .signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN))
        .num_days();
    let start = start_day * 86_400;
    let plan = plan(
        &world,
        options.seed,
        start_day,
        options.days,
        options.events,
    );

    let threads = if options.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        options.threads
    }
    .clamp(1, plan.len().max(1));
    let next = AtomicUsize::new(0);
    let abort = AtomicBool::new(false);
    let first_error: Mutex<Option<(usize, GenError)>> = Mutex::new(None);
    let results: Vec<(Tally, u64, u64)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut worker = Worker {
                        world: &world,
                        plan: &plan,
                        out,
                        seed: options.seed,
                        start,
                        json: Vec::with_capacity(1 << 20),
                        gz: Vec::with_capacity(1 << 18),
                        scratch: Scratch::default(),
                        dirs: HashSet::new(),
                        tally: Tally::new(),
                        bytes_json: 0,
                        bytes_gz: 0,
                    };
                    while !abort.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= plan.len() {
                            break;
                        }
                        match worker.file(i) {
                            Ok(n) => progress(n),
                            Err(e) => {
                                abort.store(true, Ordering::Relaxed);
                                if let Ok(mut slot) = first_error.lock() {
                                    // Report the earliest failing file, whichever thread saw it.
                                    if slot.as_ref().is_none_or(|(j, _)| i < *j) {
                                        *slot = Some((i, e));
                                    }
                                }
                                break;
                            }
                        }
                    }
                    (worker.tally, worker.bytes_json, worker.bytes_gz)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    if let Some((_, e)) = first_error.into_inner().ok().flatten() {
        return Err(e);
    }

    // Merge tallies (sums, so thread scheduling cannot change them).
    let mut by_principal: BTreeMap<&str, (PType, CallCounts<&str>)> = BTreeMap::new();
    let (mut bytes_json, mut bytes_gz) = (0, 0);
    for (tally, bj, bg) in &results {
        bytes_json += bj;
        bytes_gz += bg;
        for (&(pi, ci), counts) in tally {
            let p = &world.principals[pi as usize];
            let call = &world.calls[ci as usize];
            let entry = by_principal
                .entry(p.key.as_str())
                .or_insert_with(|| (p.ptype, BTreeMap::new()));
            let c = entry
                .1
                .entry((call.service().source, call.name))
                .or_default();
            c[0] += counts[0];
            c[1] += counts[1];
        }
    }
    let truth = GroundTruth {
        seed: options.seed,
        events: options.events,
        files: plan.len() as u64,
        principals: by_principal
            .into_iter()
            .map(|(arn, (ptype, calls))| TruthPrincipal {
                principal_arn: arn.to_string(),
                kind: ptype.as_str().to_string(),
                calls: calls
                    .into_iter()
                    .map(|((source, name), [ok, err])| TruthCall {
                        event_source: source.to_string(),
                        event_name: name.to_string(),
                        successes: ok,
                        errors: err,
                    })
                    .collect(),
            })
            .collect(),
    };
    let truth_path = out.join("ground-truth.json");
    let text = serde_json::to_vec_pretty(&truth).map_err(|source| GenError::Json {
        path: truth_path.clone(),
        source,
    })?;
    std::fs::write(&truth_path, text).map_err(io_err(&truth_path))?;
    let iam = out.join("iam");
    std::fs::create_dir_all(&iam).map_err(io_err(&iam))?;
    let created = format!("{}T00:00:00Z", options.start.format("%Y-%m-%d"));
    for (account, doc) in iam::authorization_details(&truth, &created) {
        let path = iam.join(format!("authorization-details-{account}.json"));
        let text = serde_json::to_vec_pretty(&doc).map_err(|source| GenError::Json {
            path: path.clone(),
            source,
        })?;
        std::fs::write(&path, text).map_err(io_err(&path))?;
    }

    Ok(GenSummary {
        events: options.events,
        files: plan.len() as u64,
        bytes_gz,
        bytes_json,
        principals: truth.principals.len(),
        accounts: world.accounts.len(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::io::Read;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let p =
                std::env::temp_dir().join(format!("trailcut-gen-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            TempDir(p)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn files(root: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        if !root.exists() {
            return out;
        }
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
        out.sort();
        out
    }

    fn digest(root: &Path) -> blake3::Hash {
        let mut h = blake3::Hasher::new();
        for f in files(root) {
            h.update(f.strip_prefix(root).unwrap().to_string_lossy().as_bytes());
            h.update(&std::fs::read(&f).unwrap());
        }
        h.finalize()
    }

    fn opts(dir: &Path, events: u64, threads: usize) -> GenOptions {
        GenOptions {
            events,
            out: dir.to_path_buf(),
            seed: 7,
            days: 7,
            threads,
            ..GenOptions::default()
        }
    }

    fn read_records(root: &Path) -> Vec<(PathBuf, Vec<serde_json::Value>)> {
        files(&root.join("AWSLogs"))
            .into_iter()
            .map(|f| {
                let mut text = String::new();
                flate2::read::GzDecoder::new(std::fs::File::open(&f).unwrap())
                    .read_to_string(&mut text)
                    .unwrap();
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                let records = v["Records"].as_array().unwrap().clone();
                (f, records)
            })
            .collect()
    }

    fn principal_arn(r: &serde_json::Value) -> String {
        let id = &r["userIdentity"];
        match id["type"].as_str().unwrap() {
            "AssumedRole" => id["sessionContext"]["sessionIssuer"]["arn"]
                .as_str()
                .unwrap()
                .to_string(),
            "AWSService" => id["invokedBy"].as_str().unwrap().to_string(),
            _ => id["arn"].as_str().unwrap().to_string(),
        }
    }

    #[test]
    fn same_seed_same_bytes_whatever_the_threads() {
        let a = TempDir::new("det-a");
        let b = TempDir::new("det-b");
        let sa = generate(&opts(&a.0, 3000, 1), &|_| {}).unwrap();
        let sb = generate(&opts(&b.0, 3000, 2), &|_| {}).unwrap();
        assert_eq!(digest(&a.0), digest(&b.0));
        assert_eq!(
            (sa.files, sa.bytes_gz, sa.bytes_json),
            (sb.files, sb.bytes_gz, sb.bytes_json)
        );
        let c = TempDir::new("det-c");
        let mut o = opts(&c.0, 3000, 2);
        o.seed = 8;
        generate(&o, &|_| {}).unwrap();
        assert_ne!(digest(&a.0), digest(&c.0));
    }

    #[test]
    fn files_are_valid_trails() {
        let dir = TempDir::new("valid");
        let events = 4000;
        let seen = AtomicUsize::new(0);
        let summary = generate(&opts(&dir.0, events, 2), &|n| {
            seen.fetch_add(n as usize, Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(seen.load(Ordering::Relaxed) as u64, events);
        assert_eq!(summary.events, events);
        let all = read_records(&dir.0);
        assert_eq!(all.len() as u64, summary.files);
        let mut ids = HashSet::new();
        let mut total = 0u64;
        let mut bytes = 0usize;
        let (mut errors, mut data) = (0u64, 0u64);
        let mut pairs = HashSet::new();
        for (path, records) in &all {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let rel = path.strip_prefix(dir.0.join("AWSLogs")).unwrap();
            let parts: Vec<_> = rel
                .iter()
                .map(|s| s.to_string_lossy().to_string())
                .collect();
            assert_eq!(parts.len(), 7, "{rel:?}");
            assert_eq!(parts[1], "CloudTrail");
            assert!(name.starts_with(&format!(
                "{}_CloudTrail_{}_{}{}{}T",
                parts[0], parts[2], parts[3], parts[4], parts[5]
            )));
            assert!(name.ends_with(".json.gz"));
            let suffix = &name[name.len() - 24..name.len() - 8];
            assert!(suffix.chars().all(|c| c.is_ascii_alphanumeric()), "{name}");
            assert!((1..=MAX_FILE as usize + MIN_FILE as usize).contains(&records.len()));
            let mut last = String::new();
            for r in records {
                total += 1;
                bytes += serde_json::to_string(r).unwrap().len();
                for k in [
                    "eventTime",
                    "eventSource",
                    "eventName",
                    "eventID",
                    "eventVersion",
                    "awsRegion",
                    "recipientAccountId",
                ] {
                    assert!(r[k].is_string(), "missing {k}: {r}");
                }
                let t = r["eventTime"].as_str().unwrap().to_string();
                assert!(t >= last, "records out of order in {name}");
                assert!(t.starts_with(&format!("{}-{}-{}T", parts[3], parts[4], parts[5])));
                last = t;
                assert!(
                    ids.insert(r["eventID"].as_str().unwrap().to_string()),
                    "duplicate eventID"
                );
                assert_eq!(r["recipientAccountId"], parts[0].as_str());
                if r.get("errorCode").is_some() {
                    errors += 1;
                    assert!(r["responseElements"].is_null());
                }
                if r["eventCategory"] == "Data" {
                    data += 1;
                    assert_eq!(r["managementEvent"], false);
                    assert!(r["resources"].is_array());
                }
                let region = r["awsRegion"].as_str().unwrap();
                assert!(region == parts[2] || region == "us-east-1");
                pairs.insert((
                    r["eventSource"].as_str().unwrap().to_string(),
                    r["eventName"].as_str().unwrap().to_string(),
                ));
                principal_arn(r);
            }
        }
        assert_eq!(total, events);
        let avg = bytes as f64 / total as f64;
        assert!((1000.0..3000.0).contains(&avg), "average record size {avg}");
        let error_rate = errors as f64 / total as f64;
        assert!(
            (0.01..0.07).contains(&error_rate),
            "error rate {error_rate}"
        );
        let data_rate = data as f64 / total as f64;
        assert!(
            (0.05..0.35).contains(&data_rate),
            "data event rate {data_rate}"
        );
        assert!(pairs.len() >= 100, "only {} distinct calls", pairs.len());
    }

    #[test]
    fn ground_truth_matches_files() {
        let dir = TempDir::new("truth");
        let events = 3000;
        let summary = generate(&opts(&dir.0, events, 2), &|_| {}).unwrap();
        let truth: GroundTruth =
            serde_json::from_slice(&std::fs::read(dir.0.join("ground-truth.json")).unwrap())
                .unwrap();
        assert_eq!(truth.events, events);
        assert_eq!(truth.files, summary.files);
        assert_eq!(truth.principals.len(), summary.principals);
        let sum: u64 = truth
            .principals
            .iter()
            .flat_map(|p| &p.calls)
            .map(|c| c.successes + c.errors)
            .sum();
        assert_eq!(sum, events);
        let arns: Vec<_> = truth
            .principals
            .iter()
            .map(|p| p.principal_arn.clone())
            .collect();
        let mut sorted = arns.clone();
        sorted.sort();
        assert_eq!(arns, sorted);

        // Recompute from the files.
        let mut counts: BTreeMap<String, (String, CallCounts<String>)> = BTreeMap::new();
        for (_, records) in read_records(&dir.0) {
            for r in records {
                let entry = counts.entry(principal_arn(&r)).or_insert_with(|| {
                    (
                        r["userIdentity"]["type"].as_str().unwrap().to_string(),
                        BTreeMap::new(),
                    )
                });
                let key = (
                    r["eventSource"].as_str().unwrap().to_string(),
                    r["eventName"].as_str().unwrap().to_string(),
                );
                entry.1.entry(key).or_default()[usize::from(r.get("errorCode").is_some())] += 1;
            }
        }
        let recomputed: Vec<TruthPrincipal> = counts
            .into_iter()
            .map(|(arn, (kind, calls))| TruthPrincipal {
                principal_arn: arn,
                kind,
                calls: calls
                    .into_iter()
                    .map(|((s, n), [ok, err])| TruthCall {
                        event_source: s,
                        event_name: n,
                        successes: ok,
                        errors: err,
                    })
                    .collect(),
            })
            .collect();
        assert_eq!(recomputed, truth.principals);
        let kinds: BTreeSet<_> = truth.principals.iter().map(|p| p.kind.as_str()).collect();
        for k in ["IAMUser", "AssumedRole", "AWSService"] {
            assert!(kinds.contains(k), "no {k} in {kinds:?}");
        }
    }

    #[test]
    fn exact_counts_for_small_and_empty_trails() {
        for events in [0u64, 1, 49, 50, 551] {
            let dir = TempDir::new(&format!("small-{events}"));
            let s = generate(&opts(&dir.0, events, 3), &|_| {}).unwrap();
            let n: usize = read_records(&dir.0).iter().map(|(_, r)| r.len()).sum();
            assert_eq!(n as u64, events);
            assert_eq!(s.events, events);
        }
    }

    #[test]
    fn refuses_to_mix_trails() {
        let dir = TempDir::new("mix");
        generate(&opts(&dir.0, 100, 1), &|_| {}).unwrap();
        let err = generate(&opts(&dir.0, 100, 1), &|_| {}).unwrap_err();
        assert!(matches!(err, GenError::NotEmpty { .. }), "{err}");
        assert!(err.to_string().contains("AWSLogs"));
    }

    /// `cargo test --release -- --ignored --nocapture bench_one_million`
    #[test]
    #[ignore]
    fn bench_one_million() {
        let dir = TempDir::new("bench");
        let events = std::env::var("GEN_EVENTS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000);
        let o = GenOptions {
            events,
            out: dir.0.clone(),
            ..GenOptions::default()
        };
        let s = generate(&o, &|_| {}).unwrap();
        eprintln!(
            "{} events, {} files, {:.1} MB gz, {:.1} MB json, avg record {:.0} B, {} principals, {} accounts, {:.2}s with {} threads",
            s.events,
            s.files,
            s.bytes_gz as f64 / 1e6,
            s.bytes_json as f64 / 1e6,
            s.bytes_json as f64 / s.events as f64,
            s.principals,
            s.accounts,
            s.seconds,
            o.threads
        );
    }
}
