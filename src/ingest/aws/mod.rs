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

/// An SDK error with its causes, for messages.
pub fn describe<E: std::error::Error>(error: &E) -> String {
    aws_sdk_iam::error::DisplayErrorContext(error).to_string()
}
