//! Scopes for the unit tests of tightening.

use super::{Entity, EntityKind, Evidence, PolicyKind, ScopePolicy, Source, Usage, Visibility};
use crate::policy::PolicyDocument;

pub fn entity(kind: EntityKind, name: &str) -> Entity {
    Entity {
        kind,
        name: name.to_owned(),
        arn: format!("arn:aws:iam::123456789012:{}/{name}", kind.as_str()),
    }
}

pub fn used(who: &str, actions: &[&str]) -> Usage {
    let mut usage = Usage::default();
    for action in actions {
        usage.add_action(action, &Evidence::one(Source::Trail, who, Some(1), 1));
    }
    usage
}

pub fn trail() -> Visibility {
    Visibility {
        trail: true,
        ..Visibility::default()
    }
}

pub fn policy(
    name: &str,
    kind: PolicyKind,
    actions: &str,
    attached: &[Entity],
    usage: Usage,
) -> ScopePolicy {
    let document = PolicyDocument::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{actions},"Resource":"*"}}]}}"#
    ))
    .unwrap();
    let key = match kind {
        PolicyKind::AwsManaged => format!("arn:aws:iam::aws:policy/{name}"),
        _ => format!("arn:aws:iam::123456789012:policy/{name}"),
    };
    ScopePolicy {
        key: key.clone(),
        name: name.to_owned(),
        arn: Some(key),
        kind,
        document,
        owner: None,
        attached_to: attached.to_vec(),
        versions: vec!["v1".to_owned()],
        default_version: Some("v1".to_owned()),
        through: attached.to_vec(),
        usage,
        visibility: trail(),
        boundary_of: 0,
    }
}
