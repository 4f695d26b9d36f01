//! Issue 5: `trailcut collect authz` runs the real AWS SDK against a loopback HTTP server
//! replaying recorded IAM responses (reached through `AWS_ENDPOINT_URL_IAM`): pagination,
//! a throttled request retried, URL-encoded documents, and the same tables as file ingest.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use crate::common::{repo, scalar, trailcut};

type Route = dyn Fn(&str, &str) -> (u16, String) + Send + Sync;

/// A loopback server answering AWS Query requests by their `Action`; records each call.
struct Stub {
    url: String,
    calls: Arc<Mutex<Vec<(String, String)>>>,
}

fn form_value<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    body.split('&').find_map(|kv| {
        kv.split_once('=')
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v)
    })
}

fn serve(route: impl Fn(&str, &str) -> (u16, String) + Send + Sync + 'static) -> Stub {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let calls = Arc::new(Mutex::new(Vec::new()));
    let log = calls.clone();
    let route: Arc<Route> = Arc::new(route);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (log, route) = (log.clone(), route.clone());
            std::thread::spawn(move || handle(stream, &*route, &log));
        }
    });
    Stub { url, calls }
}

fn handle(stream: TcpStream, route: &Route, log: &Mutex<Vec<(String, String)>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0usize;
        let mut target = String::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap();
                } else if k.eq_ignore_ascii_case("x-amz-target") {
                    target = v.trim().to_owned();
                }
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let body = String::from_utf8(body).unwrap();
        // AWS Query (IAM) names the action in the form body, JSON 1.1 (Organizations) in
        // the X-Amz-Target header.
        let (action, content_type) = match target.rsplit_once('.') {
            Some((_, action)) => (action.to_owned(), "application/x-amz-json-1.1"),
            None => (
                form_value(&body, "Action").unwrap_or("").to_owned(),
                "text/xml",
            ),
        };
        log.lock().unwrap().push((action.clone(), body.clone()));
        let (status, response) = route(&action, &body);
        let _ = write!(
            writer,
            "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n{response}",
            response.len()
        );
    }
}

fn recorded(name: &str) -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/aws").join(name)).unwrap()
}

const THROTTLED: &str = "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>\
<RequestId>throttled-0000</RequestId></ErrorResponse>";

/// The AWS environment of a test: fake keys, no profile, the stub as IAM's endpoint.
fn collect(stub: &Stub, store: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = trailcut();
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", store.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", store.join("no-credentials"))
        .env("AWS_ENDPOINT_URL_IAM", &stub.url)
        .env("AWS_ENDPOINT_URL_ORGANIZATIONS", &stub.url)
        .arg("--store")
        .arg(store);
    cmd
}

#[test]
fn authz_pages_are_collected_with_a_throttled_request_retried() {
    let throttled_once = Mutex::new(false);
    let stub = serve(move |action, body| match action {
        "GetAccountAuthorizationDetails" if body.contains("Marker=") => (
            200,
            recorded("get-account-authorization-details.page-2.xml"),
        ),
        "GetAccountAuthorizationDetails" => {
            let mut throttled = throttled_once.lock().unwrap();
            if *throttled {
                (
                    200,
                    recorded("get-account-authorization-details.page-1.xml"),
                )
            } else {
                *throttled = true;
                (400, THROTTLED.to_owned())
            }
        }
        _ => (400, "<ErrorResponse/>".to_owned()),
    });
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let saved = dir.path().join("pages");
    collect(&stub, &store)
        .args(["collect", "authz", "--save"])
        .arg(&saved)
        .assert()
        .success();
    // First page throttled and retried, then the second page by its marker.
    let calls = stub.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert!(calls[2].1.contains("Marker=EXAMPLE"), "{calls:?}");
    // The same tables as `authz ingest`: 2 users, 1 group, 1 role; Alice through Admins.
    assert_eq!(scalar(&store, "SELECT count(*) FROM principals"), 4);
    assert_eq!(scalar(&store, "SELECT count(*) FROM group_members"), 1);
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM attachments WHERE principal_name = 'Alice' \
             AND via_group = 'Admins' AND policy_name = 'AdministratorAccess'"
        ),
        1
    );
    // URL-encoded documents were decoded and expanded.
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM policy_grants WHERE policy_name = 'DenyBillingAndIAMPolicy' \
             AND action = 's3:GetObject'"
        ),
        1
    );
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM principals WHERE name = 'EC2role' \
             AND trust_policy LIKE '%ec2.amazonaws.com%' AND role_last_used IS NOT NULL"
        ),
        1
    );
    // The pages were kept as the CLI would print them, and ingest again as files.
    let pages: Vec<_> = std::fs::read_dir(&saved).unwrap().collect();
    assert_eq!(pages.len(), 2);
}

#[test]
fn an_access_denied_collection_fails_with_the_error() {
    let stub = serve(|_, _| {
        (
            403,
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>\
             <Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to \
             perform: iam:GetAccountAuthorizationDetails</Message></Error>\
             <RequestId>denied-0000</RequestId></ErrorResponse>"
                .to_owned(),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    collect(&stub, &dir.path().join("store"))
        .args(["collect", "authz"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("AccessDenied"))
        .stderr(predicates::str::contains("GetAccountAuthorizationDetails"));
}

/// The sample organisation as the Organizations API returns it (JSON 1.1 bodies).
fn organizations(action: &str, body: &str) -> (u16, String) {
    let arn = |kind: &str, id: &str| {
        format!("arn:aws:organizations::123456789012:{kind}/o-a1b2c3d4e5/{id}")
    };
    let scp = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"lex:*\",\"dms:*\",\"s3:*\"],\"Resource\":\"*\"}]}"#;
    let full = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"#;
    let summary = |id: &str, name: &str, managed: bool| {
        format!(
            r#"{{"Id":"{id}","Arn":"arn:aws:organizations::123456789012:policy/o-a1b2c3d4e5/service_control_policy/{id}","Name":"{name}","Description":"","Type":"SERVICE_CONTROL_POLICY","AwsManaged":{managed}}}"#
        )
    };
    let json = match action {
        "DescribeOrganization" => r#"{"Organization":{"Id":"o-a1b2c3d4e5","Arn":"arn:aws:organizations::123456789012:organization/o-a1b2c3d4e5","FeatureSet":"ALL","MasterAccountArn":"arn:aws:organizations::123456789012:account/o-a1b2c3d4e5/123456789012","MasterAccountId":"123456789012","MasterAccountEmail":"admin@example.com"}}"#.to_owned(),
        "ListRoots" => format!(
            r#"{{"Roots":[{{"Id":"r-ab12","Arn":"{}","Name":"Root","PolicyTypes":[{{"Type":"SERVICE_CONTROL_POLICY","Status":"ENABLED"}}]}}]}}"#,
            arn("root", "r-ab12")
        ),
        "ListOrganizationalUnitsForParent" if body.contains("r-ab12") => format!(
            r#"{{"OrganizationalUnits":[{{"Id":"ou-ab12-11111111","Arn":"{}","Name":"Development"}}]}}"#,
            arn("ou", "ou-ab12-11111111")
        ),
        "ListOrganizationalUnitsForParent" => r#"{"OrganizationalUnits":[]}"#.to_owned(),
        "ListAccountsForParent" => {
            let (id, name) = if body.contains("r-ab12") {
                ("123456789012", "Example Corp")
            } else {
                ("210987654321", "sandbox")
            };
            format!(
                r#"{{"Accounts":[{{"Id":"{id}","Arn":"{}","Email":"{name}@example.com","Name":"{name}","Status":"ACTIVE","JoinedMethod":"CREATED"}}]}}"#,
                arn("account", id)
            )
        }
        "ListPolicies" => format!(
            r#"{{"Policies":[{},{}]}}"#,
            summary("p-FullAWSAccess", "FullAWSAccess", true),
            summary("p-7hq2c4xz", "NewServiceTest", false)
        ),
        "DescribePolicy" if body.contains("p-FullAWSAccess") => format!(
            r#"{{"Policy":{{"PolicySummary":{},"Content":"{full}"}}}}"#,
            summary("p-FullAWSAccess", "FullAWSAccess", true)
        ),
        "DescribePolicy" => format!(
            r#"{{"Policy":{{"PolicySummary":{},"Content":"{scp}"}}}}"#,
            summary("p-7hq2c4xz", "NewServiceTest", false)
        ),
        "ListTargetsForPolicy" if body.contains("p-FullAWSAccess") => format!(
            r#"{{"Targets":[{{"TargetId":"r-ab12","Arn":"{}","Name":"Root","Type":"ROOT"}}]}}"#,
            arn("root", "r-ab12")
        ),
        "ListTargetsForPolicy" => format!(
            r#"{{"Targets":[{{"TargetId":"ou-ab12-11111111","Arn":"{}","Name":"Development","Type":"ORGANIZATIONAL_UNIT"}}]}}"#,
            arn("ou", "ou-ab12-11111111")
        ),
        _ => return (400, r#"{"__type":"InvalidInputException","Message":"unexpected"}"#.to_owned()),
    };
    (200, json)
}

#[test]
fn the_organisation_is_collected_with_its_tree_and_scps() {
    let stub = serve(organizations);
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    collect(&stub, &store)
        .args(["collect", "org"])
        .assert()
        .success();
    let calls: Vec<String> = stub
        .calls
        .lock()
        .unwrap()
        .iter()
        .map(|c| c.0.clone())
        .collect();
    for action in [
        "ListRoots",
        "ListAccountsForParent",
        "DescribePolicy",
        "ListTargetsForPolicy",
    ] {
        assert!(calls.iter().any(|c| c == action), "{action}: {calls:?}");
    }
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM org_accounts WHERE id = '210987654321' \
             AND path = 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/210987654321'"
        ),
        1
    );
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM org_accounts WHERE id = '123456789012' AND is_management"
        ),
        1
    );
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM scp_targets WHERE policy_name = 'NewServiceTest' \
             AND target_path = 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111'"
        ),
        1
    );
    assert_eq!(
        scalar(
            &store,
            "SELECT count(*) FROM scps WHERE name = 'NewServiceTest' AND document LIKE '%lex:*%'"
        ),
        1
    );
}
