//! The CloudTrail record as it arrives on the wire, borrowed from the decoded file.
//!
//! This is the one place that knows CloudTrail's JSON key names. Strings borrow from the
//! input where they carry no escapes; the variable-shape fields (`requestParameters`,
//! `responseElements`, ...) stay raw JSON text, as Athena keeps them. Keys this schema does
//! not know are collected with their JSON path so that a future eventVersion loses nothing.
//! Raw JSON may nest at most [`MAX_DEPTH`] deep, and a field of the wrong type names its
//! path (`userIdentity.arn`). Validation (required fields, timestamps) belongs to
//! `ingest::batch`, not here.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// A JSON scalar kept as text: strings as they are, numbers and booleans in their JSON form.
///
/// CloudTrail is not strict about scalar types (`readOnly` is a boolean in one record and a
/// string in another), so every string field accepts any scalar rather than failing a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<'a>(pub Cow<'a, str>);

impl<'a> Text<'a> {
    /// The text itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(if v { "true" } else { "false" })))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

/// A boolean that CloudTrail writes either as `true` or as `"true"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FlagVisitor;
        impl Visitor<'_> for FlagVisitor {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a boolean or the string \"true\" or \"false\"")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Flag, E> {
                if v.eq_ignore_ascii_case("true") {
                    Ok(Flag(true))
                } else if v.eq_ignore_ascii_case("false") {
                    Ok(Flag(false))
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
        }
        deserializer.deserialize_any(FlagVisitor)
    }
}

/// A field this schema has no column for, with its JSON path (`userIdentity.identityProvider`).
pub type Extra<'a> = (String, &'a RawValue);

/// How deep raw JSON (`requestParameters`, unknown fields, ...) may nest. Capturing it costs
/// nothing at any depth, but whoever parses it again later (the resource rules, the
/// dependent-action triggers) stops at serde_json's limit of 128: a record deeper than
/// this is refused here, with its path, rather than stored half-usable.
pub const MAX_DEPTH: usize = 100;

/// True when the JSON text `raw` nests arrays and objects more than `limit` deep.
pub fn nests_deeper_than(raw: &str, limit: usize) -> bool {
    let bytes = raw.as_bytes();
    // Each level takes an opening and a closing bracket.
    if bytes.len() <= 2 * limit {
        return false;
    }
    let mut depth = 0usize;
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => {
                // Skip the string: to its closing quote, past escaped characters.
                at += 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', &bytes[at..]) {
                        Some(i) if bytes[at + i] == b'\\' => at += i + 2,
                        Some(i) => {
                            at += i;
                            break;
                        }
                        None => return false,
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        at += 1;
    }
    false
}

/// Reads raw JSON (`null` included), refusing it past [`MAX_DEPTH`].
fn read_raw<'de, A: MapAccess<'de>>(map: &mut A) -> Result<&'de RawValue, A::Error> {
    let raw: &'de RawValue = map.next_value()?;
    check_depth(raw)
}

/// Reads raw JSON, `null` as `None`, refusing it past [`MAX_DEPTH`].
fn read_raw_opt<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<&'de RawValue>, A::Error> {
    let raw: Option<&'de RawValue> = map.next_value()?;
    raw.map(check_depth).transpose()
}

fn check_depth<E: de::Error>(raw: &RawValue) -> Result<&RawValue, E> {
    if nests_deeper_than(raw.get(), MAX_DEPTH) {
        return Err(E::custom(format_args!(
            "nested more than {MAX_DEPTH} levels deep"
        )));
    }
    Ok(raw)
}

/// A field's value as the record keeps it: scalars as [`Text`] or [`Flag`], variable
/// JSON raw (depth-checked).
trait FieldValue<'de>: Sized {
    fn read<A: MapAccess<'de>>(map: &mut A) -> Result<Self, A::Error>;
}

impl<'de> FieldValue<'de> for Option<Text<'de>> {
    fn read<A: MapAccess<'de>>(map: &mut A) -> Result<Self, A::Error> {
        map.next_value()
    }
}

impl<'de> FieldValue<'de> for Option<&'de RawValue> {
    fn read<A: MapAccess<'de>>(map: &mut A) -> Result<Self, A::Error> {
        read_raw_opt(map)
    }
}

/// Names the field an error happened in (`... at `userIdentity.arn``), unless a field
/// nested in it already did. Only runs on the error path.
fn at_field<E: de::Error>(error: E, prefix: &str, key: &str) -> E {
    let message = error.to_string();
    let message = match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => &message,
    };
    if message.contains(" at `") {
        return E::custom(message);
    }
    E::custom(format_args!("{message} at `{prefix}{key}`"))
}

/// `userIdentity.sessionContext.sessionIssuer`.
#[derive(Debug, Default, Clone)]
pub struct SessionIssuer<'a> {
    pub kind: Option<Text<'a>>,
    pub principal_id: Option<Text<'a>>,
    pub arn: Option<Text<'a>>,
    pub account_id: Option<Text<'a>>,
    pub user_name: Option<Text<'a>>,
}

/// `userIdentity.sessionContext.webIdFederationData`.
#[derive(Debug, Default, Clone)]
pub struct WebIdFederationData<'a> {
    pub federated_provider: Option<Text<'a>>,
    pub attributes: Option<&'a RawValue>,
}

/// `userIdentity.sessionContext`.
#[derive(Debug, Default, Clone)]
pub struct SessionContext<'a> {
    pub mfa_authenticated: Option<Text<'a>>,
    pub creation_date: Option<Text<'a>>,
    /// Whether an `attributes` object was present at all.
    pub has_attributes: bool,
    pub session_issuer: Option<SessionIssuer<'a>>,
    pub web_id_federation_data: Option<WebIdFederationData<'a>>,
    pub source_identity: Option<Text<'a>>,
    pub ec2_role_delivery: Option<Text<'a>>,
}

/// `userIdentity.onBehalfOf`.
#[derive(Debug, Default, Clone)]
pub struct OnBehalfOf<'a> {
    pub user_id: Option<Text<'a>>,
    pub identity_store_arn: Option<Text<'a>>,
}

/// `userIdentity`: who made the call.
#[derive(Debug, Default, Clone)]
pub struct UserIdentity<'a> {
    pub kind: Option<Text<'a>>,
    pub principal_id: Option<Text<'a>>,
    pub arn: Option<Text<'a>>,
    pub account_id: Option<Text<'a>>,
    pub invoked_by: Option<Text<'a>>,
    pub access_key_id: Option<Text<'a>>,
    pub user_name: Option<Text<'a>>,
    pub on_behalf_of: Option<OnBehalfOf<'a>>,
    pub session_context: Option<SessionContext<'a>>,
}

/// One element of `resources`.
#[derive(Debug, Default, Clone)]
pub struct Resource<'a> {
    pub arn: Option<Text<'a>>,
    pub account_id: Option<Text<'a>>,
    pub kind: Option<Text<'a>>,
}

/// `addendum`: why CloudTrail delivered an event late or changed it.
#[derive(Debug, Default, Clone)]
pub struct Addendum<'a> {
    pub reason: Option<Text<'a>>,
    pub updated_fields: Option<Text<'a>>,
    pub original_request_id: Option<Text<'a>>,
    pub original_event_id: Option<Text<'a>>,
}

/// `tlsDetails`.
#[derive(Debug, Default, Clone)]
pub struct TlsDetails<'a> {
    pub tls_version: Option<Text<'a>>,
    pub cipher_suite: Option<Text<'a>>,
    pub client_provided_host_header: Option<Text<'a>>,
}

/// One CloudTrail record, as found in the file. Every field is optional here.
#[derive(Debug, Default, Clone)]
pub struct CloudTrailRecord<'a> {
    pub event_version: Option<Text<'a>>,
    pub user_identity: Option<UserIdentity<'a>>,
    pub event_time: Option<Text<'a>>,
    pub event_source: Option<Text<'a>>,
    pub event_name: Option<Text<'a>>,
    pub aws_region: Option<Text<'a>>,
    pub source_ip_address: Option<Text<'a>>,
    pub user_agent: Option<Text<'a>>,
    pub error_code: Option<Text<'a>>,
    pub error_message: Option<Text<'a>>,
    pub request_parameters: Option<&'a RawValue>,
    pub response_elements: Option<&'a RawValue>,
    pub additional_event_data: Option<&'a RawValue>,
    pub request_id: Option<Text<'a>>,
    pub event_id: Option<Text<'a>>,
    pub resources: Vec<Resource<'a>>,
    /// Whether `resources` was present (an empty list differs from none).
    pub has_resources: bool,
    pub event_type: Option<Text<'a>>,
    pub api_version: Option<Text<'a>>,
    pub read_only: Option<Flag>,
    pub recipient_account_id: Option<Text<'a>>,
    pub service_event_details: Option<&'a RawValue>,
    pub shared_event_id: Option<Text<'a>>,
    pub vpc_endpoint_id: Option<Text<'a>>,
    pub vpc_endpoint_account_id: Option<Text<'a>>,
    pub event_category: Option<Text<'a>>,
    pub management_event: Option<Flag>,
    pub addendum: Option<Addendum<'a>>,
    pub session_credential_from_console: Option<Text<'a>>,
    pub edge_device_details: Option<&'a RawValue>,
    pub tls_details: Option<TlsDetails<'a>>,
    pub in_scope_of: Option<&'a RawValue>,
    /// Fields without a column, by JSON path; stored in `extra`.
    pub extra: Vec<Extra<'a>>,
}

/// Reads the keys of one JSON object, handing each to `on_key`; the callback returns
/// `false` for keys it does not know, which are then kept raw under `prefix.key`.
fn visit_object<'de, A, F>(
    map: &mut A,
    prefix: &str,
    extra: &mut Vec<Extra<'de>>,
    mut on_key: F,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    F: FnMut(&str, &mut A) -> Result<bool, A::Error>,
{
    while let Some(key) = map.next_key::<Text<'de>>()? {
        let known = on_key(key.as_str(), map).map_err(|e| at_field(e, prefix, key.as_str()))?;
        if !known {
            let raw = read_raw(map).map_err(|e| at_field(e, prefix, key.as_str()))?;
            extra.push((format!("{prefix}{}", key.as_str()), raw));
        }
    }
    Ok(())
}

/// Defines a seed that reads an optional nested object into `$ty`, mapping JSON keys to
/// fields and passing unknown keys up as extras under `prefix`.
macro_rules! nested_seed {
    ($seed:ident, $ty:ident, { $($($key:literal)|+ => $field:ident),* $(,)? }) => {
        struct $seed<'e, 'de> {
            prefix: &'e str,
            extra: &'e mut Vec<Extra<'de>>,
        }

        impl<'de> de::DeserializeSeed<'de> for $seed<'_, 'de> {
            type Value = Option<$ty<'de>>;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_option(self)
            }
        }

        impl<'de> Visitor<'de> for $seed<'_, 'de> {
            type Value = Option<$ty<'de>>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "an object at `{}`", self.prefix.trim_end_matches('.'))
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_map(self)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut value = $ty::default();
                visit_object(&mut map, self.prefix, self.extra, |key, map| {
                    match key {
                        $($($key)|+ => value.$field = FieldValue::read(map)?,)*
                        _ => return Ok(false),
                    }
                    Ok(true)
                })?;
                Ok(Some(value))
            }
        }
    };
}

nested_seed!(IssuerSeed, SessionIssuer, {
    "type" => kind,
    "principalId" => principal_id,
    "arn" => arn,
    "accountId" => account_id,
    "userName" => user_name,
});

nested_seed!(WebIdSeed, WebIdFederationData, {
    "federatedProvider" => federated_provider,
    "attributes" => attributes,
});

nested_seed!(OnBehalfOfSeed, OnBehalfOf, {
    "userId" => user_id,
    "identityStoreArn" => identity_store_arn,
});

nested_seed!(AddendumSeed, Addendum, {
    "reason" => reason,
    "updatedFields" => updated_fields,
    "originalRequestID" => original_request_id,
    "originalEventID" => original_event_id,
});

nested_seed!(TlsSeed, TlsDetails, {
    "tlsVersion" => tls_version,
    "cipherSuite" => cipher_suite,
    "clientProvidedHostHeader" => client_provided_host_header,
});

// CloudTrail writes `ARN`; some producers write `arn`.
nested_seed!(ResourceSeed, Resource, {
    "ARN" | "arn" => arn,
    "accountId" => account_id,
    "type" => kind,
});

/// `sessionContext.attributes`, flattened into `SessionContext` once read.
#[derive(Default)]
struct Attributes<'a> {
    mfa_authenticated: Option<Text<'a>>,
    creation_date: Option<Text<'a>>,
}

nested_seed!(AttributesSeed, Attributes, {
    "mfaAuthenticated" => mfa_authenticated,
    "creationDate" => creation_date,
});

impl<'de> CloudTrailRecord<'de> {
    /// Reads the value of `key` into the matching field; returns `false` for unknown keys
    /// (the value is then still unread). An error names the field's path.
    pub fn read_field<A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        self.read_known(key, map).map_err(|e| at_field(e, "", key))
    }

    /// Keeps the value of a key without a column in `extra`, raw.
    pub fn read_extra<A: MapAccess<'de>>(
        &mut self,
        key: Text<'de>,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let raw = read_raw(map).map_err(|e| at_field(e, "", key.as_str()))?;
        self.extra.push((key.0.into_owned(), raw));
        Ok(())
    }

    fn read_known<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "eventVersion" => self.event_version = map.next_value()?,
            "userIdentity" => {
                self.user_identity = map.next_value_seed(UserIdentitySeed {
                    extra: &mut self.extra,
                })?
            }
            "eventTime" => self.event_time = map.next_value()?,
            "eventSource" => self.event_source = map.next_value()?,
            "eventName" => self.event_name = map.next_value()?,
            "awsRegion" => self.aws_region = map.next_value()?,
            "sourceIPAddress" => self.source_ip_address = map.next_value()?,
            "userAgent" => self.user_agent = map.next_value()?,
            "errorCode" => self.error_code = map.next_value()?,
            "errorMessage" => self.error_message = map.next_value()?,
            "requestParameters" => self.request_parameters = read_raw_opt(map)?,
            "responseElements" => self.response_elements = read_raw_opt(map)?,
            "additionalEventData" => self.additional_event_data = read_raw_opt(map)?,
            "requestID" => self.request_id = map.next_value()?,
            "eventID" => self.event_id = map.next_value()?,
            "resources" => {
                // Kept raw first: an EventBridge envelope also has `resources`, as strings.
                if let Some(raw) = read_raw_opt(map)? {
                    self.read_resources(raw).map_err(de::Error::custom)?;
                }
            }
            "eventType" => self.event_type = map.next_value()?,
            "apiVersion" => self.api_version = map.next_value()?,
            "readOnly" => self.read_only = map.next_value()?,
            "recipientAccountId" => self.recipient_account_id = map.next_value()?,
            "serviceEventDetails" => self.service_event_details = read_raw_opt(map)?,
            "sharedEventID" => self.shared_event_id = map.next_value()?,
            "vpcEndpointId" => self.vpc_endpoint_id = map.next_value()?,
            "vpcEndpointAccountId" => self.vpc_endpoint_account_id = map.next_value()?,
            "eventCategory" => self.event_category = map.next_value()?,
            "managementEvent" => self.management_event = map.next_value()?,
            "addendum" => {
                self.addendum = map.next_value_seed(AddendumSeed {
                    prefix: "addendum.",
                    extra: &mut self.extra,
                })?
            }
            "sessionCredentialFromConsole" => {
                self.session_credential_from_console = map.next_value()?
            }
            "edgeDeviceDetails" => self.edge_device_details = read_raw_opt(map)?,
            "tlsDetails" => {
                self.tls_details = map.next_value_seed(TlsSeed {
                    prefix: "tlsDetails.",
                    extra: &mut self.extra,
                })?
            }
            "inScopeOf" => self.in_scope_of = read_raw_opt(map)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Parses `resources`; an array of strings (an EventBridge envelope's) is kept as extra.
    fn read_resources(&mut self, raw: &'de RawValue) -> Result<(), serde_json::Error> {
        let items: Vec<&'de RawValue> = serde_json::from_str(raw.get())?;
        if items.iter().any(|item| !item.get().starts_with('{')) {
            self.extra.push(("resources".to_owned(), raw));
            return Ok(());
        }
        self.has_resources = true;
        for (i, item) in items.into_iter().enumerate() {
            let mut de = serde_json::Deserializer::from_str(item.get());
            let extras_before = self.extra.len();
            let resource = de::DeserializeSeed::deserialize(
                ResourceSeed {
                    prefix: "resources[].",
                    extra: &mut self.extra,
                },
                &mut de,
            )?;
            // Name unknown keys with the item's index; rare, so the string is built only here.
            for (path, _) in &mut self.extra[extras_before..] {
                *path = path.replacen("resources[]", &format!("resources[{i}]"), 1);
            }
            self.resources.push(resource.unwrap_or_default());
        }
        Ok(())
    }
}

struct UserIdentitySeed<'e, 'de> {
    extra: &'e mut Vec<Extra<'de>>,
}

impl<'de> de::DeserializeSeed<'de> for UserIdentitySeed<'_, 'de> {
    type Value = Option<UserIdentity<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for UserIdentitySeed<'_, 'de> {
    type Value = Option<UserIdentity<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object at `userIdentity`")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut id = UserIdentity::default();
        let extra = self.extra;
        let mut own_extra = Vec::new();
        visit_object(&mut map, "userIdentity.", &mut own_extra, |key, map| {
            match key {
                "type" => id.kind = map.next_value()?,
                "principalId" => id.principal_id = map.next_value()?,
                "arn" => id.arn = map.next_value()?,
                "accountId" => id.account_id = map.next_value()?,
                "invokedBy" => id.invoked_by = map.next_value()?,
                "accessKeyId" => id.access_key_id = map.next_value()?,
                "userName" => id.user_name = map.next_value()?,
                "onBehalfOf" => {
                    id.on_behalf_of = map.next_value_seed(OnBehalfOfSeed {
                        prefix: "userIdentity.onBehalfOf.",
                        extra: &mut *extra,
                    })?
                }
                "sessionContext" => {
                    id.session_context =
                        map.next_value_seed(SessionContextSeed { extra: &mut *extra })?
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        extra.append(&mut own_extra);
        Ok(Some(id))
    }
}

struct SessionContextSeed<'e, 'de> {
    extra: &'e mut Vec<Extra<'de>>,
}

impl<'de> de::DeserializeSeed<'de> for SessionContextSeed<'_, 'de> {
    type Value = Option<SessionContext<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for SessionContextSeed<'_, 'de> {
    type Value = Option<SessionContext<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object at `userIdentity.sessionContext`")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        const PREFIX: &str = "userIdentity.sessionContext.";
        let mut ctx = SessionContext::default();
        let extra = self.extra;
        let mut own_extra = Vec::new();
        visit_object(&mut map, PREFIX, &mut own_extra, |key, map| {
            match key {
                "attributes" => {
                    let attributes = map.next_value_seed(AttributesSeed {
                        prefix: "userIdentity.sessionContext.attributes.",
                        extra: &mut *extra,
                    })?;
                    if let Some(a) = attributes {
                        ctx.has_attributes = true;
                        ctx.mfa_authenticated = a.mfa_authenticated;
                        ctx.creation_date = a.creation_date;
                    }
                }
                "sessionIssuer" => {
                    ctx.session_issuer = map.next_value_seed(IssuerSeed {
                        prefix: "userIdentity.sessionContext.sessionIssuer.",
                        extra: &mut *extra,
                    })?
                }
                "webIdFederationData" => {
                    ctx.web_id_federation_data = map.next_value_seed(WebIdSeed {
                        prefix: "userIdentity.sessionContext.webIdFederationData.",
                        extra: &mut *extra,
                    })?
                }
                "sourceIdentity" => ctx.source_identity = map.next_value()?,
                "ec2RoleDelivery" => ctx.ec2_role_delivery = map.next_value()?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        extra.append(&mut own_extra);
        Ok(Some(ctx))
    }
}

/// Deserialises one record on its own (tests, a record decoded again from its raw fields).
impl<'de> Deserialize<'de> for CloudTrailRecord<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RecordVisitor;
        impl<'de> Visitor<'de> for RecordVisitor {
            type Value = CloudTrailRecord<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a CloudTrail record object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut record = CloudTrailRecord::default();
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    if !record.read_field(key.as_str(), &mut map)? {
                        record.read_extra(key, &mut map)?;
                    }
                }
                Ok(record)
            }
        }
        deserializer.deserialize_map(RecordVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_brackets_outside_strings_only() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(!nests_deeper_than(&nested(3), 3));
        assert!(nests_deeper_than(&nested(4), 3));
        // Brackets in strings, escaped quotes and backslashes do not count.
        let text = r#"{"a":"[[[[\"[[[[\\","b":[{"c":"}}}]]]"}]}"#;
        assert!(!nests_deeper_than(text, 3));
        assert!(nests_deeper_than(text, 2));
        // Short text cannot be deep: it is not scanned.
        assert!(!nests_deeper_than("[[]]", 2));
        assert!(nests_deeper_than(&nested(100_000), MAX_DEPTH));
    }
}
