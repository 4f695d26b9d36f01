//! Builds Arrow record batches of the `events` schema straight from wire records.
//!
//! [`EventBatchBuilder`] is the [`RecordSink`] the decoder feeds: it validates the fields
//! trailcut cannot do without (`eventTime`, `eventSource`, `eventName`), computes the
//! derived columns and the de-duplication key, and appends to column builders. Records
//! that fail validation are counted with their position and left out; records whose time
//! is outside the object's [`TimeBounds`] are set aside as outliers, to be stored apart.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, BooleanBuilder, Date32Builder, ListArray, RecordBatch, StringBuilder,
    StructArray, TimestampMicrosecondBuilder,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::compute::filter_record_batch;
use arrow::datatypes::{DataType, Field, Fields};
use serde_json::value::RawValue;

use super::decode::RecordSink;
use super::derive;
use super::plausible::TimeBounds;
use super::record::{CloudTrailRecord, Text};
use crate::request::json::EventJson;
pub use crate::store::batch::{DecodedBatch, Outlier, OutlierBatch};
use crate::store::mapcols::MappingColumns;
use crate::store::schema::{self, events_schema};

/// A record left out of the batch, with its 1-based position in the source object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// 1-based position of the record in its source object.
    pub record: u64,
    /// What was wrong, e.g. "missing `eventTime`".
    pub message: String,
}

/// N nullable string columns that form one struct column.
struct StrStruct<const N: usize> {
    cols: [StringBuilder; N],
    valid: Vec<bool>,
}

impl<const N: usize> StrStruct<N> {
    fn new() -> Self {
        Self {
            cols: std::array::from_fn(|_| StringBuilder::with_capacity(0, 0)),
            valid: Vec::new(),
        }
    }

    fn append(&mut self, values: Option<[Option<&str>; N]>) {
        match values {
            Some(values) => {
                for (col, value) in self.cols.iter_mut().zip(values) {
                    col.append_option(value);
                }
                self.valid.push(true);
            }
            None => {
                for col in &mut self.cols {
                    col.append_null();
                }
                self.valid.push(false);
            }
        }
    }

    fn finish_children(&mut self) -> Vec<ArrayRef> {
        self.cols
            .iter_mut()
            .map(|c| Arc::new(c.finish()) as ArrayRef)
            .collect()
    }

    fn finish(&mut self, fields: Fields) -> ArrayRef {
        let children = self.finish_children();
        let nulls = take_nulls(&mut self.valid);
        Arc::new(StructArray::new(fields, children, nulls))
    }
}

fn take_nulls(valid: &mut Vec<bool>) -> Option<NullBuffer> {
    let valid = std::mem::take(valid);
    if valid.iter().all(|v| *v) {
        None
    } else {
        Some(NullBuffer::from(valid))
    }
}

fn text<'a>(t: &'a Option<Text<'_>>) -> Option<&'a str> {
    t.as_ref().map(Text::as_str)
}

/// Builds `events` batches. One builder per source object (or per test).
pub struct EventBatchBuilder {
    eventversion: StringBuilder,
    // useridentity
    ui_scalars: StrStruct<7>,
    ui_on_behalf_of: StrStruct<2>,
    sc_attributes: StrStruct<2>,
    sc_issuer: StrStruct<5>,
    sc_web_id: StrStruct<2>,
    sc_source_identity: StringBuilder,
    sc_ec2_role_delivery: StringBuilder,
    sc_valid: Vec<bool>,
    eventtime: TimestampMicrosecondBuilder,
    eventsource: StringBuilder,
    eventname: StringBuilder,
    awsregion: StringBuilder,
    sourceipaddress: StringBuilder,
    useragent: StringBuilder,
    errorcode: StringBuilder,
    errormessage: StringBuilder,
    requestparameters: StringBuilder,
    responseelements: StringBuilder,
    additionaleventdata: StringBuilder,
    requestid: StringBuilder,
    eventid: StringBuilder,
    resource_items: StrStruct<3>,
    resource_offsets: Vec<i32>,
    resource_valid: Vec<bool>,
    eventtype: StringBuilder,
    apiversion: StringBuilder,
    readonly: BooleanBuilder,
    recipientaccountid: StringBuilder,
    serviceeventdetails: StringBuilder,
    sharedeventid: StringBuilder,
    vpcendpointid: StringBuilder,
    vpcendpointaccountid: StringBuilder,
    eventcategory: StringBuilder,
    managementevent: BooleanBuilder,
    addendum: StrStruct<4>,
    sessioncredentialfromconsole: StringBuilder,
    edgedevicedetails: StringBuilder,
    tlsdetails: StrStruct<3>,
    inscopeof: StringBuilder,
    extra: StringBuilder,
    principal_arn: StringBuilder,
    session_name: StringBuilder,
    account_id: StringBuilder,
    event_date: Date32Builder,
    mapping: MappingColumns,
    /// De-duplication key of each row, parallel to the columns.
    keys: Vec<u128>,
    /// Event day of each row, parallel to the columns.
    days: Vec<i32>,
    rows: usize,
    seen: u64,
    errors: Vec<RecordError>,
    scratch: String,
    /// The plausible event times; `None` takes every valid time.
    bounds: Option<TimeBounds>,
    /// Rows of the coming batch that are outliers, with their row index.
    pending_outliers: Vec<(usize, Outlier)>,
    /// Outliers set aside by `finish`, until taken.
    outliers: Vec<OutlierBatch>,
}

impl Default for EventBatchBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBatchBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self {
            eventversion: StringBuilder::with_capacity(0, 0),
            ui_scalars: StrStruct::new(),
            ui_on_behalf_of: StrStruct::new(),
            sc_attributes: StrStruct::new(),
            sc_issuer: StrStruct::new(),
            sc_web_id: StrStruct::new(),
            sc_source_identity: StringBuilder::with_capacity(0, 0),
            sc_ec2_role_delivery: StringBuilder::with_capacity(0, 0),
            sc_valid: Vec::new(),
            eventtime: TimestampMicrosecondBuilder::with_capacity(0).with_timezone("UTC"),
            eventsource: StringBuilder::with_capacity(0, 0),
            eventname: StringBuilder::with_capacity(0, 0),
            awsregion: StringBuilder::with_capacity(0, 0),
            sourceipaddress: StringBuilder::with_capacity(0, 0),
            useragent: StringBuilder::with_capacity(0, 0),
            errorcode: StringBuilder::with_capacity(0, 0),
            errormessage: StringBuilder::with_capacity(0, 0),
            requestparameters: StringBuilder::with_capacity(0, 0),
            responseelements: StringBuilder::with_capacity(0, 0),
            additionaleventdata: StringBuilder::with_capacity(0, 0),
            requestid: StringBuilder::with_capacity(0, 0),
            eventid: StringBuilder::with_capacity(0, 0),
            resource_items: StrStruct::new(),
            resource_offsets: vec![0],
            resource_valid: Vec::new(),
            eventtype: StringBuilder::with_capacity(0, 0),
            apiversion: StringBuilder::with_capacity(0, 0),
            readonly: BooleanBuilder::with_capacity(0),
            recipientaccountid: StringBuilder::with_capacity(0, 0),
            serviceeventdetails: StringBuilder::with_capacity(0, 0),
            sharedeventid: StringBuilder::with_capacity(0, 0),
            vpcendpointid: StringBuilder::with_capacity(0, 0),
            vpcendpointaccountid: StringBuilder::with_capacity(0, 0),
            eventcategory: StringBuilder::with_capacity(0, 0),
            managementevent: BooleanBuilder::with_capacity(0),
            addendum: StrStruct::new(),
            sessioncredentialfromconsole: StringBuilder::with_capacity(0, 0),
            edgedevicedetails: StringBuilder::with_capacity(0, 0),
            tlsdetails: StrStruct::new(),
            inscopeof: StringBuilder::with_capacity(0, 0),
            extra: StringBuilder::with_capacity(0, 0),
            principal_arn: StringBuilder::with_capacity(0, 0),
            session_name: StringBuilder::with_capacity(0, 0),
            account_id: StringBuilder::with_capacity(0, 0),
            event_date: Date32Builder::new(),
            mapping: MappingColumns::new(),
            keys: Vec::new(),
            days: Vec::new(),
            rows: 0,
            seen: 0,
            errors: Vec::new(),
            scratch: String::new(),
            bounds: None,
            pending_outliers: Vec::new(),
            outliers: Vec::new(),
        }
    }

    /// Sets records whose time is outside `bounds` aside as outliers: [`Self::finish`]
    /// leaves them out of its batch, [`Self::take_outliers`] hands them over.
    pub fn with_bounds(mut self, bounds: TimeBounds) -> Self {
        self.bounds = Some(bounds);
        self
    }

    /// Rows appended so far.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// True when no row was appended.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Records left out so far.
    pub fn errors(&self) -> &[RecordError] {
        &self.errors
    }

    /// Takes the records left out so far.
    pub fn take_errors(&mut self) -> Vec<RecordError> {
        std::mem::take(&mut self.errors)
    }

    /// Takes the outliers that [`Self::finish`] set aside so far.
    pub fn take_outliers(&mut self) -> Vec<OutlierBatch> {
        std::mem::take(&mut self.outliers)
    }

    fn append(&mut self, r: &CloudTrailRecord<'_>) -> Result<(), String> {
        let event_time = text(&r.event_time).ok_or("missing `eventTime`")?;
        let micros = derive::parse_event_time(event_time)
            .map_err(|e| format!("`eventTime` `{event_time}` {e}"))?;
        let event_source = text(&r.event_source).ok_or("missing `eventSource`")?;
        let event_name = text(&r.event_name).ok_or("missing `eventName`")?;

        // The key: CloudTrail's eventID; a record without one gets a stable id from its
        // content so that re-ingesting it still de-duplicates.
        let synthesized;
        let event_id = match text(&r.event_id) {
            Some(id) => id,
            None => {
                synthesized = synthesize_event_id(r, event_time, event_source, event_name);
                synthesized.as_str()
            }
        };
        self.keys.push(crate::store::batch::event_key(event_id));
        let day = derive::day_of_micros(micros);
        self.days.push(day);

        self.eventversion.append_option(text(&r.event_version));
        self.append_user_identity(r);
        self.eventtime.append_value(micros);
        self.eventsource.append_value(event_source);
        self.eventname.append_value(event_name);
        self.awsregion.append_option(text(&r.aws_region));
        self.sourceipaddress
            .append_option(text(&r.source_ip_address));
        self.useragent.append_option(text(&r.user_agent));
        self.errorcode.append_option(text(&r.error_code));
        self.errormessage.append_option(text(&r.error_message));
        append_raw(
            &mut self.requestparameters,
            &mut self.scratch,
            r.request_parameters,
        );
        append_raw(
            &mut self.responseelements,
            &mut self.scratch,
            r.response_elements,
        );
        append_raw(
            &mut self.additionaleventdata,
            &mut self.scratch,
            r.additional_event_data,
        );
        self.requestid.append_option(text(&r.request_id));
        self.eventid.append_value(event_id);
        self.append_resources(r);
        self.eventtype.append_option(text(&r.event_type));
        self.apiversion.append_option(text(&r.api_version));
        self.readonly.append_option(r.read_only.map(|f| f.0));
        self.recipientaccountid
            .append_option(text(&r.recipient_account_id));
        append_raw(
            &mut self.serviceeventdetails,
            &mut self.scratch,
            r.service_event_details,
        );
        self.sharedeventid.append_option(text(&r.shared_event_id));
        self.vpcendpointid.append_option(text(&r.vpc_endpoint_id));
        self.vpcendpointaccountid
            .append_option(text(&r.vpc_endpoint_account_id));
        self.eventcategory.append_option(text(&r.event_category));
        self.managementevent
            .append_option(r.management_event.map(|f| f.0));
        self.addendum.append(r.addendum.as_ref().map(|a| {
            [
                text(&a.reason),
                text(&a.updated_fields),
                text(&a.original_request_id),
                text(&a.original_event_id),
            ]
        }));
        self.sessioncredentialfromconsole
            .append_option(text(&r.session_credential_from_console));
        append_raw(
            &mut self.edgedevicedetails,
            &mut self.scratch,
            r.edge_device_details,
        );
        self.tlsdetails.append(r.tls_details.as_ref().map(|t| {
            [
                text(&t.tls_version),
                text(&t.cipher_suite),
                text(&t.client_provided_host_header),
            ]
        }));
        append_raw(&mut self.inscopeof, &mut self.scratch, r.in_scope_of);
        self.append_extra(r);

        let principal = r.user_identity.as_ref().and_then(derive::principal_arn);
        self.principal_arn.append_option(principal.as_deref());
        self.session_name
            .append_option(r.user_identity.as_ref().and_then(derive::session_name));
        let account = principal
            .as_deref()
            .and_then(derive::arn_account)
            .or_else(|| r.user_identity.as_ref().and_then(|u| text(&u.account_id)))
            .or_else(|| text(&r.recipient_account_id));
        self.account_id.append_option(account);
        self.event_date.append_value(day);
        self.mapping.append(
            event_source,
            event_name,
            text(&r.event_type),
            &EventJson::new(
                r.request_parameters.map(RawValue::get),
                r.response_elements.map(RawValue::get),
                r.additional_event_data.map(RawValue::get),
            ),
        );
        if let Some(Err(why)) = self.bounds.map(|b| b.check(micros)) {
            let outlier = Outlier {
                record: self.seen,
                event_time: event_time.to_owned(),
                reason: why.to_string(),
            };
            self.pending_outliers.push((self.rows, outlier));
        }
        self.rows += 1;
        Ok(())
    }

    fn append_user_identity(&mut self, r: &CloudTrailRecord<'_>) {
        let Some(u) = &r.user_identity else {
            self.ui_scalars.append(None);
            self.ui_on_behalf_of.append(None);
            self.append_session_context(None);
            return;
        };
        self.ui_scalars.append(Some([
            text(&u.kind),
            text(&u.principal_id),
            text(&u.arn),
            text(&u.account_id),
            text(&u.invoked_by),
            text(&u.access_key_id),
            text(&u.user_name),
        ]));
        self.ui_on_behalf_of.append(
            u.on_behalf_of
                .as_ref()
                .map(|o| [text(&o.user_id), text(&o.identity_store_arn)]),
        );
        self.append_session_context(u.session_context.as_ref());
    }

    fn append_session_context(&mut self, ctx: Option<&super::record::SessionContext<'_>>) {
        let Some(c) = ctx else {
            self.sc_attributes.append(None);
            self.sc_issuer.append(None);
            self.sc_web_id.append(None);
            self.sc_source_identity.append_null();
            self.sc_ec2_role_delivery.append_null();
            self.sc_valid.push(false);
            return;
        };
        self.sc_attributes.append(
            c.has_attributes
                .then(|| [text(&c.mfa_authenticated), text(&c.creation_date)]),
        );
        self.sc_issuer.append(c.session_issuer.as_ref().map(|i| {
            [
                text(&i.kind),
                text(&i.principal_id),
                text(&i.arn),
                text(&i.account_id),
                text(&i.user_name),
            ]
        }));
        match &c.web_id_federation_data {
            Some(w) => {
                let attributes = w
                    .attributes
                    .and_then(|raw| minified(raw, &mut self.scratch));
                let attributes = attributes.map(str::to_owned);
                self.sc_web_id
                    .append(Some([text(&w.federated_provider), attributes.as_deref()]));
            }
            None => self.sc_web_id.append(None),
        }
        self.sc_source_identity
            .append_option(text(&c.source_identity));
        self.sc_ec2_role_delivery
            .append_option(text(&c.ec2_role_delivery));
        self.sc_valid.push(true);
    }

    fn append_resources(&mut self, r: &CloudTrailRecord<'_>) {
        let last = *self.resource_offsets.last().unwrap_or(&0);
        if !r.has_resources {
            self.resource_offsets.push(last);
            self.resource_valid.push(false);
            return;
        }
        for res in &r.resources {
            self.resource_items.append(Some([
                text(&res.arn),
                text(&res.account_id),
                text(&res.kind),
            ]));
        }
        self.resource_offsets.push(last + r.resources.len() as i32);
        self.resource_valid.push(true);
    }

    fn append_extra(&mut self, r: &CloudTrailRecord<'_>) {
        if r.extra.is_empty() {
            self.extra.append_null();
            return;
        }
        let mut out = String::from("{");
        for (i, (path, raw)) in r.extra.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(path).unwrap_or_default());
            out.push(':');
            minify_into(raw.get(), &mut out);
        }
        out.push('}');
        self.extra.append_value(&out);
    }

    /// Finishes the rows appended so far into a batch (possibly empty) and resets. Outliers
    /// are left out of it and kept for [`Self::take_outliers`].
    pub fn finish(&mut self) -> DecodedBatch {
        let user_identity = self.finish_user_identity();
        let resources = self.finish_resources();
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.eventversion.finish()),
            user_identity,
            Arc::new(self.eventtime.finish()),
            Arc::new(self.eventsource.finish()),
            Arc::new(self.eventname.finish()),
            Arc::new(self.awsregion.finish()),
            Arc::new(self.sourceipaddress.finish()),
            Arc::new(self.useragent.finish()),
            Arc::new(self.errorcode.finish()),
            Arc::new(self.errormessage.finish()),
            Arc::new(self.requestparameters.finish()),
            Arc::new(self.responseelements.finish()),
            Arc::new(self.additionaleventdata.finish()),
            Arc::new(self.requestid.finish()),
            Arc::new(self.eventid.finish()),
            resources,
            Arc::new(self.eventtype.finish()),
            Arc::new(self.apiversion.finish()),
            Arc::new(self.readonly.finish()),
            Arc::new(self.recipientaccountid.finish()),
            Arc::new(self.serviceeventdetails.finish()),
            Arc::new(self.sharedeventid.finish()),
            Arc::new(self.vpcendpointid.finish()),
            Arc::new(self.vpcendpointaccountid.finish()),
            Arc::new(self.eventcategory.finish()),
            Arc::new(self.managementevent.finish()),
            self.addendum.finish(schema::addendum_fields()),
            Arc::new(self.sessioncredentialfromconsole.finish()),
            Arc::new(self.edgedevicedetails.finish()),
            self.tlsdetails.finish(schema::tls_details_fields()),
            Arc::new(self.inscopeof.finish()),
            Arc::new(self.extra.finish()),
            Arc::new(self.principal_arn.finish()),
            Arc::new(self.session_name.finish()),
            Arc::new(self.account_id.finish()),
            Arc::new(self.event_date.finish()),
        ];
        columns.extend(self.mapping.finish());
        self.rows = 0;
        // The person columns read three of the columns just built.
        let schema = events_schema();
        let by_name = |name: &'static str| {
            let i = schema.index_of(name).expect("an events column");
            (name, Arc::clone(&columns[i]))
        };
        let identity = RecordBatch::try_from_iter([
            by_name(schema::col::USERIDENTITY),
            by_name(schema::col::SESSION_NAME),
            by_name(schema::col::EVENTSOURCE),
        ])
        .unwrap_or_else(|e| panic!("identity columns of a built batch: {e}"));
        columns.extend(
            crate::store::personcols::person_columns(&identity)
                .unwrap_or_else(|e| panic!("person columns of a built batch: {e}")),
        );
        let batch = RecordBatch::try_new(events_schema(), columns)
            .unwrap_or_else(|e| panic!("events builder out of step with its schema: {e}"));
        let decoded = DecodedBatch {
            batch,
            keys: std::mem::take(&mut self.keys),
            days: std::mem::take(&mut self.days),
        };
        if self.pending_outliers.is_empty() {
            return decoded;
        }
        self.set_outliers_apart(decoded)
    }

    /// Splits the outlier rows off `decoded` into `self.outliers`; rare, so a copy.
    fn set_outliers_apart(&mut self, decoded: DecodedBatch) -> DecodedBatch {
        let DecodedBatch { batch, keys, days } = decoded;
        let mut apart = vec![false; batch.num_rows()];
        let mut outliers = Vec::new();
        for (row, outlier) in self.pending_outliers.drain(..) {
            apart[row] = true;
            outliers.push(outlier);
        }
        let keep: BooleanArray = apart.iter().map(|a| Some(!a)).collect();
        let apart_mask = BooleanArray::from(apart.clone());
        let split = |mask: &BooleanArray| {
            filter_record_batch(&batch, mask)
                .unwrap_or_else(|e| panic!("a mask as long as its batch: {e}"))
        };
        self.outliers.push(OutlierBatch {
            batch: split(&apart_mask),
            outliers,
        });
        DecodedBatch {
            batch: split(&keep),
            keys: not_apart(keys, &apart),
            days: not_apart(days, &apart),
        }
    }

    fn finish_user_identity(&mut self) -> ArrayRef {
        let ctx_fields = schema::session_context_fields();
        let field = |name: &str| -> Fields {
            match ctx_fields
                .iter()
                .find(|f| f.name() == name)
                .map(|f| f.data_type())
            {
                Some(DataType::Struct(fields)) => fields.clone(),
                _ => unreachable!("session context field `{name}` is a struct"),
            }
        };
        let ctx_children: Vec<ArrayRef> = vec![
            self.sc_attributes.finish(field("attributes")),
            self.sc_issuer.finish(schema::session_issuer_fields()),
            self.sc_web_id.finish(field("webidfederationdata")),
            Arc::new(self.sc_source_identity.finish()),
            Arc::new(self.sc_ec2_role_delivery.finish()),
        ];
        let ctx = StructArray::new(ctx_fields, ctx_children, take_nulls(&mut self.sc_valid));

        let ui_fields = schema::user_identity_fields();
        let on_behalf_of_fields = match ui_fields[7].data_type() {
            DataType::Struct(fields) => fields.clone(),
            _ => unreachable!("`onbehalfof` is a struct"),
        };
        let mut children = self.ui_scalars.finish_children();
        children.push(self.ui_on_behalf_of.finish(on_behalf_of_fields));
        children.push(Arc::new(ctx));
        let nulls = take_nulls(&mut self.ui_scalars.valid);
        Arc::new(StructArray::new(ui_fields, children, nulls))
    }

    fn finish_resources(&mut self) -> ArrayRef {
        let items = self.resource_items.finish(schema::resource_fields());
        let offsets =
            OffsetBuffer::new(std::mem::replace(&mut self.resource_offsets, vec![0]).into());
        let item_field = Arc::new(Field::new(
            "item",
            DataType::Struct(schema::resource_fields()),
            true,
        ));
        Arc::new(ListArray::new(
            item_field,
            offsets,
            items,
            take_nulls(&mut self.resource_valid),
        ))
    }
}

impl RecordSink for EventBatchBuilder {
    fn push(&mut self, record: CloudTrailRecord<'_>) {
        self.seen += 1;
        if let Err(message) = self.append(&record) {
            self.errors.push(RecordError {
                record: self.seen,
                message,
            });
        }
    }

    fn reject(&mut self, message: String) {
        self.seen += 1;
        self.errors.push(RecordError {
            record: self.seen,
            message,
        });
    }

    fn seen(&self) -> u64 {
        self.seen
    }
}

/// The values whose row is not set apart.
fn not_apart<T>(values: Vec<T>, apart: &[bool]) -> Vec<T> {
    values
        .into_iter()
        .zip(apart)
        .filter(|(_, a)| !**a)
        .map(|(v, _)| v)
        .collect()
}

/// A stable id for a record without `eventID`: `tc-` and 32 hex digits of a BLAKE3 digest
/// over the fields that identify a call.
fn synthesize_event_id(r: &CloudTrailRecord<'_>, time: &str, source: &str, name: &str) -> String {
    let mut hasher = blake3::Hasher::new();
    for part in [
        Some(time),
        Some(source),
        Some(name),
        text(&r.request_id),
        r.user_identity.as_ref().and_then(|u| text(&u.arn)),
        r.user_identity.as_ref().and_then(|u| text(&u.principal_id)),
        text(&r.source_ip_address),
        r.request_parameters.map(RawValue::get),
    ] {
        hasher.update(part.unwrap_or("").as_bytes());
        hasher.update(&[0]);
    }
    let hex = hasher.finalize().to_hex();
    format!("tc-{}", &hex[..32])
}

/// Appends raw JSON text, null for JSON `null`, minified when it was pretty-printed.
fn append_raw(builder: &mut StringBuilder, scratch: &mut String, raw: Option<&RawValue>) {
    builder.append_option(raw.and_then(|raw| minified(raw, scratch)));
}

/// The JSON text of `raw` without insignificant whitespace; `None` for `null`.
fn minified<'a>(raw: &'a RawValue, scratch: &'a mut String) -> Option<&'a str> {
    let text = raw.get();
    if text == "null" {
        return None;
    }
    // CloudTrail writes compact JSON. Pretty-printed input always has line breaks; spaces
    // alone (`{"a": 1}`) are valid JSON, and a space inside a string is no reason to copy.
    if memchr::memchr3(b'\n', b'\r', b'\t', text.as_bytes()).is_none() {
        return Some(text);
    }
    scratch.clear();
    minify_into(text, scratch);
    Some(scratch.as_str())
}

/// Copies JSON text into `out`, dropping whitespace outside strings.
pub fn minify_into(text: &str, out: &mut String) {
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if !c.is_ascii_whitespace() {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{Array, AsArray, StructArray};

    use super::*;
    use crate::ingest::decode::decode_str;

    fn build(text: &str) -> (DecodedBatch, Vec<RecordError>) {
        let mut builder = EventBatchBuilder::new();
        decode_str(text, &mut builder).unwrap();
        let errors = builder.take_errors();
        (builder.finish(), errors)
    }

    fn string(batch: &RecordBatch, name: &str, row: usize) -> Option<String> {
        let col = batch.column_by_name(name).unwrap().as_string::<i32>();
        col.is_valid(row).then(|| col.value(row).to_owned())
    }

    #[test]
    fn required_fields_are_enforced_with_positions() {
        let text = r#"[
            {"eventTime":"2024-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"a"},
            {"eventSource":"s3.amazonaws.com","eventName":"GetObject"},
            {"eventTime":"2024-01-01T00:00:00Z","eventName":"GetObject"},
            {"eventTime":"2024-01-01T00:00:00Z","eventSource":"s3.amazonaws.com"},
            {"eventTime":"soon","eventSource":"s3.amazonaws.com","eventName":"GetObject"},
            {"eventTime":"2024-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"PutObject","eventID":"b"}
        ]"#;
        let (decoded, errors) = build(text);
        assert_eq!(decoded.batch.num_rows(), 2);
        let got: Vec<(u64, &str)> = errors
            .iter()
            .map(|e| (e.record, e.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (2, "missing `eventTime`"),
                (3, "missing `eventSource`"),
                (4, "missing `eventName`"),
                (
                    5,
                    "`eventTime` `soon` is not a timestamp (YYYY-MM-DDTHH:MM:SSZ, another RFC 3339 \
                     time, or YYYY-MM-DD HH:MM:SS in UTC)"
                ),
            ]
        );
    }

    /// Issue 18, finding 3: impossible dates and leap seconds cost their record only.
    #[test]
    fn impossible_times_are_refused_per_record() {
        let text = r#"[
            {"eventTime":"2026-02-30T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"a"},
            {"eventTime":"2026-02-28T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"b"},
            {"eventTime":"2016-12-31T23:59:60Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"c"},
            {"eventTime":"2026-13-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"d"},
            {"eventTime":"2025-01-21 17:49:47.000000000","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"e"}
        ]"#;
        let (decoded, errors) = build(text);
        assert_eq!(decoded.batch.num_rows(), 2);
        assert_eq!(decoded.days, [20_512, 20_109]);
        let got: Vec<(u64, &str)> = errors
            .iter()
            .map(|e| (e.record, e.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    1,
                    "`eventTime` `2026-02-30T10:00:00Z` names day 30 of 2026-02, which does not exist"
                ),
                (
                    3,
                    "`eventTime` `2016-12-31T23:59:60Z` is a leap second (second 60): refused \
                     rather than moved into the next minute or day"
                ),
                (
                    4,
                    "`eventTime` `2026-13-01T00:00:00Z` names month 13, which does not exist"
                ),
            ]
        );
    }

    /// Issue 18, finding 3: a time outside the object's bounds is set aside, not stored.
    #[test]
    fn outliers_are_set_aside_with_their_position() {
        let at = |t: &str| {
            chrono::DateTime::parse_from_rfc3339(t)
                .unwrap()
                .timestamp_micros()
        };
        let read = at("2026-06-01T00:00:00Z");
        let mut builder =
            EventBatchBuilder::new().with_bounds(TimeBounds::for_object("export.json", read));
        let text = r#"[
            {"eventTime":"2026-05-31T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"a"},
            {"eventTime":"9999-12-31T23:59:59Z","eventSource":"iam.amazonaws.com","eventName":"ListUsers","eventID":"b"},
            {"eventSource":"s3.amazonaws.com","eventName":"GetObject"},
            {"eventTime":"1970-01-01T00:00:00Z","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","eventID":"c"},
            {"eventTime":"2026-06-02T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"PutObject","eventID":"d"}
        ]"#;
        decode_str(text, &mut builder).unwrap();
        let decoded = builder.finish();
        assert_eq!(decoded.batch.num_rows(), 2);
        assert_eq!(decoded.keys.len(), 2);
        assert_eq!(decoded.days.len(), 2);
        assert_eq!(string(&decoded.batch, "eventid", 0).as_deref(), Some("a"));
        assert_eq!(string(&decoded.batch, "eventid", 1).as_deref(), Some("d"));
        assert_eq!(builder.errors().len(), 1);
        let apart = builder.take_outliers();
        assert_eq!(apart.len(), 1);
        assert_eq!(apart[0].batch.num_rows(), 2);
        assert_eq!(string(&apart[0].batch, "eventid", 0).as_deref(), Some("b"));
        assert_eq!(
            string(&apart[0].batch, "eventname", 1).as_deref(),
            Some("GetCallerIdentity")
        );
        let outliers: Vec<(u64, &str, &str)> = apart[0]
            .outliers
            .iter()
            .map(|o| (o.record, o.event_time.as_str(), o.reason.as_str()))
            .collect();
        assert_eq!(
            outliers,
            [
                (
                    2,
                    "9999-12-31T23:59:59Z",
                    "more than a day after it was read (2026-06-01T00:00:00Z): after 2026-06-02T00:00:00Z"
                ),
                (
                    4,
                    "1970-01-01T00:00:00Z",
                    "before CloudTrail began (2013-11-01T00:00:00Z)"
                ),
            ]
        );
        // The next batch starts clean.
        decode_str(
            r#"{"eventTime":"2026-05-31T10:00:00Z","eventSource":"s","eventName":"n","eventID":"e"}"#,
            &mut builder,
        )
        .unwrap();
        assert_eq!(builder.finish().batch.num_rows(), 1);
        assert!(builder.take_outliers().is_empty());
    }

    #[test]
    fn a_record_without_event_id_gets_a_stable_one() {
        let text = r#"{"eventTime":"2024-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","requestID":"r1"}"#;
        let (first, _) = build(text);
        let (again, _) = build(text);
        let id = string(&first.batch, "eventid", 0).unwrap();
        assert!(id.starts_with("tc-") && id.len() == 35, "{id}");
        assert_eq!(Some(id), string(&again.batch, "eventid", 0));
        assert_eq!(first.keys, again.keys);
    }

    #[test]
    fn derived_columns() {
        let text = r#"[
          {"eventTime":"2024-07-30T21:53:13Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","recipientAccountId":"111111111111",
           "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::222222222222:assumed-role/etl/i-0abc","accountId":"222222222222",
             "sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::222222222222:role/service-role/etl"},"attributes":{"mfaAuthenticated":"false"}}}},
          {"eventTime":"2024-07-30T23:59:59Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","recipientAccountId":"111111111111",
           "userIdentity":{"type":"AWSService","invokedBy":"lambda.amazonaws.com"}},
          {"eventTime":"2024-07-31T00:00:00Z","eventSource":"iam.amazonaws.com","eventName":"ListUsers",
           "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::333333333333:user/bob","accountId":"333333333333","userName":"bob"}},
          {"eventTime":"2024-07-31T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject",
           "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::444444444444:assumed-role/NoIssuer/s1","accountId":"444444444444"}}
        ]"#;
        let (d, errors) = build(text);
        assert!(errors.is_empty());
        let b = &d.batch;
        let col = |name: &str| (0..4).map(|r| string(b, name, r)).collect::<Vec<_>>();
        assert_eq!(
            col("principal_arn"),
            [
                Some("arn:aws:iam::222222222222:role/service-role/etl".into()),
                Some("lambda.amazonaws.com".into()),
                Some("arn:aws:iam::333333333333:user/bob".into()),
                Some("arn:aws:iam::444444444444:role/NoIssuer".into()),
            ]
        );
        assert_eq!(
            col("session_name"),
            [Some("i-0abc".into()), None, None, Some("s1".into())]
        );
        assert_eq!(
            col("account_id"),
            [
                Some("222222222222".into()),
                Some("111111111111".into()),
                Some("333333333333".into()),
                Some("444444444444".into()),
            ]
        );
        assert_eq!(d.days, [19_934, 19_934, 19_935, 19_935]);
        // The struct keeps what was there and is null where nothing was.
        let ui = b
            .column_by_name("useridentity")
            .unwrap()
            .as_any()
            .downcast_ref::<StructArray>()
            .unwrap();
        assert!(ui.is_valid(1));
        let ctx = ui.column_by_name("sessioncontext").unwrap();
        assert!(ctx.is_valid(0) && ctx.is_null(1) && ctx.is_null(2));
    }

    #[test]
    fn pretty_raw_json_is_minified_and_null_is_null() {
        let text = "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventSource\":\"s\",\"eventName\":\"n\",\
            \"requestParameters\":{\n  \"bucketName\": \"a b\",\n  \"key\": \"x\\\" y\"\n},\"responseElements\":null}";
        let (d, _) = build(text);
        assert_eq!(
            string(&d.batch, "requestparameters", 0).as_deref(),
            Some(r#"{"bucketName":"a b","key":"x\" y"}"#)
        );
        assert_eq!(string(&d.batch, "responseelements", 0), None);
    }
}
