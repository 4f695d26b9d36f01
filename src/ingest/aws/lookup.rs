//! `trailcut ingest --lookup-events`: CloudTrail event history (the last 90 days of
//! management events) through LookupEvents, one region at a time in parallel.
//!
//! The window is cut into UTC days per region. A day is one source object for the
//! pipeline, named `lookup-events://<account>/<region>/<YYYY-MM-DD>`: its events (the
//! `CloudTrailEvent` of every page) are decoded like NDJSON. A whole day that ended over
//! [`SETTLE`] ago is recorded in the manifest, so a re-run, or a run resumed after an
//! interruption, skips it; today's and partial days are read again each time, and their
//! events de-duplicate by eventID, like events also delivered to S3.
//!
//! LookupEvents allows two requests per second per account and region: requests of a
//! region are spaced [`REQUEST_SPACING`] apart, retries included. Throttling and
//! transient errors are retried here, not by the SDK, so that a retry keeps that spacing
//! and backs off exponentially on top of it.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_config::Region;
use aws_sdk_cloudtrail::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudtrail::primitives::DateTime;
use chrono::{NaiveDate, TimeDelta};
use tokio::sync::mpsc;

use super::{AwsOptions, Channel, Fetched, RemoteCounters, RemoteRun, describe, sdk_config};
use crate::ingest::source::SourceFile;
use crate::ingest::{IngestError, IngestObserver, IngestOptions, IngestReport, run};
use crate::store::Store;

/// Event history is complete for a period some minutes after it ends.
pub const SETTLE: Duration = Duration::from_secs(20 * 60);

/// At most two LookupEvents requests per second per region.
pub const REQUEST_SPACING: Duration = Duration::from_millis(500);

/// The largest page LookupEvents returns.
const PAGE: i32 = 50;

const DAY_MICROS: i64 = 86_400_000_000;

/// What to read from event history.
#[derive(Debug, Clone)]
pub struct LookupOptions {
    /// Credentials and the default region.
    pub aws: AwsOptions,
    /// Regions to read (`--trail-region`); the configured region when empty.
    pub regions: Vec<String>,
    /// Start of the window, microseconds since the epoch.
    pub since: i64,
    /// End of the window (exclusive), microseconds since the epoch.
    pub until: i64,
}

/// One day (or part of one) of one region's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The region.
    pub region: String,
    /// Its manifest name.
    pub path: String,
    /// Start, microseconds (inclusive).
    pub start: i64,
    /// End, microseconds (exclusive).
    pub end: i64,
    /// A whole day, over: recorded in the manifest once read.
    pub settled: bool,
}

/// Cuts `[since, until)` into UTC days for each region; `now` decides what is settled.
pub fn chunks(account: &str, regions: &[String], since: i64, until: i64, now: i64) -> Vec<Chunk> {
    let settle = SETTLE.as_micros() as i64;
    let mut out = Vec::new();
    for region in regions {
        let mut day_start = since.div_euclid(DAY_MICROS) * DAY_MICROS;
        while day_start < until {
            let day_end = day_start + DAY_MICROS;
            let (start, end) = (since.max(day_start), until.min(day_end));
            let date = chrono::DateTime::from_timestamp_micros(day_start)
                .map_or(NaiveDate::MIN, |t| t.date_naive());
            out.push(Chunk {
                region: region.clone(),
                path: format!("lookup-events://{account}/{region}/{date}"),
                start,
                end,
                settled: start == day_start && end == day_end && day_end + settle <= now,
            });
            day_start = day_end;
        }
    }
    out
}

/// Reads event history into the store.
pub fn ingest_lookup_events(
    store: &Store,
    lookup: &LookupOptions,
    options: &IngestOptions,
    observer: &dyn IngestObserver,
) -> Result<IngestReport, IngestError> {
    let RemoteRun {
        started,
        _lock,
        known,
        runtime,
    } = RemoteRun::open(store)?;
    let sdk = runtime
        .block_on(sdk_config(&lookup.aws))
        .map_err(IngestError::Remote)?;
    let account = runtime
        .block_on(aws_sdk_sts::Client::new(&sdk).get_caller_identity().send())
        .map_err(|e| {
            IngestError::Remote(format!(
                "cannot tell which account the credentials are for (sts:GetCallerIdentity): {}",
                describe(&e)
            ))
        })?
        .account()
        .unwrap_or_default()
        .to_owned();
    let regions = if lookup.regions.is_empty() {
        match sdk.region() {
            Some(region) => vec![region.to_string()],
            None => {
                return Err(IngestError::Remote(
                    "no region: give --trail-region (or --region, or set AWS_REGION)".into(),
                ));
            }
        }
    } else {
        lookup.regions.clone()
    };
    let now = chrono::Utc::now().timestamp_micros();
    let mut report = IngestReport::default();
    let stats = std::sync::Arc::new(RemoteCounters::default());
    let mut by_region = Vec::new();
    for region in &regions {
        let mut to_read = Vec::new();
        let region_chunks = chunks(
            &account,
            std::slice::from_ref(region),
            lookup.since,
            lookup.until,
            now,
        );
        for chunk in region_chunks {
            report.files += 1;
            if chunk.settled && known.contains(&chunk.path) {
                report.files_unchanged += 1;
                stats.not_fetched.fetch_add(1, Ordering::Relaxed);
            } else {
                to_read.push(chunk);
            }
        }
        by_region.push((region.clone(), to_read));
    }
    let days: u64 = by_region.iter().map(|(_, c)| c.len() as u64).sum();
    observer.started(days, 0);

    let (tx, rx) = mpsc::channel::<Fetched>(options.threads.max(1) * 2);

    for (region, chunks) in by_region {
        let conf = aws_sdk_cloudtrail::config::Builder::from(&sdk)
            .region(Region::new(region))
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build();
        let client = aws_sdk_cloudtrail::Client::from_conf(conf);
        let (tx, stats) = (tx.clone(), stats.clone());
        runtime.spawn(async move {
            let mut pacer = Pacer::default();
            let mut chunks = chunks.into_iter();
            while let Some(chunk) = chunks.next() {
                let fetched = read_chunk(&client, &chunk, &mut pacer, &stats.list_requests).await;
                let failed = matches!(fetched, Fetched::Failed(..));
                if tx.send(fetched).await.is_err() {
                    return;
                }
                // Errors that retries did not cure (no access, an unknown region) would
                // fail every later day the same way: stop the region with one message.
                if failed && let Some(next) = chunks.next() {
                    let mut file = SourceFile::new(PathBuf::from(&next.path), 0, next.end);
                    file.settled = false;
                    let message = format!(
                        "not read, with {} later day(s) of {}: the error above stopped the region",
                        chunks.len(),
                        next.region
                    );
                    let _ = tx.send(Fetched::Failed(file, message)).await;
                    return;
                }
            }
        });
    }
    drop(tx);
    let objects = Channel {
        rx: Mutex::new(rx),
        fetched: &stats.fetched,
    };
    let mut report = run(store, &known, &objects, report, started, options, observer)?;
    report.remote = Some(stats.stats(0.0));
    Ok(report)
}

/// Spaces one region's requests [`REQUEST_SPACING`] apart.
#[derive(Default)]
struct Pacer {
    next: Option<tokio::time::Instant>,
}

impl Pacer {
    async fn wait(&mut self) {
        if let Some(next) = self.next {
            tokio::time::sleep_until(next).await;
        }
        self.next = Some(tokio::time::Instant::now() + REQUEST_SPACING);
    }
}

/// Every page of one chunk, as NDJSON of the `CloudTrailEvent` records.
async fn read_chunk(
    client: &aws_sdk_cloudtrail::Client,
    chunk: &Chunk,
    pacer: &mut Pacer,
    requests: &AtomicU64,
) -> Fetched {
    let mut file = SourceFile::new(PathBuf::from(&chunk.path), 0, chunk.end);
    file.settled = chunk.settled;
    let mut body = Vec::new();
    let mut token = None;
    loop {
        let mut attempt = 1;
        let page = loop {
            pacer.wait().await;
            requests.fetch_add(1, Ordering::Relaxed);
            let sent = client
                .lookup_events()
                .start_time(DateTime::from_micros(chunk.start))
                .end_time(DateTime::from_micros(chunk.end - 1))
                .max_results(PAGE)
                .set_next_token(token.clone())
                .send()
                .await;
            match sent {
                Ok(page) => break page,
                Err(e) if attempt < ATTEMPTS && retryable(&e) => {
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                Err(e) => {
                    return Fetched::Failed(
                        file,
                        format!(
                            "LookupEvents failed after {attempt} attempts: {}",
                            describe(&e)
                        ),
                    );
                }
            }
        };
        for event in page.events() {
            if let Some(record) = event.cloud_trail_event() {
                body.extend_from_slice(record.trim().as_bytes());
                body.push(b'\n');
            }
        }
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => break,
        }
    }
    if body.is_empty() {
        // A day without events: an empty JSON array, which decodes to no records.
        body.extend_from_slice(b"[]");
    }
    file.size = body.len() as u64;
    Fetched::Read(file, body)
}

/// Attempts per LookupEvents request.
const ATTEMPTS: u32 = 8;

/// The wait before retry `attempt` (1, 2, ...): 1 s doubling up to 20 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1 << (attempt - 1).min(5)).min(Duration::from_secs(20))
}

/// True for throttling, server errors and failures to get any response.
fn retryable<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    match error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or_default();
            code.contains("Throttl")
                || code == "RequestLimitExceeded"
                || code == "TooManyRequestsException"
                || code.ends_with("ServiceUnavailable")
                || code == "InternalFailure"
                || code == "InternalServerError"
        }
        _ => false,
    }
}

/// Microseconds to the SDK's time.
trait FromMicros {
    fn from_micros(micros: i64) -> Self;
}

impl FromMicros for DateTime {
    fn from_micros(micros: i64) -> Self {
        DateTime::from_secs_and_nanos(
            micros.div_euclid(1_000_000),
            (micros.rem_euclid(1_000_000) * 1000) as u32,
        )
    }
}

/// The default window of `--lookup-events`: event history keeps 90 days.
pub fn default_since(now: i64) -> i64 {
    now - TimeDelta::days(90).num_microseconds().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_micros()
    }

    #[test]
    fn the_window_is_cut_into_days_and_only_whole_past_days_settle() {
        let now = micros("2024-03-03T00:10:00Z");
        let got = chunks(
            "111122223333",
            &["us-east-1".to_owned()],
            micros("2024-03-01T06:00:00Z"),
            now,
            now,
        );
        let summary: Vec<(&str, bool)> = got.iter().map(|c| (c.path.as_str(), c.settled)).collect();
        assert_eq!(
            summary,
            [
                ("lookup-events://111122223333/us-east-1/2024-03-01", false),
                // Whole, but ended 10 minutes ago: events may still arrive.
                ("lookup-events://111122223333/us-east-1/2024-03-02", false),
                ("lookup-events://111122223333/us-east-1/2024-03-03", false),
            ]
        );
        assert_eq!(got[0].start, micros("2024-03-01T06:00:00Z"));
        assert_eq!(got[1].end, micros("2024-03-03T00:00:00Z"));
        let later = micros("2024-03-03T01:00:00Z");
        let got = chunks(
            "1",
            &["a".to_owned(), "b".to_owned()],
            micros("2024-03-01T00:00:00Z"),
            later,
            later,
        );
        assert_eq!(got.len(), 6);
        assert!(got[0].settled && got[1].settled && !got[2].settled);
    }
}
