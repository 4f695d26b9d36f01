//! `trailcut ingest s3://BUCKET[/PREFIX]`: walks the CloudTrail layout of a bucket level by
//! level ([`layout`]), skips the objects the manifest has (same key and ETag), fetches
//! the rest with a bounded pool of concurrent GetObject calls and hands their bytes to
//! the shared decode and write pipeline ([`crate::ingest::run`]). Nothing is staged on
//! disk: objects go from the response body to the decoders in memory.
//!
//! Throttling (`SlowDown`, 503) and transient errors are retried by the SDK with backoff
//! (adaptive retry mode); a body cut short while streaming is fetched again here.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::sync::{Semaphore, mpsc};

use super::{AwsOptions, Channel, Fetched, RemoteCounters, RemoteRun, describe, sdk_config};
use crate::ingest::layout::{self, Level, Selection};
use crate::ingest::memory::{grew_too_large, too_large};
use crate::ingest::source::{SourceFile, delivery_date};
use crate::ingest::{IngestError, IngestObserver, IngestOptions, IngestReport, Problem, run};
use crate::store::Store;

/// `s3://bucket/prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    /// The bucket name.
    pub bucket: String,
    /// The key prefix, possibly empty.
    pub prefix: String,
}

impl S3Url {
    /// Parses `s3://bucket[/prefix]`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return None;
        }
        Some(Self {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }

    fn object(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }
}

/// How to reach S3 and how hard to pull.
#[derive(Debug, Clone)]
pub struct S3Options {
    /// Credentials, region, retries.
    pub aws: AwsOptions,
    /// An S3-compatible endpoint (path-style addressing is then used).
    pub endpoint_url: Option<String>,
    /// Requests in flight at once, listing and fetching.
    pub concurrency: usize,
}

/// One object found by listing.
#[derive(Debug, Clone)]
struct Listed {
    key: String,
    size: u64,
    modified: i64,
    etag: Option<String>,
}

/// Lists, fetches and ingests every selected object under `urls`.
pub fn ingest_s3(
    store: &Store,
    urls: &[S3Url],
    selection: &Selection,
    s3: &S3Options,
    options: &IngestOptions,
    observer: &dyn IngestObserver,
) -> Result<IngestReport, IngestError> {
    let RemoteRun {
        started,
        _lock,
        known,
        runtime,
    } = RemoteRun::open(store)?;
    let stats = RemoteCounters::default();
    let mut report = IngestReport::default();
    let mut to_fetch = Vec::new();
    for url in urls {
        let client = runtime.block_on(client_for(url, s3))?;
        let walked = runtime.block_on(walk(
            &client,
            url,
            selection,
            s3.concurrency,
            &stats,
            observer,
        ))?;
        for problem in walked.problems {
            report.files_failed += 1;
            observer.problem(&problem);
            report.problems.push(problem);
        }
        report.digests_skipped += walked.digests;
        report.files_ignored += walked.ignored;
        report.files_not_selected += walked.not_selected;
        for object in walked.objects {
            report.files += 1;
            let url_of = url.object(&object.key);
            // S3 lists every object with its ETag; some compatible stores do not, and
            // then key, size and last-modified stand in for it.
            let unchanged = match object.etag.as_deref() {
                Some(etag) => known.has_etag(&url_of, etag),
                None => known.has_path(&url_of, object.size, object.modified),
            };
            if unchanged {
                report.files_unchanged += 1;
                stats.not_fetched.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if object.size > options.decode_memory as u64 {
                // Not fetched: it could not be decoded within the memory budget.
                let problem = Problem {
                    path: PathBuf::from(&url_of),
                    message: too_large(object.size, options.decode_memory),
                };
                report.files_failed += 1;
                observer.problem(&problem);
                report.problems.push(problem);
                continue;
            }
            to_fetch.push((client.clone(), url.bucket.clone(), url_of, object));
        }
    }
    let list_seconds = started.elapsed().as_secs_f64();
    // Delivery-day order lets the writer finish each day in one go (as for local files).
    to_fetch.sort_by_cached_key(|(_, _, url, _)| {
        (delivery_date(std::path::Path::new(url)), url.clone())
    });
    observer.started(
        to_fetch.len() as u64,
        to_fetch.iter().map(|(.., o)| o.size).sum(),
    );

    let threads = options.threads.max(1);
    let (tx, rx) = mpsc::channel::<Fetched>(threads * 2);
    // Objects in flight are bounded in number and in bytes: a fetched body holds its
    // permits until a decoder takes it, so fetching never runs far ahead of decoding.
    let requests = std::sync::Arc::new(Semaphore::new(s3.concurrency.max(1)));
    let bytes = std::sync::Arc::new(Semaphore::new(FETCH_BUDGET_KIB));
    let limit = options.decode_memory;
    runtime.spawn(async move {
        for (client, bucket, url, object) in to_fetch {
            let kib = (object.size / 1024).clamp(1, FETCH_BUDGET_KIB as u64) as u32;
            let (Ok(request), Ok(held)) = (
                requests.clone().acquire_owned().await,
                bytes.clone().acquire_many_owned(kib).await,
            ) else {
                return;
            };
            if tx.is_closed() {
                return;
            }
            let tx = tx.clone();
            tokio::spawn(async move {
                let fetched = fetch(&client, &bucket, url, object, limit).await;
                let _ = tx.send(fetched).await;
                drop((request, held));
            });
        }
    });
    let objects = Channel {
        rx: Mutex::new(rx),
        fetched: &stats.fetched,
    };
    let mut report = run(store, &known, &objects, report, started, options, observer)?;
    report.remote = Some(stats.stats(list_seconds));
    Ok(report)
}

/// An S3 client for the bucket's own region (found with HeadBucket when none is given).
async fn client_for(url: &S3Url, s3: &S3Options) -> Result<Client, IngestError> {
    let sdk = sdk_config(&s3.aws).await.map_err(IngestError::Remote)?;
    let build = |region: Option<String>| {
        let mut conf = aws_sdk_s3::config::Builder::from(&sdk);
        if let Some(endpoint) = &s3.endpoint_url {
            conf = conf.endpoint_url(endpoint).force_path_style(true);
        }
        let region = region
            .map(aws_config::Region::new)
            .or_else(|| sdk.region().cloned())
            .unwrap_or_else(|| aws_config::Region::from_static("us-east-1"));
        Client::from_conf(conf.region(region).build())
    };
    let client = build(None);
    if s3.endpoint_url.is_some() || s3.aws.region.is_some() {
        return Ok(client);
    }
    // A bucket answers from its own region only: ask it where it lives.
    let bucket_region = match client.head_bucket().bucket(&url.bucket).send().await {
        Ok(out) => out.bucket_region().map(str::to_owned),
        Err(e) => e
            .raw_response()
            .and_then(|r| r.headers().get("x-amz-bucket-region"))
            .map(str::to_owned),
    };
    Ok(match bucket_region {
        Some(region) if Some(region.as_str()) != sdk.region().map(|r| r.as_ref()) => {
            build(Some(region))
        }
        _ => client,
    })
}

/// What walking one URL found.
#[derive(Default)]
struct Walked {
    objects: Vec<Listed>,
    digests: u64,
    ignored: u64,
    not_selected: u64,
    problems: Vec<Problem>,
}

/// Lists the prefixes of the layout the selection can match, `concurrency` at a time.
/// A failure to list the URL itself stops the run (no bucket, no access); a failure
/// deeper down is reported and the rest carries on.
async fn walk(
    client: &Client,
    url: &S3Url,
    selection: &Selection,
    concurrency: usize,
    stats: &RemoteCounters,
    observer: &dyn IngestObserver,
) -> Result<Walked, IngestError> {
    let (root, level) = layout::start(&url.prefix);
    let mut walked = Walked::default();
    let mut queue = vec![(root.clone(), level)];
    let mut pending = FuturesUnordered::new();
    let mut first = true;
    while !queue.is_empty() || !pending.is_empty() {
        while pending.len() < concurrency.max(1)
            && let Some((prefix, level)) = queue.pop()
        {
            pending.push(async move {
                let listed = list(client, &url.bucket, &prefix, level, stats).await;
                (prefix, level, listed)
            });
        }
        let Some((prefix, level, listed)) = pending.next().await else {
            break;
        };
        let (prefixes, objects) = match listed {
            Ok(listed) => listed,
            Err(message) if first => {
                return Err(IngestError::Remote(format!(
                    "cannot list `{}`: {message}",
                    url.object(&prefix)
                )));
            }
            Err(message) => {
                walked.problems.push(Problem {
                    path: PathBuf::from(url.object(&prefix)),
                    message: format!("cannot list: {message}"),
                });
                continue;
            }
        };
        first = false;
        if level == Level::Root && !prefixes.iter().any(|p| p.ends_with("AWSLogs/")) {
            if prefix.is_empty() {
                // Never list a whole bucket: the trail must be under a key prefix.
                let found: Vec<&str> = prefixes.iter().take(10).map(String::as_str).collect();
                return Err(IngestError::Remote(format!(
                    "no AWSLogs/ at the top of `s3://{}`: give the trail's S3 key prefix, \
                     s3://{}/PREFIX (found: {})",
                    url.bucket,
                    url.bucket,
                    if found.is_empty() {
                        "nothing".to_owned()
                    } else {
                        found.join(", ")
                    }
                )));
            }
            // Not a trail's prefix: take every JSON object below the prefix given.
            queue.push((prefix, Level::Flat));
            continue;
        }
        for p in &prefixes {
            if let Some(next) = layout::child(level, p, selection) {
                queue.push(next);
            }
        }
        if matches!(level, Level::Objects | Level::Flat) {
            for object in objects {
                let path = std::path::Path::new(&object.key);
                if crate::ingest::source::is_digest(path) {
                    walked.digests += 1;
                } else if !crate::ingest::source::is_json_name(path) {
                    walked.ignored += 1;
                } else if selection.includes(&object.key) {
                    walked.objects.push(object);
                } else {
                    walked.not_selected += 1;
                }
            }
            observer.listing(walked.objects.len() as u64);
        }
    }
    Ok(walked)
}

/// Every page of one listing: the common prefixes and the objects.
async fn list(
    client: &Client,
    bucket: &str,
    prefix: &str,
    level: Level,
    stats: &RemoteCounters,
) -> Result<(Vec<String>, Vec<Listed>), String> {
    let mut request = client.list_objects_v2().bucket(bucket).prefix(prefix);
    if level.delimited() {
        request = request.delimiter("/");
    }
    let mut pages = request.into_paginator().send();
    let (mut prefixes, mut objects) = (Vec::new(), Vec::new());
    while let Some(page) = pages.next().await {
        stats.list_requests.fetch_add(1, Ordering::Relaxed);
        let page = page.map_err(|e| error_text(&e))?;
        prefixes.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(str::to_owned)),
        );
        for object in page.contents() {
            let Some(key) = object.key() else { continue };
            objects.push(Listed {
                key: key.to_owned(),
                size: object.size().unwrap_or(0).max(0) as u64,
                modified: object
                    .last_modified()
                    .map_or(0, |t| (t.as_nanos() / 1000) as i64),
                etag: object.e_tag().map(str::to_owned),
            });
        }
    }
    Ok((prefixes, objects))
}

/// KiB of object bodies being fetched or waiting for a decoder, at most (CloudTrail
/// objects are mostly well under 1 MB; this bounds a run of unusually large ones).
const FETCH_BUDGET_KIB: usize = 128 * 1024;

/// Attempts at reading a body that breaks off mid-stream (the request itself is retried
/// by the SDK).
const BODY_ATTEMPTS: u32 = 4;

/// Fetches one object into memory, up to `limit` bytes: a larger one (it grew since it
/// was listed) is reported rather than read.
async fn fetch(
    client: &Client,
    bucket: &str,
    url: String,
    object: Listed,
    limit: usize,
) -> Fetched {
    let mut file = SourceFile::new(PathBuf::from(url), object.size, object.modified);
    file.etag = object.etag;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let response = match client
            .get_object()
            .bucket(bucket)
            .key(&object.key)
            .send()
            .await
        {
            Ok(response) => response,
            Err(e) => return Fetched::Failed(file, error_text(&e)),
        };
        if let Some(etag) = response.e_tag() {
            file.etag = Some(etag.to_owned());
        }
        let length = response.content_length().unwrap_or(0).max(0) as u64;
        if length > limit as u64 {
            return Fetched::Failed(file, too_large(length, limit));
        }
        match read_body(response.body, length as usize, limit).await {
            Ok(Some(bytes)) => {
                file.size = bytes.len() as u64;
                return Fetched::Read(file, bytes);
            }
            Ok(None) => return Fetched::Failed(file, grew_too_large(limit)),
            Err(_) if attempt < BODY_ATTEMPTS => {
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
            Err(e) => {
                return Fetched::Failed(
                    file,
                    format!("the body broke off {attempt} times: {}", describe(&e)),
                );
            }
        }
    }
}

/// Reads a body of about `length` bytes; `None` when it runs past `limit`.
async fn read_body(
    mut body: aws_sdk_s3::primitives::ByteStream,
    length: usize,
    limit: usize,
) -> Result<Option<Vec<u8>>, aws_sdk_s3::primitives::ByteStreamError> {
    let mut bytes = Vec::with_capacity(length.min(limit));
    while let Some(chunk) = body.try_next().await? {
        if bytes.len() + chunk.len() > limit {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

/// An S3 error as one line: its code and message when the service sent them.
fn error_text<E, R>(error: &aws_sdk_s3::error::SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error.as_service_error() {
        Some(service) => match (service.code(), service.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            _ => describe(error),
        },
        None => describe(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_parsed() {
        assert_eq!(
            S3Url::parse("s3://trail-bucket/org/AWSLogs/"),
            Some(S3Url {
                bucket: "trail-bucket".into(),
                prefix: "org/AWSLogs/".into()
            })
        );
        assert_eq!(
            S3Url::parse("s3://b"),
            Some(S3Url {
                bucket: "b".into(),
                prefix: String::new()
            })
        );
        assert_eq!(S3Url::parse("s3:///x"), None);
        assert_eq!(S3Url::parse("/local/path"), None);
    }
}
