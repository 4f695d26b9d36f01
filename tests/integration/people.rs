//! The person behind each event: every derivation rule on hand-written records shaped like
//! real CloudTrail (tests/fixtures/people/records.json), through ingest and `event_people`.

use crate::common::{ingest, repo, rows};

const A: &str = "111122223333";

/// An event id, and its person, rule, chain origin and chain.
type Expected<'a> = (
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<String>,
);

#[test]
fn every_rule_names_its_person_and_nothing_is_guessed() {
    let dir = tempfile::tempdir().unwrap();
    ingest(
        dir.path(),
        &[repo().join("tests/fixtures/people/records.json")],
    );
    let found = rows(
        dir.path(),
        "SELECT eventid, person, person_source, person_origin, person_chain \
         FROM event_people ORDER BY eventid",
    );
    let alice = format!("arn:aws:iam::{A}:user/alice");
    let hop_a = format!("arn:aws:iam::{A}:role/hop-a");
    let hop_b = "arn:aws:iam::444455556666:role/hop-b";
    let user_id = "544894e8-80c1-707f-60e3-3ba6510dfac1";
    let expected: Vec<Expected> = vec![
        ("01-iam-user", Some(&alice), Some("iam_user"), None, None),
        // Before onBehalfOf existed: the session name of the provisioned role.
        (
            "02-sso-session",
            Some("carol@example.com"),
            Some("identity_center_session"),
            None,
            None,
        ),
        (
            "03-sso-on-behalf-of",
            Some(user_id),
            Some("identity_center_user"),
            None,
            None,
        ),
        (
            "04-source-identity",
            Some("octo-dev"),
            Some("source_identity"),
            None,
            None,
        ),
        (
            "05-saml",
            Some("dana@example.com"),
            Some("saml"),
            None,
            None,
        ),
        (
            "06-web-identity",
            Some("repo:corp/app:ref:refs/heads/main"),
            Some("web_identity"),
            None,
            None,
        ),
        (
            "07a-assume-hop-a",
            Some(&alice),
            Some("iam_user"),
            None,
            None,
        ),
        (
            "07b-assume-hop-b",
            Some(&alice),
            Some("role_chain"),
            Some("iam_user"),
            Some(format!("{alice} -> {hop_a}")),
        ),
        (
            "07c-hop-b-call",
            Some(&alice),
            Some("role_chain"),
            Some("iam_user"),
            Some(format!("{alice} -> {hop_a} -> {hop_b}")),
        ),
        (
            "08-federated",
            Some("arn:aws:iam::111122223333:user/bob"),
            Some("federation_token"),
            None,
            None,
        ),
        (
            "09-aws-service",
            Some("cloudtrail.amazonaws.com"),
            Some("aws_service"),
            None,
            None,
        ),
        (
            "10-root",
            Some("arn:aws:iam::111122223333:root"),
            Some("root"),
            None,
            None,
        ),
        (
            "11-portal-unknown",
            Some("carol"),
            Some("identity_center_sign_in"),
            None,
            None,
        ),
        (
            "12-portal-identity-center-user",
            Some(user_id),
            Some("identity_center_user"),
            None,
            None,
        ),
        ("13-unexplained", None, None, None, None),
        ("14-unknown-elsewhere", None, None, None, None),
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (row, (id, person, source, origin, chain)) in found.iter().zip(expected) {
        let text = |k: &str| row.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        assert_eq!(text("eventid").as_deref(), Some(id));
        assert_eq!(text("person").as_deref(), person, "{id}: person");
        assert_eq!(text("person_source").as_deref(), source, "{id}: source");
        assert_eq!(text("person_origin").as_deref(), origin, "{id}: origin");
        assert_eq!(text("person_chain"), chain, "{id}: chain");
    }
    // The rollup carries the event's own person; the chain is the view's.
    let usage = rows(
        dir.path(),
        "SELECT person_source, sum(events) AS n FROM usage WHERE role = 'primary' \
         GROUP BY 1 ORDER BY 1 NULLS LAST",
    );
    let counts: Vec<(Option<String>, i64)> = usage
        .iter()
        .map(|r| {
            (
                r.get("person_source")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned),
                r["n"].as_i64().unwrap(),
            )
        })
        .collect();
    let named = |s: &str| Some(s.to_owned());
    assert_eq!(
        counts,
        vec![
            (named("aws_service"), 1),
            (named("federation_token"), 1),
            (named("iam_user"), 2),
            (named("identity_center_session"), 1),
            (named("identity_center_sign_in"), 1),
            (named("identity_center_user"), 2),
            (named("root"), 1),
            (named("saml"), 1),
            (named("source_identity"), 1),
            (named("web_identity"), 1),
            (None, 4),
        ]
    );
}
