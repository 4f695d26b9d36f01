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
pub mod sso;

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
/// A profile named by `--profile` or `AWS_PROFILE` must exist in the shared files: a typo
/// is named here rather than ending, steps later, at instance metadata.
pub async fn sdk_config(options: &AwsOptions) -> Result<SdkConfig, String> {
    check_profile(options)?;
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
    Ok(loader.load().await)
}

/// The shared config and credentials files the SDK reads.
fn shared_files() -> [(std::path::PathBuf, bool); 2] {
    let home = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let file = |var: &str, default: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map_or_else(|| home.join(".aws").join(default), std::path::PathBuf::from)
    };
    [
        (file("AWS_CONFIG_FILE", "config"), true),
        (file("AWS_SHARED_CREDENTIALS_FILE", "credentials"), false),
    ]
}

/// The profiles a shared file defines: `[default]` and `[profile NAME]` in the config file,
/// `[NAME]` in the credentials file.
fn profiles_in(text: &str, config: bool) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let section = line.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
            if !config {
                return Some(section.to_owned());
            }
            match section {
                "default" => Some("default".to_owned()),
                _ => section
                    .strip_prefix("profile")
                    .filter(|rest| rest.starts_with([' ', '\t']))
                    .map(|rest| rest.trim().to_owned()),
            }
        })
        .collect()
}

/// Refuses a profile (`--profile`, else `AWS_PROFILE`) that neither shared file defines.
fn check_profile(options: &AwsOptions) -> Result<(), String> {
    let env = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty());
    let (name, from) = match (&options.profile, env) {
        (Some(profile), _) => (profile.clone(), "--profile"),
        (None, Some(profile)) => (profile, "AWS_PROFILE"),
        (None, None) => return Ok(()),
    };
    profile_defined(&name, from, &shared_files())
}

/// Whether one of `files` defines the profile `name`; if not, a message naming the files and
/// the closest profile they define.
fn profile_defined(
    name: &str,
    from: &str,
    files: &[(std::path::PathBuf, bool); 2],
) -> Result<(), String> {
    let mut known = Vec::new();
    for (path, config) in files {
        if let Ok(text) = std::fs::read_to_string(path) {
            known.extend(profiles_in(&text, *config));
        }
    }
    if known.iter().any(|k| k == name) {
        return Ok(());
    }
    let hint = crate::nearest::closest(name, known.iter(), |p| (*p).clone())
        .map(|p| format!(" (did you mean `{p}`?)"))
        .unwrap_or_default();
    Err(format!(
        "AWS profile `{name}` ({from}) is defined in neither {} nor {}{hint}; \
         `aws configure list-profiles` lists the profiles",
        files[0].0.display(),
        files[1].0.display()
    ))
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

/// IAM Identity Center's clients (sso-admin and the Identity Store), in the configured
/// region (the instance's home region), us-east-1 when none is.
pub fn sso_clients(sdk: &SdkConfig) -> (aws_sdk_ssoadmin::Client, aws_sdk_identitystore::Client) {
    let region = sdk
        .region()
        .cloned()
        .or(Some(Region::from_static("us-east-1")));
    let admin = aws_sdk_ssoadmin::config::Builder::from(sdk)
        .region(region.clone())
        .build();
    let directory = aws_sdk_identitystore::config::Builder::from(sdk)
        .region(region)
        .build();
    (
        aws_sdk_ssoadmin::Client::from_conf(admin),
        aws_sdk_identitystore::Client::from_conf(directory),
    )
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
/// debug dump the SDK's own context display appends. When no credentials were found, the
/// chain's last step (instance metadata) is not the news: what to do is.
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
    let text = parts.join(": ");
    if text.contains("loading credentials") || text.contains("no providers in chain") {
        return format!(
            "no AWS credentials found: the SDK tried the environment (AWS_ACCESS_KEY_ID), the \
             profile (--profile, else AWS_PROFILE, else `default`) of the shared config files, \
             web identity, the container endpoint and instance metadata (IMDS), where it \
             stopped. Give the profile credentials (keys, `sso_session`, `role_arn` or \
             `credential_process`), set AWS_ACCESS_KEY_ID, or run `aws sso login` (SDK: {text})"
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_read_as_the_sdk_reads_the_shared_files() {
        let config = "[default]\nregion = x\n[profile audit]\n[profile  spaced ]\n[sso-session s]\n[profilex]\n";
        assert_eq!(profiles_in(config, true), ["default", "audit", "spaced"]);
        assert_eq!(
            profiles_in("[prod]\n[default]\n", false),
            ["prod", "default"]
        );
    }

    #[test]
    fn a_missing_profile_is_named_with_the_closest() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::write(&config, "[profile audit]\n").unwrap();
        let files = [(config, true), (dir.path().join("none"), false)];
        assert_eq!(profile_defined("audit", "--profile", &files), Ok(()));
        let refused = profile_defined("audti", "--profile", &files).unwrap_err();
        assert!(
            refused.contains("AWS profile `audti` (--profile)"),
            "{refused}"
        );
        assert!(refused.contains("(did you mean `audit`?)"), "{refused}");
    }
}
