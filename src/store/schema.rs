//! The Arrow schema of the `events` table: Athena's CloudTrail column names, typed
//! where the type is fixed (timestamps, booleans, structs) and raw JSON text where
//! the content varies by service (`requestparameters`, `responseelements`, ...).
//!
//! This file owns column names and types only; filling them is `ingest::batch`.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};

/// Names of the `events` columns, shared by the builder, the writer and the tests.
pub mod col {
    pub const EVENTVERSION: &str = "eventversion";
    pub const USERIDENTITY: &str = "useridentity";
    pub const EVENTTIME: &str = "eventtime";
    pub const EVENTSOURCE: &str = "eventsource";
    pub const EVENTNAME: &str = "eventname";
    pub const AWSREGION: &str = "awsregion";
    pub const SOURCEIPADDRESS: &str = "sourceipaddress";
    pub const USERAGENT: &str = "useragent";
    pub const ERRORCODE: &str = "errorcode";
    pub const ERRORMESSAGE: &str = "errormessage";
    pub const REQUESTPARAMETERS: &str = "requestparameters";
    pub const RESPONSEELEMENTS: &str = "responseelements";
    pub const ADDITIONALEVENTDATA: &str = "additionaleventdata";
    pub const REQUESTID: &str = "requestid";
    pub const EVENTID: &str = "eventid";
    pub const RESOURCES: &str = "resources";
    pub const EVENTTYPE: &str = "eventtype";
    pub const APIVERSION: &str = "apiversion";
    pub const READONLY: &str = "readonly";
    pub const RECIPIENTACCOUNTID: &str = "recipientaccountid";
    pub const SERVICEEVENTDETAILS: &str = "serviceeventdetails";
    pub const SHAREDEVENTID: &str = "sharedeventid";
    pub const VPCENDPOINTID: &str = "vpcendpointid";
    pub const VPCENDPOINTACCOUNTID: &str = "vpcendpointaccountid";
    pub const EVENTCATEGORY: &str = "eventcategory";
    pub const MANAGEMENTEVENT: &str = "managementevent";
    pub const ADDENDUM: &str = "addendum";
    pub const SESSIONCREDENTIALFROMCONSOLE: &str = "sessioncredentialfromconsole";
    pub const EDGEDEVICEDETAILS: &str = "edgedevicedetails";
    pub const TLSDETAILS: &str = "tlsdetails";
    pub const INSCOPEOF: &str = "inscopeof";
    pub const EXTRA: &str = "extra";
    pub const PRINCIPAL_ARN: &str = "principal_arn";
    pub const SESSION_NAME: &str = "session_name";
    pub const ACCOUNT_ID: &str = "account_id";
    pub const EVENT_DATE: &str = "event_date";
    pub const IAM_SERVICE: &str = "iam_service";
    pub const IAM_ACTIONS: &str = "iam_actions";
    pub const IAM_DEPENDENT_ACTIONS: &str = "iam_dependent_actions";
    pub const MAPPING_STATUS: &str = "mapping_status";
    pub const PERSON: &str = "person";
    pub const PERSON_SOURCE: &str = "person_source";
}

fn utf8(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

fn utf8_list(name: &str) -> Field {
    Field::new(
        name,
        DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
        true,
    )
}

fn strukt(name: &str, fields: Vec<Field>) -> Field {
    Field::new(name, DataType::Struct(Fields::from(fields)), true)
}

/// Fields of `useridentity.sessioncontext.sessionissuer`.
pub fn session_issuer_fields() -> Fields {
    Fields::from(vec![
        utf8("type"),
        utf8("principalid"),
        utf8("arn"),
        utf8("accountid"),
        utf8("username"),
    ])
}

/// Fields of `useridentity.sessioncontext`.
pub fn session_context_fields() -> Fields {
    Fields::from(vec![
        strukt(
            "attributes",
            vec![utf8("mfaauthenticated"), utf8("creationdate")],
        ),
        Field::new(
            "sessionissuer",
            DataType::Struct(session_issuer_fields()),
            true,
        ),
        strukt(
            "webidfederationdata",
            // Athena declares `attributes` as map<string,string>; the values are not
            // always strings, so trailcut keeps the object as JSON text.
            vec![utf8("federatedprovider"), utf8("attributes")],
        ),
        utf8("sourceidentity"),
        utf8("ec2roledelivery"),
    ])
}

/// Fields of the `useridentity` struct, in Athena's order.
pub fn user_identity_fields() -> Fields {
    Fields::from(vec![
        utf8("type"),
        utf8("principalid"),
        utf8("arn"),
        utf8("accountid"),
        utf8("invokedby"),
        utf8("accesskeyid"),
        utf8("username"),
        strukt("onbehalfof", vec![utf8("userid"), utf8("identitystorearn")]),
        Field::new(
            "sessioncontext",
            DataType::Struct(session_context_fields()),
            true,
        ),
    ])
}

/// Fields of one element of `resources`.
pub fn resource_fields() -> Fields {
    Fields::from(vec![utf8("arn"), utf8("accountid"), utf8("type")])
}

/// Fields of `addendum`.
pub fn addendum_fields() -> Fields {
    Fields::from(vec![
        utf8("reason"),
        utf8("updatedfields"),
        utf8("originalrequestid"),
        utf8("originaleventid"),
    ])
}

/// Fields of `tlsdetails`.
pub fn tls_details_fields() -> Fields {
    Fields::from(vec![
        utf8("tlsversion"),
        utf8("ciphersuite"),
        utf8("clientprovidedhostheader"),
    ])
}

/// The type of `eventtime`: microseconds since the epoch, UTC.
pub fn event_time_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

static EVENTS_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    use col::*;
    Arc::new(Schema::new(vec![
        utf8(EVENTVERSION),
        Field::new(USERIDENTITY, DataType::Struct(user_identity_fields()), true),
        Field::new(EVENTTIME, event_time_type(), false),
        Field::new(EVENTSOURCE, DataType::Utf8, false),
        Field::new(EVENTNAME, DataType::Utf8, false),
        utf8(AWSREGION),
        utf8(SOURCEIPADDRESS),
        utf8(USERAGENT),
        utf8(ERRORCODE),
        utf8(ERRORMESSAGE),
        utf8(REQUESTPARAMETERS),
        utf8(RESPONSEELEMENTS),
        utf8(ADDITIONALEVENTDATA),
        utf8(REQUESTID),
        Field::new(EVENTID, DataType::Utf8, false),
        Field::new(
            RESOURCES,
            DataType::List(Arc::new(Field::new(
                "item",
                DataType::Struct(resource_fields()),
                true,
            ))),
            true,
        ),
        utf8(EVENTTYPE),
        utf8(APIVERSION),
        Field::new(READONLY, DataType::Boolean, true),
        utf8(RECIPIENTACCOUNTID),
        utf8(SERVICEEVENTDETAILS),
        utf8(SHAREDEVENTID),
        utf8(VPCENDPOINTID),
        utf8(VPCENDPOINTACCOUNTID),
        utf8(EVENTCATEGORY),
        Field::new(MANAGEMENTEVENT, DataType::Boolean, true),
        Field::new(ADDENDUM, DataType::Struct(addendum_fields()), true),
        utf8(SESSIONCREDENTIALFROMCONSOLE),
        utf8(EDGEDEVICEDETAILS),
        Field::new(TLSDETAILS, DataType::Struct(tls_details_fields()), true),
        utf8(INSCOPEOF),
        utf8(EXTRA),
        utf8(PRINCIPAL_ARN),
        utf8(SESSION_NAME),
        utf8(ACCOUNT_ID),
        Field::new(EVENT_DATE, DataType::Date32, false),
        // The IAM side of the call (`crate::mapping`), computed at ingest. Nullable because
        // files written before these columns existed read them as null until
        // `trailcut store upgrade` rewrites them.
        utf8(IAM_SERVICE),
        utf8_list(IAM_ACTIONS),
        utf8_list(IAM_DEPENDENT_ACTIONS),
        utf8(MAPPING_STATUS),
        // The person the event shows and the rule that named it (`crate::identity`),
        // computed at ingest from `useridentity` (`store::personcols`).
        utf8(PERSON),
        utf8(PERSON_SOURCE),
    ]))
});

/// The schema of every Parquet file under `events/`.
pub fn events_schema() -> SchemaRef {
    EVENTS_SCHEMA.clone()
}
