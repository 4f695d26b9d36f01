//! Live collection with the AWS SDK for Rust: the SDK configuration (credentials and region
//! from aws-config's standard chain, one rustls client, adaptive retries) and the
//! collectors, which turn API responses into the same models file ingest reads, so both
//! paths fill the same tables.
//!
//! The SDK stays here: the core modules never see its types.

pub mod authz;
pub mod last_accessed;
pub mod lookup;
pub mod org;
pub mod s3;

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Where credentials and the region come from.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// A named profile (`--profile`); else the standard chain.
    pub profile: Option<String>,
    /// The region (`--region`); else the profile's or the environment's.
    pub region: Option<String>,
    /// Attempts per request, throttling included.
    pub max_attempts: Option<u32>,
}

/// Loads the SDK configuration: environment, profile (SSO included), instance metadata.
pub async fn sdk_config(options: &AwsOptions) -> SdkConfig {
    use aws_smithy_http_client::{Builder, tls};
    let http = Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .retry_config(
            RetryConfig::adaptive()
                .with_max_attempts(options.max_attempts.unwrap_or(10))
                .with_max_backoff(Duration::from_secs(20)),
        );
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    loader.load().await
}

/// What a remote ingest starts from: the store locked for writing, what its manifest
/// knows, and an async runtime (two workers are plenty for network waits).
pub(crate) struct RemoteRun {
    pub(crate) started: std::time::Instant,
    pub(crate) _lock: crate::store::WriteLock,
    pub(crate) known: crate::store::manifest::Manifest,
    pub(crate) runtime: tokio::runtime::Runtime,
}

impl RemoteRun {
    pub(crate) fn open(store: &crate::store::Store) -> Result<Self, crate::ingest::IngestError> {
        let started = std::time::Instant::now();
        let lock = store.open_for_write()?;
        let known = crate::store::manifest::Manifest::load(store)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| {
                crate::ingest::IngestError::Remote(format!("cannot start the async runtime: {e}"))
            })?;
        Ok(Self {
            started,
            _lock: lock,
            known,
            runtime,
        })
    }
}

/// What a remote ingest asked of the service, counted as it goes.
#[derive(Default)]
pub(crate) struct RemoteCounters {
    pub(crate) list_requests: std::sync::atomic::AtomicU64,
    pub(crate) fetched: std::sync::atomic::AtomicU64,
    pub(crate) not_fetched: std::sync::atomic::AtomicU64,
}

impl RemoteCounters {
    pub(crate) fn stats(&self, list_seconds: f64) -> crate::ingest::RemoteStats {
        use std::sync::atomic::Ordering::Relaxed;
        crate::ingest::RemoteStats {
            list_requests: self.list_requests.load(Relaxed),
            fetched: self.fetched.load(Relaxed),
            not_fetched: self.not_fetched.load(Relaxed),
            list_seconds,
        }
    }
}

/// An object fetched (or not) by a remote source's task: an S3 object, a day of event
/// history.
pub(crate) enum Fetched {
    /// The bytes of the object.
    Read(crate::ingest::source::SourceFile, Vec<u8>),
    /// Why it could not be fetched.
    Failed(crate::ingest::source::SourceFile, String),
}

/// The decoders' end of the channel the fetching tasks fill.
pub(crate) struct Channel<'a> {
    pub(crate) rx: std::sync::Mutex<tokio::sync::mpsc::Receiver<Fetched>>,
    pub(crate) fetched: &'a std::sync::atomic::AtomicU64,
}

impl crate::ingest::Objects for Channel<'_> {
    fn next(
        &self,
        _known: &crate::store::manifest::Manifest,
        raw: &mut Vec<u8>,
    ) -> Option<crate::ingest::Next> {
        let fetched = self
            .rx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .blocking_recv()?;
        self.fetched
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(match fetched {
            Fetched::Read(file, bytes) => {
                *raw = bytes;
                crate::ingest::Next::Read(file)
            }
            Fetched::Failed(file, message) => crate::ingest::Next::Failed(file, message),
        })
    }
}

/// An IAM client (a global service: us-east-1 when no region is configured).
pub fn iam_client(sdk: &SdkConfig) -> aws_sdk_iam::Client {
    let conf = aws_sdk_iam::config::Builder::from(sdk)
        .region(
            sdk.region()
                .cloned()
                .or(Some(Region::from_static("us-east-1"))),
        )
        .build();
    aws_sdk_iam::Client::from_conf(conf)
}

/// An Organizations client (a global service: us-east-1 when no region is configured).
pub fn organizations_client(sdk: &SdkConfig) -> aws_sdk_organizations::Client {
    let conf = aws_sdk_organizations::config::Builder::from(sdk)
        .region(
            sdk.region()
                .cloned()
                .or(Some(Region::from_static("us-east-1"))),
        )
        .build();
    aws_sdk_organizations::Client::from_conf(conf)
}

/// An SDK error with its causes, on one line: each cause's message once, without the
/// debug dump the SDK's own context display appends.
pub fn describe<E: std::error::Error>(error: &E) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}
