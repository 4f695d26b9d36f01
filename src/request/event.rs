//! The request a CloudTrail event records, as the evaluator sees it: the mapped actions,
//! the resource of each where the event names it, and the global condition keys the event
//! shows (`aws:SourceIp`, `aws:RequestedRegion`, `aws:PrincipalArn`, ...).
//!
//! Keys the event cannot tell are left unknown, so that a condition on them is reported as
//! undetermined rather than guessed; keys it shows to be missing (no MFA attribute on a
//! long-term access key) are marked absent.

use crate::eval::Context;

/// What an event says about its request: borrowed from a stored row or a raw record.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventFacts<'a> {
    /// `eventsource` (`s3.amazonaws.com`).
    pub event_source: &'a str,
    /// `eventname`.
    pub event_name: &'a str,
    /// `eventtime`, RFC 3339.
    pub event_time: Option<&'a str>,
    /// `awsregion`.
    pub region: Option<&'a str>,
    /// `sourceipaddress`: an IP, or a service host when a service called on the caller's
    /// behalf.
    pub source_ip: Option<&'a str>,
    /// `useridentity.type`.
    pub identity_type: Option<&'a str>,
    /// The principal that holds the permissions (`principal_arn`).
    pub principal_arn: Option<&'a str>,
    /// `useridentity.principalid` (`aws:userid`).
    pub principal_id: Option<&'a str>,
    /// `useridentity.username` (IAM users).
    pub user_name: Option<&'a str>,
    /// The account of the principal.
    pub account_id: Option<&'a str>,
    /// `useridentity.sessioncontext.attributes.mfaauthenticated` (`"true"`/`"false"`).
    pub mfa_authenticated: Option<&'a str>,
    /// `useridentity.invokedby`: the service that made the call for the caller.
    pub invoked_by: Option<&'a str>,
    /// `vpcendpointid`.
    pub vpc_endpoint_id: Option<&'a str>,
    /// Whether the event carries `tlsDetails` (the call used TLS).
    pub tls: Option<bool>,
    /// ARNs in `resources[]`.
    pub resources: &'a [&'a str],
    /// `requestparameters`, JSON text.
    pub request_parameters: Option<&'a str>,
    /// `responseelements`, JSON text.
    pub response_elements: Option<&'a str>,
    /// The IAM snapshot's users, groups and roles by name, when the store has one.
    pub iam_names: Option<&'a super::resource::IamNames>,
}

/// The services AWS documents as setting `aws:CalledVia`.
const CALLED_VIA_SERVICES: &[&str] = &[
    "athena.amazonaws.com",
    "cloudformation.amazonaws.com",
    "dynamodb.amazonaws.com",
    "kms.amazonaws.com",
];

/// Services whose calls pass roles to the service itself.
const PASSED_TO_SELF: &[&str] = &[
    "lambda.amazonaws.com",
    "cloudformation.amazonaws.com",
    "states.amazonaws.com",
    "glue.amazonaws.com",
];

fn is_ip(text: &str) -> bool {
    text.parse::<std::net::IpAddr>().is_ok()
}

/// The global condition keys the event shows.
pub fn event_context(e: &EventFacts<'_>) -> Context {
    let mut c = Context::new();
    let known = |c: &mut Context, key: &str, value: Option<&str>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            c.set(key, vec![value.to_owned()]);
        }
    };
    known(&mut c, "aws:RequestedRegion", e.region);
    known(&mut c, "aws:PrincipalArn", e.principal_arn);
    known(&mut c, "aws:PrincipalAccount", e.account_id);
    known(&mut c, "aws:userid", e.principal_id);
    if let Some(time) = e.event_time {
        c.set("aws:CurrentTime", vec![time.to_owned()]);
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(time) {
            c.set("aws:EpochTime", vec![t.timestamp().to_string()]);
        }
    }
    match e.source_ip {
        // Through a VPC endpoint the address is private: AWS gives it as aws:VpcSourceIp
        // and leaves aws:SourceIp out.
        Some(ip) if is_ip(ip) && e.vpc_endpoint_id.is_some() => {
            c.set("aws:VpcSourceIp", vec![ip.to_owned()]);
            c.set_absent("aws:SourceIp");
        }
        Some(ip) if is_ip(ip) => c.set("aws:SourceIp", vec![ip.to_owned()]),
        // A service host or `AWS Internal`: the request did not come from an address.
        Some(_) => c.set_absent("aws:SourceIp"),
        None => {}
    }
    match e.identity_type {
        Some("IAMUser") => {
            known(&mut c, "aws:username", e.user_name);
        }
        Some(_) => c.set_absent("aws:username"),
        None => {}
    }
    match e.mfa_authenticated {
        Some(flag) => c.set(
            "aws:MultiFactorAuthPresent",
            vec![flag.to_ascii_lowercase()],
        ),
        // Long-term access keys carry no session: the key is absent from the request.
        None if e.identity_type == Some("IAMUser") => c.set_absent("aws:MultiFactorAuthPresent"),
        None => {}
    }
    match e.invoked_by.filter(|s| s.ends_with(".amazonaws.com")) {
        Some(service) => {
            c.set("aws:ViaAWSService", vec!["true".to_owned()]);
            // AWS fills aws:CalledVia only for the services it documents; for the others
            // the key's value is not known from the event.
            if CALLED_VIA_SERVICES.contains(&service) {
                c.set("aws:CalledVia", vec![service.to_owned()]);
                c.set("aws:CalledViaFirst", vec![service.to_owned()]);
                c.set("aws:CalledViaLast", vec![service.to_owned()]);
            }
        }
        None if e.identity_type.is_some() => {
            c.set("aws:ViaAWSService", vec!["false".to_owned()]);
            c.set_absent("aws:CalledVia");
        }
        None => {}
    }
    // The service a role is passed to, where the call's own service is the one that
    // assumes it (a Lambda function's execution role; not ECS tasks, whose roles are
    // passed to ecs-tasks.amazonaws.com).
    if PASSED_TO_SELF.contains(&e.event_source) {
        c.set("iam:PassedToService", vec![e.event_source.to_owned()]);
    }
    match e.vpc_endpoint_id {
        Some(id) => c.set("aws:SourceVpce", vec![id.to_owned()]),
        None if e.identity_type.is_some() => c.set_absent("aws:SourceVpce"),
        None => {}
    }
    // tlsDetails proves TLS; its absence proves nothing (older events lack the field).
    if e.tls == Some(true) {
        c.set("aws:SecureTransport", vec!["true".to_owned()]);
    }
    c
}

/// One stored event, with what its call needed.
#[derive(Debug, Clone, Default)]
pub struct StoredEvent {
    pub event_id: String,
    pub event_source: String,
    pub event_name: String,
    /// RFC 3339.
    pub event_time: Option<String>,
    pub region: Option<String>,
    pub source_ip: Option<String>,
    pub identity_type: Option<String>,
    pub principal_arn: Option<String>,
    pub principal_id: Option<String>,
    pub user_name: Option<String>,
    pub account_id: Option<String>,
    pub mfa: Option<String>,
    pub invoked_by: Option<String>,
    pub vpc_endpoint_id: Option<String>,
    pub tls: Option<bool>,
    pub request_parameters: Option<String>,
    pub response_elements: Option<String>,
    pub error_code: Option<String>,
    pub mapping_status: Option<String>,
    /// The call's own actions, primary first.
    pub actions: Vec<String>,
    /// The actions the service checked on the caller's behalf.
    pub dependent: Vec<String>,
    /// ARNs of `resources[]`.
    pub resources: Vec<String>,
}

impl StoredEvent {
    /// What the evaluator reads; `resources` must be [`StoredEvent::resources`] as `&str`.
    pub fn facts<'a>(&'a self, resources: &'a [&'a str]) -> EventFacts<'a> {
        EventFacts {
            event_source: &self.event_source,
            event_name: &self.event_name,
            event_time: self.event_time.as_deref(),
            region: self.region.as_deref(),
            source_ip: self.source_ip.as_deref(),
            identity_type: self.identity_type.as_deref(),
            principal_arn: self.principal_arn.as_deref(),
            principal_id: self.principal_id.as_deref(),
            user_name: self.user_name.as_deref(),
            account_id: self.account_id.as_deref(),
            mfa_authenticated: self.mfa.as_deref(),
            invoked_by: self.invoked_by.as_deref(),
            vpc_endpoint_id: self.vpc_endpoint_id.as_deref(),
            tls: self.tls,
            resources,
            request_parameters: self.request_parameters.as_deref(),
            response_elements: self.response_elements.as_deref(),
            iam_names: None,
        }
    }

    /// `resources` as the `&str` slice [`StoredEvent::facts`] takes.
    pub fn resource_refs(&self) -> Vec<&str> {
        self.resources.iter().map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::ContextValue;
    use crate::request::resource::{ResourceStatus, event_resources};

    /// The one resource derived, as the tests before `event_resources` read it.
    fn event_resource(e: &EventFacts<'_>, action: &str) -> Option<String> {
        let r = event_resources(e, action);
        match (r.status, r.arns.as_slice()) {
            (ResourceStatus::Derived, [one]) => Some(one.clone()),
            _ => None,
        }
    }

    fn known(c: &Context, key: &str) -> Option<Vec<String>> {
        match c.get(key)? {
            ContextValue::Known(v) => Some(v.clone()),
            ContextValue::Absent => None,
        }
    }

    #[test]
    fn an_assumed_role_call_from_an_address() {
        let e = EventFacts {
            event_source: "s3.amazonaws.com",
            event_name: "GetObject",
            event_time: Some("2026-11-02T10:00:00Z"),
            region: Some("us-east-1"),
            source_ip: Some("203.0.113.10"),
            identity_type: Some("AssumedRole"),
            principal_arn: Some("arn:aws:iam::123456789012:role/app"),
            principal_id: Some("AROAEXAMPLE:session"),
            account_id: Some("123456789012"),
            mfa_authenticated: Some("false"),
            tls: Some(true),
            request_parameters: Some(r#"{"bucketName":"b","key":"data/x.csv"}"#),
            ..EventFacts::default()
        };
        let c = event_context(&e);
        assert_eq!(known(&c, "aws:SourceIp").unwrap(), ["203.0.113.10"]);
        assert_eq!(known(&c, "aws:RequestedRegion").unwrap(), ["us-east-1"]);
        assert_eq!(known(&c, "aws:MultiFactorAuthPresent").unwrap(), ["false"]);
        assert_eq!(known(&c, "aws:ViaAWSService").unwrap(), ["false"]);
        assert!(matches!(c.get("aws:username"), Some(ContextValue::Absent)));
        // Tags are not in CloudTrail: unknown, not absent.
        assert!(c.get("aws:PrincipalTag/team").is_none());
        assert_eq!(
            event_resource(&e, "s3:GetObject").as_deref(),
            Some("arn:aws:s3:::b/data/x.csv")
        );
        assert_eq!(
            event_resource(&e, "s3:ListBucket").as_deref(),
            Some("arn:aws:s3:::b")
        );
    }

    #[test]
    fn a_service_call_and_a_long_term_key() {
        let e = EventFacts {
            source_ip: Some("cloudformation.amazonaws.com"),
            invoked_by: Some("cloudformation.amazonaws.com"),
            identity_type: Some("IAMUser"),
            user_name: Some("alice"),
            ..EventFacts::default()
        };
        let c = event_context(&e);
        assert!(matches!(c.get("aws:SourceIp"), Some(ContextValue::Absent)));
        assert!(matches!(
            c.get("aws:MultiFactorAuthPresent"),
            Some(ContextValue::Absent)
        ));
        assert_eq!(known(&c, "aws:username").unwrap(), ["alice"]);
        assert_eq!(
            known(&c, "aws:CalledVia").unwrap(),
            ["cloudformation.amazonaws.com"]
        );
        assert_eq!(event_resource(&e, "s3:GetObject"), None);
    }

    #[test]
    fn resources_from_request_parameters() {
        let e = |request: &'static str| EventFacts {
            region: Some("eu-west-1"),
            account_id: Some("123456789012"),
            request_parameters: Some(request),
            ..EventFacts::default()
        };
        assert_eq!(
            event_resource(&e(r#"{"tableName":"orders"}"#), "dynamodb:GetItem").as_deref(),
            Some("arn:aws:dynamodb:eu-west-1:123456789012:table/orders")
        );
        assert_eq!(
            event_resource(
                &e(r#"{"queueUrl":"https://sqs.eu-west-1.amazonaws.com/210987654321/jobs"}"#),
                "sqs:SendMessage"
            )
            .as_deref(),
            Some("arn:aws:sqs:eu-west-1:210987654321:jobs")
        );
        assert_eq!(
            event_resource(&e(r#"{"functionName":"f"}"#), "lambda:GetFunction").as_deref(),
            Some("arn:aws:lambda:eu-west-1:123456789012:function:f")
        );
        // An object action without a key: unknown, not the bucket.
        assert_eq!(
            event_resource(&e(r#"{"bucketName":"b"}"#), "s3:GetObject"),
            None
        );
        assert_eq!(event_resource(&e(r#"{"x":1}"#), "ec2:RunInstances"), None);
    }

    #[test]
    fn what_the_event_does_not_prove_stays_unknown() {
        let resources = ["arn:aws:lambda:eu-west-1:123456789012:function:f"];
        let e = EventFacts {
            source_ip: Some("10.0.3.7"),
            vpc_endpoint_id: Some("vpce-0abc"),
            invoked_by: Some("lambda.amazonaws.com"),
            identity_type: Some("AssumedRole"),
            region: Some("eu-west-1"),
            account_id: Some("123456789012"),
            resources: &resources,
            request_parameters: Some(r#"{"roleName":"app","functionName":"f"}"#),
            ..EventFacts::default()
        };
        let c = event_context(&e);
        // A private address through an endpoint is aws:VpcSourceIp, never aws:SourceIp.
        assert!(matches!(c.get("aws:SourceIp"), Some(ContextValue::Absent)));
        assert_eq!(known(&c, "aws:VpcSourceIp").unwrap(), ["10.0.3.7"]);
        // Lambda is not among the services that set aws:CalledVia.
        assert!(c.get("aws:CalledVia").is_none());
        assert!(c.get("aws:SecureTransport").is_none());
        // The function's ARN is the Lambda action's resource, not iam:PassRole's.
        assert_eq!(
            event_resource(&e, "lambda:GetFunction").as_deref(),
            Some(resources[0])
        );
        assert_eq!(event_resource(&e, "iam:PassRole"), None);
        // A role name without its path does not make an ARN.
        assert_eq!(event_resource(&e, "iam:GetRole"), None);
        // Without a region, no ARN is built.
        let no_region = EventFacts {
            region: None,
            resources: &[],
            ..e
        };
        assert_eq!(event_resource(&no_region, "lambda:GetFunction"), None);
    }

    #[test]
    fn a_passed_role_and_its_service() {
        let e = EventFacts {
            event_source: "lambda.amazonaws.com",
            identity_type: Some("IAMUser"),
            region: Some("us-east-1"),
            account_id: Some("123456789012"),
            request_parameters: Some(
                r#"{"functionName":"f","role":"arn:aws:iam::123456789012:role/service-role/f-role"}"#,
            ),
            ..EventFacts::default()
        };
        assert_eq!(
            event_resource(&e, "iam:PassRole").as_deref(),
            Some("arn:aws:iam::123456789012:role/service-role/f-role")
        );
        let c = event_context(&e);
        assert_eq!(
            known(&c, "iam:PassedToService").unwrap(),
            ["lambda.amazonaws.com"]
        );
        let zone = EventFacts {
            request_parameters: Some(r#"{"hostedZoneId":"/hostedzone/Z0123"}"#),
            ..e
        };
        assert_eq!(
            event_resource(&zone, "route53:ChangeResourceRecordSets").as_deref(),
            Some("arn:aws:route53:::hostedzone/Z0123")
        );
    }
}
