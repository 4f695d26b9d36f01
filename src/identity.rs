//! The people behind a CloudTrail event: who acted, and by which rule that is known.
//!
//! A trail names the IAM principal that made each call. Behind a role there is often a
//! person: an IAM Identity Center user signed in through a permission set's role, a CI job
//! that set a `sourceIdentity`, someone who assumed the role from another session. This
//! module holds the rules that read the person from the event alone ([`person`]), and the
//! one that follows a role chain back through the `AssumeRole` calls that issued each
//! session's access key ([`resolve_chains`]). Each answer says which rule gave it; when no
//! rule applies the answer is none, never a guess. docs/store.md lists the rules.
//!
//! Pure functions of strings: ingest reads the fields out of a record or a stored
//! `useridentity`, and the SQL layer calls [`resolve_chains`] over the issuing calls.

use std::collections::HashMap;

/// The path every role Identity Center provisions starts with (a region segment follows
/// for instances outside us-east-1).
pub const SSO_ROLE_PATH: &str = "/aws-reserved/sso.amazonaws.com/";

const SSO_ROLE_PREFIX: &str = "AWSReservedSSO_";

/// A role Identity Center provisioned for a permission set: `AWSReservedSSO_<name>_<16 hex>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SsoRole<'a> {
    /// The permission set's name (it may itself hold `_`).
    pub permission_set: &'a str,
    /// The 16 hexadecimal digits Identity Center appends; a new role in the same account
    /// (after every assignment was removed and one added again) gets new ones.
    pub suffix: &'a str,
}

/// The permission set behind a role name, or a role ARN (whose last path segment is the
/// name): `None` unless it has the exact form Identity Center gives its roles.
pub fn sso_role(role: &str) -> Option<SsoRole<'_>> {
    let name = role.rsplit('/').next().unwrap_or(role);
    let rest = name.strip_prefix(SSO_ROLE_PREFIX)?;
    let (permission_set, suffix) = rest.rsplit_once('_')?;
    let hex = suffix.len() == 16
        && suffix
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    (hex && !permission_set.is_empty()).then_some(SsoRole {
        permission_set,
        suffix,
    })
}

/// How the person of an event is known. The names are the values of the `person_source`
/// column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonSource {
    /// `userIdentity.type` `IAMUser`: the user's ARN.
    IamUser,
    /// The account's root user: its ARN.
    Root,
    /// `userIdentity.onBehalfOf.userId`: the Identity Store user id (identity-enhanced
    /// sessions, `IdentityCenterUser` events).
    IdentityCenterUser,
    /// The session name of a role Identity Center provisioned (`AWSReservedSSO_...`):
    /// Identity Center names the session after the user's `UserName`.
    IdentityCenterSession,
    /// An Identity Center portal or sign-in event from before July 2025, when such events
    /// had `type` `Unknown` and the `userName` the person typed.
    IdentityCenterSignIn,
    /// `sessionContext.sourceIdentity`, set when the role was assumed and kept across
    /// every role assumed from that session.
    SourceIdentity,
    /// `type` `SAMLUser` (the `AssumeRoleWithSAML` call itself): the SAML subject.
    Saml,
    /// `type` `WebIdentityUser` (the `AssumeRoleWithWebIdentity` call itself): the user
    /// name the identity provider gave, else its principal id.
    WebIdentity,
    /// `type` `FederatedUser`: the IAM user that called `GetFederationToken`.
    FederationToken,
    /// `type` `AWSService`: the service acting (`invokedBy`).
    AwsService,
    /// A role session whose access key an earlier `AssumeRole`, `AssumeRoleWithSAML` or
    /// `AssumeRoleWithWebIdentity` call issued: the person of that call, followed back
    /// (across accounts when the trail holds both) until a rule above answers.
    RoleChain,
}

impl PersonSource {
    /// The column value.
    pub fn as_str(self) -> &'static str {
        match self {
            PersonSource::IamUser => "iam_user",
            PersonSource::Root => "root",
            PersonSource::IdentityCenterUser => "identity_center_user",
            PersonSource::IdentityCenterSession => "identity_center_session",
            PersonSource::IdentityCenterSignIn => "identity_center_sign_in",
            PersonSource::SourceIdentity => "source_identity",
            PersonSource::Saml => "saml",
            PersonSource::WebIdentity => "web_identity",
            PersonSource::FederationToken => "federation_token",
            PersonSource::AwsService => "aws_service",
            PersonSource::RoleChain => "role_chain",
        }
    }

    /// Every source, in the order the rules are tried.
    pub const ALL: [PersonSource; 11] = [
        PersonSource::IdentityCenterUser,
        PersonSource::IdentityCenterSession,
        PersonSource::SourceIdentity,
        PersonSource::IamUser,
        PersonSource::Root,
        PersonSource::FederationToken,
        PersonSource::Saml,
        PersonSource::WebIdentity,
        PersonSource::IdentityCenterSignIn,
        PersonSource::AwsService,
        PersonSource::RoleChain,
    ];

    /// The source a column value names.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// The fields of `userIdentity` (and the event) the rules read, as stored.
#[derive(Debug, Clone, Copy, Default)]
pub struct Caller<'a> {
    /// `userIdentity.type`.
    pub identity_type: Option<&'a str>,
    /// `userIdentity.arn`.
    pub arn: Option<&'a str>,
    /// `userIdentity.principalId`.
    pub principal_id: Option<&'a str>,
    /// `userIdentity.userName`.
    pub user_name: Option<&'a str>,
    /// `userIdentity.invokedBy`.
    pub invoked_by: Option<&'a str>,
    /// `userIdentity.onBehalfOf.userId`.
    pub on_behalf_of: Option<&'a str>,
    /// `userIdentity.sessionContext.sessionIssuer.arn`.
    pub issuer_arn: Option<&'a str>,
    /// `userIdentity.sessionContext.sessionIssuer.userName`.
    pub issuer_name: Option<&'a str>,
    /// `userIdentity.sessionContext.sourceIdentity`.
    pub source_identity: Option<&'a str>,
    /// The session name (the last segment of an assumed-role ARN).
    pub session_name: Option<&'a str>,
    /// `eventSource`.
    pub event_source: Option<&'a str>,
}

/// A person and how it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person<'a> {
    pub name: &'a str,
    pub source: PersonSource,
}

fn present(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// The person the event itself shows, by the first rule that applies:
///
/// 1. `onBehalfOf.userId` ([`PersonSource::IdentityCenterUser`]);
/// 2. the session name of an `AWSReservedSSO_` role ([`PersonSource::IdentityCenterSession`]);
/// 3. `sourceIdentity` ([`PersonSource::SourceIdentity`]);
/// 4. by `userIdentity.type`: `IAMUser`, `Root`, `FederatedUser`, `SAMLUser`,
///    `WebIdentityUser`, `AWSService`, and `Unknown` with a `userName` on Identity Center's
///    own event sources.
///
/// Any other role session has no person of its own: [`resolve_chains`] may find one.
pub fn person<'a>(c: &Caller<'a>) -> Option<Person<'a>> {
    let found = |name: Option<&'a str>, source| present(name).map(|name| Person { name, source });
    if let Some(p) = found(c.on_behalf_of, PersonSource::IdentityCenterUser) {
        return Some(p);
    }
    let kind = present(c.identity_type).unwrap_or_default();
    if kind == "AssumedRole" {
        let role = present(c.issuer_name).or(present(c.issuer_arn));
        // Identity Center's roles live under its reserved path, which no one else can use;
        // a role of the same name elsewhere is an ordinary role.
        let reserved = present(c.issuer_arn).is_none_or(|arn| arn.contains(SSO_ROLE_PATH));
        if reserved
            && role.and_then(sso_role).is_some()
            && let Some(p) = found(c.session_name, PersonSource::IdentityCenterSession)
        {
            return Some(p);
        }
    }
    if let Some(p) = found(c.source_identity, PersonSource::SourceIdentity) {
        return Some(p);
    }
    match kind {
        "IAMUser" => found(c.arn, PersonSource::IamUser),
        "Root" => found(c.arn, PersonSource::Root),
        "FederatedUser" => found(c.issuer_arn, PersonSource::FederationToken),
        "SAMLUser" => found(c.user_name, PersonSource::Saml),
        "WebIdentityUser" => found(c.user_name.or(c.principal_id), PersonSource::WebIdentity),
        "AWSService" => found(c.invoked_by, PersonSource::AwsService),
        "Unknown" | "IdentityCenterUser"
            if c.event_source.is_some_and(|s| {
                matches!(
                    s,
                    "sso.amazonaws.com" | "signin.amazonaws.com" | "sso-oauth.amazonaws.com"
                )
            }) =>
        {
            found(c.user_name, PersonSource::IdentityCenterSignIn)
        }
        _ => None,
    }
}

/// One successful call that issued a role session: `AssumeRole`, `AssumeRoleWithSAML` or
/// `AssumeRoleWithWebIdentity`, with its caller.
#[derive(Debug, Clone, Default)]
pub struct Issue {
    /// `responseElements.credentials.accessKeyId`: the key the session's calls carry.
    pub issued_key: String,
    /// The role assumed (`requestParameters.roleArn`).
    pub role_arn: Option<String>,
    /// The caller's own person, by [`person`].
    pub caller_person: Option<(String, PersonSource)>,
    /// The access key the caller signed with (`userIdentity.accessKeyId`), to follow the
    /// chain further when the caller has no person of its own.
    pub caller_key: Option<String>,
    /// The caller's principal ARN, for the chain's path.
    pub caller_arn: Option<String>,
}

/// The person behind a session key, found through the chain of calls that issued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub person: String,
    /// The rule that named the person at the chain's start.
    pub origin: PersonSource,
    /// The principals crossed, from the person's own to the last role assumed.
    pub chain: Vec<String>,
}

/// Chains longer than this are not followed (AWS itself limits nothing, but a longer one
/// in a trail is a loop or a fabrication).
const MAX_HOPS: usize = 16;

/// Follows every issued key back to a person: the caller's own when it has one, else the
/// person behind the key the caller signed with, and so on. A key issued twice (the same
/// event stored from two accounts) resolves to the same answer or, when the issuing calls
/// disagree, to none. Keys whose chain ends without a person, loops or runs longer than
/// 16 hops are left out.
pub fn resolve_chains(issues: &[Issue]) -> HashMap<String, Resolved> {
    let mut by_key: HashMap<&str, &Issue> = HashMap::new();
    let mut conflicting: std::collections::HashSet<&str> = std::collections::HashSet::new();
    // A copy that says nothing of its caller (the role owner's copy of a cross-account
    // AssumeRole names only the calling account) neither answers nor disagrees.
    let informative = |i: &&Issue| {
        i.caller_person.is_some() || i.caller_key.as_deref().is_some_and(|k| !k.is_empty())
    };
    for issue in issues.iter().filter(informative) {
        match by_key.get(issue.issued_key.as_str()) {
            Some(other)
                if other.caller_person != issue.caller_person
                    || other.caller_key != issue.caller_key =>
            {
                conflicting.insert(issue.issued_key.as_str());
            }
            Some(_) => {}
            None => {
                by_key.insert(issue.issued_key.as_str(), issue);
            }
        }
    }
    let mut resolved = HashMap::new();
    for (&key, _) in by_key.iter() {
        let mut chain = Vec::new();
        let mut at = key;
        let mut answer = None;
        for _ in 0..MAX_HOPS {
            if conflicting.contains(at) {
                break;
            }
            let Some(issue) = by_key.get(at) else { break };
            chain.push(issue.role_arn.clone().unwrap_or_default());
            if let Some((person, origin)) = &issue.caller_person {
                if let Some(arn) = &issue.caller_arn {
                    chain.push(arn.clone());
                }
                answer = Some((person.clone(), *origin));
                break;
            }
            let Some(next) = issue.caller_key.as_deref().filter(|k| !k.is_empty()) else {
                break;
            };
            if next == at {
                break;
            }
            at = next;
        }
        if let Some((person, origin)) = answer {
            chain.reverse();
            chain.dedup();
            resolved.insert(
                key.to_owned(),
                Resolved {
                    person,
                    origin,
                    chain,
                },
            );
        }
    }
    resolved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provisioned_roles_are_recognised_by_their_exact_form() {
        let role = sso_role("AWSReservedSSO_Developers_0123abcd4567ef89").unwrap();
        assert_eq!(role.permission_set, "Developers");
        assert_eq!(role.suffix, "0123abcd4567ef89");
        let arn = "arn:aws:iam::844015365555:role/aws-reserved/sso.amazonaws.com/\
                   eu-west-1/AWSReservedSSO_account_admin_599c9e90e350d2ff";
        assert_eq!(sso_role(arn).unwrap().permission_set, "account_admin");
        for not in [
            "AWSReservedSSO_Developers",
            "AWSReservedSSO__0123abcd4567ef89",
            "AWSReservedSSO_Dev_0123ABCD4567EF89",
            "AWSReservedSSO_Dev_0123abcd4567ef8",
            "MyAWSReservedSSO_Dev_0123abcd4567ef89",
            "Developers",
        ] {
            assert_eq!(sso_role(not), None, "{not}");
        }
    }

    fn sso_session(session: &'static str) -> Caller<'static> {
        Caller {
            identity_type: Some("AssumedRole"),
            arn: Some(
                "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Developers_0123abcd4567ef89/alice@example.com",
            ),
            issuer_arn: Some(
                "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Developers_0123abcd4567ef89",
            ),
            issuer_name: Some("AWSReservedSSO_Developers_0123abcd4567ef89"),
            session_name: Some(session),
            ..Caller::default()
        }
    }

    #[test]
    fn the_first_rule_that_applies_names_the_person() {
        let p = person(&sso_session("alice@example.com")).unwrap();
        assert_eq!(
            (p.name, p.source),
            ("alice@example.com", PersonSource::IdentityCenterSession)
        );
        // onBehalfOf wins over the session name.
        let with_user = Caller {
            on_behalf_of: Some("544894e8-80c1-707f-60e3-3ba6510dfac1"),
            ..sso_session("alice@example.com")
        };
        assert_eq!(
            person(&with_user).unwrap().source,
            PersonSource::IdentityCenterUser
        );
        // A role that is not Identity Center's: the session name is not a person.
        let plain = Caller {
            issuer_arn: Some("arn:aws:iam::111122223333:role/deploy"),
            issuer_name: Some("deploy"),
            ..sso_session("GitHubActions-1234")
        };
        assert_eq!(person(&plain), None);
        let with_source = Caller {
            source_identity: Some("ci-pipeline@example.com"),
            ..plain
        };
        assert_eq!(
            person(&with_source).unwrap(),
            Person {
                name: "ci-pipeline@example.com",
                source: PersonSource::SourceIdentity
            }
        );
        let user = Caller {
            identity_type: Some("IAMUser"),
            arn: Some("arn:aws:iam::111122223333:user/paulo"),
            ..Caller::default()
        };
        assert_eq!(
            person(&user).unwrap().name,
            "arn:aws:iam::111122223333:user/paulo"
        );
        let service = Caller {
            identity_type: Some("AWSService"),
            invoked_by: Some("lambda.amazonaws.com"),
            ..Caller::default()
        };
        assert_eq!(person(&service).unwrap().source, PersonSource::AwsService);
        let old_portal = Caller {
            identity_type: Some("Unknown"),
            user_name: Some("alice"),
            event_source: Some("sso.amazonaws.com"),
            ..Caller::default()
        };
        assert_eq!(
            person(&old_portal).unwrap().source,
            PersonSource::IdentityCenterSignIn
        );
        // `Unknown` elsewhere is not read as a person.
        let unknown = Caller {
            event_source: Some("s3.amazonaws.com"),
            ..old_portal
        };
        assert_eq!(person(&unknown), None);
        // Blank values are no answer.
        assert_eq!(person(&sso_session(" ")), None);
        // A role of Identity Center's name outside its reserved path is anyone's role.
        let lookalike = Caller {
            issuer_arn: Some(
                "arn:aws:iam::111122223333:role/AWSReservedSSO_Developers_0123abcd4567ef89",
            ),
            ..sso_session("alice")
        };
        assert_eq!(person(&lookalike), None);
    }

    fn issue(key: &str, role: &str, caller: Option<&str>, caller_key: Option<&str>) -> Issue {
        Issue {
            issued_key: key.into(),
            role_arn: Some(role.into()),
            caller_person: caller.map(|p| (p.into(), PersonSource::IdentityCenterSession)),
            caller_key: caller_key.map(Into::into),
            caller_arn: Some(format!("caller-of-{key}")),
        }
    }

    #[test]
    fn chains_are_followed_back_to_a_person_and_loops_are_not() {
        let issues = [
            issue("K1", "role/a", Some("alice"), Some("K0")),
            issue("K2", "role/b", None, Some("K1")),
            issue("K3", "role/c", None, Some("K2")),
            issue("L1", "role/x", None, Some("L2")),
            issue("L2", "role/y", None, Some("L1")),
            issue("N1", "role/z", None, Some("unknown-key")),
        ];
        let resolved = resolve_chains(&issues);
        let k3 = &resolved["K3"];
        assert_eq!(k3.person, "alice");
        assert_eq!(k3.origin, PersonSource::IdentityCenterSession);
        assert_eq!(k3.chain, ["caller-of-K1", "role/a", "role/b", "role/c"]);
        assert_eq!(resolved["K1"].chain, ["caller-of-K1", "role/a"]);
        assert!(!resolved.contains_key("L1") && !resolved.contains_key("L2"));
        assert!(!resolved.contains_key("N1"));
        // The role owner's copy of a cross-account AssumeRole names no caller: it neither
        // answers nor disagrees.
        let mut copies = issues.to_vec();
        copies.push(Issue {
            caller_person: None,
            caller_key: None,
            ..issue("K1", "role/a", None, None)
        });
        assert_eq!(resolve_chains(&copies)["K3"].person, "alice");
        // The same key issued by calls that disagree: no answer.
        let mut twice = issues.to_vec();
        twice.push(issue("K1", "role/a", Some("bob"), None));
        let resolved = resolve_chains(&twice);
        assert!(!resolved.contains_key("K1") && !resolved.contains_key("K3"));
    }
}
