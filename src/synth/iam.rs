//! An IAM snapshot for a generated trail: one `get-account-authorization-details` document
//! per account, in which every IAM user and role of the ground truth has its own managed
//! policy allowing `*` on `*`. The worst case of over-permission, so that `trailcut tighten`
//! (and `trailcut bench`) have every principal's policy to cut down to its trail.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::GroundTruth;

/// The documents by account id; `created` (RFC 3339) dates every entity and policy.
pub fn authorization_details(truth: &GroundTruth, created: &str) -> BTreeMap<String, Value> {
    let mut accounts: BTreeMap<String, Value> = BTreeMap::new();
    for (n, principal) in truth.principals.iter().enumerate() {
        if !matches!(principal.kind.as_str(), "IAMUser" | "AssumedRole") {
            continue;
        }
        let arn = &principal.principal_arn;
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let (Some(account), Some(resource)) = (parts.get(4), parts.get(5)) else {
            continue;
        };
        if !arn.starts_with("arn:aws:iam::") {
            continue;
        }
        let Some((kind, rest)) = resource.split_once('/') else {
            continue;
        };
        let (path, name) = match rest.rsplit_once('/') {
            Some((path, name)) => (format!("/{path}/"), name),
            None => ("/".to_owned(), rest),
        };
        let policy = format!("broad-{kind}-{n}");
        let policy_arn = format!("arn:aws:iam::{account}:policy/{policy}");
        let doc = accounts.entry((*account).to_owned()).or_insert_with(|| {
            json!({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []})
        });
        let attached = json!([{"PolicyName": policy, "PolicyArn": policy_arn}]);
        let (list, entry) = match kind {
            "user" => (
                "UserDetailList",
                json!({"Path": path, "UserName": name, "UserId": format!("AIDA{n:017}"),
                       "Arn": arn, "CreateDate": created, "GroupList": [],
                       "AttachedManagedPolicies": attached}),
            ),
            "role" => (
                "RoleDetailList",
                json!({"Path": path, "RoleName": name, "RoleId": format!("AROA{n:017}"),
                       "Arn": arn, "CreateDate": created,
                       "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                           {"Effect": "Allow", "Principal": {"AWS": "*"},
                            "Action": "sts:AssumeRole"}]},
                       "RolePolicyList": [], "AttachedManagedPolicies": attached}),
            ),
            _ => continue,
        };
        push(doc, list, entry);
        push(
            doc,
            "Policies",
            json!({"PolicyName": policy, "PolicyId": format!("ANPA{n:017}"), "Arn": policy_arn,
                   "Path": "/", "DefaultVersionId": "v1", "AttachmentCount": 1,
                   "IsAttachable": true, "CreateDate": created, "UpdateDate": created,
                   "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true,
                       "CreateDate": created, "Document": {"Version": "2012-10-17",
                       "Statement": [{"Sid": "Everything", "Effect": "Allow",
                                      "Action": "*", "Resource": "*"}]}}]}),
        );
    }
    accounts
}

fn push(doc: &mut Value, list: &str, entry: Value) {
    if let Some(items) = doc.get_mut(list).and_then(Value::as_array_mut) {
        items.push(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{TruthCall, TruthPrincipal};

    fn principal(arn: &str, kind: &str) -> TruthPrincipal {
        TruthPrincipal {
            principal_arn: arn.to_owned(),
            kind: kind.to_owned(),
            calls: vec![TruthCall {
                event_source: "s3.amazonaws.com".to_owned(),
                event_name: "GetObject".to_owned(),
                successes: 1,
                errors: 0,
            }],
        }
    }

    #[test]
    fn users_and_roles_get_a_star_policy_services_do_not() {
        let truth = GroundTruth {
            seed: 1,
            events: 3,
            files: 1,
            principals: vec![
                principal(
                    "arn:aws:iam::111122223333:role/service/etl-runner",
                    "AssumedRole",
                ),
                principal("arn:aws:iam::111122223333:user/ana", "IAMUser"),
                principal("lambda.amazonaws.com", "AWSService"),
            ],
        };
        let docs = authorization_details(&truth, "2026-01-01T00:00:00Z");
        let doc = &docs["111122223333"];
        assert_eq!(docs.len(), 1);
        assert_eq!(doc["RoleDetailList"][0]["Path"], "/service/");
        assert_eq!(doc["RoleDetailList"][0]["RoleName"], "etl-runner");
        assert_eq!(doc["UserDetailList"][0]["UserName"], "ana");
        assert_eq!(doc["Policies"].as_array().unwrap().len(), 2);
        assert_eq!(
            doc["Policies"][1]["PolicyVersionList"][0]["Document"]["Statement"][0]["Action"],
            "*"
        );
    }
}
